//! Methods of Option and Result, numbers, Task, Range and Tuple, and `to_string`, which
//! every value has.

use super::super::call::Args;
use super::super::ops::int_pow;
use super::super::value::*;
use super::super::{Ctrl, Interp, R, fail};
use super::recv;
use crate::registry::Registry;

pub fn register(reg: &mut Registry) {
    reg.method("*", "to_string()", "The display form.", |_, v, _| Ok(Value::str(v.display())));
    register_option_result(reg);
    register_numbers(reg);
    reg.method("Task", "is_done()", "Whether the task has finished.", |_, t, _| {
        Ok(Value::Bool(recv!(t, Task).is_done()))
    });
    reg.method("Task", "cancel()", "Stops the task at its next suspension point.", |_, t, _| {
        recv!(t, Task).cancel();
        Ok(Value::Nil)
    });
    reg.method("Range", "len()", "The number of values.", |_, r, _| {
        let r = recv!(r, Range);
        Ok(Value::Int(super::super::iter::range_len(r.0, r.1, r.2)? as i64))
    });
    reg.method("Range", "contains(n)", "Whether `n` is one of the values.", |i, r, a| {
        Ok(Value::Bool(i.contains(r, &a[0])?))
    });
    reg.method("Range", "to_list()", "A List of the values.", |i, r, _| Ok(Value::list(i.collect(r.clone())?)));
    reg.method("Tuple", "len()", "The number of elements.", |_, t, _| Ok(Value::Int(recv!(t, Tuple).len() as i64)));
    reg.method("Tuple", "contains(item)", "Whether an element equals `item`.", |_, t, a| {
        Ok(Value::Bool(recv!(t, Tuple).iter().any(|x| values_equal(x, &a[0]))))
    });
}

/// (is the good variant — `Some` or `Ok`, the payload, whether it is an Option)
fn parts(v: &Value) -> (bool, Value, bool) {
    match v {
        Value::Enum(e) => {
            let is_option = &*e.def.name == "Option";
            let good = if is_option { e.variant == 1 } else { e.variant == 0 };
            (good, e.fields.first().cloned().unwrap_or_default(), is_option)
        }
        _ => (false, Value::Nil, false),
    }
}

fn call1(i: &Interp, f: &Value, v: Value) -> R<Value> {
    i.call_value(f, Args::new(vec![v]), Default::default())
}

fn register_option_result(reg: &mut Registry) {
    for ty in ["Option", "Result"] {
        let (good, bad) = if ty == "Option" { ("is_some()", "is_none()") } else { ("is_ok()", "is_err()") };
        reg.method(ty, good, "Whether this is `Some` / `Ok`.", |_, v, _| Ok(Value::Bool(parts(v).0)));
        reg.method(ty, bad, "Whether this is `None` / `Err`.", |_, v, _| Ok(Value::Bool(!parts(v).0)));
        reg.method(ty, "unwrap()", "The payload of `Some` / `Ok`; a runtime error otherwise.", |_, v, _| {
            match parts(v) {
                (true, p, _) => Ok(p),
                _ => fail(format!("called unwrap on {}", v.repr())),
            }
        });
        reg.method(ty, "expect(message: String)", "Like `unwrap`, failing with `message`.", |_, v, a| match parts(v) {
            (true, p, _) => Ok(p),
            _ => fail(a[0].display()),
        });
        reg.method(ty, "unwrap_or(default)", "The payload, or `default`.", |_, v, a| match parts(v) {
            (true, p, _) => Ok(p),
            _ => Ok(a[0].clone()),
        });
        reg.method(ty, "unwrap_or_else(f: Function)", "The payload, or what `f` returns.", |i, v, a| match parts(v) {
            (true, p, _) => Ok(p),
            (_, _, true) => i.call_value(&a[0], Args::default(), Default::default()),
            (_, p, false) => call1(i, &a[0], p),
        });
        reg.method(ty, "map(f: Function)", "`f` applied to the payload of `Some` / `Ok`.", |i, v, a| match parts(v) {
            (true, p, is_option) => {
                let r = call1(i, &a[0], p)?;
                Ok(if is_option { i.some(r) } else { i.ok(r) })
            }
            _ => Ok(v.clone()),
        });
        reg.method(
            ty,
            "and_then(f: Function)",
            "`f(payload)` for `Some` / `Ok` (it returns an Option / Result).",
            |i, v, a| match parts(v) {
                (true, p, _) => call1(i, &a[0], p),
                _ => Ok(v.clone()),
            },
        );
    }
    reg.method("Result", "ok()", "`Some(value)` for `Ok`, else `None`.", |i, v, _| {
        let (good, p, _) = parts(v);
        Ok(i.option(good.then_some(p)))
    });
    reg.method("Result", "err()", "`Some(error)` for `Err`, else `None`.", |i, v, _| {
        let (good, p, _) = parts(v);
        Ok(i.option((!good).then_some(p)))
    });
    reg.method("Result", "unwrap_err()", "The error of `Err`; a runtime error for `Ok`.", |_, v, _| match parts(v) {
        (false, p, _) => Ok(p),
        _ => fail(format!("called unwrap_err on {}", v.repr())),
    });
    reg.method("Result", "expect_err(message: String)", "Like `unwrap_err`, failing with `message`.", |_, v, a| {
        match parts(v) {
            (false, p, _) => Ok(p),
            _ => fail(a[0].display()),
        }
    });
    reg.method("Result", "map_err(f: Function)", "`f` applied to the error of `Err`.", |i, v, a| match parts(v) {
        (false, p, _) => Ok(i.err(call1(i, &a[0], p)?)),
        _ => Ok(v.clone()),
    });
    reg.method("Option", "ok_or(error)", "`Ok(value)` for `Some`, else `Err(error)`.", |i, v, a| match parts(v) {
        (true, p, _) => Ok(i.ok(p)),
        _ => Ok(i.err(a[0].clone())),
    });
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        _ => 0.0,
    }
}

fn register_numbers(reg: &mut Registry) {
    for ty in ["i64", "f64"] {
        reg.method(ty, "abs()", "The absolute value.", |_, v, _| match v {
            Value::Int(i) => i.checked_abs().map(Value::Int).ok_or_else(|| Ctrl::error("integer overflow")),
            other => Ok(Value::Float(as_f64(other).abs())),
        });
        reg.method(ty, "min(other: num)", "The smaller of the two.", |_, v, a| {
            pick(v, &a[0], std::cmp::Ordering::Less)
        });
        reg.method(ty, "max(other: num)", "The larger of the two.", |_, v, a| {
            pick(v, &a[0], std::cmp::Ordering::Greater)
        });
        reg.method(ty, "pow(exp: num)", "`self ** exp`.", |i, v, a| match (v, &a[0]) {
            (Value::Int(x), Value::Int(e)) => int_pow(*x, *e),
            _ => i.binary(crate::syntax::ast::BinOp::Pow, v.clone(), a[0].clone()),
        });
        reg.method(ty, "sqrt()", "Square root (a float).", |_, v, _| Ok(Value::Float(as_f64(v).sqrt())));
        reg.method(ty, "floor()", "Rounded down (a float).", |_, v, _| Ok(Value::Float(as_f64(v).floor())));
        reg.method(ty, "ceil()", "Rounded up (a float).", |_, v, _| Ok(Value::Float(as_f64(v).ceil())));
        reg.method(ty, "round()", "Rounded to the nearest, halves away from zero (a float).", |_, v, _| {
            Ok(Value::Float(as_f64(v).round()))
        });
        reg.method(ty, "to_int()", "Truncated to an int.", |_, v, _| match v {
            Value::Int(i) => Ok(Value::Int(*i)),
            other => {
                let x = as_f64(other);
                if !x.is_finite() || x.abs() >= 9.2e18 {
                    return fail(format!("cannot convert {x:?} to int"));
                }
                Ok(Value::Int(x.trunc() as i64))
            }
        });
        reg.method(ty, "to_float()", "As a float.", |_, v, _| Ok(Value::Float(as_f64(v))));
        reg.method(ty, "is_nan()", "Whether this is NaN.", |_, v, _| Ok(Value::Bool(as_f64(v).is_nan())));
    }
}

fn pick(v: &Value, other: &Value, want: std::cmp::Ordering) -> R<Value> {
    match compare(v, other) {
        Some(o) if o == want || o == std::cmp::Ordering::Equal => Ok(v.clone()),
        Some(_) => Ok(other.clone()),
        None => fail(format!("cannot compare {} and {}", v.type_name(), other.type_name())),
    }
}
