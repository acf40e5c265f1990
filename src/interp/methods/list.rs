//! Methods of List. `push`, `insert`, `sort`, `reverse`, `extend` and `clear` change the
//! list in place and return nil.

use super::super::access::checked_index;
use super::super::call::Args;
use super::super::ops::truthy_value;
use super::super::value::*;
use super::super::{Interp, R, fail};
use super::{int, recv, text};
use crate::registry::Registry;

pub fn register(reg: &mut Registry) {
    const L: &str = "List";
    reg.method(L, "len()", "The number of elements.", |_, l, _| Ok(Value::Int(recv!(l, List).borrow().len() as i64)));
    reg.method(L, "is_empty()", "Whether the list has no elements.", |_, l, _| {
        Ok(Value::Bool(recv!(l, List).borrow().is_empty()))
    });
    for name in ["push(item)", "append(item)"] {
        reg.method(L, name, "Adds an element at the end.", |_, l, a| {
            recv!(l, List).borrow_mut().push(a[0].clone());
            Ok(Value::Nil)
        });
    }
    reg.method(
        L,
        "pop(index?: i64)",
        "Removes the last element (or the one at `index`): `Some(element)` or `None`.",
        pop,
    );
    reg.method(L, "insert(index: i64, item)", "Inserts before `index` (negative counts from the end).", |_, l, a| {
        let mut list = recv!(l, List).borrow_mut();
        let len = list.len() as i64;
        let i = int(&a[0]);
        let k = if i < 0 { (i + len).max(0) } else { i.min(len) };
        list.insert(k as usize, a[1].clone());
        Ok(Value::Nil)
    });
    reg.method(L, "remove(index: i64)", "Removes and returns the element at `index`.", |_, l, a| {
        let mut list = recv!(l, List).borrow_mut();
        let k = checked_index(int(&a[0]), list.len(), "List")?;
        Ok(list.remove(k))
    });
    reg.method(L, "contains(item)", "Whether an element equals `item`.", |_, l, a| {
        Ok(Value::Bool(recv!(l, List).borrow().iter().any(|x| values_equal(x, &a[0]))))
    });
    reg.method(L, "index_of(item)", "`Some(index)` of the first element equal to `item`, or `None`.", |i, l, a| {
        let pos = recv!(l, List).borrow().iter().position(|x| values_equal(x, &a[0]));
        Ok(i.option(pos.map(|p| Value::Int(p as i64))))
    });
    reg.method(L, "count(item)", "How many elements equal `item`.", |_, l, a| {
        Ok(Value::Int(recv!(l, List).borrow().iter().filter(|x| values_equal(x, &a[0])).count() as i64))
    });
    reg.method(L, "reverse()", "Reverses the list in place.", |_, l, _| {
        recv!(l, List).borrow_mut().reverse();
        Ok(Value::Nil)
    });
    reg.method(
        L,
        "sort(*, key?: Function, reverse: bool = false)",
        "Sorts in place (stable); `key:` maps each element to what is compared.",
        |i, l, a| {
            let list = recv!(l, List);
            let items = list.borrow().clone();
            let sorted = crate::interp::builtins::sort_values(i, items, &a[0], truthy_value(&a[1]))?;
            *list.borrow_mut() = sorted;
            Ok(Value::Nil)
        },
    );
    reg.method(L, "extend(items: Iterable)", "Appends every value of an iterable.", |i, l, a| {
        let more = i.collect(a[0].clone())?;
        recv!(l, List).borrow_mut().extend(more);
        Ok(Value::Nil)
    });
    reg.method(L, "clear()", "Removes every element.", |_, l, _| {
        recv!(l, List).borrow_mut().clear();
        Ok(Value::Nil)
    });
    reg.method(L, "copy()", "A shallow copy.", |_, l, _| Ok(Value::list(recv!(l, List).borrow().clone())));
    reg.method(
        L,
        "join(sep: String = nil)",
        "The display forms of the elements with `sep` between them.",
        |_, l, a| Ok(Value::str(super::string::join(&recv!(l, List).borrow(), text(&a[0])))),
    );
    reg.method(L, "first()", "`Some(first element)` or `None`.", |i, l, _| {
        Ok(i.option(recv!(l, List).borrow().first().cloned()))
    });
    reg.method(L, "last()", "`Some(last element)` or `None`.", |i, l, _| {
        Ok(i.option(recv!(l, List).borrow().last().cloned()))
    });
    reg.method(L, "map(f: Function)", "A new List of `f(element)`.", |i, l, a| {
        let items = recv!(l, List).borrow().clone();
        let out =
            items.into_iter().map(|x| i.call_value(&a[0], Args::new(vec![x]), Default::default())).collect::<R<_>>()?;
        Ok(Value::list(out))
    });
    reg.method(L, "filter(f: Function)", "A new List of the elements for which `f` is truthy.", |i, l, a| {
        let items = recv!(l, List).borrow().clone();
        let mut out = Vec::new();
        for x in items {
            if truthy_value(&i.call_value(&a[0], Args::new(vec![x.clone()]), Default::default())?) {
                out.push(x);
            }
        }
        Ok(Value::list(out))
    });
    reg.method(L, "each(f: Function)", "Calls `f` with each element.", |i, l, a| {
        let items = recv!(l, List).borrow().clone();
        for x in items {
            i.call_value(&a[0], Args::new(vec![x]), Default::default())?;
        }
        Ok(Value::Nil)
    });
    reg.method(L, "reduce(f: Function, initial?)", "Folds the elements with `f(acc, element)`.", reduce);
    reg.method(
        L,
        "slice(start: i64, end?: i64)",
        "Elements `start..end` (clamped; negative counts from the end).",
        |i, l, a| i.slice(l, &a[0], &a[1], &Value::Nil),
    );
}

fn pop(i: &Interp, l: &Value, a: &[Value]) -> R<Value> {
    let mut list = recv!(l, List).borrow_mut();
    if matches!(a[0], Value::Nil) {
        return Ok(i.option(list.pop()));
    }
    if list.is_empty() {
        return Ok(i.none.clone());
    }
    let k = checked_index(int(&a[0]), list.len(), "List")?;
    Ok(i.some(list.remove(k)))
}

fn reduce(i: &Interp, l: &Value, a: &[Value]) -> R<Value> {
    let items = recv!(l, List).borrow().clone();
    let mut it = items.into_iter();
    let mut acc = match &a[1] {
        Value::Nil => match it.next() {
            Some(v) => v,
            None => return fail("List.reduce() of an empty list without an initial value"),
        },
        init => init.clone(),
    };
    for x in it {
        acc = i.call_value(&a[0], Args::new(vec![acc, x]), Default::default())?;
    }
    Ok(acc)
}
