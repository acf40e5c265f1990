//! `--threads N` (issue 6): with two threads the echo-style server accepts on both.
//! Each thread binds the same port with SO_REUSEPORT; 200 connections are spread by the
//! kernel, and each reply names the accepting thread. Both drivers.

#[macro_use]
mod common;

use common::{Driver, Proc};
use std::io::Read;
use std::net::{TcpListener, TcpStream};

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a probe listener");
    l.local_addr().expect("probe address").port()
}

fn both_threads_accept(driver: Driver) {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = Proc::spawn(driver, &["--threads", "2", "tests/threads_programs/thread_counter.spl", &addr]);
    // one `listening on` line per thread
    server.wait_listening();
    server.wait_listening();
    let mut counts = [0usize; 2];
    for _ in 0..200 {
        let mut s = TcpStream::connect(&addr).expect("connect to the threaded server");
        let mut reply = String::new();
        s.read_to_string(&mut reply).expect("read the thread index");
        let index: usize = reply.trim().parse().unwrap_or_else(|_| panic!("reply {reply:?} is not a thread index"));
        counts[index] += 1;
    }
    drop(server);
    assert!(counts[0] > 0 && counts[1] > 0, "{}: accepts per thread {counts:?}: both must accept", driver.label());
}

both_drivers!(both_threads_accept);
