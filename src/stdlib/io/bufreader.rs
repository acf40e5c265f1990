//! `io::BufReader`: line-, delimiter- and length-framed reads over a File, a TcpStream
//! or stdin, natively (a line server in Simple reads as briefly as in Python). Errors
//! are the source's own: IoError for files and stdin, NetError for sockets.

use crate::interp::value::{Shared, Value};
use crate::interp::{BoxFut, Interp, R, fail};
use crate::registry::Registry;
use crate::stdlib::fs::file::FileObj;
use crate::stdlib::io::{StdinObj, io_error_variant, read_stdin};
use crate::stdlib::net::socket;
use crate::stdlib::net::tcp;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How much one refill asks the source for.
const CHUNK: usize = 64 << 10;

pub fn register(r: &mut Registry) {
    r.sync("BufReader::new", |i, a| {
        let source = Source::of(a.first().unwrap_or(&Value::Nil))?;
        let obj = BufReaderObj {
            source,
            buf: Rc::new(RefCell::new(Vec::new())),
            pos: Cell::new(0),
            scanned: Cell::new(0),
            eof: Cell::new(false),
            busy: Cell::new(false),
            spare: RefCell::new(Vec::new()),
        };
        crate::stdlib::wrap(i, "io", "BufReader", Rc::new(obj))
    });
    r.async_("BufReader::read_line", |i, a| guarded(i, a, |i, r, _| Box::pin(async move { r.read_line(&i).await })));
    r.async_("BufReader::read_until", |i, a| {
        guarded(i, a, |i, r, a| {
            Box::pin(async move {
                let delim = delimiter(a.get(1).unwrap_or(&Value::Nil))?;
                r.read_until(&i, delim).await
            })
        })
    });
    r.async_("BufReader::read_exact", |i, a| {
        guarded(i, a, |i, r, a| {
            Box::pin(async move {
                let n = socket::length(a.get(1).unwrap_or(&Value::Nil), "n")?;
                r.read_exact(&i, n).await
            })
        })
    });
    r.async_("BufReader::read", |i, a| {
        guarded(i, a, |i, r, a| {
            Box::pin(async move {
                let buf = socket::bytes_arg(a.get(1).unwrap_or(&Value::Nil))?;
                let max = socket::length(a.get(2).unwrap_or(&Value::Int(4096)), "max_len")?;
                r.read(&i, &buf, max).await
            })
        })
    });
}

/// What a BufReader reads from.
enum Source {
    Tcp(Value),
    File(Value),
    Stdin,
}

impl Source {
    fn of(v: &Value) -> R<Source> {
        if crate::stdlib::handle::<tcp::Stream>(v, "TcpStream").is_ok() {
            Ok(Source::Tcp(v.clone()))
        } else if crate::stdlib::handle::<FileObj>(v, "File").is_ok() {
            Ok(Source::File(v.clone()))
        } else if crate::stdlib::handle::<StdinObj>(v, "Stdin").is_ok() {
            Ok(Source::Stdin)
        } else {
            fail(format!("BufReader::new() needs a File, a TcpStream or io::stdin(), got {}", v.type_name()))
        }
    }

    async fn read_into(
        &self,
        interp: &Interp,
        buf: &Shared<Vec<u8>>,
        start: usize,
        max: usize,
    ) -> R<Result<usize, Value>> {
        match self {
            Source::Tcp(v) => tcp::read_from(interp, v, buf, start, max).await,
            Source::File(v) => crate::stdlib::fs::file::read_into(interp, v, buf, start, max).await,
            Source::Stdin => read_stdin(interp, buf, start, max).await,
        }
    }

    /// The source's error for data that is not what was asked for.
    fn bad_data(&self, interp: &Interp, message: String) -> R<Value> {
        match self {
            Source::Tcp(_) => crate::stdlib::net::error::net_error(interp, "IoError", Some(message)),
            _ => io_error_variant(interp, "InvalidData", message),
        }
    }

    /// The source's error for input that ended too early (`read_exact`).
    fn ended(&self, interp: &Interp, got: usize, wanted: usize) -> R<Value> {
        match self {
            Source::Tcp(_) => crate::stdlib::net::error::net_error(interp, "ConnectionReset", None),
            _ => io_error_variant(interp, "Other", format!("unexpected end of input: got {got} of {wanted} bytes")),
        }
    }
}

pub struct BufReaderObj {
    source: Source,
    /// bytes read and not consumed yet: `buf[pos..]`
    buf: Shared<Vec<u8>>,
    pos: Cell<usize>,
    /// `buf[pos..scanned]` is known not to hold the delimiter being looked for
    scanned: Cell<usize>,
    eof: Cell<bool>,
    busy: Cell<bool>,
    /// the buffer refills read into (kept for its capacity)
    spare: RefCell<Vec<u8>>,
}

crate::native_object!(BufReaderObj, "BufReaderHandle", |_r| "<BufReader>".to_string());

/// Runs one BufReader operation, refusing a second one at the same time (they would
/// take each other's bytes).
fn guarded(
    interp: Rc<Interp>,
    a: Vec<Value>,
    op: fn(Rc<Interp>, Rc<BufReaderObj>, Vec<Value>) -> BoxFut<'static>,
) -> BoxFut<'static> {
    Box::pin(async move {
        let o = crate::stdlib::handle::<BufReaderObj>(a.first().unwrap_or(&Value::Nil), "BufReader")?;
        let any: Rc<dyn std::any::Any> = o;
        let Ok(reader) = any.downcast::<BufReaderObj>() else { return fail("expected a BufReader") };
        let _busy = crate::stdlib::Busy::take(&reader.busy, "another task is already reading from this BufReader")?;
        op(interp, reader.clone(), a).await
    })
}

/// `read_until`'s delimiter: an int byte, or a one-byte String or Bytes.
fn delimiter(v: &Value) -> R<u8> {
    match v {
        Value::Int(n) if (0..=255).contains(n) => Ok(*n as u8),
        Value::Str(s) if s.s.len() == 1 => Ok(s.s.as_bytes()[0]),
        Value::Bytes(b) if b.borrow().len() == 1 => Ok(b.borrow()[0]),
        other => fail(format!("the delimiter must be a byte (0..=255) or a one-byte String, got {}", other.display())),
    }
}

impl BufReaderObj {
    fn available(&self) -> usize {
        self.buf.borrow().len() - self.pos.get()
    }

    /// Reads more from the source at the end of the buffer (dropping consumed bytes
    /// first): `Ok(Ok(false))` at the end of the input.
    async fn fill(&self, interp: &Interp) -> R<Result<bool, Value>> {
        let pos = self.pos.get();
        if pos > 0 {
            self.buf.borrow_mut().drain(..pos);
            self.scanned.set(self.scanned.get() - pos);
            self.pos.set(0);
        }
        // into a separate buffer: if the task is cancelled during the read, only the
        // bytes of that read are lost, never those already buffered
        let spare = Rc::new(RefCell::new(std::mem::take(&mut *self.spare.borrow_mut())));
        let got = self.source.read_into(interp, &spare, 0, CHUNK).await?;
        let mut chunk = std::mem::take(&mut *spare.borrow_mut());
        self.buf.borrow_mut().extend_from_slice(&chunk);
        chunk.clear();
        *self.spare.borrow_mut() = chunk;
        match got {
            Ok(0) => {
                self.eof.set(true);
                Ok(Ok(false))
            }
            Ok(_) => Ok(Ok(true)),
            Err(e) => Ok(Err(e)),
        }
    }

    /// Takes `buf[pos..end]`, consuming `skip` more bytes after it.
    fn take(&self, end: usize, skip: usize) -> Vec<u8> {
        let pos = self.pos.get();
        let out = self.buf.borrow()[pos..end].to_vec();
        self.pos.set(end + skip);
        self.scanned.set(end + skip);
        out
    }

    /// The bytes up to the next `delim` (`Some((bytes, true))`, delimiter not included),
    /// or the rest of the input at its end (`Some((bytes, false))`), or None.
    async fn until(&self, interp: &Interp, delim: u8) -> R<Result<Option<(Vec<u8>, bool)>, Value>> {
        self.scanned.set(self.scanned.get().max(self.pos.get()));
        loop {
            let found = {
                let buf = self.buf.borrow();
                let from = self.scanned.get();
                buf[from..].iter().position(|b| *b == delim).map(|i| from + i)
            };
            if let Some(at) = found {
                return Ok(Ok(Some((self.take(at, 1), true))));
            }
            self.scanned.set(self.buf.borrow().len());
            if self.eof.get() {
                let len = self.buf.borrow().len();
                return Ok(Ok((len > self.pos.get()).then(|| (self.take(len, 0), false))));
            }
            if let Err(e) = self.fill(interp).await? {
                return Ok(Err(e));
            }
        }
    }

    async fn read_line(&self, interp: &Interp) -> R<Value> {
        let mut line = match self.until(interp, b'\n').await? {
            Ok(Some((line, _))) => line,
            Ok(None) => return Ok(interp.ok(interp.option(None))),
            Err(e) => return Ok(interp.err(e)),
        };
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        match String::from_utf8(line) {
            Ok(s) => Ok(interp.ok(interp.option(Some(Value::str(s))))),
            Err(e) => {
                let msg = format!("invalid UTF-8 in a line at byte {}", e.utf8_error().valid_up_to());
                Ok(interp.err(self.source.bad_data(interp, msg)?))
            }
        }
    }

    async fn read_until(&self, interp: &Interp, delim: u8) -> R<Value> {
        match self.until(interp, delim).await? {
            Ok(Some((mut bytes, found))) => {
                if found {
                    bytes.push(delim);
                }
                Ok(interp.ok(interp.option(Some(Value::bytes(bytes)))))
            }
            Ok(None) => Ok(interp.ok(interp.option(None))),
            Err(e) => Ok(interp.err(e)),
        }
    }

    async fn read_exact(&self, interp: &Interp, n: usize) -> R<Value> {
        while self.available() < n {
            if self.eof.get() {
                return Ok(interp.err(self.source.ended(interp, self.available(), n)?));
            }
            if let Err(e) = self.fill(interp).await? {
                return Ok(interp.err(e));
            }
        }
        let end = self.pos.get() + n;
        Ok(interp.ok(Value::bytes(self.take(end, 0))))
    }

    /// Buffered bytes first; with none buffered, straight from the source into `buf`.
    async fn read(&self, interp: &Interp, buf: &Shared<Vec<u8>>, max: usize) -> R<Value> {
        let avail = self.available();
        if avail == 0 && !self.eof.get() {
            return match self.source.read_into(interp, buf, 0, max).await? {
                Ok(n) => Ok(interp.ok(Value::Int(n as i64))),
                Err(e) => Ok(interp.err(e)),
            };
        }
        let n = avail.min(max);
        let end = self.pos.get() + n;
        *buf.borrow_mut() = self.take(end, 0);
        Ok(interp.ok(Value::Int(n as i64)))
    }
}
