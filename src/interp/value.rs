//! Runtime values and the object types behind them. Values are 16 bytes: scalars inline,
//! everything else behind an `Rc` (the interpreter is single-threaded per runtime, so
//! `Rc`/`RefCell` and `!Send` are fine).

use crate::interp::dict::Dict;
use crate::syntax::ast::{EnumDecl, FnDecl, StructDecl};
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub type Shared<T> = Rc<RefCell<T>>;

#[derive(Clone, Default)]
#[repr(C, u8)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<Str>),
    Bytes(Shared<Vec<u8>>),
    List(Shared<Vec<Value>>),
    Dict(Shared<Dict>),
    Tuple(Rc<Vec<Value>>),
    /// Option, Result and user enums (`Some`/`None`/`Ok`/`Err` are variants of built-in enums)
    Enum(Rc<EnumValue>),
    Struct(Rc<StructValue>),
    Func(Rc<Closure>),
    Native(Rc<NativeFn>),
    /// a method bound to its receiver (`obj.method` without a call)
    Bound(Rc<(Value, Value)>),
    Task(Rc<crate::runtime::task::TaskHandle>),
    /// a struct or enum type used as a value (`Point::origin`, `Color::Red`)
    Type(Rc<TypeDef>),
    /// an imported module (`import net` then `net::TcpStream`)
    Module(Rc<crate::interp::module::Module>),
    /// native objects: sockets, channels, the runtime handle
    Object(Rc<NativeHandle>),
    /// `range(a, b, step)`: iterated lazily
    Range(Rc<(i64, i64, i64)>),
    /// internal: a frame slot holding a variable captured by a closure
    Cell(Shared<Value>),
}

pub use crate::text::Str;

pub struct EnumValue {
    pub def: Rc<TypeDef>,
    pub variant: u32,
    pub fields: Payload,
}

/// A variant's payload: `Some(x)`/`Ok(x)` carry one value inline (no second allocation,
/// which matters for every socket result), others a boxed slice.
pub enum Payload {
    None,
    One(Value),
    Many(Box<[Value]>),
}

impl From<Vec<Value>> for Payload {
    fn from(mut v: Vec<Value>) -> Payload {
        match v.len() {
            0 => Payload::None,
            1 => Payload::One(v.pop().unwrap_or_default()),
            _ => Payload::Many(v.into_boxed_slice()),
        }
    }
}

impl std::ops::Deref for Payload {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        match self {
            Payload::None => &[],
            Payload::One(v) => std::slice::from_ref(v),
            Payload::Many(b) => b,
        }
    }
}

pub struct StructValue {
    pub def: Rc<TypeDef>,
    pub fields: RefCell<Vec<Value>>,
}

pub struct Closure {
    pub decl: Rc<FnDecl>,
    pub captures: Vec<Shared<Value>>,
    /// the global table of the module the function was declared in is shared by all
    /// modules, so nothing else is needed to run it
    pub name: Rc<str>,
}

pub type SyncNative = fn(&crate::interp::Interp, Vec<Value>) -> Result<Value, crate::interp::Ctrl>;
pub type AsyncNative = fn(Rc<crate::interp::Interp>, Vec<Value>) -> crate::interp::BoxFut<'static>;

pub enum NativeKind {
    Sync(SyncNative),
    /// returns a future; called without `await` it becomes a Task
    Async(AsyncNative),
}

pub struct NativeFn {
    pub name: Rc<str>,
    pub kind: NativeKind,
    /// the payload of an enum variant constructor (`Shape::Circle`) or None
    pub variant_of: Option<(Rc<TypeDef>, u32)>,
}

/// A declared struct or enum, with its methods and associated functions.
pub struct TypeDef {
    pub name: Rc<str>,
    pub kind: TypeKind,
    /// methods (with self) and associated functions, by name
    pub members: RefCell<HashMap<Rc<str>, Value, crate::interp::dict::FxBuild>>,
    /// field names for structs
    pub fields: Vec<Rc<str>>,
    /// variants for enums: name and payload field count (None = unit)
    pub variants: Vec<(Rc<str>, Option<usize>)>,
}

pub enum TypeKind {
    Struct(Option<Rc<StructDecl>>),
    Enum(Option<Rc<EnumDecl>>),
}

impl TypeDef {
    pub fn is_enum(&self) -> bool {
        matches!(self.kind, TypeKind::Enum(_))
    }
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| &**f == name)
    }
    pub fn variant_index(&self, name: &str) -> Option<usize> {
        self.variants.iter().position(|(v, _)| &**v == name)
    }
    pub fn member(&self, name: &str) -> Option<Value> {
        self.members.borrow().get(name).cloned()
    }
}

/// A native object behind a thin pointer (a `Rc<dyn ...>` is two words and would make
/// every Value 24 bytes instead of 16).
pub struct NativeHandle(pub Rc<dyn NativeObject>);

impl std::ops::Deref for NativeHandle {
    type Target = dyn NativeObject;
    fn deref(&self) -> &(dyn NativeObject + 'static) {
        &*self.0
    }
}

impl Value {
    pub fn object(o: Rc<dyn NativeObject>) -> Value {
        Value::Object(Rc::new(NativeHandle(o)))
    }
}

/// Implements `NativeObject` for a type: its `type_of` name and how it displays.
#[macro_export]
macro_rules! native_object {
    ($ty:ty, $name:literal, |$this:ident| $describe:expr) => {
        impl $crate::interp::value::NativeObject for $ty {
            fn type_name(&self) -> &'static str {
                $name
            }
            fn describe(&self) -> String {
                let $this = self;
                $describe
            }
            fn as_any(&self) -> &dyn std::any::Any {
                self
            }
        }
    };
}

/// Native objects (sockets, channels, runtime): a type name for `type_of` and display,
/// and `Any` so natives can downcast.
pub trait NativeObject: Any {
    fn type_name(&self) -> &'static str;
    fn describe(&self) -> String {
        format!("<{}>", self.type_name())
    }
    fn as_any(&self) -> &dyn Any;
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(Rc::new(Str::new(s.into())))
    }
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(items))
    }
    pub fn bytes(b: Vec<u8>) -> Value {
        Value::Bytes(Rc::new(RefCell::new(b)))
    }

    /// The name `type_of` reports.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "nil".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "i64".into(),
            Value::Float(_) => "f64".into(),
            Value::Str(_) => "String".into(),
            Value::Bytes(_) => "Bytes".into(),
            Value::List(_) => "List".into(),
            Value::Dict(_) => "Dict".into(),
            Value::Tuple(_) => "Tuple".into(),
            Value::Enum(e) => e.def.name.to_string(),
            Value::Struct(s) => s.def.name.to_string(),
            Value::Func(_) | Value::Native(_) | Value::Bound(_) => "Function".into(),
            Value::Task(_) => "Task".into(),
            Value::Type(t) => t.name.to_string(),
            Value::Module(_) => "Module".into(),
            Value::Object(o) => o.type_name().into(),
            Value::Range(_) => "Range".into(),
            Value::Cell(c) => c.borrow().type_name(),
        }
    }

    /// Display form (`print`): strings bare at top level.
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.write_display(&mut out, false);
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
            Value::Dict(d) => Some(Rc::as_ptr(d) as *const u8 as usize),
            Value::Struct(s) => Some(Rc::as_ptr(s) as *const u8 as usize),
            _ => None,
        };
        if let Some(id) = id {
            if !path.enter(id) {
                out.push_str(match self {
                    Value::List(_) => "[...]",
                    Value::Dict(_) => "{...}",
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
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
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
                let _ = write!(out, "<task {}>", t.state.name);
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

/// Structural equality (`==`): ints and floats compare by value, unrelated types are unequal.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y) || x.s == y.s,
        (Value::Bytes(x), Value::Bytes(y)) => Rc::ptr_eq(x, y) || *x.borrow() == *y.borrow(),
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y) || seq_equal(&x.borrow(), &y.borrow()),
        (Value::Tuple(x), Value::Tuple(y)) => seq_equal(x, y),
        (Value::Dict(x), Value::Dict(y)) => {
            Rc::ptr_eq(x, y) || nested(|| x.borrow().equals(&y.borrow())).unwrap_or(false)
        }
        (Value::Enum(x), Value::Enum(y)) => {
            Rc::ptr_eq(&x.def, &y.def) && x.variant == y.variant && seq_equal(&x.fields, &y.fields)
        }
        (Value::Struct(x), Value::Struct(y)) => {
            Rc::ptr_eq(x, y) || (Rc::ptr_eq(&x.def, &y.def) && seq_equal(&x.fields.borrow(), &y.fields.borrow()))
        }
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Native(x), Value::Native(y)) => Rc::ptr_eq(x, y),
        (Value::Task(x), Value::Task(y)) => Rc::ptr_eq(x, y),
        (Value::Type(x), Value::Type(y)) => Rc::ptr_eq(x, y),
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
        (Value::Range(x), Value::Range(y)) => x == y,
        (Value::Module(x), Value::Module(y)) => Rc::ptr_eq(x, y),
        (Value::Bound(x), Value::Bound(y)) => values_equal(&x.0, &y.0) && values_equal(&x.1, &y.1),
        _ => false,
    }
}

thread_local! {
    /// How deep `==` and `<` may descend into nested containers before giving up (a
    /// list that contains itself would otherwise recurse until the stack overflows).
    /// The default suits the interpreter thread's stack (see main.rs).
    static NESTING_LIMIT: std::cell::Cell<u32> = const { std::cell::Cell::new(1_200_000) };
    static NESTING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    static TOO_DEEP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` one container level deeper; `None` past the limit (noted for `too_deep`).
fn nested<T>(f: impl FnOnce() -> T) -> Option<T> {
    let depth = NESTING.with(|d| d.get());
    if depth >= NESTING_LIMIT.with(|l| l.get()) {
        TOO_DEEP.with(|t| t.set(true));
        return None;
    }
    NESTING.with(|d| d.set(depth + 1));
    let r = f();
    NESTING.with(|d| d.set(depth));
    Some(r)
}

/// Sets this thread's nesting limit for `==` and `<` (smaller stacks need less).
pub fn set_nesting_limit(n: u32) {
    NESTING_LIMIT.with(|l| l.set(n));
}

/// Whether the last `values_equal`/`compare` gave up because of the nesting limit
/// (the caller turns that into `maximum recursion depth exceeded`); resets the flag.
pub fn took_too_deep() -> bool {
    TOO_DEEP.with(|t| t.replace(false))
}

fn seq_equal(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && nested(|| a.iter().zip(b).all(|(x, y)| values_equal(x, y))).unwrap_or(false)
}

/// Ordering for `<` and friends and for `sort`; `None` when the types are unrelated.
pub fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).or(Some(Ordering::Equal)),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y).or(Some(Ordering::Equal)),
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)).or(Some(Ordering::Equal)),
        (Value::Str(x), Value::Str(y)) => Some(x.s.cmp(&y.s)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Tuple(x), Value::Tuple(y)) => compare_seq(x, y),
        (Value::List(x), Value::List(y)) => compare_seq(&x.borrow(), &y.borrow()),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x.borrow().as_slice().cmp(y.borrow().as_slice())),
        _ => None,
    }
}

fn compare_seq(a: &[Value], b: &[Value]) -> Option<std::cmp::Ordering> {
    nested(|| {
        for (x, y) in a.iter().zip(b) {
            match compare(x, y)? {
                std::cmp::Ordering::Equal => continue,
                other => return Some(other),
            }
        }
        Some(a.len().cmp(&b.len()))
    })?
}
