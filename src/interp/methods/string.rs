//! Methods of String. Indexes count characters, as `s[i]` does.

use super::super::value::*;
use super::super::{Interp, R, fail};
use super::{int, recv, text};
use crate::registry::Registry;
use std::rc::Rc;

pub fn register(reg: &mut Registry) {
    const S: &str = "String";
    reg.method(S, "len()", "The number of characters.", |_, s, _| Ok(Value::Int(recv!(s, Str).char_len() as i64)));
    reg.method(S, "is_empty()", "Whether the string has no characters.", |_, s, _| {
        Ok(Value::Bool(recv!(s, Str).s.is_empty()))
    });
    reg.method(S, "upper()", "Upper-cased copy.", |_, s, _| Ok(Value::str(recv!(s, Str).s.to_uppercase())));
    reg.method(S, "lower()", "Lower-cased copy.", |_, s, _| Ok(Value::str(recv!(s, Str).s.to_lowercase())));
    reg.method(S, "capitalize()", "First character upper-cased, the rest lower-cased.", |_, s, _| {
        let mut c = recv!(s, Str).s.chars();
        Ok(Value::str(match c.next() {
            Some(f) => f.to_uppercase().chain(c.as_str().to_lowercase().chars()).collect(),
            None => String::new(),
        }))
    });
    reg.method(S, "trim()", "Copy without leading and trailing whitespace.", |_, s, _| {
        Ok(Value::str(recv!(s, Str).s.trim()))
    });
    reg.method(S, "trim_start()", "Copy without leading whitespace.", |_, s, _| {
        Ok(Value::str(recv!(s, Str).s.trim_start()))
    });
    reg.method(S, "trim_end()", "Copy without trailing whitespace.", |_, s, _| {
        Ok(Value::str(recv!(s, Str).s.trim_end()))
    });
    reg.method(S, "strip(chars?: String)", "Like `trim`; with `chars`, strips those characters.", |_, s, a| {
        Ok(Value::str(strip(&recv!(s, Str).s, &a[0], true, true)))
    });
    reg.method(S, "lstrip(chars?: String)", "Strips from the start.", |_, s, a| {
        Ok(Value::str(strip(&recv!(s, Str).s, &a[0], true, false)))
    });
    reg.method(S, "rstrip(chars?: String)", "Strips from the end.", |_, s, a| {
        Ok(Value::str(strip(&recv!(s, Str).s, &a[0], false, true)))
    });
    reg.method(
        S,
        "split(sep?: String, limit: i64 = -1)",
        "Parts between separators; without one, whitespace-separated words.",
        split,
    );
    reg.method(S, "lines()", "The lines, without their line endings.", |_, s, _| {
        Ok(Value::list(recv!(s, Str).s.lines().map(Value::str).collect()))
    });
    reg.method(S, "contains(sub: String)", "Whether `sub` occurs.", |_, s, a| {
        Ok(Value::Bool(recv!(s, Str).s.contains(text(&a[0]))))
    });
    for name in ["starts_with(prefix: String)", "startswith(prefix: String)"] {
        reg.method(S, name, "Whether the string starts with `prefix`.", |_, s, a| {
            Ok(Value::Bool(recv!(s, Str).s.starts_with(text(&a[0]))))
        });
    }
    for name in ["ends_with(suffix: String)", "endswith(suffix: String)"] {
        reg.method(S, name, "Whether the string ends with `suffix`.", |_, s, a| {
            Ok(Value::Bool(recv!(s, Str).s.ends_with(text(&a[0]))))
        });
    }
    reg.method(S, "replace(old: String, new: String)", "Copy with every `old` replaced by `new`.", |_, s, a| {
        Ok(Value::str(recv!(s, Str).s.replace(text(&a[0]), text(&a[1]))))
    });
    reg.method(S, "find(sub: String)", "`Some(character index)` of the first `sub`, or `None`.", |i, s, a| {
        let s = recv!(s, Str);
        let found = s.s.find(text(&a[0]));
        Ok(i.option(found.map(|byte| Value::Int(s.s[..byte].chars().count() as i64))))
    });
    reg.method(S, "rfind(sub: String)", "`Some(character index)` of the last `sub`, or `None`.", |i, s, a| {
        let s = recv!(s, Str);
        let found = s.s.rfind(text(&a[0]));
        Ok(i.option(found.map(|byte| Value::Int(s.s[..byte].chars().count() as i64))))
    });
    reg.method(S, "count(sub: String)", "How many times `sub` occurs (not overlapping).", |_, s, a| {
        let sub = text(&a[0]);
        let s = &recv!(s, Str).s;
        Ok(Value::Int(if sub.is_empty() { s.chars().count() as i64 + 1 } else { s.matches(sub).count() as i64 }))
    });
    reg.method(S, "chars()", "A List of one-character strings.", |i, s, _| {
        Ok(Value::list(recv!(s, Str).s.chars().map(|c| i.char_value(c)).collect()))
    });
    for name in ["bytes()", "as_bytes()"] {
        reg.method(S, name, "The UTF-8 bytes.", |_, s, _| Ok(Value::bytes(recv!(s, Str).s.as_bytes().to_vec())));
    }
    reg.method(S, "to_int(base: i64 = 10)", "`Ok(int)` or `Err(message)`.", to_int);
    reg.method(S, "to_float()", "`Ok(float)` or `Err(message)`.", |i, s, _| {
        let st = recv!(s, Str);
        Ok(match crate::interp::builtins::parse_float(&st.s) {
            Some(x) => i.ok(Value::Float(x)),
            None => i.err(Value::str(format!("invalid float: {}", s.repr()))),
        })
    });
    reg.method(S, "repeat(n: i64)", "The string `n` times.", |_, s, a| {
        let (st, n) = (recv!(s, Str), int(&a[0]));
        if n < 0 {
            return fail("repeat count must not be negative");
        }
        if (st.s.len() as u128) * (n as u128) > (1u128 << 32) {
            return fail("repeat result is too large");
        }
        Ok(Value::str(st.s.repeat(n as usize)))
    });
    reg.method(
        S,
        "slice(start: i64, end?: i64)",
        "Characters `start..end` (clamped; negative counts from the end).",
        |i, s, a| i.slice(s, &a[0], &a[1], &Value::Nil),
    );
    reg.method(
        S,
        "join(items: Iterable)",
        "The display forms of the items with this string between them.",
        |i, s, a| {
            let sep = &recv!(s, Str).s;
            let items = i.collect(a[0].clone())?;
            Ok(Value::str(join(&items, sep)))
        },
    );
    for (name, doc, test) in CLASSES {
        reg.method(S, name, doc, *test);
    }
}

type Method = crate::registry::MethodImpl;

/// Character-class tests: true when the string is non-empty and every character passes.
const CLASSES: &[(&str, &str, Method)] = &[
    ("is_digit()", "Whether every character is a decimal digit.", |_, s, _| Ok(class(s, |c| c.is_ascii_digit()))),
    ("is_alpha()", "Whether every character is alphabetic.", |_, s, _| Ok(class(s, char::is_alphabetic))),
    ("is_alnum()", "Whether every character is alphanumeric.", |_, s, _| Ok(class(s, char::is_alphanumeric))),
    ("is_space()", "Whether every character is whitespace.", |_, s, _| Ok(class(s, char::is_whitespace))),
    ("is_upper()", "Whether every letter is upper case.", |_, s, _| Ok(class(s, |c| !c.is_lowercase()))),
    ("is_lower()", "Whether every letter is lower case.", |_, s, _| Ok(class(s, |c| !c.is_uppercase()))),
];

fn class(s: &Value, test: impl Fn(char) -> bool) -> Value {
    match s {
        Value::Str(s) => Value::Bool(!s.s.is_empty() && s.s.chars().all(test)),
        _ => Value::Bool(false),
    }
}

/// Joins display forms with a separator (`sep.join(xs)` and `xs.join(sep)`).
pub fn join(items: &[Value], sep: &str) -> String {
    let mut out = String::new();
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        v.write_display(&mut out, false);
    }
    out
}

fn strip(s: &str, chars: &Value, start: bool, end: bool) -> String {
    let set: Option<Vec<char>> = match chars {
        Value::Str(c) => Some(c.s.chars().collect()),
        _ => None,
    };
    let test = |c: char| match &set {
        Some(set) => set.contains(&c),
        None => c.is_whitespace(),
    };
    let mut out = s;
    if start {
        out = out.trim_start_matches(test);
    }
    if end {
        out = out.trim_end_matches(test);
    }
    out.to_string()
}

fn split(_: &Interp, s: &Value, a: &[Value]) -> R<Value> {
    let st = &recv!(s, Str).s;
    let limit = int(&a[1]);
    let parts: Vec<Value> = match &a[0] {
        Value::Str(sep) if sep.s.is_empty() => return fail("split(): the separator must not be empty"),
        Value::Str(sep) if limit >= 0 => st.splitn(limit as usize + 1, sep.s.as_str()).map(Value::str).collect(),
        Value::Str(sep) => st.split(sep.s.as_str()).map(Value::str).collect(),
        _ if limit >= 0 => {
            let mut out: Vec<Value> = Vec::new();
            let mut rest = st.trim_start();
            while !rest.is_empty() {
                if out.len() as i64 == limit {
                    out.push(Value::str(rest.trim_end()));
                    break;
                }
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                out.push(Value::str(&rest[..end]));
                rest = rest[end..].trim_start();
            }
            out
        }
        _ => st.split_whitespace().map(Value::str).collect(),
    };
    Ok(Value::list(parts))
}

fn to_int(i: &Interp, s: &Value, a: &[Value]) -> R<Value> {
    let st: &Rc<Str> = recv!(s, Str);
    let base = int(&a[0]);
    if !(2..=36).contains(&base) {
        return fail(format!("String.to_int(): base must be between 2 and 36, got {base}"));
    }
    Ok(match crate::interp::builtins::parse_int(&st.s, base as u32) {
        Some(n) => i.ok(Value::Int(n)),
        None => i.err(Value::str(format!("invalid integer: {}", s.repr()))),
    })
}
