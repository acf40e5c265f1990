//! The files/streams examples as real processes, under both monoio drivers:
//! `examples/wc.spl` (files named on the command line, a missing one, stdin from a
//! pipe), `examples/jsonrpc_stdio.spl` driven request by request over pipes with
//! `Content-Length` framing (each answer is read before the next request is written),
//! and `examples/tcp_proxy.spl` in front of the echo server (a 1 MB round trip, and a
//! half-close passed through both ways). Every child has a 20 s watchdog and is killed
//! and reaped when the test ends.

#[macro_use]
mod common;

use common::{Driver, LEGACY_DRIVER_ENV, Proc, TIME_LIMIT, random_bytes, root, simple_bin};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;

both_drivers!(
    wc_counts_files,
    wc_reads_stdin,
    jsonrpc_over_pipes,
    tcp_proxy_round_trip_and_half_close,
    reading_a_pipe_by_path,
);

/// Regression: `fs::read_text("/dev/stdin")` on a pipe (no offsets: pread is ESPIPE)
/// reads it under the epoll driver too.
fn reading_a_pipe_by_path(driver: Driver) {
    let dir = std::env::temp_dir().join(format!("simple_pipe_{}_{}", std::process::id(), driver == Driver::Legacy));
    std::fs::create_dir_all(&dir).unwrap();
    let program = dir.join("read_stdin_path.spl");
    std::fs::write(&program, "import fs\n\nasync fn main():\n    print(await fs::read_text(\"/dev/stdin\"))\n")
        .unwrap();
    let (code, out, err) = Piped::spawn(driver, &[program.to_str().unwrap()]).finish(b"through a pipe\n");
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "Ok(\"through a pipe\\n\")\n", ""));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A child with piped stdin and stdout; a watchdog kills it after the time limit, and
/// dropping the guard kills and reaps it.
struct Piped {
    child: Child,
    stop: Option<mpsc::Sender<()>>,
}

impl Piped {
    fn spawn(driver: Driver, args: &[&str]) -> Piped {
        let mut cmd = Command::new(simple_bin());
        cmd.args(["run", "--color", "never"]).args(args).current_dir(root());
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).env_remove(LEGACY_DRIVER_ENV);
        if driver == Driver::Legacy {
            cmd.env(LEGACY_DRIVER_ENV, "1");
        }
        let child = cmd.spawn().expect("start simple");
        let pid = child.id() as i32;
        let (stop, stopped) = mpsc::channel::<()>();
        thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(TIME_LIMIT) {
                // SAFETY: kill(2) on the child's pid; the guard has not reaped it yet
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        });
        Piped { child, stop: Some(stop) }
    }

    /// Closes stdin, waits for the exit: (code, stdout, stderr).
    fn finish(mut self, input: &[u8]) -> (Option<i32>, String, String) {
        let mut stdin = self.child.stdin.take().expect("stdin");
        stdin.write_all(input).expect("write stdin");
        drop(stdin);
        let (mut out, mut err) = (String::new(), String::new());
        self.child.stdout.take().expect("stdout").read_to_string(&mut out).expect("read stdout");
        self.child.stderr.take().expect("stderr").read_to_string(&mut err).expect("read stderr");
        let status = self.child.wait().expect("wait");
        (status.code(), out, err)
    }
}

impl Drop for Piped {
    fn drop(&mut self) {
        self.stop.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wc_counts_files(driver: Driver) {
    let dir = std::env::temp_dir().join(format!("simple_wc_{}_{}", std::process::id(), driver == Driver::Legacy));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.txt");
    let b = dir.join("b.txt");
    std::fs::write(&a, "one two three\nfour\n\n  five  \n").unwrap();
    std::fs::write(&b, "no newline at the end").unwrap();
    let missing = dir.join("missing.txt");
    let (a_s, b_s, m_s) = (a.to_str().unwrap(), b.to_str().unwrap(), missing.to_str().unwrap());
    let out = Proc::spawn(driver, &["examples/wc.spl", a_s, b_s, m_s]).finish();
    let expected =
        format!("      4       5      29 {a_s}\n      0       5      21 {b_s}\n      4      10      50 total\n");
    assert_eq!(out.stdout, expected, "{}", out.describe());
    assert_eq!(out.stderr, format!("wc: no such file or directory: {m_s}\n"), "{}", out.describe());
    assert_eq!(out.code(), Some(1), "a missing file makes the exit code 1\n{}", out.describe());
    let _ = std::fs::remove_dir_all(&dir);
}

fn wc_reads_stdin(driver: Driver) {
    // 3 MB through a pipe: more than any pipe buffer, so the reads really wait
    let line = "alpha beta gamma delta\n";
    let input = line.repeat(3_000_000 / line.len());
    let lines = input.len() / line.len();
    let (code, out, err) = Piped::spawn(driver, &["examples/wc.spl"]).finish(input.as_bytes());
    assert_eq!((code, err.as_str()), (Some(0), ""), "stdout: {out}");
    assert_eq!(out, format!("{:>7} {:>7} {:>7}\n", lines, lines * 4, input.len()));
}

/// Writes one framed message.
fn send(stdin: &mut impl Write, body: &str) {
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write request");
    stdin.flush().expect("flush");
}

/// Reads one framed message (headers, blank line, body).
fn receive(stdout: &mut impl BufRead) -> String {
    let mut length = None;
    loop {
        let mut header = String::new();
        assert!(stdout.read_line(&mut header).expect("read header") > 0, "the server closed its stdout");
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some(v) = header.strip_prefix("Content-Length: ") {
            length = Some(v.parse::<usize>().expect("a length"));
        }
    }
    let mut body = vec![0; length.expect("a Content-Length header")];
    stdout.read_exact(&mut body).expect("read body");
    String::from_utf8(body).expect("UTF-8 body")
}

fn jsonrpc_over_pipes(driver: Driver) {
    let mut server = Piped::spawn(driver, &["examples/jsonrpc_stdio.spl"]);
    let mut stdin = server.child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(server.child.stdout.take().expect("stdout"));
    let exchanges = [
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{"capabilities":{"echo":true},"serverInfo":{"name":"simple-jsonrpc","version":"0.1.0"}}}"#,
        ),
        (
            r#"{"jsonrpc":"2.0","id":"two","method":"echo","params":{"text":"héllo ✓","n":[1,2.5,null]}}"#,
            r#"{"jsonrpc":"2.0","id":"two","result":{"text":"héllo ✓","n":[1,2.5,null]}}"#,
        ),
        (
            r#"{"jsonrpc":"2.0","id":3,"method":"frobnicate"}"#,
            r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found: frobnicate"}}"#,
        ),
        (r#"[1, 2]"#, r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}"#),
    ];
    for (request, answer) in exchanges {
        send(&mut stdin, request);
        assert_eq!(receive(&mut stdout), answer, "answer to {request}");
    }
    // bad JSON: a parse error object, whose message says where
    send(&mut stdin, r#"{"jsonrpc": "2.0", "id": 4,"#);
    let reply = receive(&mut stdout);
    assert!(
        reply.starts_with(r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: "#)
            && reply.contains("line 1 column"),
        "{reply}"
    );
    // a notification gets no answer: the next answer is the shutdown's
    send(&mut stdin, r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
    send(&mut stdin, r#"{"jsonrpc":"2.0","id":5,"method":"shutdown"}"#);
    assert_eq!(receive(&mut stdout), r#"{"jsonrpc":"2.0","id":5,"result":null}"#);
    send(&mut stdin, r#"{"jsonrpc":"2.0","method":"exit"}"#);
    let status = server.child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "exit after shutdown is exit code 0");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("read rest");
    assert_eq!(rest, "", "nothing after the shutdown answer");
}

fn tcp_proxy_round_trip_and_half_close(driver: Driver) {
    let mut echo = Proc::spawn(driver, &["examples/async_tcp_echo_server.spl", "127.0.0.1:0"]);
    let target = echo.wait_listening();
    let mut proxy = Proc::spawn(driver, &["examples/tcp_proxy.spl", "127.0.0.1:0", &target.to_string()]);
    let addr = proxy.wait_listening().to_string();
    // 1 MB written while reading the echo back on another thread; the write side is
    // then shut down, which must reach the echo server through the proxy (it ends the
    // echo loop), whose close must come back as end of stream.
    let data = random_bytes(7, 1 << 20);
    let mut conn = TcpStream::connect(&addr).expect("connect to the proxy");
    conn.set_read_timeout(Some(TIME_LIMIT)).unwrap();
    let mut reader = conn.try_clone().unwrap();
    let collector = thread::spawn(move || {
        let mut back = Vec::new();
        reader.read_to_end(&mut back).map(|_| back)
    });
    conn.write_all(&data).expect("write through the proxy");
    conn.shutdown(Shutdown::Write).expect("half-close");
    let back = collector.join().unwrap().expect("read the echo to its end");
    assert!(
        back == data,
        "echoed {} bytes of {}, first difference at {:?}",
        back.len(),
        data.len(),
        common::first_difference(&back, &data)
    );
    // the proxy keeps serving
    let mut second = TcpStream::connect(&addr).expect("second connection");
    second.write_all(b"ping").unwrap();
    let mut four = [0u8; 4];
    second.set_read_timeout(Some(TIME_LIMIT)).unwrap();
    second.read_exact(&mut four).expect("echo through the proxy");
    assert_eq!(&four, b"ping");
    drop(second);
    let out = proxy.kill();
    assert!(out.stderr.is_empty(), "the proxy reported errors\n{}", out.describe());
    echo.kill();
}
