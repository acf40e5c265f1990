//! Built-ins over iterables and numbers: `min`, `max`, `sum`, `abs`, `sorted`,
//! `reversed`, `enumerate`, `zip`, `any`, `all`, `round`, `divmod`, and the sorting
//! that `sorted` and `List.sort` share.

use super::super::call::Args;
use super::super::ops::truthy_value;
use super::super::value::*;
use super::super::{Interp, R, fail};
use crate::registry::Registry;
use std::cmp::Ordering;

pub fn register(reg: &mut Registry) {
    reg.function("min(*values, key?: Function)", "The smallest of the arguments, or of one iterable.", |i, a| {
        extreme(i, a, Ordering::Less, "min()")
    });
    reg.function("max(*values, key?: Function)", "The largest of the arguments, or of one iterable.", |i, a| {
        extreme(i, a, Ordering::Greater, "max()")
    });
    reg.function("sum(items: Iterable, start: num = 0)", "The sum of the numbers of an iterable.", sum);
    reg.function("abs(x: num)", "The absolute value.", |_, a| match a[0] {
        Value::Int(i) => i.checked_abs().map(Value::Int).ok_or_else(|| super::super::Ctrl::error("integer overflow")),
        Value::Float(x) => Ok(Value::Float(x.abs())),
        _ => unreachable!("checked by the signature"),
    });
    reg.function(
        "sorted(items: Iterable, *, key?: Function, reverse: bool = false)",
        "A sorted List (stable).",
        |i, a| {
            let items = i.collect(a[0].clone())?;
            Ok(Value::list(sort_values(i, items, &a[1], truthy_value(&a[2]))?))
        },
    );
    reg.function("reversed(items: Iterable)", "A List of the values in reverse order.", |i, a| {
        let mut items = i.collect(a[0].clone())?;
        items.reverse();
        Ok(Value::list(items))
    });
    reg.function("enumerate(items: Iterable, start: i64 = 0)", "A List of (index, value) pairs.", |i, a| {
        let Value::Int(start) = a[1] else { unreachable!("checked by the signature") };
        let items = i.collect(a[0].clone())?;
        Ok(Value::list(
            items.into_iter().enumerate().map(|(k, v)| Value::tuple(vec![Value::Int(start + k as i64), v])).collect(),
        ))
    });
    reg.function(
        "zip(*iterables: Iterable)",
        "A List of tuples, one value from each iterable, as long as the shortest.",
        |i, a| {
            let lists: Vec<Vec<Value>> = a.iter().map(|v| i.collect(v.clone())).collect::<R<_>>()?;
            let n = lists.iter().map(Vec::len).min().unwrap_or(0);
            Ok(Value::list((0..n).map(|k| Value::tuple(lists.iter().map(|l| l[k].clone()).collect())).collect()))
        },
    );
    reg.function("any(items: Iterable)", "Whether some value is truthy.", |i, a| {
        Ok(Value::Bool(i.collect(a[0].clone())?.iter().any(truthy_value)))
    });
    reg.function("all(items: Iterable)", "Whether every value is truthy.", |i, a| {
        Ok(Value::Bool(i.collect(a[0].clone())?.iter().all(truthy_value)))
    });
    reg.function(
        "round(x: num, ndigits?: i64)",
        "Rounds half to even; with `ndigits`, to that many decimals (a float).",
        round,
    );
    reg.function("divmod(a: num, b: num)", "`(a // b, a % b)` with Python's floor semantics.", |i, a| {
        let q = i.binary(crate::syntax::ast::BinOp::FloorDiv, a[0].clone(), a[1].clone())?;
        let prod = i.binary(crate::syntax::ast::BinOp::Mul, q.clone(), a[1].clone())?;
        let r = i.binary(crate::syntax::ast::BinOp::Sub, a[0].clone(), prod)?;
        Ok(Value::tuple(vec![q, r]))
    });
}

/// Sorts stably by `key` (a function, or nil for the values themselves); values that
/// cannot be ordered make it a runtime error naming their types.
pub fn sort_values(i: &Interp, items: Vec<Value>, key: &Value, reverse: bool) -> R<Vec<Value>> {
    let keys: Vec<Value> = match key {
        Value::Nil => items.clone(),
        f => items.iter().map(|v| i.call_value(f, Args::new(vec![v.clone()]), Default::default())).collect::<R<_>>()?,
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut bad = None;
    order.sort_by(|&x, &y| {
        let o = compare(&keys[x], &keys[y]).unwrap_or_else(|| {
            bad.get_or_insert_with(|| super::super::ops::incomparable_pair(&keys[x], &keys[y]));
            Ordering::Equal
        });
        if reverse { o.reverse() } else { o }
    });
    if let Some((a, b)) = bad {
        return fail(format!("cannot compare {a} and {b}"));
    }
    let mut slots: Vec<Option<Value>> = items.into_iter().map(Some).collect();
    Ok(order.into_iter().map(|k| slots[k].take().unwrap_or_default()).collect())
}

/// `min`/`max`: of several arguments, or of the values of one iterable argument.
fn extreme(i: &Interp, a: &[Value], want: Ordering, what: &str) -> R<Value> {
    // the signature's binding puts `key` first
    let (key, rest) = a.split_first().unwrap_or((&Value::Nil, &[]));
    if let (Value::Nil, [Value::Int(x), Value::Int(y)]) = (key, rest) {
        // `max(a, b)` of two ints, the common case: the first of equal ones, as below
        let second = if want == Ordering::Greater { y > x } else { y < x };
        return Ok(Value::Int(if second { *y } else { *x }));
    }
    let values: std::borrow::Cow<[Value]> = match rest.len() {
        0 => return fail(format!("{what} needs at least one argument")),
        1 => i.collect(rest[0].clone())?.into(),
        _ => rest.into(),
    };
    let mut best: Option<(Value, Value)> = None;
    for v in values.iter() {
        let k = match &key {
            Value::Nil => v.clone(),
            f => i.call_value(f, Args::new(vec![v.clone()]), Default::default())?,
        };
        let better = match &best {
            None => true,
            Some((bk, _)) => match compare(&k, bk) {
                Some(o) => o == want,
                None => {
                    let (x, y) = super::super::ops::incomparable_pair(&k, bk);
                    return fail(format!("{what}: cannot compare {x} and {y}"));
                }
            },
        };
        if better {
            best = Some((k, v.clone()));
        }
    }
    best.map(|(_, v)| v).ok_or_else(|| super::super::Ctrl::error(format!("{what} of an empty sequence")))
}

fn sum(i: &Interp, a: &[Value]) -> R<Value> {
    let mut total = a[1].clone();
    for v in i.collect(a[0].clone())? {
        total = i.binary(crate::syntax::ast::BinOp::Add, total, v)?;
    }
    Ok(total)
}

fn round(_: &Interp, a: &[Value]) -> R<Value> {
    match (&a[0], &a[1]) {
        (Value::Int(n), Value::Nil) => Ok(Value::Int(*n)),
        (Value::Float(x), Value::Nil) => {
            let r = x.round_ties_even();
            if !r.is_finite() || r.abs() >= 9.2e18 {
                return fail(format!("cannot round {x:?} to an int"));
            }
            Ok(Value::Int(r as i64))
        }
        (v, Value::Int(nd)) => {
            let x = match v {
                Value::Int(n) if *nd >= 0 => return Ok(Value::Int(*n)),
                Value::Int(n) => *n as f64,
                Value::Float(x) => *x,
                _ => unreachable!("checked by the signature"),
            };
            let nd = (*nd).clamp(-308, 308) as i32;
            // via the decimal text, so `round(2.675, 2)` gives 2.67 as in Python
            let r = if nd >= 0 {
                format!("{x:.*}", nd as usize).parse::<f64>().unwrap_or(x)
            } else {
                let f = 10f64.powi(-nd);
                (x / f).round_ties_even() * f
            };
            Ok(match v {
                Value::Int(_) => Value::Int(r as i64),
                _ => Value::Float(r),
            })
        }
        _ => unreachable!("checked by the signature"),
    }
}
