//! Networking integration tests with clients that are not Simple, under both monoio
//! drivers (default and `MONOIO_FORCE_LEGACY_DRIVER=1`): plain Rust `std::net` clients
//! (and `python3` sockets when installed) against the example echo server
//! (examples/async_tcp_echo_server.spl) as a real process — random binary payloads of
//! 1 B, 64 KiB and 1 MiB, 200 concurrent clients, clients that reset mid-stream, the
//! server's descriptor count after 2,000 connections, IPv6 on [::1] — plus the Simple
//! programs in tests/net_programs/ (error values from real OS errors, connect timeout,
//! broadcast, multicast, IPv6, close waking waiters, cancelled reads losing nothing),
//! whose stdout is compared with the `.out` file beside each. Everything listens on
//! loopback, port 0, and reads the bound port back; every child process runs under a
//! watchdog and is killed and reaped by its guard.

#[macro_use]
mod common;

use common::{Driver, Output, Proc, assert_golden, first_difference, random_bytes, run};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

const ECHO_SERVER: &str = "examples/async_tcp_echo_server.spl";
/// Socket timeouts of the Rust clients: a broken server fails the test, never hangs it.
const IO_TIMEOUT: Duration = Duration::from_secs(20);

both_drivers!(
    echo_random_binary_payloads,
    echo_python_client,
    echo_200_concurrent_clients,
    client_reset_mid_stream_disturbs_nobody,
    reset_before_accept_disturbs_nobody,
    descriptors_return_after_2000_connections,
    echo_server_on_ipv6_loopback,
    program_errors_from_os,
    program_invalid_addresses,
    program_connect_timeout,
    program_connect_unroutable,
    program_udp_broadcast,
    program_udp_multicast,
    program_udp_multicast_ipv6,
    program_ipv6,
    program_close_wakes_waiters,
    program_cancelled_reads_lose_nothing,
);

// ----- helpers ---------------------------------------------------------------------------

fn start_echo_server(driver: Driver, bind: &str) -> (Proc, SocketAddr) {
    let mut server = Proc::spawn(driver, &[ECHO_SERVER, bind]);
    let addr = server.wait_listening();
    (server, addr)
}

/// Kills the server, which must have stayed up and quiet (only its `listening on` line:
/// a client's error ends that client's task, it is never reported).
fn stop_server(server: Proc, addr: SocketAddr, driver: Driver) {
    let out = server.kill();
    assert!(
        out.stdout == format!("listening on {addr}\n") && out.stderr.is_empty(),
        "echo server ({}): expected only its `listening on` line\n{}",
        driver.label(),
        out.describe()
    );
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    s.set_write_timeout(Some(IO_TIMEOUT))?;
    s.set_nodelay(true)?;
    Ok(s)
}

/// Sends `data` on one thread while reading the echo to end of stream on this one (so a
/// payload larger than the socket buffers cannot deadlock), after half-closing.
fn echo_all(addr: SocketAddr, data: &[u8]) -> io::Result<Vec<u8>> {
    let stream = connect(addr)?;
    let mut writer = stream.try_clone()?;
    let mut reader = stream;
    thread::scope(|scope| {
        let sending = scope.spawn(move || -> io::Result<()> {
            writer.write_all(data)?;
            writer.shutdown(Shutdown::Write)
        });
        let mut back = Vec::with_capacity(data.len());
        let read = reader.read_to_end(&mut back);
        sending.join().expect("writer thread panicked")?;
        read.map(|_| back)
    })
}

fn assert_same(what: &str, sent: &[u8], got: &[u8]) {
    assert!(
        sent == got,
        "{what}: sent {} bytes, got {} back, first difference at byte {:?}",
        sent.len(),
        got.len(),
        first_difference(sent, got)
    );
}

/// Resets the connection on drop (SO_LINGER 0: close sends RST, not FIN).
fn reset(stream: TcpStream) {
    socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO)).expect("SO_LINGER");
    drop(stream);
}

/// Runs tests/net_programs/NAME.spl with ARGS and returns what it did.
fn run_program(driver: Driver, name: &str, args: &[&str]) -> Output {
    let path = format!("tests/net_programs/{name}.spl");
    let mut argv = vec![path.as_str()];
    argv.extend_from_slice(args);
    run(driver, &argv)
}

/// Runs a program and compares its stdout with tests/net_programs/NAME.out.
fn check_program(driver: Driver, name: &str, args: &[&str]) {
    let out = run_program(driver, name, args);
    let what = format!("tests/net_programs/{name}.spl ({})", driver.label());
    out.assert_clean(&what);
    assert_golden(&what, &format!("tests/net_programs/{name}.out"), &out);
}

// ----- Rust clients against the example echo server ---------------------------------------

/// 1 B, 64 KiB and 1 MiB of pseudo-random binary data come back exactly, on separate
/// connections, then the three together on one connection.
fn echo_random_binary_payloads(driver: Driver) {
    let (server, addr) = start_echo_server(driver, "127.0.0.1:0");
    let sizes = [1usize, 64 * 1024, 1024 * 1024];
    for (i, &size) in sizes.iter().enumerate() {
        let data = random_bytes(100 + i as u64, size);
        let got = echo_all(addr, &data).unwrap_or_else(|e| panic!("echo of {size} bytes ({}): {e}", driver.label()));
        assert_same(&format!("echo of {size} bytes ({})", driver.label()), &data, &got);
    }
    let all: Vec<u8> = sizes.iter().enumerate().flat_map(|(i, &n)| random_bytes(200 + i as u64, n)).collect();
    let got = echo_all(addr, &all).unwrap_or_else(|e| panic!("echo of {} bytes ({}): {e}", all.len(), driver.label()));
    assert_same(&format!("echo of all three on one connection ({})", driver.label()), &all, &got);
    stop_server(server, addr, driver);
}

const PYTHON_CLIENT: &str = r#"
import os, socket, sys, threading
host, port = sys.argv[1].rsplit(":", 1)
data = os.urandom(65536)
s = socket.create_connection((host, int(port)), timeout=20)
def send():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send)
t.start()
back = bytearray()
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    back += chunk
t.join()
s.close()
print("ok" if bytes(back) == data else "mismatch", len(back))
"#;

/// A python3 sockets client echoes 64 KiB of random bytes (skipped without python3).
fn echo_python_client(driver: Driver) {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: python3 is not installed");
        return;
    }
    let (server, addr) = start_echo_server(driver, "127.0.0.1:0");
    let out =
        Command::new("python3").arg("-c").arg(PYTHON_CLIENT).arg(addr.to_string()).output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout == "ok 65536\n",
        "python3 client ({}): {:?}\nstdout: {stdout}\nstderr: {}",
        driver.label(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stop_server(server, addr, driver);
}

/// 200 clients connect, wait until all are connected, then each sends two messages of
/// its own and must get exactly its own bytes back.
fn echo_200_concurrent_clients(driver: Driver) {
    const CLIENTS: usize = 200;
    let (server, addr) = start_echo_server(driver, "127.0.0.1:0");
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || -> Result<(), String> {
                let fail = |step: &str, e: io::Error| format!("client {i}: {step}: {e}");
                let conn = connect(addr);
                barrier.wait();
                let mut s = conn.map_err(|e| fail("connect", e))?;
                for round in 0..2u64 {
                    let data = random_bytes(1000 * i as u64 + round, 500 + 37 * i);
                    s.write_all(&data).map_err(|e| fail("write", e))?;
                    let mut back = vec![0u8; data.len()];
                    s.read_exact(&mut back).map_err(|e| fail("read", e))?;
                    if back != data {
                        return Err(format!("client {i}, round {round}: got other bytes back"));
                    }
                }
                s.shutdown(Shutdown::Write).map_err(|e| fail("shutdown", e))?;
                let mut rest = Vec::new();
                s.read_to_end(&mut rest).map_err(|e| fail("read to end", e))?;
                if !rest.is_empty() {
                    return Err(format!("client {i}: {} unexpected bytes at the end", rest.len()));
                }
                Ok(())
            })
        })
        .collect();
    let errors: Vec<String> =
        threads.into_iter().filter_map(|t| t.join().expect("client thread panicked").err()).collect();
    assert!(
        errors.is_empty(),
        "{} of {CLIENTS} clients failed ({}):\n{}",
        errors.len(),
        driver.label(),
        errors.join("\n")
    );
    stop_server(server, addr, driver);
}

/// Four clients stream 512 KiB each in 16 KiB steps; halfway through, while they are all
/// connected, other clients reset their connections (SO_LINGER 0) once the server is
/// serving them — with echoed data unread, while the server is blocked writing to them
/// (both buffers full), and while the server is waiting to read. The four then finish
/// and get every byte back, and a new client is served afterwards.
fn client_reset_mid_stream_disturbs_nobody(driver: Driver) {
    const STREAMERS: usize = 4;
    const TOTAL: usize = 512 * 1024;
    const STEP: usize = 16 * 1024;
    let (server, addr) = start_echo_server(driver, "127.0.0.1:0");
    let halfway = Arc::new(Barrier::new(STREAMERS + 1));
    let resume = Arc::new(Barrier::new(STREAMERS + 1));
    let streamers: Vec<_> = (0..STREAMERS)
        .map(|i| {
            let (halfway, resume) = (Arc::clone(&halfway), Arc::clone(&resume));
            thread::spawn(move || -> Result<(), String> {
                let data = random_bytes(300 + i as u64, TOTAL);
                // meets both barriers exactly once, even after a failure, so that the
                // test reports the failure instead of waiting forever
                let mut met = false;
                let mut meet = || {
                    if !std::mem::replace(&mut met, true) {
                        halfway.wait();
                        resume.wait();
                    }
                };
                let result = (|| {
                    let mut s = connect(addr).map_err(|e| format!("streamer {i}: connect: {e}"))?;
                    let mut back = vec![0u8; STEP];
                    for (k, chunk) in data.chunks(STEP).enumerate() {
                        if k == TOTAL / STEP / 2 {
                            meet();
                        }
                        s.write_all(chunk)
                            .and_then(|_| s.read_exact(&mut back[..chunk.len()]))
                            .map_err(|e| format!("streamer {i}, step {k}: {e}"))?;
                        if back[..chunk.len()] != *chunk {
                            return Err(format!("streamer {i}, step {k}: got other bytes back"));
                        }
                    }
                    Ok(())
                })();
                meet();
                result
            })
        })
        .collect();

    halfway.wait();
    let mut resets = 0;
    // sent 32 KiB and read only part of the echo: reset with data in both directions
    for k in 0..10 {
        let mut s = connect(addr).expect("connect");
        s.write_all(&random_bytes(400 + k, 32 * 1024)).expect("write");
        let mut some = [0u8; 100];
        s.read_exact(&mut some).expect("the start of the echo");
        reset(s);
        resets += 1;
    }
    // the server is blocked writing: neither side's buffers have room left
    for _ in 0..3 {
        let mut s = connect(addr).expect("connect");
        let mut b = [0u8; 1];
        s.write_all(b"x").and_then(|_| s.read_exact(&mut b)).expect("first echo");
        s.set_write_timeout(Some(Duration::from_millis(300))).unwrap();
        let junk = random_bytes(500, 1 << 20);
        let mut sent = 0usize;
        while sent < (64 << 20) {
            match s.write(&junk) {
                Ok(n) => sent += n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
                Err(e) => panic!("filling the buffers: {e}"),
            }
        }
        reset(s);
        resets += 1;
    }
    // the server is waiting in read
    for _ in 0..3 {
        let mut s = connect(addr).expect("connect");
        let mut b = [0u8; 1];
        s.write_all(b"x").and_then(|_| s.read_exact(&mut b)).expect("echo");
        reset(s);
        resets += 1;
    }
    // the server still serves new clients while the streamers wait halfway
    let probe = random_bytes(600, 4096);
    let got = echo_all(addr, &probe).unwrap_or_else(|e| panic!("new client after {resets} resets: {e}"));
    assert_same("new client after the resets", &probe, &got);
    resume.wait();

    let errors: Vec<String> =
        streamers.into_iter().filter_map(|t| t.join().expect("streamer thread panicked").err()).collect();
    assert!(errors.is_empty(), "streamers disturbed by {resets} resets ({}):\n{}", driver.label(), errors.join("\n"));
    let data = random_bytes(700, 100_000);
    assert_same("client after everything", &data, &echo_all(addr, &data).expect("echo after resets"));
    stop_server(server, addr, driver);
}

/// Clients that connect and reset at once, before the server has accepted them, cost the
/// server nothing visible: the example server's accept loop gets no error (it would
/// log `accept failed` and back off 50 ms for each), and a client arriving after 100 of
/// them is served promptly. `accept()` returns a `TcpStream` (LANGUAGE.md §7) whose
/// reads then report the reset.
fn reset_before_accept_disturbs_nobody(driver: Driver) {
    const RESETS: u64 = 100;
    let (server, addr) = start_echo_server(driver, "127.0.0.1:0");
    for k in 0..RESETS {
        let mut s = connect(addr).expect("connect");
        s.write_all(&random_bytes(k, 10)).expect("write");
        reset(s);
    }
    let started = Instant::now();
    let data = random_bytes(900, 1000);
    let got = echo_all(addr, &data).unwrap_or_else(|e| panic!("echo after {RESETS} resets: {e}"));
    let took = started.elapsed();
    assert_same("echo after the resets", &data, &got);
    assert!(
        took < Duration::from_secs(2),
        "a client arriving after {RESETS} reset-before-accept clients waited {took:?} ({})",
        driver.label()
    );
    stop_server(server, addr, driver);
}

/// Opens and closes 2,000 connections in several ways (FIN at once, after an echo,
/// after a half-close without reading, RST after an echo), four at a time, then waits
/// for the server's descriptor count to be back where it started. (Connections reset
/// before the server accepts them: `reset_before_accept_disturbs_nobody`.)
fn descriptors_return_after_2000_connections(driver: Driver) {
    const CONNECTIONS: usize = 2000;
    const THREADS: usize = 4;
    let (server, addr) = start_echo_server(driver, "127.0.0.1:0");
    let before = server.open_fds();
    let before_list = server.fd_list();
    // all but the last, four threads at a time
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || -> Result<(), String> {
                (t..CONNECTIONS - 1).step_by(THREADS).try_for_each(|i| open_and_close(addr, i))
            })
        })
        .collect();
    for w in workers {
        if let Err(e) = w.join().expect("worker panicked") {
            panic!("{e} ({})", driver.label());
        }
    }
    // the last one alone, so that the run always ends the same way: a reset after an echo
    assert_eq!((CONNECTIONS - 1) % 4, 3);
    if let Err(e) = open_and_close(addr, CONNECTIONS - 1) {
        panic!("{e} ({})", driver.label());
    }
    // closes are asynchronous (and io_uring closes in the background): poll
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut now = server.open_fds();
    while now != before && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
        now = server.open_fds();
    }
    assert!(
        now == before,
        "server descriptors after {CONNECTIONS} connections ({}): {now}, at the start: {before} ({} more)\n\
         at the start: {before_list}\nnow: {}",
        driver.label(),
        now as i64 - before as i64,
        server.fd_list()
    );
    stop_server(server, addr, driver);
}

/// Connection `i` of `descriptors_return_after_2000_connections`, closed in one of
/// four ways by `i % 4`.
fn open_and_close(addr: SocketAddr, i: usize) -> Result<(), String> {
    let mut s = connect(addr).map_err(|e| format!("connection {i}: connect: {e}"))?;
    let mut b = [0u8; 1];
    let r = match i % 4 {
        // FIN at once
        0 => Ok(()),
        // FIN after an echo
        1 => s.write_all(&[i as u8]).and_then(|_| s.read_exact(&mut b)),
        // half-close, then close without reading the echo
        2 => s.write_all(&random_bytes(i as u64, 2000)).and_then(|_| s.shutdown(Shutdown::Write)),
        // RST after an echo, with more data on its way
        _ => {
            let r = s.write_all(b"x").and_then(|_| s.read_exact(&mut b)).and_then(|_| s.write_all(b"unread"));
            reset(s);
            return r.map_err(|e| format!("connection {i}: {e}"));
        }
    };
    r.map_err(|e| format!("connection {i}: {e}"))
}

/// The example server bound to [::1]:0 echoes for a Rust client (skipped without ::1).
fn echo_server_on_ipv6_loopback(driver: Driver) {
    if let Err(why) = common::ipv6_loopback_works() {
        eprintln!("skipped: the IPv6 loopback ::1 is unavailable ({why})");
        return;
    }
    let (server, addr) = start_echo_server(driver, "[::1]:0");
    assert!(addr.is_ipv6() && addr.ip().is_loopback(), "listening on {addr}: expected [::1]");
    for (i, size) in [1usize, 64 * 1024].into_iter().enumerate() {
        let data = random_bytes(800 + i as u64, size);
        let got = echo_all(addr, &data).unwrap_or_else(|e| panic!("IPv6 echo of {size} bytes: {e}"));
        assert_same(&format!("IPv6 echo of {size} bytes ({})", driver.label()), &data, &got);
    }
    stop_server(server, addr, driver);
}

// ----- Simple programs (tests/net_programs) ------------------------------------------------

/// Address in use (ports held by this process), connection refused (TCP, and UDP's
/// ICMP port unreachable), read_exact cut short, writing to a peer that went away.
fn program_errors_from_os(driver: Driver) {
    let held_tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let held_udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let closed_tcp = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let closed_udp = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let args = [
        held_tcp.local_addr().unwrap().to_string(),
        held_udp.local_addr().unwrap().to_string(),
        closed_tcp.to_string(),
        closed_udp.to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    check_program(driver, "errors", &args);
}

fn program_invalid_addresses(driver: Driver) {
    check_program(driver, "addr_parse", &[]);
}

/// A listener with a backlog of 0 whose accept queue this test fills: the kernel drops
/// further SYNs, so a connect can only time out. The program's
/// `timeout(0.2, TcpStream::connect(addr))` must give `Err(NetError::TimedOut)`.
fn program_connect_timeout(driver: Driver) {
    let listener = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    let full = loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) if fillers.len() < 16 => fillers.push(s),
            Ok(_) => break false,
            Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::WouldBlock => break true,
            Err(e) => panic!("filling the accept queue: {e}"),
        }
    };
    if !full {
        eprintln!("skipped: cannot fill a listener's accept queue on this machine");
        return;
    }
    check_program(driver, "connect_timeout", &[&addr.to_string()]);
}

/// `timeout(0.2, TcpStream::connect("10.255.255.1:9"))` ends promptly, whatever the
/// network does with the address (on the machine this was written on, something
/// accepts the connection).
fn program_connect_unroutable(driver: Driver) {
    let out = run_program(driver, "unroutable", &[]);
    out.assert_clean("tests/net_programs/unroutable.spl");
    let lines: Vec<&str> = out.stdout.lines().collect();
    let known = lines
        .first()
        .is_some_and(|l| *l == "outcome: timed out" || *l == "outcome: connected" || l.starts_with("outcome: error "));
    assert!(
        known && lines.get(1) == Some(&"took less than 2 s: true") && lines.len() == 2,
        "unroutable connect ({}):\n{}",
        driver.label(),
        out.describe()
    );
    eprintln!("unroutable connect ({}): {}", driver.label(), lines[0]);
}

fn program_udp_broadcast(driver: Driver) {
    if let Err(why) = common::broadcast_works() {
        eprintln!("skipped: broadcast to 127.255.255.255 does not loop back here ({why})");
        return;
    }
    check_program(driver, "broadcast", &[]);
}

fn program_udp_multicast(driver: Driver) {
    if let Err(why) = common::multicast_v4_works() {
        eprintln!("skipped: IPv4 multicast does not loop back here ({why})");
        return;
    }
    check_program(driver, "multicast", &[]);
}

fn program_udp_multicast_ipv6(driver: Driver) {
    if let Err(why) = common::multicast_v6_works() {
        eprintln!("skipped: IPv6 multicast does not loop back here ({why})");
        return;
    }
    check_program(driver, "multicast_v6", &[]);
}

fn program_ipv6(driver: Driver) {
    if let Err(why) = common::ipv6_loopback_works() {
        eprintln!("skipped: the IPv6 loopback ::1 is unavailable ({why})");
        return;
    }
    check_program(driver, "ipv6", &[]);
}

fn program_close_wakes_waiters(driver: Driver) {
    check_program(driver, "close_wakes", &[]);
}

fn program_cancelled_reads_lose_nothing(driver: Driver) {
    check_program(driver, "read_timeout_race", &[]);
}
