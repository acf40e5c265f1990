//! Golden tests of the three networking examples, run as real processes under both monoio
//! drivers (the default, io_uring where available, and `MONOIO_FORCE_LEGACY_DRIVER=1`,
//! epoll): the TCP echo server on 127.0.0.1:0 with the example client pointed at the
//! address it prints; the UDP example's default mode (server and client in one process),
//! its `client` mode against its `server` mode, `server` mode against a Rust
//! `std::net::UdpSocket` client, and `multicast` mode. Client output is compared byte for
//! byte with tests/examples/*.out (written from the example sources). Every child runs
//! under a 20 s watchdog and is killed and reaped when its guard is dropped.

#[macro_use]
mod common;

use common::{Driver, Output, Proc, assert_golden, random_bytes, run};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

const TCP_SERVER: &str = "examples/async_tcp_echo_server.spl";
const TCP_CLIENT: &str = "examples/async_tcp_echo_client.spl";
const UDP_EXAMPLE: &str = "examples/async_udp_echo.spl";

both_drivers!(
    tcp_echo_server_and_client,
    udp_echo_default_mode,
    udp_server_mode_with_example_client,
    udp_server_mode_with_rust_client,
    udp_multicast_mode,
    driver_is_the_one_asked_for,
);

fn assert_server_quiet(what: &str, out: &Output, addr: SocketAddr) {
    assert!(
        out.stdout == format!("listening on {addr}\n") && out.stderr.is_empty(),
        "{what}: the server should print only its `listening on` line\n{}",
        out.describe()
    );
}

/// The TCP server on port 0, the example client run twice against it (the server serves
/// clients one after another, forever), then the server is killed.
fn tcp_echo_server_and_client(driver: Driver) {
    let mut server = Proc::spawn(driver, &[TCP_SERVER, "127.0.0.1:0"]);
    let addr = server.wait_listening();
    assert!(addr.ip().is_loopback(), "listening on {addr}: expected 127.0.0.1");
    for round in 1..=2 {
        let out = run(driver, &[TCP_CLIENT, &addr.to_string()]);
        let what = format!("echo client, run {round} ({})", driver.label());
        out.assert_clean(&what);
        assert_golden(&what, "tests/examples/tcp_echo_client.out", &out);
    }
    let out = server.kill();
    assert_server_quiet(&format!("echo server ({})", driver.label()), &out, addr);
}

/// Default mode: a server task and a client in one process, which then exits.
fn udp_echo_default_mode(driver: Driver) {
    let out = run(driver, &[UDP_EXAMPLE]);
    let what = format!("udp example, default mode ({})", driver.label());
    out.assert_clean(&what);
    assert_golden(&what, "tests/examples/udp_echo.out", &out);
}

/// `server 127.0.0.1:0` in one process, `client ADDR` in another.
fn udp_server_mode_with_example_client(driver: Driver) {
    let mut server = Proc::spawn(driver, &[UDP_EXAMPLE, "server", "127.0.0.1:0"]);
    let addr = server.wait_listening();
    let out = run(driver, &[UDP_EXAMPLE, "client", &addr.to_string()]);
    let what = format!("udp example, client mode ({})", driver.label());
    out.assert_clean(&what);
    assert_golden(&what, "tests/examples/udp_echo_client.out", &out);
    let out = server.kill();
    assert_server_quiet(&format!("udp server ({})", driver.label()), &out, addr);
}

/// `server 127.0.0.1:0` echoing datagrams sent by a plain Rust client: text, binary, a
/// full 4096-byte datagram, one longer than the server's 4096-byte `max_len` (truncated,
/// LANGUAGE.md §7), an empty one, from two client sockets in turn.
fn udp_server_mode_with_rust_client(driver: Driver) {
    let mut server = Proc::spawn(driver, &[UDP_EXAMPLE, "server", "127.0.0.1:0"]);
    let addr = server.wait_listening();
    let clients = [UdpSocket::bind("127.0.0.1:0").unwrap(), UdpSocket::bind("127.0.0.1:0").unwrap()];
    for c in &clients {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    }
    let cases: Vec<(Vec<u8>, usize)> = vec![
        (b"hello".to_vec(), 5),
        (random_bytes(1, 1), 1),
        (random_bytes(2, 1000), 1000),
        (random_bytes(3, 4096), 4096),
        (random_bytes(4, 5000), 4096),
        (Vec::new(), 0),
        (b"last one".to_vec(), 8),
    ];
    let mut buf = vec![0u8; 65536];
    for (i, (data, expect_len)) in cases.iter().enumerate() {
        let c = &clients[i % 2];
        c.send_to(data, addr).unwrap();
        let (n, from) = c.recv_from(&mut buf).unwrap_or_else(|e| {
            panic!("datagram {i} ({} bytes): no echo from {addr}: {e} ({})", data.len(), driver.label())
        });
        assert_eq!(from, addr, "datagram {i}: the echo came from another address");
        assert_eq!(n, *expect_len, "datagram {i} of {} bytes: echo length ({})", data.len(), driver.label());
        assert!(buf[..n] == data[..n], "datagram {i}: echoed bytes differ ({})", driver.label());
    }
    let out = server.kill();
    assert_server_quiet(&format!("udp server ({})", driver.label()), &out, addr);
}

/// `multicast`: joins 239.255.0.1 on 0.0.0.0 and receives its own datagram. Skipped
/// (with a message) when the machine's network has no multicast route.
fn udp_multicast_mode(driver: Driver) {
    if let Err(why) = common::multicast_v4_works() {
        eprintln!("skipped: IPv4 multicast does not loop back on this machine ({why})");
        return;
    }
    let out = run(driver, &[UDP_EXAMPLE, "multicast"]);
    let what = format!("udp example, multicast mode ({})", driver.label());
    out.assert_clean(&what);
    assert_golden(&what, "tests/examples/udp_multicast.out", &out);
}

/// The environment variable really selects epoll; without it the runtime reports its
/// driver as one of the two (io_uring where the kernel allows it).
fn driver_is_the_one_asked_for(driver: Driver) {
    let code = "import net::{init_runtime}\nprint(init_runtime().unwrap().stats()[\"driver\"])";
    let out = Proc::spawn_argv(driver, &["-e", code], common::TIME_LIMIT).finish();
    out.assert_clean("printing the driver");
    let name = out.stdout.trim();
    match driver {
        Driver::Legacy => assert_eq!(name, "epoll"),
        Driver::Default => {
            assert!(name == "io_uring" || name == "epoll", "unknown driver {name:?}");
            if name != "io_uring" {
                eprintln!("note: io_uring is not available here; both runs use epoll");
            }
        }
    }
}
