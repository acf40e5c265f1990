//! Conversions: `int`, `float`, `str`, `bool`, `list`, `tuple`, `dict`, `set`, `ord`,
//! `chr`, `hex`, `bin`, `oct`, and the `String`/`Bytes`/collection types' associated
//! functions (`String::from_bytes`, `Bytes::with_capacity`, ...).

use super::super::value::*;
use super::super::{Interp, R, fail};
use crate::registry::{Callable, Registry};

pub fn register(reg: &mut Registry) {
    reg.function("int(x, base?: i64)", "An int from a number, bool or string (`int(\"ff\", 16)`).", int);
    reg.function("float(x)", "A float from a number or string.", float);
    reg.function("str(x)", "The display form of a value.", |_, a| Ok(Value::str(a[0].display())));
    reg.function("bool(x)", "The truthiness of a value.", |_, a| {
        Ok(Value::Bool(super::super::ops::truthy_value(&a[0])))
    });
    reg.function("list(items?: Iterable)", "A new List of an iterable's values.", |i, a| match &a[0] {
        Value::Nil => Ok(Value::list(Vec::new())),
        v => Ok(Value::list(i.collect(v.clone())?)),
    });
    reg.function("tuple(items?: Iterable)", "A Tuple of an iterable's values.", |i, a| match &a[0] {
        Value::Nil => Ok(Value::tuple(Vec::new())),
        v => Ok(Value::tuple(i.collect(v.clone())?)),
    });
    reg.function("set(items?: Iterable)", "A Set of an iterable's values.", |i, a| match &a[0] {
        Value::Nil => i.make_set(Vec::new()),
        v => i.make_set(i.collect(v.clone())?),
    });
    reg.function("dict(items?: Iterable)", "A Dict from key-value pairs (or a copy of a Dict).", dict);
    reg.function("ord(c: String)", "The code point of a one-character string.", |_, a| {
        let Value::Str(s) = &a[0] else { unreachable!("checked by the signature") };
        let mut chars = s.s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(Value::Int(c as i64)),
            _ => fail(format!("ord() needs a string of one character, got one of {}", s.char_len())),
        }
    });
    reg.function("chr(code: i64)", "The one-character string of a code point.", |i, a| {
        let Value::Int(n) = a[0] else { unreachable!("checked by the signature") };
        match u32::try_from(n).ok().and_then(char::from_u32) {
            Some(c) => Ok(i.char_value(c)),
            None => fail(format!("chr() argument {n} is not a valid code point")),
        }
    });
    reg.function("hex(n: i64)", "`0xff` form of an int.", |_, a| Ok(Value::str(radix(&a[0], "0x", 16))));
    reg.function("bin(n: i64)", "`0b101` form of an int.", |_, a| Ok(Value::str(radix(&a[0], "0b", 2))));
    reg.function("oct(n: i64)", "`0o17` form of an int.", |_, a| Ok(Value::str(radix(&a[0], "0o", 8))));
    register_type_functions(reg);
}

fn register_type_functions(reg: &mut Registry) {
    use Callable::Sync;
    reg.module_function(
        "String",
        "from_bytes(data: data)",
        "A String from UTF-8 bytes (invalid sequences replaced).",
        Sync(|_, a| {
            Ok(Value::str(match &a[0] {
                Value::Bytes(b) => String::from_utf8_lossy(&b.borrow()).into_owned(),
                other => other.display(),
            }))
        }),
    );
    reg.module_function("String", "new()", "An empty String.", Sync(|_, _| Ok(Value::str(""))));
    reg.module_function("Bytes", "new()", "Empty Bytes.", Sync(|_, _| Ok(Value::bytes(Vec::new()))));
    reg.module_function(
        "Bytes",
        "with_capacity(n: i64)",
        "Empty Bytes with room for `n` bytes.",
        Sync(|_, a| {
            let Value::Int(n) = a[0] else { unreachable!("checked by the signature") };
            if !(0..=1 << 32).contains(&n) {
                return fail(format!("Bytes::with_capacity({n}): capacity out of range"));
            }
            Ok(Value::bytes(Vec::with_capacity(n as usize)))
        }),
    );
    reg.module_function(
        "Bytes",
        "from(data)",
        "Bytes from a String (UTF-8), Bytes, or a List of ints.",
        Sync(|i, a| {
            Ok(Value::bytes(match &a[0] {
                Value::Str(s) => s.s.as_bytes().to_vec(),
                Value::Bytes(b) => b.borrow().clone(),
                other => i.collect(other.clone())?.iter().map(super::super::access::byte_of).collect::<R<Vec<u8>>>()?,
            }))
        }),
    );
    reg.module_function("List", "new()", "An empty List.", Sync(|_, _| Ok(Value::list(Vec::new()))));
    reg.module_function("Dict", "new()", "An empty Dict.", Sync(|i, _| i.make_dict(Vec::new())));
    reg.module_function("Set", "new()", "An empty Set.", Sync(|i, _| i.make_set(Vec::new())));
}

fn radix(v: &Value, prefix: &str, base: u32) -> String {
    let Value::Int(n) = *v else { return String::new() };
    let digits = match base {
        16 => format!("{:x}", n.unsigned_abs()),
        8 => format!("{:o}", n.unsigned_abs()),
        _ => format!("{:b}", n.unsigned_abs()),
    };
    format!("{}{prefix}{digits}", if n < 0 { "-" } else { "" })
}

pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    match t {
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "NaN" | "nan" => Some(f64::NAN),
        _ => t.replace('_', "").parse::<f64>().ok(),
    }
}

/// Parses an integer literal the way `int(s, base)` does (sign, `_`, `0x`-style prefix
/// matching the base).
pub fn parse_int(s: &str, base: u32) -> Option<i64> {
    let t = s.trim().replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    let lower = digits.to_ascii_lowercase();
    let digits = match base {
        16 => lower.strip_prefix("0x").unwrap_or(&lower),
        8 => lower.strip_prefix("0o").unwrap_or(&lower),
        2 => lower.strip_prefix("0b").unwrap_or(&lower),
        _ => &lower,
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, base).ok()?;
    if neg { 0i64.checked_sub_unsigned(magnitude) } else { i64::try_from(magnitude).ok() }
}

fn int(_: &Interp, a: &[Value]) -> R<Value> {
    let base = match a[1] {
        Value::Int(b) if (2..=36).contains(&b) => Some(b as u32),
        Value::Int(b) => return fail(format!("int() base must be between 2 and 36, got {b}")),
        _ => None,
    };
    Ok(Value::Int(match (&a[0], base) {
        (Value::Str(s), base) => match parse_int(&s.s, base.unwrap_or(10)) {
            Some(i) => i,
            None => return fail(format!("invalid integer literal {}", a[0].repr())),
        },
        (_, Some(_)) => return fail("int() with a base needs a String"),
        (Value::Int(i), None) => *i,
        (Value::Float(x), None) => {
            if !x.is_finite() || *x >= 9.3e18 || *x <= -9.3e18 {
                return fail(format!("cannot convert {x:?} to int"));
            }
            x.trunc() as i64
        }
        (Value::Bool(b), None) => *b as i64,
        (other, None) => return fail(format!("cannot convert a value of type {} to int", other.type_name())),
    }))
}

fn float(_: &Interp, a: &[Value]) -> R<Value> {
    Ok(Value::Float(match &a[0] {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        Value::Bool(b) => *b as i64 as f64,
        Value::Str(s) => match parse_float(&s.s) {
            Some(x) => x,
            None => return fail(format!("invalid float literal {}", a[0].repr())),
        },
        other => return fail(format!("cannot convert a value of type {} to float", other.type_name())),
    }))
}

fn dict(i: &Interp, a: &[Value]) -> R<Value> {
    match &a[0] {
        Value::Nil => i.make_dict(Vec::new()),
        Value::Dict(d) => Ok(Value::Dict(std::rc::Rc::new(std::cell::RefCell::new(d.borrow().clone())))),
        v => {
            let mut entries = Vec::new();
            for item in i.collect(v.clone())? {
                let pair = match &item {
                    Value::Tuple(t) if t.len() == 2 => (t[0].clone(), t[1].clone()),
                    Value::List(l) if l.borrow().len() == 2 => (l.borrow()[0].clone(), l.borrow()[1].clone()),
                    other => return fail(format!("dict() needs key-value pairs, got {}", other.repr())),
                };
                entries.push(pair);
            }
            i.make_dict(entries)
        }
    }
}
