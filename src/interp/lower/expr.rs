//! Lowering expressions and conditions. Each specialised node stamps its errors with
//! its own span, exactly where `eval_node` does (`at`), so an error's position does not
//! depend on which evaluator ran the code.

use super::{Args, Cond, Node, Ptr, collections, ops};
use crate::interp::R;
use crate::interp::call::ArgSource;
use crate::interp::eval::{local_slot, stamp};
use crate::interp::eval_expr::is_builtin_receiver;
use crate::interp::ops::truthy_value;
use crate::interp::value::{NativeFn, Value};
use crate::interp::{Frame, GlobalCallee, Interp};
use crate::syntax::ast::*;
use std::rc::Rc;

/// Stamps an error leaving a node with the node's span (the first stamp wins).
#[inline]
pub(super) fn at<T>(span: Span, r: R<T>) -> R<T> {
    r.map_err(|c| stamp(c, span))
}

/// A node that evaluates `e` with the syntax-tree evaluator.
pub fn fallback(e: &Expr) -> Node {
    let e = Ptr::new(e);
    Box::new(move |i, f| i.eval(e.get(), f))
}

pub fn expr(e: &Expr) -> Node {
    let span = e.span;
    match &e.kind {
        ExprKind::Int(k) => {
            let k = *k;
            Box::new(move |_, _| Ok(Value::Int(k)))
        }
        ExprKind::Float(x) => {
            let x = *x;
            Box::new(move |_, _| Ok(Value::Float(x)))
        }
        ExprKind::Bool(b) => {
            let b = *b;
            Box::new(move |_, _| Ok(Value::Bool(b)))
        }
        ExprKind::Nil => Box::new(|_, _| Ok(Value::Nil)),
        ExprKind::Str(s) => {
            let s = s.clone();
            Box::new(move |_, _| Ok(Value::Str(s.clone())))
        }
        ExprKind::Var(v) => match v.slot {
            Slot::Local(s) => Box::new(move |_, f| Ok(f.slots[s as usize].clone())),
            Slot::Global(g) => Box::new(move |i, _| Ok(i.global(g))),
            slot => Box::new(move |i, f| Ok(i.load(slot, f))),
        },
        ExprKind::Binary(op, a, b) => binary(*op, a, b, e),
        ExprKind::Call { callee, args }
            if matches!(callee.kind, ExprKind::Var(VarRef { slot: Slot::Global(_), .. })) =>
        {
            let ExprKind::Var(VarRef { slot: Slot::Global(g), .. }) = callee.kind else { unreachable!() };
            let args = args_of(args);
            // a module-level function: only its closure's `Rc` is cloned (no `Value`); a
            // built-in one (`float(x)`) with one argument that fits its signature as it
            // is gets it straight
            let one_positional = args.count() == 1 && args.all_positional();
            Box::new(move |i, f| {
                let r = match i.global_callee(g) {
                    GlobalCallee::Closure(c) if c.decl.plain_call(args.count()) && args.all_positional() => {
                        i.call_direct_with(&c, None, &args, f)
                    }
                    GlobalCallee::Native(n) if one_positional => native_call_one(i, &n, &args, f, span),
                    _ => i.call_with_args(&i.global(g), &args, f, span),
                };
                at(span, r)
            })
        }
        ExprKind::Call { callee, args } => {
            let callee = expr(callee);
            let args = args_of(args);
            Box::new(move |i, f| {
                let r = match callee(i, f) {
                    Ok(fv) => i.call_with_args(&fv, &args, f, span),
                    Err(c) => Err(c),
                };
                at(span, r)
            })
        }
        ExprKind::MethodCall { recv, method, args, cache } => method_call(recv, method, args, cache, span),
        ExprKind::Field(x, name, cache) => {
            let (name, cache) = (Ptr::new(name), Ptr::new(cache));
            if let Some(s) = local_slot(x) {
                return Box::new(move |i, f| at(span, i.field_at(&f.slots[s as usize], name.get(), cache.get())));
            }
            let x = expr(x);
            Box::new(move |i, f| {
                let v = x(i, f)?;
                at(span, i.field_at(&v, name.get(), cache.get()))
            })
        }
        ExprKind::Index(x, index) => {
            let index = expr(index);
            if let Some(s) = local_slot(x) {
                // the index cannot rebind a plain local (see `Index` in `eval_rare`)
                return Box::new(move |i, f| {
                    let k = index(i, f)?;
                    let r = i.index(&f.slots[s as usize], &k);
                    k.release();
                    at(span, r)
                });
            }
            let x = expr(x);
            Box::new(move |i, f| {
                let v = x(i, f)?;
                let k = index(i, f)?;
                at(span, i.index(&v, &k))
            })
        }
        ExprKind::Unary(op, x) => {
            let (op, x) = (*op, expr(x));
            Box::new(move |i, f| {
                let v = x(i, f)?;
                at(span, i.unary(op, v))
            })
        }
        ExprKind::List(items) => collections::list(items),
        ExprKind::Tuple(items) => collections::tuple(items),
        ExprKind::Dict(pairs) => collections::dict(pairs, span),
        ExprKind::StructNew { ty, fields } => collections::struct_new(ty, fields, span),
        ExprKind::Interp(parts) => collections::interpolated(parts),
        ExprKind::Slice(base, parts) => collections::slice(base, parts, span),
        ExprKind::Compare(first, rest) => collections::compare_chain(first, rest, span),
        ExprKind::Comprehension(c) => collections::comprehension(c, span),
        ExprKind::Range { start, end, inclusive } => {
            let (start, end, inclusive) = (expr(start), expr(end), *inclusive);
            Box::new(move |i, f| {
                let a = start(i, f)?;
                let b = end(i, f)?;
                at(span, i.make_range(a, b, inclusive))
            })
        }
        ExprKind::Try(x) => {
            let x = expr(x);
            Box::new(move |i, f| {
                let v = x(i, f)?;
                at(span, i.try_unwrap(v))
            })
        }
        ExprKind::If { branches, else_ } => {
            let branches: Vec<(Cond, Node)> = branches.iter().map(|(c, v)| (cond(c), expr(v))).collect();
            let else_ = expr(else_);
            Box::new(move |i, f| {
                for (c, v) in &branches {
                    if c(i, f)? {
                        return v(i, f);
                    }
                }
                else_(i, f)
            })
        }
        _ => fallback(e),
    }
}

fn args_of(args: &[Arg]) -> Args {
    Args {
        nodes: args.iter().map(|a| expr(&a.value)).collect(),
        names: args.iter().map(|a| a.name.as_ref().map(|n| n.name.clone())).collect(),
        positional: args.iter().all(|a| a.name.is_none()),
    }
}

/// `float(x)`: a built-in function with one positional argument. A synchronous one whose
/// signature takes the argument as it is gets it as a one-element slice; anything else
/// takes the general call with the evaluated argument.
fn native_call_one(i: &Interp, n: &Rc<NativeFn>, args: &Args, f: &mut Frame, span: Span) -> R<Value> {
    let x = args.value(0, i, f)?;
    if let Some((fun, sig)) = n.direct() {
        let argv = std::slice::from_ref(&x);
        if sig.fits_exactly(argv) {
            return fun(i, argv);
        }
    }
    i.call_value(&Value::Native(n.clone()), crate::interp::call::Args::new(vec![x]), span)
}

fn method_call(recv: &Expr, method: &Ident, args: &[Arg], cache: &SiteCache, span: Span) -> Node {
    let (method, cache, args) = (Ptr::new(method), Ptr::new(cache), args_of(args));
    if let Some(s) = local_slot(recv) {
        if args.positional {
            return method_call_on_local(s as usize, method, cache, args, span);
        }
        return Box::new(move |i, f| at(span, i.method_call_on_local(s, method.get(), cache.get(), &args, f, span)));
    }
    let recv = expr(recv);
    Box::new(move |i, f| {
        let r = recv(i, f)?;
        at(span, i.eval_method_call(r, method.get(), cache.get(), &args, f, span))
    })
}

/// `t.run()`, `xs.push(x)`: a method call on a local, its arguments positional. The
/// common case is tested first: a user struct's method that the site's cache holds
/// and that takes exactly these arguments is called with them straight in its frame,
/// with no dispatch between (`Interp::struct_method_hit`).
fn method_call_on_local(s: usize, method: Ptr<Ident>, cache: Ptr<SiteCache>, args: Args, span: Span) -> Node {
    let n = args.nodes.len();
    Box::new(move |i, f| {
        if let Value::Struct(sv) = &f.slots[s]
            && let Some(c) = i.direct_method_hit(sv, cache.get(), n)
        {
            // (the struct's `Rc` cloned directly: `Value::clone` calls out for a
            // non-scalar and matches the variant again)
            let this = Value::Struct(sv.clone());
            return at(span, i.call_direct_with(&c, Some(this), &args, f));
        }
        if n <= 1 && is_builtin_receiver(&f.slots[s]) {
            return at(span, builtin_call_on_local(i, f, s, method.get(), cache.get(), &args));
        }
        at(span, i.method_call_on_local(s as u32, method.get(), cache.get(), &args, f, span))
    })
}

/// `xs.push(x)`, `s.len()`: a built-in receiver (list, string, dict, bytes, set) with at
/// most one argument, passed as a one-element slice (no argument array to fill and
/// drop).
#[inline]
fn builtin_call_on_local(
    i: &crate::interp::Interp,
    f: &mut crate::interp::Frame,
    s: usize,
    method: &Ident,
    cache: &SiteCache,
    args: &Args,
) -> R<Value> {
    match args.nodes.first() {
        None => i.call_builtin_method_at(&f.slots[s], &method.name, &[], cache),
        Some(arg) => {
            let v = arg(i, f)?;
            i.call_builtin_method_at(&f.slots[s], &method.name, std::slice::from_ref(&v), cache)
        }
    }
}

fn binary(op: BinOp, a: &Expr, b: &Expr, e: &Expr) -> Node {
    let span = e.span;
    match op {
        BinOp::And | BinOp::Or => {
            let (a, b) = (cond(a), cond(b));
            let stop = op == BinOp::Or;
            Box::new(move |i, f| {
                let r = match a(i, f) {
                    Ok(x) if x == stop => Ok(Value::Bool(stop)),
                    Ok(_) => b(i, f).map(Value::Bool),
                    Err(c) => Err(c),
                };
                at(span, r)
            })
        }
        BinOp::Is | BinOp::IsNot if matches!(b.kind, ExprKind::Nil) => {
            let is = op == BinOp::Is;
            let a = nil_test(a);
            Box::new(move |i, f| at(span, a(i, f).map(|nil| Value::Bool(nil == is))))
        }
        BinOp::Coalesce => {
            let (a, b) = (expr(a), expr(b));
            Box::new(move |i, f| {
                let r = match a(i, f) {
                    Ok(x) => i.coalesce(x, || b(i, f)),
                    Err(c) => Err(c),
                };
                at(span, r)
            })
        }
        _ => {
            if let Some((s, k, t)) = local_operands(a, b) {
                return ops::local_operands(op, s, k, t, span);
            }
            let k = if let ExprKind::Int(k) = b.kind { Some(k) } else { None };
            ops::binary(op, expr(a), expr(b), k, span)
        }
    }
}

/// `local op literal` (the slot and the literal) or `local op local` (both slots).
fn local_operands(a: &Expr, b: &Expr) -> Option<(u32, Option<i64>, Option<u32>)> {
    let s = local_slot(a)?;
    match b.kind {
        ExprKind::Int(k) => Some((s, Some(k), None)),
        _ => Some((s, None, Some(local_slot(b)?))),
    }
}

/// Whether `e` is nil (a plain local, or a field of one, is looked at where it lies).
fn nil_test(e: &Expr) -> Cond {
    if let Some(s) = local_slot(e) {
        return Box::new(move |_, f| Ok(matches!(f.slots[s as usize], Value::Nil)));
    }
    if let Some(peek) = peek_local_field(e, |v| matches!(v, Value::Nil)) {
        return peek;
    }
    let e = expr(e);
    Box::new(move |i, f| Ok(matches!(e(i, f)?, Value::Nil)))
}

/// A condition, with `Interp::truthy`'s meaning: Python truthiness, comparisons and
/// `and`/`or`/`not` without `Bool` values in between, `let` conditions binding.
pub fn cond(e: &Expr) -> Cond {
    let span = e.span;
    match &e.kind {
        ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b)
            if let (Some(s), ExprKind::Str(lit)) = (local_slot(a), &b.kind) =>
        {
            ops::compare_local_str(*op, s, lit.clone(), span)
        }
        ExprKind::Binary(op, a, b) if op.is_comparison() => match local_operands(a, b) {
            Some((s, k, t)) => ops::compare_local(*op, s, k, t, span),
            None => ops::compare(*op, expr(a), expr(b), span),
        },
        ExprKind::Bool(b) => {
            let b = *b;
            Box::new(move |_, _| Ok(b))
        }
        // `word in counts` with the container a plain local: the membership test on
        // the slot where it lies, without a `Bool` (or the operator's general path)
        ExprKind::Binary(op @ (BinOp::In | BinOp::NotIn), a, b) if let Some(t) = local_slot(b) => {
            let (item, t, want) = (expr(a), t as usize, *op == BinOp::In);
            Box::new(move |i, f| {
                let x = item(i, f)?;
                Ok(at(span, i.contains(&f.slots[t], &x))? == want)
            })
        }
        ExprKind::Binary(op @ (BinOp::Is | BinOp::IsNot), a, b) if matches!(b.kind, ExprKind::Nil) => {
            let is = *op == BinOp::Is;
            let a = nil_test(a);
            Box::new(move |i, f| Ok(a(i, f)? == is))
        }
        ExprKind::Binary(BinOp::And, a, b) => {
            let (a, b) = (cond(a), cond(b));
            Box::new(move |i, f| Ok(a(i, f)? && b(i, f)?))
        }
        ExprKind::Binary(BinOp::Or, a, b) => {
            let (a, b) = (cond(a), cond(b));
            Box::new(move |i, f| Ok(a(i, f)? || b(i, f)?))
        }
        ExprKind::Unary(UnOp::Not, x) => {
            let x = cond(x);
            Box::new(move |i, f| Ok(!x(i, f)?))
        }
        ExprKind::LetCond { .. } => {
            let e = Ptr::new(e);
            Box::new(move |i, f| i.truthy(e.get(), f))
        }
        _ => {
            if let Some(peek) = peek_local_field(e, truthy_value) {
                return peek;
            }
            let e = expr(e);
            Box::new(move |i, f| Ok(truthy_value(&e(i, f)?)))
        }
    }
}

/// `look` applied to the field `x.name` of a plain local `x` where it lies, if `e` is
/// such a field.
fn peek_local_field(e: &Expr, look: fn(&Value) -> bool) -> Option<Cond> {
    let ExprKind::Field(x, name, cache) = &e.kind else { return None };
    let s = local_slot(x)?;
    let (name, cache, span) = (Ptr::new(name), Ptr::new(cache), e.span);
    Some(Box::new(move |i, f| at(span, i.peek_field_at(&f.slots[s as usize], name.get(), cache.get(), look))))
}
