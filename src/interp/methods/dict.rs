//! Methods of Dict and Set (a Set is a Dict whose values are all nil).

use super::super::dict::{Dict, check_key};
use super::super::value::*;
use super::super::{Ctrl, Interp, R, fail};
use super::recv;
use crate::registry::Registry;
use crate::syntax::ast::BinOp;
use std::cell::RefCell;
use std::rc::Rc;

pub fn register(reg: &mut Registry) {
    const D: &str = "Dict";
    reg.method(D, "len()", "The number of entries.", |_, d, _| Ok(Value::Int(recv!(d, Dict).borrow().len() as i64)));
    reg.method(D, "is_empty()", "Whether the dict has no entries.", |_, d, _| {
        Ok(Value::Bool(recv!(d, Dict).borrow().is_empty()))
    });
    reg.method(
        D,
        "get(key, default?)",
        "`Some(value)` or `None`; with a default, the value or the default.",
        |i, d, a| {
            let found = recv!(d, Dict).borrow().get(&a[0]).cloned();
            Ok(match (found, &a[1]) {
                (found, Value::Nil) => i.option(found),
                (Some(v), _) => v,
                (None, default) => default.clone(),
            })
        },
    );
    reg.method(D, "insert(key, value)", "Sets `key` to `value`: `Some(old value)` or `None`.", |i, d, a| {
        check_key(&a[0]).map_err(Ctrl::error)?;
        let old = recv!(d, Dict).borrow_mut().insert(a[0].clone(), a[1].clone());
        Ok(i.option(old))
    });
    reg.method(D, "remove(key)", "Removes `key`: `Some(value)` or `None`.", |i, d, a| {
        let old = recv!(d, Dict).borrow_mut().remove(&a[0]);
        Ok(i.option(old))
    });
    for name in ["contains_key(key)", "contains(key)", "has(key)"] {
        reg.method(D, name, "Whether `key` is present.", |_, d, a| {
            Ok(Value::Bool(recv!(d, Dict).borrow().contains_key(&a[0])))
        });
    }
    reg.method(D, "keys()", "A List of the keys, in insertion order.", |_, d, _| {
        Ok(Value::list(recv!(d, Dict).borrow().keys()))
    });
    reg.method(D, "values()", "A List of the values, in insertion order.", |_, d, _| {
        Ok(Value::list(recv!(d, Dict).borrow().values()))
    });
    reg.method(D, "items()", "A List of (key, value) tuples, in insertion order.", |_, d, _| {
        let d = recv!(d, Dict).borrow();
        Ok(Value::list(d.iter().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect()))
    });
    reg.method(D, "clear()", "Removes every entry.", |_, d, _| {
        *recv!(d, Dict).borrow_mut() = Dict::new();
        Ok(Value::Nil)
    });
    reg.method(D, "copy()", "A shallow copy.", |_, d, _| {
        Ok(Value::Dict(Rc::new(RefCell::new(recv!(d, Dict).borrow().clone()))))
    });
    reg.method(D, "update(other: Dict)", "Inserts every entry of `other`.", |_, d, a| {
        let other = recv!(&a[0], Dict).borrow().clone();
        let mut dict = recv!(d, Dict).borrow_mut();
        for (k, v) in other.iter() {
            dict.insert(k.clone(), v.clone());
        }
        Ok(Value::Nil)
    });
    register_set(reg);
}

fn set_of(i: &Interp, v: &Value) -> R<Shared<Dict>> {
    match v {
        Value::Set(d) => Ok(d.clone()),
        other => match i.make_set(i.collect(other.clone())?)? {
            Value::Set(d) => Ok(d),
            _ => fail("internal error: make_set"),
        },
    }
}

fn set_method(op: BinOp) -> crate::registry::MethodImpl {
    match op {
        BinOp::BitOr => |i, s, a| combine(i, s, &a[0], BinOp::BitOr),
        BinOp::BitAnd => |i, s, a| combine(i, s, &a[0], BinOp::BitAnd),
        BinOp::Sub => |i, s, a| combine(i, s, &a[0], BinOp::Sub),
        _ => |i, s, a| combine(i, s, &a[0], BinOp::BitXor),
    }
}

fn combine(i: &Interp, s: &Value, other: &Value, op: BinOp) -> R<Value> {
    let other = set_of(i, other)?;
    super::super::collections::set_op(op, recv!(s, Set), &other)
        .ok_or_else(|| Ctrl::error("internal error: set operator"))
}

fn register_set(reg: &mut Registry) {
    const S: &str = "Set";
    reg.method(S, "len()", "The number of elements.", |_, s, _| Ok(Value::Int(recv!(s, Set).borrow().len() as i64)));
    reg.method(S, "is_empty()", "Whether the set has no elements.", |_, s, _| {
        Ok(Value::Bool(recv!(s, Set).borrow().is_empty()))
    });
    reg.method(S, "add(item)", "Adds an element (no effect if present).", |_, s, a| {
        check_key(&a[0]).map_err(|m| Ctrl::error(m.replace("Dict key", "Set element")))?;
        recv!(s, Set).borrow_mut().insert(a[0].clone(), Value::Nil);
        Ok(Value::Nil)
    });
    reg.method(S, "remove(item)", "Removes an element; an error if it is not there.", |_, s, a| {
        match recv!(s, Set).borrow_mut().remove(&a[0]) {
            Some(_) => Ok(Value::Nil),
            None => fail(format!("Set.remove(): {} is not in the set", a[0].repr())),
        }
    });
    reg.method(S, "discard(item)", "Removes an element if it is there.", |_, s, a| {
        recv!(s, Set).borrow_mut().remove(&a[0]);
        Ok(Value::Nil)
    });
    reg.method(S, "contains(item)", "Whether `item` is an element.", |_, s, a| {
        Ok(Value::Bool(super::super::dict::hashable(&a[0]) && recv!(s, Set).borrow().contains_key(&a[0])))
    });
    reg.method(S, "union(other: Iterable)", "Elements of either (`|`).", set_method(BinOp::BitOr));
    reg.method(S, "intersection(other: Iterable)", "Elements of both (`&`).", set_method(BinOp::BitAnd));
    reg.method(S, "difference(other: Iterable)", "Elements not in `other` (`-`).", set_method(BinOp::Sub));
    reg.method(S, "symmetric_difference(other: Iterable)", "Elements of exactly one (`^`).", set_method(BinOp::BitXor));
    reg.method(S, "is_subset(other: Iterable)", "Whether every element is in `other`.", |i, s, a| {
        let other = set_of(i, &a[0])?;
        let other = other.borrow();
        Ok(Value::Bool(recv!(s, Set).borrow().iter().all(|(k, _)| other.contains_key(k))))
    });
    reg.method(S, "copy()", "A shallow copy.", |_, s, _| {
        Ok(Value::Set(Rc::new(RefCell::new(recv!(s, Set).borrow().clone()))))
    });
    reg.method(S, "clear()", "Removes every element.", |_, s, _| {
        *recv!(s, Set).borrow_mut() = Dict::new();
        Ok(Value::Nil)
    });
}
