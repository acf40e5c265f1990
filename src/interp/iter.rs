//! Iteration: what `for`, comprehensions and the iterable-taking built-ins walk over.
//! Ranges are lazy; lists are read by position each step (so a loop sees the list as it
//! changes, like Python); strings yield one-character strings (ASCII ones shared).

use super::value::*;
use super::{Interp, R, fail};
use std::rc::Rc;

pub enum Iter {
    Range { cur: i64, end: i64, step: i64 },
    List { list: Shared<Vec<Value>>, i: usize },
    Tuple { items: Rc<Vec<Value>>, i: usize },
    Str { s: Rc<Str>, pos: usize },
    Bytes { b: Shared<Vec<u8>>, i: usize },
    Values(std::vec::IntoIter<Value>),
}

impl Iter {
    /// How many values are left, where that is known without running anything (a
    /// range, list, tuple or collected values): a capacity hint for what is built.
    pub fn known_len(&self) -> Option<usize> {
        match self {
            Iter::Range { cur, end, step } => range_len(*cur, *end, *step).ok(),
            Iter::List { list, i } => Some(list.borrow().len().saturating_sub(*i)),
            Iter::Tuple { items, i } => Some(items.len().saturating_sub(*i)),
            Iter::Values(v) => Some(v.len()),
            Iter::Str { .. } | Iter::Bytes { .. } => None,
        }
    }
}

/// The number of values `range(a, b, step)` yields; an error if it does not fit in i64.
pub fn range_len(a: i64, b: i64, step: i64) -> R<usize> {
    let n: i128 = if step > 0 && a < b {
        (b as i128 - a as i128 + step as i128 - 1) / step as i128
    } else if step < 0 && a > b {
        (a as i128 - b as i128 - step as i128 - 1) / (-(step as i128))
    } else {
        0
    };
    if n > i64::MAX as i128 {
        return fail(format!("range has {n} elements, more than the largest int"));
    }
    Ok(n as usize)
}

/// Every value of a range, for slicing it (bounded: a slice of a huge range is an error).
pub fn range_values(a: i64, b: i64, step: i64) -> R<Vec<i64>> {
    let n = range_len(a, b, step)?;
    if n > 1 << 28 {
        return fail("range is too large to slice");
    }
    Ok((0..n as i64).map(|k| a + k * step).collect())
}

/// The 128 one-character ASCII strings, shared by every `s[i]` and `for c in s`.
pub fn ascii_table() -> Vec<Value> {
    (0u8..128).map(|c| Value::str((c as char).to_string())).collect()
}

impl Interp {
    /// A one-character string (ASCII ones are shared, not allocated).
    #[inline]
    pub fn char_value(&self, c: char) -> Value {
        match self.ascii.get(c as usize) {
            Some(v) => v.clone(),
            None => Value::str(c.to_string()),
        }
    }
}

impl Iter {
    pub fn next_value(&mut self, interp: &Interp) -> Option<Value> {
        match self {
            Iter::Range { cur, end, step } => {
                if (*step > 0 && *cur < *end) || (*step < 0 && *cur > *end) {
                    let v = *cur;
                    match cur.checked_add(*step) {
                        Some(next) => *cur = next,
                        None => *cur = *end, // the next value would not fit: done
                    }
                    Some(Value::Int(v))
                } else {
                    None
                }
            }
            // (a `match`, not `.cloned()`: that `Option` went through a 16-byte stack
            // temporary read back by one vector load, which the store buffer cannot
            // forward; "Store forwarding" in ARCHITECTURE.md)
            Iter::List { list, i } => {
                let v = match list.borrow().get(*i) {
                    Some(v) => v.clone(),
                    None => return None,
                };
                *i += 1;
                Some(v)
            }
            Iter::Tuple { items, i } => {
                let v = match items.get(*i) {
                    Some(v) => v.clone(),
                    None => return None,
                };
                *i += 1;
                Some(v)
            }
            Iter::Str { s, pos } => {
                let c = s.s[*pos..].chars().next()?;
                *pos += c.len_utf8();
                Some(interp.char_value(c))
            }
            Iter::Bytes { b, i } => {
                let v = b.borrow().get(*i).map(|x| Value::Int(*x as i64));
                *i += 1;
                v
            }
            Iter::Values(it) => it.next(),
        }
    }
}

impl Interp {
    pub fn iterate(&self, v: Value) -> R<Iter> {
        Ok(match v {
            Value::Range(r) => Iter::Range { cur: r.0, end: r.1, step: r.2 },
            Value::List(list) => Iter::List { list, i: 0 },
            Value::Tuple(items) => Iter::Tuple { items, i: 0 },
            Value::Str(s) => Iter::Str { s, pos: 0 },
            Value::Bytes(b) => Iter::Bytes { b, i: 0 },
            Value::Dict(d) | Value::Set(d) => Iter::Values(d.borrow().keys().into_iter()),
            Value::Cell(c) => return self.iterate(c.borrow().clone()),
            other => return fail(format!("a value of type {} is not iterable", other.type_name())),
        })
    }

    /// Every value an iterable yields, in a List-ready vector.
    pub fn collect(&self, v: Value) -> R<Vec<Value>> {
        let v = match v {
            // a list nothing else holds (a temporary: `xs[a:b] = ys[::-1]`) gives up its
            // items; otherwise they are copied
            Value::List(l) => {
                return Ok(match Rc::try_unwrap(l) {
                    Ok(items) => items.into_inner(),
                    Err(shared) => shared.borrow().clone(),
                });
            }
            other => other,
        };
        if let Value::Range(r) = &v {
            let n = range_len(r.0, r.1, r.2)?;
            if n > 1 << 30 {
                return fail(format!("range of {n} values is too large to collect"));
            }
        }
        let mut it = self.iterate(v)?;
        let mut out = Vec::new();
        while let Some(x) = it.next_value(self) {
            out.push(x);
        }
        Ok(out)
    }
}
