//! The synchronous evaluator: statements and expressions that contain no `await`.
//! This is the hot path of every program, so variables are slot-indexed, integers have
//! fast paths, and errors are stamped with their span only on the way out.

use super::value::{Value, compare, values_equal};
use super::{Ctrl, Frame, Interp, R, fail};
use crate::syntax::ast::*;
use std::rc::Rc;

impl Interp {
    // ----- variables ---------------------------------------------------------------------

    #[inline]
    pub fn load(&self, slot: Slot, f: &Frame) -> Value {
        match slot {
            Slot::Local(s) => f.slots[s as usize].clone(),
            Slot::LocalCell(s) => match &f.slots[s as usize] {
                Value::Cell(c) => c.borrow().clone(),
                other => other.clone(),
            },
            Slot::Capture(i) => match &f.closure {
                Some(c) => c.captures[i as usize].borrow().clone(),
                None => Value::Nil,
            },
            Slot::Global(g) => self.global(g),
            Slot::Unresolved => Value::Nil,
        }
    }

    /// A new binding (`let`, parameters, loop variables): a captured slot gets a fresh
    /// cell, so closures made in different iterations see different variables.
    #[inline]
    pub fn bind(&self, slot: Slot, v: Value, f: &mut Frame) {
        match slot {
            Slot::Local(s) => f.slots[s as usize] = v,
            Slot::LocalCell(s) => f.slots[s as usize] = Value::Cell(Rc::new(std::cell::RefCell::new(v))),
            _ => self.assign(slot, v, f),
        }
    }

    /// Assignment to an existing variable.
    #[inline]
    pub fn assign(&self, slot: Slot, v: Value, f: &mut Frame) {
        match slot {
            Slot::Local(s) => f.slots[s as usize] = v,
            Slot::LocalCell(s) => match &f.slots[s as usize] {
                Value::Cell(c) => *c.borrow_mut() = v,
                _ => f.slots[s as usize] = Value::Cell(Rc::new(std::cell::RefCell::new(v))),
            },
            Slot::Capture(i) => {
                if let Some(c) = &f.closure {
                    *c.captures[i as usize].borrow_mut() = v;
                }
            }
            Slot::Global(g) => self.set_global(g, v),
            Slot::Unresolved => {}
        }
    }

    // ----- statements ----------------------------------------------------------------------

    pub fn exec_block(&self, block: &Block, f: &mut Frame) -> R<()> {
        if !block.scope_slots.is_empty() {
            return self.exec_scoped_block(block, f);
        }
        for stmt in &block.stmts {
            self.exec(stmt, f)?;
        }
        Ok(())
    }

    /// A block that declares variables: they are cleared however the block is left.
    #[inline(never)]
    fn exec_scoped_block(&self, block: &Block, f: &mut Frame) -> R<()> {
        let mut r = Ok(());
        for stmt in &block.stmts {
            r = self.exec(stmt, f);
            if r.is_err() {
                break;
            }
        }
        clear_scope(block, f);
        r
    }

    pub fn exec(&self, stmt: &Stmt, f: &mut Frame) -> R<()> {
        match &stmt.kind {
            StmtKind::Expr(e) => {
                self.eval(e, f)?;
            }
            StmtKind::Let { pat, value, .. } => {
                let v = self.eval(value, f)?;
                self.bind_pattern(pat, v, f, stmt.span)?;
            }
            StmtKind::Assign { target, op, value } => self.exec_assign(target, *op, value, f)?,
            StmtKind::If { branches, else_ } => {
                for (cond, body) in branches {
                    if self.truthy(cond, f)? {
                        return self.exec_block(body, f);
                    }
                }
                if let Some(b) = else_ {
                    return self.exec_block(b, f);
                }
            }
            StmtKind::While { cond, body } => {
                while self.truthy(cond, f)? {
                    self.check_interrupt()?;
                    match self.exec_block(body, f) {
                        Ok(()) | Err(Ctrl::Continue) => {}
                        Err(Ctrl::Break) => break,
                        Err(other) => return Err(other),
                    }
                }
            }
            StmtKind::Loop { body } => loop {
                self.check_interrupt()?;
                match self.exec_block(body, f) {
                    Ok(()) | Err(Ctrl::Continue) => {}
                    Err(Ctrl::Break) => break,
                    Err(other) => return Err(other),
                }
            },
            StmtKind::For { pat, iter, body } => {
                let iterable = self.eval(iter, f)?;
                self.exec_for(pat, iterable, body, f, iter.span)?;
            }
            StmtKind::Break => return Err(Ctrl::Break),
            StmtKind::Continue => return Err(Ctrl::Continue),
            StmtKind::Return(v) => {
                let v = match v {
                    Some(e) => self.eval(e, f)?,
                    None => Value::Nil,
                };
                return Err(self.ret(v));
            }
            StmtKind::Match { scrutinee, arms } => {
                let v = self.eval(scrutinee, f)?;
                for arm in arms {
                    if self.match_arm(arm, &v, f)? {
                        return self.exec_block(&arm.body, f);
                    }
                }
                return fail(format!("no match arm matched {}", v.repr())).map_err(|e| stamp(e, scrutinee.span));
            }
            StmtKind::Fn(decl) => self.declare_nested_fn(decl, f),
            StmtKind::Struct(_) | StmtKind::Enum(_) | StmtKind::Impl(_) | StmtKind::Import(_) => {
                // declared when the module was loaded
            }
        }
        Ok(())
    }

    pub fn declare_nested_fn(&self, decl: &Rc<FnDecl>, f: &mut Frame) {
        let closure = self.make_closure(decl, f);
        self.assign(decl.info.self_slot, closure, f);
    }

    /// Runs one `for` loop over any iterable; `body` runs synchronously.
    fn exec_for(&self, pat: &Pattern, iterable: Value, body: &Block, f: &mut Frame, span: Span) -> R<()> {
        let mut it = self.iterate(iterable).map_err(|e| stamp(e, span))?;
        let r = self.run_for(pat, &mut it, body, f);
        self.clear_bindings(pat, f);
        r
    }

    fn run_for(&self, pat: &Pattern, it: &mut super::builtins::Iter, body: &Block, f: &mut Frame) -> R<()> {
        while let Some(item) = it.next_value(self) {
            self.check_interrupt()?;
            self.bind_pattern(pat, item, f, pat.span)?;
            match self.exec_block(body, f) {
                Ok(()) | Err(Ctrl::Continue) => {}
                Err(Ctrl::Break) => break,
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    #[inline]
    pub fn truthy(&self, cond: &Expr, f: &mut Frame) -> R<bool> {
        if let ExprKind::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne), a, b) =
            &cond.kind
        {
            if let (ExprKind::Var(VarRef { slot: Slot::Local(s), .. }), ExprKind::Int(k)) = (&a.kind, &b.kind)
                && let Some(Value::Int(x)) = f.slots.get(*s as usize)
            {
                return Ok(int_compare(*op, *x, *k));
            }
            let x = self.eval(a, f)?;
            let y = self.eval(b, f)?;
            if let (Value::Int(i), Value::Int(j)) = (&x, &y) {
                let r = int_compare(*op, *i, *j);
                // ints own nothing: skip the out-of-line drop glue on the hot path
                std::mem::forget(x);
                std::mem::forget(y);
                return Ok(r);
            }
            return match self.binary(*op, x, y) {
                Ok(Value::Bool(v)) => Ok(v),
                Ok(_) => Ok(false),
                Err(e) => Err(stamp(e, cond.span)),
            };
        }
        match self.eval(cond, f)? {
            Value::Bool(b) => Ok(b),
            other => Err(stamp(Ctrl::error(format!("condition must be a bool, got {}", other.type_name())), cond.span)),
        }
    }

    fn exec_assign(&self, target: &Expr, op: Option<BinOp>, value: &Expr, f: &mut Frame) -> R<()> {
        match &target.kind {
            ExprKind::Var(v) => {
                let mut rhs = self.eval(value, f)?;
                if let Some(op) = op {
                    let old = self.load(v.slot, f);
                    rhs = match (&old, &rhs) {
                        (Value::Int(x), Value::Int(y)) => int_op(op, *x, *y),
                        _ => self.binary(op, old, rhs),
                    }
                    .map_err(|e| stamp(e, target.span.to(value.span)))?;
                }
                self.assign(v.slot, rhs, f);
                Ok(())
            }
            ExprKind::Index(base, idx) => {
                let container = self.eval(base, f)?;
                let index = self.eval(idx, f)?;
                let mut rhs = self.eval(value, f)?;
                if let Some(op) = op {
                    let old = self.index(&container, &index).map_err(|e| stamp(e, target.span))?;
                    rhs = self.binary(op, old, rhs).map_err(|e| stamp(e, target.span.to(value.span)))?;
                }
                self.set_index(&container, index, rhs).map_err(|e| stamp(e, target.span))
            }
            ExprKind::Field(base, name) => {
                let obj = self.eval(base, f)?;
                let mut rhs = self.eval(value, f)?;
                if let Some(op) = op {
                    let old = self.field(&obj, name).map_err(|e| stamp(e, target.span))?;
                    rhs = self.binary(op, old, rhs).map_err(|e| stamp(e, target.span.to(value.span)))?;
                }
                self.set_field(&obj, name, rhs).map_err(|e| stamp(e, target.span))
            }
            _ => fail("invalid assignment target").map_err(|e| stamp(e, target.span)),
        }
    }

    // ----- expressions ---------------------------------------------------------------------

    /// Evaluates an expression. Leaves are handled inline; the rest in `eval_node`.
    /// Errors are stamped with the span of the innermost expression they come from.
    #[inline]
    pub fn eval(&self, e: &Expr, f: &mut Frame) -> R<Value> {
        match &e.kind {
            ExprKind::Int(i) => Ok(Value::Int(*i)),
            ExprKind::Var(v) => Ok(self.load(v.slot, f)),
            _ => self.eval_node(e, f),
        }
    }

    fn eval_node(&self, e: &Expr, f: &mut Frame) -> R<Value> {
        let at = |c: Ctrl| stamp(c, e.span);
        Ok(match &e.kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Var(v) => self.load(v.slot, f),
            ExprKind::Binary(op, a, b) => return self.eval_binary(*op, a, b, f).map_err(at),
            ExprKind::Call { callee, args } => return self.eval_call(callee, args, f, e.span).map_err(at),
            ExprKind::MethodCall { recv, method, args } => {
                let r = self.eval(recv, f)?;
                return self.eval_method_call(r, method, args, f, e.span).map_err(at);
            }
            _ => return self.eval_rare(e, f),
        })
    }

    /// The less frequent expression kinds (kept apart so `eval_node` stays small).
    #[inline(never)]
    fn eval_rare(&self, e: &Expr, f: &mut Frame) -> R<Value> {
        let at = |c: Ctrl| stamp(c, e.span);
        Ok(match &e.kind {
            ExprKind::Nil => Value::Nil,
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Float(x) => Value::Float(*x),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Bytes(b) => Value::bytes(b.to_vec()),
            ExprKind::Interp(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        InterpPart::Lit(s) => out.push_str(s),
                        InterpPart::Expr(x) => self.eval(x, f)?.write_display(&mut out, false),
                    }
                }
                Value::str(out)
            }
            ExprKind::List(items) => Value::list(self.eval_list(items, f)?),
            ExprKind::Tuple(items) => Value::tuple(self.eval_list(items, f)?),
            ExprKind::Dict(pairs) => {
                let mut entries = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    entries.push((self.eval(k, f)?, self.eval(v, f)?));
                }
                self.make_dict(entries).map_err(at)?
            }
            ExprKind::StructNew { ty, fields } => {
                let t = self.eval(ty, f)?;
                if let Value::Type(def) = &t {
                    // fields written in declaration order: no name lookups
                    let in_order = !def.is_enum()
                        && def.fields.len() == fields.len()
                        && fields.iter().zip(&def.fields).all(|((n, _), d)| *n.name == **d);
                    if in_order {
                        let mut values = Vec::with_capacity(fields.len());
                        for (_, x) in fields {
                            values.push(self.eval(x, f)?);
                        }
                        let fields = std::cell::RefCell::new(values);
                        return Ok(Value::Struct(Rc::new(super::value::StructValue { def: def.clone(), fields })));
                    }
                }
                let mut values = Vec::with_capacity(fields.len());
                for (name, x) in fields {
                    values.push((name.clone(), self.eval(x, f)?));
                }
                self.make_struct(t, values).map_err(at)?
            }
            ExprKind::Unary(op, x) => {
                let v = self.eval(x, f)?;
                self.unary(*op, v).map_err(at)?
            }
            ExprKind::Field(x, name) => {
                let v = self.eval(x, f)?;
                self.field(&v, name).map_err(at)?
            }
            ExprKind::Member { base, name } => {
                let v = self.eval(base, f)?;
                self.member(&v, name).map_err(at)?
            }
            ExprKind::Index(x, i) => {
                let v = self.eval(x, f)?;
                let i = self.eval(i, f)?;
                self.index(&v, &i).map_err(at)?
            }
            ExprKind::Try(x) => {
                let v = self.eval(x, f)?;
                self.try_unwrap(v).map_err(at)?
            }
            ExprKind::Ref { inner, .. } => return self.eval(inner, f),
            ExprKind::Lambda(decl) => self.make_closure(decl, f),
            ExprKind::AsyncBlock(decl) => {
                let closure = self.make_closure(decl, f);
                self.start_task_value(closure, super::call::Args::default()).map_err(at)?
            }
            ExprKind::If { branches, else_ } => {
                for (c, v) in branches {
                    if self.truthy(c, f)? {
                        return self.eval(v, f);
                    }
                }
                return self.eval(else_, f);
            }
            // `await` is only reached through eval_async (the resolver marks it)
            ExprKind::Await(_) => {
                return Err(at(Ctrl::error("internal error: `await` reached the synchronous evaluator")));
            }
            ExprKind::Path(_) | ExprKind::StructLit { .. } => {
                return Err(at(Ctrl::error("internal error: unresolved path")));
            }
            ExprKind::Int(_)
            | ExprKind::Var(_)
            | ExprKind::Binary(..)
            | ExprKind::Call { .. }
            | ExprKind::MethodCall { .. } => {
                return self.eval_node(e, f);
            }
        })
    }

    pub fn eval_list(&self, items: &[Expr], f: &mut Frame) -> R<Vec<Value>> {
        let mut out = Vec::with_capacity(items.len());
        for x in items {
            out.push(self.eval(x, f)?);
        }
        Ok(out)
    }

    /// Evaluates call arguments; named arguments are kept as `(name, value)` at the end.
    pub fn eval_args(&self, args: &[Arg], f: &mut Frame) -> R<super::call::Args> {
        let mut positional = Vec::with_capacity(args.len());
        let mut named = Vec::new();
        for a in args {
            let v = self.eval(&a.value, f)?;
            match &a.name {
                None => positional.push(v),
                Some(n) => named.push((n.name.clone(), v)),
            }
        }
        Ok(super::call::Args { positional, named })
    }

    /// `recv.method(args)`: user methods get their arguments straight in their frame,
    /// built-in methods with up to two positional arguments avoid an argument vector.
    fn eval_method_call(&self, r: Value, method: &Ident, args: &[Arg], f: &mut Frame, span: Span) -> R<Value> {
        let positional = args.iter().all(|a| a.name.is_none());
        match &r {
            Value::Struct(_) | Value::Enum(_) => {
                if let Some(Value::Func(c)) = self.find_method(&r, &method.name)
                    && positional
                    && c.decl.has_self
                    && !c.decl.is_async
                    && c.decl.params.len() == args.len()
                {
                    return self.call_direct_with(&c, Some(r), args, f);
                }
            }
            Value::Object(o) if positional => {
                if let Some(Value::Native(n)) =
                    self.natives.methods.get(o.type_name()).and_then(|m| m.get(&*method.name))
                    && let super::value::NativeKind::Sync(fun) = n.kind
                {
                    let mut argv = Vec::with_capacity(args.len() + 1);
                    argv.push(r.clone());
                    for a in args {
                        argv.push(self.eval(&a.value, f)?);
                    }
                    return fun(self, argv);
                }
            }
            Value::List(_) | Value::Str(_) | Value::Dict(_) | Value::Bytes(_) if positional && args.len() <= 2 => {
                let mut argv: [Value; 2] = Default::default();
                for (slot, a) in argv.iter_mut().zip(args) {
                    *slot = self.eval(&a.value, f)?;
                }
                return self.builtin_method(&r, &method.name, &argv[..args.len()]);
            }
            _ => {}
        }
        let argv = self.eval_args(args, f)?;
        self.call_method(r, method, argv, span)
    }

    fn eval_call(&self, callee: &Expr, args: &[Arg], f: &mut Frame, span: Span) -> R<Value> {
        let fv = self.eval(callee, f)?;
        if let Value::Func(c) = &fv
            && c.decl.params.len() == args.len()
            && !c.decl.is_async
            && !c.decl.has_self
            && args.iter().all(|a| a.name.is_none())
        {
            return self.call_direct(c, args, f);
        }
        let argv = self.eval_args(args, f)?;
        self.call_value(&fv, argv, span)
    }

    fn eval_binary(&self, op: BinOp, a: &Expr, b: &Expr, f: &mut Frame) -> R<Value> {
        match op {
            BinOp::And => {
                if !self.logic_operand(a, f)? {
                    return Ok(Value::Bool(false));
                }
                Ok(Value::Bool(self.logic_operand(b, f)?))
            }
            BinOp::Or => {
                if self.logic_operand(a, f)? {
                    return Ok(Value::Bool(true));
                }
                Ok(Value::Bool(self.logic_operand(b, f)?))
            }
            _ => {
                // `local op literal` (n - 1, i < 10, x % 3): no recursion, no clones
                if let (ExprKind::Var(VarRef { slot: Slot::Local(s), .. }), ExprKind::Int(k)) = (&a.kind, &b.kind)
                    && let Some(Value::Int(x)) = f.slots.get(*s as usize)
                {
                    return int_op(op, *x, *k);
                }
                let x = self.eval(a, f)?;
                let y = self.eval(b, f)?;
                if let (Value::Int(i), Value::Int(j)) = (&x, &y) {
                    let r = int_op(op, *i, *j);
                    std::mem::forget(x);
                    std::mem::forget(y);
                    return r;
                }
                self.binary(op, x, y)
            }
        }
    }

    fn logic_operand(&self, e: &Expr, f: &mut Frame) -> R<bool> {
        match self.eval(e, f)? {
            Value::Bool(b) => Ok(b),
            other => Err(stamp(
                Ctrl::error(format!("operands of `and`/`or` must be bool, got {}", other.type_name())),
                e.span,
            )),
        }
    }

    // ----- operators -----------------------------------------------------------------------

    pub fn unary(&self, op: UnOp, v: Value) -> R<Value> {
        match (op, v) {
            (UnOp::Neg, Value::Int(i)) => {
                i.checked_neg().map(Value::Int).ok_or_else(|| Ctrl::error("integer overflow"))
            }
            (UnOp::Neg, Value::Float(x)) => Ok(Value::Float(-x)),
            (UnOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
            (UnOp::Neg, other) => fail(format!("cannot negate a value of type {}", other.type_name())),
            (UnOp::Not, other) => fail(format!("`not` needs a bool, got {}", other.type_name())),
        }
    }

    pub fn binary(&self, op: BinOp, a: Value, b: Value) -> R<Value> {
        if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
            return int_op(op, *x, *y);
        }
        match op {
            BinOp::Eq | BinOp::Ne => {
                super::value::took_too_deep(); // forget a limit hit by an earlier lookup
                let eq = values_equal(&a, &b);
                if super::value::took_too_deep() {
                    return fail("maximum recursion depth exceeded");
                }
                return Ok(Value::Bool(eq == (op == BinOp::Eq)));
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                super::value::took_too_deep();
                let ord = compare(&a, &b);
                if super::value::took_too_deep() {
                    return fail("maximum recursion depth exceeded");
                }
                let Some(ord) = ord else {
                    return fail(format!("cannot compare {} and {}", a.type_name(), b.type_name()));
                };
                if let (Value::Float(x), _) | (_, Value::Float(x)) = (&a, &b)
                    && x.is_nan()
                {
                    return Ok(Value::Bool(false));
                }
                use std::cmp::Ordering::*;
                let r = match op {
                    BinOp::Lt => ord == Less,
                    BinOp::Le => ord != Greater,
                    BinOp::Gt => ord == Greater,
                    _ => ord != Less,
                };
                return Ok(Value::Bool(r));
            }
            _ => {}
        }
        match (&a, &b) {
            (Value::Float(_), Value::Float(_) | Value::Int(_)) | (Value::Int(_), Value::Float(_)) => {
                float_op(op, as_f64(&a), as_f64(&b)).ok_or_else(|| type_error(op, &a, &b))
            }
            (Value::Str(x), Value::Str(y)) if op == BinOp::Add => {
                let mut s = String::with_capacity(x.s.len() + y.s.len());
                s.push_str(&x.s);
                s.push_str(&y.s);
                Ok(Value::str(s))
            }
            (Value::List(x), Value::List(y)) if op == BinOp::Add => {
                let mut v = x.borrow().clone();
                v.extend(y.borrow().iter().cloned());
                Ok(Value::list(v))
            }
            (Value::Bytes(x), Value::Bytes(y)) if op == BinOp::Add => {
                let mut v = x.borrow().clone();
                v.extend_from_slice(&y.borrow());
                Ok(Value::bytes(v))
            }
            (Value::Bool(x), Value::Bool(y)) => match op {
                BinOp::BitAnd => Ok(Value::Bool(x & y)),
                BinOp::BitOr => Ok(Value::Bool(x | y)),
                BinOp::BitXor => Ok(Value::Bool(x ^ y)),
                _ => Err(type_error(op, &a, &b)),
            },
            _ => Err(type_error(op, &a, &b)),
        }
    }
}

/// Drops the values of a block's own variables as it is left (see `Block::scope_slots`).
#[inline]
pub fn clear_scope(block: &Block, f: &mut Frame) {
    for &s in &block.scope_slots {
        if let Some(slot) = f.slots.get_mut(s as usize) {
            *slot = Value::Nil;
        }
    }
}

pub fn stamp(c: Ctrl, span: Span) -> Ctrl {
    match c {
        Ctrl::Error(mut e) => {
            e.stamp(span);
            Ctrl::Error(e)
        }
        other => other,
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        _ => 0.0,
    }
}

pub fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Rem => "%",
        BinOp::Pow => "**",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::And => "and",
        BinOp::Or => "or",
        BinOp::BitAnd => "&",
        BinOp::BitOr => "|",
        BinOp::BitXor => "^",
        BinOp::Shl => "<<",
        BinOp::Shr => ">>",
    }
}

fn type_error(op: BinOp, a: &Value, b: &Value) -> Ctrl {
    Ctrl::error(format!("unsupported operand types for {}: {} and {}", op_symbol(op), a.type_name(), b.type_name()))
}

#[inline(always)]
fn int_compare(op: BinOp, i: i64, j: i64) -> bool {
    match op {
        BinOp::Lt => i < j,
        BinOp::Le => i <= j,
        BinOp::Gt => i > j,
        BinOp::Ge => i >= j,
        BinOp::Eq => i == j,
        _ => i != j,
    }
}

#[inline(always)]
fn int_op(op: BinOp, x: i64, y: i64) -> R<Value> {
    let overflow = || Ctrl::error("integer overflow");
    Ok(match op {
        BinOp::Add => Value::Int(x.checked_add(y).ok_or_else(overflow)?),
        BinOp::Sub => Value::Int(x.checked_sub(y).ok_or_else(overflow)?),
        BinOp::Mul => Value::Int(x.checked_mul(y).ok_or_else(overflow)?),
        BinOp::Div => {
            if y == 0 {
                return fail("division by zero");
            }
            Value::Int(x.checked_div(y).ok_or_else(overflow)?)
        }
        BinOp::Rem => {
            if y == 0 {
                return fail("division by zero");
            }
            Value::Int(x.checked_rem(y).ok_or_else(overflow)?)
        }
        BinOp::Pow => {
            if y < 0 {
                Value::Float((x as f64).powf(y as f64))
            } else {
                let e = u32::try_from(y).map_err(|_| overflow())?;
                Value::Int(x.checked_pow(e).ok_or_else(overflow)?)
            }
        }
        BinOp::Eq => Value::Bool(x == y),
        BinOp::Ne => Value::Bool(x != y),
        BinOp::Lt => Value::Bool(x < y),
        BinOp::Le => Value::Bool(x <= y),
        BinOp::Gt => Value::Bool(x > y),
        BinOp::Ge => Value::Bool(x >= y),
        BinOp::BitAnd => Value::Int(x & y),
        BinOp::BitOr => Value::Int(x | y),
        BinOp::BitXor => Value::Int(x ^ y),
        BinOp::Shl => Value::Int(u32::try_from(y).ok().and_then(|s| x.checked_shl(s)).ok_or_else(overflow)?),
        BinOp::Shr => Value::Int(u32::try_from(y).ok().and_then(|s| x.checked_shr(s)).ok_or_else(overflow)?),
        BinOp::And | BinOp::Or => return fail(format!("operands of `{}` must be bool, got i64", op_symbol(op))),
    })
}

fn float_op(op: BinOp, x: f64, y: f64) -> Option<Value> {
    Some(match op {
        BinOp::Add => Value::Float(x + y),
        BinOp::Sub => Value::Float(x - y),
        BinOp::Mul => Value::Float(x * y),
        BinOp::Div => Value::Float(x / y),
        BinOp::Rem => Value::Float(x % y),
        BinOp::Pow => Value::Float(x.powf(y)),
        _ => return None,
    })
}
