//! `File` (std/fs.spl): an open file with a position, read and written in the rent
//! model (a Bytes buffer goes to the kernel and back; a String is written in place).

use super::backend::{self, Handle, Mode};
use super::{metadata_value, path_arg};
use crate::interp::value::{Shared, Value};
use crate::interp::{BoxFut, Interp, R, fail};
use crate::registry::Registry;
use crate::stdlib::io::io_err;
use crate::stdlib::net::socket::{self, Payload};
use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;

pub fn register(r: &mut Registry) {
    r.async_("File::open", |i, a| Box::pin(async move { open(&i, &a, Mode::READ).await }));
    r.async_("File::create", |i, a| Box::pin(async move { open(&i, &a, Mode::CREATE).await }));
    r.async_("File::append", |i, a| Box::pin(async move { open(&i, &a, Mode::APPEND).await }));
    r.async_("File::read", |i, a| Box::pin(async move { read(&i, &a, false).await }));
    r.async_("File::read_at", |i, a| Box::pin(async move { read(&i, &a, true).await }));
    r.async_("File::write", |i, a| Box::pin(async move { write(&i, &a, WriteKind::Once).await }));
    r.async_("File::write_all", |i, a| Box::pin(async move { write(&i, &a, WriteKind::All).await }));
    r.async_("File::write_at", |i, a| Box::pin(async move { write(&i, &a, WriteKind::At).await }));
    r.async_("File::sync", sync);
    r.async_("File::metadata", |i, a| {
        Box::pin(async move {
            let f = file_arg(&a)?;
            let Some(h) = f.open_handle() else { return closed(&i, &f) };
            match h.metadata() {
                Ok(m) => Ok(i.ok(metadata_value(&i, &m)?)),
                Err(e) => io_err(&i, &e, &f.path),
            }
        })
    });
    r.async_("File::close", |i, a| {
        Box::pin(async move {
            let f = file_arg(&a)?;
            let handle = f.handle.borrow_mut().take();
            // an operation still in flight holds the handle; it closes when that ends
            if let Some(Ok(h)) = handle.map(Rc::try_unwrap)
                && let Err(e) = h.close().await
            {
                return io_err(&i, &e, &f.path);
            }
            Ok(i.ok(Value::Nil))
        })
    });
}

pub struct FileObj {
    path: String,
    /// None once closed
    handle: RefCell<Option<Rc<Handle>>>,
    /// where `read` and `write` continue
    pos: Cell<u64>,
    append: bool,
    /// a `read` or `write` is running (they share the position)
    busy: Cell<bool>,
}

crate::native_object!(FileObj, "FileHandle", |f| format!("<File {}>", f.path));

impl FileObj {
    fn open_handle(&self) -> Option<Rc<Handle>> {
        self.handle.borrow().clone()
    }
}

fn file_arg(a: &[Value]) -> R<Rc<FileObj>> {
    let v = a.first().unwrap_or(&Value::Nil);
    let o = crate::stdlib::handle::<FileObj>(v, "File")?;
    let any: Rc<dyn std::any::Any> = o;
    any.downcast::<FileObj>().map_err(|_| crate::interp::Ctrl::error("expected a File"))
}

const BUSY: &str = "another task is already reading or writing this File";

/// The IoError for an operation on a closed File.
fn closed_error(interp: &Interp, f: &FileObj) -> R<Value> {
    crate::stdlib::io::io_error_variant(interp, "Other", format!("{}: the file is closed", f.path))
}

/// `Err(...)` of `closed_error`, for the script.
fn closed(interp: &Interp, f: &FileObj) -> R<Value> {
    closed_error(interp, f).map(|e| interp.err(e))
}

/// Data a write accepts.
pub fn check_data(v: &Value) -> R<()> {
    match v {
        Value::Str(_) | Value::Bytes(_) => Ok(()),
        other => fail(format!("data to write must be String or Bytes, got {}", other.type_name())),
    }
}

async fn open(interp: &Interp, a: &[Value], mode: Mode) -> R<Value> {
    let path = path_arg(a, 0)?;
    match backend::open(interp, &path, mode).await? {
        Ok(h) => {
            let obj = FileObj {
                path,
                handle: RefCell::new(Some(Rc::new(h))),
                pos: Cell::new(0),
                append: mode.append,
                busy: Cell::new(false),
            };
            Ok(interp.ok(crate::stdlib::wrap(interp, "fs", "File", Rc::new(obj))?))
        }
        Err(e) => io_err(interp, &e, &path),
    }
}

/// Reads at most `max` bytes into `buf[start..]` at the file's position, which moves
/// on: `Ok(Ok(n))`, or the IoError (BufReader reads Files through this).
pub async fn read_into(
    interp: &Interp,
    v: &Value,
    buf: &Shared<Vec<u8>>,
    start: usize,
    max: usize,
) -> R<Result<usize, Value>> {
    let f = file_arg(std::slice::from_ref(v))?;
    let Some(h) = f.open_handle() else { return Ok(Err(closed_error(interp, &f)?)) };
    let busy = crate::stdlib::Busy::take(&f.busy, BUSY)?;
    let res = h.read_shared(buf, start, max, Some(f.pos.get())).await;
    drop(busy);
    match res? {
        Ok(n) => {
            f.pos.set(f.pos.get() + n as u64);
            Ok(Ok(n))
        }
        Err(e) => Ok(Err(crate::stdlib::io::io_error(interp, &e, &f.path)?)),
    }
}

async fn read(interp: &Interp, a: &[Value], at: bool) -> R<Value> {
    let buf = socket::bytes_arg(a.get(1).unwrap_or(&Value::Nil))?;
    let max = socket::length(a.get(2).unwrap_or(&Value::Int(4096)), "max_len")?;
    if !at {
        return match read_into(interp, &a[0], &buf, 0, max).await? {
            Ok(n) => Ok(interp.ok(Value::Int(n as i64))),
            Err(e) => Ok(interp.err(e)),
        };
    }
    let f = file_arg(a)?;
    let offset = offset_arg(a.get(3))?;
    let Some(h) = f.open_handle() else { return closed(interp, &f) };
    match h.read_shared(&buf, 0, max, Some(offset)).await? {
        Ok(n) => Ok(interp.ok(Value::Int(n as i64))),
        Err(e) => io_err(interp, &e, &f.path),
    }
}

fn offset_arg(v: Option<&Value>) -> R<u64> {
    match v {
        Some(Value::Int(n)) if *n >= 0 => Ok(*n as u64),
        Some(Value::Int(n)) => fail(format!("offset must not be negative, got {n}")),
        Some(other) => fail(format!("offset must be an int, got {}", other.type_name())),
        None => fail("missing offset argument"),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum WriteKind {
    Once,
    All,
    At,
}

async fn write(interp: &Interp, a: &[Value], kind: WriteKind) -> R<Value> {
    let f = file_arg(a)?;
    let data = a.get(1).unwrap_or(&Value::Nil);
    check_data(data)?;
    let at = if kind == WriteKind::At { Some(offset_arg(a.get(2))?) } else { None };
    let Some(h) = f.open_handle() else { return closed(interp, &f) };
    let busy = if at.is_none() { Some(crate::stdlib::Busy::take(&f.busy, BUSY)?) } else { None };
    let start = at.or(if f.append { None } else { Some(f.pos.get()) });
    let payload = Payload::from_value(data)?;
    let res =
        if kind == WriteKind::All { write_all(&h, payload, start).await } else { write_once(&h, payload, start).await };
    drop(busy);
    match res? {
        Ok(n) => {
            if at.is_none() {
                f.pos.set(f.pos.get() + n as u64);
            }
            Ok(interp.ok(if kind == WriteKind::All { Value::Nil } else { Value::Int(n as i64) }))
        }
        Err(e) => io_err(interp, &e, &f.path),
    }
}

/// One write of `payload` at `at` (None: the descriptor's position or the end); a
/// Bytes payload's buffer is handed back to its value.
async fn write_once(h: &Handle, payload: Payload, at: Option<u64>) -> R<io::Result<usize>> {
    match payload {
        Payload::Str(s) => h.write_str(s, 0, at).await,
        Payload::Bytes(vec) => {
            let (r, vec) = h.write_vec(vec, 0, at).await?;
            crate::interp::byte_pool::give_back(vec);
            Ok(r)
        }
    }
}

/// Writes all of `payload` from `at` on: the total, or the first error (a write of 0
/// bytes is `WriteZero`, never a silent stop). A Bytes payload's buffer goes to the
/// kernel and back each time, and back to its value at the end.
pub async fn write_all(h: &Handle, payload: Payload, at: Option<u64>) -> R<io::Result<usize>> {
    let offset = |done: usize| at.map(|a| a + done as u64);
    let mut done = 0usize;
    match payload {
        Payload::Str(s) => {
            while done < s.s.len() {
                match step(h.write_str(s.clone(), done, offset(done)).await?) {
                    Ok(n) => done += n,
                    Err(e) => return Ok(Err(e)),
                }
            }
        }
        Payload::Bytes(mut vec) => {
            let mut failed = None;
            while done < vec.len() {
                let (r, back) = h.write_vec(vec, done, offset(done)).await?;
                vec = back;
                match step(r) {
                    Ok(n) => done += n,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            crate::interp::byte_pool::give_back(vec);
            if let Some(e) = failed {
                return Ok(Err(e));
            }
        }
    }
    Ok(Ok(done))
}

/// One write's outcome inside `write_all`: 0 bytes is `WriteZero`; EINTR counts as 0
/// written and is retried.
fn step(r: io::Result<usize>) -> io::Result<usize> {
    match r {
        Ok(0) => Err(io::Error::from(io::ErrorKind::WriteZero)),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
        other => other,
    }
}

fn sync(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let f = file_arg(&a)?;
        let Some(h) = f.open_handle() else { return closed(&interp, &f) };
        match h.sync().await? {
            Ok(()) => Ok(interp.ok(Value::Nil)),
            Err(e) => io_err(&interp, &e, &f.path),
        }
    })
}
