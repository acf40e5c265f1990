//! Network and runtime faults against real processes, under both monoio drivers (default
//! and `MONOIO_FORCE_LEGACY_DRIVER=1`), on 127.0.0.1 with port 0:
//!
//! - connections in waves to the example echo server (1,000; `SIMPLE_STRESS=1`: 10,000),
//!   10% reset mid-message (SO_LINGER 0), 10% half-closed after sending: every other
//!   client gets exactly its bytes back, the server stays up, its descriptor count
//!   returns to the baseline and its RSS to within a margin of its post-warm-up value;
//! - 1,000 idle connections do not delay a new client's echo (median of 20 < 10 ms);
//! - a peer that stops reading: `timeout(0.5, s.write_all(big))` in a Simple server gives
//!   `Err(NetError::TimedOut)` while another task keeps ticking, the bytes the runtime
//!   counts as written are exactly the bytes the peer receives, and the socket closes
//!   cleanly;
//! - descriptor exhaustion (the server under RLIMIT_NOFILE 64): `accept failed: ...` is
//!   logged, the server does not spin (CPU time over a second), and it serves again once
//!   descriptors are free;
//! - io_uring unavailable: `--driver epoll` and the environment variable report "epoll";
//!   with io_uring_setup blocked by a seccomp filter the runtime falls back to epoll and
//!   serves; with a (simulated) kernel that rejects rings above 4,096 entries,
//!   `configure_entries(32768)` still starts, on epoll;
//! - streaming 64 MiB (`SIMPLE_STRESS=1`: 1 GiB) through the echo server and 64 KiB UDP
//!   datagrams (the example truncates them to its 4,096-byte buffer; a 65,536-byte echo
//!   script returns them whole) with the server's RSS sampled throughout;
//! - 5,000 failing tasks: the others keep working and `runtime.stats()` stays consistent.
//!
//! Every child runs under a watchdog and is killed by its guard; every socket has
//! timeouts. The tests take a shared lock so that they run one at a time (the latency
//! and CPU figures would otherwise measure each other). Figures are printed (run with
//! `--nocapture` to see them).

#[macro_use]
mod common;

use common::{Driver, Proc, first_difference, random_bytes};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

const ECHO_SERVER: &str = "examples/async_tcp_echo_server.spl";
const UDP_EXAMPLE: &str = "examples/async_udp_echo.spl";
const IO_TIMEOUT: Duration = Duration::from_secs(20);
/// The largest UDP payload over IPv4 (65,535 - 20 - 8): "64 KiB datagrams".
const MAX_DATAGRAM: usize = 65_507;

both_drivers!(
    waves_with_resets_and_half_closes,
    idle_connections_do_not_delay_echo,
    peer_stops_reading_write_times_out,
    descriptor_exhaustion_then_recovery,
    streaming_through_echo_server_rss_flat,
    udp_example_truncates_64k_datagrams,
    udp_64k_datagrams_streamed_rss_flat,
    thousands_of_failing_tasks_stats_consistent,
);

// ----- helpers ---------------------------------------------------------------------------

fn stress() -> bool {
    std::env::var_os("SIMPLE_STRESS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// One test at a time (see the module comment).
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn start_echo_server(driver: Driver) -> (Proc, SocketAddr) {
    let mut server = Proc::spawn_with(driver, &[ECHO_SERVER, "127.0.0.1:0"], Duration::from_secs(120));
    let addr = server.wait_listening();
    (server, addr)
}

/// Kills the server, which must have stayed up and said nothing but `listening on`.
fn stop_quiet_server(server: Proc, addr: SocketAddr, what: &str) {
    let out = server.kill();
    assert!(
        out.stdout == format!("listening on {addr}\n") && out.stderr.is_empty(),
        "{what}: expected only the `listening on` line from the server\n{}",
        out.describe()
    );
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    s.set_write_timeout(Some(IO_TIMEOUT))?;
    s.set_nodelay(true)?;
    Ok(s)
}

/// Resets the connection (SO_LINGER 0: close sends RST).
fn reset(stream: TcpStream) {
    socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO)).expect("SO_LINGER");
    drop(stream);
}

/// One echo round on a fresh connection.
fn echo_once(addr: SocketAddr, data: &[u8]) -> Result<(), String> {
    let mut s = connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.write_all(data).map_err(|e| format!("write: {e}"))?;
    let mut back = vec![0u8; data.len()];
    s.read_exact(&mut back).map_err(|e| format!("read: {e}"))?;
    if back != data {
        return Err(format!("other bytes back (first difference at {:?})", first_difference(data, &back)));
    }
    Ok(())
}

/// VmRSS of a process, KiB.
fn rss_kb(pid: u32) -> u64 {
    status_kb(pid, "VmRSS:")
}

/// A `kB` field of /proc/PID/status.
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// utime + stime of a process, seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // after the command: state is field 3, utime field 14, stime field 15
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    ticks as f64 / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// Samples a process's VmRSS every 20 ms until stopped; returns the maximum, KiB, also
/// counting VmHWM (the kernel's peak since the process started, so that a peak between
/// two samples is not missed; the servers here start up well below that figure).
struct RssSampler {
    pid: u32,
    stop: Arc<AtomicBool>,
    max: Arc<AtomicU64>,
    handle: Option<thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let max = Arc::new(AtomicU64::new(0));
        let (s, m) = (Arc::clone(&stop), Arc::clone(&max));
        let handle = thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                m.fetch_max(rss_kb(pid), Ordering::SeqCst);
                thread::sleep(Duration::from_millis(20));
            }
        });
        RssSampler { pid, stop, max, handle: Some(handle) }
    }
    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        self.max.load(Ordering::SeqCst).max(status_kb(self.pid, "VmHWM:"))
    }
}

/// Waits up to `limit` for the server's descriptor count to come back to `baseline`.
fn fds_back_to(server: &Proc, baseline: usize, limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let now = server.open_fds();
        if now == baseline || Instant::now() > deadline {
            return now;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// The server's descriptor count once it has stopped changing (closes are asynchronous).
fn settled_fds(server: &Proc) -> usize {
    let mut last = server.open_fds();
    for _ in 0..100 {
        thread::sleep(Duration::from_millis(50));
        let now = server.open_fds();
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

/// Writes a Simple program below $CARGO_TARGET_TMPDIR/faults and returns its path.
fn script(name: &str, src: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("faults");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, src).expect("write the script");
    path.display().to_string()
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

// ----- connections in waves ------------------------------------------------------------

/// How client `i` behaves.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// sends half its message, reads a little of the echo, resets (SO_LINGER 0)
    Reset,
    /// sends everything, shuts down writing, reads the echo to end of stream
    HalfClose,
    /// sends everything, reads the whole echo, closes
    Normal,
}

fn kind(i: usize) -> Kind {
    match i % 10 {
        3 => Kind::Reset,
        7 => Kind::HalfClose,
        _ => Kind::Normal,
    }
}

fn wave_client(addr: SocketAddr, i: usize) -> Result<(), String> {
    let size = 1 + (random_bytes(i as u64 ^ 0xA5A5, 8)[0] as usize) * 128 + i % 127; // 1 B .. 32 KiB
    let data = random_bytes(10_000 + i as u64, size);
    let fail = |step: &str, e: io::Error| format!("client {i} ({size} bytes): {step}: {e}");
    let mut s = connect(addr).map_err(|e| fail("connect", e))?;
    match kind(i) {
        Kind::Reset => {
            let half = (size / 2).max(1);
            s.write_all(&data[..half]).map_err(|e| fail("write", e))?;
            let mut some = vec![0u8; half.min(16)];
            s.read_exact(&mut some).map_err(|e| fail("read the start of the echo", e))?;
            reset(s);
            Ok(())
        }
        Kind::HalfClose => {
            s.write_all(&data).map_err(|e| fail("write", e))?;
            s.shutdown(Shutdown::Write).map_err(|e| fail("shutdown(Write)", e))?;
            let mut back = Vec::with_capacity(size);
            s.read_to_end(&mut back).map_err(|e| fail("read to end", e))?;
            if back != data {
                return Err(format!(
                    "client {i} (half-close): sent {size} bytes, got {} back, first difference at {:?}",
                    back.len(),
                    first_difference(&data, &back)
                ));
            }
            Ok(())
        }
        Kind::Normal => {
            let (a, b) = data.split_at(size / 2);
            s.write_all(a).and_then(|_| s.write_all(b)).map_err(|e| fail("write", e))?;
            let mut back = vec![0u8; size];
            s.read_exact(&mut back).map_err(|e| fail("read", e))?;
            if back != data {
                return Err(format!(
                    "client {i}: other bytes back, first difference at {:?}",
                    first_difference(&data, &back)
                ));
            }
            Ok(())
        }
    }
}

fn waves_with_resets_and_half_closes(driver: Driver) {
    let _lock = one_at_a_time();
    let total = if stress() { 10_000 } else { 1_000 };
    const WAVE: usize = 100;
    let (server, addr) = start_echo_server(driver);
    // warm-up: one wave of normal clients
    for i in 0..WAVE {
        echo_once(addr, &random_bytes(i as u64, 4096)).unwrap_or_else(|e| panic!("warm-up client {i}: {e}"));
    }
    let base_fds = settled_fds(&server);
    let base_rss = rss_kb(server.pid());
    let sampler = RssSampler::start(server.pid());
    let started = Instant::now();
    let mut failures = Vec::new();
    for wave in 0..total / WAVE {
        let clients: Vec<_> =
            (0..WAVE).map(|k| wave * WAVE + k).map(|i| thread::spawn(move || wave_client(addr, i))).collect();
        for c in clients {
            if let Err(e) = c.join().expect("client thread panicked") {
                failures.push(e);
            }
        }
        assert!(server.is_alive(), "{}: the server stopped during wave {wave}", driver.label());
    }
    let took = started.elapsed();
    let max_rss = sampler.finish();
    let fds = fds_back_to(&server, base_fds, Duration::from_secs(5));
    thread::sleep(Duration::from_millis(200));
    let end_rss = rss_kb(server.pid());
    let resets = (0..total).filter(|&i| kind(i) == Kind::Reset).count();
    let halves = (0..total).filter(|&i| kind(i) == Kind::HalfClose).count();
    eprintln!(
        "waves ({}): {total} connections ({resets} reset mid-message, {halves} half-closed) in {took:.2?}; \
         descriptors {base_fds} -> {fds}; RSS after warm-up {:.1} MiB, max {:.1} MiB, after {:.1} MiB",
        driver.label(),
        mib(base_rss),
        mib(max_rss),
        mib(end_rss)
    );
    assert!(
        failures.is_empty(),
        "{}: {} of {total} clients failed:\n{}",
        driver.label(),
        failures.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
    assert_eq!(
        fds,
        base_fds,
        "{}: server descriptors after {total} connections: {fds}, after warm-up {base_fds}\nnow: {}",
        driver.label(),
        server.fd_list()
    );
    // back within 8 MiB or 25% of the post-warm-up figure
    let margin = (base_rss / 4).max(8 * 1024);
    assert!(
        end_rss <= base_rss + margin,
        "{}: server RSS after {total} connections {:.1} MiB, after warm-up {:.1} MiB (margin {:.1} MiB)",
        driver.label(),
        mib(end_rss),
        mib(base_rss),
        mib(margin)
    );
    echo_once(addr, b"still serving").unwrap_or_else(|e| panic!("{}: after the waves: {e}", driver.label()));
    stop_quiet_server(server, addr, &format!("waves ({})", driver.label()));
}

// ----- idle connections ----------------------------------------------------------------

/// Raises this process's soft RLIMIT_NOFILE to the hard limit (children inherit it);
/// returns the soft limit now in force.
fn raise_nofile() -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
    }
    lim.rlim_cur
}

/// 20 new clients, one after another: connect, echo 64 bytes; the round-trip times.
fn echo_latencies(addr: SocketAddr, seed: u64) -> Vec<Duration> {
    (0..20)
        .map(|k| {
            let data = random_bytes(seed + k, 64);
            let t = Instant::now();
            echo_once(addr, &data).unwrap_or_else(|e| panic!("latency probe {k}: {e}"));
            t.elapsed()
        })
        .collect()
}

fn idle_connections_do_not_delay_echo(driver: Driver) {
    let _lock = one_at_a_time();
    let limit = raise_nofile();
    // this process holds one descriptor per idle connection, and so does the server
    let idle = 1000.min(limit.saturating_sub(200) as usize);
    if idle < 1000 {
        eprintln!("RLIMIT_NOFILE is {limit}: only {idle} idle connections");
    }
    let (server, addr) = start_echo_server(driver);
    let base_fds = server.open_fds();
    let mut before = echo_latencies(addr, 1);
    let mut conns = Vec::with_capacity(idle);
    for k in 0..idle {
        conns.push(connect(addr).unwrap_or_else(|e| panic!("idle connection {k}: {e}")));
    }
    // the server has accepted them all
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.open_fds() < base_fds + idle && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let accepted = server.open_fds().saturating_sub(base_fds);
    let mut during = echo_latencies(addr, 100);
    let (m0, m1) = (median(&mut before), median(&mut during));
    eprintln!(
        "idle connections ({}): {idle} open ({accepted} accepted by the server); new-client echo median \
         {m0:.2?} before, {m1:.2?} with them (max {:.2?})",
        driver.label(),
        during.last().unwrap()
    );
    assert!(accepted >= idle, "{}: the server accepted only {accepted} of {idle} idle connections", driver.label());
    assert!(
        m1 <= Duration::from_millis(10),
        "{}: with {idle} idle connections a new client's echo takes {m1:.2?} (median of 20), {m0:.2?} without",
        driver.label()
    );
    drop(conns);
    let fds = fds_back_to(&server, base_fds, Duration::from_secs(5));
    assert_eq!(fds, base_fds, "{}: descriptors after the idle connections closed", driver.label());
    stop_quiet_server(server, addr, &format!("idle connections ({})", driver.label()));
}

// ----- a peer that stops reading ------------------------------------------------------

const WRITE_TIMEOUT_SCRIPT: &str = r#"import net::{TcpListener, TcpStream, NetError, init_runtime}

async fn ticker(state):
    loop:
        await sleep(0.01)
        state[0] += 1

async fn main() -> Result[(), NetError]:
    let rt = init_runtime()?
    let listener = await TcpListener::bind("127.0.0.1:0")?
    print("listening on {listener.local_addr()}")
    let state = [0]
    let t = ticker(state)
    let s = await listener.accept()?
    # 64 MiB: far more than both sockets' buffers
    let big = Bytes::from("x".repeat(64 * 1024 * 1024))
    let written_before = rt.stats()["bytes_written"]
    let ticks_before = state[0]
    let started = now_ms()
    let r = await timeout(0.5, s.write_all(big))
    let took = now_ms() - started
    print("write: {r}")
    print("took about 0.5 s: {took >= 450 and took < 1500}")
    print("other task ran meanwhile: {state[0] - ticks_before >= 10}")
    print("bytes written: {rt.stats()["bytes_written"] - written_before}")
    print("close: {s.close()}")
    let s2 = await listener.accept()?
    let mut buf = Bytes::new()
    let n = await s2.read(&mut buf, 100)?
    await s2.write_all(buf)?
    print("second client served: {buf.to_string()}")
    s2.close()?
    t.cancel()
    return Ok(())
"#;

fn peer_stops_reading_write_times_out(driver: Driver) {
    let _lock = one_at_a_time();
    let path = script("write_timeout.spl", WRITE_TIMEOUT_SCRIPT);
    let mut server = Proc::spawn(driver, &[&path]);
    let addr = server.wait_listening();
    let mut peer = connect(addr).expect("connect");
    // do not read: the server's write fills both buffers and stalls
    let write = server.wait_for_line("write: ");
    let took = server.wait_for_line("took about 0.5 s: ");
    let ticked = server.wait_for_line("other task ran meanwhile: ");
    let written: usize = server.wait_for_line("bytes written: ").trim().parse().expect("a number");
    let close = server.wait_for_line("close: ");
    // now read what was sent: exactly what the runtime counted, then end of stream
    let mut got = Vec::new();
    let read = peer.read_to_end(&mut got);
    let all_x = got.iter().all(|&b| b == b'x');
    echo_once(addr, b"ping").unwrap_or_else(|e| panic!("{}: second client: {e}", driver.label()));
    let served = server.wait_for_line("second client served: ");
    let out = server.finish();
    eprintln!(
        "stalled peer ({}): write {write}, {written} bytes written before the timeout, {} received; close {close}",
        driver.label(),
        got.len()
    );
    assert!(
        write == "Err(NetError::TimedOut)" && took == "true" && ticked == "true" && close == "Ok(nil)",
        "{}: write to a peer that does not read: write {write}, took about 0.5 s {took}, other task ticked \
         {ticked}, close {close}\n{}",
        driver.label(),
        out.describe()
    );
    assert!(
        read.is_ok() && written > 0 && got.len() == written && all_x,
        "{}: the peer read {} bytes ({:?}, all 'x': {all_x}), the runtime counted {written} written",
        driver.label(),
        got.len(),
        read.err()
    );
    assert!(
        served == "ping" && out.code() == Some(0) && out.stderr.is_empty(),
        "{}\n{}",
        driver.label(),
        out.describe()
    );
}

// ----- descriptor exhaustion ----------------------------------------------------------

fn descriptor_exhaustion_then_recovery(driver: Driver) {
    let _lock = one_at_a_time();
    const NOFILE: u64 = 64;
    let mut server = Proc::spawn_argv_with(
        driver,
        &["run", "--color", "never", ECHO_SERVER, "127.0.0.1:0"],
        Duration::from_secs(60),
        |cmd| unsafe {
            cmd.pre_exec(|| {
                let lim = libc::rlimit { rlim_cur: NOFILE, rlim_max: NOFILE };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        },
    );
    let addr = server.wait_listening();
    let base_fds = server.open_fds();
    // open connections (each sends a byte) until the server reports a failed accept
    let mut conns = Vec::new();
    let mut echoed = 0;
    for k in 0..200 {
        let mut s = connect(addr).unwrap_or_else(|e| panic!("connection {k}: {e}"));
        s.write_all(b"x").expect("write");
        conns.push(s);
        if k + base_fds >= NOFILE as usize + 8 && server.stderr_text().contains("accept failed") {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.stderr_text().contains("accept failed") && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    for s in &mut conns {
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut b = [0u8; 1];
        if s.read_exact(&mut b).is_ok() {
            echoed += 1;
        }
    }
    let stderr = server.stderr_text();
    let first = stderr.lines().find(|l| l.contains("accept failed")).unwrap_or("").to_string();
    // CPU while out of descriptors
    let lines_before = stderr.lines().count();
    let cpu0 = cpu_seconds(server.pid());
    let t0 = Instant::now();
    thread::sleep(Duration::from_secs(1));
    let cpu = cpu_seconds(server.pid()) - cpu0;
    let per_second = (server.stderr_text().lines().count() - lines_before) as f64 / t0.elapsed().as_secs_f64();
    let server_fds = server.open_fds();
    // free the descriptors: the server must serve again
    let opened = conns.len();
    drop(conns);
    let started = Instant::now();
    let mut recovered = Err("not tried".to_string());
    while started.elapsed() < Duration::from_secs(10) {
        recovered = echo_once(addr, b"after exhaustion");
        if recovered.is_ok() {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let recovery = started.elapsed();
    let fds = fds_back_to(&server, base_fds, Duration::from_secs(5));
    eprintln!(
        "descriptor exhaustion ({}): RLIMIT_NOFILE {NOFILE}, {opened} connections opened, {echoed} echoed, \
         server at {server_fds} descriptors; {first:?}, {per_second:.0} lines/s, CPU {:.0}% while exhausted; \
         served again {recovery:.2?} after the connections closed; descriptors {base_fds} -> {fds}",
        driver.label(),
        cpu * 100.0
    );
    assert!(
        first.starts_with("accept failed: ") && first.len() > "accept failed: ".len(),
        "{}: expected `accept failed: <message>` on stderr\n{}",
        driver.label(),
        stderr.lines().take(5).collect::<Vec<_>>().join("\n")
    );
    assert!(cpu < 0.25, "{}: the server used {:.0}% CPU while out of descriptors", driver.label(), cpu * 100.0);
    assert!(recovered.is_ok(), "{}: not served again after the descriptors were freed: {recovered:?}", driver.label());
    assert_eq!(fds, base_fds, "{}: descriptors after recovery\n{}", driver.label(), server.fd_list());
    assert!(server.is_alive(), "{}: the server exited", driver.label());
}

// ----- io_uring unavailable ------------------------------------------------------------

const DRIVER_SCRIPT: &str = r#"import net::{init_runtime, configure_entries, TcpListener, TcpStream, NetError}
# the ring size must be set before anything starts the runtime (an async `main` does)
let argv = args()
if argv.len() > 0:
    print("configure_entries: {configure_entries(int(argv[0]))}")

async fn main() -> Result[(), NetError]:
    let rt = init_runtime()?
    print("driver: {rt.driver} {rt.stats()["driver"]} {rt.stats()["ring_entries"]}")
    # and networking works on it
    let listener = await TcpListener::bind("127.0.0.1:0")?
    let c = await TcpStream::connect(listener.local_addr())?
    let s = await listener.accept()?
    await c.write_all("ping")?
    let mut buf = Bytes::new()
    await s.read(&mut buf, 10)?
    print("echo: {buf.to_string()}")
    return Ok(())
"#;

/// Runs the driver script (`simple run OPTIONS... driver.spl ARGS...`) under `driver`,
/// with `configure` applied to the command; returns its stdout and the whole output.
fn driver_run(
    driver: Driver,
    options: &[&str],
    args: &[&str],
    configure: impl FnOnce(&mut std::process::Command),
) -> (String, common::Output) {
    let path = script("driver.spl", DRIVER_SCRIPT);
    let mut argv = vec!["run", "--color", "never"];
    argv.extend_from_slice(options);
    argv.push(&path);
    argv.extend_from_slice(args);
    let out = Proc::spawn_argv_with(driver, &argv, Duration::from_secs(20), configure).finish();
    (out.stdout.clone(), out)
}

#[test]
fn forced_epoll_reports_epoll() {
    let _lock = one_at_a_time();
    let (flag, out1) = driver_run(Driver::Default, &["--driver", "epoll"], &[], |_| {});
    let (env, out2) = driver_run(Driver::Legacy, &[], &[], |_| {});
    let (auto, out3) = driver_run(Driver::Default, &[], &[], |_| {});
    eprintln!("drivers: --driver epoll: {flag:?}; MONOIO_FORCE_LEGACY_DRIVER=1: {env:?}; default: {auto:?}");
    assert_eq!(flag, "driver: epoll epoll 256\necho: ping\n", "--driver epoll\n{}", out1.describe());
    assert_eq!(env, "driver: epoll epoll 256\necho: ping\n", "MONOIO_FORCE_LEGACY_DRIVER=1\n{}", out2.describe());
    assert!(auto.ends_with("echo: ping\n") && out3.code() == Some(0), "default driver\n{}", out3.describe());
}

/// A seccomp filter, installed in the child before exec: `io_uring_setup` fails with
/// `errno` — always, or only when asking for more than `max_entries` entries.
fn block_io_uring(cmd: &mut std::process::Command, errno: u32, max_entries: Option<u32>) {
    #[repr(C)]
    struct SockFilter {
        code: u16,
        jt: u8,
        jf: u8,
        k: u32,
    }
    #[repr(C)]
    struct SockFprog {
        len: u16,
        filter: *const SockFilter,
    }
    const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const JGT_K: u16 = 0x25; // BPF_JMP | BPF_JGT | BPF_K
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    const ALLOW: u32 = 0x7fff_0000;
    const ERRNO: u32 = 0x0005_0000;
    const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
    const IO_URING_SETUP: u32 = 425;
    let f = |code, jt, jf, k| SockFilter { code, jt, jf, k };
    let mut prog = vec![
        f(LD_W_ABS, 0, 0, 4), // arch
        f(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        f(RET_K, 0, 0, ALLOW),
        f(LD_W_ABS, 0, 0, 0), // syscall number
        f(JEQ_K, 1, 0, IO_URING_SETUP),
        f(RET_K, 0, 0, ALLOW),
    ];
    if let Some(max) = max_entries {
        prog.push(f(LD_W_ABS, 0, 0, 16)); // args[0] (entries), low 32 bits
        prog.push(f(JGT_K, 1, 0, max));
        prog.push(f(RET_K, 0, 0, ALLOW));
    }
    prog.push(f(RET_K, 0, 0, ERRNO | errno));
    let prog = Box::leak(prog.into_boxed_slice());
    let fprog = Box::leak(Box::new(SockFprog { len: prog.len() as u16, filter: prog.as_ptr() }));
    let fprog = fprog as *const SockFprog as usize;
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(libc::PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, fprog, 0, 0) != 0
            {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// io_uring_setup fails with ENOSYS (a kernel without io_uring): the default driver
/// falls back to epoll and networking works; the echo server serves; `--driver
/// io_uring` is a clear error.
#[test]
fn io_uring_unavailable_falls_back_to_epoll() {
    if std::env::consts::ARCH != "x86_64" {
        eprintln!("skipped: the seccomp filter is written for x86_64");
        return;
    }
    let _lock = one_at_a_time();
    let (auto, out) = driver_run(Driver::Default, &[], &[], |c| block_io_uring(c, libc::ENOSYS as u32, None));
    assert_eq!(
        auto,
        "driver: epoll epoll 256\necho: ping\n",
        "io_uring_setup -> ENOSYS, default driver\n{}",
        out.describe()
    );
    let (_, forced) =
        driver_run(Driver::Default, &["--driver", "io_uring"], &[], |c| block_io_uring(c, libc::ENOSYS as u32, None));
    let first = forced.stderr.lines().next().unwrap_or("").to_string();
    assert!(
        forced.code().is_some_and(|c| c == 1 || c == 2)
            && first.contains("io_uring")
            && !forced.stderr.contains("panicked"),
        "io_uring_setup -> ENOSYS, --driver io_uring: expected a clear error\n{}",
        forced.describe()
    );
    let mut server = Proc::spawn_argv_with(
        Driver::Default,
        &["run", "--color", "never", ECHO_SERVER, "127.0.0.1:0"],
        Duration::from_secs(20),
        |c| block_io_uring(c, libc::ENOSYS as u32, None),
    );
    let addr = server.wait_listening();
    for size in [1usize, 100_000] {
        let data = random_bytes(size as u64, size);
        let mut s = connect(addr).expect("connect");
        let mut w = s.try_clone().unwrap();
        let writer = thread::spawn(move || w.write_all(&data).map(|_| data));
        let mut back = vec![0u8; size];
        s.read_exact(&mut back).expect("echo without io_uring");
        assert!(writer.join().unwrap().expect("write") == back, "echo of {size} bytes without io_uring");
    }
    stop_quiet_server(server, addr, "echo server without io_uring");
    eprintln!("io_uring_setup blocked (ENOSYS): default driver -> epoll, echo works; --driver io_uring -> {first:?}");
}

/// A kernel that rejects rings above 4,096 entries (simulated: io_uring_setup gives
/// EINVAL for more): `configure_entries(32768)` (valid for our API) still starts — on
/// epoll — and 4,096 gets io_uring. Without the filter, 32,768 is reported as it is.
#[test]
fn ring_size_rejected_falls_back_to_epoll() {
    if std::env::consts::ARCH != "x86_64" {
        eprintln!("skipped: the seccomp filter is written for x86_64");
        return;
    }
    let _lock = one_at_a_time();
    let einval = libc::EINVAL as u32;
    let (big, out1) = driver_run(Driver::Default, &[], &["32768"], |c| block_io_uring(c, einval, Some(4096)));
    let (small, out2) = driver_run(Driver::Default, &[], &["4096"], |c| block_io_uring(c, einval, Some(4096)));
    let (real, out3) = driver_run(Driver::Default, &[], &["32768"], |_| {});
    eprintln!("ring sizes: 32768 rejected -> {big:?}; 4096 -> {small:?}; 32768 on this kernel -> {real:?}");
    assert_eq!(
        big,
        "configure_entries: Ok(nil)\ndriver: epoll epoll 32768\necho: ping\n",
        "configure_entries(32768) on a kernel that rejects it\n{}",
        out1.describe()
    );
    assert_eq!(
        small,
        "configure_entries: Ok(nil)\ndriver: io_uring io_uring 4096\necho: ping\n",
        "configure_entries(4096) on the same kernel\n{}",
        out2.describe()
    );
    assert!(
        out3.code() == Some(0)
            && real.starts_with("configure_entries: Ok(nil)\ndriver: ")
            && real.ends_with("echo: ping\n"),
        "configure_entries(32768) on this kernel\n{}",
        out3.describe()
    );
}

// ----- streaming ------------------------------------------------------------------------

const CHUNK: usize = 64 * 1024;

fn chunk(k: u64) -> Vec<u8> {
    random_bytes(0x5EED_0000 + k, CHUNK)
}

fn streaming_through_echo_server_rss_flat(driver: Driver) {
    let _lock = one_at_a_time();
    let total: u64 = if stress() { 1 << 30 } else { 64 << 20 };
    let chunks = total / CHUNK as u64;
    let (server, addr) = start_echo_server(driver);
    echo_once(addr, &random_bytes(1, 1 << 20)).expect("warm-up echo of 1 MiB");
    thread::sleep(Duration::from_millis(100));
    let base_rss = rss_kb(server.pid());
    let sampler = RssSampler::start(server.pid());
    let started = Instant::now();
    let s = connect(addr).expect("connect");
    let mut w = s.try_clone().unwrap();
    let writer = thread::spawn(move || -> io::Result<()> {
        for k in 0..chunks {
            w.write_all(&chunk(k))?;
        }
        w.shutdown(Shutdown::Write)
    });
    let mut r = s;
    let mut buf = vec![0u8; CHUNK];
    let mut mismatch = None;
    let mut received: u64 = 0;
    for k in 0..chunks {
        if let Err(e) = r.read_exact(&mut buf) {
            mismatch = Some(format!("read of chunk {k}: {e}"));
            break;
        }
        received += CHUNK as u64;
        if buf != chunk(k) {
            mismatch =
                Some(format!("chunk {k}: other bytes, first difference at {:?}", first_difference(&chunk(k), &buf)));
            break;
        }
    }
    let mut rest = Vec::new();
    if mismatch.is_none() {
        let _ = r.read_to_end(&mut rest);
    }
    let took = started.elapsed();
    let written = writer.join().expect("writer thread");
    let max_rss = sampler.finish();
    let end_rss = rss_kb(server.pid());
    eprintln!(
        "streaming ({}): {} MiB echoed in {took:.2?} ({:.0} MiB/s); server RSS {:.1} MiB before, max {:.1} MiB, \
         after {:.1} MiB",
        driver.label(),
        received >> 20,
        (received >> 20) as f64 / took.as_secs_f64(),
        mib(base_rss),
        mib(max_rss),
        mib(end_rss)
    );
    assert!(
        mismatch.is_none() && written.is_ok() && rest.is_empty(),
        "{}: {mismatch:?} {written:?}, {} extra bytes",
        driver.label(),
        rest.len()
    );
    assert!(
        max_rss <= base_rss + 16 * 1024,
        "{}: server RSS grew from {:.1} MiB to {:.1} MiB while streaming {} MiB",
        driver.label(),
        mib(base_rss),
        mib(max_rss),
        total >> 20
    );
    stop_quiet_server(server, addr, &format!("streaming ({})", driver.label()));
}

// ----- UDP --------------------------------------------------------------------------------

fn udp_client() -> UdpSocket {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket2::SockRef::from(&sock).set_recv_buffer_size(4 << 20).expect("SO_RCVBUF");
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    sock
}

/// The example's server echoes with a 4,096-byte buffer: a 64 KiB datagram comes back
/// as its first 4,096 bytes (documented here), and the server keeps serving.
fn udp_example_truncates_64k_datagrams(driver: Driver) {
    let _lock = one_at_a_time();
    let mut server = Proc::spawn(driver, &[UDP_EXAMPLE, "server", "127.0.0.1:0"]);
    let addr = server.wait_listening();
    let sock = udp_client();
    let mut buf = vec![0u8; 70_000];
    for k in 0..10u64 {
        let data = random_bytes(k, MAX_DATAGRAM);
        sock.send_to(&data, addr).expect("send");
        let (n, from) = sock.recv_from(&mut buf).unwrap_or_else(|e| panic!("{}: datagram {k}: {e}", driver.label()));
        assert!(
            from == addr && n == 4096 && buf[..n] == data[..4096],
            "{}: datagram {k}: {n} bytes back from {from}",
            driver.label()
        );
    }
    sock.send_to(b"small", addr).unwrap();
    let (n, _) = sock.recv_from(&mut buf).expect("small datagram");
    assert_eq!(&buf[..n], b"small");
    stop_quiet_server(server, addr, &format!("UDP example ({})", driver.label()));
}

const UDP_ECHO_SCRIPT: &str = r#"import net::{UdpSocket, NetError}
async fn main() -> Result[(), NetError]:
    let socket = await UdpSocket::bind("127.0.0.1:0")?
    print("listening on {socket.local_addr()?}")
    let mut buffer = Bytes::with_capacity(65536)
    loop:
        let (n, peer) = await socket.recv_from(&mut buffer, 65536)?
        await socket.send_to(buffer, peer)?
"#;

fn udp_64k_datagrams_streamed_rss_flat(driver: Driver) {
    let _lock = one_at_a_time();
    let total: u64 = if stress() { 1 << 30 } else { 64 << 20 };
    let count = total.div_ceil(MAX_DATAGRAM as u64);
    let path = script("udp_echo_64k.spl", UDP_ECHO_SCRIPT);
    let mut server = Proc::spawn_with(driver, &[&path], Duration::from_secs(if stress() { 900 } else { 120 }));
    let addr = server.wait_listening();
    let sock = udp_client();
    let mut buf = vec![0u8; 70_000];
    // warm-up
    for k in 0..20u64 {
        sock.send_to(&random_bytes(k, MAX_DATAGRAM), addr).unwrap();
        sock.recv_from(&mut buf).expect("warm-up datagram");
    }
    thread::sleep(Duration::from_millis(100));
    let base_rss = rss_kb(server.pid());
    let sampler = RssSampler::start(server.pid());
    let started = Instant::now();
    let mut failure = None;
    // one datagram in flight at a time: a loss would be the server's, not the buffers'
    let mut data = random_bytes(0xD47A, MAX_DATAGRAM + 64);
    for k in 0..count {
        // a different datagram each time, cheaply: rotate a random buffer
        let off = (k % 64) as usize;
        data[off] = data[off].wrapping_add(1);
        let dgram = &data[off..off + MAX_DATAGRAM];
        if let Err(e) = sock.send_to(dgram, addr) {
            failure = Some(format!("send of datagram {k}: {e}"));
            break;
        }
        match sock.recv_from(&mut buf) {
            Ok((n, from)) if from == addr && n == MAX_DATAGRAM && buf[..n] == *dgram => {}
            Ok((n, from)) => {
                failure = Some(format!(
                    "datagram {k}: {n} bytes back from {from}, first difference at {:?}",
                    first_difference(dgram, &buf[..n])
                ));
                break;
            }
            Err(e) => {
                failure = Some(format!("datagram {k}: no echo within 2 s: {e}"));
                break;
            }
        }
    }
    let took = started.elapsed();
    let max_rss = sampler.finish();
    eprintln!(
        "UDP ({}): {count} datagrams of {MAX_DATAGRAM} bytes ({} MiB) echoed in {took:.2?}; server RSS {:.1} MiB \
         before, max {:.1} MiB",
        driver.label(),
        total >> 20,
        mib(base_rss),
        mib(max_rss)
    );
    assert!(failure.is_none(), "{}: {}", driver.label(), failure.unwrap());
    assert!(
        max_rss <= base_rss + 16 * 1024,
        "{}: server RSS grew from {:.1} MiB to {:.1} MiB during {} MiB of datagrams",
        driver.label(),
        mib(base_rss),
        mib(max_rss),
        total >> 20
    );
    stop_quiet_server(server, addr, &format!("UDP 64 KiB echo ({})", driver.label()));
}

// ----- failing tasks ----------------------------------------------------------------------

const FAILING_TASKS_SCRIPT: &str = r#"import net::{init_runtime}

async fn bad(i):
    # long enough that no timer is due before the spawning loop is done (a busy loop
    # lets due timers fire)
    await sleep(0.05)
    let x = 10 / (i - i)

async fn good(i, ch):
    await sleep(0.06)
    ch.send(i)

fn consistent(rt):
    let s = rt.stats()
    return s["tasks_alive"] == s["tasks_spawned"] - s["tasks_completed"]

async fn main():
    let rt = init_runtime()?
    print("start", rt.stats()["tasks_alive"], consistent(rt))
    for i in range(5000):
        bad(i)
    let ch = Channel::new()
    for i in range(100):
        good(i, ch)
    print("spawned", rt.stats()["tasks_alive"] >= 5100, consistent(rt))
    var sum = 0
    for _ in range(100):
        sum += (await ch.recv()).unwrap()
        if not consistent(rt):
            print("inconsistent", rt.stats())
    print("sum", sum, consistent(rt))
    await sleep(0.05)
    let s = rt.stats()
    print("end", s["tasks_spawned"], s["tasks_completed"], s["tasks_alive"], consistent(rt))
"#;

fn thousands_of_failing_tasks_stats_consistent(driver: Driver) {
    let _lock = one_at_a_time();
    let path = script("failing_tasks.spl", FAILING_TASKS_SCRIPT);
    let started = Instant::now();
    let out = Proc::spawn(driver, &[&path]).finish();
    let took = started.elapsed();
    let failures = out.stderr.lines().filter(|l| *l == "runtime error: division by zero").count();
    let other_errors: Vec<&str> =
        out.stderr.lines().filter(|l| l.contains("error") && *l != "runtime error: division by zero").collect();
    eprintln!(
        "failing tasks ({}): {failures} failures reported in {took:.2?}; stdout {:?}",
        driver.label(),
        out.stdout
    );
    // 5,000 bad + 100 good + one sleep each + the final sleep
    assert!(
        out.code() == Some(1)
            && out.stdout == "start 0 true\nspawned true true\nsum 4950 true\nend 10201 10201 0 true\n"
            && failures == 5000
            && other_errors.is_empty(),
        "{}: 5,000 failing tasks among 100 working ones: expected exit 1, the four lines, 5,000 reports\n\
         other errors: {other_errors:?}\n{}",
        driver.label(),
        out.describe().chars().take(3000).collect::<String>()
    );
}
