//! HTTP/1.1 on the wire, for the server and the client: reading heads (httparse) and
//! bodies (`Content-Length`, chunked, or to the end of the stream) from a buffered
//! monoio stream, writing heads, reason phrases, content types, percent-decoding.

use monoio::buf::SliceMut;
use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt};
use std::io;

/// Heads larger than this are refused (431 from the server, an error in the client).
pub const MAX_HEAD: usize = 16 << 10;
/// Header lines per head.
pub const MAX_HEADERS: usize = 100;

/// Bytes read from a stream and not consumed yet: `buf[pos..]`.
#[derive(Default)]
pub struct Input {
    pub buf: Vec<u8>,
    pub pos: usize,
}

impl Input {
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    pub fn consume(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
    }

    /// Reads more from `s` (at least one byte unless the stream ended): false at the end.
    pub async fn fill<S: AsyncReadRent>(&mut self, s: &mut S) -> io::Result<bool> {
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let len = self.buf.len();
        let want = (8 << 10).max(self.buf.capacity() - len);
        self.buf.reserve(want);
        let buf = std::mem::take(&mut self.buf);
        let (res, slice) = s.read(SliceMut::new(buf, len, len + want)).await;
        self.buf = slice.into_inner();
        Ok(res? > 0)
    }
}

/// Why a head could not be read.
pub enum HeadError {
    /// the stream ended before any byte of a head (a clean end between messages)
    Closed,
    /// ended in the middle of a head
    Truncated,
    TooLarge,
    Malformed(String),
    Io(io::Error),
}

impl From<io::Error> for HeadError {
    fn from(e: io::Error) -> HeadError {
        HeadError::Io(e)
    }
}

/// A parsed head: the start line's parts and the headers (names lower-cased).
pub struct Head {
    /// request: method; response: status code as text
    pub first: String,
    /// request: target; response: reason phrase
    pub second: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1
    pub minor: u8,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Whether a comma-separated header lists `token` (case-insensitive).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .any(|(_, v)| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }
}

fn headers_of(raw: &[httparse::Header]) -> Result<Vec<(String, String)>, HeadError> {
    raw.iter()
        .map(|h| match std::str::from_utf8(h.value) {
            Ok(v) => Ok((h.name.to_ascii_lowercase(), v.to_string())),
            // obs-text (Latin-1) values: kept byte for byte as characters
            Err(_) => Ok((h.name.to_ascii_lowercase(), h.value.iter().map(|&b| b as char).collect())),
        })
        .collect()
}

/// Reads one request head (`request` true) or response head from `input`/`s`.
pub async fn read_head<S: AsyncReadRent>(s: &mut S, input: &mut Input, request: bool) -> Result<Head, HeadError> {
    loop {
        let pending = input.pending();
        // leading blank lines between pipelined requests are allowed (RFC 9112 2.2)
        let skip = pending.iter().take_while(|b| **b == b'\r' || **b == b'\n').count();
        if skip > 0 && skip <= 4 {
            input.consume(skip);
            continue;
        }
        let pending = input.pending();
        if !pending.is_empty() {
            let mut raw = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let parsed = if request {
                let mut req = httparse::Request::new(&mut raw);
                match req.parse(pending) {
                    Ok(httparse::Status::Complete(n)) => Some((
                        n,
                        Head {
                            first: req.method.unwrap_or("").to_string(),
                            second: req.path.unwrap_or("").to_string(),
                            minor: req.version.unwrap_or(1),
                            headers: headers_of(req.headers)?,
                        },
                    )),
                    Ok(httparse::Status::Partial) => None,
                    Err(e) => return Err(HeadError::Malformed(e.to_string())),
                }
            } else {
                let mut res = httparse::Response::new(&mut raw);
                match res.parse(pending) {
                    Ok(httparse::Status::Complete(n)) => Some((
                        n,
                        Head {
                            first: res.code.unwrap_or(0).to_string(),
                            second: res.reason.unwrap_or("").to_string(),
                            minor: res.version.unwrap_or(1),
                            headers: headers_of(res.headers)?,
                        },
                    )),
                    Ok(httparse::Status::Partial) => None,
                    Err(e) => return Err(HeadError::Malformed(e.to_string())),
                }
            };
            if let Some((n, head)) = parsed {
                if n > MAX_HEAD {
                    return Err(HeadError::TooLarge);
                }
                input.consume(n);
                return Ok(head);
            }
            if pending.len() > MAX_HEAD {
                return Err(HeadError::TooLarge);
            }
        }
        let was_empty = input.pending().is_empty();
        if !input.fill(s).await? {
            return Err(if was_empty { HeadError::Closed } else { HeadError::Truncated });
        }
    }
}

/// How a message's body is delimited.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Framing {
    None,
    Length(u64),
    Chunked,
    /// to the end of the stream (responses without a length)
    UntilClose,
}

/// Why a body could not be read.
pub enum BodyError {
    TooLarge,
    Malformed(String),
    Truncated,
    Io(io::Error),
}

impl From<io::Error> for BodyError {
    fn from(e: io::Error) -> BodyError {
        BodyError::Io(e)
    }
}

/// The framing a head announces (`Err`: a malformed or conflicting length).
pub fn framing(head: &Head, default: Framing) -> Result<Framing, String> {
    if let Some(te) = head.header("transfer-encoding") {
        if te.split(',').next_back().is_some_and(|t| t.trim().eq_ignore_ascii_case("chunked")) {
            return Ok(Framing::Chunked);
        }
        return Err(format!("unsupported transfer-encoding `{te}`"));
    }
    let lengths: Vec<&str> =
        head.headers.iter().filter(|(n, _)| n == "content-length").map(|(_, v)| v.trim()).collect();
    match lengths.first() {
        None => Ok(default),
        Some(first) if lengths.iter().all(|l| l == first) => match first.parse::<u64>() {
            Ok(n) => Ok(Framing::Length(n)),
            Err(_) => Err(format!("invalid content-length `{first}`")),
        },
        Some(_) => Err("conflicting content-length headers".into()),
    }
}

/// Reads a whole body of the given framing, at most `max` bytes.
pub async fn read_body<S: AsyncReadRent>(
    s: &mut S,
    input: &mut Input,
    framing: Framing,
    max: u64,
) -> Result<Vec<u8>, BodyError> {
    match framing {
        Framing::None => Ok(Vec::new()),
        Framing::Length(n) if n > max => Err(BodyError::TooLarge),
        Framing::Length(n) => read_exact_body(s, input, n as usize).await,
        Framing::Chunked => read_chunked(s, input, max).await,
        Framing::UntilClose => {
            let mut out = Vec::new();
            loop {
                out.extend_from_slice(input.pending());
                input.consume(input.pending().len());
                if out.len() as u64 > max {
                    return Err(BodyError::TooLarge);
                }
                if !input.fill(s).await? {
                    return Ok(out);
                }
            }
        }
    }
}

async fn read_exact_body<S: AsyncReadRent>(s: &mut S, input: &mut Input, n: usize) -> Result<Vec<u8>, BodyError> {
    while input.pending().len() < n {
        if !input.fill(s).await? {
            return Err(BodyError::Truncated);
        }
    }
    let body = input.pending()[..n].to_vec();
    input.consume(n);
    Ok(body)
}

/// A line ending in CRLF (or LF) at the start of the input, without its ending.
async fn read_line<S: AsyncReadRent>(s: &mut S, input: &mut Input) -> Result<String, BodyError> {
    loop {
        if let Some(at) = input.pending().iter().position(|b| *b == b'\n') {
            let line = String::from_utf8_lossy(&input.pending()[..at]).trim_end_matches('\r').to_string();
            input.consume(at + 1);
            return Ok(line);
        }
        if input.pending().len() > MAX_HEAD {
            return Err(BodyError::Malformed("chunk line too long".into()));
        }
        if !input.fill(s).await? {
            return Err(BodyError::Truncated);
        }
    }
}

async fn read_chunked<S: AsyncReadRent>(s: &mut S, input: &mut Input, max: u64) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    loop {
        let line = read_line(s, input).await?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size_text, 16)
            .map_err(|_| BodyError::Malformed(format!("invalid chunk size `{size_text}`")))?;
        if size == 0 {
            // trailers, up to the blank line
            while !read_line(s, input).await?.is_empty() {}
            return Ok(out);
        }
        if out.len() as u64 + size > max {
            return Err(BodyError::TooLarge);
        }
        out.extend(read_exact_body(s, input, size as usize).await?);
        if !read_line(s, input).await?.is_empty() {
            return Err(BodyError::Malformed("missing CRLF after a chunk".into()));
        }
    }
}

/// Writes all of `data`.
pub async fn write_all<S: AsyncWriteRent>(s: &mut S, data: Vec<u8>) -> (io::Result<()>, Vec<u8>) {
    let (r, data) = s.write_all(data).await;
    (r.map(|_| ()), data)
}

/// The reason phrase of a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Whether a response with this status never has a body.
pub fn bodiless(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

/// The content type of a file name, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" | "md" | "spl" | "rs" | "py" | "toml" | "csv" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// `%XX` decoded (and `+` as a space in query strings); invalid escapes stay as written.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=1&b=x%20y` as (name, value) pairs, decoded.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%20b+c%2", true), "a b c%2");
        assert_eq!(percent_decode("%e2%9c%93", false), "✓");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(
            parse_query("a=1&b=x%20y&c&&d=%3D"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "".into()),
                ("d".into(), "=".into())
            ]
        );
    }
}
