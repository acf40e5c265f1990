//! Memory bench: resident memory (VmRSS from /proc/PID/status) of the interpreted echo
//! server (examples/async_tcp_echo_server.spl, 4 KiB buffer per connection) idle, with
//! BENCH_CONNS_MEM idle connections open (default 10,000), and after one 64 B echo on
//! each of them; reported per connection. The native monoio echo server (same 4 KiB
//! buffer; this binary as `memory --serve-native tcp ADDR`) is measured the same way for
//! reference.
//!
//! The bench raises its RLIMIT_NOFILE (inherited by the servers) to fit the connections;
//! if the limit cannot be raised that far, it uses as many connections as fit and says
//! so. Connections are opened in batches; after each batch it waits until the server
//! holds a descriptor for every one (/proc/PID/fd), so none waits in the backlog.
//!
//!     cargo bench --bench memory

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::{
    Server, Table, env_num, fd_count, maybe_serve_native, raise_fd_limit, rss_kib, start_native_tcp_echo,
    start_simple_tcp_echo,
};

const BATCH: usize = 250;
/// descriptors kept free for everything else (the runtime, pipes, stdio)
const SPARE_FDS: u64 = 200;

/// RSS after letting the server settle: the smallest of a few readings 50 ms apart
/// once two in a row agree within 1%.
fn settled_rss(pid: u32) -> u64 {
    let mut last = rss_kib(pid).expect("VmRSS");
    for _ in 0..20 {
        thread::sleep(Duration::from_millis(50));
        let now = rss_kib(pid).expect("VmRSS");
        if now.abs_diff(last) * 100 <= last {
            return now;
        }
        last = now;
    }
    last
}

struct Reading {
    idle: u64,
    open: u64,
    used: u64,
    conns: usize,
}

fn measure(server: &Server, conns: usize) -> Reading {
    let pid = server.pid();
    thread::sleep(Duration::from_millis(200));
    let idle = settled_rss(pid);
    let base_fds = fd_count(pid).expect("/proc/PID/fd");
    let mut streams = Vec::with_capacity(conns);
    while streams.len() < conns {
        let batch = BATCH.min(conns - streams.len());
        for _ in 0..batch {
            let s = TcpStream::connect(server.addr).unwrap_or_else(|e| panic!("connect #{}: {e}", streams.len() + 1));
            streams.push(s);
        }
        let t0 = Instant::now();
        while fd_count(pid).unwrap_or(0) < base_fds + streams.len() {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "{}: only {} of {} connections accepted after 30 s",
                server.name,
                fd_count(pid).unwrap_or(0).saturating_sub(base_fds),
                streams.len()
            );
            thread::sleep(Duration::from_millis(5));
        }
    }
    let open = settled_rss(pid);
    let msg = [b'm'; 64];
    let mut back = [0u8; 64];
    for s in &mut streams {
        s.write_all(&msg).expect("write");
        s.read_exact(&mut back).expect("read echo");
        assert_eq!(msg, back, "echo differs");
    }
    let used = settled_rss(pid);
    drop(streams);
    Reading { idle, open, used, conns }
}

fn main() {
    maybe_serve_native();
    let want: usize = env_num("BENCH_CONNS_MEM", 10_000usize).max(1);
    let limit = raise_fd_limit(want as u64 + SPARE_FDS);
    let conns = want.min(limit.saturating_sub(SPARE_FDS) as usize).max(1);
    println!("\n== Memory: RSS of the echo servers, idle and with {conns} idle connections ==");
    if conns < want {
        println!("NOTE: the fd limit could only be raised to {limit}: measuring {conns} connections instead of {want}");
    }
    let mut table =
        Table::new(&["server", "idle KiB", "with conns KiB", "per conn KiB", "after 1 echo each KiB", "per conn KiB"]);
    type Start = fn() -> Server;
    let servers: [(&str, Start); 2] = [
        ("simple (example, 4 KiB buffer)", || start_simple_tcp_echo(&[], "127.0.0.1:0", None, 1)),
        ("native monoio (4 KiB buffer)", || start_native_tcp_echo(None)),
    ];
    for (name, start) in servers {
        let server = start();
        let r = measure(&server, conns);
        let per = |kib: u64| format!("{:.2}", kib.saturating_sub(r.idle) as f64 / r.conns as f64);
        table.row(vec![
            name.to_string(),
            r.idle.to_string(),
            r.open.to_string(),
            per(r.open),
            r.used.to_string(),
            per(r.used),
        ]);
        drop(server);
    }
    table.print();
}
