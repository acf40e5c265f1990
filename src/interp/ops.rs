//! Operators, shared by both evaluators: truthiness, unary and binary operators
//! (checked integer arithmetic, int/float mixing with exact comparison, concatenation
//! and repetition, set algebra), membership (`in`) and identity (`is`).

use super::value::*;
use super::{Ctrl, Interp, R, fail};
use crate::syntax::ast::{BinOp, UnOp};
use std::cmp::Ordering;
use std::rc::Rc;

/// Python truthiness, as the Simple language uses in conditions: `false`, `nil`,
/// `None`, `0`, `0.0`, `""` and empty collections are false; everything else is true.
#[inline]
pub fn truthy_value(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Nil => false,
        _ => truthy_other(v),
    }
}

#[inline(never)]
fn truthy_other(v: &Value) -> bool {
    match v {
        Value::Nil => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(x) => *x != 0.0,
        Value::Str(s) => !s.s.is_empty(),
        Value::Bytes(b) => !b.borrow().is_empty(),
        Value::List(l) => !l.borrow().is_empty(),
        Value::Dict(d) | Value::Set(d) => !d.borrow().is_empty(),
        Value::Tuple(t) => !t.is_empty(),
        Value::Range(r) => super::iter::range_len(r.0, r.1, r.2).is_ok_and(|n| n > 0),
        Value::Enum(e) => !(is_builtin_enum(&e.def.name) && e.def.name.as_ref() == "Option" && e.variant == 0),
        Value::Cell(c) => truthy_value(&c.borrow()),
        _ => true,
    }
}

/// `x.?`: present — not nil, not `None`, not an empty string or collection. Numbers and
/// bools are always present (`0.?` is true).
pub fn exists_value(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => true,
        other => truthy_value(other),
    }
}

/// The exact order of an int and a float (no rounding of the int to f64); `None` for NaN.
pub fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= 9_223_372_036_854_775_808.0 {
        return Some(Ordering::Less);
    }
    if f < -9_223_372_036_854_775_808.0 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    Some(match i.cmp(&(t as i64)) {
        Ordering::Equal => t.partial_cmp(&f).unwrap_or(Ordering::Equal),
        other => other,
    })
}

/// `a is b`: the same object for shared values; equality for nil, bools and numbers.
pub fn is_same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y) || x.s == y.s,
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        (Value::Dict(x), Value::Dict(y)) | (Value::Set(x), Value::Set(y)) => Rc::ptr_eq(x, y),
        (Value::Bytes(x), Value::Bytes(y)) => Rc::ptr_eq(x, y),
        (Value::Tuple(x), Value::Tuple(y)) => Rc::ptr_eq(x, y),
        (Value::Struct(x), Value::Struct(y)) => Rc::ptr_eq(x, y),
        (Value::Enum(x), Value::Enum(y)) => {
            Rc::ptr_eq(x, y)
                || (x.fields.is_empty() && y.fields.is_empty() && Rc::ptr_eq(&x.def, &y.def) && x.variant == y.variant)
        }
        _ => values_equal(a, b) && !matches!(a, Value::Nil | Value::Int(_) | Value::Float(_) | Value::Bool(_)),
    }
}

fn type_error(op: BinOp, a: &Value, b: &Value) -> Ctrl {
    Ctrl::error(format!("unsupported operand types for {}: {} and {}", op.symbol(), a.type_name(), b.type_name()))
}

#[inline(always)]
pub fn int_compare(op: BinOp, i: i64, j: i64) -> bool {
    match op {
        BinOp::Lt => i < j,
        BinOp::Le => i <= j,
        BinOp::Gt => i > j,
        BinOp::Ge => i >= j,
        BinOp::Eq => i == j,
        _ => i != j,
    }
}

/// `x ** y` on ints: exact for every result that fits (`1 ** 4294967296` is 1); a
/// negative exponent gives a float, as in Python.
pub fn int_pow(x: i64, y: i64) -> R<Value> {
    if y < 0 {
        return Ok(Value::Float((x as f64).powf(y as f64)));
    }
    let r = match (x, u32::try_from(y)) {
        (_, Ok(e)) => x.checked_pow(e),
        (0, _) => Some(0),
        (1, _) => Some(1),
        (-1, _) => Some(if y % 2 == 0 { 1 } else { -1 }),
        _ => None,
    };
    r.map(Value::Int).ok_or_else(|| Ctrl::error("integer overflow"))
}

#[inline(always)]
pub fn int_op(op: BinOp, x: i64, y: i64) -> R<Value> {
    let overflow = || Ctrl::error("integer overflow");
    Ok(match op {
        BinOp::Add => Value::Int(x.checked_add(y).ok_or_else(overflow)?),
        BinOp::Sub => Value::Int(x.checked_sub(y).ok_or_else(overflow)?),
        BinOp::Mul => Value::Int(x.checked_mul(y).ok_or_else(overflow)?),
        BinOp::Div | BinOp::Rem | BinOp::FloorDiv if y == 0 => return fail("division by zero"),
        BinOp::Div => Value::Int(x.checked_div(y).ok_or_else(overflow)?),
        BinOp::Rem => Value::Int(x.checked_rem(y).ok_or_else(overflow)?),
        BinOp::FloorDiv => {
            let q = x.checked_div(y).ok_or_else(overflow)?;
            Value::Int(if (x % y != 0) && ((x < 0) != (y < 0)) { q - 1 } else { q })
        }
        BinOp::Pow => return int_pow(x, y),
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
        BinOp::Is => Value::Bool(x == y),
        BinOp::IsNot => Value::Bool(x != y),
        BinOp::In | BinOp::NotIn => return fail("`in` needs a container on the right, got i64"),
        BinOp::And | BinOp::Or | BinOp::Coalesce => {
            return fail(format!("`{}` is not an arithmetic operator", op.symbol()));
        }
    })
}

/// String equality (the evaluator's fast path for `==`/`!=`; as `values_equal`).
#[inline]
pub fn str_equal(x: &std::rc::Rc<crate::text::Str>, y: &std::rc::Rc<crate::text::Str>) -> bool {
    std::rc::Rc::ptr_eq(x, y) || x.s == y.s
}

/// Two floats under an arithmetic or comparison operator (the evaluator's fast path;
/// IEEE semantics, as `binary` gives: a NaN compares false, `/ 0.0` is infinite).
#[inline]
pub fn float_fast(op: BinOp, x: f64, y: f64) -> Option<Value> {
    Some(match op {
        BinOp::Add => Value::Float(x + y),
        BinOp::Sub => Value::Float(x - y),
        BinOp::Mul => Value::Float(x * y),
        BinOp::Div => Value::Float(x / y),
        BinOp::Lt => Value::Bool(x < y),
        BinOp::Le => Value::Bool(x <= y),
        BinOp::Gt => Value::Bool(x > y),
        BinOp::Ge => Value::Bool(x >= y),
        BinOp::Eq => Value::Bool(x == y),
        BinOp::Ne => Value::Bool(x != y),
        _ => return None,
    })
}

fn float_op(op: BinOp, x: f64, y: f64) -> Option<Value> {
    Some(match op {
        BinOp::Add => Value::Float(x + y),
        BinOp::Sub => Value::Float(x - y),
        BinOp::Mul => Value::Float(x * y),
        BinOp::Div => Value::Float(x / y),
        BinOp::FloorDiv => Value::Float((x / y).floor()),
        BinOp::Rem => Value::Float(x % y),
        BinOp::Pow => Value::Float(x.powf(y)),
        _ => return None,
    })
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        _ => 0.0,
    }
}

/// `[x] * n`, `"ab" * 3`: repetition with the result size bounded.
fn repeat<T: Clone>(items: &[T], n: i64) -> R<Vec<T>> {
    let n = usize::try_from(n.max(0)).unwrap_or(0);
    if (items.len() as u128) * (n as u128) > (1u128 << 32) {
        return fail("repetition result is too large");
    }
    let mut out = Vec::with_capacity(items.len() * n);
    for _ in 0..n {
        out.extend_from_slice(items);
    }
    Ok(out)
}

impl Interp {
    pub fn unary(&self, op: UnOp, v: Value) -> R<Value> {
        match (op, v) {
            (UnOp::Neg, Value::Int(i)) => {
                i.checked_neg().map(Value::Int).ok_or_else(|| Ctrl::error("integer overflow"))
            }
            (UnOp::Neg, Value::Float(x)) => Ok(Value::Float(-x)),
            (UnOp::Not, v) => Ok(Value::Bool(!truthy_value(&v))),
            (UnOp::BitNot, Value::Int(i)) => Ok(Value::Int(!i)),
            (UnOp::Neg, other) => fail(format!("cannot negate a value of type {}", other.type_name())),
            (UnOp::BitNot, other) => fail(format!("`~` needs an int, got {}", other.type_name())),
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
                    return Err(super::Ctrl::recursion_limit());
                }
                return Ok(Value::Bool(eq == (op == BinOp::Eq)));
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => return ordering_op(op, &a, &b),
            BinOp::In | BinOp::NotIn => {
                let found = self.contains(&b, &a)?;
                return Ok(Value::Bool(found == (op == BinOp::In)));
            }
            BinOp::Is => return Ok(Value::Bool(is_same(&a, &b))),
            BinOp::IsNot => return Ok(Value::Bool(!is_same(&a, &b))),
            _ => {}
        }
        match (&a, &b) {
            (Value::Float(_), Value::Float(_) | Value::Int(_)) | (Value::Int(_), Value::Float(_)) => {
                if matches!(op, BinOp::Div | BinOp::Rem | BinOp::FloorDiv)
                    && as_f64(&b) == 0.0
                    && matches!(b, Value::Int(_))
                {
                    return fail("division by zero");
                }
                float_op(op, as_f64(&a), as_f64(&b)).ok_or_else(|| type_error(op, &a, &b))
            }
            (Value::Str(_), Value::Str(_)) if op == BinOp::Add => Ok(concat_strings(a, b)),
            (Value::List(x), Value::List(y)) if op == BinOp::Add => {
                let mut v = x.borrow().clone();
                v.extend(y.borrow().iter().cloned());
                Ok(Value::list(v))
            }
            (Value::Tuple(x), Value::Tuple(y)) if op == BinOp::Add => {
                Ok(Value::tuple(x.iter().chain(y.iter()).cloned().collect()))
            }
            (Value::Bytes(x), Value::Bytes(y)) if op == BinOp::Add => {
                let mut v = x.borrow().clone();
                v.extend_from_slice(&y.borrow());
                Ok(Value::bytes(v))
            }
            (Value::Str(s), Value::Int(n)) | (Value::Int(n), Value::Str(s)) if op == BinOp::Mul => {
                Ok(Value::str(String::from_utf8(repeat(s.s.as_bytes(), *n)?).unwrap_or_default()))
            }
            (Value::List(l), Value::Int(n)) | (Value::Int(n), Value::List(l)) if op == BinOp::Mul => {
                let items = l.borrow().clone();
                Ok(Value::list(repeat(&items, *n)?))
            }
            (Value::Tuple(t), Value::Int(n)) | (Value::Int(n), Value::Tuple(t)) if op == BinOp::Mul => {
                Ok(Value::tuple(repeat(t, *n)?))
            }
            (Value::Bytes(b), Value::Int(n)) | (Value::Int(n), Value::Bytes(b)) if op == BinOp::Mul => {
                let items = b.borrow().clone();
                Ok(Value::bytes(repeat(&items, *n)?))
            }
            (Value::Set(x), Value::Set(y)) => {
                super::collections::set_op(op, x, y).ok_or_else(|| type_error(op, &a, &b))
            }
            (Value::Dict(x), Value::Dict(y)) if op == BinOp::BitOr => {
                let mut merged = x.borrow().clone();
                for (k, v) in y.borrow().iter() {
                    merged.insert(k.clone(), v.clone());
                }
                Ok(Value::Dict(Rc::new(std::cell::RefCell::new(merged))))
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

    /// `item in container`.
    pub fn contains(&self, container: &Value, item: &Value) -> R<bool> {
        Ok(match container {
            Value::List(l) => l.borrow().iter().any(|x| values_equal(x, item)),
            Value::Tuple(t) => t.iter().any(|x| values_equal(x, item)),
            Value::Str(s) => match item {
                Value::Str(sub) => s.s.contains(sub.s.as_str()),
                other => return fail(format!("`in <String>` needs a String on the left, got {}", other.type_name())),
            },
            Value::Bytes(b) => match item {
                Value::Int(i) => b.borrow().iter().any(|x| *x as i64 == *i),
                Value::Bytes(sub) => {
                    let (hay, needle) = (b.borrow(), sub.borrow());
                    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle.as_slice())
                }
                other => return fail(format!("`in <Bytes>` needs an int or Bytes, got {}", other.type_name())),
            },
            Value::Dict(d) | Value::Set(d) => super::dict::hashable(item) && d.borrow().contains_key(item),
            Value::Range(r) => match item {
                Value::Int(i) => range_contains(r.0, r.1, r.2, *i),
                _ => false,
            },
            Value::Cell(c) => return self.contains(&c.borrow(), item),
            other => return fail(format!("`in` needs a container on the right, got {}", other.type_name())),
        })
    }
}

fn range_contains(start: i64, end: i64, step: i64, i: i64) -> bool {
    let inside = if step > 0 { start <= i && i < end } else { end < i && i <= start };
    inside && (i as i128 - start as i128) % step as i128 == 0
}

/// `<`, `<=`, `>`, `>=` on anything but two ints.
fn ordering_op(op: BinOp, a: &Value, b: &Value) -> R<Value> {
    super::value::took_too_deep();
    let ord = compare(a, b);
    if super::value::took_too_deep() {
        return Err(super::Ctrl::recursion_limit());
    }
    let Some(ord) = ord else {
        let (x, y) = incomparable_pair(a, b);
        return fail(format!("cannot compare {x} and {y}"));
    };
    if let (Value::Float(x), _) | (_, Value::Float(x)) = (a, b)
        && x.is_nan()
    {
        return Ok(Value::Bool(false));
    }
    let r = match op {
        BinOp::Lt => ord == Ordering::Less,
        BinOp::Le => ord != Ordering::Greater,
        BinOp::Gt => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    };
    Ok(Value::Bool(r))
}

/// The types of the first pair of elements that cannot be ordered (so that
/// `[1, "a"] < [1, 2]` names `String` and `i64`, not `List` and `List`).
pub fn incomparable_pair(a: &Value, b: &Value) -> (String, String) {
    let seqs = match (a, b) {
        (Value::List(x), Value::List(y)) => Some((x.borrow().clone(), y.borrow().clone())),
        (Value::Tuple(x), Value::Tuple(y)) => Some((x.to_vec(), y.to_vec())),
        _ => None,
    };
    if let Some((x, y)) = seqs
        && let Some((p, q)) = x.iter().zip(&y).find(|(p, q)| compare(p, q).is_none())
    {
        return incomparable_pair(p, q);
    }
    (a.type_name(), b.type_name())
}

impl Interp {
    /// `a..b` and `a..=b`: lazy ranges of ints.
    pub fn make_range(&self, a: Value, b: Value, inclusive: bool) -> R<Value> {
        let (Value::Int(a), Value::Int(b)) = (&a, &b) else {
            return fail(format!("a range needs int bounds, got {} and {}", a.type_name(), b.type_name()));
        };
        let end = if inclusive { b.checked_add(1).ok_or_else(|| Ctrl::error("range end out of range"))? } else { *b };
        Ok(Value::Range(Rc::new((*a, end, 1))))
    }

    /// `x as T`: conversions to ints, floats, text and bool; any other type name must be
    /// the value's own type.
    pub fn cast(&self, v: Value, ty: &crate::syntax::ast::TypeExpr) -> R<Value> {
        let crate::syntax::ast::TypeExpr::Named { path, .. } = ty else {
            return fail("`as` needs a type name");
        };
        let name = path.last().map(|i| &*i.name).unwrap_or("");
        let int_like = crate::syntax::ast::is_int_type(name);
        match (&v, name) {
            (Value::Int(_), _) if int_like => Ok(v),
            (Value::Float(x), _) if int_like => {
                if !x.is_finite() || x.abs() >= 9.2e18 {
                    return fail(format!("cannot convert {x:?} to {name}"));
                }
                Ok(Value::Int(x.trunc() as i64))
            }
            (Value::Bool(b), _) if int_like => Ok(Value::Int(*b as i64)),
            (Value::Int(i), "f64" | "f32" | "float") => Ok(Value::Float(*i as f64)),
            (Value::Float(_), "f64" | "f32" | "float") => Ok(v),
            (_, "String" | "text" | "str") => Ok(Value::str(v.display())),
            (_, "bool") => Ok(Value::Bool(truthy_value(&v))),
            _ if v.type_name() == name => Ok(v),
            _ => fail(format!("cannot convert a value of type {} to {name}", v.type_name())),
        }
    }
}

/// `a + b` of two strings. An operand nothing else holds (a temporary such as
/// `str(i)` or an earlier `+`'s result) takes the other in place, so `"k" + str(i)` and
/// `a + b + c` make no new string; otherwise both are copied into a new one. (A string
/// is immutable to the program: only a value no one else can see is changed.)
fn concat_strings(a: Value, b: Value) -> Value {
    let (Value::Str(mut x), Value::Str(mut y)) = (a, b) else { unreachable!("two strings") };
    if let Some(unique) = Rc::get_mut(&mut x) {
        unique.push_str(&y);
        return Value::Str(x);
    }
    if let Some(unique) = Rc::get_mut(&mut y) {
        unique.prepend_str(&x);
        return Value::Str(y);
    }
    let mut s = String::with_capacity(x.s.len() + y.s.len());
    s.push_str(&x.s);
    s.push_str(&y.s);
    Value::str(s)
}
