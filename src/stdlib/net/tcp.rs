//! TCP natives behind std/net/tcp.spl: listeners and streams on monoio. A stream is
//! split into its read and write halves so one task can read while another writes;
//! each operation takes its half for its duration (an operation its task stopped
//! waiting for keeps it until the next one finishes it: see `detach`).

use super::detach::{self, InFlight, ReadOp, WriteOp};
use super::socket::{self, Closable, Inflight, Op, Payload, addr_string, cancelled, io_err, named_err};
use crate::interp::value::{NativeObject, Value};
use crate::interp::{BoxFut, Interp, R, fail};
use crate::registry::Registry;
use crate::runtime::Stats;
use monoio::buf::{IoBuf, SliceMut};
use monoio::io::Splitable;
use monoio::net::tcp::{TcpOwnedReadHalf, TcpOwnedWriteHalf};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::rc::Rc;

pub fn register(r: &mut Registry) {
    r.async_("TcpListener::bind", bind);
    r.async_("TcpListener::accept", accept);
    // the seed's API: a listener's address is a String, a stream's an Option[String]
    r.sync("TcpListener::local_addr", |_, a| with_listener(a, |l| Ok(addr_string(&l.local))));
    r.sync("TcpListener::close", |i, a| {
        with_listener(a, |l| {
            l.close_now();
            Ok(i.ok(Value::Nil))
        })
    });
    r.async_("TcpStream::connect", connect);
    r.async_("TcpStream::read", read);
    r.async_("TcpStream::read_exact", read_exact);
    r.async_("TcpStream::write", |i, a| write(i, a, false));
    r.async_("TcpStream::write_all", |i, a| write(i, a, true));
    r.async_("TcpStream::flush", |i, a| Box::pin(async move { with_stream(&a, |_| Ok(i.ok(Value::Nil))) }));
    r.sync("TcpStream::shutdown", shutdown);
    r.sync("TcpStream::close", |i, a| {
        with_stream(a, |s| {
            s.close_now();
            Ok(i.ok(Value::Nil))
        })
    });
    r.sync("TcpStream::local_addr", |i, a| {
        with_stream(a, |s| Ok(i.option((!s.closed.get()).then(|| addr_string(&s.local)))))
    });
    r.sync("TcpStream::peer_addr", |i, a| {
        with_stream(a, |s| Ok(i.option((!s.closed.get()).then(|| addr_string(&s.peer)))))
    });
    r.sync("TcpStream::is_connected", |_, a| with_stream(a, |s| Ok(Value::Bool(!s.closed.get()))));
    r.sync("TcpStream::set_nodelay", set_nodelay);
    r.sync("TcpStream::set_keepalive", set_keepalive);
}

// ----- objects ---------------------------------------------------------------------------

pub struct Listener {
    listener: RefCell<Option<Rc<monoio::net::TcpListener>>>,
    fd: RawFd,
    local: SocketAddr,
    inflight: Inflight,
    /// connections an accept received just as its task was cancelled
    pending: RefCell<VecDeque<(monoio::net::TcpStream, SocketAddr)>>,
}

pub struct Stream {
    read: RefCell<Option<TcpOwnedReadHalf>>,
    write: RefCell<Option<TcpOwnedWriteHalf>>,
    fd: RawFd,
    local: SocketAddr,
    peer: SocketAddr,
    closed: Cell<bool>,
    /// bytes a read its task stopped waiting for received: the next read returns them first
    leftover: RefCell<Vec<u8>>,
    /// the read or write (with its half) a stopped task left in flight
    detached_read: RefCell<Option<ReadOp>>,
    detached_write: RefCell<Option<WriteOp>>,
}

crate::native_object!(Listener, "TcpListenerHandle", |l| format!("<tcp listener {}>", l.local));
crate::native_object!(Stream, "TcpStreamHandle", |s| format!("<tcp {} -> {}>", s.local, s.peer));

impl Closable for Listener {
    fn close_now(&self) {
        if let Some(l) = self.listener.borrow_mut().take() {
            // io_uring closes descriptors asynchronously: stop listening right now, so
            // that a connect after close() is refused rather than half-accepted.
            // SAFETY: `l` keeps the descriptor open for the duration of this call.
            let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
            let _ = socket2::SockRef::from(&fd).shutdown(std::net::Shutdown::Both);
            drop(l);
        }
        self.pending.borrow_mut().clear();
        self.inflight.fire_all();
    }
}

impl Closable for Stream {
    fn close_now(&self) {
        if self.closed.replace(true) {
            return;
        }
        let read = self.read.borrow_mut().take();
        let write = self.write.borrow_mut().take();
        if read.is_none() || write.is_none() {
            // An operation holds a half. Shutting the connection down makes it return
            // now (a read with 0 bytes, a blocked write with EPIPE), and it reports
            // NotConnected. SAFETY: that operation owns the half, so the descriptor is open.
            let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
            let _ = socket2::SockRef::from(&fd).shutdown(std::net::Shutdown::Both);
        }
        let detached = (self.detached_read.borrow_mut().take(), self.detached_write.borrow_mut().take());
        drop((read, write, detached));
    }
}

impl Stream {
    /// `peer` comes from accept (a connection reset before it was accepted has no
    /// peer address any more: its reads report the reset instead).
    fn new(stream: monoio::net::TcpStream, peer: Option<SocketAddr>) -> std::io::Result<Stream> {
        let fd = stream.as_raw_fd();
        let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
        let local = stream.local_addr().unwrap_or(unspecified);
        let peer = match peer {
            Some(p) => p,
            None => stream.peer_addr()?,
        };
        let (r, w) = stream.into_split();
        Ok(Stream {
            read: RefCell::new(Some(r)),
            write: RefCell::new(Some(w)),
            fd,
            local,
            peer,
            closed: Cell::new(false),
            leftover: RefCell::new(Vec::new()),
            detached_read: RefCell::new(None),
            detached_write: RefCell::new(None),
        })
    }
    /// socket2's view of the descriptor, for options monoio lacks.
    fn with_sock<T>(&self, f: impl FnOnce(socket2::SockRef<'_>) -> std::io::Result<T>) -> std::io::Result<T> {
        if self.closed.get() {
            return Err(std::io::Error::from_raw_os_error(107)); // ENOTCONN
        }
        // SAFETY: the descriptor stays open while the stream is not closed: its halves own
        // it, and a half is only ever dropped by close() (an operation holds it in its
        // future and puts it back, or is kept with it in a `detached_*` slot).
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        f(socket2::SockRef::from(&fd))
    }
}

fn with_listener<T>(a: &[Value], f: impl FnOnce(&Listener) -> R<T>) -> R<T> {
    f(&*socket::handle::<Listener>(a.first().unwrap_or(&Value::Nil), "TcpListener")?)
}

fn with_stream<T>(a: &[Value], f: impl FnOnce(&Stream) -> R<T>) -> R<T> {
    f(&*stream_arg(a)?)
}

fn stream_arg(a: &[Value]) -> R<Rc<Stream>> {
    socket::handle::<Stream>(a.first().unwrap_or(&Value::Nil), "TcpStream")
}

fn wrap_stream(interp: &Interp, s: monoio::net::TcpStream, peer: Option<SocketAddr>) -> R<Value> {
    match Stream::new(s, peer) {
        Ok(stream) => socket::publish(interp, "net.tcp", "TcpStream", stream),
        Err(e) => io_err(interp, &e),
    }
}

// ----- listener --------------------------------------------------------------------------

fn listen_socket(addr: SocketAddr, reuse_port: bool) -> std::io::Result<std::net::TcpListener> {
    let sock =
        socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
    sock.set_reuse_address(true)?;
    if reuse_port {
        sock.set_reuse_port(true)?;
    }
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.bind(&addr.into())?;
    sock.listen(1024)?;
    sock.set_nonblocking(true)?;
    Ok(sock.into())
}

fn bind(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        match bind_raw(&interp, a.first().unwrap_or(&Value::Nil)).await? {
            Ok(listener) => Ok(interp.ok(socket::wrap(&interp, "net.tcp", "TcpListener", listener)?)),
            Err(e) => Ok(e),
        }
    })
}

fn accept(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let o = socket::handle::<Listener>(a.first().unwrap_or(&Value::Nil), "TcpListener")?;
        match accept_raw(&interp, &o).await? {
            Ok((s, peer)) => wrap_stream(&interp, s, Some(peer)),
            Err(e) => Ok(e),
        }
    })
}

/// The next connection of a listener (`o`: its native object): the monoio stream and
/// the peer, or the `Err(NetError)` value (the HTTP server accepts through this).
pub async fn accept_raw(interp: &Interp, l: &Listener) -> R<Result<(monoio::net::TcpStream, SocketAddr), Value>> {
    let _turn = l.inflight.read_turns.wait().await;
    let ready = l.pending.borrow_mut().pop_front();
    if let Some((s, peer)) = ready {
        Stats::add(&interp.rt.stats.connections_accepted, 1);
        return Ok(Ok((s, peer)));
    }
    let Some(listener) = l.listener.borrow().clone() else {
        return named_err(interp, "NotConnected", None).map(Err);
    };
    let op = Op::begin(interp, l.inflight.read());
    let r = listener.cancelable_accept(op.handle.clone()).await;
    let task_cancelled = op.task_cancelled();
    op.done();
    let closed = l.listener.borrow().is_none();
    match r {
        Ok((s, peer)) if task_cancelled && !closed => {
            l.pending.borrow_mut().push_back((s, peer));
            Err(cancelled())
        }
        Ok((s, peer)) => {
            Stats::add(&interp.rt.stats.connections_accepted, 1);
            Ok(Ok((s, peer)))
        }
        Err(_) if closed => named_err(interp, "NotConnected", None).map(Err),
        Err(_) if task_cancelled => Err(cancelled()),
        Err(e) => io_err(interp, &e).map(Err),
    }
}

/// Binds a listener the way `TcpListener::bind` does: its native object, or the
/// `Err(NetError)` value (the HTTP server binds through this).
pub async fn bind_raw(interp: &Interp, addr: &Value) -> R<Result<Rc<dyn NativeObject>, Value>> {
    let reuse_port = interp.rt.reuse_port.get();
    let bound = socket::bind_first(interp, addr, |addr| {
        listen_socket(addr, reuse_port).and_then(monoio::net::TcpListener::from_std)
    })
    .await?;
    let (l, addr) = match bound {
        Ok(bound) => bound,
        Err(e) => return Ok(Err(e)),
    };
    let listener = Rc::new(Listener {
        fd: l.as_raw_fd(),
        local: l.local_addr().unwrap_or(addr),
        listener: RefCell::new(Some(Rc::new(l))),
        inflight: Inflight::default(),
        pending: RefCell::new(VecDeque::new()),
    });
    socket::register(listener.clone());
    Ok(Ok(listener))
}

impl Listener {
    pub fn local(&self) -> SocketAddr {
        self.local
    }
    pub fn is_closed(&self) -> bool {
        self.listener.borrow().is_none()
    }
}

// ----- stream ----------------------------------------------------------------------------

fn connect(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        match connect_raw(&interp, a.first().unwrap_or(&Value::Nil)).await? {
            Ok(s) => wrap_stream(&interp, s, None),
            Err(e) => Ok(e),
        }
    })
}

/// Connects to the first address of `addr` (a script value) that accepts: the monoio
/// stream, or the `Err(NetError)` value for the script (TLS and HTTP clients use this).
pub async fn connect_raw(interp: &Interp, addr: &Value) -> R<Result<monoio::net::TcpStream, Value>> {
    let addrs = match socket::resolve(interp, addr).await? {
        Ok(addrs) => addrs,
        Err(e) => return Ok(Err(e)),
    };
    let mut last = None;
    for addr in addrs {
        match monoio::net::TcpStream::connect_addr(addr).await {
            Ok(s) => return Ok(Ok(s)),
            Err(e) => last = Some(e),
        }
    }
    socket::all_failed(interp, last, "connect to").map(Err)
}

/// Takes the connection out of a TcpStream value (TLS wraps it): the monoio stream and
/// its peer's address. The TcpStream is closed for the script afterwards. `Err`: why it
/// cannot be taken (closed, or an operation on it is running).
pub fn take_stream(v: &Value) -> R<Result<(monoio::net::TcpStream, SocketAddr), &'static str>> {
    let s = socket::handle::<Stream>(v, "TcpStream")?;
    if s.closed.get() {
        return Ok(Err("the TcpStream is closed"));
    }
    if !s.leftover.borrow().is_empty() || s.detached_read.borrow().is_some() {
        return Ok(Err("the TcpStream has unread bytes from a cancelled read"));
    }
    if s.detached_write.borrow().is_some() {
        return Ok(Err("a cancelled write on the TcpStream is still in flight"));
    }
    if s.read.borrow().is_none() || s.write.borrow().is_none() {
        return Ok(Err("another task is using the TcpStream"));
    }
    let (Some(r), Some(w)) = (s.read.borrow_mut().take(), s.write.borrow_mut().take()) else {
        unreachable!("both halves were just checked")
    };
    s.closed.set(true);
    match r.reunite(w) {
        Ok(stream) => Ok(Ok((stream, s.peer))),
        Err(_) => Ok(Err("the TcpStream's halves do not match")),
    }
}

/// A read of at most `max` bytes into `buf[start..]`, begun: finished at once
/// (buffered bytes, a closed stream, a busy half) or an operation to wait for. Split
/// from `finish_read` so that a read native waits for the operation itself, without
/// an async function level between it and the kernel on every poll.
enum ReadStart {
    Done(R<Result<usize, Value>>),
    Wait(ReadOp, ReadWait),
}

/// What a read in flight finishes with: the buffer's vector (taken out of the Bytes
/// value meanwhile, unless a resumed operation reads into its own), where the bytes go.
struct ReadWait {
    vec: Vec<u8>,
    resumed: bool,
    start: usize,
    max: usize,
}

/// Reads at most `max` bytes, appended to `buf` after its first `start` bytes.
/// `Ok(Err(v))` is a NetError value for the script.
async fn read_into(
    interp: &Interp,
    s: &Stream,
    buf: &Rc<RefCell<Vec<u8>>>,
    start: usize,
    max: usize,
) -> R<Result<usize, Value>> {
    match start_read(interp, s, buf, start, max) {
        ReadStart::Done(r) => r,
        ReadStart::Wait(op, w) => {
            let done = InFlight::new(&s.detached_read, &s.closed, op, |op| op).await;
            finish_read(interp, s, buf, w, done)
        }
    }
}

fn start_read(interp: &Interp, s: &Stream, buf: &Rc<RefCell<Vec<u8>>>, start: usize, max: usize) -> ReadStart {
    if s.closed.get() {
        return ReadStart::Done(named_err(interp, "NotConnected", None).map(Err));
    }
    let mut vec = std::mem::take(&mut *buf.borrow_mut());
    vec.truncate(start);
    {
        let mut left = s.leftover.borrow_mut();
        if !left.is_empty() || max == 0 {
            let n = max.min(left.len());
            vec.extend(left.drain(..n));
            *buf.borrow_mut() = vec;
            return ReadStart::Done(Ok(Ok(n)));
        }
    }
    // a read a stopped task left in flight comes first: its bytes are the next ones
    let detached = s.detached_read.borrow_mut().take();
    let resumed = detached.is_some();
    let op = match detached {
        Some(op) => op,
        None => {
            let Some(half) = s.read.borrow_mut().take() else {
                *buf.borrow_mut() = vec;
                return ReadStart::Done(fail("another task is already reading from this TcpStream"));
            };
            vec.reserve(max);
            detach::read(half, SliceMut::new(std::mem::take(&mut vec), start, start + max))
        }
    };
    ReadStart::Wait(op, ReadWait { vec, resumed, start, max })
}

/// The end of a read: the half back in the stream, the bytes in `buf`, the count.
fn finish_read(
    interp: &Interp,
    s: &Stream,
    buf: &Rc<RefCell<Vec<u8>>>,
    w: ReadWait,
    (res, slice, half): detach::ReadDone,
) -> R<Result<usize, Value>> {
    let ReadWait { mut vec, resumed, start, max } = w;
    if s.closed.get() {
        if !resumed {
            vec = slice.into_inner();
        }
        vec.truncate(start);
        *buf.borrow_mut() = vec;
        return named_err(interp, "NotConnected", None).map(Err);
    }
    *s.read.borrow_mut() = Some(half);
    let res = if resumed {
        take_detached_bytes(s, &mut vec, res, slice, max)
    } else {
        vec = slice.into_inner();
        res
    };
    let out = match res {
        Ok(n) => {
            Stats::add(&interp.rt.stats.bytes_read, n as u64);
            Ok(Ok(n))
        }
        Err(e) => io_err(interp, &e).map(Err),
    };
    *buf.borrow_mut() = vec;
    out
}

/// A resumed read's bytes (in its own buffer): at most `max` of them appended to
/// `vec`, the rest kept for the next read.
fn take_detached_bytes(
    s: &Stream,
    vec: &mut Vec<u8>,
    res: std::io::Result<usize>,
    slice: SliceMut<Vec<u8>>,
    max: usize,
) -> std::io::Result<usize> {
    let n = res?;
    let begin = slice.begin();
    let got = slice.into_inner();
    let bytes = &got[begin..begin + n];
    let k = n.min(max);
    vec.extend_from_slice(&bytes[..k]);
    s.leftover.borrow_mut().extend_from_slice(&bytes[k..]);
    Ok(k)
}

/// Reads at most `max` bytes of the TcpStream `v` into `buf[start..]`: `Ok(Ok(n))`, or
/// the NetError (BufReader reads sockets through this).
pub async fn read_from(
    interp: &Interp,
    v: &Value,
    buf: &Rc<RefCell<Vec<u8>>>,
    start: usize,
    max: usize,
) -> R<Result<usize, Value>> {
    let o = socket::handle::<Stream>(v, "TcpStream")?;
    read_into(interp, &o, buf, start, max).await
}

/// `stream.read(&mut buf, max)`: `read_into` written out (its start, the wait, its
/// finish), which spares every read a future level.
fn read(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let s = stream_arg(&a)?;
        let buf = socket::bytes_arg(a.get(1).unwrap_or(&Value::Nil))?;
        let max = socket::length(a.get(2).unwrap_or(&Value::Int(4096)), "max_len")?;
        let r = match start_read(&interp, &s, &buf, 0, max) {
            ReadStart::Done(r) => r,
            ReadStart::Wait(op, w) => {
                let done = InFlight::new(&s.detached_read, &s.closed, op, |op| op).await;
                finish_read(&interp, &s, &buf, w, done)
            }
        };
        match r? {
            Ok(n) => Ok(interp.ok(Value::Int(n as i64))),
            Err(e) => Ok(e),
        }
    })
}

/// Reads exactly `len` bytes; the stream ending first is `ConnectionReset`.
fn read_exact(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let o = stream_arg(&a)?;
        let buf = socket::bytes_arg(a.get(1).unwrap_or(&Value::Nil))?;
        let len = socket::length(a.get(2).unwrap_or(&Value::Nil), "len")?;
        let mut filled = 0;
        while filled < len {
            match read_into(&interp, &o, &buf, filled, len - filled).await? {
                Ok(0) => return named_err(&interp, "ConnectionReset", None),
                Ok(n) => filled += n,
                Err(e) => return Ok(e),
            }
        }
        buf.borrow_mut().truncate(len);
        Ok(interp.ok(Value::Nil))
    })
}

/// `write(data)` (once) or `write_all(data)` (until everything is written). The loop
/// is the native's own future (no async function level under it on every poll), and
/// a Bytes payload's buffer goes back to the pool when the write is done.
fn write(interp: Rc<Interp>, a: Vec<Value>, all: bool) -> BoxFut<'static> {
    Box::pin(async move {
        let s = stream_arg(&a)?;
        let mut data = Payload::from_value(a.get(1).unwrap_or(&Value::Nil))?;
        let total = data.bytes_init();
        let mut written = 0;
        let r = loop {
            if s.closed.get() {
                break named_err(&interp, "NotConnected", None).map(Err);
            }
            // a write a stopped task left in flight goes out first
            let detached = s.detached_write.borrow_mut().take();
            let half = match detached {
                Some(op) => InFlight::new(&s.detached_write, &s.closed, op, |op| op).await,
                None => match s.write.borrow_mut().take() {
                    Some(half) => half,
                    None => break fail("another task is already writing to this TcpStream"),
                },
            };
            if s.closed.get() {
                break named_err(&interp, "NotConnected", None).map(Err);
            }
            let op = detach::write(half, data.slice(written..));
            let (res, slice, half) = InFlight::new(&s.detached_write, &s.closed, op, detach::detach_write).await;
            data = slice.into_inner();
            if !s.closed.get() {
                *s.write.borrow_mut() = Some(half);
            }
            match res {
                Ok(n) => {
                    Stats::add(&interp.rt.stats.bytes_written, n as u64);
                    written += n;
                    if !all || written >= total || n == 0 {
                        break Ok(Ok(written));
                    }
                }
                Err(_) if s.closed.get() => break named_err(&interp, "NotConnected", None).map(Err),
                Err(e) => break io_err(&interp, &e).map(Err),
            }
        };
        data.give_back();
        match r? {
            Ok(_) if all => Ok(interp.ok(Value::Nil)),
            Ok(n) => Ok(interp.ok(Value::Int(n as i64))),
            Err(e) => Ok(e),
        }
    })
}

fn shutdown(interp: &Interp, a: &[Value]) -> R<Value> {
    let how = match a.get(1) {
        Some(Value::Int(0)) => std::net::Shutdown::Read,
        Some(Value::Int(1)) => std::net::Shutdown::Write,
        Some(Value::Int(2)) => std::net::Shutdown::Both,
        Some(other) => return fail(format!("shutdown() takes 0 (read), 1 (write) or 2 (both), got {}", other.repr())),
        None => return fail("shutdown() takes 1 argument but 0 were given"),
    };
    stream_option(interp, a, |sock| sock.shutdown(how))
}

/// Applies a socket option through socket2: `Ok(nil)` or the NetError.
fn stream_option(
    interp: &Interp,
    a: &[Value],
    f: impl FnOnce(socket2::SockRef<'_>) -> std::io::Result<()>,
) -> R<Value> {
    with_stream(a, |s| match s.with_sock(f) {
        Ok(()) => Ok(interp.ok(Value::Nil)),
        Err(e) => io_err(interp, &e),
    })
}

fn set_nodelay(interp: &Interp, a: &[Value]) -> R<Value> {
    let on = match a.get(1) {
        Some(Value::Bool(b)) => *b,
        _ => return fail("set_nodelay() needs a bool"),
    };
    stream_option(interp, a, |sock| sock.set_tcp_nodelay(on))
}

/// `set_keepalive(Some(secs))` turns keepalive on with that idle time; `None` off.
fn set_keepalive(interp: &Interp, a: &[Value]) -> R<Value> {
    let secs = match a.get(1) {
        Some(Value::Enum(e)) if &*e.def.name == "Option" => match e.fields.first() {
            None => None,
            Some(v) => Some(crate::runtime::builtins::seconds(v, "set_keepalive()")?),
        },
        _ => return fail("set_keepalive() needs Some(seconds) or None"),
    };
    stream_option(interp, a, |sock| match secs {
        Some(d) => {
            sock.set_tcp_keepalive(&socket2::TcpKeepalive::new().with_time(d.max(std::time::Duration::from_secs(1))))
        }
        None => sock.set_keepalive(false),
    })
}
