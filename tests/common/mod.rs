//! Shared helpers for the networking integration tests (tests/examples.rs, tests/net.rs):
//! runs the `simple` binary as a child process under a chosen monoio driver, with a
//! watchdog thread that kills it after a hard time limit and a guard whose `Drop` always
//! kills and reaps it; reads its stdout line by line (to wait for `listening on ...`
//! without sleeping); counts its open descriptors; makes deterministic pseudo-random data
//! (xorshift, no `rand` crate); probes what the machine's network allows.

#![allow(dead_code)]

/// Generates `mod NAME { default_driver, legacy_driver }` calling `NAME(driver)`.
#[allow(unused_macros)]
macro_rules! both_drivers {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::Driver;
            #[test]
            fn default_driver() {
                super::$name(Driver::Default)
            }
            #[test]
            fn legacy_driver() {
                super::$name(Driver::Legacy)
            }
        }
    )*};
}

use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Hard limit for one child process: the watchdog kills it after this long.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);
pub const LEGACY_DRIVER_ENV: &str = "MONOIO_FORCE_LEGACY_DRIVER";

/// Which monoio driver the child runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// the default: io_uring where the kernel offers it
    Default,
    /// `MONOIO_FORCE_LEGACY_DRIVER=1`: epoll
    Legacy,
}

impl Driver {
    pub fn label(self) -> &'static str {
        match self {
            Driver::Default => "default driver",
            Driver::Legacy => "legacy driver (MONOIO_FORCE_LEGACY_DRIVER=1)",
        }
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn simple_bin() -> &'static str {
    env!("CARGO_BIN_EXE_simple")
}

/// What a finished (or killed) child did.
#[derive(Debug)]
pub struct Output {
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl Output {
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
    /// Everything about the run, for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "status: {:?}{}\n--- stdout ---\n{}--- stderr ---\n{}--------------",
            self.status,
            if self.timed_out { " (killed by the watchdog: time limit exceeded)" } else { "" },
            self.stdout,
            self.stderr
        )
    }
    #[track_caller]
    /// Asserts a clean run: exit code 0, within the time limit, nothing on stderr.
    pub fn assert_clean(&self, what: &str) {
        assert!(
            !self.timed_out && self.code() == Some(0) && self.stderr.is_empty(),
            "{what}: expected exit code 0 and an empty stderr\n{}",
            self.describe()
        );
    }
}

/// A running `simple` child. Dropping it kills and reaps the process.
pub struct Proc {
    pub what: String,
    child: Arc<Mutex<Child>>,
    pid: u32,
    lines: mpsc::Receiver<String>,
    /// stdout lines already taken from `lines`
    seen: Vec<String>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
    timed_out: Arc<AtomicBool>,
    stop_watchdog: Option<mpsc::Sender<()>>,
    deadline: Instant,
}

impl Proc {
    /// `simple run --color never ARGS...` from the project root.
    pub fn spawn(driver: Driver, args: &[&str]) -> Proc {
        Proc::spawn_with(driver, args, TIME_LIMIT)
    }

    pub fn spawn_with(driver: Driver, args: &[&str], limit: Duration) -> Proc {
        let mut argv = vec!["run", "--color", "never"];
        argv.extend_from_slice(args);
        Proc::spawn_argv(driver, &argv, limit)
    }

    /// `simple ARGV...` (no `run` added).
    pub fn spawn_argv(driver: Driver, argv: &[&str], limit: Duration) -> Proc {
        Proc::spawn_argv_with(driver, argv, limit, |_| {})
    }

    /// `simple ARGV...`, with `configure` applied to the command last (environment,
    /// `pre_exec` resource limits, ...).
    pub fn spawn_argv_with(
        driver: Driver,
        argv: &[&str],
        limit: Duration,
        configure: impl FnOnce(&mut Command),
    ) -> Proc {
        let mut cmd = Command::new(simple_bin());
        cmd.args(argv);
        cmd.current_dir(root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove(LEGACY_DRIVER_ENV);
        if driver == Driver::Legacy {
            cmd.env(LEGACY_DRIVER_ENV, "1");
        }
        configure(&mut cmd);
        let what = format!("`simple {}` ({})", argv.join(" "), driver.label());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", simple_bin()));
        let pid = child.id();
        let (line_tx, lines) = mpsc::channel();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            line_reader(child.stdout.take().expect("piped stdout"), Arc::clone(&stdout), Some(line_tx)),
            line_reader(child.stderr.take().expect("piped stderr"), Arc::clone(&stderr), None),
        ];
        let child = Arc::new(Mutex::new(child));
        let timed_out = Arc::new(AtomicBool::new(false));
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        {
            let child = Arc::clone(&child);
            let timed_out = Arc::clone(&timed_out);
            thread::spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = stop_rx.recv_timeout(limit) {
                    timed_out.store(true, Ordering::SeqCst);
                    let _ = child.lock().unwrap().kill();
                }
            });
        }
        Proc {
            what,
            child,
            pid,
            lines,
            seen: Vec::new(),
            stdout,
            stderr,
            readers,
            timed_out,
            stop_watchdog: Some(stop_tx),
            deadline: Instant::now() + limit,
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn is_alive(&self) -> bool {
        matches!(self.child.lock().unwrap().try_wait(), Ok(None))
    }

    /// Everything the child has written to stderr so far.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits (without sleeping: blocks on the stdout pipe) for the first stdout line that
    /// starts with `prefix` and returns the rest of it. Panics, with what the child said,
    /// if it exits or the time limit passes first.
    pub fn wait_for_line(&mut self, prefix: &str) -> String {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let rest = line.strip_prefix(prefix).map(|r| r.trim_end_matches(['\n', '\r']).to_string());
                    self.seen.push(line);
                    if let Some(rest) = rest {
                        return rest;
                    }
                }
                Err(e) => {
                    let why = match e {
                        mpsc::RecvTimeoutError::Timeout => "the time limit passed",
                        mpsc::RecvTimeoutError::Disconnected => "its stdout closed",
                    };
                    panic!(
                        "{}: no stdout line starting with {prefix:?} before {why}\nstdout so far:\n{}stderr:\n{}",
                        self.what,
                        self.seen.concat(),
                        self.stderr_text()
                    );
                }
            }
        }
    }

    /// For a server: waits for `listening on ADDR` and returns ADDR.
    pub fn wait_listening(&mut self) -> SocketAddr {
        let text = self.wait_for_line("listening on ");
        let addr: SocketAddr = text
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{}: `listening on {text}`: not a socket address: {e}", self.what));
        assert_ne!(addr.port(), 0, "{}: reported port 0 instead of the bound port", self.what);
        addr
    }

    /// Waits for the child to exit by itself (the watchdog still applies).
    pub fn finish(mut self) -> Output {
        self.collect()
    }

    /// Kills the child (which must still be running) and returns what it printed.
    pub fn kill(mut self) -> Output {
        let alive = self.is_alive();
        let _ = self.child.lock().unwrap().kill();
        let out = self.collect();
        assert!(alive, "{} exited before it was killed\n{}", self.what, out.describe());
        out
    }

    fn collect(&mut self) -> Output {
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        let status = loop {
            match self.child.lock().unwrap().try_wait() {
                Ok(Some(st)) => break Some(st),
                Ok(None) => {}
                Err(_) => break None,
            }
            thread::sleep(Duration::from_millis(2));
        };
        self.stop_watchdog.take();
        Output {
            status,
            stdout: String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned(),
            stderr: self.stderr_text(),
            timed_out: self.timed_out.load(Ordering::SeqCst),
        }
    }

    /// Number of entries in /proc/PID/fd.
    pub fn open_fds(&self) -> usize {
        let dir = format!("/proc/{}/fd", self.pid);
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: cannot list {dir}: {e}", self.what)).count()
    }
}

impl Proc {
    /// The entries of /proc/PID/fd with what they point to, for assertion messages.
    pub fn fd_list(&self) -> String {
        let dir = format!("/proc/{}/fd", self.pid);
        let mut fds: Vec<(u32, String)> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let n = e.file_name().to_string_lossy().parse().unwrap_or(u32::MAX);
                        let target = std::fs::read_link(e.path()).map(|t| t.display().to_string()).unwrap_or_default();
                        (n, target)
                    })
                    .collect()
            })
            .unwrap_or_default();
        fds.sort();
        fds.iter().map(|(n, t)| format!("{n} -> {t}")).collect::<Vec<_>>().join(", ")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop_watchdog.take();
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn line_reader<R: Read + Send + 'static>(
    pipe: R,
    all: Arc<Mutex<Vec<u8>>>,
    lines: Option<mpsc::Sender<String>>,
) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut pipe = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            line.clear();
            match pipe.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    all.lock().unwrap().extend_from_slice(&line);
                    if let Some(tx) = &lines {
                        let _ = tx.send(String::from_utf8_lossy(&line).into_owned());
                    }
                }
            }
        }
    })
}

/// Runs `simple run FILE ARGS...` to completion.
pub fn run(driver: Driver, args: &[&str]) -> Output {
    Proc::spawn(driver, args).finish()
}

/// Reads a golden file below the project root.
pub fn golden(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[track_caller]
/// Asserts that `actual` equals the golden file `rel`, showing both on failure.
pub fn assert_golden(what: &str, rel: &str, out: &Output) {
    let expected = golden(rel);
    assert!(
        out.stdout == expected,
        "{what}: stdout differs from {rel}\n--- expected ---\n{expected}{}",
        out.describe()
    );
}

/// Deterministic pseudo-random bytes (xorshift64*), different for each seed.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Index of the first differing byte, for assertion messages about large buffers.
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x != y).or((a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// Whether a datagram sent by one socket comes back to another through `send` within a
/// second: the machine's network allows what a test is about to ask of `simple`.
fn udp_loops_back(receiver: &UdpSocket, sender: &UdpSocket, to: SocketAddr) -> bool {
    let _ = receiver.set_read_timeout(Some(Duration::from_secs(1)));
    if sender.send_to(b"probe", to).is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(receiver.recv_from(&mut buf), Ok((5, _)))
}

/// Can a socket on 0.0.0.0 receive its own broadcast to 127.255.255.255?
pub fn broadcast_works() -> Result<(), String> {
    let rx = UdpSocket::bind("0.0.0.0:0").map_err(|e| format!("bind 0.0.0.0:0: {e}"))?;
    rx.set_broadcast(true).map_err(|e| format!("SO_BROADCAST: {e}"))?;
    let port = rx.local_addr().map_err(|e| e.to_string())?.port();
    let to = SocketAddr::from((Ipv4Addr::new(127, 255, 255, 255), port));
    if udp_loops_back(&rx, &rx, to) { Ok(()) } else { Err(format!("no datagram came back from {to}")) }
}

/// Can a socket join 239.255.0.99 and receive its own datagram to the group?
pub fn multicast_v4_works() -> Result<(), String> {
    let group = Ipv4Addr::new(239, 255, 0, 99);
    let rx = UdpSocket::bind("0.0.0.0:0").map_err(|e| format!("bind 0.0.0.0:0: {e}"))?;
    rx.join_multicast_v4(&group, &Ipv4Addr::UNSPECIFIED).map_err(|e| format!("join {group}: {e}"))?;
    rx.set_multicast_loop_v4(true).map_err(|e| e.to_string())?;
    rx.set_multicast_ttl_v4(1).map_err(|e| e.to_string())?;
    let port = rx.local_addr().map_err(|e| e.to_string())?.port();
    let to = SocketAddr::from((group, port));
    if udp_loops_back(&rx, &rx, to) { Ok(()) } else { Err(format!("no datagram came back from {to}")) }
}

/// Can a socket join ff15::99 and receive its own datagram to the group?
pub fn multicast_v6_works() -> Result<(), String> {
    let group: Ipv6Addr = "ff15::99".parse().unwrap();
    let rx = UdpSocket::bind("[::]:0").map_err(|e| format!("bind [::]:0: {e}"))?;
    rx.join_multicast_v6(&group, 0).map_err(|e| format!("join {group}: {e}"))?;
    rx.set_multicast_loop_v6(true).map_err(|e| e.to_string())?;
    let port = rx.local_addr().map_err(|e| e.to_string())?.port();
    let to = SocketAddr::from((group, port));
    if udp_loops_back(&rx, &rx, to) { Ok(()) } else { Err(format!("no datagram came back from {to}")) }
}

/// Is the IPv6 loopback usable (a listener on [::1] accepts a connection)?
pub fn ipv6_loopback_works() -> Result<(), String> {
    let l = std::net::TcpListener::bind("[::1]:0").map_err(|e| format!("bind [::1]:0: {e}"))?;
    let addr = l.local_addr().map_err(|e| e.to_string())?;
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| format!("connect {addr}: {e}"))?;
    Ok(())
}
