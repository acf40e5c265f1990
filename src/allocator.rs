//! The global allocator: mimalloc, called the way the system allocator is.
//!
//! The `mimalloc` crate's `GlobalAlloc` sends every request to `mi_malloc_aligned`, even
//! for the usual alignment of 8 or 16. mimalloc v3 serves that from its fast path only
//! when the size is at most 1 KiB and a block of that size class is free; otherwise it
//! falls back to over-allocating by the alignment and aligning within the block. Boxed
//! futures of the async evaluator are often larger than 1 KiB, so a Channel ping-pong
//! spent an eighth of its instructions there. Like std's `System`, requests whose
//! alignment mimalloc guarantees anyway (a power of two up to 16, and not above the
//! size) go to plain `mi_malloc`/`mi_zalloc`/`mi_realloc`; only larger alignments take
//! the aligned entry points.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// mimalloc's `MI_MAX_ALIGN_SIZE`: every block of at least this size is aligned to it,
/// and smaller blocks to their (power-of-two) size class.
const GUARANTEED_ALIGN: usize = 16;

/// Whether plain `mi_malloc(size)` already returns memory aligned for `align`.
#[inline]
fn plain_is_aligned(size: usize, align: usize) -> bool {
    align <= GUARANTEED_ALIGN && align <= size
}

pub struct MiMalloc;

unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe {
            if plain_is_aligned(layout.size(), layout.align()) {
                mi::mi_malloc(layout.size()) as *mut u8
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe {
            if plain_is_aligned(layout.size(), layout.align()) {
                mi::mi_zalloc(layout.size()) as *mut u8
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            if plain_is_aligned(new_size, layout.align()) {
                mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size and alignment the plain path takes comes back aligned, and aligned
    /// requests (up to a page) do too; contents survive a realloc across both paths.
    #[test]
    fn blocks_are_aligned_on_both_paths() {
        let a = MiMalloc;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1usize, 3, 7, 8, 9, 15, 16, 17, 24, 100, 1000, 1025, 1200, 5000, 70_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    std::ptr::write_bytes(p, 0xAB, size);
                    let q = a.realloc(p, layout, size * 3);
                    assert_eq!(q as usize % align, 0, "realloc size {size} align {align}");
                    assert!(std::slice::from_raw_parts(q, size).iter().all(|&b| b == 0xAB));
                    a.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
