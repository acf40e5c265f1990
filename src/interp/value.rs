//! Runtime values and the object types behind them. Values are 16 bytes: scalars inline,
//! everything else behind an `Rc` (the interpreter is single-threaded per runtime, so
//! `Rc`/`RefCell` and `!Send` are fine).
//!
//! Layout: `Value` is `#[repr(C, u64)]`, a one-word tag and every payload at offset 8,
//! so a value is written and copied as two aligned words. The tag is a whole word on
//! purpose: a value just written (a node's result) is read back by a load that the
//! store buffer can forward only if it matches one store. With a one-byte tag, the
//! 8-byte load of the tag word waited for the byte store to reach the cache (with
//! `.cargo/config.toml`'s flag that keeps copies to 8-byte moves, richards, deltablue
//! and fasta take a quarter less time). Every non-scalar payload is one word: native
//! objects (sockets, channels, files) are `Rc<NativeHandle>`, a thin pointer to the
//! `Rc<dyn NativeObject>` (two words, which would make every Value 24 bytes); enum
//! payloads are `Payload` (`None`, `One` inline, `Many` boxed), so `Some(x)`, `Ok(x)` and
//! `Err(e)` cost one allocation. Native types implement `NativeObject` with the
//! `native_object!` macro.
//!
//! Also here: structural equality (`values_equal`, `==`) and ordering (`compare`, `<` and
//! `sort`), bounded by a thread-local nesting count of list, tuple, dict, set, struct and
//! enum-payload levels (1,200,000 by default, sized for the interpreter thread's stack;
//! 10,000 in `program::run_sandboxed`). Past it they give up and the operator reports
//! `maximum recursion depth exceeded` (`took_too_deep`), which is also what comparing two
//! distinct containers that contain themselves gives. Display forms are in `display`.

use crate::interp::dict::Dict;
use crate::syntax::ast::{EnumDecl, FnDecl, StructDecl};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

pub type Shared<T> = Rc<RefCell<T>>;

/// The scalar variants (nil, bool, int, float) come first: `is_scalar` tests the tag.
#[derive(Default)]
#[repr(C, u64)]
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
    /// a set: a Dict whose values are all nil (insertion order, the same key rules)
    Set(Shared<Dict>),
    Tuple(Rc<Vec<Value>>),
    /// Option, Result and user enums (`Some`/`None`/`Ok`/`Err` are variants of built-in enums)
    Enum(Rc<EnumValue>),
    Struct(Rc<StructValue>),
    Func(Rc<Closure>),
    Native(Rc<NativeFn>),
    /// a method bound to its receiver (`obj.method` without a call)
    Bound(Rc<(Value, Value)>),
    Task(Rc<crate::runtime::task::TaskState>),
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

impl Clone for Value {
    /// A scalar is copied inline; only a shared value calls out (the derived clone was
    /// an out-of-line call for every local read, most of them ints).
    #[inline(always)]
    fn clone(&self) -> Value {
        if self.is_scalar() {
            // SAFETY: nil, bool, int and float own nothing: a bitwise copy is a clone
            unsafe { std::ptr::read(self) }
        } else {
            self.clone_shared()
        }
    }
}

impl Value {
    /// `clone` of a value behind an `Rc`: one count incremented.
    #[inline(never)]
    fn clone_shared(&self) -> Value {
        match self {
            Value::Nil => Value::Nil,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(n) => Value::Int(*n),
            Value::Float(x) => Value::Float(*x),
            Value::Str(s) => Value::Str(s.clone()),
            Value::Bytes(b) => Value::Bytes(b.clone()),
            Value::List(l) => Value::List(l.clone()),
            Value::Dict(d) => Value::Dict(d.clone()),
            Value::Set(d) => Value::Set(d.clone()),
            Value::Tuple(t) => Value::Tuple(t.clone()),
            Value::Enum(e) => Value::Enum(e.clone()),
            Value::Struct(s) => Value::Struct(s.clone()),
            Value::Func(c) => Value::Func(c.clone()),
            Value::Native(n) => Value::Native(n.clone()),
            Value::Bound(b) => Value::Bound(b.clone()),
            Value::Task(t) => Value::Task(t.clone()),
            Value::Type(t) => Value::Type(t.clone()),
            Value::Module(m) => Value::Module(m.clone()),
            Value::Object(o) => Value::Object(o.clone()),
            Value::Range(r) => Value::Range(r.clone()),
            Value::Cell(c) => Value::Cell(c.clone()),
        }
    }
}

pub use super::display::{is_builtin_enum, write_bytes, write_float, write_quoted};
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
    /// `def.id`, kept beside the fields: the inline caches' key test reads it from the
    /// instance, without loading the type
    pub type_id: u64,
    pub fields: RefCell<Vec<Value>>,
}

impl StructValue {
    pub fn new(def: Rc<TypeDef>, fields: Vec<Value>) -> StructValue {
        StructValue { type_id: def.id, def, fields: RefCell::new(fields) }
    }
}

pub struct Closure {
    pub decl: Rc<FnDecl>,
    pub captures: Vec<Shared<Value>>,
    /// the global table of the module the function was declared in is shared by all
    /// modules, so nothing else is needed to run it
    pub name: Rc<str>,
}

pub type SyncNative = fn(&crate::interp::Interp, &[Value]) -> Result<Value, crate::interp::Ctrl>;
pub type AsyncNative = fn(Rc<crate::interp::Interp>, Vec<Value>) -> crate::interp::BoxFut<'static>;

pub enum NativeKind {
    Sync(SyncNative),
    /// a registered method of a native type: the receiver comes first in the arguments
    Method(crate::registry::MethodImpl),
    /// returns a future; called without `await` it becomes a Task
    Async(AsyncNative),
}

pub struct NativeFn {
    pub name: Rc<str>,
    pub kind: NativeKind,
    /// the registered signature: arguments are checked (and named ones placed) before
    /// the native runs; natives bound by `extern fn` check their own
    pub sig: Option<&'static crate::registry::Sig>,
    /// the payload of an enum variant constructor (`Shape::Circle`) or None
    pub variant_of: Option<(Rc<TypeDef>, u32)>,
}

impl NativeFn {
    /// A synchronous built-in function (not a variant constructor) with a registered
    /// signature: arguments that fit it as they are (`Sig::fits_exactly`) go straight to
    /// the function, without binding.
    #[inline]
    pub fn direct(&self) -> Option<(SyncNative, &'static crate::registry::Sig)> {
        match self.kind {
            NativeKind::Sync(fun) if self.variant_of.is_none() => self.sig.map(|sig| (fun, sig)),
            _ => None,
        }
    }
}

/// A declared struct or enum, with its methods and associated functions.
pub struct TypeDef {
    /// unique for the thread's lifetime (never reused): the key of the per-site inline
    /// caches (`SiteCache`), which a freed type's address could not be
    pub id: u64,
    pub name: Rc<str>,
    pub kind: TypeKind,
    /// methods (with self) and associated functions, by name
    pub members: RefCell<Members>,
    /// field names for structs
    pub fields: Vec<Rc<str>>,
    /// per field: a function of no arguments giving its default value (`x: i64 = 0`)
    pub defaults: Vec<Option<Value>>,
    /// variants for enums: name and payload field count (None = unit)
    pub variants: Vec<(Rc<str>, Option<usize>)>,
}

pub enum TypeKind {
    Struct(Option<Rc<StructDecl>>),
    Enum(Option<Rc<EnumDecl>>),
    /// a trait: its members are its default methods
    Trait,
}

/// A type's methods and associated functions: each name gets a slot on first insertion
/// and keeps it (a later `impl` replaces the value, never moves it), so an inline cache
/// holding a slot stays right for as long as the type lives.
#[derive(Default)]
pub struct Members {
    slots: HashMap<Rc<str>, u32, crate::interp::dict::FxBuild>,
    values: Vec<(Rc<str>, Value)>,
}

impl Members {
    pub fn slot_of(&self, name: &str) -> Option<u32> {
        self.slots.get(name).copied()
    }
    pub fn get(&self, name: &str) -> Option<Value> {
        self.slot_of(name).map(|i| self.at(i))
    }
    pub fn at(&self, slot: u32) -> Value {
        self.values[slot as usize].1.clone()
    }
    /// The async native at `slot` (an `async extern fn` method), if it holds one: its
    /// function and signature, nothing cloned.
    #[inline]
    pub fn async_native_at(&self, slot: u32) -> Option<(AsyncNative, Option<&'static crate::registry::Sig>)> {
        match &self.values.get(slot as usize)?.1 {
            Value::Native(n) => match n.kind {
                NativeKind::Async(fun) if n.variant_of.is_none() => Some((fun, n.sig)),
                _ => None,
            },
            _ => None,
        }
    }
    /// The function at `slot`, if it holds one (its `Rc` alone is cloned).
    #[inline]
    pub fn closure_at(&self, slot: u32) -> Option<Rc<Closure>> {
        match &self.values.get(slot as usize)?.1 {
            Value::Func(c) => Some(c.clone()),
            _ => None,
        }
    }
    /// Adds or replaces a member; true when it replaced one. (Through
    /// `TypeDef::set_member`, which keeps the inline caches right.)
    fn insert(&mut self, name: Rc<str>, v: Value) -> bool {
        match self.slots.get(&name) {
            Some(&i) => {
                self.values[i as usize].1 = v;
                true
            }
            None => {
                self.slots.insert(name.clone(), self.values.len() as u32);
                self.values.push((name, v));
                false
            }
        }
    }
    pub fn insert_if_absent(&mut self, name: Rc<str>, v: Value) {
        if !self.slots.contains_key(&name) {
            self.insert(name, v);
        }
    }
    /// In declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (&Rc<str>, &Value)> {
        self.values.iter().map(|(k, v)| (k, v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &Rc<str>> {
        self.values.iter().map(|(k, _)| k)
    }
}

thread_local! {
    static NEXT_TYPE_ID: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

thread_local! {
    /// How many times a type's member was replaced (a later `impl`), on this thread.
    static MEMBER_EPOCH: Cell<u32> = const { Cell::new(0) };
}

/// Changes whenever any type replaces a member: a method call site holding a closure's
/// address (`SiteCache::callee`) holds it for the epoch it was stored in.
#[inline]
pub fn member_epoch() -> u32 {
    MEMBER_EPOCH.with(Cell::get)
}

impl TypeDef {
    /// Sets member `name`; replacing one starts a new member epoch.
    pub fn set_member(&self, name: Rc<str>, v: Value) {
        if self.members.borrow_mut().insert(name, v) {
            MEMBER_EPOCH.with(|e| e.set(e.get().wrapping_add(1)));
        }
    }

    pub fn new(
        name: Rc<str>,
        kind: TypeKind,
        fields: Vec<Rc<str>>,
        defaults: Vec<Option<Value>>,
        variants: Vec<(Rc<str>, Option<usize>)>,
    ) -> TypeDef {
        let id = NEXT_TYPE_ID.with(|n| n.replace(n.get() + 1));
        TypeDef { id, name, kind, members: RefCell::default(), fields, defaults, variants }
    }
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
        self.members.borrow().get(name)
    }
}

/// A native object behind a thin pointer (a `Rc<dyn ...>` is two words and would make
/// every Value 24 bytes instead of 16).
pub struct NativeHandle(pub Rc<dyn NativeObject>);

impl NativeHandle {
    /// The object as a typed `Rc`, if it is a `T` (one type check, one count).
    pub fn downcast_rc<T: Any>(&self) -> Option<Rc<T>> {
        (self.0.clone() as Rc<dyn Any>).downcast::<T>().ok()
    }
}

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
    /// A readable field (`runtime.num_cores`); `None` if there is no such field.
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
}

impl dyn NativeObject {
    /// The object as a `T`, if it is one (one virtual call: the trait's own `type_id`).
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        (self as &dyn Any).downcast_ref()
    }
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

    /// Nil, a bool, an int or a float: nothing to drop, a clone is a copy.
    #[inline]
    pub fn is_scalar(&self) -> bool {
        // the four scalar variants are declared first (checked in debug builds)
        debug_assert_eq!(
            self.variant_index() <= 3,
            matches!(self, Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_))
        );
        self.variant_index() <= 3
    }

    /// Ends a value a fast path has found to be an int, float, bool or nil, without the
    /// drop glue: an out-of-line call that tests the tag again (a tenth of fasta's
    /// instructions were such calls on operands).
    #[inline(always)]
    pub fn forget_scalar(self) {
        debug_assert!(self.is_scalar());
        std::mem::forget(self);
    }

    /// Drops the value with the scalar test inline: for what is nearly always an int
    /// (an index), not for slots and fields, where it only added a branch.
    #[inline(always)]
    pub fn release(self) {
        if self.is_scalar() {
            std::mem::forget(self);
        } else {
            drop(self);
        }
    }

    /// Stores `v` in `place`, dropping the value it held with the scalar test inline: a
    /// loop variable, a `let` in a loop body and a block's locals at its end are nearly
    /// always overwriting an int or nil, where the drop glue is an out-of-line call that
    /// tests the tag again (a loop's `for i in range(n): let x = i` made three a turn).
    /// Not for field stores and parameter binding: there it measured worse (nbody +2%
    /// instructions), those overwrite references as often as ints.
    #[inline(always)]
    pub fn put(place: &mut Value, v: Value) {
        std::mem::replace(place, v).release();
    }

    /// Which variant this is (its discriminant), read without a `match`.
    #[inline]
    pub fn variant_index(&self) -> u8 {
        // SAFETY: `Value` is `repr(C, u64)`, whose layout starts with the `u64` tag (read
        // whole: it is written whole)
        unsafe { *(self as *const Value).cast::<u64>() as u8 }
    }

    /// The name built-in methods are registered under (`String`, `List`, `TcpStream`,
    /// ...); `"struct"` and `"enum"` for user-declared types.
    pub fn type_tag(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "i64",
            Value::Float(_) => "f64",
            Value::Str(_) => "String",
            Value::Bytes(_) => "Bytes",
            Value::List(_) => "List",
            Value::Dict(_) => "Dict",
            Value::Set(_) => "Set",
            Value::Tuple(_) => "Tuple",
            Value::Enum(e) if &*e.def.name == "Option" && is_builtin_enum(&e.def.name) => "Option",
            Value::Enum(e) if &*e.def.name == "Result" && is_builtin_enum(&e.def.name) => "Result",
            Value::Enum(_) => "enum",
            Value::Struct(_) => "struct",
            Value::Func(_) | Value::Native(_) | Value::Bound(_) => "Function",
            Value::Task(_) => "Task",
            Value::Type(_) => "Type",
            Value::Module(_) => "Module",
            Value::Object(o) => o.type_name(),
            Value::Range(_) => "Range",
            Value::Cell(_) => "Cell",
        }
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
            Value::Set(_) => "Set".into(),
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
}

/// Structural equality (`==`): ints and floats compare by value, unrelated types are unequal.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => {
            super::ops::cmp_int_float(*x, *y) == Some(std::cmp::Ordering::Equal)
        }
        (Value::Str(x), Value::Str(y)) => super::ops::str_equal(x, y),
        (Value::Bytes(x), Value::Bytes(y)) => Rc::ptr_eq(x, y) || *x.borrow() == *y.borrow(),
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y) || seq_equal(&x.borrow(), &y.borrow()),
        (Value::Tuple(x), Value::Tuple(y)) => seq_equal(x, y),
        (Value::Dict(x), Value::Dict(y)) | (Value::Set(x), Value::Set(y)) => {
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
        (Value::Int(x), Value::Float(y)) => super::ops::cmp_int_float(*x, *y).or(Some(Ordering::Equal)),
        (Value::Float(x), Value::Int(y)) => {
            super::ops::cmp_int_float(*y, *x).map(Ordering::reverse).or(Some(Ordering::Equal))
        }
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

#[cfg(test)]
mod tests {
    use super::Value;
    use std::rc::Rc;

    /// The layout `variant_index`, `is_scalar` and the fast paths rely on: two words, the
    /// tag a whole word, `Option<Value>` no larger (its `None` is a tag value).
    #[test]
    fn value_layout() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::size_of::<Option<Value>>(), 16);
        let values = [
            Value::Nil,
            Value::Bool(true),
            Value::Int(-7),
            Value::Float(0.5),
            Value::str("x"),
            Value::Range(Rc::new((0, 3, 1))),
        ];
        for (k, v) in values.iter().enumerate() {
            // SAFETY: reads the first word of a live value
            let tag = unsafe { *(v as *const Value).cast::<u64>() };
            assert_eq!(tag, v.variant_index() as u64);
            assert_eq!(v.is_scalar(), k <= 3, "value {k}");
            // an inline clone of a scalar, an Rc clone of the rest: equal either way
            assert!(super::values_equal(v, &v.clone()));
        }
        assert_eq!(values[2].variant_index(), 2);
        assert_eq!(values[5].variant_index(), 19);
    }
}
