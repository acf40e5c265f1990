//! Methods of the built-in types (LANGUAGE.md §8): String, List, Dict, Bytes,
//! Option/Result, numbers, Task and Range. Methods that take functions (`map`, `filter`)
//! call back into the interpreter.

use super::builtins::{byte_of, checked_index, len_of};
use super::call::Args;
use super::value::*;
use super::{Interp, R, fail};
use crate::syntax::ast::Span;
use std::rc::Rc;

fn arity(name: &str, args: &[Value], n: usize) -> R<()> {
    if args.len() != n {
        let plural = if n == 1 { "" } else { "s" };
        return fail(format!("{name}() takes {n} argument{plural} but {} were given", args.len()));
    }
    Ok(())
}

fn int_arg(v: &Value, what: &str) -> R<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        other => fail(format!("{what} must be an int, got {}", other.type_name())),
    }
}

fn str_arg<'a>(v: &'a Value, what: &str) -> R<&'a str> {
    match v {
        Value::Str(s) => Ok(&s.s),
        other => fail(format!("{what} must be a String, got {}", other.type_name())),
    }
}

/// Clamped `[a, b)` slice bounds for a sequence of length `len`.
fn slice_bounds(a: &Value, b: Option<&Value>, len: usize) -> R<(usize, usize)> {
    let a = int_arg(a, "slice start")?.clamp(0, len as i64) as usize;
    let b = match b {
        Some(v) => int_arg(v, "slice end")?.clamp(0, len as i64) as usize,
        None => len,
    };
    Ok((a, b.max(a)))
}

impl Interp {
    pub fn call_builtin_method(&self, recv: Value, name: &str, args: Args) -> R<Value> {
        let a = args.into_positional(name)?;
        self.builtin_method(&recv, name, &a)
    }

    /// Methods of built-in types, with positional arguments.
    pub fn builtin_method(&self, recv: &Value, name: &str, a: &[Value]) -> R<Value> {
        // methods every value has
        if name == "to_string" && a.is_empty() && !matches!(recv, Value::Bytes(_)) {
            return Ok(Value::str(recv.display()));
        }
        match recv {
            Value::Str(s) => self.string_method(s, name, a),
            Value::List(l) => self.list_method(l, name, a),
            Value::Dict(d) => self.dict_method(d, name, a),
            Value::Bytes(b) => self.bytes_method(b, name, a),
            Value::Tuple(t) if name == "len" => Ok(Value::Int(t.len() as i64)),
            Value::Range(_) if name == "len" => Ok(Value::Int(len_of(recv)? as i64)),
            Value::Enum(e) if is_builtin_enum(&e.def.name) => self.option_result_method(e, name, a),
            Value::Int(_) | Value::Float(_) => self.number_method(recv, name, a),
            Value::Task(t) => self.task_method(t, name, a),
            _ => no_method(recv, name),
        }
    }

    fn string_method(&self, s: &Rc<Str>, name: &str, a: &[Value]) -> R<Value> {
        let text = &s.s;
        Ok(match name {
            "len" => Value::Int(s.char_len() as i64),
            "is_empty" => Value::Bool(text.is_empty()),
            "upper" => Value::str(text.to_uppercase()),
            "lower" => Value::str(text.to_lowercase()),
            "trim" => Value::str(text.trim()),
            "split" => {
                arity("split", a, 1)?;
                let sep = str_arg(&a[0], "separator")?;
                let parts: Vec<Value> = if sep.is_empty() {
                    text.chars().map(|c| self.char_value(c)).collect()
                } else {
                    text.split(sep).map(Value::str).collect()
                };
                Value::list(parts)
            }
            "lines" => Value::list(text.lines().map(Value::str).collect()),
            "contains" => {
                arity("contains", a, 1)?;
                Value::Bool(text.contains(str_arg(&a[0], "argument")?))
            }
            "starts_with" => {
                arity("starts_with", a, 1)?;
                Value::Bool(text.starts_with(str_arg(&a[0], "prefix")?))
            }
            "ends_with" => {
                arity("ends_with", a, 1)?;
                Value::Bool(text.ends_with(str_arg(&a[0], "suffix")?))
            }
            "replace" => {
                arity("replace", a, 2)?;
                Value::str(text.replace(str_arg(&a[0], "pattern")?, str_arg(&a[1], "replacement")?))
            }
            "find" => {
                arity("find", a, 1)?;
                let found = text.find(str_arg(&a[0], "pattern")?);
                self.option(found.map(|byte| Value::Int(text[..byte].chars().count() as i64)))
            }
            "chars" => Value::list(text.chars().map(|c| self.char_value(c)).collect()),
            "bytes" => Value::bytes(text.as_bytes().to_vec()),
            "to_int" => match text.trim().parse::<i64>() {
                Ok(i) => self.ok(Value::Int(i)),
                Err(_) => self.err(Value::str(format!("invalid integer: {}", Value::Str(s.clone()).repr()))),
            },
            "to_float" => match super::builtins::parse_float(text) {
                Some(x) => self.ok(Value::Float(x)),
                None => self.err(Value::str(format!("invalid float: {}", Value::Str(s.clone()).repr()))),
            },
            "repeat" => {
                arity("repeat", a, 1)?;
                let n = int_arg(&a[0], "repeat count")?;
                if n < 0 {
                    return fail("repeat count must not be negative");
                }
                if (text.len() as u128) * (n as u128) > (1u128 << 32) {
                    return fail("repeat result is too large");
                }
                Value::str(text.repeat(n as usize))
            }
            "slice" => {
                let (x, y) = slice_bounds(a.first().unwrap_or(&Value::Int(0)), a.get(1), s.char_len())?;
                Value::str(text.chars().skip(x).take(y - x).collect::<String>())
            }
            _ => return no_method(&Value::Str(s.clone()), name),
        })
    }

    fn list_method(&self, l: &Shared<Vec<Value>>, name: &str, a: &[Value]) -> R<Value> {
        Ok(match name {
            "len" => Value::Int(l.borrow().len() as i64),
            "is_empty" => Value::Bool(l.borrow().is_empty()),
            "push" => {
                arity("push", a, 1)?;
                l.borrow_mut().push(a[0].clone());
                Value::Nil
            }
            "pop" => {
                let v = l.borrow_mut().pop();
                self.option(v)
            }
            "insert" => {
                arity("insert", a, 2)?;
                let mut list = l.borrow_mut();
                let i = int_arg(&a[0], "insert index")?;
                if i < 0 || i as usize > list.len() {
                    return fail(format!("index {i} out of range for List of length {}", list.len()));
                }
                list.insert(i as usize, a[1].clone());
                Value::Nil
            }
            "remove" => {
                arity("remove", a, 1)?;
                let mut list = l.borrow_mut();
                let k = checked_index(int_arg(&a[0], "remove index")?, list.len(), "List")?;
                list.remove(k)
            }
            "contains" => {
                arity("contains", a, 1)?;
                Value::Bool(l.borrow().iter().any(|x| values_equal(x, &a[0])))
            }
            "index_of" => {
                arity("index_of", a, 1)?;
                let pos = l.borrow().iter().position(|x| values_equal(x, &a[0]));
                self.option(pos.map(|p| Value::Int(p as i64)))
            }
            "reverse" => {
                l.borrow_mut().reverse();
                Value::Nil
            }
            "sort" => {
                let mut items = l.borrow().clone();
                let mut bad = None;
                items.sort_by(|x, y| {
                    compare(x, y).unwrap_or_else(|| {
                        bad.get_or_insert((x.type_name(), y.type_name()));
                        std::cmp::Ordering::Equal
                    })
                });
                if let Some((x, y)) = bad {
                    return fail(format!("cannot compare {x} and {y}"));
                }
                *l.borrow_mut() = items;
                Value::Nil
            }
            "join" => {
                arity("join", a, 1)?;
                let sep = str_arg(&a[0], "separator")?;
                let mut out = String::new();
                for (i, v) in l.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    v.write_display(&mut out, false);
                }
                Value::str(out)
            }
            "map" | "filter" => {
                arity(name, a, 1)?;
                let f = &a[0];
                let items = l.borrow().clone();
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let r = self.call_value(f, Args::new(vec![item.clone()]), Span::default())?;
                    if name == "map" {
                        out.push(r);
                    } else {
                        match r {
                            Value::Bool(true) => out.push(item),
                            Value::Bool(false) => {}
                            other => {
                                return fail(format!("filter function must return a bool, got {}", other.type_name()));
                            }
                        }
                    }
                }
                Value::list(out)
            }
            "slice" => {
                let list = l.borrow();
                let (x, y) = slice_bounds(a.first().unwrap_or(&Value::Int(0)), a.get(1), list.len())?;
                Value::list(list[x..y].to_vec())
            }
            _ => return no_method(&Value::List(l.clone()), name),
        })
    }

    fn dict_method(&self, d: &Shared<super::dict::Dict>, name: &str, a: &[Value]) -> R<Value> {
        Ok(match name {
            "len" => Value::Int(d.borrow().len() as i64),
            "is_empty" => Value::Bool(d.borrow().is_empty()),
            "get" => {
                arity("get", a, 1)?;
                let v = d.borrow().get(&a[0]).cloned();
                self.option(v)
            }
            "insert" => {
                arity("insert", a, 2)?;
                super::dict::check_key(&a[0]).map_err(super::Ctrl::error)?;
                let (k, v) = (a[0].clone(), a[1].clone());
                let old = d.borrow_mut().insert(k, v);
                self.option(old)
            }
            "remove" => {
                arity("remove", a, 1)?;
                let old = d.borrow_mut().remove(&a[0]);
                self.option(old)
            }
            "contains_key" => {
                arity("contains_key", a, 1)?;
                Value::Bool(d.borrow().contains_key(&a[0]))
            }
            "keys" => Value::list(d.borrow().keys()),
            "values" => Value::list(d.borrow().values()),
            "items" => Value::list(d.borrow().iter().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect()),
            _ => return no_method(&Value::Dict(d.clone()), name),
        })
    }

    fn bytes_method(&self, b: &Shared<Vec<u8>>, name: &str, a: &[Value]) -> R<Value> {
        Ok(match name {
            "len" => Value::Int(b.borrow().len() as i64),
            "is_empty" => Value::Bool(b.borrow().is_empty()),
            "capacity" => Value::Int(b.borrow().capacity() as i64),
            "push" => {
                arity("push", a, 1)?;
                let byte = byte_of(&a[0])?;
                b.borrow_mut().push(byte);
                Value::Nil
            }
            "extend" => {
                arity("extend", a, 1)?;
                let more = bytes_of(&a[0])?;
                b.borrow_mut().extend_from_slice(&more);
                Value::Nil
            }
            "slice" => {
                let bytes = b.borrow();
                let (x, y) = slice_bounds(a.first().unwrap_or(&Value::Int(0)), a.get(1), bytes.len())?;
                Value::bytes(bytes[x..y].to_vec())
            }
            "clear" => {
                b.borrow_mut().clear();
                Value::Nil
            }
            "to_string" => Value::str(String::from_utf8_lossy(&b.borrow()).into_owned()),
            "decode" => match String::from_utf8(b.borrow().clone()) {
                Ok(s) => self.ok(Value::str(s)),
                Err(e) => self.err(Value::str(format!("invalid UTF-8: {e}"))),
            },
            _ => return no_method(&Value::Bytes(b.clone()), name),
        })
    }

    fn option_result_method(&self, e: &Rc<EnumValue>, name: &str, a: &[Value]) -> R<Value> {
        let is_option = &*e.def.name == "Option";
        // "good" = Some / Ok
        let good = if is_option { e.variant == 1 } else { e.variant == 0 };
        let payload = e.fields.first().cloned().unwrap_or_default();
        let this = Value::Enum(e.clone());
        Ok(match name {
            "is_some" | "is_ok" => Value::Bool(good),
            "is_none" | "is_err" => Value::Bool(!good),
            "unwrap" if good => payload,
            "unwrap" => return fail(format!("called unwrap on {}", this.repr())),
            "expect" => {
                if good {
                    payload
                } else {
                    return fail(a.first().map(|m| m.display()).unwrap_or_else(|| "expect failed".into()));
                }
            }
            "unwrap_or" => {
                arity("unwrap_or", a, 1)?;
                if good { payload } else { a[0].clone() }
            }
            "map" => {
                arity("map", a, 1)?;
                if !good {
                    return Ok(this);
                }
                let v = self.call_value(&a[0], Args::new(vec![payload]), Span::default())?;
                if is_option { self.some(v) } else { self.ok(v) }
            }
            "ok" if !is_option => self.option(good.then_some(payload)),
            "err" if !is_option => self.option((!good).then_some(payload)),
            _ => return no_method(&this, name),
        })
    }

    fn number_method(&self, v: &Value, name: &str, a: &[Value]) -> R<Value> {
        let x = match v {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            _ => 0.0,
        };
        Ok(match (name, v) {
            ("abs", Value::Int(i)) => {
                Value::Int(i.checked_abs().ok_or_else(|| super::Ctrl::error("integer overflow"))?)
            }
            ("abs", _) => Value::Float(x.abs()),
            ("min" | "max", _) => {
                arity(name, a, 1)?;
                let Some(ord) = compare(v, &a[0]) else {
                    return fail(format!("cannot compare {} and {}", v.type_name(), a[0].type_name()));
                };
                let pick_self =
                    if name == "min" { ord != std::cmp::Ordering::Greater } else { ord != std::cmp::Ordering::Less };
                if pick_self { v.clone() } else { a[0].clone() }
            }
            ("pow", _) => {
                arity("pow", a, 1)?;
                self.binary(crate::syntax::ast::BinOp::Pow, v.clone(), a[0].clone())?
            }
            ("sqrt", _) => Value::Float(x.sqrt()),
            ("floor", _) => Value::Float(x.floor()),
            ("ceil", _) => Value::Float(x.ceil()),
            ("round", _) => Value::Float(x.round()),
            _ => return no_method(v, name),
        })
    }

    fn task_method(&self, t: &Rc<crate::runtime::task::TaskHandle>, name: &str, a: &[Value]) -> R<Value> {
        arity(name, a, 0)?;
        match name {
            "is_done" => Ok(Value::Bool(t.state.is_done())),
            "cancel" => {
                t.state.cancel();
                Ok(Value::Nil)
            }
            _ => no_method(&Value::Task(t.clone()), name),
        }
    }
}

/// The bytes of a Bytes or String value (for `extend`, socket writes).
pub fn bytes_of(v: &Value) -> R<Vec<u8>> {
    match v {
        Value::Bytes(b) => Ok(b.borrow().clone()),
        Value::Str(s) => Ok(s.s.as_bytes().to_vec()),
        Value::List(l) => l.borrow().iter().map(byte_of).collect(),
        other => fail(format!("expected Bytes or String, got {}", other.type_name())),
    }
}

fn no_method<T>(v: &Value, name: &str) -> R<T> {
    fail(format!("a value of type {} has no method `{name}`", v.type_name()))
}
