//! std/io.spl natives: the standard streams as async streams, `BufReader`, and the
//! IoError values every file and stream operation returns.

pub mod bufreader;

use crate::interp::value::{Shared, Value};
use crate::interp::{BoxFut, Interp, R};
use crate::registry::Registry;
use crate::stdlib::fs::backend::Handle;
use crate::stdlib::net::socket;
use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;

pub fn register(r: &mut Registry) {
    r.sync("io::stdin", |i, _| crate::stdlib::wrap(i, "io", "Stdin", STDIN.with(|s| s.clone())));
    r.sync("io::stdout", |i, _| crate::stdlib::wrap(i, "io", "Stdout", Rc::new(StdoutObj)));
    r.sync("io::stderr", |i, _| crate::stdlib::wrap(i, "io", "Stderr", Rc::new(StderrObj)));
    r.async_("Stdin::read", stdin_read);
    r.async_("Stdout::write", |i, a| Box::pin(async move { write_out(&i, &a, false, true) }));
    r.async_("Stdout::write_all", |i, a| Box::pin(async move { write_out(&i, &a, false, false) }));
    r.async_("Stdout::flush", |i, _| Box::pin(async move { flush_result(&i, i.flush_checked()) }));
    r.async_("Stderr::write", |i, a| Box::pin(async move { write_out(&i, &a, true, true) }));
    r.async_("Stderr::write_all", |i, a| Box::pin(async move { write_out(&i, &a, true, false) }));
    // stderr is written through at once; flushing it flushes nothing but stdout's order
    r.async_("Stderr::flush", |i, _| Box::pin(async move { Ok(i.ok(Value::Nil)) }));
    bufreader::register(r);
}

// ----- IoError ---------------------------------------------------------------------------

/// The IoError for an OS error on `path` (by errno; anything else is `Other` with the
/// OS's message and the path).
pub fn io_error(interp: &Interp, e: &io::Error, path: &str) -> R<Value> {
    use io::ErrorKind::*;
    let variant = match e.kind() {
        NotFound => "NotFound",
        PermissionDenied => "PermissionDenied",
        AlreadyExists => "AlreadyExists",
        IsADirectory => "IsADirectory",
        NotADirectory => "NotADirectory",
        DirectoryNotEmpty => "DirectoryNotEmpty",
        InvalidData => return invalid_data(interp, format!("{path}: {}", os_message(e))),
        _ => return io_error_variant(interp, "Other", format!("{path}: {}", os_message(e))),
    };
    io_error_variant(interp, variant, path.to_string())
}

pub fn invalid_data(interp: &Interp, message: String) -> R<Value> {
    io_error_variant(interp, "InvalidData", message)
}

pub fn io_error_variant(interp: &Interp, variant: &str, payload: String) -> R<Value> {
    crate::stdlib::std_variant(interp, "io", "IoError", variant, Some(payload))
}

/// `Err(IoError)` for the script.
pub fn io_err(interp: &Interp, e: &io::Error, path: &str) -> R<Value> {
    Ok(interp.err(io_error(interp, e, path)?))
}

/// The OS's message without Rust's " (os error N)" suffix.
pub fn os_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

// ----- standard streams ------------------------------------------------------------------

/// The process's standard input (one per thread: every `io::stdin()` is the same).
pub struct StdinObj {
    /// created on first read, for the thread's driver
    handle: RefCell<Option<Rc<Handle>>>,
    busy: Cell<bool>,
}

crate::native_object!(StdinObj, "StdinHandle", |_s| "<stdin>".to_string());
pub struct StdoutObj;
crate::native_object!(StdoutObj, "StdoutHandle", |_s| "<stdout>".to_string());
pub struct StderrObj;
crate::native_object!(StderrObj, "StderrHandle", |_s| "<stderr>".to_string());

thread_local! {
    static STDIN: Rc<StdinObj> = Rc::new(StdinObj { handle: RefCell::new(None), busy: Cell::new(false) });
}

/// Reads at most `max` bytes of stdin into `buf[start..]`: `Ok(Ok(n))`, or the IoError.
pub async fn read_stdin(interp: &Interp, buf: &Shared<Vec<u8>>, start: usize, max: usize) -> R<Result<usize, Value>> {
    let stdin = STDIN.with(|s| s.clone());
    let _busy = crate::stdlib::Busy::take(&stdin.busy, "another task is already reading from stdin")?;
    read_stdin_now(interp, &stdin, buf, start, max).await
}

async fn read_stdin_now(
    interp: &Interp,
    stdin: &StdinObj,
    buf: &Shared<Vec<u8>>,
    start: usize,
    max: usize,
) -> R<Result<usize, Value>> {
    let handle = {
        let mut slot = stdin.handle.borrow_mut();
        match &*slot {
            Some(h) => h.clone(),
            None => match Handle::std_stream(interp, 0) {
                Ok(h) => slot.insert(Rc::new(h)).clone(),
                Err(e) => return io_error(interp, &e, "<stdin>").map(Err),
            },
        }
    };
    interp.flush(); // a prompt printed before reading shows up first
    match handle.read_shared(buf, start, max, None).await? {
        Ok(n) => Ok(Ok(n)),
        Err(e) => io_error(interp, &e, "<stdin>").map(Err),
    }
}

fn stdin_read(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        crate::stdlib::handle::<StdinObj>(a.first().unwrap_or(&Value::Nil), "Stdin")?;
        let buf = socket::bytes_arg(a.get(1).unwrap_or(&Value::Nil))?;
        let max = socket::length(a.get(2).unwrap_or(&Value::Int(4096)), "max_len")?;
        match read_stdin(&interp, &buf, 0, max).await? {
            Ok(n) => Ok(interp.ok(Value::Int(n as i64))),
            Err(e) => Ok(interp.err(e)),
        }
    })
}

/// `write`/`write_all` on stdout (into `print`'s ordered buffer) or stderr (written
/// through, after stdout's pending text).
fn write_out(interp: &Interp, a: &[Value], to_stderr: bool, count: bool) -> R<Value> {
    let data = a.get(1).unwrap_or(&Value::Nil);
    let n = match data {
        Value::Str(s) => emit(interp, s.s.as_bytes(), to_stderr),
        Value::Bytes(b) => emit(interp, &b.borrow(), to_stderr),
        other => {
            return crate::interp::fail(format!("data to write must be Bytes or String, got {}", other.type_name()));
        }
    };
    match n {
        Ok(n) if count => Ok(interp.ok(Value::Int(n as i64))),
        Ok(_) => Ok(interp.ok(Value::Nil)),
        Err(e) => io_err(interp, &e, if to_stderr { "<stderr>" } else { "<stdout>" }),
    }
}

fn emit(interp: &Interp, bytes: &[u8], to_stderr: bool) -> io::Result<usize> {
    if to_stderr {
        interp.eprint_bytes(bytes)?;
    } else {
        interp.print_bytes(bytes);
    }
    Ok(bytes.len())
}

fn flush_result(interp: &Interp, r: io::Result<()>) -> R<Value> {
    match r {
        Ok(()) => Ok(interp.ok(Value::Nil)),
        Err(e) => io_err(interp, &e, "<stdout>"),
    }
}
