//! HTTP bench: examples/http_hello.spl against Node's `http` module (benches/http/
//! node_hello.js) and a native monoio server sending the same bytes (benches/common/
//! native_http.rs, run as `http --serve-native http ADDR`), driven by one load generator.
//!
//! The generator is a closed-loop HTTP/1.1 keep-alive client of its own: every
//! connection sends `GET / HTTP/1.1`, reads the whole response (head parsed with
//! httparse, body by Content-Length), and repeats for BENCH_SECS seconds (default 3)
//! after one checked request per connection. It runs on its own monoio runtime in one
//! thread; where the machine has two cores and `taskset` works, the server runs on core
//! 0 and the generator on core 1 (`BENCH_PIN=0` turns this off).
//!
//! Tables:
//! 1. 1, 64 and 256 connections (BENCH_HTTP_CONNS): requests/s, p99 latency and CPU of
//!    native, simple and Node, with `simple / node` and `simple / native`;
//! 2. http_hello.spl with `--threads 1` vs `--threads 2` (unpinned, same port via
//!    SO_REUSEPORT) at 64 and 256 connections.
//!
//! Run:
//!
//!     cargo bench --bench http
//!     BENCH_SECS=1 BENCH_HTTP_CONNS=64 cargo bench --bench http

mod common;

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use monoio::io::{AsyncReadRent, AsyncWriteRentExt};

use common::load::{Generated, Load, drive, list};
use common::{Server, Table, env_num, free_port, maybe_serve_native, num, pinning, ratio, start_server};

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nhost: bench\r\n\r\n";
const BODY: &[u8] = b"Hello, world!\n";

fn io_err(msg: String) -> io::Error {
    io::Error::other(msg)
}

/// Reads one response from `s` (any bytes past it stay in `pending`); checks the status
/// and, when `check`, the body.
async fn read_response(
    s: &mut monoio::net::TcpStream,
    pending: &mut Vec<u8>,
    mut buf: Vec<u8>,
    check: bool,
) -> (io::Result<()>, Vec<u8>) {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut resp = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head) = match resp.parse(pending) {
            Ok(st) => st,
            Err(e) => return (Err(io_err(format!("bad response head: {e}"))), buf),
        } {
            let length = resp
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok());
            let Some(length) = length else {
                return (Err(io_err("response without content-length".into())), buf);
            };
            if pending.len() >= head + length {
                if resp.code != Some(200) || (check && &pending[head..head + length] != BODY) {
                    let text = String::from_utf8_lossy(&pending[..head + length]).into_owned();
                    return (Err(io_err(format!("unexpected response: {text:?}"))), buf);
                }
                pending.drain(..head + length);
                return (Ok(()), buf);
            }
        }
        let (r, b) = s.read(buf).await;
        buf = b;
        match r {
            Ok(0) => return (Err(io_err("connection closed mid-response".into())), buf),
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) => return (Err(e), buf),
        }
    }
}

/// One closed-loop keep-alive connection: returns the latencies of its requests.
async fn http_conn(mut s: monoio::net::TcpStream, deadline: Instant) -> io::Result<Vec<u64>> {
    let mut out = REQUEST.to_vec();
    let mut buf = Vec::with_capacity(4096);
    let mut pending = Vec::with_capacity(4096);
    let mut lat = Vec::with_capacity(1 << 14);
    loop {
        let t = Instant::now();
        if t >= deadline {
            return Ok(lat);
        }
        let (r, b) = s.write_all(out).await;
        out = b;
        r?;
        let (r, b) = read_response(&mut s, &mut pending, buf, false).await;
        buf = b;
        r?;
        lat.push(t.elapsed().as_nanos() as u64);
    }
}

/// Opens `conns` connections (one checked request each), then runs them for `secs`.
async fn generate(addr: SocketAddr, conns: usize, secs: f64) -> io::Result<Generated> {
    let mut streams = Vec::with_capacity(conns);
    for i in 0..conns {
        let mut s = monoio::net::TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        let (r, _) = s.write_all(REQUEST.to_vec()).await;
        r?;
        let mut pending = Vec::new();
        let (r, _) = read_response(&mut s, &mut pending, Vec::with_capacity(4096), true).await;
        r.map_err(|e| io_err(format!("connection {i}: {e}")))?;
        streams.push(s);
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let handles: Vec<_> = streams.into_iter().map(|s| monoio::spawn(http_conn(s, deadline))).collect();
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.await?);
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(Generated { requests: lat.len() as u64, secs, lat_ns: lat, lost: 0 })
}

fn load(server: &mut Server, conns: usize, secs: f64, gen_core: Option<usize>) -> Load {
    let addr = server.addr;
    drive(server, secs, gen_core, move || generate(addr, conns, secs))
}

fn start_simple(opts: &[&str], addr: &str, pin_core: Option<usize>, listening: usize) -> Server {
    let mut args: Vec<&str> = vec!["run"];
    args.extend_from_slice(opts);
    args.extend_from_slice(&["examples/http_hello.spl", addr]);
    start_server("simple http_hello", &common::simple_bin(), &args, pin_core, listening)
}

fn main() {
    maybe_serve_native();
    let secs: f64 = env_num("BENCH_SECS", 3.0f64).max(0.1);
    let conns = list("BENCH_HTTP_CONNS", "1,64,256");
    let pin = pinning();
    let (srv_core, gen_core) = if pin { (Some(0), Some(1)) } else { (None, None) };
    println!(
        "\n== HTTP hello: simple vs Node vs native monoio ({secs} s per run, closed loop, keep-alive; {}) ==",
        if pin { "servers on core 0, generator on core 1" } else { "not pinned" }
    );
    println!("(CPU columns: server/generator %, 100 = one core busy)");
    {
        let exe = std::env::current_exe().expect("current_exe");
        let mut native = start_server("native http", &exe, &["--serve-native", "http", "127.0.0.1:0"], srv_core, 1);
        let mut simple = start_simple(&[], "127.0.0.1:0", srv_core, 1);
        let script = common::root().join("benches/http/node_hello.js");
        let mut node = start_server("node http", Path::new("node"), &[script.to_str().unwrap()], srv_core, 1);
        let mut table = Table::new(&[
            "conns",
            "native req/s",
            "simple req/s",
            "node req/s",
            "simple/node",
            "simple/native",
            "native p99 µs",
            "simple p99 µs",
            "node p99 µs",
            "native CPU",
            "simple CPU",
            "node CPU",
        ]);
        for &c in &conns {
            let n = load(&mut native, c, secs, gen_core);
            let s = load(&mut simple, c, secs, gen_core);
            let j = load(&mut node, c, secs, gen_core);
            table.row(vec![
                c.to_string(),
                num(n.rps()),
                num(s.rps()),
                num(j.rps()),
                ratio(s.rps() / j.rps()),
                ratio(s.rps() / n.rps()),
                num(n.p99_us()),
                num(s.p99_us()),
                num(j.p99_us()),
                n.cpu(),
                s.cpu(),
                j.cpu(),
            ]);
        }
        assert!(native.alive() && simple.alive() && node.alive(), "an HTTP server died during the bench");
        table.print();
    }
    {
        let addr1 = format!("127.0.0.1:{}", free_port());
        let mut one = start_simple(&["--threads", "1"], &addr1, None, 1);
        let addr2 = format!("127.0.0.1:{}", free_port());
        let mut two = start_simple(&["--threads", "2"], &addr2, None, 2);
        println!("\n== HTTP hello: --threads 1 vs --threads 2 (unpinned, generator shares the cores) ==");
        let mut table =
            Table::new(&["conns", "threads 1 req/s", "threads 2 req/s", "2/1", "threads 1 CPU", "threads 2 CPU"]);
        for &c in conns.iter().filter(|&&c| c > 1) {
            let a = load(&mut one, c, secs, None);
            let b = load(&mut two, c, secs, None);
            table.row(vec![c.to_string(), num(a.rps()), num(b.rps()), ratio(b.rps() / a.rps()), a.cpu(), b.cpu()]);
        }
        assert!(one.alive() && two.alive(), "a threaded server died during the bench");
        table.print();
    }
}
