//! What TCP and UDP natives share: address resolution, the handle inside a socket
//! struct, in-flight operation cancellation for listeners and UDP sockets (socket close
//! and task cancel go through monoio's Canceller, so a cancelled receive still returns
//! the datagram it got), read
//! buffers moved into and out of Bytes values without copying, and the registry of open
//! sockets that `runtime.shutdown()` closes.
//!
//! Cancellation (TCP streams excepted: their operations are never cancelled, they are
//! kept for the stream's next operation, see `detach`): each listener and UDP socket
//! has an `Inflight`, two reusable canceller slots, one for the read direction
//! (accept, receive) and one for the write direction (send); `close()` fires both. An
//! `Op` takes a handle of its direction's canceller and registers the slot with the
//! running task (`TaskState::track`), so that cancelling
//! the task, `timeout` and `runtime.shutdown()` fire it too. The operation then
//! completes normally with whatever it got: a UDP receive keeps the datagram, an
//! accept keeps the connection (`pending`), and the task ends cancelled.
//!
//! The canceller belongs to the socket's direction, not to one operation, and monoio's
//! epoll driver keeps one waker per direction; so several accepts on one listener, or
//! several receives or sends on one UDP socket, take turns (`turns::Turns`): one is in
//! flight, the others wait in FIFO order with their own wakers, and cancelling one
//! touches no other. (A TcpStream's halves are taken by one operation at a time, and a
//! second concurrent read or write is an error instead.)
//!
//! Buffers: a read moves the `Vec<u8>` out of the Bytes value into the operation and
//! back (no copy). A write sends a String from its own heap bytes (`StrBuf`, kept alive
//! by its `Rc`) and a Bytes value from a snapshot (`Payload`), so the value stays usable
//! while the write is in flight.

use crate::interp::value::{NativeObject, Value};
use crate::interp::{Ctrl, Interp, R, fail};
use crate::runtime::task::{OpCancel, TaskState, fire};
use std::cell::RefCell;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::{Rc, Weak};

/// Behaviour every native socket offers to the registry.
pub trait Closable {
    fn close_now(&self);
}

thread_local! {
    static OPEN: RefCell<Vec<Weak<dyn Closable>>> = const { RefCell::new(Vec::new()) };
}

pub fn register(sock: Rc<dyn Closable>) {
    OPEN.with(|open| {
        let mut open = open.borrow_mut();
        if open.len() > 64 && open.len().is_power_of_two() {
            open.retain(|w| w.strong_count() > 0);
        }
        open.push(Rc::downgrade(&sock));
    });
}

pub fn close_all() {
    let socks: Vec<_> = OPEN.with(|open| open.borrow_mut().drain(..).filter_map(|w| w.upgrade()).collect());
    for s in socks {
        s.close_now();
    }
}

/// The cancellers of one socket's operations, one per direction (fired by `close()`,
/// and by the cancellation of the task waiting on the operation).
pub struct Inflight {
    read: Rc<OpCancel>,
    write: Rc<OpCancel>,
    /// accepts and receives wait here for their turn (one in flight at a time)
    pub read_turns: Rc<super::turns::Turns>,
    /// sends wait here for their turn
    pub write_turns: Rc<super::turns::Turns>,
}

impl Default for Inflight {
    fn default() -> Inflight {
        let slot = || Rc::new(RefCell::new(Some(monoio::io::Canceller::new())));
        Inflight { read: slot(), write: slot(), read_turns: Rc::default(), write_turns: Rc::default() }
    }
}

impl Inflight {
    pub fn fire_all(&self) {
        fire(&self.read);
        fire(&self.write);
    }
    pub fn read(&self) -> &Rc<OpCancel> {
        &self.read
    }
    pub fn write(&self) -> &Rc<OpCancel> {
        &self.write
    }
}

/// One cancellable operation, registered with the task waiting on it.
pub struct Op {
    pub handle: monoio::io::CancelHandle,
    task: Option<Rc<TaskState>>,
}

impl Op {
    pub fn begin(interp: &Interp, slot: &Rc<OpCancel>) -> Op {
        let handle = match &*slot.borrow() {
            Some(c) => c.handle(),
            None => monoio::io::Canceller::new().handle(),
        };
        let task = interp.rt.current_task.borrow().clone();
        if let Some(t) = &task {
            t.track(slot);
        }
        Op { handle, task }
    }
    /// The running task was cancelled while this operation was in flight.
    pub fn task_cancelled(&self) -> bool {
        self.task.as_ref().is_some_and(|t| t.cancel_requested())
    }
    /// The operation returned (dropping the `Op` says the same; so does a dropped
    /// operation future, e.g. an interrupted REPL entry).
    pub fn done(self) {}
}

impl Drop for Op {
    fn drop(&mut self) {
        if let Some(t) = &self.task {
            t.untrack();
        }
    }
}

/// The error that ends a cancelled task (it propagates; Simple code cannot catch it).
pub fn cancelled() -> Ctrl {
    Ctrl::error("task cancelled")
}

/// `Err(NetError...)` for an OS error.
pub fn io_err(interp: &Interp, e: &std::io::Error) -> R<Value> {
    Ok(interp.err(super::error::from_io(interp, e)?))
}

pub fn named_err(interp: &Interp, variant: &str, message: Option<String>) -> R<Value> {
    Ok(interp.err(super::error::net_error(interp, variant, message)?))
}

/// What a script gets when every address of a bind/connect failed: the last OS error.
pub fn all_failed(interp: &Interp, last: Option<std::io::Error>, what: &str) -> R<Value> {
    match last {
        Some(e) => io_err(interp, &e),
        None => named_err(interp, "AddrParseError", Some(format!("no address to {what}"))),
    }
}

/// Resolves `"host:port"`; `Err` is the `NetError` value to return. An IP address is
/// parsed here; a name goes to the system resolver on the blocking pool, because a
/// lookup can take seconds and the runtime thread serves every other task meanwhile.
pub async fn resolve(interp: &Interp, addr: &Value) -> R<Result<Vec<SocketAddr>, Value>> {
    let Value::Str(s) = addr else {
        return fail(format!("an address must be a String, got {}", addr.type_name()));
    };
    if let Ok(a) = s.s.parse::<SocketAddr>() {
        return Ok(Ok(vec![a]));
    }
    let bad = |msg: String| -> R<Result<Vec<SocketAddr>, Value>> {
        Ok(Err(interp.err(super::error::net_error(interp, "AddrParseError", Some(msg))?)))
    };
    let Some((host, port)) = s.s.rsplit_once(':') else {
        return bad(format!("invalid address `{}` (expected host:port)", s.s));
    };
    if port.parse::<u16>().is_err() || host.is_empty() {
        return bad(format!("invalid address `{}` (expected host:port)", s.s));
    }
    let name = s.s.to_string();
    let looked_up = crate::stdlib::blocking(move || {
        if let Some(ms) = *RESOLVE_DELAY_MS {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        name.to_socket_addrs().map(|a| a.collect::<Vec<_>>())
    })
    .await?;
    match looked_up {
        Ok(addrs) => {
            if addrs.is_empty() {
                bad(format!("`{}` resolves to no address", s.s))
            } else {
                Ok(Ok(addrs))
            }
        }
        Err(e) => bad(format!("cannot resolve `{}`: {e}", s.s)),
    }
}

/// `SIMPLE_RESOLVE_DELAY_MS`: every name lookup first waits this long on its pool
/// thread — a stalled resolver on demand, for tests that show the runtime keeps serving.
static RESOLVE_DELAY_MS: std::sync::LazyLock<Option<u64>> =
    std::sync::LazyLock::new(|| std::env::var("SIMPLE_RESOLVE_DELAY_MS").ok()?.parse().ok());

pub use crate::stdlib::{handle, wrap};

/// A new open socket for the script: registered (so `runtime.shutdown()` closes it)
/// and wrapped in its std/net struct, as `Ok(...)`.
pub fn publish<T: NativeObject + Closable>(interp: &Interp, module: &str, type_name: &str, obj: T) -> R<Value> {
    let obj = Rc::new(obj);
    register(obj.clone());
    Ok(interp.ok(wrap(interp, module, type_name, obj)?))
}

/// Binds the first address of `addr` (a script value) that `make` can bind: the socket
/// and its address, or the NetError value for the script.
pub async fn bind_first<T>(
    interp: &Interp,
    addr: &Value,
    make: impl Fn(SocketAddr) -> std::io::Result<T>,
) -> R<Result<(T, SocketAddr), Value>> {
    let addrs = match resolve(interp, addr).await? {
        Ok(addrs) => addrs,
        Err(e) => return Ok(Err(e)),
    };
    let mut last = None;
    for a in addrs {
        match make(a) {
            Ok(s) => {
                // a server has almost always finished starting once it listens
                crate::resident::release_startup_code();
                return Ok(Ok((s, a)));
            }
            Err(e) => last = Some(e),
        }
    }
    all_failed(interp, last, "bind").map(Err)
}

/// The running task has been asked to stop: it must reach a suspension point (an
/// operation on the ring) rather than finish one at once.
pub fn cancelling(interp: &Interp) -> bool {
    interp.rt.current_task.borrow().as_ref().is_some_and(|t| t.cancel_requested())
}

/// A non-blocking attempt found the socket not ready (or was interrupted): the ring
/// operation waits instead.
pub fn not_ready(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted)
}

/// A `max_len` argument.
pub fn length(v: &Value, what: &str) -> R<usize> {
    match v {
        Value::Int(n) if *n >= 0 && *n <= (1 << 30) => Ok(*n as usize),
        Value::Int(n) => fail(format!("{what} must be between 0 and 2^30, got {n}")),
        other => fail(format!("{what} must be an int, got {}", other.type_name())),
    }
}

/// The Bytes buffer a read fills (`&mut buf`).
pub fn bytes_arg(v: &Value) -> R<Rc<RefCell<Vec<u8>>>> {
    match v {
        Value::Bytes(b) => Ok(b.clone()),
        other => fail(format!("the read buffer must be Bytes, got {}", other.type_name())),
    }
}

/// Data to send: a snapshot of a Bytes value, or a String's shared text.
pub enum Payload {
    /// a snapshot of a Bytes value's contents
    Bytes(Vec<u8>),
    Str(Rc<crate::interp::value::Str>),
}

impl Payload {
    /// What to send. A String is immutable and goes to the kernel as it is; so is a Bytes
    /// value only this argument holds. Another Bytes value is copied, because the program
    /// (or several tasks writing the same value at once) may use or change it while the
    /// write is in flight — lending its buffer left the value empty meanwhile, and a
    /// second concurrent write then sent nothing.
    pub fn from_value(v: &Value) -> R<Payload> {
        match v {
            // a value nothing else holds (`buffer.slice(0, n)` passed straight in) can
            // never be seen again: its vector is sent as it is, without the copy
            Value::Bytes(b) if std::rc::Rc::strong_count(b) == 1 && std::rc::Rc::weak_count(b) == 0 => {
                Ok(Payload::Bytes(std::mem::take(&mut *b.borrow_mut())))
            }
            Value::Bytes(b) => {
                let b = b.borrow();
                let mut snapshot = crate::interp::byte_pool::take(b.len());
                snapshot.extend_from_slice(&b);
                Ok(Payload::Bytes(snapshot))
            }
            Value::Str(s) => Ok(Payload::Str(s.clone())),
            other => fail(format!("data to send must be Bytes or String, got {}", other.type_name())),
        }
    }

    /// A Bytes payload's buffer back to the pool, once the write is done.
    pub fn give_back(self) {
        if let Payload::Bytes(vec) = self {
            crate::interp::byte_pool::give_back(vec);
        }
    }
}

// SAFETY: the pointer is to the snapshot's heap bytes or the String's, which neither
// moves nor changes while the payload is held (a Vec is not touched, an `Rc<Str>`
// never mutated).
unsafe impl monoio::buf::IoBuf for Payload {
    fn read_ptr(&self) -> *const u8 {
        match self {
            Payload::Bytes(v) => v.as_ptr(),
            Payload::Str(s) => s.s.as_ptr(),
        }
    }
    fn bytes_init(&self) -> usize {
        match self {
            Payload::Bytes(v) => v.len(),
            Payload::Str(s) => s.s.len(),
        }
    }
}

/// A String's text as an owned io buffer (the `Rc` keeps the bytes alive and still).
pub struct StrBuf(pub Rc<crate::interp::value::Str>);

// SAFETY: the pointer is to the String's heap bytes, which an `Rc<Str>` never mutates
// or moves while this value holds it.
unsafe impl monoio::buf::IoBuf for StrBuf {
    fn read_ptr(&self) -> *const u8 {
        self.0.s.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.0.s.len()
    }
}

/// Formats a socket address the way addresses are written in scripts. An IPv4 address
/// (every datagram's sender in a UDP server) is written out by hand: `Display` pads it
/// through a formatter, which was a tenth of a UDP echo's instructions.
pub fn addr_string(a: &SocketAddr) -> Value {
    let SocketAddr::V4(v4) = a else { return Value::str(a.to_string()) };
    let mut s = String::with_capacity(21);
    for (k, octet) in v4.ip().octets().into_iter().enumerate() {
        if k > 0 {
            s.push('.');
        }
        crate::interp::display::write_int(&mut s, i64::from(octet));
    }
    s.push(':');
    crate::interp::display::write_int(&mut s, i64::from(v4.port()));
    Value::str(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addr_string_matches_display() {
        for a in ["0.0.0.0:0", "127.0.0.1:8080", "10.0.100.7:443", "255.255.255.255:65535", "[::1]:9", "[fe80::1%2]:80"]
        {
            let addr: SocketAddr = a.parse().unwrap();
            match addr_string(&addr) {
                Value::Str(s) => assert_eq!(&*s.s, addr.to_string()),
                other => panic!("not a string: {}", other.type_name()),
            }
        }
    }
}
