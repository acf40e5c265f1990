//! UDP natives behind std/net/udp.spl: datagrams on monoio (unconnected and connected
//! mode) and the socket options monoio lacks, through socket2 (broadcast, multicast).

use super::socket::{self, Closable, Inflight, Op, Payload, addr_string, cancelled, io_err, named_err};
use crate::interp::value::Value;
use crate::interp::{BoxFut, Interp, R, fail};
use crate::registry::Registry;
use crate::runtime::Stats;
use monoio::buf::{IoBuf, SliceMut};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::rc::Rc;

pub fn register(r: &mut Registry) {
    r.async_("UdpSocket::bind", bind);
    r.async_("UdpSocket::send_to", |i, a| send(i, a, true));
    r.async_("UdpSocket::send", |i, a| send(i, a, false));
    r.async_("UdpSocket::recv_from", |i, a| recv(i, a, true));
    r.async_("UdpSocket::recv", |i, a| recv(i, a, false));
    r.async_("UdpSocket::connect", connect);
    r.sync("UdpSocket::close", |i, a| {
        with_udp(a, |u| {
            u.close_now();
            Ok(i.ok(Value::Nil))
        })
    });
    // the seed's API: Option[String], `None` once closed (and for an unconnected peer)
    r.sync("UdpSocket::local_addr", |i, a| {
        with_udp(a, |u| Ok(i.option(u.sock.borrow().is_some().then(|| addr_string(&u.local)))))
    });
    r.sync("UdpSocket::is_connected", |_, a| {
        with_udp(a, |u| Ok(Value::Bool(u.peer.get().is_some() && u.sock.borrow().is_some())))
    });
    r.sync("UdpSocket::peer_addr", |i, a| {
        with_udp(a, |u| Ok(i.option(u.peer.get().filter(|_| u.sock.borrow().is_some()).map(|p| addr_string(&p)))))
    });
    r.sync("UdpSocket::set_broadcast", |i, a| {
        let on = bool_arg(a, "set_broadcast()")?;
        option(i, a, |u, s| if u.local.is_ipv4() { s.set_broadcast(on) } else { Ok(()) })
    });
    r.sync("UdpSocket::set_multicast_ttl", |i, a| {
        let ttl = match a.get(1) {
            Some(Value::Int(n)) if (0..=255).contains(n) => *n as u32,
            _ => return fail("set_multicast_ttl() needs an int in 0..=255"),
        };
        option(i, a, |u, s| if u.local.is_ipv4() { s.set_multicast_ttl_v4(ttl) } else { s.set_multicast_hops_v6(ttl) })
    });
    r.sync("UdpSocket::set_multicast_loop", |i, a| {
        let on = bool_arg(a, "set_multicast_loop()")?;
        option(i, a, |u, s| if u.local.is_ipv4() { s.set_multicast_loop_v4(on) } else { s.set_multicast_loop_v6(on) })
    });
    r.sync("UdpSocket::join_multicast", |i, a| multicast(i, a, true));
    r.sync("UdpSocket::leave_multicast", |i, a| multicast(i, a, false));
}

pub struct Udp {
    sock: RefCell<Option<Rc<monoio::net::udp::UdpSocket>>>,
    fd: RawFd,
    local: SocketAddr,
    peer: Cell<Option<SocketAddr>>,
    inflight: Inflight,
    /// datagrams a cancelled receive got: the next receive returns them first
    leftover: RefCell<VecDeque<(Vec<u8>, SocketAddr)>>,
    /// the senders of the last datagrams received, as the strings the program got: a
    /// reply to one (`send_to(data, peer)`, an echo) is sent without parsing the
    /// address back, and the next datagram from the same sender reuses its string
    recent_senders: RefCell<RecentSenders>,
}

/// Up to `RECENT_SENDERS` senders' address strings, the oldest replaced first: enough
/// for a server's active clients at a time, small enough that a miss (a new sender)
/// costs a short scan more than formatting the address.
#[derive(Default)]
struct RecentSenders {
    entries: Vec<(Rc<crate::interp::value::Str>, SocketAddr)>,
    /// the entry the next new sender replaces, once `entries` is full
    next: usize,
}

const RECENT_SENDERS: usize = 16;

impl RecentSenders {
    fn string_of(&self, peer: SocketAddr) -> Option<&Rc<crate::interp::value::Str>> {
        self.entries.iter().find(|(_, a)| *a == peer).map(|(s, _)| s)
    }

    fn address_of(&self, s: &Rc<crate::interp::value::Str>) -> Option<SocketAddr> {
        self.entries.iter().find(|(t, _)| Rc::ptr_eq(s, t)).map(|(_, a)| *a)
    }

    fn remember(&mut self, s: Rc<crate::interp::value::Str>, peer: SocketAddr) {
        if self.entries.len() < RECENT_SENDERS {
            self.entries.push((s, peer));
        } else {
            self.entries[self.next] = (s, peer);
            self.next = (self.next + 1) % RECENT_SENDERS;
        }
    }
}

impl Udp {
    /// Runs `f` on the socket's descriptor (ENOTCONN once the socket is closed), as
    /// `tcp::Stream::with_sock` does.
    fn with_sock<T>(&self, f: impl FnOnce(socket2::SockRef<'_>) -> std::io::Result<T>) -> std::io::Result<T> {
        if self.sock.borrow().is_none() {
            return Err(std::io::Error::from_raw_os_error(libc::ENOTCONN));
        }
        // SAFETY: the descriptor is open while `sock` holds the socket (checked just
        // above; only close() empties it, and `f` cannot reach this socket's close())
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        f(socket2::SockRef::from(&fd))
    }

    /// `peer` as a String value (a recent sender's string, when it is one of them).
    fn sender_value(&self, peer: SocketAddr) -> Value {
        let mut recent = self.recent_senders.borrow_mut();
        if let Some(s) = recent.string_of(peer) {
            return Value::Str(s.clone());
        }
        let v = addr_string(&peer);
        if let Value::Str(s) = &v {
            recent.remember(s.clone(), peer);
        }
        v
    }

    /// The address behind `v` when `v` is the very string a receive gave for a recent
    /// sender.
    fn known_sender(&self, v: &Value) -> Option<SocketAddr> {
        match v {
            Value::Str(s) => self.recent_senders.borrow().address_of(s),
            _ => None,
        }
    }
}

crate::native_object!(Udp, "UdpSocketHandle", |u| format!("<udp {}>", u.local));

impl Closable for Udp {
    fn close_now(&self) {
        self.sock.borrow_mut().take();
        self.inflight.fire_all();
    }
}

fn with_udp<T>(a: &[Value], f: impl FnOnce(&Udp) -> R<T>) -> R<T> {
    f(&*socket::handle::<Udp>(a.first().unwrap_or(&Value::Nil), "UdpSocket")?)
}

fn bool_arg(a: &[Value], what: &str) -> R<bool> {
    match a.get(1) {
        Some(Value::Bool(b)) => Ok(*b),
        _ => fail(format!("{what} needs a bool")),
    }
}

/// Applies a socket option through socket2.
fn option(interp: &Interp, a: &[Value], f: impl FnOnce(&Udp, socket2::SockRef<'_>) -> std::io::Result<()>) -> R<Value> {
    with_udp(a, |u| {
        if u.sock.borrow().is_none() {
            return named_err(interp, "NotConnected", None);
        }
        match u.with_sock(|sock| f(u, sock)) {
            Ok(()) => Ok(interp.ok(Value::Nil)),
            Err(e) => io_err(interp, &e),
        }
    })
}

fn bind(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let reuse_port = interp.rt.reuse_port.get();
        let bound = socket::bind_first(&interp, a.first().unwrap_or(&Value::Nil), |addr| {
            udp_socket(addr, reuse_port).and_then(monoio::net::udp::UdpSocket::from_std)
        })
        .await?;
        let (s, addr) = match bound {
            Ok(bound) => bound,
            Err(e) => return Ok(e),
        };
        let udp = Udp {
            fd: s.as_raw_fd(),
            local: s.local_addr().unwrap_or(addr),
            sock: RefCell::new(Some(Rc::new(s))),
            peer: Cell::new(None),
            inflight: Inflight::default(),
            leftover: RefCell::new(VecDeque::new()),
            recent_senders: RefCell::default(),
        };
        socket::publish(&interp, "net.udp", "UdpSocket", udp)
    })
}

fn udp_socket(addr: SocketAddr, reuse_port: bool) -> std::io::Result<std::net::UdpSocket> {
    let sock =
        socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    if reuse_port {
        sock.set_reuse_port(true)?;
    }
    // A socket receives the multicast groups *it* joined, not every group some other
    // socket joined on the interface (Linux's default): leaving a group stops delivery.
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
        sock.set_multicast_all_v6(false)?;
    } else {
        sock.set_multicast_all_v4(false)?;
    }
    sock.bind(&addr.into())?;
    sock.set_nonblocking(true)?;
    Ok(sock.into())
}

fn connect(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let u = socket::handle::<Udp>(a.first().unwrap_or(&Value::Nil), "UdpSocket")?;
        let addrs = match socket::resolve(&interp, a.get(1).unwrap_or(&Value::Nil)).await? {
            Ok(addrs) => addrs,
            Err(e) => return Ok(e),
        };
        let Some(sock) = u.sock.borrow().clone() else { return named_err(&interp, "NotConnected", None) };
        let Some(addr) = addrs.iter().find(|a| a.is_ipv4() == u.local.is_ipv4()).copied() else {
            return named_err(&interp, "AddrParseError", Some("no address of the socket's family".into()));
        };
        match sock.connect(addr).await {
            Ok(()) => {
                u.peer.set(Some(addr));
                Ok(interp.ok(Value::Nil))
            }
            Err(e) => io_err(&interp, &e),
        }
    })
}

/// `send_to(data, addr)` (`to` true) or `send(data)` on a connected socket.
fn send(interp: Rc<Interp>, a: Vec<Value>, to: bool) -> BoxFut<'static> {
    Box::pin(async move {
        let u = socket::handle::<Udp>(a.first().unwrap_or(&Value::Nil), "UdpSocket")?;
        let addr = a.get(2).unwrap_or(&Value::Nil);
        let target = if to && let Some(known) = u.known_sender(addr) {
            Some(known)
        } else if to {
            match socket::resolve(&interp, addr).await? {
                Ok(addrs) => Some(addrs.iter().find(|x| x.is_ipv4() == u.local.is_ipv4()).copied().unwrap_or(addrs[0])),
                Err(e) => return Ok(e),
            }
        } else {
            if u.peer.get().is_none() {
                return named_err(&interp, "NotConnected", None);
            }
            None
        };
        let data = Payload::from_value(a.get(1).unwrap_or(&Value::Nil))?;
        let (r, data) = send_buf(&interp, &u, data, target).await;
        data.give_back();
        match r? {
            Ok(n) => Ok(interp.ok(Value::Int(n as i64))),
            Err(e) => Ok(e),
        }
    })
}

/// A datagram sent at once, without the ring (this task holds the send turn, so no
/// other send is in flight to overtake): a non-blocking send(2) nearly always succeeds,
/// and the task goes on without the suspension and wake-up of a ring operation. `None`
/// when the datagram goes through the ring: the send buffer is full, or the task is
/// being cancelled (it stops at the ring operation, its next suspension point).
fn send_now(interp: &Interp, u: &Udp, bytes: &[u8], target: Option<SocketAddr>) -> Option<R<Result<usize, Value>>> {
    if socket::cancelling(interp) {
        return None;
    }
    let flags = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
    let sent = u.with_sock(|sock| match target {
        Some(addr) => sock.send_to_with_flags(bytes, &addr.into(), flags),
        None => sock.send_with_flags(bytes, flags),
    });
    match sent {
        Ok(n) => {
            count_sent(interp, n);
            Some(Ok(Ok(n)))
        }
        Err(e) if socket::not_ready(&e) => None,
        Err(e) => Some(io_err(interp, &e).map(Err)),
    }
}

/// A datagram of `n` bytes sent, in the runtime's statistics.
fn count_sent(interp: &Interp, n: usize) {
    Stats::add(&interp.rt.stats.datagrams_sent, 1);
    Stats::add(&interp.rt.stats.bytes_written, n as u64);
}

/// A datagram of `n` bytes received, in the runtime's statistics.
fn count_received(interp: &Interp, n: usize) {
    Stats::add(&interp.rt.stats.datagrams_received, 1);
    Stats::add(&interp.rt.stats.bytes_read, n as u64);
}

async fn send_buf(
    interp: &Interp,
    u: &Udp,
    data: Payload,
    target: Option<SocketAddr>,
) -> (R<Result<usize, Value>>, Payload) {
    let _turn = u.inflight.write_turns.wait().await;
    let Some(sock) = u.sock.borrow().clone() else {
        return (named_err(interp, "NotConnected", None).map(Err), data);
    };
    // SAFETY: an IoBuf's first `bytes_init()` bytes at `read_ptr()` are initialised and
    // stay put while `data` is neither moved nor changed (the slice ends before either)
    let bytes = unsafe { std::slice::from_raw_parts(data.read_ptr(), data.bytes_init()) };
    if let Some(done) = send_now(interp, u, bytes, target) {
        return (done, data);
    }
    let op = Op::begin(interp, u.inflight.write());
    let (res, data) = match target {
        Some(addr) => sock.cancelable_send_to(data, addr, op.handle.clone()).await,
        None => sock.cancelable_send(data, op.handle.clone()).await,
    };
    let task_cancelled = op.task_cancelled();
    op.done();
    let closed = u.sock.borrow().is_none();
    let r = match res {
        Ok(n) => {
            count_sent(interp, n);
            if task_cancelled { Err(cancelled()) } else { Ok(Ok(n)) }
        }
        Err(_) if closed => named_err(interp, "NotConnected", None).map(Err),
        Err(_) if task_cancelled => Err(cancelled()),
        Err(e) => io_err(interp, &e).map(Err),
    };
    (r, data)
}

/// `recv_from(&mut buf, max)` → `(n, "addr")` (`from` true) or `recv(&mut buf, max)` → n.
/// A longer datagram is truncated to `max` bytes.
fn recv(interp: Rc<Interp>, a: Vec<Value>, from: bool) -> BoxFut<'static> {
    Box::pin(async move {
        let u = socket::handle::<Udp>(a.first().unwrap_or(&Value::Nil), "UdpSocket")?;
        let buf = socket::bytes_arg(a.get(1).unwrap_or(&Value::Nil))?;
        let max = socket::length(a.get(2).unwrap_or(&Value::Int(65536)), "max_len")?;
        if !from && u.peer.get().is_none() {
            return named_err(&interp, "NotConnected", None);
        }
        let _turn = u.inflight.read_turns.wait().await;
        let got = match u.leftover.borrow_mut().pop_front() {
            Some((mut data, peer)) => {
                data.truncate(max);
                *buf.borrow_mut() = data;
                Some(peer)
            }
            None => None,
        };
        let peer = match got {
            Some(p) => p,
            None => match recv_datagram(&interp, &u, &buf, max).await? {
                Ok(p) => p,
                Err(e) => return Ok(e),
            },
        };
        let n = Value::Int(buf.borrow().len() as i64);
        Ok(interp.ok(if from { Value::tuple(vec![n, u.sender_value(peer)]) } else { n }))
    })
}

/// A datagram already waiting is taken at once with a non-blocking recvfrom(2) (this
/// task holds the receive turn): a busy server finds the next one queued and goes on
/// without the suspension and wake-up of a ring operation. `None` when nothing waits
/// (or the task is being cancelled): then the ring operation waits for one.
fn recv_now(interp: &Interp, u: &Udp, vec: &mut Vec<u8>, max: usize) -> Option<R<Result<SocketAddr, Value>>> {
    if socket::cancelling(interp) {
        return None;
    }
    let room = &mut vec.spare_capacity_mut()[..max];
    match u.with_sock(|sock| sock.recv_from_with_flags(room, libc::MSG_DONTWAIT)) {
        Ok((n, from)) => {
            // SAFETY: recvfrom initialised the first `n` bytes of the spare capacity
            unsafe { vec.set_len(n.min(max)) };
            let Some(peer) = from.as_socket() else {
                return Some(fail("internal error: a datagram without an IP sender"));
            };
            count_received(interp, vec.len());
            Some(Ok(Ok(peer)))
        }
        Err(e) if socket::not_ready(&e) => None,
        Err(e) => Some(io_err(interp, &e).map(Err)),
    }
}

async fn recv_datagram(
    interp: &Interp,
    u: &Udp,
    buf: &Rc<RefCell<Vec<u8>>>,
    max: usize,
) -> R<Result<SocketAddr, Value>> {
    let Some(sock) = u.sock.borrow().clone() else {
        return Ok(Err(named_err(interp, "NotConnected", None)?));
    };
    // A pending socket error (e.g. ICMP port unreachable on a connected socket) is
    // reported first: the epoll driver does not wake receives for error-only events.
    // Only a connected socket gets such errors (Linux reports ICMP errors to an
    // unconnected one only with IP_RECVERR), so a server's receives skip the syscall.
    if u.peer.get().is_some()
        && let Ok(Some(e)) = u.with_sock(|sock| sock.take_error())
    {
        return io_err(interp, &e).map(Err);
    }
    let mut vec = std::mem::take(&mut *buf.borrow_mut());
    vec.clear();
    vec.reserve(max.max(1));
    if let Some(out) = recv_now(interp, u, &mut vec, max) {
        *buf.borrow_mut() = vec;
        return out;
    }
    let op = Op::begin(interp, u.inflight.read());
    let (res, slice) = sock.cancelable_recv_from(SliceMut::new(vec, 0, max), op.handle.clone()).await;
    let task_cancelled = op.task_cancelled();
    op.done();
    let mut vec = slice.into_inner();
    let closed = u.sock.borrow().is_none();
    let out = match res {
        Ok((n, peer)) if task_cancelled => {
            u.leftover.borrow_mut().push_back((vec[..n].to_vec(), peer));
            vec.clear();
            Err(cancelled())
        }
        Ok((n, peer)) => {
            count_received(interp, n);
            Ok(Ok(peer))
        }
        Err(_) if closed => named_err(interp, "NotConnected", None).map(Err),
        Err(_) if task_cancelled => Err(cancelled()),
        Err(e) => io_err(interp, &e).map(Err),
    };
    *buf.borrow_mut() = vec;
    out
}

/// `join_multicast(group, iface)` / `leave_multicast(group, iface)`: IPv4 groups take
/// the interface's address ("0.0.0.0": any), IPv6 groups an interface index ("0": any).
fn multicast(interp: &Interp, a: &[Value], join: bool) -> R<Value> {
    let group = match a.get(1) {
        Some(Value::Str(s)) => s.s.parse::<IpAddr>(),
        _ => return fail("the multicast group must be a String"),
    };
    let Ok(group) = group else {
        return named_err(interp, "AddrParseError", Some(format!("invalid multicast group {}", a[1].repr())));
    };
    let iface = match a.get(2) {
        Some(Value::Str(s)) => s.s.clone(),
        Some(Value::Int(i)) => i.to_string(),
        None => String::new(),
        Some(other) => return fail(format!("the interface must be a String, got {}", other.type_name())),
    };
    option(interp, a, |_, s| match group {
        IpAddr::V4(g) => {
            let ifa = if iface.is_empty() { Ok(Ipv4Addr::UNSPECIFIED) } else { iface.parse::<Ipv4Addr>() };
            let ifa = ifa.map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("invalid interface address `{iface}`"))
            })?;
            if join { s.join_multicast_v4(&g, &ifa) } else { s.leave_multicast_v4(&g, &ifa) }
        }
        IpAddr::V6(g) => {
            let index = iface.parse::<u32>().unwrap_or(0);
            if join { s.join_multicast_v6(&g, index) } else { s.leave_multicast_v6(&g, index) }
        }
    })
}
