//! Giving back the code pages a server ran only to start.
//!
//! Start-up runs a lot of code once: the parser (its combinators alone are about a
//! third of the text), the resolver, the lowering pass, the registration of the
//! standard library. The kernel maps code in 64 KiB windows around each page touched,
//! so by the time a server waits for its first client most of the executable's 5.6 MB
//! of code and read-only data is resident, although its steady state (the event loop,
//! the evaluator's hot nodes, the socket calls) needs a small part of it.
//!
//! When a program binds its first listening socket it has, almost always, finished
//! starting, so `release_startup_code` then drops this process's mappings of the
//! read-only segments of the executable and the shared libraries (`MADV_DONTNEED`).
//! The pages stay in the page cache; whatever code runs afterwards maps its pages again
//! with a minor fault. This is safe only for pages the process never wrote: segments
//! without write permission, of objects without text relocations (an object that has
//! them is skipped), never a RELRO segment, whose pages carry the dynamic linker's
//! relocations, and never the vDSO, which is not backed by a file.

use std::sync::atomic::{AtomicBool, Ordering};

static RELEASED: AtomicBool = AtomicBool::new(false);

/// Drops the read-only pages of the loaded objects from this process's page tables,
/// once per process; later calls do nothing. Returns the number of bytes released.
pub fn release_startup_code() -> usize {
    if RELEASED.swap(true, Ordering::Relaxed) {
        return 0;
    }
    let mut released = 0usize;
    for (start, len) in read_only_segments() {
        // SAFETY: the range lies inside a read-only, file-backed mapping of a loaded
        // object that nothing wrote to (no write permission, no text relocations):
        // dropping it only makes the next access fault the same bytes in again.
        if unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_DONTNEED) } == 0 {
            released += len;
        }
    }
    released
}

/// The page-aligned address ranges of the loaded objects' segments that are neither
/// writable nor covered by a RELRO segment.
fn read_only_segments() -> Vec<(usize, usize)> {
    let mut found: Vec<(usize, usize)> = Vec::new();
    // SAFETY: dl_iterate_phdr calls `collect` with valid program headers of each loaded
    // object.
    unsafe { libc::dl_iterate_phdr(Some(collect), &mut found as *mut Vec<(usize, usize)> as *mut libc::c_void) };
    found
}

unsafe extern "C" fn collect(
    info: *mut libc::dl_phdr_info,
    _size: libc::size_t,
    data: *mut libc::c_void,
) -> libc::c_int {
    // SAFETY: called by dl_iterate_phdr with its own valid `info` and our `data`
    let (info, found) = unsafe { (&*info, &mut *(data as *mut Vec<(usize, usize)>)) };
    // SAFETY: dlpi_phdr points at dlpi_phnum program headers
    let headers = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize) };
    let base = info.dlpi_addr as usize;
    // SAFETY: a loaded object's name is a NUL-terminated string (empty for the executable)
    let name = if info.dlpi_name.is_null() { c"" } else { unsafe { std::ffi::CStr::from_ptr(info.dlpi_name) } };
    // SAFETY: the headers and their PT_DYNAMIC segment belong to this loaded object
    if name.to_bytes().starts_with(b"linux-vdso") || unsafe { has_text_relocations(headers, base) } {
        return 0;
    }
    let page = page_size();
    let relro: Vec<(usize, usize)> = headers
        .iter()
        .filter(|h| h.p_type == libc::PT_GNU_RELRO)
        .map(|h| (base + h.p_vaddr as usize, base + (h.p_vaddr + h.p_memsz) as usize))
        .collect();
    for h in headers.iter().filter(|h| h.p_type == libc::PT_LOAD && h.p_flags & libc::PF_W == 0) {
        // inward to whole pages: a page shared with a neighbouring segment is kept
        let start = (base + h.p_vaddr as usize).next_multiple_of(page);
        let end = (base + (h.p_vaddr + h.p_filesz) as usize) / page * page;
        let overlaps_relro = relro.iter().any(|&(a, b)| start < b && a < end);
        if end > start && !overlaps_relro {
            found.push((start, end - start));
        }
    }
    0 // on to the next object
}

/// Whether the object's dynamic section asks for writes into its read-only segments.
///
/// # Safety
/// `headers` are the program headers of an object loaded at `base`.
unsafe fn has_text_relocations(headers: &[libc::Elf64_Phdr], base: usize) -> bool {
    /// An entry of the dynamic section (Elf64_Dyn; the libc crate has no Linux binding)
    #[repr(C)]
    struct Dyn {
        d_tag: i64,
        d_val: u64,
    }
    const DT_TEXTREL: i64 = 22;
    const DT_FLAGS: i64 = 30;
    const DF_TEXTREL: u64 = 0x4;
    for h in headers.iter().filter(|h| h.p_type == libc::PT_DYNAMIC) {
        let mut entry = (base + h.p_vaddr as usize) as *const Dyn;
        // SAFETY: the dynamic section is an array of entries ending with DT_NULL (0)
        loop {
            let d = unsafe { &*entry };
            match d.d_tag {
                0 => break,
                DT_TEXTREL => return true,
                DT_FLAGS if d.d_val & DF_TEXTREL != 0 => return true,
                _ => {}
            }
            entry = unsafe { entry.add(1) };
        }
    }
    false
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_code_segment_and_survives_release() {
        let segments = read_only_segments();
        let here = finds_the_code_segment_and_survives_release as fn() as usize;
        assert!(
            segments.iter().any(|&(s, l)| (s..s + l).contains(&here)),
            "no read-only segment holds this function's code: {segments:x?}"
        );
        assert!(release_startup_code() > 0);
        assert_eq!(release_startup_code(), 0, "released twice");
        // the code runs on after its pages were dropped
        assert_eq!(format!("{}", 6 * 7), "42");
    }
}
