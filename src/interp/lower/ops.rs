//! Operator nodes, one closure type per operator: the common operators are a const
//! generic (`OP`, an index into `SPECIAL`), so in `int_op(pick::<OP>(op), x, y)` the
//! operator match folds away and `i + 1` on ints is an add and an overflow check.
//! Operators not in `SPECIAL` use `DYNAMIC` (the operator read at run time). Every node
//! gives what the syntax-tree evaluator's general path gives (`binary_values`,
//! `compare_values`, `assign_var_op`) for anything but its int/float fast case.

use super::{Cond, Exec, Node};
use crate::interp::R;
use crate::interp::eval::stamp;
use crate::interp::ops::{float_fast, int_compare, int_op};
use crate::interp::value::Value;
use crate::syntax::ast::{BinOp, Slot, Span};

const SPECIAL: [BinOp; 13] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Rem,
    BinOp::FloorDiv,
    BinOp::Eq,
    BinOp::Ne,
    BinOp::Lt,
    BinOp::Le,
    BinOp::Gt,
    BinOp::Ge,
    BinOp::BitAnd,
];
const DYNAMIC: usize = usize::MAX;

/// The operator of a node: the constant one, or `op` for `DYNAMIC` nodes.
#[inline(always)]
fn pick<const OP: usize>(op: BinOp) -> BinOp {
    if OP == DYNAMIC { op } else { SPECIAL[OP] }
}

/// Calls `$build::<OP>(args)` with `OP` the index of `$op` in `SPECIAL`.
macro_rules! specialise {
    ($op:expr, $build:ident ( $($arg:expr),* )) => {
        match SPECIAL.iter().position(|o| *o == $op) {
            Some(0) => $build::<0>($($arg),*),
            Some(1) => $build::<1>($($arg),*),
            Some(2) => $build::<2>($($arg),*),
            Some(3) => $build::<3>($($arg),*),
            Some(4) => $build::<4>($($arg),*),
            Some(5) => $build::<5>($($arg),*),
            Some(6) => $build::<6>($($arg),*),
            Some(7) => $build::<7>($($arg),*),
            Some(8) => $build::<8>($($arg),*),
            Some(9) => $build::<9>($($arg),*),
            Some(10) => $build::<10>($($arg),*),
            Some(11) => $build::<11>($($arg),*),
            Some(12) => $build::<12>($($arg),*),
            _ => $build::<DYNAMIC>($($arg),*),
        }
    };
}

#[inline(always)]
fn at<T>(span: Span, r: R<T>) -> R<T> {
    r.map_err(|c| stamp(c, span))
}

/// `x op y` on two evaluated operands, with the int and float cases inline.
#[inline(always)]
fn apply<const OP: usize>(op: BinOp, x: Value, y: Value, i: &crate::interp::Interp) -> R<Value> {
    let op = pick::<OP>(op);
    match (&x, &y) {
        (&Value::Int(p), &Value::Int(q)) => {
            forget_scalars(x, y);
            int_op(op, p, q)
        }
        (&Value::Float(p), &Value::Float(q)) => match float_fast(op, p, q) {
            Some(v) => {
                forget_scalars(x, y);
                Ok(v)
            }
            None => i.binary_values(op, x, y),
        },
        _ => i.binary_values(op, x, y),
    }
}

/// Ends two operands a fast path has found to be ints or floats (`Value::forget_scalar`).
#[inline(always)]
fn forget_scalars(x: Value, y: Value) {
    x.forget_scalar();
    y.forget_scalar();
}

/// `a op b` for evaluated-operand nodes; `k` when `b` is an int literal.
pub fn binary(op: BinOp, a: Node, b: Node, k: Option<i64>, span: Span) -> Node {
    match k {
        Some(k) => specialise!(op, with_const(op, a, k, span)),
        None => specialise!(op, general(op, a, b, span)),
    }
}

fn general<const OP: usize>(op: BinOp, a: Node, b: Node, span: Span) -> Node {
    Box::new(move |i, f| {
        let r = (|| {
            let x = a(i, f)?;
            let y = b(i, f)?;
            apply::<OP>(op, x, y, i)
        })();
        at(span, r)
    })
}

fn with_const<const OP: usize>(op: BinOp, a: Node, k: i64, span: Span) -> Node {
    Box::new(move |i, f| {
        let r = match a(i, f) {
            Ok(Value::Int(x)) => int_op(pick::<OP>(op), x, k),
            Ok(x) => apply::<OP>(op, x, Value::Int(k), i),
            Err(c) => Err(c),
        };
        at(span, r)
    })
}

/// `local op literal` (`k`) or `local op local` (`t`), the locals read in place.
pub fn local_operands(op: BinOp, s: u32, k: Option<i64>, t: Option<u32>, span: Span) -> Node {
    match (k, t) {
        (Some(k), _) => specialise!(op, local_const(op, s as usize, k, span)),
        (None, Some(t)) => specialise!(op, local_local(op, s as usize, t as usize, span)),
        (None, None) => unreachable!("local_operands needs a literal or a second local"),
    }
}

fn local_const<const OP: usize>(op: BinOp, s: usize, k: i64, span: Span) -> Node {
    Box::new(move |i, f| match &f.slots[s] {
        Value::Int(x) => at(span, int_op(pick::<OP>(op), *x, k)),
        x => slow_binary(pick::<OP>(op), x.clone(), Value::Int(k), i, span),
    })
}

fn local_local<const OP: usize>(op: BinOp, s: usize, t: usize, span: Span) -> Node {
    Box::new(move |i, f| match (&f.slots[s], &f.slots[t]) {
        (Value::Int(x), Value::Int(y)) => at(span, int_op(pick::<OP>(op), *x, *y)),
        (Value::Float(x), Value::Float(y)) => match float_fast(pick::<OP>(op), *x, *y) {
            Some(v) => Ok(v),
            None => slow_binary(pick::<OP>(op), Value::Float(*x), Value::Float(*y), i, span),
        },
        (x, y) => slow_binary(pick::<OP>(op), x.clone(), y.clone(), i, span),
    })
}

/// The general path of an operator node, kept out of line (the fast cases stay small).
#[cold]
#[inline(never)]
fn slow_binary(op: BinOp, x: Value, y: Value, i: &crate::interp::Interp, span: Span) -> R<Value> {
    at(span, i.binary_values(op, x, y))
}

#[cold]
#[inline(never)]
fn slow_compare(op: BinOp, x: Value, y: Value, i: &crate::interp::Interp, span: Span) -> R<bool> {
    i.compare_values(op, x, y, span)
}

/// A comparison as a condition: `local op literal` (`k`) or `local op local` (`t`).
pub fn compare_local(op: BinOp, s: u32, k: Option<i64>, t: Option<u32>, span: Span) -> Cond {
    match (k, t) {
        (Some(k), _) => specialise!(op, compare_const(op, s as usize, k, span)),
        (None, Some(t)) => specialise!(op, compare_locals(op, s as usize, t as usize, span)),
        (None, None) => unreachable!("compare_local needs a literal or a second local"),
    }
}

/// A comparison of any operands as a condition.
pub fn compare(op: BinOp, a: Node, b: Node, span: Span) -> Cond {
    specialise!(op, compare_general(op, a, b, span))
}

/// `local == "literal"` or `!=`: a string in the slot is compared where it lies (no
/// clone of either side); anything else goes to `compare_values`.
pub fn compare_local_str(op: BinOp, s: u32, lit: std::rc::Rc<crate::text::Str>, span: Span) -> Cond {
    let equal = op == BinOp::Eq;
    Box::new(move |i, f| match &f.slots[s as usize] {
        Value::Str(x) => Ok((x.s == lit.s) == equal),
        x => slow_compare(op, x.clone(), Value::Str(lit.clone()), i, span),
    })
}

fn compare_const<const OP: usize>(op: BinOp, s: usize, k: i64, span: Span) -> Cond {
    Box::new(move |i, f| match &f.slots[s] {
        Value::Int(x) => Ok(int_compare(pick::<OP>(op), *x, k)),
        x => slow_compare(pick::<OP>(op), x.clone(), Value::Int(k), i, span),
    })
}

fn compare_locals<const OP: usize>(op: BinOp, s: usize, t: usize, span: Span) -> Cond {
    Box::new(move |i, f| match (&f.slots[s], &f.slots[t]) {
        (Value::Int(x), Value::Int(y)) => Ok(int_compare(pick::<OP>(op), *x, *y)),
        (x, y) => slow_compare(pick::<OP>(op), x.clone(), y.clone(), i, span),
    })
}

fn compare_general<const OP: usize>(op: BinOp, a: Node, b: Node, span: Span) -> Cond {
    Box::new(move |i, f| {
        let x = a(i, f)?;
        let y = b(i, f)?;
        match (&x, &y) {
            (&Value::Int(p), &Value::Int(q)) => {
                forget_scalars(x, y);
                Ok(int_compare(pick::<OP>(op), p, q))
            }
            (&Value::Float(p), &Value::Float(q)) if let Some(Value::Bool(r)) = float_fast(pick::<OP>(op), p, q) => {
                forget_scalars(x, y);
                Ok(r)
            }
            _ => slow_compare(pick::<OP>(op), x, y, i, span),
        }
    })
}

/// `x op= value` for the module-level variable `x` in global slot `g`: ints updated in
/// place (top-level loops).
pub fn update_global(op: BinOp, g: u32, value: Node, span: Span) -> Exec {
    specialise!(op, update_in_global(op, g, value, span))
}

fn update_in_global<const OP: usize>(op: BinOp, g: u32, value: Node, span: Span) -> Exec {
    Box::new(move |i, f| {
        let v = value(i, f)?;
        if let Value::Int(y) = v
            && let Some(r) = i.update_global_int(g, pick::<OP>(op), y)
        {
            return at(span, r);
        }
        i.assign_var_op(Slot::Global(g), Some(pick::<OP>(op)), v, f, span)
    })
}

/// `x op= value` for the plain local `x` in slot `s`: ints updated in place.
pub fn update_local(op: BinOp, s: u32, value: Node, span: Span) -> Exec {
    specialise!(op, update(op, s as usize, value, span))
}

fn update<const OP: usize>(op: BinOp, s: usize, value: Node, span: Span) -> Exec {
    Box::new(move |i, f| {
        let v = value(i, f)?;
        match (&f.slots[s], &v) {
            (&Value::Int(x), &Value::Int(y)) => {
                let r = at(span, int_op(pick::<OP>(op), x, y))?;
                // the operand and the slot's old value are ints: nothing to drop
                forget_scalars(v, std::mem::replace(&mut f.slots[s], r));
                return Ok(());
            }
            // (`acc += p`, `e -= m / d`: `float_fast` has every compound operator of two
            // floats but `//`, `%` and `**`)
            (&Value::Float(x), &Value::Float(y)) if let Some(r) = float_fast(pick::<OP>(op), x, y) => {
                forget_scalars(v, std::mem::replace(&mut f.slots[s], r));
                return Ok(());
            }
            _ => {}
        }
        i.assign_var_op(Slot::Local(s as u32), Some(pick::<OP>(op)), v, f, span)
    })
}
