//! The one registry of everything built in. Each library — the core built-ins
//! (`interp::builtins`), the runtime's async built-ins, and every std module (`math`,
//! `net`, `fs`, `io`, `time`, `json`, ...) — declares each function, method, type
//! member, module and native once, with a signature written as Simple source
//! (`"sort(*, key: Function?, reverse: bool = false) -> nil"`) and a one-line doc.
//! The prelude, method dispatch, argument checking, the std module loader, REPL
//! completion and `simple doc` all read this table; the core never names a library.
//!
//! Signatures: `name(p1, p2: Type, p3: Type = default, *, named_only: Type?, *rest: Type)`.
//! Types are `i64 f64 num bool String Bytes data List Dict Set Tuple Function Iterable
//! Task Type any` (`num` is i64 or f64, `data` String or Bytes); `T?` also accepts nil.
//! A parameter with `= default` (nil, true, false or an integer) may be left out; one
//! written `p?: T` defaults to nil. Parameters after `*` can only be passed by name.

use crate::interp::value::{AsyncNative, SyncNative, Value};
use crate::interp::{Interp, R, fail};
use std::collections::HashMap;
use std::rc::Rc;

/// A built-in method: the receiver and the checked arguments (every declared
/// parameter, defaults filled in; a rest parameter's values follow).
pub type MethodImpl = fn(&Interp, &Value, &[Value]) -> R<Value>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Any,
    Int,
    Float,
    Num,
    Bool,
    Str,
    Bytes,
    /// String or Bytes
    Data,
    List,
    Dict,
    Set,
    Tuple,
    Func,
    Iterable,
    Task,
    Type,
}

impl Ty {
    fn parse(s: &str) -> Option<Ty> {
        Some(match s {
            "any" => Ty::Any,
            "i64" => Ty::Int,
            "f64" => Ty::Float,
            "num" => Ty::Num,
            "bool" => Ty::Bool,
            "String" => Ty::Str,
            "Bytes" => Ty::Bytes,
            "data" => Ty::Data,
            "List" => Ty::List,
            "Dict" => Ty::Dict,
            "Set" => Ty::Set,
            "Tuple" => Ty::Tuple,
            "Function" => Ty::Func,
            "Iterable" => Ty::Iterable,
            "Task" => Ty::Task,
            "Type" => Ty::Type,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Ty::Any => "any value",
            Ty::Int => "an int",
            Ty::Float => "a float",
            Ty::Num => "a number",
            Ty::Bool => "a bool",
            Ty::Str => "a String",
            Ty::Bytes => "Bytes",
            Ty::Data => "a String or Bytes",
            Ty::List => "a List",
            Ty::Dict => "a Dict",
            Ty::Set => "a Set",
            Ty::Tuple => "a Tuple",
            Ty::Func => "a function",
            Ty::Iterable => "an iterable",
            Ty::Task => "a Task",
            Ty::Type => "a type",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match (self, v) {
            (Ty::Any, _) => true,
            (Ty::Int, Value::Int(_)) | (Ty::Float, Value::Float(_)) | (Ty::Bool, Value::Bool(_)) => true,
            (Ty::Num, Value::Int(_) | Value::Float(_)) => true,
            (Ty::Str | Ty::Data, Value::Str(_)) | (Ty::Bytes | Ty::Data, Value::Bytes(_)) => true,
            (Ty::List, Value::List(_)) | (Ty::Dict, Value::Dict(_)) | (Ty::Set, Value::Set(_)) => true,
            (Ty::Tuple, Value::Tuple(_)) | (Ty::Task, Value::Task(_)) | (Ty::Type, Value::Type(_)) => true,
            (Ty::Func, Value::Func(_) | Value::Native(_) | Value::Bound(_) | Value::Type(_)) => true,
            (Ty::Iterable, v) => matches!(
                v,
                Value::List(_)
                    | Value::Tuple(_)
                    | Value::Str(_)
                    | Value::Bytes(_)
                    | Value::Dict(_)
                    | Value::Set(_)
                    | Value::Range(_)
            ),
            (_, Value::Cell(c)) => self.accepts(&c.borrow()),
            _ => false,
        }
    }
}

/// A default value a signature can spell.
#[derive(Clone, Copy, Debug)]
pub enum Default {
    Nil,
    Bool(bool),
    Int(i64),
}

impl Default {
    fn value(self) -> Value {
        match self {
            Default::Nil => Value::Nil,
            Default::Bool(b) => Value::Bool(b),
            Default::Int(i) => Value::Int(i),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
    pub nullable: bool,
    pub default: Option<Default>,
    pub named_only: bool,
}

/// A parsed signature.
#[derive(Clone, Debug)]
pub struct Sig {
    pub name: &'static str,
    pub params: Vec<Param>,
    /// `*rest: T`: any number of further positional arguments
    pub rest: Option<(&'static str, Ty)>,
    /// the signature as written, for docs and messages
    pub text: &'static str,
    /// `Some(n)` when every call with exactly `n` positional arguments fits as it is:
    /// `n` positional parameters of any type and nothing else (`fits_exactly` is then
    /// one compare)
    any_arity: Option<usize>,
    /// Whether the signature is one named-only parameter defaulting to nil followed by
    /// an untyped `*rest` (`max(*values, key?: Function)`): a call with positional
    /// arguments only binds to `[nil, args...]` without checks (`fits_after_nil`).
    nil_then_rest: bool,
}

impl Sig {
    /// Parses a signature; a malformed one is a bug in the registering library.
    pub fn parse(text: &'static str) -> Sig {
        let open = text.find('(').unwrap_or_else(|| panic!("signature without `(`: {text}"));
        let close = text.rfind(')').unwrap_or_else(|| panic!("signature without `)`: {text}"));
        let name = text[..open].trim();
        let inner = &text[open + 1..close];
        let mut sig = Sig { name, params: Vec::new(), rest: None, text, any_arity: None, nil_then_rest: false };
        let mut named_only = false;
        for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "*" {
                named_only = true;
                continue;
            }
            let (head, default) = match part.split_once('=') {
                Some((h, d)) => (h.trim(), Some(parse_default(d.trim(), text))),
                None => (part, None),
            };
            let (pname, ty) = match head.split_once(':') {
                Some((n, t)) => (n.trim(), t.trim()),
                None => (head, "any"),
            };
            let nullable = ty.ends_with('?');
            let ty_name = ty.trim_end_matches('?');
            let ty = Ty::parse(ty_name).unwrap_or_else(|| panic!("unknown type `{ty_name}` in signature {text}"));
            if let Some(rest) = pname.strip_prefix('*') {
                sig.rest = Some((rest, ty));
                named_only = true; // what follows `*rest` can only be passed by name
                continue;
            }
            let optional = pname.ends_with('?');
            let pname = pname.trim_end_matches('?');
            let default = default.or(if optional { Some(Default::Nil) } else { None });
            let nullable = nullable || matches!(default, Some(Default::Nil));
            sig.params.push(Param { name: pname, ty, nullable, default, named_only });
        }
        let all_any = sig.params.iter().all(|p| p.ty == Ty::Any && !p.named_only);
        sig.any_arity = (all_any && sig.rest.is_none()).then_some(sig.params.len());
        sig.nil_then_rest = matches!(sig.rest, Some((_, Ty::Any)))
            && matches!(&sig.params[..], [p] if p.named_only && matches!(p.default, Some(Default::Nil)));
        sig
    }

    fn required(&self) -> usize {
        self.params.iter().filter(|p| p.default.is_none() && !p.named_only).count()
    }

    fn positional_max(&self) -> usize {
        self.params.iter().filter(|p| !p.named_only).count()
    }

    /// Checks arguments against the signature and returns them in parameter order with
    /// defaults filled in (rest arguments after). `what` names the callee in messages
    /// (`xs.sort()`, `min()`), made only for an error message.
    pub fn bind(&self, what: &dyn Fn() -> String, positional: &[Value], named: &[(Rc<str>, Value)]) -> R<Vec<Value>> {
        let max = self.positional_max();
        if positional.len() > max && self.rest.is_none() {
            return fail(self.count_message(&what(), positional.len()));
        }
        if named.is_empty() {
            // (`max(a, b)`, `xs.insert(i, x)`): the positional arguments fill the
            // positional parameters in order (they come first), with no table of which
            // parameter is filled
            let given = (0..self.params.len()).map(|k| positional.get(k).filter(|_| k < max).cloned());
            return self.fill(what, given, positional, max);
        }
        let mut out: Vec<Option<Value>> = vec![None; self.params.len()];
        for (slot, v) in out.iter_mut().zip(positional.iter().take(max)) {
            *slot = Some(v.clone());
        }
        for (name, v) in named {
            let Some(i) = self.params.iter().position(|p| p.name == &**name) else {
                return fail(format!("{} got an unexpected named argument `{name}`", what()));
            };
            if out[i].is_some() {
                return fail(format!("{} got two values for argument `{name}`", what()));
            }
            out[i] = Some(v.clone());
        }
        self.fill(what, out.into_iter(), positional, max)
    }

    /// The bound arguments: each parameter's given value (`given`, in parameter order)
    /// or its default, type-checked, then the values past the positional parameters for
    /// a `*rest` parameter.
    fn fill(
        &self,
        what: &dyn Fn() -> String,
        given: impl Iterator<Item = Option<Value>>,
        positional: &[Value],
        max: usize,
    ) -> R<Vec<Value>> {
        let mut args = Vec::with_capacity(self.params.len() + positional.len().saturating_sub(max));
        for (p, v) in self.params.iter().zip(given) {
            let v = match (v, p.default) {
                (Some(v), _) => v,
                (None, Some(d)) => d.value(),
                (None, None) => {
                    return fail(format!("{} is missing the argument `{}` (takes {})", what(), p.name, self.shape()));
                }
            };
            check_type(what, p.name, p.ty, p.nullable, &v)?;
            args.push(v);
        }
        if let Some((name, ty)) = self.rest {
            for v in positional.iter().skip(max) {
                check_type(what, name, ty, false, v)?;
                args.push(v.clone());
            }
        }
        Ok(args)
    }

    /// The fast path: exactly the positional parameters, no names, no defaults.
    #[inline]
    pub fn fits_exactly(&self, positional: &[Value]) -> bool {
        if let Some(n) = self.any_arity {
            return positional.len() == n;
        }
        self.rest.is_none()
            && positional.len() == self.params.len()
            && self
                .params
                .iter()
                .zip(positional)
                .all(|(p, v)| !p.named_only && (p.ty.accepts(v) || p.nullable && matches!(v, Value::Nil)))
    }

    /// Whether positional arguments bind as `[nil, args...]` (see `nil_then_rest`).
    #[inline]
    pub fn fits_after_nil(&self) -> bool {
        self.nil_then_rest
    }

    fn shape(&self) -> String {
        let open = self.text.find('(').unwrap_or(0);
        let close = self.text.rfind(')').unwrap_or(self.text.len());
        format!("({})", &self.text[open + 1..close])
    }

    fn count_message(&self, what: &str, given: usize) -> String {
        let (min, max) = (self.required(), self.positional_max());
        let takes = match (min, max) {
            (0, 0) => "no arguments".to_string(),
            (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
            (a, b) => format!("{a} to {b} arguments"),
        };
        let named: Vec<&str> = self.params.iter().filter(|p| p.named_only).map(|p| p.name).collect();
        let hint = if named.is_empty() {
            String::new()
        } else {
            format!("; pass {} by name, e.g. `{}: ...`", named.join(" and "), named[0])
        };
        format!("{what} takes {takes} but {given} {} given{hint}", if given == 1 { "was" } else { "were" })
    }
}

fn parse_default(d: &str, text: &str) -> Default {
    match d {
        "nil" => Default::Nil,
        "true" => Default::Bool(true),
        "false" => Default::Bool(false),
        n => Default::Int(n.parse().unwrap_or_else(|_| panic!("bad default `{n}` in signature {text}"))),
    }
}

fn check_type(what: &dyn Fn() -> String, name: &str, ty: Ty, nullable: bool, v: &Value) -> R<()> {
    if ty.accepts(v) || (nullable && matches!(v, Value::Nil)) {
        return Ok(());
    }
    fail(format!("{} argument `{name}` must be {}, got {}", what(), ty.name(), v.type_name()))
}

/// How a function entry runs.
#[derive(Clone, Copy)]
pub enum Callable {
    Sync(SyncNative),
    /// returns a future; called without `await` it becomes a Task
    Async(AsyncNative),
}

pub struct FnEntry {
    /// the module it belongs to (`None`: the prelude)
    pub module: Option<&'static str>,
    pub sig: Sig,
    pub doc: &'static str,
    pub imp: Callable,
}

/// How a method runs.
#[derive(Clone, Copy)]
pub enum MethodFn {
    Sync(MethodImpl),
    /// an async method: the native gets the receiver first, then the arguments
    Async(AsyncNative),
}

pub struct MethodEntry {
    /// the receiver's type name (`Value::type_tag`): `String`, `List`, `TcpStream`, ...
    pub ty: &'static str,
    pub sig: Sig,
    pub doc: &'static str,
    pub imp: MethodFn,
}

/// A constant a module exports (`math::pi`).
#[derive(Clone, Copy)]
pub enum Const {
    Float(f64),
    Int(i64),
}

pub struct ConstEntry {
    pub module: &'static str,
    pub name: &'static str,
    pub doc: &'static str,
    pub value: Const,
}

pub struct ModuleEntry {
    /// dotted name: `net`, `net.tcp`, `math`
    pub name: &'static str,
    pub doc: &'static str,
    /// the module's Simple source, if it has one (its `extern fn`s bind to natives)
    pub source: Option<&'static str>,
    /// prelude names the module re-exports (`net` re-exports `sleep`, `spawn`, ...)
    pub reexports: &'static [&'static str],
}

/// Everything built in. Built once per process (`program::registry`), immutable after.
#[derive(Default)]
pub struct Registry {
    pub functions: Vec<FnEntry>,
    pub methods: Vec<MethodEntry>,
    pub consts: Vec<ConstEntry>,
    pub modules: Vec<ModuleEntry>,
    /// `extern fn` targets by qualified name (`init_runtime`, `TcpStream::read`)
    pub natives: HashMap<&'static str, Callable>,
    /// (type, method) → index in `methods` (Fx: looked up on every native method call
    /// whose site has not cached it; the keys are our own names, not input)
    method_index: HashMap<(&'static str, &'static str), usize, crate::interp::dict::FxBuild>,
    /// the value `timeout` gives when time runs out (a library defines its error type)
    pub timeout_error: Option<fn(&Interp) -> R<Value>>,
    /// run when a program has finished (the spec DSL prints its summary); a hook may
    /// ask for an exit code (1 when examples failed)
    pub at_end: Vec<fn(&Interp) -> Option<i32>>,
}

impl Registry {
    /// A prelude function (visible in every module).
    pub fn function(&mut self, sig: &'static str, doc: &'static str, imp: SyncNative) {
        self.functions.push(FnEntry { module: None, sig: Sig::parse(sig), doc, imp: Callable::Sync(imp) });
    }

    pub fn async_function(&mut self, sig: &'static str, doc: &'static str, imp: AsyncNative) {
        self.functions.push(FnEntry { module: None, sig: Sig::parse(sig), doc, imp: Callable::Async(imp) });
    }

    /// A function of a std module (`math::sqrt`), or a type's associated function when
    /// `module` names a built-in type (`Bytes`, `String`).
    pub fn module_function(&mut self, module: &'static str, sig: &'static str, doc: &'static str, imp: Callable) {
        self.functions.push(FnEntry { module: Some(module), sig: Sig::parse(sig), doc, imp });
    }

    pub fn constant(&mut self, module: &'static str, name: &'static str, doc: &'static str, value: Const) {
        self.consts.push(ConstEntry { module, name, doc, value });
    }

    /// A method of a built-in or native type.
    pub fn method(&mut self, ty: &'static str, sig: &'static str, doc: &'static str, imp: MethodImpl) {
        self.add_method(ty, sig, doc, MethodFn::Sync(imp));
    }

    /// An async method (`ch.recv()`): the native gets the receiver first.
    pub fn async_method(&mut self, ty: &'static str, sig: &'static str, doc: &'static str, imp: AsyncNative) {
        self.add_method(ty, sig, doc, MethodFn::Async(imp));
    }

    fn add_method(&mut self, ty: &'static str, sig: &'static str, doc: &'static str, imp: MethodFn) {
        let sig = Sig::parse(sig);
        self.method_index.insert((ty, sig.name), self.methods.len());
        self.methods.push(MethodEntry { ty, sig, doc, imp });
    }

    /// The index of a method entry (for the interpreter's per-method value cache).
    pub fn method_index(&self, ty: &str, name: &str) -> Option<usize> {
        self.method_index.get(&(ty, name)).copied()
    }

    /// The method a value of built-in type `ty` has by that name: its type's own, else
    /// one every value has (`"*"`).
    pub fn builtin_method_index(&self, ty: &str, name: &str) -> Option<usize> {
        self.method_index(ty, name).or_else(|| self.method_index("*", name))
    }

    /// Shorthands for `extern fn` targets.
    pub fn sync(&mut self, qualified: &'static str, imp: SyncNative) {
        self.native(qualified, Callable::Sync(imp));
    }
    pub fn async_(&mut self, qualified: &'static str, imp: AsyncNative) {
        self.native(qualified, Callable::Async(imp));
    }

    pub fn module(&mut self, entry: ModuleEntry) {
        self.modules.push(entry);
    }

    /// The target of `extern fn name` in a std source.
    pub fn native(&mut self, qualified: &'static str, imp: Callable) {
        self.natives.insert(qualified, imp);
    }

    pub fn find_module(&self, name: &str) -> Option<&ModuleEntry> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// Method names of a type, for completion and "did you mean".
    pub fn method_names(&self, ty: &str) -> impl Iterator<Item = &'static str> + use<'_> {
        let ty = ty.to_string();
        self.methods.iter().filter(move |m| m.ty == ty || m.ty == "*").map(|m| m.sig.name)
    }

    pub fn prelude(&self) -> impl Iterator<Item = &FnEntry> {
        self.functions.iter().filter(|f| f.module.is_none())
    }

    pub fn module_functions<'a>(&'a self, module: &str) -> impl Iterator<Item = &'a FnEntry> + use<'a> {
        let module = module.to_string();
        self.functions.iter().filter(move |f| f.module == Some(module.as_str()))
    }

    pub fn module_consts<'a>(&'a self, module: &str) -> impl Iterator<Item = &'a ConstEntry> + use<'a> {
        let module = module.to_string();
        self.consts.iter().filter(move |c| c.module == module)
    }

    /// A Markdown page listing everything registered (`simple doc`; docs/builtins.md).
    /// Std modules written in Simple are listed from their source: every `pub`
    /// declaration with the comment lines just above it.
    pub fn markdown(&self) -> String {
        use std::fmt::Write;
        let mut out = String::from(
            "# Built-in reference\n\nGenerated by `simple doc` from the registry (the one declaration each \
             built-in has: its signature is what calls are checked against). `tests/docs.rs` keeps this \
             file in step; `BLESS=1 cargo test --test docs` rewrites it.\n\nIn signatures, `*` ends the \
             positional parameters (those after it are named only), `T?` accepts nil, `= v` is a \
             default, `*name` takes the rest; `num` is an int or a float, `data` a String or Bytes, `Iterable` anything a `for` loop accepts.\n",
        );
        let _ = writeln!(out, "\n## Functions\n");
        for f in self.prelude() {
            let _ = writeln!(out, "- `{}` — {}", f.sig.text, f.doc);
        }
        let mut types: Vec<&str> = self.methods.iter().map(|m| m.ty).collect();
        types.dedup();
        for ty in types {
            let _ = writeln!(out, "\n## Methods of {ty}\n");
            for m in self.methods.iter().filter(|m| m.ty == ty) {
                let _ = writeln!(out, "- `{}` — {}", m.sig.text, m.doc);
            }
        }
        for m in &self.modules {
            let _ = writeln!(out, "\n## Module `{}`\n\n{}\n", m.name, m.doc);
            out.push_str(&source_outline(m.source.unwrap_or("")));
            for f in self.module_functions(m.name) {
                let _ = writeln!(out, "- `{}::{}` — {}", m.name, f.sig.text, f.doc);
            }
            for c in self.module_consts(m.name) {
                let _ = writeln!(out, "- `{}::{}` — {}", m.name, c.name, c.doc);
            }
        }
        out
    }
}

impl Registry {
    /// The std module a program imports `name` from — the shortest dotted name that
    /// declares or re-exports it (`TcpListener` → `net`) — for "add an import" hints.
    pub fn std_home(&self, name: &str) -> Option<&'static str> {
        self.modules
            .iter()
            .filter(|m| match m.source {
                Some(src) => offers(src, name),
                None => self.module_functions(m.name).any(|f| f.sig.name == name),
            })
            .map(|m| m.name)
            .min_by_key(|n| (n.len(), *n))
    }
}

/// Whether a std module's source declares `name` as `pub` (at the top level) or imports
/// it by name (a re-export).
fn offers(source: &str, name: &str) -> bool {
    fn words(s: &str) -> impl Iterator<Item = &str> {
        s.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
    }
    source.lines().any(|line| {
        if let Some(decl) = line.strip_prefix("pub ") {
            let keywords = ["extern", "async", "static", "fn", "struct", "enum", "class", "trait", "let", "const"];
            words(decl).find(|w| !keywords.contains(w)) == Some(name)
        } else if line.starts_with("import ")
            && let Some((_, items)) = line.split_once('{')
        {
            words(items).any(|w| w == name)
        } else {
            false
        }
    })
}

/// The `pub` declarations of a std module's Simple source, one list item each, with the
/// comment lines just above it as the description.
fn source_outline(source: &str) -> String {
    let mut out = String::new();
    let mut comment: Vec<&str> = Vec::new();
    for line in source.lines() {
        let t = line.trim();
        if let Some(c) = t.strip_prefix('#') {
            comment.push(c.trim());
            continue;
        }
        if let Some(decl) = t.strip_prefix("pub ") {
            // `extern` says where the body is, which the reader does not need
            let decl = decl.trim_end_matches(':').trim_start_matches("extern ");
            let indent = if line.starts_with(' ') { "  " } else { "" };
            let doc = comment.join(" ");
            let sep = if doc.is_empty() { "" } else { " — " };
            out.push_str(&format!("{indent}- `{decl}`{sep}{doc}\n"));
        }
        comment.clear();
    }
    out
}
