//! The synchronous syntax-tree evaluator: statements and expressions that contain no
//! `await`. Function bodies run as evaluation trees (`lower`), which fall back to this
//! evaluator for the node kinds they do not specialise; top-level code and await-free
//! parts of async code run here directly. Variables are slot-indexed, integers have
//! fast paths, and errors are stamped with their span only on the way out.
//!
//! Statements are here, expressions in `eval_expr`. Blocks clear their `scope_slots`
//! however they are left (`exec_block`), and a `for` loop clears its variables once,
//! after the loop. The fast paths (they skip work — a Value, a vector, a name lookup —
//! and never decide meaning: each gives exactly what the general function would):
//! - `eval` handles integer literals and variables inline, `eval_node` binary operators,
//!   calls and method calls, `eval_rare` the rest;
//! - a call of a non-async closure with exactly its number of positional arguments
//!   (`call_direct_with`), or of a user method of a struct or enum (the same, `self`
//!   in slot 0), evaluates the arguments straight into the callee's frame;
//! - a method call on a String, List, Dict, Set or Bytes with at most two positional
//!   arguments passes them in a fixed array (`call_builtin_method`);
//! - integer operands skip `binary` (`int_op`), also in `x op= e`; `local op literal`
//!   reads the slot without cloning; a comparison used as a condition (`truthy`) gives a
//!   plain `bool` when both sides are ints;
//! - a struct literal whose fields are written in declaration order (and that has no
//!   field defaults) is built without looking field names up.

use super::ops::{int_compare, int_op, truthy_value};
use super::value::Value;
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
            Slot::Unresolved => unreachable!("the resolver binds every variable before anything runs"),
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
            Slot::Unresolved => unreachable!("the resolver binds every variable before anything runs"),
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
                    if !loop_step(self.exec_block(body, f))? {
                        break;
                    }
                }
            }
            StmtKind::Loop { body } => loop {
                self.check_interrupt()?;
                if !loop_step(self.exec_block(body, f))? {
                    break;
                }
            },
            StmtKind::For { pat, iter, body, shorthand } => {
                let iterable = self.eval(iter, f)?;
                self.exec_for(
                    pat,
                    *shorthand,
                    iterable,
                    &|i: &Interp, f: &mut Frame| i.exec_block(body, f),
                    f,
                    iter.span,
                )?;
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
                return Err(no_arm_matched(&v, scrutinee.span));
            }
            StmtKind::Fn(decl) => self.declare_nested_fn(decl, f),
            StmtKind::Struct(_) | StmtKind::Enum(_) | StmtKind::Impl(_) | StmtKind::Trait(_) => {
                self.declare_local_type(stmt, f)?;
            }
            StmtKind::Import(_) | StmtKind::Export(_) => {} // handled when the module was loaded
            StmtKind::With { items, body } => {
                let mut entered = Vec::with_capacity(items.len());
                for (value, name) in items {
                    let v = self.eval(value, f)?;
                    let bound = self.with_enter(&v, value.span)?;
                    entered.push(v);
                    if let Some(p) = name {
                        self.bind_pattern(p, bound, f, p.span)?;
                    }
                }
                let r = self.exec_block(body, f);
                self.with_exit(entered, value_span(items))?;
                r?;
            }
        }
        Ok(())
    }

    pub fn declare_nested_fn(&self, decl: &Rc<FnDecl>, f: &mut Frame) {
        let closure = self.make_closure(decl, f);
        self.assign(decl.info.self_slot, closure, f);
    }

    /// Runs one `for` loop over any iterable; `body` runs synchronously.
    pub fn exec_for(
        &self,
        pat: &Pattern,
        shorthand: bool,
        iterable: Value,
        body: &dyn Fn(&Interp, &mut Frame) -> R<()>,
        f: &mut Frame,
        span: Span,
    ) -> R<()> {
        let mut it = self.iterate(iterable).map_err(|e| stamp(e, span))?;
        let r = self.run_for(pat, shorthand, &mut it, body, f);
        self.clear_bindings(pat, f);
        r
    }

    /// `for x in xs` where `x` is a plain local (its slot) or `_` (`None`): the item goes
    /// straight into the slot, and a range is counted without an iterator.
    pub fn for_local(
        &self,
        slot: Option<u32>,
        iterable: Value,
        body: &dyn Fn(&Interp, &mut Frame) -> R<()>,
        f: &mut Frame,
        span: Span,
    ) -> R<()> {
        let s = slot.map(|s| s as usize);
        let r = match iterable {
            Value::Range(r) => self.for_range(s, *r, body, f),
            other => match self.iterate(other) {
                Ok(mut it) => self.for_items(s, &mut it, body, f),
                Err(e) => Err(stamp(e, span)),
            },
        };
        if let Some(s) = s {
            f.slots[s] = Value::Nil;
        }
        r
    }

    fn for_range(
        &self,
        s: Option<usize>,
        (start, end, step): (i64, i64, i64),
        body: &dyn Fn(&Interp, &mut Frame) -> R<()>,
        f: &mut Frame,
    ) -> R<()> {
        let mut cur = start;
        while (step > 0 && cur < end) || (step < 0 && cur > end) {
            self.check_interrupt()?;
            if let Some(s) = s {
                Value::put(&mut f.slots[s], Value::Int(cur));
            }
            if !loop_step(body(self, f))? {
                break;
            }
            // the next value would not fit: the range is done (as `Iter::Range`)
            let Some(next) = cur.checked_add(step) else { break };
            cur = next;
        }
        Ok(())
    }

    fn for_items(
        &self,
        s: Option<usize>,
        it: &mut super::iter::Iter,
        body: &dyn Fn(&Interp, &mut Frame) -> R<()>,
        f: &mut Frame,
    ) -> R<()> {
        while let Some(item) = it.next_value(self) {
            self.check_interrupt()?;
            if let Some(s) = s {
                Value::put(&mut f.slots[s], item);
            }
            if !loop_step(body(self, f))? {
                break;
            }
        }
        Ok(())
    }

    fn run_for(
        &self,
        pat: &Pattern,
        shorthand: bool,
        it: &mut super::iter::Iter,
        body: &dyn Fn(&Interp, &mut Frame) -> R<()>,
        f: &mut Frame,
    ) -> R<()> {
        let mut index = 0;
        let tuple_slots = tuple_of_locals(pat);
        while let Some(item) = it.next_value(self) {
            self.check_interrupt()?;
            if let (Some(slots), Value::Tuple(items)) = (&tuple_slots, &item)
                && items.len() == slots.len()
            {
                // `for a, b in pairs`: each item straight into its slot (what
                // `bind_pattern` does, without walking the pattern; with the shorthand
                // a tuple of the pattern's length is destructured too)
                for (s, v) in slots.iter().zip(items.iter()) {
                    if let Some(s) = *s {
                        Value::put(&mut f.slots[s], v.clone());
                    }
                }
            } else if shorthand {
                self.bind_for_item(pat, true, index, item, f)?;
            } else {
                self.bind_pattern(pat, item, f, pat.span)?;
            }
            index += 1;
            if !loop_step(body(self, f))? {
                break;
            }
        }
        Ok(())
    }

    /// A condition: Python truthiness, with fast paths for integer comparisons and the
    /// binding condition `let pat = e` of `if let` / `while let`.
    #[inline]
    pub fn truthy(&self, cond: &Expr, f: &mut Frame) -> R<bool> {
        if let ExprKind::Binary(op, a, b) = &cond.kind
            && op.is_comparison()
        {
            if let Some((x, y)) = local_int_operands(a, b, f) {
                return Ok(int_compare(*op, x, y));
            }
            let x = self.eval(a, f)?;
            let y = self.eval(b, f)?;
            return self.compare_values(*op, x, y, cond.span);
        }
        match &cond.kind {
            ExprKind::Bool(b) => Ok(*b),
            // `x is nil`, `x is not nil`
            ExprKind::Binary(op @ (BinOp::Is | BinOp::IsNot), a, b) if matches!(b.kind, ExprKind::Nil) => {
                Ok(self.is_nil(a, f)? == (*op == BinOp::Is))
            }
            // `and`, `or` and `not` as conditions: no Bool values in between
            ExprKind::Binary(BinOp::And, a, b) => Ok(self.truthy(a, f)? && self.truthy(b, f)?),
            ExprKind::Binary(BinOp::Or, a, b) => Ok(self.truthy(a, f)? || self.truthy(b, f)?),
            ExprKind::Unary(UnOp::Not, x) => Ok(!self.truthy(x, f)?),
            ExprKind::LetCond { pat, value } => {
                let v = self.eval(value, f)?;
                self.match_pattern(pat, &v, f)
            }
            _ => Ok(truthy_value(&self.eval(cond, f)?)),
        }
    }

    /// A comparison's truth on evaluated operands (errors stamped with `span`).
    #[inline]
    pub fn compare_values(&self, op: BinOp, x: Value, y: Value, span: Span) -> R<bool> {
        match (&x, &y) {
            (Value::Int(i), Value::Int(j)) => {
                let r = int_compare(op, *i, *j);
                // ints own nothing: skip the out-of-line drop glue on the hot path
                std::mem::forget(x);
                std::mem::forget(y);
                return Ok(r);
            }
            (Value::Float(p), Value::Float(q)) => {
                if let Some(Value::Bool(r)) = super::ops::float_fast(op, *p, *q) {
                    return Ok(r);
                }
            }
            (Value::Str(p), Value::Str(q)) if matches!(op, BinOp::Eq | BinOp::Ne) => {
                return Ok(super::ops::str_equal(p, q) == (op == BinOp::Eq));
            }
            _ => {}
        }
        match self.binary(op, x, y) {
            Ok(v) => Ok(truthy_value(&v)),
            Err(e) => Err(stamp(e, span)),
        }
    }

    /// Whether `e` is nil (a plain local is looked at where it lies).
    #[inline]
    pub fn is_nil(&self, e: &Expr, f: &mut Frame) -> R<bool> {
        if let Some(s) = local_slot(e) {
            return Ok(matches!(f.slots[s as usize], Value::Nil));
        }
        Ok(matches!(self.eval(e, f)?, Value::Nil))
    }

    /// Runs a block and gives its value: that of its last statement (the implicit-return
    /// rule: an expression, or an `if`/`match` whose chosen branch ends in one).
    pub fn exec_block_value(&self, block: &Block, f: &mut Frame) -> R<Value> {
        self.branch_value(block, f, false)
    }

    /// A function body's value (the implicit-return rule). A `return` in tail position —
    /// the body's last statement, or the last of the branch an `if`/`match` there takes —
    /// gives its value straight back instead of unwinding as `Ctrl::Return`.
    pub fn body_value(&self, block: &Block, f: &mut Frame) -> R<Value> {
        self.branch_value(block, f, true)
    }

    fn branch_value(&self, block: &Block, f: &mut Frame, tail: bool) -> R<Value> {
        let r = self.block_value(block, f, tail);
        clear_scope(block, f);
        r
    }

    fn block_value(&self, block: &Block, f: &mut Frame, tail: bool) -> R<Value> {
        let Some((last, rest)) = block.stmts.split_last() else { return Ok(Value::Nil) };
        for stmt in rest {
            self.exec(stmt, f)?;
        }
        self.stmt_value_at(last, f, tail)
    }

    /// Runs a statement and gives its value (nil for statements that have none).
    pub fn stmt_value(&self, stmt: &Stmt, f: &mut Frame) -> R<Value> {
        self.stmt_value_at(stmt, f, false)
    }

    /// `stmt_value`; in tail position (`tail`), a `return` gives its value.
    pub fn stmt_value_at(&self, stmt: &Stmt, f: &mut Frame, tail: bool) -> R<Value> {
        match &stmt.kind {
            StmtKind::Expr(e) => self.eval(e, f),
            StmtKind::Return(Some(e)) if tail => self.eval(e, f),
            StmtKind::Return(None) if tail => Ok(Value::Nil),
            StmtKind::If { branches, else_ } => {
                for (cond, body) in branches {
                    if self.truthy(cond, f)? {
                        return self.branch_value(body, f, tail);
                    }
                }
                match else_ {
                    Some(b) => self.branch_value(b, f, tail),
                    None => Ok(Value::Nil),
                }
            }
            StmtKind::Match { scrutinee, arms } => {
                let v = self.eval(scrutinee, f)?;
                for arm in arms {
                    if self.match_arm(arm, &v, f)? {
                        return self.branch_value(&arm.body, f, tail);
                    }
                }
                Err(no_arm_matched(&v, scrutinee.span))
            }
            _ => self.exec(stmt, f).map(|_| Value::Nil),
        }
    }

    fn exec_assign(&self, target: &Expr, op: Option<BinOp>, value: &Expr, f: &mut Frame) -> R<()> {
        match &target.kind {
            ExprKind::Var(v) => {
                let rhs = self.eval(value, f)?;
                self.assign_var_op(v.slot, op, rhs, f, target.span.to(value.span))
            }
            ExprKind::Index(base, idx) => {
                let container = self.eval(base, f)?;
                let index = self.eval(idx, f)?;
                let rhs = self.eval(value, f)?;
                self.assign_index_op(&container, index, op, rhs, target.span, value.span)
            }
            ExprKind::Field(base, name, cache) if local_slot(base).is_some() => {
                // `self.x = e`, `r.count -= 1`: the object stays in its slot (the value
                // cannot rebind a plain local, see `Index` in `eval_rare`)
                let s = local_slot(base).unwrap_or_default() as usize;
                let rhs = self.eval(value, f)?;
                self.assign_field_op(&f.slots[s], name, cache, op, rhs, target.span, value.span)
            }
            ExprKind::Field(base, name, cache) => {
                let obj = self.eval(base, f)?;
                let rhs = self.eval(value, f)?;
                self.assign_field_op(&obj, name, cache, op, rhs, target.span, value.span)
            }
            ExprKind::Slice(base, parts) if op.is_none() => {
                let container = self.eval(base, f)?;
                let (a, b, c) = self.slice_parts(parts, f)?;
                let rhs = self.eval(value, f)?;
                self.set_slice(&container, &a, &b, &c, rhs).map_err(|e| stamp(e, target.span))
            }
            ExprKind::Tuple(targets) if op.is_none() => {
                let rhs = self.eval(value, f)?;
                self.assign_tuple(targets, rhs, f).map_err(|e| stamp(e, target.span))
            }
            _ => fail("invalid assignment target").map_err(|e| stamp(e, target.span)),
        }
    }

    /// `v = rhs` / `v op= rhs` with `rhs` evaluated (errors stamped with `span`).
    pub fn assign_var_op(&self, slot: Slot, op: Option<BinOp>, rhs: Value, f: &mut Frame, span: Span) -> R<()> {
        // `s += t` on a string only this variable holds: appended in place
        if op == Some(BinOp::Add)
            && let (Slot::Local(s), Value::Str(tail)) = (slot, &rhs)
            && let Some(Value::Str(cur)) = f.slots.get_mut(s as usize)
            && let Some(unique) = Rc::get_mut(cur)
        {
            unique.push_str(tail);
            return Ok(());
        }
        let new = match op {
            Some(op) => {
                let old = self.load(slot, f);
                // the int case of `binary_values`, inline: calling it here cost the
                // closures bench 3% more instructions
                match (&old, &rhs) {
                    (&Value::Int(x), &Value::Int(y)) => {
                        old.forget_scalar();
                        rhs.forget_scalar();
                        int_op(op, x, y)
                    }
                    _ => self.binary_values(op, old, rhs),
                }
                .map_err(|e| stamp(e, span))?
            }
            None => rhs,
        };
        self.assign(slot, new, f);
        Ok(())
    }

    /// `c[i] = rhs` / `c[i] op= rhs` with every part evaluated.
    pub fn assign_index_op(
        &self,
        container: &Value,
        index: Value,
        op: Option<BinOp>,
        mut rhs: Value,
        target: Span,
        value: Span,
    ) -> R<()> {
        if let Some(op) = op {
            if let Value::Int(k) = rhs
                && let Some(r) = self.update_int_item(container, &index, op, k)
            {
                return r.map_err(|e| stamp(e, target.to(value)));
            }
            rhs = self.compound(op, || self.index(container, &index), rhs, target, value)?;
        }
        self.set_index(container, index, rhs).map_err(|e| stamp(e, target))
    }

    /// `obj.name = rhs` / `obj.name op= rhs` on the evaluated object.
    #[allow(clippy::too_many_arguments)]
    pub fn assign_field_op(
        &self,
        obj: &Value,
        name: &Ident,
        cache: &SiteCache,
        op: Option<BinOp>,
        mut rhs: Value,
        target: Span,
        value: Span,
    ) -> R<()> {
        if let Some(op) = op {
            if let Some(r) = self.update_num_field(obj, cache, op, &rhs) {
                return r.map_err(|e| stamp(e, target.to(value)));
            }
            rhs = self.compound(op, || self.field_at(obj, name, cache), rhs, target, value)?;
        }
        self.set_field_at(obj, name, cache, rhs).map_err(|e| stamp(e, target))
    }

    /// The new value of `target op= rhs`: the old one read by `read` (its errors get
    /// the target's span), then the operator (its errors span target and value).
    fn compound(&self, op: BinOp, read: impl FnOnce() -> R<Value>, rhs: Value, target: Span, value: Span) -> R<Value> {
        let old = read().map_err(|e| stamp(e, target))?;
        self.binary_values(op, old, rhs).map_err(|e| stamp(e, target.to(value)))
    }

    /// `a, b = b, a`: the value (already evaluated) is split over the targets.
    pub fn assign_tuple(&self, targets: &[Expr], rhs: Value, f: &mut Frame) -> R<()> {
        let items = self.collect(rhs)?;
        if items.len() != targets.len() {
            return fail(format!("cannot assign {} values to {} targets", items.len(), targets.len()));
        }
        for (t, v) in targets.iter().zip(items) {
            self.assign_value(t, v, f)?;
        }
        Ok(())
    }

    /// Stores an evaluated value into an assignment target.
    fn assign_value(&self, target: &Expr, v: Value, f: &mut Frame) -> R<()> {
        match &target.kind {
            ExprKind::Var(var) => {
                self.assign(var.slot, v, f);
                Ok(())
            }
            ExprKind::Index(base, idx) => {
                let container = self.eval(base, f)?;
                let index = self.eval(idx, f)?;
                self.set_index(&container, index, v)
            }
            ExprKind::Field(base, name, cache) => {
                let obj = self.eval(base, f)?;
                self.set_field_at(&obj, name, cache, v)
            }
            ExprKind::Tuple(targets) => self.assign_tuple(targets, v, f),
            _ => fail("invalid assignment target"),
        }
    }
}

fn value_span(items: &[(Expr, Option<Pattern>)]) -> Span {
    items.first().map(|(e, _)| e.span).unwrap_or_default()
}

impl Interp {
    /// `with v`: what `v.__enter__()` gives (or `v` itself when it has no such method).
    pub fn with_enter(&self, v: &Value, span: Span) -> R<Value> {
        match self.find_method(v, "__enter__") {
            Some(m) => self.call_member(&m, v.clone(), super::call::Args::default(), span),
            None => Ok(v.clone()),
        }
    }

    /// The end of a `with` body: `__exit__()` (or else `close()`) of each value, last first.
    pub fn with_exit(&self, entered: Vec<Value>, span: Span) -> R<()> {
        let mut first_error = Ok(());
        for v in entered.into_iter().rev() {
            let m = self.find_method(&v, "__exit__").or_else(|| self.find_method(&v, "close"));
            if let Some(m) = m {
                let r = self.call_member(&m, v, super::call::Args::default(), span).map(|_| ());
                if first_error.is_ok() {
                    first_error = r;
                }
            }
        }
        first_error
    }
}

/// Drops the values of a block's own variables as it is left (see `Block::scope_slots`).
#[inline]
pub fn clear_scope(block: &Block, f: &mut Frame) {
    clear_slots(&block.scope_slots, f);
}

pub fn clear_slots(slots: &[u32], f: &mut Frame) {
    for &s in slots {
        if let Some(slot) = f.slots.get_mut(s as usize) {
            Value::put(slot, Value::Nil);
        }
    }
}

/// The error of a `match` none of whose arms matched `v` (at the scrutinee's span), the
/// same from every evaluator.
#[cold]
pub fn no_arm_matched(v: &Value, span: Span) -> Ctrl {
    stamp(Ctrl::error(format!("no match arm matched {}", v.repr())), span)
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

/// The operands of `local op literal` or `local op local` when they are ints, read in
/// place (no clones, no recursion): the commonest shapes of loop conditions and index
/// arithmetic.
#[inline]
pub fn local_int_operands(a: &Expr, b: &Expr, f: &Frame) -> Option<(i64, i64)> {
    let ExprKind::Var(VarRef { slot: Slot::Local(s), .. }) = &a.kind else { return None };
    let Some(Value::Int(x)) = f.slots.get(*s as usize) else { return None };
    match &b.kind {
        ExprKind::Int(k) => Some((*x, *k)),
        ExprKind::Var(VarRef { slot: Slot::Local(t), .. }) => match f.slots.get(*t as usize) {
            Some(Value::Int(y)) => Some((*x, *y)),
            _ => None,
        },
        _ => None,
    }
}

/// The frame slot of a plain (uncaptured) local variable expression.
#[inline]
pub fn local_slot(e: &Expr) -> Option<u32> {
    match e.kind {
        ExprKind::Var(VarRef { slot: Slot::Local(s), .. }) => Some(s),
        _ => None,
    }
}

/// What a loop does with its body's outcome: go on (`true`), stop (`break`), or pass
/// it out (`return`, an error).
#[inline(always)]
pub fn loop_step(r: R<()>) -> R<bool> {
    match r {
        Ok(()) | Err(Ctrl::Continue) => Ok(true),
        Err(Ctrl::Break) => Ok(false),
        Err(other) => Err(other),
    }
}

/// The slots of a tuple pattern of plain locals and `_`s (`for a, _, c in xs`), `None`
/// for `_`; `None` for any other pattern.
fn tuple_of_locals(pat: &Pattern) -> Option<Vec<Option<usize>>> {
    let PatKind::Tuple(ps) = &pat.kind else { return None };
    ps.iter()
        .map(|p| match &p.kind {
            PatKind::Wild => Some(None),
            PatKind::Bind(VarRef { slot: Slot::Local(s), .. }) => Some(Some(*s as usize)),
            _ => None,
        })
        .collect()
}
