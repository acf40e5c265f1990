//! The values of the global slots (module-level names, built-ins), read by every
//! global variable node and global call.

use super::ops::int_op;
use super::value::{TypeDef, Value};
use super::{GlobalCallee, R};
use crate::syntax::ast::BinOp;
use std::cell::UnsafeCell;
use std::rc::Rc;

/// The global slots' values.
///
/// An `UnsafeCell` rather than a `RefCell` (whose flag cost a check, an increment and a
/// decrement per read, a global read being a constant such as `K_WORK` or a function
/// called by name): every access is one of the methods below, none of which runs
/// program code or calls back into the interpreter while it holds the reference (a
/// value is cloned, compared or replaced; a replaced value's drop frees memory only —
/// values have no finalizers), and an `Interp` is never shared between threads, so no
/// two accesses overlap.
#[derive(Default)]
pub struct GlobalSlots(UnsafeCell<Vec<Value>>);

impl GlobalSlots {
    /// The value of slot `g` (nil if it was never set).
    #[inline]
    pub fn get(&self, g: u32) -> Value {
        // SAFETY: see the type's comment; the reference ends with the clone
        let values = unsafe { &*self.0.get() };
        // (a `match`, not `cloned().unwrap_or_default()`: the `Option` went through a
        // 16-byte stack temporary read back by one vector load, which the store buffer
        // cannot forward; see "Store forwarding" in ARCHITECTURE.md)
        match values.get(g as usize) {
            Some(v) => v.clone(),
            None => Value::Nil,
        }
    }

    /// What a call of slot `g` goes to (only an `Rc` is cloned).
    #[inline]
    pub fn callee(&self, g: u32) -> GlobalCallee {
        // SAFETY: see the type's comment; the reference ends with the clone
        let values = unsafe { &*self.0.get() };
        match values.get(g as usize) {
            Some(Value::Func(c)) => GlobalCallee::Closure(c.clone()),
            Some(Value::Native(n)) => GlobalCallee::Native(n.clone()),
            _ => GlobalCallee::Other,
        }
    }

    /// Whether slot `g` holds the type `def` itself.
    pub fn holds_type(&self, g: u32, def: &Rc<TypeDef>) -> bool {
        // SAFETY: see the type's comment; the reference ends with the comparison
        let values = unsafe { &*self.0.get() };
        matches!(values.get(g as usize), Some(Value::Type(t)) if Rc::ptr_eq(t, def))
    }

    /// Replaces the int in slot `g` by `int_op(op, x, y)`; `None` if it holds no int.
    #[inline]
    pub fn update_int(&self, g: u32, op: BinOp, y: i64) -> Option<R<()>> {
        // SAFETY: see the type's comment; the reference ends within this call (the
        // operator is arithmetic on two ints: nothing runs in between)
        let values = unsafe { &mut *self.0.get() };
        let slot = values.get_mut(g as usize)?;
        let Value::Int(x) = *slot else { return None };
        Some(int_op(op, x, y).map(|v| *slot = v))
    }

    /// Sets slot `g` (growing the table with nils up to it).
    pub fn set(&self, g: u32, v: Value) {
        // SAFETY: see the type's comment. The old value is moved out and dropped after
        // the reference ends.
        let old = unsafe {
            let globals = &mut *self.0.get();
            let i = g as usize;
            if globals.len() <= i {
                globals.resize(i + 1, Value::Nil);
            }
            std::mem::replace(&mut globals[i], v)
        };
        drop(old);
    }
}
