//! How file operations reach the kernel: through io_uring (monoio's `fs::File`) when the
//! thread's runtime runs the io_uring driver, and on the blocking pool (std's file calls)
//! under the epoll driver, where monoio would otherwise make them synchronously on the
//! runtime's own thread. Buffers follow the rent model both ways: the Vec goes to the
//! kernel (or the pool thread) and comes back, never copied.

use crate::interp::value::Str;
use crate::interp::{Interp, R};
use crate::stdlib::net::socket::StrBuf;
use monoio::buf::{IoBuf, SliceMut};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::fs::FileExt;
use std::rc::Rc;
use std::sync::Arc;

/// An open file (or standard stream) in the form its driver needs.
pub enum Handle {
    Uring(monoio::fs::File),
    Pool(Arc<std::fs::File>),
}

/// Whether the thread's runtime uses io_uring.
pub fn uring(interp: &Interp) -> bool {
    interp.rt.driver_name.get() == "io_uring"
}

pub use crate::stdlib::blocking;

/// How a file is opened (std's and monoio's OpenOptions have the same knobs).
#[derive(Clone, Copy)]
pub struct Mode {
    pub read: bool,
    pub write: bool,
    pub append: bool,
    pub create: bool,
    pub truncate: bool,
}

impl Mode {
    pub const READ: Mode = Mode { read: true, write: false, append: false, create: false, truncate: false };
    pub const CREATE: Mode = Mode { read: false, write: true, append: false, create: true, truncate: true };
    pub const APPEND: Mode = Mode { read: false, write: true, append: true, create: true, truncate: false };
}

pub async fn open(interp: &Interp, path: &str, mode: Mode) -> R<io::Result<Handle>> {
    if uring(interp) {
        let mut o = monoio::fs::OpenOptions::new();
        o.read(mode.read).write(mode.write).append(mode.append).create(mode.create).truncate(mode.truncate);
        return Ok(o.open(path).await.map(Handle::Uring));
    }
    let path = path.to_string();
    let opened = blocking(move || {
        let mut o = std::fs::OpenOptions::new();
        o.read(mode.read).write(mode.write).append(mode.append).create(mode.create).truncate(mode.truncate);
        o.open(path)
    })
    .await?;
    Ok(opened.map(|f| Handle::Pool(Arc::new(f))))
}

impl Handle {
    /// A handle on one of the process's standard streams (0, 1, 2); the fd stays open
    /// when the handle is dropped.
    pub fn std_stream(interp: &Interp, fd: RawFd) -> io::Result<Handle> {
        // a duplicate, so that closing this handle never closes the process's stream
        // SAFETY: dup() only reads its argument; a bad fd is an error return.
        let dup = unsafe { libc::dup(fd) };
        if dup < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `dup` is a fresh descriptor that nothing else owns.
        let file = unsafe { std::fs::File::from_raw_fd(dup) };
        Ok(if uring(interp) { Handle::Uring(monoio::fs::File::from_std(file)?) } else { Handle::Pool(Arc::new(file)) })
    }

    pub fn raw_fd(&self) -> RawFd {
        match self {
            Handle::Uring(f) => f.as_raw_fd(),
            Handle::Pool(f) => f.as_raw_fd(),
        }
    }

    /// Reads at most `max` bytes into `vec[start..]` at `offset` (None: the descriptor's
    /// own position, for streams and pipes); `vec` ends right after what was read.
    pub async fn read(
        &self,
        mut vec: Vec<u8>,
        start: usize,
        max: usize,
        offset: Option<u64>,
    ) -> R<(io::Result<usize>, Vec<u8>)> {
        vec.truncate(start);
        match self {
            Handle::Uring(f) => {
                vec.reserve(max);
                let (res, slice) = f.read_at(SliceMut::new(vec, start, start + max), offset.unwrap_or(u64::MAX)).await;
                Ok((res, slice.into_inner()))
            }
            Handle::Pool(f) => {
                let f = f.clone();
                blocking(move || {
                    vec.resize(start + max, 0);
                    let res = match offset {
                        Some(at) => unseekable_fallback(f.read_at(&mut vec[start..], at), || {
                            io::Read::read(&mut &*f, &mut vec[start..])
                        }),
                        None => io::Read::read(&mut &*f, &mut vec[start..]),
                    };
                    vec.truncate(start + *res.as_ref().unwrap_or(&0));
                    (res, vec)
                })
                .await
            }
        }
    }

    /// `read` into a Bytes value's buffer, which is lent to the operation and given back
    /// (no copy): at most `max` bytes into `buf[start..]`.
    pub async fn read_shared(
        &self,
        buf: &crate::interp::value::Shared<Vec<u8>>,
        start: usize,
        max: usize,
        offset: Option<u64>,
    ) -> R<io::Result<usize>> {
        let vec = std::mem::take(&mut *buf.borrow_mut());
        let (res, vec) = self.read(vec, start, max, offset).await?;
        *buf.borrow_mut() = vec;
        Ok(res)
    }

    /// Writes `vec[from..]` once at `offset` (None: the descriptor's position, or the
    /// end for files opened to append); how many bytes went, and the buffer back.
    pub async fn write_vec(&self, vec: Vec<u8>, from: usize, offset: Option<u64>) -> R<(io::Result<usize>, Vec<u8>)> {
        match self {
            Handle::Uring(f) => {
                let (res, slice) = f.write_at(vec.slice(from..), offset.unwrap_or(u64::MAX)).await;
                Ok((res, slice.into_inner()))
            }
            Handle::Pool(f) => {
                let f = f.clone();
                blocking(move || {
                    let res = match offset {
                        Some(at) => unseekable_fallback(f.write_at(&vec[from..], at), || {
                            io::Write::write(&mut &*f, &vec[from..])
                        }),
                        None => io::Write::write(&mut &*f, &vec[from..]),
                    };
                    (res, vec)
                })
                .await
            }
        }
    }

    /// `write_vec` for a String's text: io_uring reads it in place; the pool thread
    /// gets a copy (the text is not shareable across threads).
    pub async fn write_str(&self, text: Rc<Str>, from: usize, offset: Option<u64>) -> R<io::Result<usize>> {
        match self {
            Handle::Uring(f) => Ok(f.write_at(StrBuf(text).slice(from..), offset.unwrap_or(u64::MAX)).await.0),
            Handle::Pool(_) => Ok(self.write_vec(text.s.as_bytes()[from..].to_vec(), 0, offset).await?.0),
        }
    }

    pub async fn sync(&self) -> R<io::Result<()>> {
        match self {
            Handle::Uring(f) => Ok(f.sync_all().await),
            Handle::Pool(f) => {
                let f = f.clone();
                blocking(move || f.sync_all()).await
            }
        }
    }

    /// fstat: served from the inode the open file holds, so it is made directly.
    pub fn metadata(&self) -> io::Result<std::fs::Metadata> {
        // SAFETY: the descriptor stays open for the call (self owns it); ManuallyDrop
        // keeps the temporary File from closing it.
        let f = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(self.raw_fd()) });
        f.metadata()
    }

    pub async fn close(self) -> io::Result<()> {
        match self {
            Handle::Uring(f) => f.close().await,
            Handle::Pool(f) => {
                drop(f);
                Ok(())
            }
        }
    }
}

/// A pipe, FIFO or terminal opened by path (`/dev/stdin`, a FIFO) has no offsets: an
/// offset read or write there is ESPIPE, and the plain call is what io_uring does too.
fn unseekable_fallback(r: io::Result<usize>, plain: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
    match r {
        Err(e) if e.raw_os_error() == Some(libc::ESPIPE) => plain(),
        other => other,
    }
}
