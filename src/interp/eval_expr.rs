//! The synchronous evaluator's expressions: leaves inline, the common node kinds
//! (binary operators, calls, method calls) in `eval_node`, the rest in `eval_rare`.

use super::call::{ArgSource, Args};
use super::eval::{local_slot, stamp};
use super::ops::{float_fast, int_op};
use super::value::{Closure, Value};
use super::{Ctrl, Frame, Interp, R};
use crate::registry::MethodFn;
use crate::syntax::ast::*;
use std::rc::Rc;

impl Interp {
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
            ExprKind::MethodCall { recv, method, args, cache } => {
                if let Some(s) = local_slot(recv) {
                    return self.method_call_on_local(s, method, cache, &args[..], f, e.span).map_err(at);
                }
                let r = self.eval(recv, f)?;
                return self.eval_method_call(r, method, cache, &args[..], f, e.span).map_err(at);
            }
            ExprKind::Field(x, name, cache) => {
                // `self.x`, `p.y`: a local read where it lies (no clone of the Rc)
                if let Some(s) = local_slot(x) {
                    return self.field_at(&f.slots[s as usize], name, cache).map_err(at);
                }
                let v = self.eval(x, f)?;
                return self.field_at(&v, name, cache).map_err(at);
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
                        InterpPart::Expr(x, None) => self.eval(x, f)?.write_display(&mut out, false),
                        InterpPart::Expr(x, Some(spec)) => {
                            let v = self.eval(x, f)?;
                            out.push_str(&super::format::format_value(&v, spec).map_err(|c| stamp(c, x.span))?);
                        }
                    }
                }
                Value::str(out)
            }
            ExprKind::List(items) => Value::list(self.eval_list(items, f)?),
            ExprKind::Set(items) => {
                let items = self.eval_list(items, f)?;
                self.make_set(items).map_err(at)?
            }
            ExprKind::Comprehension(c) => return self.eval_comprehension(c, f, e.span),
            ExprKind::Slice(base, parts) => {
                let v = self.eval(base, f)?;
                let (a, b, c) = self.slice_parts(parts, f)?;
                self.slice(&v, &a, &b, &c).map_err(at)?
            }
            ExprKind::Range { start, end, inclusive } => {
                let a = self.eval(start, f)?;
                let b = self.eval(end, f)?;
                self.make_range(a, b, *inclusive).map_err(at)?
            }
            ExprKind::Compare(first, rest) => return self.eval_compare(first, rest, f).map_err(at),
            ExprKind::Cast(x, ty) => {
                let v = self.eval(x, f)?;
                self.cast(v, ty).map_err(at)?
            }
            ExprKind::Exists(x) => Value::Bool(super::ops::exists_value(&self.eval(x, f)?)),
            ExprKind::Block(stmt) => return self.stmt_value(stmt, f),
            ExprKind::LetCond { .. } => Value::Bool(self.truthy(e, f)?),
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
                    if Interp::fields_in_order(def, fields.iter().map(|(n, _)| n)) {
                        let mut values = Vec::with_capacity(fields.len());
                        for (_, x) in fields {
                            values.push(self.eval(x, f)?);
                        }
                        return Ok(Value::Struct(Rc::new(super::value::StructValue::new(def.clone(), values))));
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
            ExprKind::Member { base, name } => {
                let v = self.eval(base, f)?;
                self.member(&v, name).map_err(at)?
            }
            ExprKind::Index(x, i) => {
                // a local container is indexed where it lies (no clone of the Rc); the
                // index cannot rebind a plain local (Simple has no assignment
                // expressions, and a captured local is a cell, not `Slot::Local`)
                if let Some(s) = local_slot(x) {
                    let i = self.eval(i, f)?;
                    return self.index(&f.slots[s as usize], &i).map_err(at);
                }
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
            | ExprKind::MethodCall { .. }
            | ExprKind::Field(..) => {
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

    /// `recv.method(args)` with `recv` a plain local: a built-in receiver (`xs.push(x)`
    /// on a local list) stays in its slot.
    pub fn method_call_on_local<A: ArgSource + ?Sized>(
        &self,
        s: u32,
        method: &Ident,
        cache: &SiteCache,
        args: &A,
        f: &mut Frame,
        span: Span,
    ) -> R<Value> {
        let few = args.count() <= 2 && args.all_positional();
        if few && is_builtin_receiver(&f.slots[s as usize]) {
            let argv = self.eval_two_args(args, f)?;
            let r = &f.slots[s as usize];
            return self.call_builtin_method_at(r, &method.name, &argv[..args.count()], cache);
        }
        // `ch.send(x)`: a native object's cached synchronous method, the receiver
        // read where it lies once the arguments are in
        if few && let Some(entry) = self.native_method_hit(&f.slots[s as usize], cache) {
            let argv = self.eval_two_args(args, f)?;
            return self.call_native_method(entry, &f.slots[s as usize], &argv[..args.count()], cache, span);
        }
        let r = f.slots[s as usize].clone();
        self.eval_method_call(r, method, cache, args, f, span)
    }

    /// A native object's method the call site's cache holds, called with its (up to
    /// two, positional) arguments evaluated: a synchronous one straight from its
    /// registry entry when they fit its parameters as they are, anything else bound
    /// through `call_member`.
    fn call_native_method(
        &self,
        entry: &crate::registry::MethodEntry,
        r: &Value,
        argv: &[Value],
        cache: &SiteCache,
        span: Span,
    ) -> R<Value> {
        if let MethodFn::Sync(imp) = entry.imp
            && entry.sig.fits_exactly(argv)
        {
            return imp(self, r, argv);
        }
        let m = self.registered_method_at(cache.slot.get() as usize);
        self.call_member(&m, r.clone(), Args::new(argv.to_vec()), span)
    }

    /// `recv.method(args)`: user methods get their arguments straight in their frame,
    /// built-in methods with up to two positional arguments avoid an argument vector.
    #[inline]
    pub fn eval_method_call<A: ArgSource + ?Sized>(
        &self,
        r: Value,
        method: &Ident,
        cache: &SiteCache,
        args: &A,
        f: &mut Frame,
        span: Span,
    ) -> R<Value> {
        if let Some(c) = self.direct_method(&r, &method.name, cache, args) {
            return self.call_direct_with(&c, Some(r), args, f);
        }
        self.method_call_other(r, method, cache, args, f, span)
    }

    /// The method a call `r.name(args)` runs with its arguments straight in its frame:
    /// a synchronous method of a user struct or enum that takes `self`, called with
    /// exactly its parameters, positionally.
    #[inline]
    fn direct_method<A: ArgSource + ?Sized>(
        &self,
        r: &Value,
        name: &str,
        cache: &SiteCache,
        args: &A,
    ) -> Option<Rc<Closure>> {
        if !matches!(r, Value::Struct(_) | Value::Enum(_)) || !args.all_positional() {
            return None;
        }
        let c = self.method_closure_at(r, name, cache)?;
        c.decl.direct_method_call(args.count()).then_some(c)
    }

    /// `eval_method_call` for all but `direct_method`'s calls (kept out of line: the
    /// common call stays a small function).
    #[inline(never)]
    fn method_call_other<A: ArgSource + ?Sized>(
        &self,
        r: Value,
        method: &Ident,
        cache: &SiteCache,
        args: &A,
        f: &mut Frame,
        span: Span,
    ) -> R<Value> {
        let positional = args.all_positional();
        match &r {
            Value::Object(_) if positional => {
                // a cache hit on a synchronous method with at most two arguments that fit
                // its parameters as they are: called with a slice, no argument vector
                if args.count() <= 2
                    && let Some(entry) = self.native_method_hit(&r, cache)
                    && let MethodFn::Sync(_) = entry.imp
                {
                    let argv = self.eval_two_args(args, f)?;
                    return self.call_native_method(entry, &r, &argv[..args.count()], cache, span);
                }
                if let Some(m) = self.method_at(&r, &method.name, cache) {
                    let argv = args.collect(self, f)?;
                    return self.call_member(&m, r, argv, span);
                }
            }
            Value::Module(m) => {
                let fv = self.module_item_at(m, &method.name, cache)?;
                return self.call_with_args(&fv, args, f, span);
            }
            _ if is_builtin_receiver(&r) && positional && args.count() <= 2 => {
                let argv = self.eval_two_args(args, f)?;
                return self.call_builtin_method_at(&r, &method.name, &argv[..args.count()], cache);
            }
            _ => {}
        }
        let argv = args.collect(self, f)?;
        self.call_method(r, method, argv, span)
    }

    /// Up to two positional arguments, in a fixed array (no vector).
    fn eval_two_args<A: ArgSource + ?Sized>(&self, args: &A, f: &mut Frame) -> R<[Value; 2]> {
        let mut argv: [Value; 2] = Default::default();
        for (k, slot) in argv.iter_mut().enumerate().take(args.count()) {
            *slot = args.value(k, self, f)?;
        }
        Ok(argv)
    }

    /// A call of the value `fv` (the callee, already evaluated).
    pub fn call_with_args<A: ArgSource + ?Sized>(&self, fv: &Value, args: &A, f: &mut Frame, span: Span) -> R<Value> {
        match fv {
            Value::Func(c) if c.decl.plain_call(args.count()) && args.all_positional() => {
                self.call_direct_with(c, None, args, f)
            }
            // a built-in function (`float(x)`, `min(a, b)`) whose signature takes the
            // arguments as they are: straight to it
            Value::Native(n) if args.all_positional() => {
                let direct = n.direct();
                // up to two arguments go to the native without a vector
                if let Some((fun, sig)) = direct {
                    let call = |argv: &[Value]| {
                        if sig.fits_exactly(argv) {
                            return fun(self, argv);
                        }
                        self.call_value(fv, super::call::Args::new(argv.to_vec()), span)
                    };
                    match args.count() {
                        0 => return call(&[]),
                        1 => return call(std::slice::from_ref(&args.value(0, self, f)?)),
                        2 => {
                            let first = args.value(0, self, f)?;
                            let second = args.value(1, self, f)?;
                            if sig.fits_after_nil() {
                                // `max(a, b)`: bound as `[key: nil, a, b]` without a vector
                                return fun(self, &[Value::Nil, first, second]);
                            }
                            return call(&[first, second]);
                        }
                        _ => {}
                    }
                }
                let argv = args.collect(self, f)?;
                if let Some((fun, sig)) = direct
                    && sig.fits_exactly(&argv.positional)
                {
                    return fun(self, &argv.positional);
                }
                self.call_value(fv, argv, span)
            }
            // `task(x)`: a new Task, whose arguments go straight into its frame
            _ if let Some(c) = Self::async_in_place(fv, args) => {
                let fut = self.async_call_in_place(c, args, f, 0)?;
                Ok(self.spawn_task(c.name.clone(), fut))
            }
            _ => {
                let argv = args.collect(self, f)?;
                self.call_value(fv, argv, span)
            }
        }
    }

    fn eval_call(&self, callee: &Expr, args: &[Arg], f: &mut Frame, span: Span) -> R<Value> {
        let fv = self.eval(callee, f)?;
        self.call_with_args(&fv, args, f, span)
    }

    fn eval_binary(&self, op: BinOp, a: &Expr, b: &Expr, f: &mut Frame) -> R<Value> {
        match op {
            BinOp::And => {
                if !self.truthy(a, f)? {
                    return Ok(Value::Bool(false));
                }
                Ok(Value::Bool(self.truthy(b, f)?))
            }
            BinOp::Or => {
                if self.truthy(a, f)? {
                    return Ok(Value::Bool(true));
                }
                Ok(Value::Bool(self.truthy(b, f)?))
            }
            BinOp::Is | BinOp::IsNot if matches!(b.kind, ExprKind::Nil) => {
                Ok(Value::Bool(self.is_nil(a, f)? == (op == BinOp::Is)))
            }
            BinOp::Coalesce => {
                let x = self.eval(a, f)?;
                self.coalesce(x, || self.eval(b, f))
            }
            _ => {
                // `local op literal`, `local op local` (n - 1, i < n, x % 3): no recursion,
                // no clones
                if let Some((x, y)) = super::eval::local_int_operands(a, b, f) {
                    return int_op(op, x, y);
                }
                let x = self.eval(a, f)?;
                let y = self.eval(b, f)?;
                self.binary_values(op, x, y)
            }
        }
    }

    /// `x op y` on evaluated operands: ints, floats and string equality first.
    #[inline]
    pub fn binary_values(&self, op: BinOp, x: Value, y: Value) -> R<Value> {
        match (&x, &y) {
            (Value::Int(i), Value::Int(j)) => {
                let r = int_op(op, *i, *j);
                x.forget_scalar();
                y.forget_scalar();
                return r;
            }
            (Value::Float(p), Value::Float(q)) => {
                if let Some(v) = float_fast(op, *p, *q) {
                    x.forget_scalar();
                    y.forget_scalar();
                    return Ok(v);
                }
            }
            (Value::Str(p), Value::Str(q)) if matches!(op, BinOp::Eq | BinOp::Ne) => {
                return Ok(Value::Bool(super::ops::str_equal(p, q) == (op == BinOp::Eq)));
            }
            _ => {}
        }
        self.binary(op, x, y)
    }

    /// `a ?? b`: `b` when `a` is nil or `None` (or an `Err`); the payload of `Some`/`Ok`;
    /// otherwise `a` itself.
    pub fn coalesce(&self, x: Value, rhs: impl FnOnce() -> R<Value>) -> R<Value> {
        match &x {
            Value::Nil => rhs(),
            Value::Enum(e) if super::value::is_builtin_enum(&e.def.name) => {
                let good = if &*e.def.name == "Option" { e.variant == 1 } else { e.variant == 0 };
                if good { Ok(e.fields.first().cloned().unwrap_or_default()) } else { rhs() }
            }
            _ => Ok(x),
        }
    }

    /// The optional parts of a slice (nil where left out).
    pub fn slice_parts(&self, parts: &SliceParts, f: &mut Frame) -> R<(Value, Value, Value)> {
        let mut get = |p: &Option<Expr>| match p {
            Some(e) => self.eval(e, f),
            None => Ok(Value::Nil),
        };
        Ok((get(&parts.start)?, get(&parts.end)?, get(&parts.step)?))
    }

    /// `a < b <= c`: each operand evaluated once, stopping at the first false link.
    fn eval_compare(&self, first: &Expr, rest: &[(BinOp, Expr)], f: &mut Frame) -> R<Value> {
        let mut left = self.eval(first, f)?;
        for (op, e) in rest {
            let right = self.eval(e, f)?;
            if !super::ops::truthy_value(&self.binary(*op, left, right.clone())?) {
                return Ok(Value::Bool(false));
            }
            left = right;
        }
        Ok(Value::Bool(true))
    }
}

/// A value whose methods are all registered built-ins (no user methods, no fields).
#[inline]
pub fn is_builtin_receiver(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::Str(_) | Value::Dict(_) | Value::Bytes(_) | Value::Set(_))
}
