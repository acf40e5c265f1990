//! The HTTP/1.1 client: one request per connection (`connection: close`), over TLS for
//! https:// URLs (the platform's roots, or SSL_CERT_FILE). Redirects are not followed:
//! a 3xx is a response like any other.

use super::response_value;
use super::wire::{self, BodyError, Framing, HeadError, Input};
use crate::interp::value::Value;
use crate::interp::{BoxFut, Interp, R, fail};
use crate::stdlib::net::socket::{self, named_err};
use crate::stdlib::net::tcp;
use monoio::io::{AsyncReadRent, AsyncWriteRent};
use std::io::Write as _;
use std::rc::Rc;

/// Response bodies above this are refused (a runaway server cannot exhaust memory).
const MAX_RESPONSE_BODY: u64 = 1 << 30;

/// A URL split for a request.
struct Target {
    tls: bool,
    /// the host as written (IPv6 in brackets), and the port
    host: String,
    port: u16,
    /// path and query, at least "/"
    path: String,
}

fn parse_url(url: &str) -> Result<Target, String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else {
        return Err(format!("the URL `{url}` must start with http:// or https://"));
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = if path.starts_with('?') { format!("/{path}") } else { path.to_string() };
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => {
            (h.to_string(), p.parse::<u16>().map_err(|_| format!("invalid port `{p}` in `{url}`"))?)
        }
        _ => (authority.to_string(), if tls { 443 } else { 80 }),
    };
    if host.is_empty() {
        return Err(format!("no host in `{url}`"));
    }
    Ok(Target { tls, host, port, path })
}

pub fn request(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let method = match a.first() {
            Some(Value::Str(m)) if !m.s.is_empty() && m.s.bytes().all(|b| b.is_ascii_alphabetic()) => {
                m.s.to_uppercase()
            }
            Some(other) => return fail(format!("the method must be a word like \"GET\", got {}", other.repr())),
            None => return fail("request(method, url, headers, body) needs a method"),
        };
        let url = match a.get(1) {
            Some(Value::Str(u)) => u.s.clone(),
            Some(other) => return fail(format!("the URL must be a String, got {}", other.type_name())),
            None => return fail("request(method, url, headers, body) needs a URL"),
        };
        let target = match parse_url(&url) {
            Ok(t) => t,
            Err(e) => return named_err(&interp, "AddrParseError", Some(e)),
        };
        let head = request_head(&method, &target, a.get(2), a.get(3))?;
        let addr = Value::str(format!("{}:{}", target.host, target.port));
        let tcp = match tcp::connect_raw(&interp, &addr).await? {
            Ok(s) => s,
            Err(e) => return Ok(e),
        };
        let _ = tcp.set_nodelay(true);
        let is_head = method == "HEAD";
        if !target.tls {
            let mut s = tcp;
            return exchange(&interp, &mut s, head, is_head).await;
        }
        let name = target.host.trim_start_matches('[').trim_end_matches(']');
        match crate::stdlib::tls::client_handshake(&interp, tcp, name, None).await? {
            Ok(mut s) => exchange(&interp, &mut s, head, is_head).await,
            Err(e) => Ok(e),
        }
    })
}

/// The request's bytes: request line, host, the caller's headers, content-length,
/// `connection: close`, then the body.
fn request_head(method: &str, t: &Target, headers: Option<&Value>, body: Option<&Value>) -> R<Vec<u8>> {
    let body: Vec<u8> = match body {
        None | Some(Value::Nil) => Vec::new(),
        Some(Value::Str(s)) => s.s.as_bytes().to_vec(),
        Some(Value::Bytes(b)) => b.borrow().clone(),
        Some(other) => {
            return fail(format!("a request body must be a String, Bytes or nil, got {}", other.type_name()));
        }
    };
    let mut out = Vec::with_capacity(128 + body.len());
    let _ = write!(out, "{method} {} HTTP/1.1\r\n", t.path);
    let default_port = if t.tls { 443 } else { 80 };
    let mut has_host = false;
    match headers {
        None | Some(Value::Nil) => {}
        Some(Value::Dict(d)) => {
            for (k, v) in d.borrow().iter() {
                let (k, v) = (k.display(), v.display());
                let lower = k.to_ascii_lowercase();
                if matches!(lower.as_str(), "content-length" | "connection" | "transfer-encoding") {
                    continue;
                }
                if k.contains(['\r', '\n', ':']) || v.contains(['\r', '\n']) {
                    return fail(format!("header `{k}` contains a line break or a colon"));
                }
                has_host |= lower == "host";
                let _ = write!(out, "{k}: {v}\r\n");
            }
        }
        Some(other) => return fail(format!("request headers must be a Dict, got {}", other.type_name())),
    }
    if !has_host {
        if t.port == default_port {
            let _ = write!(out, "host: {}\r\n", t.host);
        } else {
            let _ = write!(out, "host: {}:{}\r\n", t.host, t.port);
        }
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        let _ = write!(out, "content-length: {}\r\n", body.len());
    }
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out.extend_from_slice(&body);
    Ok(out)
}

fn malformed(interp: &Interp, what: impl std::fmt::Display) -> R<Value> {
    named_err(interp, "IoError", Some(format!("malformed HTTP response: {what}")))
}

/// Sends the request and reads the response (skipping 1xx interim responses).
async fn exchange<S: AsyncReadRent + AsyncWriteRent>(
    interp: &Interp,
    s: &mut S,
    request: Vec<u8>,
    is_head: bool,
) -> R<Value> {
    if let (Err(e), _) = wire::write_all(s, request).await {
        return socket::io_err(interp, &e);
    }
    // rustls holds written records until flushed (a no-op for plain TCP)
    if let Err(e) = s.flush().await {
        return socket::io_err(interp, &e);
    }
    let mut input = Input::default();
    let head = loop {
        match wire::read_head(s, &mut input, false).await {
            Ok(h) if h.first.starts_with('1') && h.first != "101" => continue,
            Ok(h) => break h,
            Err(HeadError::Closed | HeadError::Truncated) => return named_err(interp, "ConnectionReset", None),
            Err(HeadError::TooLarge) => return malformed(interp, "head over 16 KiB"),
            Err(HeadError::Malformed(m)) => return malformed(interp, m),
            Err(HeadError::Io(e)) => return socket::io_err(interp, &e),
        }
    };
    let status: u16 = head.first.parse().unwrap_or(0);
    let framing = if is_head || wire::bodiless(status) {
        Framing::None
    } else {
        match wire::framing(&head, Framing::UntilClose) {
            Ok(f) => f,
            Err(m) => return malformed(interp, m),
        }
    };
    let body = match wire::read_body(s, &mut input, framing, MAX_RESPONSE_BODY).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return malformed(interp, "body over 1 GiB"),
        Err(BodyError::Malformed(m)) => return malformed(interp, m),
        Err(BodyError::Truncated) => return named_err(interp, "ConnectionReset", None),
        Err(BodyError::Io(e)) => return socket::io_err(interp, &e),
    };
    Ok(interp.ok(response_value(interp, status, head.headers, body)?))
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn urls() {
        let t = parse_url("http://127.0.0.1:8080/a/b?x=1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.tls, t.host.as_str(), t.port, t.path.as_str()), (false, "127.0.0.1", 8080, "/a/b?x=1"));
        let t = parse_url("https://example.com").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.tls, t.host.as_str(), t.port, t.path.as_str()), (true, "example.com", 443, "/"));
        let t = parse_url("http://[::1]:9000?q").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("[::1]", 9000, "/?q"));
        assert!(parse_url("ftp://x").is_err());
        assert!(parse_url("http://:80/").is_err());
    }
}
