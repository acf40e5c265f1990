//! std/tls.spl natives: rustls over monoio (monoio-rustls). A TlsStream is split into
//! read and write halves like a TcpStream, so one task can read while another writes.
//! Handshake and certificate failures are `NetError::IoError` with rustls's message.
//!
//! Unlike TcpStream reads, a TLS read cancelled midway (a task cancelled, a `timeout`)
//! may leave the connection unusable: the record being received is lost with it.

use crate::interp::value::Value;
use crate::interp::{BoxFut, Interp, R, fail};
use crate::registry::Registry;
use crate::stdlib::net::socket::{self, Closable, Payload, StrBuf, addr_string, named_err};
use crate::stdlib::net::tcp;
use monoio::buf::SliceMut;
use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt, OwnedReadHalf, OwnedWriteHalf, Splitable};
use monoio::net::TcpStream;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

pub fn register(r: &mut Registry) {
    r.async_("tls::connect", connect);
    r.sync("Acceptor::new", acceptor_new);
    r.async_("Acceptor::accept", accept);
    r.async_("TlsStream::read", |i, a| Box::pin(async move { read(&i, &a, false).await }));
    r.async_("TlsStream::read_exact", |i, a| Box::pin(async move { read(&i, &a, true).await }));
    r.async_("TlsStream::write", |i, a| Box::pin(async move { write(&i, &a, false).await }));
    r.async_("TlsStream::write_all", |i, a| Box::pin(async move { write(&i, &a, true).await }));
    r.async_("TlsStream::flush", |i, a| Box::pin(async move { flush(&i, &a, false).await }));
    r.async_("TlsStream::shutdown", |i, a| Box::pin(async move { shutdown(&i, &a).await }));
    r.sync("TlsStream::close", |i, a| {
        stream_arg(a)?.close_now();
        Ok(i.ok(Value::Nil))
    });
    r.sync("TlsStream::peer_addr", |i, a| {
        let s = stream_arg(a)?;
        Ok(i.option((!s.closed.get()).then(|| addr_string(&s.peer))))
    });
    r.sync("TlsStream::local_addr", |i, a| {
        let s = stream_arg(a)?;
        Ok(i.option((!s.closed.get()).then(|| addr_string(&s.local))))
    });
}

// ----- errors ----------------------------------------------------------------------------

/// `Err(NetError::IoError(message))` with rustls's own words for TLS failures.
fn tls_err(interp: &Interp, e: impl std::fmt::Display) -> R<Value> {
    named_err(interp, "IoError", Some(e.to_string()))
}

fn handshake_err(interp: &Interp, e: monoio_rustls::TlsError) -> R<Value> {
    match e {
        monoio_rustls::TlsError::Rustls(e) => tls_err(interp, e),
        // rustls errors met while reading arrive wrapped in io::Error
        monoio_rustls::TlsError::Io(e) => match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
            Some(inner) => tls_err(interp, inner),
            None => socket::io_err(interp, &e),
        },
    }
}

fn io_or_tls_err(interp: &Interp, e: std::io::Error) -> R<Value> {
    handshake_err(interp, monoio_rustls::TlsError::Io(e))
}

// ----- the stream ------------------------------------------------------------------------

type Client = monoio_rustls::ClientTlsStream<TcpStream>;
type Server = monoio_rustls::ServerTlsStream<TcpStream>;

/// The halves of a client or a server connection (different types in monoio-rustls).
enum Halves {
    Client(OwnedReadHalf<Client>, OwnedWriteHalf<Client>),
    Server(OwnedReadHalf<Server>, OwnedWriteHalf<Server>),
}

enum ReadHalf {
    Client(OwnedReadHalf<Client>),
    Server(OwnedReadHalf<Server>),
}

enum WriteHalf {
    Client(OwnedWriteHalf<Client>),
    Server(OwnedWriteHalf<Server>),
}

/// Runs the same code on either variant of a read half.
macro_rules! either_read {
    ($half:expr, $h:ident => $body:expr) => {
        match $half {
            ReadHalf::Client($h) => $body,
            ReadHalf::Server($h) => $body,
        }
    };
}

/// Runs the same code on either variant of a write half.
macro_rules! either_write {
    ($half:expr, $h:ident => $body:expr) => {
        match $half {
            WriteHalf::Client($h) => $body,
            WriteHalf::Server($h) => $body,
        }
    };
}

pub struct TlsStreamObj {
    read: RefCell<Option<ReadHalf>>,
    write: RefCell<Option<WriteHalf>>,
    local: SocketAddr,
    peer: SocketAddr,
    closed: Cell<bool>,
}

crate::native_object!(TlsStreamObj, "TlsStreamHandle", |s| format!("<tls {} -> {}>", s.local, s.peer));

impl Closable for TlsStreamObj {
    /// Closes at once for the script; the peer still gets a close_notify (sent in the
    /// background when no write is running), so it sees a clean end, not a truncation.
    fn close_now(&self) {
        if self.closed.replace(true) {
            return;
        }
        self.read.borrow_mut().take();
        if let Some(mut half) = self.write.borrow_mut().take() {
            monoio::spawn(async move {
                let _ = either_write!(&mut half, h => h.shutdown().await);
            });
        }
    }
}

fn publish(interp: &Interp, halves: Halves, local: SocketAddr, peer: SocketAddr) -> R<Value> {
    let (r, w) = match halves {
        Halves::Client(r, w) => (ReadHalf::Client(r), WriteHalf::Client(w)),
        Halves::Server(r, w) => (ReadHalf::Server(r), WriteHalf::Server(w)),
    };
    let obj = TlsStreamObj {
        read: RefCell::new(Some(r)),
        write: RefCell::new(Some(w)),
        local,
        peer,
        closed: Cell::new(false),
    };
    socket::publish(interp, "tls", "TlsStream", obj)
}

fn stream_arg(a: &[Value]) -> R<Rc<TlsStreamObj>> {
    let o = socket::handle::<TlsStreamObj>(a.first().unwrap_or(&Value::Nil), "TlsStream")?;
    let any: Rc<dyn std::any::Any> = o;
    any.downcast::<TlsStreamObj>().map_err(|_| crate::interp::Ctrl::error("expected a TlsStream"))
}

fn addrs(s: &TcpStream) -> (SocketAddr, SocketAddr) {
    let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
    (s.local_addr().unwrap_or(unspecified), s.peer_addr().unwrap_or(unspecified))
}

// ----- client ----------------------------------------------------------------------------

// Client configurations by CA file ("" = the platform's roots), built once per thread.
thread_local! {
    static CLIENTS: RefCell<std::collections::HashMap<String, Arc<rustls::ClientConfig>>> = RefCell::default();
}

/// The client configuration trusting `ca_file`'s certificates, or the platform's roots.
pub fn client_config(ca_file: Option<&str>) -> Result<Arc<rustls::ClientConfig>, String> {
    let key = ca_file.unwrap_or("").to_string();
    if let Some(c) = CLIENTS.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(c);
    }
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("cannot read CA file {path}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("bad CA file {path}: {e}"))?;
            if certs.is_empty() {
                return Err(format!("no certificates in CA file {path}"));
            }
            for c in certs {
                roots.add(c).map_err(|e| format!("bad certificate in {path}: {e}"))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for c in found.certs {
                let _ = roots.add(c);
            }
            if roots.is_empty() {
                return Err("no trusted root certificates found on this system (set SSL_CERT_FILE)".into());
            }
        }
    }
    let config = Arc::new(rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth());
    CLIENTS.with(|c| c.borrow_mut().insert(key, config.clone()));
    Ok(config)
}

/// Handshakes as a client on `tcp` for `server_name`: the stream, or the NetError value.
pub async fn client_handshake(
    interp: &Interp,
    tcp: TcpStream,
    server_name: &str,
    ca_file: Option<&str>,
) -> R<Result<Client, Value>> {
    let config = match client_config(ca_file) {
        Ok(c) => c,
        Err(e) => return tls_err(interp, e).map(Err),
    };
    let name = match ServerName::try_from(server_name.to_string()) {
        Ok(n) => n,
        Err(e) => return tls_err(interp, format!("invalid server name `{server_name}`: {e}")).map(Err),
    };
    match monoio_rustls::TlsConnector::from(config).connect(name, tcp).await {
        Ok(s) => Ok(Ok(s)),
        Err(e) => handshake_err(interp, e).map(Err),
    }
}

fn connect(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let name = match a.get(1) {
            Some(Value::Str(s)) => s.s.clone(),
            Some(other) => return fail(format!("server_name must be a String, got {}", other.type_name())),
            None => return fail("tls::connect(addr, server_name, ca_file) needs a server name"),
        };
        let ca = optional_path(a.get(2))?;
        let tcp = match tcp::connect_raw(&interp, a.first().unwrap_or(&Value::Nil)).await? {
            Ok(s) => s,
            Err(e) => return Ok(e),
        };
        let (local, peer) = addrs(&tcp);
        match client_handshake(&interp, tcp, &name, ca.as_deref()).await? {
            Ok(s) => {
                let (r, w) = s.into_split();
                publish(&interp, Halves::Client(r, w), local, peer)
            }
            Err(e) => Ok(e),
        }
    })
}

/// `ca_file`: `None` (or nil), `Some(path)`, or a plain path String.
fn optional_path(v: Option<&Value>) -> R<Option<String>> {
    match v {
        None | Some(Value::Nil) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.s.clone())),
        Some(Value::Enum(e)) if &*e.def.name == "Option" => match &*e.fields {
            [] => Ok(None),
            [Value::Str(s)] => Ok(Some(s.s.clone())),
            _ => fail("ca_file must be Some(path) or None"),
        },
        Some(other) => fail(format!("ca_file must be Some(path) or None, got {}", other.repr())),
    }
}

// ----- server ----------------------------------------------------------------------------

pub struct AcceptorObj(monoio_rustls::TlsAcceptor);
crate::native_object!(AcceptorObj, "AcceptorHandle", |_a| "<tls acceptor>".to_string());

/// The server configuration for a PEM certificate chain and key.
pub fn server_config(cert: &str, key: &str) -> Result<Arc<rustls::ServerConfig>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("cannot read certificate file {cert}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("bad certificate file {cert}: {e}"))?;
    if chain.is_empty() {
        return Err(format!("no certificates in {cert}"));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("cannot read private key file {key}: {e}"))?;
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("certificate and key do not work together: {e}"))?;
    Ok(Arc::new(config))
}

fn acceptor_new(interp: &Interp, a: &[Value]) -> R<Value> {
    let path = |i: usize, what: &str| match a.get(i) {
        Some(Value::Str(s)) => Ok(s.s.clone()),
        Some(other) => fail(format!("{what} must be a String, got {}", other.type_name())),
        None => fail(format!("Acceptor::new(cert_pem_path, key_pem_path) needs {what}")),
    };
    let (cert, key) = (path(0, "cert_pem_path")?, path(1, "key_pem_path")?);
    match server_config(&cert, &key) {
        Ok(config) => {
            let obj = Rc::new(AcceptorObj(monoio_rustls::TlsAcceptor::from(config)));
            Ok(interp.ok(crate::stdlib::wrap(interp, "tls", "Acceptor", obj)?))
        }
        Err(e) => tls_err(interp, e),
    }
}

fn accept(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let acceptor = socket::handle::<AcceptorObj>(a.first().unwrap_or(&Value::Nil), "Acceptor")?.0.clone();
        let tcp = match tcp::take_stream(a.get(1).unwrap_or(&Value::Nil))? {
            Ok((s, _)) => s,
            Err(why) => return fail(format!("cannot start TLS: {why}")),
        };
        let (local, peer) = addrs(&tcp);
        match acceptor.accept(tcp).await {
            Ok(s) => {
                let (r, w) = s.into_split();
                publish(&interp, Halves::Server(r, w), local, peer)
            }
            Err(e) => handshake_err(&interp, e),
        }
    })
}

// ----- I/O -------------------------------------------------------------------------------

fn not_connected(interp: &Interp) -> R<Value> {
    named_err(interp, "NotConnected", None)
}

async fn read(interp: &Interp, a: &[Value], exact: bool) -> R<Value> {
    let s = stream_arg(a)?;
    let buf = socket::bytes_arg(a.get(1).unwrap_or(&Value::Nil))?;
    let max = socket::length(a.get(2).unwrap_or(&Value::Int(4096)), if exact { "len" } else { "max_len" })?;
    if s.closed.get() {
        return not_connected(interp);
    }
    let Some(mut half) = s.read.borrow_mut().take() else {
        return fail("another task is already reading from this TlsStream");
    };
    let mut vec = std::mem::take(&mut *buf.borrow_mut());
    vec.clear();
    let mut failed = None;
    while vec.len() < max {
        let start = vec.len();
        vec.reserve(max - start);
        let (res, slice) = either_read!(&mut half, h => h.read(SliceMut::new(vec, start, max)).await);
        vec = slice.into_inner();
        match res {
            Ok(0) if exact => {
                failed = Some(named_err(interp, "ConnectionReset", None));
                break;
            }
            // the peer closed without close_notify (a "ragged" end): the end of the
            // stream, as Python's ssl module treats it by default
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !exact => break,
            Ok(n) if !exact || n == 0 => break,
            Ok(_) => {}
            Err(e) => {
                failed = Some(io_or_tls_err(interp, e));
                break;
            }
        }
    }
    if !s.closed.get() {
        *s.read.borrow_mut() = Some(half);
    }
    let n = vec.len();
    *buf.borrow_mut() = vec;
    match failed {
        Some(e) => e,
        None if exact => Ok(interp.ok(Value::Nil)),
        None => Ok(interp.ok(Value::Int(n as i64))),
    }
}

async fn write(interp: &Interp, a: &[Value], all: bool) -> R<Value> {
    let s = stream_arg(a)?;
    let payload = Payload::from_value(a.get(1).unwrap_or(&Value::Nil))?;
    if s.closed.get() {
        return not_connected(interp);
    }
    let Some(mut half) = s.write.borrow_mut().take() else {
        return fail("another task is already writing to this TlsStream");
    };
    let res = match payload {
        Payload::Str(text) => {
            let len = text.s.len();
            let (r, _) = if all {
                either_write!(&mut half, h => { let (r, b) = h.write_all(StrBuf(text)).await; (r.map(|_| len), b) })
            } else {
                either_write!(&mut half, h => h.write(StrBuf(text)).await)
            };
            r
        }
        Payload::Bytes(vec) => {
            let len = vec.len();
            let (r, _) = if all {
                either_write!(&mut half, h => { let (r, b) = h.write_all(vec).await; (r.map(|_| len), b) })
            } else {
                either_write!(&mut half, h => h.write(vec).await)
            };
            r
        }
    };
    // rustls may hold written bytes until a flush
    let res = match res {
        Ok(n) => either_write!(&mut half, h => h.flush().await).map(|_| n),
        Err(e) => Err(e),
    };
    if !s.closed.get() {
        *s.write.borrow_mut() = Some(half);
    }
    match res {
        Ok(n) if all => {
            let _ = n;
            Ok(interp.ok(Value::Nil))
        }
        Ok(n) => Ok(interp.ok(Value::Int(n as i64))),
        Err(e) => io_or_tls_err(interp, e),
    }
}

async fn flush(interp: &Interp, a: &[Value], close_notify: bool) -> R<Value> {
    let s = stream_arg(a)?;
    if s.closed.get() {
        return not_connected(interp);
    }
    let Some(mut half) = s.write.borrow_mut().take() else {
        return fail("another task is already writing to this TlsStream");
    };
    let res = if close_notify {
        either_write!(&mut half, h => h.shutdown().await)
    } else {
        either_write!(&mut half, h => h.flush().await)
    };
    if !s.closed.get() {
        *s.write.borrow_mut() = Some(half);
    }
    match res {
        Ok(()) => Ok(interp.ok(Value::Nil)),
        Err(e) => io_or_tls_err(interp, e),
    }
}

/// `shutdown(how)`: 1 or 2 send close_notify and shut the TCP write side; 0 stops
/// reading (later reads give 0).
async fn shutdown(interp: &Interp, a: &[Value]) -> R<Value> {
    let s = stream_arg(a)?;
    let how = match a.get(1) {
        Some(Value::Int(h @ 0..=2)) => *h,
        Some(other) => return fail(format!("shutdown(how) needs 0, 1 or 2, got {}", other.repr())),
        None => return fail("shutdown(how) needs 0 (read), 1 (write) or 2 (both)"),
    };
    if how != 1 {
        s.read.borrow_mut().take();
    }
    if how == 0 {
        return Ok(interp.ok(Value::Nil));
    }
    flush(interp, a, true).await
}
