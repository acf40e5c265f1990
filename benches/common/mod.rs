//! Shared helpers for the benches (benches/*.rs, each a `harness = false` target):
//! where the `simple` binary and the repository are, environment knobs, medians and
//! geometric means, a plain-text table printer, child processes (servers that print
//! `listening on ADDR`, killed and reaped on drop, optionally pinned with `taskset`),
//! pinning the current thread to a core, /proc readings (VmRSS, open descriptors, CPU
//! time), the fd limit, and the native monoio echo servers (TCP and UDP) and HTTP hello server
//! that the same bench binary runs as a child process (`BIN --serve-native tcp|udp|http ADDR`).

#![allow(dead_code)]

pub mod load;
pub mod native_http;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// The `simple` binary cargo built for this bench (release profile under `cargo bench`).
pub fn simple_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_simple"))
}

/// The repository root: programs and examples are given relative to it.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The real python3 executable (BENCH_PYTHON, or `python3`'s `sys.executable`): `python3`
/// on PATH may be a shim (pyenv's is a shell script costing ~100 ms per start).
pub fn python3_bin() -> String {
    if let Ok(p) = std::env::var("BENCH_PYTHON")
        && !p.trim().is_empty()
    {
        return p;
    }
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3: {e}"));
    let exe = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && !exe.is_empty() { exe } else { "python3".to_string() }
}

/// `name` from the environment as a number, or `default`.
pub fn env_num<T: std::str::FromStr + Copy>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("warning: ignoring {name}={v:?} (not a number)");
                default
            }
        },
        _ => default,
    }
}

/// Bench arguments other than the `--bench` cargo adds: a filter, when given.
pub fn filter_args() -> Vec<String> {
    std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect()
}

pub fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty(), "median of nothing");
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

pub fn geomean(v: &[f64]) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

/// A table printed with aligned columns separated by ` | ` (numbers right-aligned).
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table { header: header.iter().map(|s| s.to_string()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn print(&self) {
        let cols = self.header.len();
        let mut width: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let parts: Vec<String> = (0..cols)
                .map(|i| {
                    let c = cells.get(i).map(String::as_str).unwrap_or("");
                    let numeric = c.starts_with(|ch: char| ch.is_ascii_digit() || ch == '-' || ch == '×');
                    if i > 0 && numeric { format!("{c:>w$}", w = width[i]) } else { format!("{c:<w$}", w = width[i]) }
                })
                .collect();
            parts.join(" | ").trim_end().to_string()
        };
        println!("{}", line(&self.header));
        println!("{}", width.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("-|-"));
        for r in &self.rows {
            println!("{}", line(r));
        }
        let _ = std::io::stdout().flush();
    }
}

/// Formats a number with 3 significant-ish digits (1234567 → "1234567", 1.234 → "1.23").
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        "-".to_string()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

pub fn ratio(x: f64) -> String {
    if x.is_finite() { format!("{x:.2}") } else { "-".to_string() }
}

// ----- cores and pinning ---------------------------------------------------------------

pub fn cores() -> usize {
    thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Whether servers can be pinned to core 0 and the load generator to core 1: at least two
/// cores, and a working `taskset` (`BENCH_PIN=0` turns pinning off).
pub fn pinning() -> bool {
    if env_num("BENCH_PIN", 1u32) == 0 || cores() < 2 {
        return false;
    }
    Command::new("taskset")
        .args(["-c", "0", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Pins the calling thread to one core; false if the kernel refused.
pub fn pin_current_thread(core: usize) -> bool {
    // SAFETY: cpu_set_t is plain data; CPU_ZERO/CPU_SET write inside it; pid 0 = this thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// CPU time (user + system) of the calling thread, in seconds.
pub fn thread_cpu_secs() -> f64 {
    // SAFETY: getrusage fills the zeroed struct.
    unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut ru);
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        tv(ru.ru_utime) + tv(ru.ru_stime)
    }
}

// ----- /proc ---------------------------------------------------------------------------

/// VmRSS of a process in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Open file descriptors of a process.
pub fn fd_count(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// CPU time (user + system, all threads) of a process, in seconds.
pub fn process_cpu_secs(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name may hold spaces: fields are counted after its closing parenthesis
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // fields 14 and 15 (utime, stime) are the 12th and 13th after the name
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some(ticks / if hz > 0.0 { hz } else { 100.0 })
}

/// Raises the soft RLIMIT_NOFILE of this process (and so of the children it starts) to
/// `want`, raising the hard limit too if allowed; returns the soft limit in force.
pub fn raise_fd_limit(want: u64) -> u64 {
    // SAFETY: getrlimit/setrlimit on a local struct.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur >= want {
            return lim.rlim_cur;
        }
        let both = libc::rlimit { rlim_cur: want, rlim_max: lim.rlim_max.max(want) };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &both) == 0 {
            return want;
        }
        let soft = libc::rlimit { rlim_cur: want.min(lim.rlim_max), rlim_max: lim.rlim_max };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &soft) == 0 {
            return soft.rlim_cur;
        }
        lim.rlim_cur
    }
}

// ----- child processes -----------------------------------------------------------------

/// A server child process: killed and reaped when dropped.
pub struct Server {
    pub child: Child,
    /// the address from its (first) `listening on ADDR` line
    pub addr: SocketAddr,
    pub name: String,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program args...` (under `taskset -c CORE` when `pin_core` is given), waits up
/// to 20 s for `listening` lines of the form `listening on ADDR` on its stdout, and
/// keeps draining its stdout afterwards. stderr is inherited (errors show up).
pub fn start_server(name: &str, program: &Path, args: &[&str], pin_core: Option<usize>, listening: usize) -> Server {
    let mut cmd = match pin_core {
        Some(core) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(core.to_string()).arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args).current_dir(root()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {name} ({}): {e}", program.display()));
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(a) = line.trim().strip_prefix("listening on ") {
                let _ = tx.send(a.trim().to_string());
            }
        }
    });
    let mut addr = None;
    for _ in 0..listening {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(a) => {
                addr.get_or_insert(a);
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{name} did not print `listening on ADDR` within 20 s");
            }
        }
    }
    let addr = addr.expect("at least one listening line");
    let addr = addr.parse().unwrap_or_else(|e| panic!("{name}: bad address {addr:?}: {e}"));
    Server { child, addr, name: name.to_string() }
}

/// A free TCP port on 127.0.0.1 (bound then released: for `--threads N` servers, which
/// must all bind the same port).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind 127.0.0.1:0").port()
}

/// The interpreted TCP echo example, on 127.0.0.1:0 (or `addr`), with extra `simple`
/// options (e.g. `--threads 2`).
pub fn start_simple_tcp_echo(opts: &[&str], addr: &str, pin_core: Option<usize>, listening: usize) -> Server {
    let mut args: Vec<&str> = vec!["run"];
    args.extend_from_slice(opts);
    args.extend_from_slice(&["examples/async_tcp_echo_server.spl", addr]);
    start_server("simple tcp echo", &simple_bin(), &args, pin_core, listening)
}

/// The native monoio TCP echo server: this same bench binary in server mode.
pub fn start_native_tcp_echo(pin_core: Option<usize>) -> Server {
    let exe = std::env::current_exe().expect("current_exe");
    start_server("native tcp echo", &exe, &["--serve-native", "tcp", "127.0.0.1:0"], pin_core, 1)
}

pub fn start_native_udp_echo(pin_core: Option<usize>) -> Server {
    let exe = std::env::current_exe().expect("current_exe");
    start_server("native udp echo", &exe, &["--serve-native", "udp", "127.0.0.1:0"], pin_core, 1)
}

// ----- native monoio servers -----------------------------------------------------------

/// The monoio runtime every native part uses: io_uring with 256 entries (as the
/// interpreter's default), epoll where io_uring is unavailable, with timers.
pub type NativeRuntime = monoio::FusionRuntime<
    monoio::time::TimeDriver<monoio::IoUringDriver>,
    monoio::time::TimeDriver<monoio::LegacyDriver>,
>;

pub fn monoio_runtime() -> NativeRuntime {
    monoio_runtime_entries(256)
}

pub fn monoio_runtime_entries(entries: u32) -> NativeRuntime {
    monoio::RuntimeBuilder::<monoio::FusionDriver>::new()
        .with_entries(entries)
        .enable_timer()
        .build()
        .expect("build monoio runtime")
}

/// If this process was started as `BIN --serve-native tcp|udp|http ADDR`, runs that server
/// forever (never returns); otherwise returns at once.
pub fn maybe_serve_native() {
    let args: Vec<String> = std::env::args().collect();
    let Some(i) = args.iter().position(|a| a == "--serve-native") else { return };
    let kind = args.get(i + 1).map(String::as_str).unwrap_or("tcp");
    let addr: SocketAddr = args.get(i + 2).map(String::as_str).unwrap_or("127.0.0.1:0").parse().expect("address");
    let mut rt = monoio_runtime();
    match kind {
        "tcp" => rt.block_on(native_tcp_echo(addr)),
        "udp" => rt.block_on(native_udp_echo(addr)),
        "http" => rt.block_on(native_http::serve(addr)),
        other => panic!("unknown server kind {other:?}"),
    }
    std::process::exit(0);
}

/// The native counterpart of examples/async_tcp_echo_server.spl: nodelay, a 4 KiB buffer
/// per connection, read then write_all until EOF.
async fn native_tcp_echo(addr: SocketAddr) {
    use monoio::io::{AsyncReadRent, AsyncWriteRentExt};
    let listener = monoio::net::TcpListener::bind(addr).expect("bind");
    println!("listening on {}", listener.local_addr().expect("local_addr"));
    let _ = std::io::stdout().flush();
    loop {
        let (mut stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("accept failed: {e}");
                monoio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        monoio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let mut buf = Vec::with_capacity(4096);
            loop {
                let (r, b) = stream.read(buf).await;
                buf = b;
                match r {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let (r, b) = stream.write_all(buf).await;
                buf = b;
                if r.is_err() {
                    break;
                }
            }
        });
    }
}

/// The native counterpart of `async_udp_echo.spl server`.
async fn native_udp_echo(addr: SocketAddr) {
    let socket = monoio::net::udp::UdpSocket::bind(addr).expect("bind");
    println!("listening on {}", socket.local_addr().expect("local_addr"));
    let _ = std::io::stdout().flush();
    let mut buf = Vec::with_capacity(4096);
    loop {
        let (r, b) = socket.recv_from(buf).await;
        buf = b;
        let Ok((_, peer)) = r else { continue };
        let (_, b) = socket.send_to(buf, peer).await;
        buf = b;
    }
}
