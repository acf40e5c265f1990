//! Display forms (`print`, and inside containers): strings bare at top level and
//! quoted inside containers, floats as Rust's `{:?}`, cyclic containers as `[...]`.

use super::value::*;
use std::rc::Rc;

impl Value {
    /// Display form (`print`): strings bare at top level.
    pub fn display(&self) -> String {
        let mut out = String::new();
        match self {
            // the common `str(i)` and `str(s)` without the cycle-tracking walk
            Value::Int(i) => write_int(&mut out, *i),
            Value::Str(s) => out.push_str(&s.s),
            _ => self.write_display(&mut out, false),
        }
        out
    }

    /// Display form inside containers (strings quoted): also the REPL's echo.
    pub fn repr(&self) -> String {
        let mut out = String::new();
        self.write_display(&mut out, true);
        out
    }

    pub fn write_display(&self, out: &mut String, nested: bool) {
        self.write_display_path(out, nested, &mut Seen::default());
    }

    /// `path` holds the containers being printed: one met again is shown as `[...]`.
    fn write_display_path(&self, out: &mut String, nested: bool, path: &mut Seen) {
        let id = match self {
            Value::List(l) => Some(Rc::as_ptr(l) as *const u8 as usize),
            Value::Dict(d) | Value::Set(d) => Some(Rc::as_ptr(d) as *const u8 as usize),
            Value::Struct(s) => Some(Rc::as_ptr(s) as *const u8 as usize),
            _ => None,
        };
        if let Some(id) = id {
            if !path.enter(id) {
                out.push_str(match self {
                    Value::List(_) => "[...]",
                    Value::Dict(_) | Value::Set(_) => "{...}",
                    _ => "...",
                });
                return;
            }
            self.write_display_inner(out, nested, path);
            path.leave();
            return;
        }
        self.write_display_inner(out, nested, path);
    }

    fn write_display_inner(&self, out: &mut String, nested: bool, path: &mut Seen) {
        use std::fmt::Write;
        match self {
            Value::Nil => out.push_str("nil"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => write_int(out, *i),
            Value::Float(f) => write_float(out, *f),
            Value::Str(s) if nested => write_quoted(out, &s.s),
            Value::Str(s) => out.push_str(&s.s),
            Value::Bytes(b) => write_bytes(out, &b.borrow()),
            Value::List(items) => write_seq(out, "[", "]", &items.borrow(), path),
            Value::Tuple(items) => {
                if items.len() == 1 {
                    out.push('(');
                    items[0].write_display_path(out, true, path);
                    out.push_str(",)");
                } else {
                    write_seq(out, "(", ")", items, path)
                }
            }
            Value::Set(d) if d.borrow().is_empty() => out.push_str("set()"),
            Value::Set(d) => {
                out.push('{');
                for (i, (k, _)) in d.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_display_path(out, true, path);
                }
                out.push('}');
            }
            Value::Dict(d) => {
                out.push('{');
                for (i, (k, v)) in d.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_display_path(out, true, path);
                    out.push_str(": ");
                    v.write_display_path(out, true, path);
                }
                out.push('}');
            }
            Value::Enum(e) => {
                let (name, _) = &e.def.variants[e.variant as usize];
                if !is_builtin_enum(&e.def.name) {
                    out.push_str(&e.def.name);
                    out.push_str("::");
                }
                out.push_str(name);
                if e.def.variants[e.variant as usize].1.is_some() {
                    write_seq(out, "(", ")", &e.fields, path);
                }
            }
            Value::Struct(s) => {
                out.push_str(&s.def.name);
                let fields = s.fields.borrow();
                if fields.is_empty() {
                    out.push_str(" {}");
                    return;
                }
                out.push_str(" { ");
                for (i, (name, v)) in s.def.fields.iter().zip(fields.iter()).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name);
                    out.push_str(": ");
                    v.write_display_path(out, true, path);
                }
                out.push_str(" }");
            }
            Value::Func(c) => {
                let _ = write!(out, "<fn {}>", c.name);
            }
            Value::Native(n) => {
                let _ = write!(out, "<fn {}>", n.name);
            }
            Value::Bound(b) => b.1.write_display_path(out, nested, path),
            Value::Task(t) => {
                let _ = write!(out, "<task {}>", t.name);
            }
            Value::Type(t) => {
                let _ = write!(out, "<type {}>", t.name);
            }
            Value::Module(m) => {
                let _ = write!(out, "<module {}>", m.name);
            }
            Value::Object(o) => out.push_str(&o.describe()),
            Value::Range(r) => {
                let (a, b, step) = **r;
                if step == 1 {
                    let _ = write!(out, "range({a}, {b})");
                } else {
                    let _ = write!(out, "range({a}, {b}, {step})");
                }
            }
            Value::Cell(c) => c.borrow().write_display_path(out, nested, path),
        }
    }
}

pub fn is_builtin_enum(name: &str) -> bool {
    name == "Option" || name == "Result"
}

/// The containers on the way from the value being printed to the current one.
#[derive(Default)]
struct Seen {
    stack: Vec<usize>,
    /// the same, as a set, once the path is deep (keeps deep nesting linear)
    set: Option<std::collections::HashSet<usize>>,
}

impl Seen {
    /// False when `id` is already on the path (a cycle).
    fn enter(&mut self, id: usize) -> bool {
        let fresh = match &mut self.set {
            Some(set) => set.insert(id),
            None => !self.stack.contains(&id),
        };
        if !fresh {
            return false;
        }
        self.stack.push(id);
        if self.set.is_none() && self.stack.len() > 32 {
            self.set = Some(self.stack.iter().copied().collect());
        }
        true
    }
    fn leave(&mut self) {
        if let (Some(id), Some(set)) = (self.stack.pop(), &mut self.set) {
            set.remove(&id);
        }
    }
}

fn write_seq(out: &mut String, open: &str, close: &str, items: &[Value], path: &mut Seen) {
    out.push_str(open);
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        v.write_display_path(out, true, path);
    }
    out.push_str(close);
}

/// An int in decimal: digits written into a buffer from the end, without going
/// through `fmt` (a formatter costs several times as much for a short number).
pub fn write_int(out: &mut String, i: i64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut n = i.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    // SAFETY: the bytes are ASCII digits, so the string stays valid UTF-8 (checking
    // them with `from_utf8` cost as much as making them)
    unsafe { out.as_mut_vec().extend_from_slice(&buf[at..]) }
}

/// Rust's `{:?}` for f64: shortest round-trip, `inf`, `NaN`.
pub fn write_float(out: &mut String, f: f64) {
    use std::fmt::Write;
    let _ = write!(out, "{f:?}");
}

pub fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

pub fn write_bytes(out: &mut String, b: &[u8]) {
    use std::fmt::Write;
    out.push_str("b\"");
    for &byte in b {
        match byte {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    #[test]
    fn write_int_matches_fmt() {
        for i in [0, 7, -7, 10, -10, 99, 100, 123_456_789, i64::MAX, i64::MIN, i64::MIN + 1] {
            let mut out = String::from("x");
            super::write_int(&mut out, i);
            assert_eq!(out, format!("x{i}"));
        }
    }
}
