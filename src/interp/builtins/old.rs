//! Built-in functions and types (LANGUAGE.md §8), the prelude every module sees, and the
//! value operations the evaluator shares: indexing, fields, members, iteration, literals.

use super::call::Args;
use super::dict::{Dict, check_key};
use super::value::*;
use super::{Ctrl, Interp, R, fail};
use crate::resolve::GlobalKind;
use crate::syntax::ast::Ident;
use std::cell::RefCell;
use std::rc::Rc;

pub fn builtin_types() -> super::BuiltinTypes {
    let option = enum_def("Option", &[("None", None), ("Some", Some(1))]);
    let result = enum_def("Result", &[("Ok", Some(1)), ("Err", Some(1))]);
    super::BuiltinTypes { option, result }
}

fn enum_def(name: &str, variants: &[(&str, Option<usize>)]) -> Rc<TypeDef> {
    Rc::new(TypeDef {
        name: Rc::from(name),
        kind: TypeKind::Enum(None),
        members: RefCell::new(Default::default()),
        fields: Vec::new(),
        variants: variants.iter().map(|(n, c)| (Rc::from(*n), *c)).collect(),
    })
}

pub fn make_variant(def: &Rc<TypeDef>, variant: u32, fields: Vec<Value>) -> Value {
    Value::Enum(Rc::new(EnumValue { def: def.clone(), variant, fields: fields.into() }))
}

/// A one-field variant (`Some(v)`, `Ok(v)`, `Err(e)`) without building a vector.
pub fn make_variant1(def: &Rc<TypeDef>, variant: u32, v: Value) -> Value {
    Value::Enum(Rc::new(EnumValue { def: def.clone(), variant, fields: Payload::One(v) }))
}

pub fn native(name: &str, f: SyncNative) -> Value {
    Value::Native(Rc::new(NativeFn { name: Rc::from(name), kind: NativeKind::Sync(f), variant_of: None }))
}

pub fn async_native(name: &str, f: AsyncNative) -> Value {
    Value::Native(Rc::new(NativeFn { name: Rc::from(name), kind: NativeKind::Async(f), variant_of: None }))
}

/// Registers a name visible in every module.
pub fn define_prelude(interp: &Interp, name: &str, kind: GlobalKind, value: Value) {
    let g = {
        let mut table = interp.table.borrow_mut();
        let g = table.alloc(Rc::from(name), false, kind);
        table.prelude.insert(Rc::from(name), g);
        g
    };
    interp.set_global(g, value);
}

fn variants_of(def: &TypeDef) -> GlobalKind {
    GlobalKind::Enum { variants: def.variants.clone() }
}

pub fn install_prelude(interp: &Interp) {
    let b = GlobalKind::Builtin;
    define_prelude(interp, "Option", variants_of(&interp.types.option), Value::Type(interp.types.option.clone()));
    define_prelude(interp, "Result", variants_of(&interp.types.result), Value::Type(interp.types.result.clone()));
    define_prelude(interp, "None", b.clone(), interp.none.clone());
    let fns: &[(&str, SyncNative)] = &[
        ("Some", |i, a| Ok(i.some(one(a)?))),
        ("Ok", |i, a| Ok(i.ok(one_or_nil(a)))),
        ("Err", |i, a| Ok(i.err(one_or_nil(a)))),
        ("print", |i, a| {
            let mut line = join_display(&a);
            line.push('\n');
            i.print(&line);
            Ok(Value::Nil)
        }),
        ("eprint", |i, a| {
            i.eprint(&(join_display(&a) + "\n"));
            Ok(Value::Nil)
        }),
        ("len", |_, a| len_of(&one(a)?).map(|n| Value::Int(n as i64))),
        ("str", |_, a| Ok(Value::str(one(a)?.display()))),
        ("int", |_, a| to_int(one(a)?)),
        ("float", |_, a| to_float(one(a)?)),
        ("range", range),
        ("type_of", |_, a| Ok(Value::str(one(a)?.type_name()))),
        ("assert", |_, a| {
            let mut a = a.into_iter();
            match (a.next(), a.next()) {
                (Some(Value::Bool(true)), _) => Ok(Value::Nil),
                (Some(Value::Bool(false)), msg) => {
                    fail(format!("assertion failed: {}", msg.map(|m| m.display()).unwrap_or_default()))
                }
                (Some(other), _) => fail(format!("assert needs a bool condition, got {}", other.type_name())),
                (None, _) => fail("assert() takes 1 or 2 arguments but 0 were given"),
            }
        }),
        ("panic", |_, a| fail(format!("panic: {}", a.first().map(|m| m.display()).unwrap_or_default()))),
        ("args", |i, _| Ok(Value::list(i.script_args.iter().map(|s| Value::str(s.clone())).collect()))),
        ("env_var", |i, a| {
            let name = one(a)?;
            Ok(i.option(std::env::var(name.display()).ok().map(Value::str)))
        }),
        ("exit", |i, a| {
            let code = match a.first() {
                Some(Value::Int(c)) => *c as i32,
                None => 0,
                Some(other) => return fail(format!("exit() needs an int code, got {}", other.type_name())),
            };
            if i.sandbox.get() {
                return fail(format!("exit({code}) is not allowed in this sandbox"));
            }
            i.flush();
            super::flush_stdout(); // other `--threads` threads' lines too
            std::process::exit(code)
        }),
        ("thread_index", |i, _| Ok(Value::Int(i.rt.thread_index.get() as i64))),
        ("now_ms", |i, _| Ok(Value::Float(i.rt.started.elapsed().as_secs_f64() * 1000.0))),
    ];
    for (name, f) in fns {
        define_prelude(interp, name, b.clone(), native(name, *f));
    }
    define_prelude(interp, "Bytes", b, Value::Type(bytes_type()));
    crate::runtime::install_prelude(interp);
}

/// `Bytes::new()`, `Bytes::with_capacity(n)`, `Bytes::from(s)`.
fn bytes_type() -> Rc<TypeDef> {
    let members: [(&str, SyncNative); 3] = [
        ("new", |_, _| Ok(Value::bytes(Vec::new()))),
        ("with_capacity", |_, a| match one(a)? {
            Value::Int(n) if (0..=(1 << 32)).contains(&n) => Ok(Value::bytes(Vec::with_capacity(n as usize))),
            Value::Int(n) => fail(format!("invalid capacity {n}")),
            other => fail(format!("with_capacity() needs an int, got {}", other.type_name())),
        }),
        ("from", |_, a| Ok(Value::bytes(super::methods::bytes_of(&one(a)?)?))),
    ];
    Rc::new(TypeDef {
        name: Rc::from("Bytes"),
        kind: TypeKind::Struct(None),
        members: RefCell::new(members.iter().map(|(n, f)| (Rc::from(*n), native(n, *f))).collect()),
        fields: Vec::new(),
        variants: Vec::new(),
    })
}

pub fn one(a: Vec<Value>) -> R<Value> {
    let n = a.len();
    let mut it = a.into_iter();
    match (it.next(), n) {
        (Some(v), 1) => Ok(v),
        _ => fail(format!("expected 1 argument but {n} were given")),
    }
}

fn one_or_nil(a: Vec<Value>) -> Value {
    a.into_iter().next().unwrap_or_default()
}

fn join_display(a: &[Value]) -> String {
    let mut out = String::new();
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        v.write_display(&mut out, false);
    }
    out
}

pub fn len_of(v: &Value) -> R<usize> {
    Ok(match v {
        Value::Str(s) => s.char_len(),
        Value::List(l) => l.borrow().len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) => d.borrow().len(),
        Value::Bytes(b) => b.borrow().len(),
        Value::Range(r) => range_len(r.0, r.1, r.2),
        other => return fail(format!("len() of a value of type {}", other.type_name())),
    })
}

fn range_len(a: i64, b: i64, step: i64) -> usize {
    if step > 0 && a < b {
        ((b as i128 - a as i128 + step as i128 - 1) / step as i128) as usize
    } else if step < 0 && a > b {
        ((a as i128 - b as i128 - step as i128 - 1) / (-step as i128)) as usize
    } else {
        0
    }
}

fn to_int(v: Value) -> R<Value> {
    Ok(Value::Int(match v {
        Value::Int(i) => i,
        Value::Float(x) => {
            if !x.is_finite() || x >= 9.3e18 || x <= -9.3e18 {
                return fail(format!("cannot convert {x:?} to int"));
            }
            x.trunc() as i64
        }
        Value::Bool(b) => b as i64,
        Value::Str(ref s) => match s.s.trim().replace('_', "").parse::<i64>() {
            Ok(i) => i,
            Err(_) => return fail(format!("invalid integer literal {}", v.repr())),
        },
        other => return fail(format!("cannot convert a value of type {} to int", other.type_name())),
    }))
}

fn to_float(v: Value) -> R<Value> {
    Ok(Value::Float(match v {
        Value::Int(i) => i as f64,
        Value::Float(x) => x,
        Value::Str(ref s) => match parse_float(&s.s) {
            Some(x) => x,
            None => return fail(format!("invalid float literal {}", v.repr())),
        },
        other => return fail(format!("cannot convert a value of type {} to float", other.type_name())),
    }))
}

pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    match t {
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "NaN" | "nan" => Some(f64::NAN),
        _ => t.parse::<f64>().ok(),
    }
}

fn range(_: &Interp, a: Vec<Value>) -> R<Value> {
    let ints: Vec<i64> = a
        .iter()
        .map(|v| match v {
            Value::Int(i) => Ok(*i),
            other => fail(format!("range() needs int arguments, got {}", other.type_name())),
        })
        .collect::<R<_>>()?;
    let (start, end, step) = match ints.as_slice() {
        [n] => (0, *n, 1),
        [a, b] => (*a, *b, 1),
        [a, b, s] => (*a, *b, *s),
        _ => return fail(format!("range() takes 1 to 3 arguments but {} were given", ints.len())),
    };
    if step == 0 {
        return fail("range() step must not be zero");
    }
    Ok(Value::Range(Rc::new((start, end, step))))
}

// ----- iteration ---------------------------------------------------------------------------

pub enum Iter {
    Range { cur: i64, end: i64, step: i64 },
    List { list: Shared<Vec<Value>>, i: usize },
    Tuple { items: Rc<Vec<Value>>, i: usize },
    Str { s: Rc<Str>, pos: usize },
    Bytes { b: Shared<Vec<u8>>, i: usize },
    Values(std::vec::IntoIter<Value>),
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
                    *cur = cur.saturating_add(*step);
                    Some(Value::Int(v))
                } else {
                    None
                }
            }
            Iter::List { list, i } => {
                let v = list.borrow().get(*i).cloned();
                *i += 1;
                v
            }
            Iter::Tuple { items, i } => {
                let v = items.get(*i).cloned();
                *i += 1;
                v
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
            Value::Dict(d) => Iter::Values(d.borrow().keys().into_iter()),
            other => return fail(format!("a value of type {} is not iterable", other.type_name())),
        })
    }

    // ----- literals ------------------------------------------------------------------------

    pub fn make_dict(&self, entries: Vec<(Value, Value)>) -> R<Value> {
        let mut d = Dict::new();
        for (k, v) in entries {
            check_key(&k).map_err(Ctrl::error)?;
            d.insert(k, v);
        }
        Ok(Value::Dict(Rc::new(RefCell::new(d))))
    }

    pub fn make_struct(&self, ty: Value, values: Vec<(Ident, Value)>) -> R<Value> {
        let Value::Type(def) = ty else {
            return fail(format!("a value of type {} is not a struct type", ty.type_name()));
        };
        if def.is_enum() {
            return fail(format!("`{}` is an enum, not a struct", def.name));
        }
        let mut fields = vec![None; def.fields.len()];
        for (name, v) in values {
            match def.field_index(&name.name) {
                Some(i) => fields[i] = Some(v),
                None => return fail(format!("unknown field `{}` in `{}` literal", name.name, def.name)),
            }
        }
        let mut out = Vec::with_capacity(fields.len());
        for (i, v) in fields.into_iter().enumerate() {
            match v {
                Some(v) => out.push(v),
                None => return fail(format!("missing field `{}` in `{}` literal", def.fields[i], def.name)),
            }
        }
        Ok(Value::Struct(Rc::new(StructValue { def, fields: RefCell::new(out) })))
    }

    // ----- fields, members, indexing -------------------------------------------------------

    pub fn field(&self, v: &Value, name: &Ident) -> R<Value> {
        match v {
            Value::Struct(s) => match s.def.field_index(&name.name) {
                Some(i) => Ok(s.fields.borrow()[i].clone()),
                None => match s.def.member(&name.name) {
                    Some(m) => Ok(Value::Bound(Rc::new((v.clone(), m)))),
                    None => fail(format!("`{}` has no field `{}`", s.def.name, name.name)),
                },
            },
            Value::Tuple(items) => match name.name.parse::<usize>() {
                Ok(i) if i < items.len() => Ok(items[i].clone()),
                _ => fail(format!("no field `{}` on a tuple of length {}", name.name, items.len())),
            },
            Value::Enum(e) => {
                let decl_fields = match &e.def.kind {
                    TypeKind::Enum(Some(decl)) => decl.variants.get(e.variant as usize).and_then(|v| v.fields.clone()),
                    _ => None,
                };
                let pos = decl_fields
                    .and_then(|fs| fs.iter().position(|(n, _)| n.as_ref().is_some_and(|n| n.name == name.name)));
                match pos {
                    Some(i) => Ok(e.fields[i].clone()),
                    None => fail(format!("`{}` has no field `{}`", e.def.name, name.name)),
                }
            }
            other => fail(format!("a value of type {} has no field `{}`", other.type_name(), name.name)),
        }
    }

    pub fn set_field(&self, v: &Value, name: &Ident, new: Value) -> R<()> {
        match v {
            Value::Struct(s) => match s.def.field_index(&name.name) {
                Some(i) => {
                    s.fields.borrow_mut()[i] = new;
                    Ok(())
                }
                None => fail(format!("`{}` has no field `{}`", s.def.name, name.name)),
            },
            other => fail(format!("cannot set field `{}` on a value of type {}", name.name, other.type_name())),
        }
    }

    pub fn member(&self, v: &Value, name: &Ident) -> R<Value> {
        match v {
            Value::Type(t) => {
                if let Some(m) = t.member(&name.name) {
                    return Ok(m);
                }
                if let Some(i) = t.variant_index(&name.name) {
                    return Ok(self.variant_value(t, i));
                }
                fail(format!("type `{}` has no member `{}`", t.name, name.name))
            }
            Value::Module(m) => m.get(self, &name.name),
            other => fail(format!("a value of type {} has no member `{}`", other.type_name(), name.name)),
        }
    }

    /// `Color::Red` is a value; `Shape::Circle` is a constructor function.
    pub fn variant_value(&self, t: &Rc<TypeDef>, i: usize) -> Value {
        match t.variants[i].1 {
            None => make_variant(t, i as u32, Vec::new()),
            Some(_) => Value::Native(Rc::new(NativeFn {
                name: t.variants[i].0.clone(),
                kind: NativeKind::Sync(construct_variant),
                variant_of: Some((t.clone(), i as u32)),
            })),
        }
    }

    pub fn index(&self, v: &Value, i: &Value) -> R<Value> {
        match (v, i) {
            (Value::List(l), Value::Int(n)) => {
                let l = l.borrow();
                checked_index(*n, l.len(), "List").map(|k| l[k].clone())
            }
            (Value::Tuple(t), Value::Int(n)) => checked_index(*n, t.len(), "Tuple").map(|k| t[k].clone()),
            (Value::Bytes(b), Value::Int(n)) => {
                let b = b.borrow();
                checked_index(*n, b.len(), "Bytes").map(|k| Value::Int(b[k] as i64))
            }
            (Value::Str(s), Value::Int(n)) => {
                let len = s.char_len();
                let k = checked_index(*n, len, "String")?;
                if s.is_ascii() {
                    Ok(self.char_value(s.s.as_bytes()[k] as char))
                } else {
                    Ok(self.char_value(s.s.chars().nth(k).unwrap_or(' ')))
                }
            }
            (Value::Dict(d), k) => match d.borrow().get(k) {
                Some(v) => Ok(v.clone()),
                None => fail(format!("key {} not found in Dict", k.repr())),
            },
            (Value::List(_) | Value::Tuple(_) | Value::Bytes(_) | Value::Str(_), other) => {
                fail(format!("{} indices must be integers, not {}", v.type_name(), other.type_name()))
            }
            (other, _) => fail(format!("a value of type {} cannot be indexed", other.type_name())),
        }
    }

    pub fn set_index(&self, v: &Value, i: Value, new: Value) -> R<()> {
        match (v, &i) {
            (Value::List(l), Value::Int(n)) => {
                let mut l = l.borrow_mut();
                let k = checked_index(*n, l.len(), "List")?;
                l[k] = new;
                Ok(())
            }
            (Value::Bytes(b), Value::Int(n)) => {
                let mut b = b.borrow_mut();
                let k = checked_index(*n, b.len(), "Bytes")?;
                b[k] = byte_of(&new)?;
                Ok(())
            }
            (Value::Dict(d), _) => {
                check_key(&i).map_err(Ctrl::error)?;
                d.borrow_mut().insert(i, new);
                Ok(())
            }
            (other, _) => fail(format!("a value of type {} does not support item assignment", other.type_name())),
        }
    }
}

fn construct_variant(_: &Interp, _: Vec<Value>) -> R<Value> {
    fail("internal error: variant constructor called without its type")
}

pub fn byte_of(v: &Value) -> R<u8> {
    match v {
        Value::Int(i) if (0..=255).contains(i) => Ok(*i as u8),
        Value::Int(i) => fail(format!("byte value {i} out of range 0..=255")),
        other => fail(format!("a byte must be an int, got {}", other.type_name())),
    }
}

pub fn checked_index(n: i64, len: usize, what: &str) -> R<usize> {
    if n < 0 || n as u64 >= len as u64 {
        return fail(format!("index {n} out of range for {what} of length {len}"));
    }
    Ok(n as usize)
}

/// Runs a variant constructor (`Shape::Circle(1.0)`).
pub fn call_variant(def: &Rc<TypeDef>, index: u32, args: Args) -> R<Value> {
    let positional = args.into_positional(&def.variants[index as usize].0)?;
    let expected = def.variants[index as usize].1.unwrap_or(0);
    if positional.len() != expected {
        let plural = if expected == 1 { "" } else { "s" };
        return fail(format!(
            "{}::{}() takes {expected} argument{plural} but {} were given",
            def.name,
            def.variants[index as usize].0,
            positional.len()
        ));
    }
    Ok(make_variant(def, index, positional))
}
