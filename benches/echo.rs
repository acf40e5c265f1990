//! Echo bench: the interpreted example servers (examples/async_tcp_echo_server.spl,
//! `examples/async_udp_echo.spl server`) against native monoio echo servers (plain Rust
//! in benches/common, run as a child process of this same binary:
//! `echo --serve-native tcp|udp ADDR`), driven by one Rust load generator.
//!
//! The generator is closed-loop: every connection sends a message, waits for the whole
//! echo, and repeats, after one checked warm-up exchange per connection. The two sides
//! of a comparison take turns: BENCH_ROUNDS rounds (default 3) of one run each,
//! BENCH_SECS seconds (default 3) per side in all; a ratio column is the median of the
//! rounds' ratios (this machine's speed drifts by tens of percent over seconds, and one
//! long run per side compared two speeds). The generator runs on its own monoio
//! runtime in one thread. Where the
//! machine has two cores and `taskset` works, the server runs under `taskset -c 0` and
//! the generator thread is pinned to core 1 (`BENCH_PIN=0` turns this off).
//!
//! Tables:
//! 1. TCP: 1, 16, 256 connections (BENCH_CONNS) × 64 B and 4 KiB (BENCH_SIZES):
//!    requests/s, p99 latency, `simple / native`, and the CPU use of server and
//!    generator (a native figure with the generator near 100% is generator-bound);
//! 2. UDP, 64 B, 1 and 16 clients (BENCH_UDP_CLIENTS), lost datagrams resent after
//!    200 ms;
//! 3. the interpreted TCP server with `--threads 1` vs `--threads 2` (unpinned, same
//!    port via SO_REUSEPORT), 16 and 256 connections × 64 B;
//! 4. examples/tcp_proxy.spl in front of the native echo server vs the server reached
//!    directly (1 and 16 connections), requests/s and p99 latency.
//!
//! Run:
//!
//!     cargo bench --bench echo
//!     BENCH_SECS=1 BENCH_CONNS=1,16 cargo bench --bench echo

mod common;

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use monoio::io::{AsyncReadRent, AsyncWriteRentExt};

use common::load::{Generated, Load, drive, list};
use common::{
    Server, Table, env_num, free_port, maybe_serve_native, num, pinning, ratio, start_native_tcp_echo,
    start_native_udp_echo, start_server, start_simple_tcp_echo,
};

#[derive(Clone, Copy)]
enum Proto {
    Tcp,
    Udp,
}

fn payload(size: usize, seed: usize) -> Vec<u8> {
    (0..size).map(|i| b'a' + ((i * 7 + seed) % 26) as u8).collect()
}

fn io_err(msg: String) -> io::Error {
    io::Error::other(msg)
}

/// Reads exactly `want` bytes (in as many reads as it takes); returns them when `keep`.
async fn read_echo(
    s: &mut monoio::net::TcpStream,
    mut buf: Vec<u8>,
    want: usize,
    keep: bool,
) -> (io::Result<Vec<u8>>, Vec<u8>) {
    let mut got = 0;
    let mut kept = Vec::new();
    while got < want {
        let (r, b) = s.read(buf).await;
        buf = b;
        match r {
            Ok(0) => return (Err(io_err(format!("connection closed after {got} of {want} bytes"))), buf),
            Ok(n) => {
                got += n;
                if keep {
                    kept.extend_from_slice(&buf[..n]);
                }
            }
            Err(e) => return (Err(e), buf),
        }
    }
    (Ok(kept), buf)
}

/// One closed-loop TCP connection: returns the latencies of its requests.
async fn tcp_conn(mut s: monoio::net::TcpStream, size: usize, deadline: Instant) -> io::Result<Vec<u64>> {
    let mut out = payload(size, 1);
    let mut inb = Vec::with_capacity(size.max(4096));
    let mut lat = Vec::with_capacity(1 << 14);
    loop {
        let t = Instant::now();
        if t >= deadline {
            return Ok(lat);
        }
        let (r, b) = s.write_all(out).await;
        out = b;
        r?;
        let (r, b) = read_echo(&mut s, inb, size, false).await;
        inb = b;
        r?;
        lat.push(t.elapsed().as_nanos() as u64);
    }
}

/// One closed-loop UDP client: returns its latencies and how many datagrams it resent.
async fn udp_client(s: monoio::net::udp::UdpSocket, size: usize, deadline: Instant) -> io::Result<(Vec<u64>, u64)> {
    let mut out = payload(size, 2);
    let mut inb = Vec::with_capacity(4096);
    let mut lat = Vec::with_capacity(1 << 14);
    let mut lost = 0;
    loop {
        let t = Instant::now();
        if t >= deadline {
            return Ok((lat, lost));
        }
        let (r, b) = s.send(out).await;
        out = b;
        r?;
        match monoio::time::timeout(Duration::from_millis(200), s.recv(inb)).await {
            Ok((r, b)) => {
                inb = b;
                r?;
                lat.push(t.elapsed().as_nanos() as u64);
            }
            Err(_) => {
                inb = Vec::with_capacity(4096);
                lost += 1;
            }
        }
    }
}

/// Connects `conns` clients (one checked exchange each), then runs them for `secs`.
async fn generate(proto: Proto, addr: SocketAddr, conns: usize, size: usize, secs: f64) -> io::Result<Generated> {
    let msg = payload(size, 1);
    let mut tcp = Vec::new();
    let mut udp = Vec::new();
    for i in 0..conns {
        match proto {
            Proto::Tcp => {
                let mut s = monoio::net::TcpStream::connect(addr).await?;
                s.set_nodelay(true)?;
                let (r, _) = s.write_all(msg.clone()).await;
                r?;
                let (r, _) = read_echo(&mut s, Vec::with_capacity(size.max(4096)), size, true).await;
                if r? != msg {
                    return Err(io_err(format!("connection {i}: the echo differs from the message")));
                }
                tcp.push(s);
            }
            Proto::Udp => {
                let s = monoio::net::udp::UdpSocket::bind("127.0.0.1:0")?;
                s.connect(addr).await?;
                let mut ok = false;
                for _ in 0..5 {
                    let (r, _) = s.send(payload(size, 2)).await;
                    r?;
                    if let Ok((r, b)) =
                        monoio::time::timeout(Duration::from_millis(500), s.recv(Vec::with_capacity(4096))).await
                    {
                        let n = r?;
                        if b[..n] != payload(size, 2)[..] {
                            return Err(io_err(format!("client {i}: the echo differs from the datagram")));
                        }
                        ok = true;
                        break;
                    }
                }
                if !ok {
                    return Err(io_err(format!("client {i}: no answer from {addr}")));
                }
                udp.push(s);
            }
        }
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut lat = Vec::new();
    let mut lost = 0;
    let tcp_handles: Vec<_> = tcp.into_iter().map(|s| monoio::spawn(tcp_conn(s, size, deadline))).collect();
    let udp_handles: Vec<_> = udp.into_iter().map(|s| monoio::spawn(udp_client(s, size, deadline))).collect();
    for h in tcp_handles {
        lat.extend(h.await?);
    }
    for h in udp_handles {
        let (l, n) = h.await?;
        lat.extend(l);
        lost += n;
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(Generated { requests: lat.len() as u64, secs, lat_ns: lat, lost })
}

/// Columns of a native-vs-simple table (`extra` columns follow).
fn comparison_header<'a>(first: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut h = vec![
        first,
        "msg",
        "native req/s",
        "simple req/s",
        "simple/native",
        "native p99 µs",
        "simple p99 µs",
        "native CPU",
        "simple CPU",
    ];
    h.extend_from_slice(extra);
    h
}

/// One native-vs-simple row for `count` connections (or clients) of `size`-byte
/// messages; `median` is the median of the rounds' ratios.
fn comparison_row(count: usize, size: usize, n: &Load, s: &Load, median: f64) -> Vec<String> {
    vec![
        count.to_string(),
        size_label(size),
        num(n.rps()),
        num(s.rps()),
        ratio(median),
        num(n.p99_us()),
        num(s.p99_us()),
        n.cpu(),
        s.cpu(),
    ]
}

fn load(server: &mut Server, proto: Proto, conns: usize, size: usize, secs: f64, gen_core: Option<usize>) -> Load {
    let addr = server.addr;
    drive(server, secs, gen_core, move || generate(proto, addr, conns, size, secs))
}

/// Loads `a` and `b` by turns, `rounds` runs each sharing `secs`: both sides, and the
/// median of the rounds' `b / a` ratios. (This machine's speed drifts by tens of percent
/// over seconds; one long run of each side compared runs at different speeds.)
#[allow(clippy::too_many_arguments)]
fn compare(
    a: &mut Server,
    b: &mut Server,
    proto: Proto,
    conns: usize,
    size: usize,
    secs: f64,
    rounds: usize,
    gen_core: Option<usize>,
) -> (Load, Load, f64) {
    let each = secs / rounds as f64;
    let (mut runs_a, mut runs_b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let x = load(a, proto, conns, size, each, gen_core);
        let y = load(b, proto, conns, size, each, gen_core);
        ratios.push(y.rps() / x.rps());
        runs_a.push(x);
        runs_b.push(y);
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    (Load::merge(runs_a), Load::merge(runs_b), median)
}

fn size_label(size: usize) -> String {
    if size >= 1024 && size.is_multiple_of(1024) { format!("{} KiB", size / 1024) } else { format!("{size} B") }
}

fn main() {
    maybe_serve_native();
    let secs: f64 = env_num("BENCH_SECS", 3.0f64).max(0.1);
    let rounds = env_num("BENCH_ROUNDS", 3.0f64).max(1.0) as usize;
    let conns = list("BENCH_CONNS", "1,16,256");
    let sizes = list("BENCH_SIZES", "64,4096");
    let udp_clients = list("BENCH_UDP_CLIENTS", "1,16");
    let pin = pinning();
    let (srv_core, gen_core) = if pin { (Some(0), Some(1)) } else { (None, None) };
    println!(
        "\n== Echo: simple vs native monoio ({secs} s per side in {rounds} alternating runs, closed loop; {}) ==",
        if pin { "servers on core 0, generator on core 1" } else { "not pinned" }
    );
    println!("(ratio columns: the median of the runs' ratios; CPU columns: server/generator %, 100 = one core busy)");

    // 1. TCP
    {
        let mut native = start_native_tcp_echo(srv_core);
        let mut simple = start_simple_tcp_echo(&[], "127.0.0.1:0", srv_core, 1);
        let mut table = Table::new(&comparison_header("TCP conns", &[]));
        for &c in &conns {
            for &size in &sizes {
                let (n, s, median) = compare(&mut native, &mut simple, Proto::Tcp, c, size, secs, rounds, gen_core);
                table.row(comparison_row(c, size, &n, &s, median));
            }
        }
        assert!(simple.alive() && native.alive(), "a TCP server died during the bench");
        table.print();
        println!();
    }

    // 2. UDP
    {
        let simple_bin = common::simple_bin();
        let mut native = start_native_udp_echo(srv_core);
        let mut simple = start_server(
            "simple udp echo",
            &simple_bin,
            &["run", "examples/async_udp_echo.spl", "server", "127.0.0.1:0"],
            srv_core,
            1,
        );
        let mut table = Table::new(&comparison_header("UDP clients", &["resent n/s"]));
        for &c in &udp_clients {
            let (n, s, median) = compare(&mut native, &mut simple, Proto::Udp, c, 64, secs, rounds, gen_core);
            let mut row = comparison_row(c, 64, &n, &s, median);
            row.push(format!("{}/{}", n.lost, s.lost));
            table.row(row);
        }
        assert!(simple.alive() && native.alive(), "a UDP server died during the bench");
        table.print();
    }

    // 3. --threads 1 vs 2 (unpinned: two server threads need both cores)
    {
        let addr1 = format!("127.0.0.1:{}", free_port());
        let mut one = start_simple_tcp_echo(&["--threads", "1"], &addr1, None, 1);
        let addr2 = format!("127.0.0.1:{}", free_port());
        let mut two = start_simple_tcp_echo(&["--threads", "2"], &addr2, None, 2);
        println!(
            "\n== Echo: interpreted TCP server, --threads 1 vs --threads 2 (unpinned, generator shares the cores) =="
        );
        let mut table = Table::new(&[
            "TCP conns",
            "msg",
            "threads 1 req/s",
            "threads 2 req/s",
            "2/1",
            "threads 1 CPU",
            "threads 2 CPU",
        ]);
        for &c in conns.iter().filter(|&&c| c > 1) {
            let (a, b, median) = compare(&mut one, &mut two, Proto::Tcp, c, 64, secs, rounds, None);
            table.row(vec![c.to_string(), size_label(64), num(a.rps()), num(b.rps()), ratio(median), a.cpu(), b.cpu()]);
        }
        assert!(one.alive() && two.alive(), "a threaded server died during the bench");
        table.print();
    }

    // 4. examples/tcp_proxy.spl in front of the native echo server, against the same
    //    server reached directly
    {
        let mut native = start_native_tcp_echo(srv_core);
        let target = native.addr.to_string();
        let mut proxy = start_server(
            "simple tcp proxy",
            &common::simple_bin(),
            &["run", "examples/tcp_proxy.spl", "127.0.0.1:0", &target],
            srv_core,
            1,
        );
        println!("\n== TCP proxy: examples/tcp_proxy.spl in front of the native echo server vs direct ==");
        let mut table = Table::new(&[
            "TCP conns",
            "msg",
            "direct req/s",
            "proxied req/s",
            "proxied/direct",
            "direct p99 us",
            "proxied p99 us",
            "proxy CPU",
        ]);
        for &c in conns.iter().filter(|&&c| c <= 16) {
            for &size in &sizes {
                let (d, p, median) = compare(&mut native, &mut proxy, Proto::Tcp, c, size, secs, rounds, gen_core);
                table.row(vec![
                    c.to_string(),
                    size_label(size),
                    num(d.rps()),
                    num(p.rps()),
                    ratio(median),
                    num(d.p99_us()),
                    num(p.p99_us()),
                    format!("{:.0}%", p.srv_cpu * 100.0),
                ]);
            }
        }
        assert!(proxy.alive() && native.alive(), "the proxy or the echo server died during the bench");
        table.print();
    }
}
