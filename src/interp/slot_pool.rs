//! Spare slot vectors of finished frames, reused by the next calls, so that a call
//! costs no allocation (`Interp::take_slots`, `Interp::give_frame`).

use super::value::Value;
use std::cell::UnsafeCell;

/// At most this many spare vectors are kept: enough for the call depth of ordinary
/// recursion, small enough not to matter in memory.
const SPARE_FRAMES_MAX: usize = 64;
/// A new slot vector has room for at least this many values, so a spare one fits most
/// functions without growing.
const SPARE_SLOTS_MIN: usize = 8;
/// A slot vector larger than this (a huge top-level frame) is not kept.
const SPARE_SLOTS_MAX: usize = 256;

/// Empties a frame's slots, dropping their values: the destructor is called only for
/// values that have one (most slots hold ints, floats, bools or nil, and a call per
/// slot cost more than the check).
#[inline]
pub fn clear(slots: &mut Vec<Value>) {
    let len = slots.len();
    let base = slots.as_mut_ptr();
    // SAFETY: the length is zero before any value is dropped (a panicking destructor
    // leaks the rest instead of dropping one twice), and each of the `len` values is
    // dropped at most once.
    unsafe {
        slots.set_len(0);
        for k in 0..len {
            let v = base.add(k);
            if !(*v).is_scalar() {
                // a method's `self` and struct arguments, the most common non-scalar
                // slots: the count decremented inline, not through the drop glue's match
                match &mut *v {
                    Value::Struct(s) => std::ptr::drop_in_place(s),
                    _ => std::ptr::drop_in_place(v),
                }
            }
        }
    }
}

/// The spare vectors, each empty.
///
/// An `UnsafeCell` rather than a `RefCell` (whose flag cost a dozen instructions per
/// call, a few percent of a small function's call): `take` and `keep` are the only
/// accesses, neither calls out while it holds the reference (the vector given back is
/// already empty, so pushing or dropping it runs no `Value` destructor), and an
/// `Interp` is never shared between threads, so no two accesses overlap.
pub struct SlotPool(UnsafeCell<Vec<Vec<Value>>>);

impl Default for SlotPool {
    fn default() -> Self {
        // room for every vector it may keep: `keep` never reallocates
        SlotPool(UnsafeCell::new(Vec::with_capacity(SPARE_FRAMES_MAX)))
    }
}

impl SlotPool {
    /// An empty vector with room for `n` values: a spare one if there is one.
    #[inline]
    pub fn take(&self, n: usize) -> Vec<Value> {
        // SAFETY: see the type's comment; the reference ends with the `pop`
        match unsafe { (*self.0.get()).pop() } {
            Some(mut v) => {
                v.reserve(n);
                v
            }
            None => Vec::with_capacity(n.max(SPARE_SLOTS_MIN)),
        }
    }

    /// Keeps an emptied vector for reuse, unless enough are kept already or it is too
    /// large (then it is freed).
    #[inline]
    pub fn keep(&self, slots: Vec<Value>) {
        debug_assert!(slots.is_empty());
        // SAFETY: see the type's comment; the reference ends within this call
        let spare = unsafe { &mut *self.0.get() };
        if spare.len() < SPARE_FRAMES_MAX && slots.capacity() <= SPARE_SLOTS_MAX {
            spare.push(slots);
        }
    }
}
