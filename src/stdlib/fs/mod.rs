//! std/fs.spl natives: whole-file and directory operations. Whole-file reads and writes
//! go through `backend` (io_uring, or the blocking pool under epoll); directory
//! operations, metadata and copies run on the blocking pool under both drivers (std's
//! calls: `copy` is the kernel's copy_file_range).

pub mod backend;
pub mod file;

use crate::interp::value::Value;
use crate::interp::{BoxFut, Interp, R, fail};
use crate::registry::Registry;
use crate::stdlib::io::{invalid_data, io_err};
use crate::stdlib::net::socket::Payload;
use backend::{Mode, blocking};
use std::io;
use std::rc::Rc;

pub fn register(r: &mut Registry) {
    r.async_("fs::read", |i, a| Box::pin(async move { read_whole(&i, &a, false).await }));
    r.async_("fs::read_text", |i, a| Box::pin(async move { read_whole(&i, &a, true).await }));
    r.async_("fs::write", |i, a| Box::pin(async move { write_whole(&i, &a, Mode::CREATE).await }));
    r.async_("fs::append", |i, a| Box::pin(async move { write_whole(&i, &a, Mode::APPEND).await }));
    r.async_("fs::metadata", metadata);
    r.async_("fs::read_dir", read_dir);
    r.async_("fs::create_dir", |i, a| path_op(i, a, |p| std::fs::create_dir(p)));
    r.async_("fs::create_dir_all", |i, a| path_op(i, a, |p| std::fs::create_dir_all(p)));
    r.async_("fs::remove_file", |i, a| path_op(i, a, |p| std::fs::remove_file(p)));
    r.async_("fs::remove_dir", |i, a| path_op(i, a, |p| std::fs::remove_dir(p)));
    r.async_("fs::remove_dir_all", |i, a| path_op(i, a, |p| std::fs::remove_dir_all(p)));
    r.async_("fs::rename", |i, a| two_path_op(i, a, |from, to| std::fs::rename(from, to).map(|_| None)));
    r.async_("fs::copy", |i, a| two_path_op(i, a, |from, to| std::fs::copy(from, to).map(Some)));
    r.async_("fs::exists", |_, a| {
        Box::pin(async move {
            let path = path_arg(&a, 0)?;
            Ok(Value::Bool(blocking(move || std::path::Path::new(&path).exists()).await?))
        })
    });
    r.async_("fs::canonicalize", |i, a| {
        Box::pin(async move {
            let path = path_arg(&a, 0)?;
            let p = path.clone();
            match blocking(move || std::fs::canonicalize(p)).await? {
                Ok(real) => Ok(i.ok(Value::str(real.to_string_lossy().into_owned()))),
                Err(e) => io_err(&i, &e, &path),
            }
        })
    });
    file::register(r);
}

/// A path argument (a String).
pub fn path_arg(a: &[Value], i: usize) -> R<String> {
    match a.get(i) {
        Some(Value::Str(s)) => Ok(s.s.clone()),
        Some(other) => fail(format!("a path must be a String, got {}", other.type_name())),
        None => fail("missing path argument"),
    }
}

/// `fs::read` / `fs::read_text`: the whole file, however long it turns out to be (files
/// under /proc report size 0).
async fn read_whole(interp: &Interp, a: &[Value], text: bool) -> R<Value> {
    let path = path_arg(a, 0)?;
    let file = match backend::open(interp, &path, Mode::READ).await? {
        Ok(f) => f,
        Err(e) => return io_err(interp, &e, &path),
    };
    let size = file.metadata().map(|m| m.len() as usize).unwrap_or(0);
    let mut vec = Vec::with_capacity(size + 1);
    loop {
        let room = (vec.capacity() - vec.len()).max(64 << 10);
        let len = vec.len();
        let (res, back) = file.read(vec, len, room, Some(len as u64)).await?;
        vec = back;
        match res {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return io_err(interp, &e, &path),
        }
    }
    let _ = file.close().await;
    if !text {
        return Ok(interp.ok(Value::bytes(vec)));
    }
    match String::from_utf8(vec) {
        Ok(s) => Ok(interp.ok(Value::str(s))),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            Ok(interp.err(invalid_data(interp, format!("{path}: invalid UTF-8 at byte {at}"))?))
        }
    }
}

/// `fs::write` / `fs::append`: all of `data`, then the file is closed.
async fn write_whole(interp: &Interp, a: &[Value], mode: Mode) -> R<Value> {
    let path = path_arg(a, 0)?;
    let data = a.get(1).unwrap_or(&Value::Nil);
    file::check_data(data)?;
    let file = match backend::open(interp, &path, mode).await? {
        Ok(f) => f,
        Err(e) => return io_err(interp, &e, &path),
    };
    let payload = Payload::from_value(data)?;
    let at = if mode.append { None } else { Some(0) };
    let res = file::write_all(&file, payload, at).await?;
    let closed = file.close().await;
    match res.and(closed) {
        Ok(_) => Ok(interp.ok(Value::Nil)),
        Err(e) => io_err(interp, &e, &path),
    }
}

/// `Metadata { size, is_file, is_dir, modified, mode }`.
pub fn metadata_value(interp: &Interp, m: &std::fs::Metadata) -> R<Value> {
    use std::os::unix::fs::MetadataExt;
    let modified = m.mtime() as f64 + m.mtime_nsec() as f64 / 1e9;
    let fields = [
        ("size", Value::Int(m.len() as i64)),
        ("is_file", Value::Bool(m.is_file())),
        ("is_dir", Value::Bool(m.is_dir())),
        ("modified", Value::Float(modified)),
        ("mode", Value::Int((m.mode() & 0o7777) as i64)),
    ];
    let ty = interp.std_global("fs", "Metadata")?;
    let fields = fields
        .into_iter()
        .map(|(n, v)| (crate::syntax::ast::Ident { name: Rc::from(n), span: Default::default() }, v))
        .collect();
    interp.make_struct(ty, fields)
}

fn metadata(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let path = path_arg(&a, 0)?;
        let p = path.clone();
        match blocking(move || std::fs::metadata(p)).await? {
            Ok(m) => Ok(interp.ok(metadata_value(&interp, &m)?)),
            Err(e) => io_err(&interp, &e, &path),
        }
    })
}

fn read_dir(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let path = path_arg(&a, 0)?;
        let p = path.clone();
        let listed = blocking(move || -> io::Result<Vec<String>> {
            let mut names = Vec::new();
            for entry in std::fs::read_dir(p)? {
                names.push(entry?.file_name().to_string_lossy().into_owned());
            }
            names.sort();
            Ok(names)
        })
        .await?;
        match listed {
            Ok(names) => Ok(interp.ok(Value::list(names.into_iter().map(Value::str).collect()))),
            Err(e) => io_err(&interp, &e, &path),
        }
    })
}

/// A one-path operation on the blocking pool: `Ok(nil)` or the IoError.
fn path_op(interp: Rc<Interp>, a: Vec<Value>, op: fn(&str) -> io::Result<()>) -> BoxFut<'static> {
    Box::pin(async move {
        let path = path_arg(&a, 0)?;
        let p = path.clone();
        match blocking(move || op(&p)).await? {
            Ok(()) => Ok(interp.ok(Value::Nil)),
            Err(e) => io_err(&interp, &e, &path),
        }
    })
}

/// `rename` / `copy` (which counts bytes: `Some(n)`): an error names the source when it
/// is missing or a directory, else the target.
fn two_path_op(interp: Rc<Interp>, a: Vec<Value>, op: fn(&str, &str) -> io::Result<Option<u64>>) -> BoxFut<'static> {
    Box::pin(async move {
        let (from, to) = (path_arg(&a, 0)?, path_arg(&a, 1)?);
        let (f, t) = (from.clone(), to.clone());
        let (res, from_exists) = blocking(move || {
            let r = op(&f, &t);
            // a missing source, or a directory given to copy, is the source's fault
            let exists = std::path::Path::new(&f).symlink_metadata().is_ok_and(|m| !m.is_dir());
            (r, exists)
        })
        .await?;
        match res {
            Ok(n) => Ok(interp.ok(n.map_or(Value::Nil, |n| Value::Int(n as i64)))),
            Err(e) => io_err(&interp, &e, if from_exists { &to } else { &from }),
        }
    })
}
