//! Spare byte buffers, reused: a write's snapshot (or a Bytes value it sent as is)
//! comes back here when the write is done, and the next snapshot or `bytes.slice` takes
//! it. An echo server (`write_all(buffer.slice(0, n))` on many connections at once)
//! then allocates no buffer per message, and a loop copying a file in 1 MiB pieces does
//! not fault in a fresh megabyte each time.

use std::cell::RefCell;

/// Buffers up to this capacity are small: up to `SMALL_KEPT` of them wait here (at
/// most 4 MiB), one per connection of a busy server's batch.
const SMALL: usize = 64 << 10;
const SMALL_KEPT: usize = 64;
/// Larger ones, up to `LARGEST`: a few.
const LARGE_KEPT: usize = 4;
const LARGEST: usize = 4 << 20;

#[derive(Default)]
struct Spare {
    small: Vec<Vec<u8>>,
    large: Vec<Vec<u8>>,
}

thread_local! {
    static SPARE: RefCell<Spare> = RefCell::new(Spare::default());
}

/// An empty buffer for about `len` bytes: a spare one if one fits (not more than four
/// times the size, so a small slice the program keeps does not pin a large buffer).
pub fn take(len: usize) -> Vec<u8> {
    let spare = SPARE.with_borrow_mut(|spare| {
        let pool = if len <= SMALL { &mut spare.small } else { &mut spare.large };
        match pool.last() {
            Some(b) if b.capacity() >= len && b.capacity() <= len.max(4096) * 4 => pool.pop(),
            _ => None,
        }
    });
    spare.unwrap_or_else(|| Vec::with_capacity(len))
}

/// Gives a buffer back for a later `take`.
pub fn give_back(mut buf: Vec<u8>) {
    let cap = buf.capacity();
    if cap == 0 || cap > LARGEST {
        return;
    }
    buf.clear();
    SPARE.with_borrow_mut(|spare| {
        let (pool, kept) = if cap <= SMALL { (&mut spare.small, SMALL_KEPT) } else { (&mut spare.large, LARGE_KEPT) };
        if pool.len() < kept {
            pool.push(buf);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_given_back_is_taken_again_only_where_it_fits() {
        let mut big = Vec::with_capacity(1 << 20);
        big.extend_from_slice(b"old bytes");
        let ptr = big.as_ptr();
        give_back(big);
        // a 64-byte slice must not pin a megabyte: it gets a fresh buffer
        let small = take(64);
        assert!(small.capacity() >= 64 && small.capacity() < 1 << 20);
        // a large write's snapshot gets the spare megabyte back, emptied
        let again = take(512 << 10);
        assert_eq!((again.as_ptr(), again.len()), (ptr, 0));
        // small buffers come back for small requests
        let mut s = Vec::with_capacity(100);
        s.push(1);
        let sp = s.as_ptr();
        give_back(s);
        let t = take(64);
        assert_eq!((t.as_ptr(), t.len()), (sp, 0));
    }
}
