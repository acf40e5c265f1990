//! Test support for tests/repl.rs: the real `simple` binary driven through a
//! pseudo-terminal (opened with libc: posix_openpt/grantpt/unlockpt/ptsname_r; the child
//! gets it as its controlling terminal, so Ctrl-C becomes SIGINT as in a real terminal),
//! and a runner for the piped-stdin golden files.

#![allow(dead_code)]

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_simple");
/// The longest any single expectation may wait.
pub const WAIT: Duration = Duration::from_secs(15);
/// Hard limit for a whole session: the child is killed after it.
pub const SESSION_LIMIT: Duration = Duration::from_secs(60);

pub const UP: &str = "\x1b[A";
pub const DOWN: &str = "\x1b[B";
pub const LEFT: &str = "\x1b[D";
pub const CTRL_E: &str = "\x05";
pub const CTRL_C: &str = "\x03";
pub const CTRL_D: &str = "\x04";
pub const CTRL_R: &str = "\x12";

/// A scratch directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("simple-repl-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `simple` REPL running in a pseudo-terminal.
pub struct Repl {
    master: File,
    child: Child,
    /// everything the terminal showed
    raw: Arc<Mutex<Vec<u8>>>,
    /// how much of the cleaned-up text `expect` has consumed
    seen: usize,
    started: Instant,
}

fn open_pty() -> (File, File) {
    let master = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open("/dev/ptmx")
        .expect("open /dev/ptmx");
    let fd = master.as_raw_fd();
    let mut name = [0 as libc::c_char; 256];
    // SAFETY: fd is an open pty master; `name` is a writable buffer of the given size.
    let ok = unsafe {
        libc::grantpt(fd) == 0 && libc::unlockpt(fd) == 0 && libc::ptsname_r(fd, name.as_mut_ptr(), name.len()) == 0
    };
    assert!(ok, "cannot set up the pty: {}", std::io::Error::last_os_error());
    // SAFETY: ptsname_r wrote a NUL-terminated string into `name`.
    let path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }.to_string_lossy().into_owned();
    let size = libc::winsize { ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ takes a pointer to a winsize.
    unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &size) };
    let slave =
        OpenOptions::new().read(true).write(true).custom_flags(libc::O_NOCTTY).open(&path).expect("open pty slave");
    (master, slave)
}

impl Repl {
    /// Starts `simple` (no arguments) with the given extra environment; `NO_COLOR` is set
    /// unless `color`, and the history goes to `history` (or nowhere).
    pub fn start(history: Option<&Path>, color: bool, env: &[(&str, &str)]) -> Repl {
        Repl::start_args(&[], history, color, env)
    }

    /// `simple ARGS...` on the terminal (e.g. `run file.spl`).
    pub fn start_args(args: &[&str], history: Option<&Path>, color: bool, env: &[(&str, &str)]) -> Repl {
        Repl::spawn(Command::new(BIN).args(args), history, color, env)
    }

    /// The REPL started in the directory `dir`.
    pub fn start_in(dir: &Path, history: Option<&Path>, color: bool, env: &[(&str, &str)]) -> Repl {
        Repl::spawn(Command::new(BIN).current_dir(dir), history, color, env)
    }

    fn spawn(cmd: &mut Command, history: Option<&Path>, color: bool, env: &[(&str, &str)]) -> Repl {
        let (master, slave) = open_pty();
        cmd.stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave))
            .env("TERM", "xterm")
            .env("SIMPLE_HISTORY", history.map(|p| p.as_os_str().to_owned()).unwrap_or_default())
            .env_remove("NO_COLOR");
        if !color {
            cmd.env("NO_COLOR", "1");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn simple");
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().expect("dup master");
        let sink = raw.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // ends with EIO once the child and its terminal are gone
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Repl { master, child, raw, seen: 0, started: Instant::now() }
    }

    pub fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).expect("write to pty");
        self.master.flush().expect("flush pty");
    }

    /// Types a line and presses Enter.
    pub fn line(&mut self, text: &str) {
        self.send(text);
        self.send("\r");
    }

    /// The terminal output so far, raw (with escape sequences).
    pub fn raw_output(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }

    /// The terminal output so far without escape sequences and carriage returns.
    pub fn text(&self) -> String {
        strip_ansi(&self.raw_output())
    }

    /// Waits until `needle` appears after what earlier expectations consumed; consumes
    /// through it. Panics (showing the screen) on timeout.
    pub fn expect(&mut self, needle: &str) {
        self.expect_within(needle, WAIT);
    }

    pub fn expect_within(&mut self, needle: &str, limit: Duration) {
        let start = Instant::now();
        loop {
            let text = self.text();
            if let Some(i) = text.get(self.seen..).and_then(|t| t.find(needle)) {
                self.seen += i + needle.len();
                return;
            }
            if start.elapsed() > limit || self.started.elapsed() > SESSION_LIMIT {
                let _ = self.child.kill();
                panic!(
                    "timed out waiting for {needle:?}; the terminal shows:\n{text}\n--- (after offset {})",
                    self.seen
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Enters `text`, gives it `running` to get going, presses Ctrl-C, and waits (3 s at
    /// most) for "interrupted" and the next prompt.
    pub fn interrupt_line(&mut self, text: &str, running: Duration) {
        self.line(text);
        std::thread::sleep(running);
        self.send(CTRL_C);
        self.expect_within("interrupted", Duration::from_secs(3));
        self.prompt();
    }

    /// Waits for the primary prompt.
    pub fn prompt(&mut self) {
        self.expect(">>> ");
    }

    /// Waits for the child to exit; returns its exit code.
    pub fn exit_code(&mut self) -> Option<i32> {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if start.elapsed() > WAIT {
                let _ = self.child.kill();
                panic!("simple did not exit; the terminal shows:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Repl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    for d in chars.by_ref() {
                        if ('@'..='~').contains(&d) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    for d in chars.by_ref() {
                        if d == '\x07' {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Runs `simple` with `input` on stdin (piped); returns (stdout, stderr, exit code).
pub fn run_piped(input: &str, dir: &Path) -> (String, String, Option<i32>) {
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .env_remove("SIMPLE_HISTORY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn simple");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(out) => out.expect("output"),
        Err(_) => {
            // SAFETY: plain kill(2) of our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("simple (piped) did not finish in 20 s");
        }
    };
    let _ = writer.join();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}
