//! The core built-ins (LANGUAGE.md §8 and §11): they register themselves in the
//! registry (`register`), and `install_prelude` makes every registered prelude function
//! and built-in type a global of each interpreter. The parts: `core` (printing,
//! conversions, assertions, process), `seq` (min/max/sum/sorted/zip/...) and the
//! methods of the built-in types (`interp::methods`).

mod convert;
mod core;
mod seq;

use super::value::*;
use super::{Interp, R, fail};
use crate::registry::{Callable, Registry, Sig};
use crate::resolve::GlobalKind;
use std::rc::Rc;

pub use convert::{parse_float, parse_int};
pub use seq::sort_values;

/// Registers the core functions, types and methods.
pub fn register(reg: &mut Registry) {
    core::register(reg);
    seq::register(reg);
    convert::register(reg);
    super::methods::register(reg);
}

pub fn builtin_types() -> super::BuiltinTypes {
    let option = enum_def("Option", &[("None", None), ("Some", Some(1))]);
    let result = enum_def("Result", &[("Ok", Some(1)), ("Err", Some(1))]);
    super::BuiltinTypes { option, result }
}

fn enum_def(name: &str, variants: &[(&str, Option<usize>)]) -> Rc<TypeDef> {
    let variants = variants.iter().map(|(n, c)| (Rc::from(*n), *c)).collect();
    Rc::new(TypeDef::new(Rc::from(name), TypeKind::Enum(None), Vec::new(), Vec::new(), variants))
}

pub fn make_variant(def: &Rc<TypeDef>, variant: u32, fields: Vec<Value>) -> Value {
    Value::Enum(Rc::new(EnumValue { def: def.clone(), variant, fields: fields.into() }))
}

/// A one-field variant (`Some(v)`, `Ok(v)`, `Err(e)`) without building a vector.
pub fn make_variant1(def: &Rc<TypeDef>, variant: u32, v: Value) -> Value {
    Value::Enum(Rc::new(EnumValue { def: def.clone(), variant, fields: Payload::One(v) }))
}

pub fn native(name: &str, f: SyncNative) -> Value {
    Value::Native(Rc::new(NativeFn { name: Rc::from(name), kind: NativeKind::Sync(f), sig: None, variant_of: None }))
}

pub fn async_native(name: &str, f: AsyncNative) -> Value {
    Value::Native(Rc::new(NativeFn { name: Rc::from(name), kind: NativeKind::Async(f), sig: None, variant_of: None }))
}

/// A registered function as a value: its arguments are checked against `sig`.
pub fn registered(sig: &'static Sig, imp: Callable) -> Value {
    let kind = match imp {
        Callable::Sync(f) => NativeKind::Sync(f),
        Callable::Async(f) => NativeKind::Async(f),
    };
    Value::Native(Rc::new(NativeFn { name: Rc::from(sig.name), kind, sig: Some(sig), variant_of: None }))
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
    GlobalKind::Enum { variants: def.variants.clone(), methods: Vec::new() }
}

/// A built-in type as a value: its associated functions are the registry's functions
/// of the module of the same name (`Bytes::new`, `String::from_bytes`).
fn builtin_type(interp: &Interp, name: &str) -> Value {
    let def = TypeDef::new(Rc::from(name), TypeKind::Struct(None), Vec::new(), Vec::new(), Vec::new());
    for f in interp.registry.module_functions(name) {
        def.set_member(Rc::from(f.sig.name), registered(&f.sig, f.imp));
    }
    Value::Type(Rc::new(def))
}

/// The types every module sees by name (besides `Option` and `Result`); `text` is
/// another name for `String`.
const PRELUDE_TYPES: &[&str] = &["String", "Bytes", "List", "Dict", "Set", "Channel"];

pub fn install_prelude(interp: &Interp) {
    let b = GlobalKind::Builtin;
    define_prelude(interp, "Option", variants_of(&interp.types.option), Value::Type(interp.types.option.clone()));
    define_prelude(interp, "Result", variants_of(&interp.types.result), Value::Type(interp.types.result.clone()));
    define_prelude(interp, "None", b.clone(), interp.none.clone());
    for f in interp.registry.prelude() {
        define_prelude(interp, f.sig.name, b.clone(), registered(&f.sig, f.imp));
    }
    for name in PRELUDE_TYPES {
        let ty = builtin_type(interp, name);
        if *name == "String" {
            define_prelude(interp, "text", b.clone(), ty.clone());
        }
        define_prelude(interp, name, b.clone(), ty);
    }
}

/// Exactly one argument (for natives that check their own arguments).
pub fn one(a: Vec<Value>) -> R<Value> {
    let n = a.len();
    let mut it = a.into_iter();
    match (it.next(), n) {
        (Some(v), 1) => Ok(v),
        _ => fail(format!("expected 1 argument but {n} were given")),
    }
}

pub fn len_of(v: &Value) -> R<usize> {
    Ok(match v {
        Value::Str(s) => s.char_len(),
        Value::List(l) => l.borrow().len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) | Value::Set(d) => d.borrow().len(),
        Value::Bytes(b) => b.borrow().len(),
        Value::Range(r) => super::iter::range_len(r.0, r.1, r.2)?,
        Value::Cell(c) => return len_of(&c.borrow()),
        other => return fail(format!("len() of a value of type {}", other.type_name())),
    })
}

/// Runs a variant constructor (`Shape::Circle(1.0)`).
pub fn call_variant(def: &Rc<TypeDef>, index: u32, args: super::call::Args) -> R<Value> {
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
