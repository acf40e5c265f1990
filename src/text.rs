//! `Str`: the immutable string behind String values and string literals (a literal's
//! value is built once, at parse time, and shared by every evaluation).

use std::cell::Cell;

/// An immutable string with a lazily computed character count.
pub struct Str {
    pub s: String,
    chars: Cell<usize>,
}

const UNKNOWN: usize = usize::MAX;

impl Str {
    pub fn new(s: String) -> Str {
        Str { s, chars: Cell::new(UNKNOWN) }
    }
    pub fn char_len(&self) -> usize {
        let n = self.chars.get();
        if n != UNKNOWN {
            return n;
        }
        let n = if self.s.is_ascii() { self.s.len() } else { self.s.chars().count() };
        self.chars.set(n);
        n
    }
    pub fn is_ascii(&self) -> bool {
        self.char_len() == self.s.len()
    }
}

impl std::fmt::Debug for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.s)
    }
}
