//! Reaching into values, shared by both evaluators: fields (`p.x`, also zero-argument
//! methods called without parentheses), members of types and modules (`Color::Red`,
//! `Point.origin`), indexing with negative indexes, slices `xs[a:b:c]` and slice
//! assignment, and struct construction.

use super::call::Args;
use super::dict::check_key;
use super::value::*;
use super::{Ctrl, Interp, R, fail};
use crate::syntax::ast::{BinOp, Ident, SiteCache};
use std::rc::Rc;

/// Resolves a possibly negative index against `len` (`-1` is the last element).
#[inline]
pub fn checked_index(n: i64, len: usize, what: &str) -> R<usize> {
    let k = if n < 0 { n.checked_add(len as i64) } else { Some(n) };
    match k {
        Some(k) if k >= 0 && (k as u64) < len as u64 => Ok(k as usize),
        _ => index_error(n, len, what),
    }
}

#[cold]
#[inline(never)]
fn index_error(n: i64, len: usize, what: &str) -> R<usize> {
    fail(format!("index {n} out of range for {what} of length {len}"))
}

pub fn byte_of(v: &Value) -> R<u8> {
    match v {
        Value::Int(i) if (0..=255).contains(i) => Ok(*i as u8),
        Value::Int(i) => fail(format!("byte value {i} out of range 0..=255")),
        other => fail(format!("a byte must be an int, got {}", other.type_name())),
    }
}

/// The positions a stepped slice selects, counted out (no vector of indexes).
#[derive(Clone, Copy, Debug)]
pub struct SlicePositions {
    next: i64,
    step: i64,
    left: usize,
}

impl Iterator for SlicePositions {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let at = self.next;
        // past the last position this may leave the range; it is never used then
        self.next = self.next.wrapping_add(self.step);
        Some(at as usize)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for SlicePositions {}

/// The positions a slice `[start:end:step]` selects from a sequence of length `len`,
/// with Python's clamping of out-of-range bounds.
pub fn slice_indices(start: Option<i64>, end: Option<i64>, step: Option<i64>, len: usize) -> R<SlicePositions> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return fail("slice step cannot be zero");
    }
    let len = len as i64;
    let clamp = |v: i64, lo: i64, hi: i64| {
        let v = if v < 0 { v.saturating_add(len) } else { v };
        v.clamp(lo, hi)
    };
    let (a, b) = if step > 0 {
        (start.map_or(0, |v| clamp(v, 0, len)), end.map_or(len, |v| clamp(v, 0, len)))
    } else {
        (start.map_or(len - 1, |v| clamp(v, -1, len - 1)), end.map_or(-1, |v| clamp(v, -1, len - 1)))
    };
    // how many of a, a + step, ... lie before b (both within -1..=len, so no overflow)
    let span = if step > 0 { b - a } else { a - b };
    let left = if span > 0 { ((span - 1) as u64 / step.unsigned_abs() + 1) as usize } else { 0 };
    Ok(SlicePositions { next: a, step, left })
}

/// A contiguous slice `[a, b)` when the step is 1 (the common, cheap case).
#[inline]
fn contiguous(start: Option<i64>, end: Option<i64>, len: usize) -> (usize, usize) {
    let n = len as i64;
    let fix = |v: i64| (if v < 0 { v.saturating_add(n) } else { v }).clamp(0, n) as usize;
    let a = start.map_or(0, fix);
    let b = end.map_or(len, fix);
    (a, b.max(a))
}

/// A slice bound as given: an int, or nil where it was left out. (Inline: a slice
/// takes three, each a few instructions; the error is out of line.)
#[inline]
fn slice_bound(v: &Value, what: &str) -> R<Option<i64>> {
    match v {
        Value::Nil => Ok(None),
        Value::Int(i) => Ok(Some(*i)),
        other => bad_slice_bound(other, what),
    }
}

#[cold]
fn bad_slice_bound(v: &Value, what: &str) -> R<Option<i64>> {
    fail(format!("slice {what} must be an int, got {}", v.type_name()))
}

impl Interp {
    /// `v.name` through the site's inline cache: a struct's field by its slot when the
    /// struct's type is the one this site saw last; otherwise as `field` (and remembered).
    /// The hit is a few instructions inline at the node; everything else is out of line
    /// (`field_miss`), which keeps the hit path's stack frame small.
    #[inline]
    pub fn field_at(&self, v: &Value, name: &Ident, cache: &SiteCache) -> R<Value> {
        // the hit test is written out here and in `peek_field_at`: sharing it (a helper
        // returning the borrowed field) costs 0.7% more instructions on richards
        if let Value::Struct(s) = v
            && cache.key.get() == struct_key(s, FIELD)
            && let Some(x) = s.fields.borrow().get(cache.slot.get() as usize)
        {
            return Ok(x.clone());
        }
        self.field_miss(v, name, cache)
    }

    /// What `look` makes of `v.name`, the field looked at where it lies (no clone) on a
    /// cache hit: `if self.flag`, `p.link is nil`.
    #[inline]
    pub fn peek_field_at<T>(&self, v: &Value, name: &Ident, cache: &SiteCache, look: impl FnOnce(&Value) -> T) -> R<T> {
        if let Value::Struct(s) = v
            && cache.key.get() == struct_key(s, FIELD)
            && let Some(x) = s.fields.borrow().get(cache.slot.get() as usize)
        {
            return Ok(look(x));
        }
        Ok(look(&self.field_miss(v, name, cache)?))
    }

    #[cold]
    #[inline(never)]
    fn field_miss(&self, v: &Value, name: &Ident, cache: &SiteCache) -> R<Value> {
        if let Value::Struct(s) = v
            && let Some(i) = field_slot(s, name, cache)
        {
            return Ok(s.fields.borrow()[i].clone());
        }
        self.field(v, name)
    }

    /// `v.name = new` through the site's inline cache (see `field_at`).
    #[inline]
    pub fn set_field_at(&self, v: &Value, name: &Ident, cache: &SiteCache, new: Value) -> R<()> {
        if let Value::Struct(s) = v
            && cache.key.get() == struct_key(s, FIELD)
            && let Some(x) = s.fields.borrow_mut().get_mut(cache.slot.get() as usize)
        {
            *x = new;
            return Ok(());
        }
        self.set_field_miss(v, name, cache, new)
    }

    /// `obj.name op= k` on an int field with an int `k`, or a float field with a float
    /// `k`, in place, when the site's cache holds the field (`r.count += 1`,
    /// `b.vx -= dx * m`): what `binary_values` gives for two ints or two floats, without
    /// reading the field out and storing it back. `None`: not that case.
    #[inline]
    pub fn update_num_field(&self, obj: &Value, cache: &SiteCache, op: BinOp, k: &Value) -> Option<R<()>> {
        if let Value::Struct(s) = obj
            && cache.key.get() == struct_key(s, FIELD)
            && let Some(x) = s.fields.borrow_mut().get_mut(cache.slot.get() as usize)
        {
            return match (&*x, k) {
                (&Value::Int(old), &Value::Int(k)) => Some(super::ops::int_op(op, old, k).map(|v| *x = v)),
                (&Value::Float(old), &Value::Float(k)) => super::ops::float_fast(op, old, k).map(|v| {
                    *x = v;
                    Ok(())
                }),
                _ => None,
            };
        }
        None
    }

    /// `xs[i] op= k` / `d[key] op= k` with an int `k`, in place when the item is there
    /// and is an int: one index check or one hash lookup instead of a read and a store
    /// (`counts[word] += 1`). `None` when it does not apply (the caller reads and
    /// stores); an index out of range or a missing key also falls back, for their errors.
    pub fn update_int_item(&self, container: &Value, index: &Value, op: BinOp, k: i64) -> Option<R<()>> {
        let update = |x: &mut Value| match *x {
            Value::Int(old) => Some(super::ops::int_op(op, old, k).map(|v| *x = v)),
            _ => None,
        };
        match (container, index) {
            (Value::List(l), Value::Int(n)) => {
                let mut l = l.borrow_mut();
                let len = l.len();
                let i = checked_index(*n, len, "List").ok()?;
                update(&mut l[i])
            }
            (Value::Dict(d), _) => update(d.borrow_mut().get_mut(index)?),
            _ => None,
        }
    }

    #[cold]
    #[inline(never)]
    fn set_field_miss(&self, v: &Value, name: &Ident, cache: &SiteCache, new: Value) -> R<()> {
        if let Value::Struct(s) = v
            && let Some(i) = field_slot(s, name, cache)
        {
            s.fields.borrow_mut()[i] = new;
            return Ok(());
        }
        self.set_field(v, name, new)
    }

    /// A method of a value, as `find_method`, through the site's inline cache for the
    /// methods of user structs and enums.
    #[inline]
    pub fn method_at(&self, recv: &Value, name: &str, cache: &SiteCache) -> Option<Value> {
        if let Value::Struct(s) = recv
            && cache.key.get() == struct_key(s, METHOD)
        {
            return Some(s.def.members.borrow().at(cache.slot.get()));
        }
        self.method_miss(recv, name, cache)
    }

    /// `method_at` when the method is to be called: the function alone, if it is one
    /// (a hit clones only its `Rc`, no `Value` to clone and drop). The hit test is
    /// `method_at`'s, written out for the same reason as `field_at`'s.
    #[inline]
    pub fn method_closure_at(&self, recv: &Value, name: &str, cache: &SiteCache) -> Option<Rc<Closure>> {
        if let Value::Struct(s) = recv
            && cache.key.get() == struct_key(s, METHOD)
        {
            return s.def.members.borrow().closure_at(cache.slot.get());
        }
        match self.method_miss(recv, name, cache)? {
            Value::Func(c) => Some(c),
            _ => None,
        }
    }

    /// The user method a call on struct instance `s` runs, when the site's cache holds
    /// it (the lowered call's first test: no `Value` matched or cloned on the way).
    #[inline]
    pub fn struct_method_hit(&self, s: &StructValue, cache: &SiteCache) -> Option<Rc<Closure>> {
        if cache.key.get() != struct_key(s, METHOD) {
            return None;
        }
        s.def.members.borrow().closure_at(cache.slot.get())
    }

    /// The method a call with `n` arguments on struct instance `sv` goes straight to, from
    /// the site's cache. The cache remembers the closure's address once it has found it, so
    /// a hit is the key test and a count increment: no walk from the type through its
    /// members to the closure and its declaration (a chain of dependent loads that was a
    /// tenth of richards' time).
    #[inline]
    pub fn direct_method_hit(&self, sv: &StructValue, cache: &SiteCache, n: usize) -> Option<Rc<Closure>> {
        if cache.key.get() == struct_key(sv, METHOD) {
            let p = cache.callee.get() as *const Closure;
            if !p.is_null() && cache.epoch.get() == member_epoch() {
                // SAFETY: the key matches, so `sv`'s type (which `sv` keeps alive) is the
                // one the address was found in, and no type has replaced a member since
                // (`TypeDef::set_member`): its members still hold the closure. The count
                // taken here keeps it alive for the call even if the call replaces it.
                return Some(unsafe {
                    Rc::increment_strong_count(p);
                    Rc::from_raw(p)
                });
            }
        }
        let c = self.struct_method_hit(sv, cache)?;
        if !c.decl.direct_method_call(n) {
            return None;
        }
        cache.callee.set(Rc::as_ptr(&c) as *const ());
        cache.epoch.set(member_epoch());
        Some(c)
    }

    /// The async native an awaited method call runs, when the site's cache holds it: a
    /// registered async method of a native object (`await ch.recv()`), or an `async
    /// extern fn` of a struct (`await stream.read(buf, n)`: the std's socket and file
    /// types are structs around a native handle). Its function and signature; nothing
    /// is cloned.
    #[inline]
    pub fn async_native_hit(
        &self,
        recv: &Value,
        cache: &SiteCache,
    ) -> Option<(super::value::AsyncNative, Option<&'static crate::registry::Sig>)> {
        match recv {
            // the std's socket and file types: structs whose methods are `async extern fn`s
            Value::Struct(s) if cache.key.get() == struct_key(s, METHOD) => {
                s.def.members.borrow().async_native_at(cache.slot.get())
            }
            Value::Object(_) => {
                let entry = self.native_method_hit(recv, cache)?;
                match entry.imp {
                    crate::registry::MethodFn::Async(fun) => Some((fun, Some(&entry.sig))),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The registered method of a native object (`ch.send(x)`, an expectation's
    /// matchers) that the site's cache holds, on a hit: no method value is made or
    /// cloned for the call.
    #[inline]
    pub fn native_method_hit(&self, recv: &Value, cache: &SiteCache) -> Option<&'static crate::registry::MethodEntry> {
        match recv {
            Value::Object(o) if cache.key.get() == native_key(o.type_name()) => {
                Some(&self.registry.methods[cache.slot.get() as usize])
            }
            _ => None,
        }
    }

    #[inline(never)]
    fn method_miss(&self, recv: &Value, name: &str, cache: &SiteCache) -> Option<Value> {
        let def = match recv {
            Value::Struct(s) => &s.def,
            Value::Enum(e) => &e.def,
            Value::Object(o) => {
                // a native type is known by its (static) type name
                let key = native_key(o.type_name());
                if cache.key.get() == key {
                    return Some(self.registered_method_at(cache.slot.get() as usize));
                }
                let index = self.registry.method_index(o.type_name(), name)?;
                remember_key(cache, key, index as u32);
                return Some(self.registered_method_at(index));
            }
            _ => return self.find_method(recv, name),
        };
        let members = def.members.borrow();
        if cache.key.get() == site_key(def, METHOD) {
            return Some(members.at(cache.slot.get()));
        }
        let slot = members.slot_of(name)?;
        remember_key(cache, site_key(def, METHOD), slot);
        Some(members.at(slot))
    }

    /// Item `name` of module `m` through the site's cache (`math.sqrt(x)`): an item's
    /// global slot never changes, and a loaded module is never freed, so its address
    /// keys it (kind bits 0, which no type key uses).
    pub fn module_item_at(&self, m: &super::module::Module, name: &str, cache: &SiteCache) -> R<Value> {
        let key = (Rc::as_ptr(&m.scope) as u64) << 2;
        if cache.key.get() == key {
            return Ok(self.global(cache.slot.get()));
        }
        let g = m.global_of(name)?;
        remember_key(cache, key, g);
        Ok(self.global(g))
    }

    pub fn field(&self, v: &Value, name: &Ident) -> R<Value> {
        match v {
            Value::Struct(s) => match s.def.field_index(&name.name) {
                Some(i) => Ok(s.fields.borrow()[i].clone()),
                None => self.method_without_parens(v, name),
            },
            Value::Tuple(items) => match name.name.parse::<usize>() {
                Ok(i) if i < items.len() => Ok(items[i].clone()),
                Ok(_) => fail(format!("no field `{}` on a tuple of length {}", name.name, items.len())),
                Err(_) => self.method_without_parens(v, name),
            },
            Value::Enum(e) => match enum_field(e, &name.name) {
                Some(i) => Ok(e.fields[i].clone()),
                None => self.method_without_parens(v, name),
            },
            // `Point.origin`, `Color.Red`, `net.TcpStream`: `.` works like `::`
            Value::Type(_) | Value::Module(_) => self.member(v, name),
            Value::Object(o) => match o.field(&name.name) {
                Some(f) => Ok(f),
                None => self.method_without_parens(v, name),
            },
            _ => self.method_without_parens(v, name),
        }
    }

    /// `xs.len`, `s.trim.upper`: a zero-argument method called without parentheses. A
    /// user method that takes arguments gives the bound method instead.
    fn method_without_parens(&self, v: &Value, name: &Ident) -> R<Value> {
        if let Some(m) = self.find_method(v, &name.name) {
            let takes_args = match &m {
                Value::Func(c) => !c.decl.params.iter().all(|p| p.default.is_some()),
                _ => false,
            };
            if takes_args || matches!(&m, Value::Func(c) if c.decl.is_async) {
                return Ok(Value::Bound(Rc::new((v.clone(), m))));
            }
            return self.call_member(&m, v.clone(), Args::default(), name.span);
        }
        if self.registry.builtin_method_index(v.type_tag(), &name.name).is_some() {
            return self.call_builtin_method(v, &name.name, &[], &[]);
        }
        let hint = crate::diag::did_you_mean(&name.name, self.member_names(v).iter().map(|s| s.as_str()));
        match v {
            Value::Struct(s) => fail(format!("`{}` has no field or method `{}`{hint}", s.def.name, name.name)),
            other => fail(format!("a value of type {} has no field `{}`{hint}", other.type_name(), name.name)),
        }
    }

    /// Field and method names of a value, for "did you mean" hints.
    pub fn member_names(&self, v: &Value) -> Vec<String> {
        let mut names: Vec<String> = self.registry.method_names(v.type_tag()).map(str::to_string).collect();
        match v {
            Value::Struct(s) => {
                names.extend(s.def.fields.iter().map(|f| f.to_string()));
                names.extend(s.def.members.borrow().keys().map(|k| k.to_string()));
            }
            Value::Enum(e) => names.extend(e.def.members.borrow().keys().map(|k| k.to_string())),
            _ => {}
        }
        names
    }

    fn set_field(&self, v: &Value, name: &Ident, new: Value) -> R<()> {
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
            None => super::builtins::make_variant(t, i as u32, Vec::new()),
            Some(_) => Value::Native(Rc::new(NativeFn {
                name: t.variants[i].0.clone(),
                kind: NativeKind::Sync(|_, _| fail("internal error: variant constructor called without its type")),
                sig: None,
                variant_of: Some((t.clone(), i as u32)),
            })),
        }
    }

    /// `v[i]`: a list read at a non-negative index inline, everything else out of line.
    #[inline]
    pub fn index(&self, v: &Value, i: &Value) -> R<Value> {
        if let (Value::List(l), Value::Int(n)) = (v, i)
            && let Ok(k) = usize::try_from(*n)
            && let Some(x) = l.borrow().get(k)
        {
            return Ok(x.clone());
        }
        self.index_any(v, i)
    }

    #[inline(never)]
    fn index_any(&self, v: &Value, i: &Value) -> R<Value> {
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
                let k = checked_index(*n, s.char_len(), "String")?;
                Ok(self.char_value(s.char_at(k).unwrap_or(' ')))
            }
            (Value::Dict(d), k) => match d.borrow().get(k) {
                Some(v) => Ok(v.clone()),
                None => fail(format!("key {} not found in Dict", k.repr())),
            },
            (Value::Range(r), Value::Int(n)) => {
                let len = super::iter::range_len(r.0, r.1, r.2)?;
                let k = checked_index(*n, len, "Range")?;
                Ok(Value::Int(r.0 + k as i64 * r.2))
            }
            // `xs[1..3]`, `s[0..=2]`: a range index is the slice it spans
            (Value::List(_) | Value::Tuple(_) | Value::Bytes(_) | Value::Str(_), Value::Range(r)) => {
                self.slice(v, &Value::Int(r.0), &Value::Int(r.1), &Value::Int(r.2))
            }
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

    /// `v[start:end:step]` (each part may be nil: left out).
    pub fn slice(&self, v: &Value, start: &Value, end: &Value, step: &Value) -> R<Value> {
        let (a, b, s) = (slice_bound(start, "start")?, slice_bound(end, "end")?, slice_bound(step, "step")?);
        let contiguous_step = s.is_none_or(|s| s == 1);
        match v {
            Value::Str(st) if contiguous_step => {
                let n = st.char_len();
                let (x, y) = contiguous(a, b, n);
                if x == 0 && y == n {
                    // the whole string: strings are immutable to the program (`+=`
                    // appends in place only to one nothing else holds), so it is shared
                    return Ok(v.clone());
                }
                let part = st.char_slice(x, y);
                if part.len() == 1 {
                    // one byte is one ASCII character: the shared string, as `s[i]` gives
                    return Ok(self.char_value(part.as_bytes()[0] as char));
                }
                Ok(Value::str(part))
            }
            Value::Str(st) => {
                let chars: Vec<char> = st.s.chars().collect();
                Ok(Value::str(slice_indices(a, b, s, chars.len())?.into_iter().map(|i| chars[i]).collect::<String>()))
            }
            Value::List(l) => Ok(Value::list(pick(&l.borrow(), a, b, s)?)),
            Value::Tuple(t) => Ok(Value::tuple(pick(t, a, b, s)?)),
            Value::Bytes(bytes) => Ok(Value::bytes(pick_bytes(&bytes.borrow(), a, b, s)?)),
            Value::Range(r) => {
                let items: Vec<i64> = super::iter::range_values(r.0, r.1, r.2)?;
                Ok(Value::list(pick(&items, a, b, s)?.into_iter().map(Value::Int).collect()))
            }
            other => fail(format!("a value of type {} cannot be sliced", other.type_name())),
        }
    }

    /// `xs[a:b] = ys` (with a step, `ys` must have exactly as many items as the slice).
    pub fn set_slice(&self, v: &Value, start: &Value, end: &Value, step: &Value, new: Value) -> R<()> {
        let Value::List(l) = v else {
            return fail(format!("a value of type {} does not support slice assignment", v.type_name()));
        };
        let (a, b, s) = (slice_bound(start, "start")?, slice_bound(end, "end")?, slice_bound(step, "step")?);
        let items: Vec<Value> = self.collect(new)?;
        let mut list = l.borrow_mut();
        if s.is_none_or(|s| s == 1) {
            let (x, y) = contiguous(a, b, list.len());
            if y - x == items.len() {
                // same length: the items are replaced where they are (no splice to set up)
                // (the items replaced are mostly ints: `put` drops them inline)
                for (slot, item) in list[x..y].iter_mut().zip(items) {
                    Value::put(slot, item);
                }
            } else {
                list.splice(x..y, items);
            }
            return Ok(());
        }
        let positions = slice_indices(a, b, s, list.len())?;
        if positions.len() != items.len() {
            return fail(format!(
                "attempt to assign a sequence of size {} to an extended slice of size {}",
                items.len(),
                positions.len()
            ));
        }
        for (p, item) in positions.into_iter().zip(items) {
            list[p] = item;
        }
        Ok(())
    }

    /// Whether a literal naming `fields` in this order can fill a struct of type `def`
    /// by position: a struct (not an enum) without field defaults whose fields are
    /// exactly these, in declaration order.
    pub fn fields_in_order<'a>(def: &TypeDef, fields: impl ExactSizeIterator<Item = &'a Ident>) -> bool {
        !def.is_enum()
            && def.defaults.iter().all(Option::is_none)
            && def.fields.len() == fields.len()
            && fields.zip(&def.fields).all(|(n, d)| *n.name == **d)
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
        self.finish_struct(&def, fields)
    }

    /// Fills left-out fields from their defaults; a field without one is an error.
    pub fn finish_struct(&self, def: &Rc<TypeDef>, fields: Vec<Option<Value>>) -> R<Value> {
        let mut out = Vec::with_capacity(fields.len());
        for (i, v) in fields.into_iter().enumerate() {
            match (v, def.defaults.get(i).and_then(|d| d.as_ref())) {
                (Some(v), _) => out.push(v),
                (None, Some(default)) => out.push(self.call_value(default, Args::default(), Default::default())?),
                (None, None) => return fail(format!("missing field `{}` in `{}` literal", def.fields[i], def.name)),
            }
        }
        Ok(Value::Struct(Rc::new(StructValue::new(def.clone(), out))))
    }

    /// `Point(1, 2)` and `Point(x: 1, y: 2)`: construction by calling the type.
    pub fn construct(&self, def: &Rc<TypeDef>, args: Args) -> R<Value> {
        if def.is_enum() {
            return fail(format!("`{}` is an enum: construct one of its variants (`{}::Variant`)", def.name, def.name));
        }
        let n = def.fields.len();
        if args.positional.len() > n {
            return fail(format!("`{}` has {n} field(s) but {} values were given", def.name, args.positional.len()));
        }
        let mut fields: Vec<Option<Value>> = vec![None; n];
        for (slot, v) in fields.iter_mut().zip(args.positional) {
            *slot = Some(v);
        }
        for (name, v) in args.named {
            match def.field_index(&name) {
                Some(i) if fields[i].is_none() => fields[i] = Some(v),
                Some(_) => return fail(format!("field `{name}` of `{}` given twice", def.name)),
                None => return fail(format!("`{}` has no field `{name}`", def.name)),
            }
        }
        self.finish_struct(def, fields)
    }
}

/// Picks the slice's elements of a sequence.
fn pick<T: Clone>(items: &[T], a: Option<i64>, b: Option<i64>, s: Option<i64>) -> R<Vec<T>> {
    if s.is_none_or(|s| s == 1) {
        let (x, y) = contiguous(a, b, items.len());
        return Ok(items[x..y].to_vec());
    }
    // (a loop, not `map(..).collect()`: each item went through an `Option` in a 16-byte
    // stack temporary read back by one vector load, which the store buffer cannot
    // forward; "Store forwarding" in ARCHITECTURE.md)
    let positions = slice_indices(a, b, s, items.len())?;
    let mut out = Vec::with_capacity(positions.len());
    for i in positions {
        out.push(items[i].clone());
    }
    Ok(out)
}

/// `pick` for bytes: a contiguous slice goes into a spare buffer (`byte_pool`), which
/// an echo's `write_all(buffer.slice(0, n))` gives back when the write is done.
fn pick_bytes(items: &[u8], a: Option<i64>, b: Option<i64>, s: Option<i64>) -> R<Vec<u8>> {
    if s.is_none_or(|s| s == 1) {
        let (x, y) = contiguous(a, b, items.len());
        let mut out = super::byte_pool::take(y - x);
        out.extend_from_slice(&items[x..y]);
        return Ok(out);
    }
    pick(items, a, b, s)
}

/// The index of a named payload field of an enum value (`e.message`).
fn enum_field(e: &EnumValue, name: &str) -> Option<usize> {
    let decl_fields = match &e.def.kind {
        TypeKind::Enum(Some(decl)) => decl.variants.get(e.variant as usize).and_then(|v| v.fields.clone()),
        _ => None,
    };
    decl_fields.and_then(|fs| fs.iter().position(|(n, _)| n.as_ref().is_some_and(|n| &*n.name == name)))
}

/// What a site's cache key says `name` is in the type: a field or a method (both kinds
/// are slots that never move, see `value::Members`).
const FIELD: u64 = 1;
const METHOD: u64 = 2;
/// a registered method of a native object (the key holds its type name's address)
const NATIVE: u64 = 3;

/// The cache key of a built-in or native type, known by its static type name (address
/// and length: two names never share both).
#[inline]
pub fn native_key(type_name: &'static str) -> u64 {
    ((((type_name.len() as u64) << 47) | type_name.as_ptr() as u64) << 2) | NATIVE
}

/// The cache key of a built-in receiver (a list, string, dict, set or bytes: see
/// `is_builtin_receiver`), by its variant alone, which decides its type; small, so it
/// cannot equal a `native_key` (made from an address).
#[inline]
pub fn variant_key(v: &Value) -> u64 {
    ((v.variant_index() as u64) << 2) | NATIVE
}

/// `site_key` of a struct instance's type, from the instance (one load fewer).
#[inline]
fn struct_key(s: &StructValue, kind: u64) -> u64 {
    (s.type_id << 2) | kind
}

#[inline]
fn site_key(def: &TypeDef, kind: u64) -> u64 {
    (def.id << 2) | kind
}

pub fn remember_key(cache: &SiteCache, key: u64, slot: u32) {
    cache.key.set(key);
    cache.slot.set(slot);
    cache.callee.set(std::ptr::null());
}

/// The index of field `name` in struct `s`, through the site's cache.
#[inline]
fn field_slot(s: &StructValue, name: &Ident, cache: &SiteCache) -> Option<usize> {
    let key = struct_key(s, FIELD);
    if cache.key.get() == key {
        return Some(cache.slot.get() as usize);
    }
    let i = s.def.field_index(&name.name)?;
    remember_key(cache, key, i as u32);
    Some(i)
}

#[cfg(test)]
mod tests {
    /// The positions as the plain loop gives them.
    fn walked(start: Option<i64>, end: Option<i64>, step: i64, len: usize) -> Vec<usize> {
        let n = len as i64;
        let clamp = |v: i64, lo: i64, hi: i64| (if v < 0 { v.saturating_add(n) } else { v }).clamp(lo, hi);
        let (a, b) = if step > 0 {
            (start.map_or(0, |v| clamp(v, 0, n)), end.map_or(n, |v| clamp(v, 0, n)))
        } else {
            (start.map_or(n - 1, |v| clamp(v, -1, n - 1)), end.map_or(-1, |v| clamp(v, -1, n - 1)))
        };
        let (mut out, mut i) = (Vec::new(), a);
        while (step > 0 && i < b) || (step < 0 && i > b) {
            out.push(i as usize);
            i = match i.checked_add(step) {
                Some(next) => next,
                None => break,
            };
        }
        out
    }

    #[test]
    fn slice_positions_match_the_loop() {
        let bounds = [None, Some(-9), Some(-3), Some(-1), Some(0), Some(1), Some(4), Some(7), Some(20)];
        let steps = [i64::MIN, -7, -3, -2, -1, 1, 2, 3, 7, i64::MAX];
        for len in [0, 1, 2, 5, 8] {
            for start in bounds {
                for end in bounds {
                    for step in steps {
                        let Ok(positions) = super::slice_indices(start, end, Some(step), len) else {
                            panic!("step {step}")
                        };
                        let got: Vec<usize> = positions.collect();
                        assert_eq!(got, walked(start, end, step, len), "[{start:?}:{end:?}:{step}] of {len}");
                    }
                }
            }
        }
    }
}
