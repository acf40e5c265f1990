//! The HTTP/1.1 server: an accept loop, and one task per connection that reads
//! requests in order (pipelined ones wait their turn), runs the handler on each as its
//! own task, and writes the responses in the same order. Protocol errors are answered
//! by the server itself: 400 (malformed), 413 (body over `Server.max_body`), 431 (head
//! over 16 KiB), 500 (the handler failed: logged to stderr, the server keeps serving).

use super::wire::{self, BodyError, Framing, HeadError, Input};
use super::{Reply, ServerObj, server_arg, struct_type};
use crate::interp::call::Args;
use crate::interp::value::{StructValue, TypeDef, Value};
use crate::interp::{BoxFut, Ctrl, ErrorKind, Interp, R, fail};
use crate::stdlib::fs::backend::{self, Mode};
use crate::stdlib::net::tcp;
use monoio::net::TcpStream;
use std::cell::RefCell;
use std::io::Write as _;
use std::net::SocketAddr;
use std::rc::Rc;

/// What every connection of one `serve` call shares.
struct Site {
    interp: Rc<Interp>,
    handler: Value,
    /// the `Server` struct (its `max_body` field is read for every request)
    server: Value,
    request: Rc<TypeDef>,
    /// where method, path, query, headers, body and peer_addr go in a Request
    slots: [usize; 6],
}

pub fn serve(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let srv = server_arg(&a)?;
        let handler = match a.get(1) {
            Some(h @ (Value::Func(_) | Value::Native(_) | Value::Bound(_))) => h.clone(),
            Some(other) => return fail(format!("serve() needs a handler function, got {}", other.type_name())),
            None => return fail("serve(handler) needs a handler function"),
        };
        let request = struct_type(&interp, "Request")?;
        let mut slots = [0; 6];
        for (slot, name) in slots.iter_mut().zip(["method", "path", "query", "headers", "body", "peer_addr"]) {
            *slot = request.field_index(name).ok_or_else(|| Ctrl::error("internal error: Request fields"))?;
        }
        let site = Rc::new(Site { interp: interp.clone(), handler, server: a[0].clone(), request, slots });
        accept_loop(&interp, &srv, site).await
    })
}

async fn accept_loop(interp: &Rc<Interp>, srv: &ServerObj, site: Rc<Site>) -> R<Value> {
    let Some(listener) = srv.listener.downcast_ref::<tcp::Listener>() else {
        return crate::interp::fail("internal error: the listener is not a TCP listener");
    };
    loop {
        match tcp::accept_raw(interp, listener).await? {
            Ok((stream, peer)) => {
                let site = site.clone();
                let _ = stream.set_nodelay(true);
                interp.spawn_task(
                    Rc::from("http connection"),
                    Box::pin(async move {
                        connection(&site, stream, peer).await?;
                        Ok(Value::Nil)
                    }),
                );
            }
            Err(e) => {
                if listener.is_closed() {
                    return Ok(interp.ok(Value::Nil));
                }
                // out of descriptors, say: report, give the system a moment, go on
                interp.eprint(&format!("http: accept failed: {}\n", e.display()));
                crate::runtime::timers::sleep(&interp.rt.timers, std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// Serves one connection until it closes, a response says `connection: close`, or a
/// protocol error ends it. Only a non-program error (Ctrl-C, a limit) is returned.
async fn connection(site: &Site, mut s: TcpStream, peer: SocketAddr) -> R<()> {
    let mut input = Input::default();
    let peer = Value::str(peer.to_string());
    loop {
        let head = match wire::read_head(&mut s, &mut input, true).await {
            Ok(h) => h,
            Err(HeadError::TooLarge) => return refuse(&mut s, 431, "request head too large").await,
            Err(HeadError::Malformed(m)) => return refuse(&mut s, 400, &format!("malformed request: {m}")).await,
            Err(_) => return Ok(()),
        };
        let keep_alive = if head.minor == 0 {
            head.has_token("connection", "keep-alive")
        } else {
            !head.has_token("connection", "close")
        };
        let framing = match wire::framing(&head, Framing::None) {
            Ok(f) => f,
            Err(m) => return refuse(&mut s, 400, &m).await,
        };
        let max_body = max_body(&site.server);
        if head.minor == 1 && framing != Framing::None && head.has_token("expect", "100-continue") {
            if matches!(framing, Framing::Length(n) if n > max_body) {
                return refuse(&mut s, 413, "request body too large").await;
            }
            if wire::write_all(&mut s, b"HTTP/1.1 100 Continue\r\n\r\n".to_vec()).await.0.is_err() {
                return Ok(());
            }
        }
        let body = match wire::read_body(&mut s, &mut input, framing, max_body).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => return refuse(&mut s, 413, "request body too large").await,
            Err(BodyError::Malformed(m)) => return refuse(&mut s, 400, &m).await,
            Err(_) => return Ok(()),
        };
        let is_head = head.first == "HEAD";
        let what = format!("{} {}", head.first, head.second);
        let request = build_request(site, head, body, &peer);
        let reply = match run_handler(site, request).await? {
            Ok(reply) => reply,
            Err(message) => {
                site.interp.eprint(&format!("http: {what}: {message}\n"));
                Reply { status: 500, headers: Vec::new(), body: b"internal server error\n".to_vec(), file: None }
            }
        };
        if send(site, &mut s, reply, keep_alive, is_head).await.is_err() || !keep_alive {
            return Ok(());
        }
    }
}

/// The server's `max_body` field (a negative or missing value means no body at all).
fn max_body(server: &Value) -> u64 {
    if let Value::Struct(st) = server
        && let Some(i) = st.def.field_index("max_body")
        && let Value::Int(n) = st.fields.borrow()[i]
    {
        return n.max(0) as u64;
    }
    0
}

fn build_request(site: &Site, head: wire::Head, body: Vec<u8>, peer: &Value) -> Value {
    let (path, query) = head.second.split_once('?').unwrap_or((&head.second, ""));
    let mut q = crate::interp::dict::Dict::new();
    for (k, v) in wire::parse_query(query) {
        q.insert(Value::str(k), Value::str(v));
    }
    let mut headers = crate::interp::dict::Dict::new();
    for (k, v) in head.headers {
        let key = Value::str(k);
        let joined = match headers.get(&key) {
            Some(old) => format!("{}, {v}", old.display()),
            None => v,
        };
        headers.insert(key, Value::str(joined));
    }
    let mut fields = vec![Value::Nil; site.request.fields.len()];
    let values = [
        Value::str(head.first),
        Value::str(wire::percent_decode(path, false)),
        Value::Dict(Rc::new(RefCell::new(q))),
        Value::Dict(Rc::new(RefCell::new(headers))),
        Value::bytes(body),
        peer.clone(),
    ];
    for (slot, v) in site.slots.iter().zip(values) {
        fields[*slot] = v;
    }
    Value::Struct(Rc::new(StructValue::new(site.request.clone(), fields)))
}

/// Runs the handler on a request as its own task: the reply, or what went wrong (for
/// the log). Errors that are not the program's own (Ctrl-C, limits) stop the server.
async fn run_handler(site: &Site, request: Value) -> R<Result<Reply, String>> {
    let interp = &site.interp;
    let started = if crate::interp::eval_async::is_async_callable(&site.handler) {
        interp.start_task_value(site.handler.clone(), Args::new(vec![request]))
    } else {
        interp.call_value(&site.handler, Args::new(vec![request]), Default::default())
    };
    let outcome = match started {
        Ok(v) => interp.await_value(v).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(v) => Ok(Reply::from_value(&v)),
        Err(Ctrl::Error(e)) if matches!(e.kind, ErrorKind::User | ErrorKind::Expectation) => {
            Ok(Err(format!("the handler failed:\n{}", interp.render(&e.diag))))
        }
        Err(other) => Err(other),
    }
}

/// Answers a protocol error by itself and closes (a write error is the client's loss).
async fn refuse(s: &mut TcpStream, status: u16, message: &str) -> R<()> {
    let body = format!("{message}\n");
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        wire::reason(status),
        body.len()
    );
    let _ = wire::write_all(s, head.into_bytes()).await;
    Ok(())
}

thread_local! {
    /// the Date header of the current second
    static DATE: RefCell<(u64, String)> = const { RefCell::new((0, String::new())) };
}

fn date() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    DATE.with(|d| {
        let mut d = d.borrow_mut();
        if d.0 != now || d.1.is_empty() {
            *d = (now, crate::stdlib::time::imf_fixdate(now as i64));
        }
        d.1.clone()
    })
}

/// The status line and headers: the handler's (minus the framing ones, which the
/// server sets), then date, content-length and connection.
fn head_bytes(reply: &Reply, length: Option<u64>, keep_alive: bool, content_type: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    let _ = write!(out, "HTTP/1.1 {} {}\r\n", reply.status, wire::reason(reply.status));
    let mut has_date = false;
    let mut has_type = false;
    for (k, v) in &reply.headers {
        let k = k.to_ascii_lowercase();
        if matches!(k.as_str(), "content-length" | "transfer-encoding" | "connection") {
            continue;
        }
        // a value with a line break would start a header of its own: never sent
        if k.contains(['\r', '\n', ':']) || v.contains(['\r', '\n']) {
            continue;
        }
        has_date |= k == "date";
        has_type |= k == "content-type";
        let _ = write!(out, "{k}: {v}\r\n");
    }
    if !has_date {
        let _ = write!(out, "date: {}\r\n", date());
    }
    if let (false, Some(t)) = (has_type, content_type) {
        let _ = write!(out, "content-type: {t}\r\n");
    }
    if let Some(n) = length {
        let _ = write!(out, "content-length: {n}\r\n");
    }
    out.extend_from_slice(if keep_alive { b"\r\n".as_slice() } else { b"connection: close\r\n\r\n".as_slice() });
    out
}

/// Writes a reply (streaming its file, if it has one).
async fn send(site: &Site, s: &mut TcpStream, reply: Reply, keep_alive: bool, is_head: bool) -> std::io::Result<()> {
    match reply.file.clone() {
        Some(path) => send_file(site, s, reply, &path, keep_alive, is_head).await,
        None => send_plain(s, reply, keep_alive, is_head).await,
    }
}

async fn send_plain(s: &mut TcpStream, reply: Reply, keep_alive: bool, is_head: bool) -> std::io::Result<()> {
    let bodiless = wire::bodiless(reply.status);
    let length = (!bodiless).then_some(reply.body.len() as u64);
    let mut out = head_bytes(&reply, length, keep_alive, None);
    if !bodiless && !is_head {
        out.extend_from_slice(&reply.body);
    }
    wire::write_all(s, out).await.0
}

const FILE_CHUNK: usize = 64 << 10;

/// Streams a file: the head with its size, then chunk after chunk (never the whole
/// file in memory). A file that cannot be opened, or a directory, is a 404.
async fn send_file(
    site: &Site,
    s: &mut TcpStream,
    reply: Reply,
    path: &str,
    keep_alive: bool,
    is_head: bool,
) -> std::io::Result<()> {
    let interp = &site.interp;
    let opened = match backend::open(interp, path, Mode::READ).await {
        Ok(Ok(h)) => h.metadata().ok().filter(|m| m.is_file()).map(|m| (h, m.len())),
        _ => None,
    };
    let Some((file, size)) = opened else {
        let missing = Reply { status: 404, headers: Vec::new(), body: b"not found\n".to_vec(), file: None };
        return send_plain(s, missing, keep_alive, is_head).await;
    };
    let head = head_bytes(&reply, Some(size), keep_alive, Some(wire::content_type(path)));
    let (r, _) = wire::write_all(s, head).await;
    r?;
    if is_head {
        return Ok(());
    }
    let mut sent = 0u64;
    let mut chunk = Vec::with_capacity(FILE_CHUNK);
    while sent < size {
        let (res, back) = match file.read(chunk, 0, FILE_CHUNK, Some(sent)).await {
            Ok(r) => r,
            Err(_) => return Err(std::io::Error::other("file read failed")),
        };
        let n = res?;
        if n == 0 {
            // the file shrank while being sent: the promised length cannot be kept
            return Err(std::io::Error::other("file truncated while being sent"));
        }
        let (w, back) = wire::write_all(s, back).await;
        w?;
        chunk = back;
        sent += n as u64;
    }
    let _ = file.close().await;
    Ok(())
}
