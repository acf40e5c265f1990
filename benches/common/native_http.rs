//! The native counterpart of examples/http_hello.spl for the HTTP bench: a monoio server
//! that parses requests with httparse (as the interpreter's server does), answers
//! pipelined requests in order, keeps connections alive, and sends the same bytes as
//! `http_hello.spl`: status line, content-type, date, content-length, body.

use std::cell::RefCell;
use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use monoio::io::{AsyncReadRent, AsyncWriteRentExt};

const BODY: &[u8] = b"Hello, world!\n";

pub async fn serve(addr: SocketAddr) {
    let listener = monoio::net::TcpListener::bind(addr).expect("bind");
    println!("listening on {}", listener.local_addr().expect("local_addr"));
    let _ = std::io::stdout().flush();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                monoio::spawn(connection(stream));
            }
            Err(e) => {
                eprintln!("accept failed: {e}");
                monoio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn connection(mut stream: monoio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = Vec::with_capacity(8192);
    let mut out = Vec::with_capacity(4096);
    loop {
        let (r, b) = stream.read(buf).await;
        buf = b;
        match r {
            Ok(0) | Err(_) => return,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
        // answer every complete request in the buffer, in order
        let mut used = 0;
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(&pending[used..]) {
                Ok(httparse::Status::Complete(len)) => {
                    used += len;
                    respond(&mut out);
                }
                Ok(httparse::Status::Partial) => break,
                Err(_) => return,
            }
        }
        pending.drain(..used);
        if !out.is_empty() {
            let (r, b) = stream.write_all(out).await;
            out = b;
            out.clear();
            if r.is_err() {
                return;
            }
        }
    }
}

fn respond(out: &mut Vec<u8>) {
    out.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ndate: ");
    DATE.with(|d| out.extend_from_slice(d.borrow_mut().now().as_bytes()));
    out.extend_from_slice(format!("\r\ncontent-length: {}\r\n\r\n", BODY.len()).as_bytes());
    out.extend_from_slice(BODY);
}

thread_local! {
    static DATE: RefCell<DateCache> = const { RefCell::new(DateCache { secs: u64::MAX, text: String::new() }) };
}

/// The `Date` header, formatted once per second (as HTTP servers do).
struct DateCache {
    secs: u64,
    text: String,
}

impl DateCache {
    fn now(&mut self) -> &str {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        if secs != self.secs {
            self.secs = secs;
            // the interpreter's formatter: both servers send byte-identical dates
            self.text = simple::stdlib::time::imf_fixdate(secs as i64);
        }
        &self.text
    }
}
