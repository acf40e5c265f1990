//! Methods of the built-in types (LANGUAGE.md §8, §11). Each type's file registers its
//! methods with their signatures; `call_builtin_method` looks a method up by the
//! receiver's type tag, checks the arguments against the signature and calls it.

mod bytes;
mod dict;
mod list;
mod misc;
mod string;

use super::value::*;
use super::{Interp, R, fail};
use crate::registry::{MethodFn, Registry};
use crate::syntax::ast::SiteCache;
use std::rc::Rc;

pub fn register(reg: &mut Registry) {
    string::register(reg);
    list::register(reg);
    dict::register(reg);
    bytes::register(reg);
    misc::register(reg);
}

/// The receiver of a method of `ty` (the registry only calls a method with a receiver of
/// its own type).
macro_rules! recv {
    ($v:expr, $variant:ident) => {
        match $v {
            Value::$variant(x) => x,
            _ => return crate::interp::fail("internal error: method called on the wrong type"),
        }
    };
}
pub(crate) use recv;

/// An int argument the signature already checked.
pub fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        _ => 0,
    }
}

/// A String argument the signature already checked.
pub fn text(v: &Value) -> &str {
    match v {
        Value::Str(s) => &s.s,
        _ => "",
    }
}

/// The bytes of a Bytes or String value (for `extend`, socket writes).
pub fn bytes_of(v: &Value) -> R<Vec<u8>> {
    match v {
        Value::Bytes(b) => Ok(b.borrow().clone()),
        Value::Str(s) => Ok(s.s.as_bytes().to_vec()),
        Value::List(l) => l.borrow().iter().map(super::access::byte_of).collect(),
        other => fail(format!("expected Bytes or String, got {}", other.type_name())),
    }
}

impl Interp {
    /// A method of a built-in type: looked up by the receiver's type tag (then among the
    /// methods every value has), its arguments checked against its signature.
    pub fn call_builtin_method(
        &self,
        recv: &Value,
        name: &str,
        positional: &[Value],
        named: &[(Rc<str>, Value)],
    ) -> R<Value> {
        let index = self.registry.builtin_method_index(recv.type_tag(), name);
        self.call_builtin_method_entry(recv, name, index, positional, named)
    }

    /// `call_builtin_method` through the site's inline cache (positional arguments).
    pub fn call_builtin_method_at(
        &self,
        recv: &Value,
        name: &str,
        positional: &[Value],
        cache: &SiteCache,
    ) -> R<Value> {
        // the hit: the site's cached entry, a synchronous method whose parameters take
        // these arguments as they are
        if cache.key.get() == super::access::variant_key(recv) {
            let entry = &self.registry.methods[cache.slot.get() as usize];
            if let MethodFn::Sync(imp) = entry.imp
                && entry.sig.fits_exactly(positional)
            {
                return imp(self, recv, positional);
            }
        }
        self.builtin_method_miss(recv, name, positional, cache)
    }

    #[inline(never)]
    fn builtin_method_miss(&self, recv: &Value, name: &str, positional: &[Value], cache: &SiteCache) -> R<Value> {
        let tag = recv.type_tag();
        let index = self.registry.builtin_method_index(tag, name);
        if let Some(i) = index
            && super::eval_expr::is_builtin_receiver(recv)
        {
            super::access::remember_key(cache, super::access::variant_key(recv), i as u32);
        }
        self.call_builtin_method_entry(recv, name, index, positional, &[])
    }

    fn call_builtin_method_entry(
        &self,
        recv: &Value,
        name: &str,
        index: Option<usize>,
        positional: &[Value],
        named: &[(Rc<str>, Value)],
    ) -> R<Value> {
        let tag = recv.type_tag();
        let Some(entry) = index.map(|i| &self.registry.methods[i]) else {
            let hint = if matches!(recv, Value::Task(_)) {
                // `f().unwrap()` where `f` is async: the call made a Task
                "; did you forget `await`? (`(await task).method()`)".to_string()
            } else {
                let names = self.member_names(recv);
                crate::diag::did_you_mean(name, names.iter().map(|s| s.as_str()))
            };
            return fail(format!("a value of type {} has no method `{name}`{hint}", recv.type_name()));
        };
        let MethodFn::Sync(imp) = entry.imp else {
            return fail(format!("`{tag}.{name}()` is async: use `await`"));
        };
        if named.is_empty() && entry.sig.fits_exactly(positional) {
            return imp(self, recv, positional);
        }
        let args = entry.sig.bind(&|| format!("{tag}.{name}()"), positional, named)?;
        imp(self, recv, &args)
    }
}
