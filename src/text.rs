//! `Str`: the immutable string behind String values and string literals (a literal's
//! value is built once, at parse time, and shared by every evaluation).
//!
//! Strings count characters, as Python does, so `s[i]` and slices need the byte offset
//! of a character. ASCII strings (the common case) map characters to bytes directly;
//! others build, on first need, an index of the byte offset of every 32nd character,
//! so finding any character costs at most 31 steps of UTF-8 decoding.

use std::cell::{Cell, OnceCell};

/// An immutable string with a lazily computed character count and character index.
pub struct Str {
    pub s: String,
    chars: Cell<usize>,
    /// byte offsets of characters 0, 32, 64, ... (non-ASCII strings only)
    index: OnceCell<Vec<u32>>,
}

const UNKNOWN: usize = usize::MAX;
const STRIDE: usize = 32;

impl Str {
    pub fn new(s: String) -> Str {
        Str { s, chars: Cell::new(UNKNOWN), index: OnceCell::new() }
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

    /// Appends `tail` (to a string nothing else holds: `s += t` in place).
    pub fn push_str(&mut self, tail: &Str) {
        self.join(tail, |s, t| s.push_str(t));
    }

    /// Puts `head` in front (of a string nothing else holds: `"k" + str(i)` reuses the
    /// temporary on the right).
    pub fn prepend_str(&mut self, head: &Str) {
        self.join(head, |s, h| s.insert_str(0, h));
    }

    /// Adds `other`'s text with `put`, keeping the character count (the sum of both, if
    /// both are known); the character index is rebuilt on next need.
    fn join(&mut self, other: &Str, put: impl FnOnce(&mut String, &str)) {
        let n = self.chars.get();
        let m = other.chars.get();
        put(&mut self.s, &other.s);
        self.chars.set(if n != UNKNOWN && m != UNKNOWN { n + m } else { UNKNOWN });
        self.index = OnceCell::new();
    }

    /// The byte offset of character `i` (`i <= char_len()`; `char_len()` gives the end).
    pub fn byte_offset(&self, i: usize) -> usize {
        if self.is_ascii() {
            return i.min(self.s.len());
        }
        if i >= self.char_len() {
            return self.s.len();
        }
        let index = self.index.get_or_init(|| self.s.char_indices().step_by(STRIDE).map(|(b, _)| b as u32).collect());
        let start = index[i / STRIDE] as usize;
        match self.s[start..].char_indices().nth(i % STRIDE) {
            Some((b, _)) => start + b,
            None => self.s.len(),
        }
    }

    /// Characters `a..b` (clamped), in time proportional to the slice, not to `a`.
    pub fn char_slice(&self, a: usize, b: usize) -> &str {
        let (x, y) = (self.byte_offset(a), self.byte_offset(b.max(a)));
        &self.s[x..y]
    }

    /// Character `i`, if there is one.
    pub fn char_at(&self, i: usize) -> Option<char> {
        if self.is_ascii() {
            return self.s.as_bytes().get(i).map(|&b| b as char);
        }
        self.s[self.byte_offset(i)..].chars().next()
    }
}

impl std::fmt::Debug for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.s)
    }
}

#[cfg(test)]
mod tests {
    use super::Str;

    #[test]
    fn offsets_of_non_ascii_strings() {
        let text: String = (0..200).map(|i| if i % 3 == 0 { 'é' } else { 'a' }).collect();
        let s = Str::new(text.clone());
        for i in 0..=200 {
            let expected = text.char_indices().nth(i).map(|(b, _)| b).unwrap_or(text.len());
            assert_eq!(s.byte_offset(i), expected, "character {i}");
        }
        assert_eq!(s.char_slice(3, 6), "éaa");
        assert_eq!(s.char_at(199), text.chars().nth(199));
    }
}
