//! Tasks bench: per-operation cost of Simple's tasks and Channels against the same in
//! native monoio with plain Rust futures, on the same kind of runtime (io_uring, 256
//! entries, timers; epoll where io_uring is unavailable).
//!
//! - spawn+await, sequential: spawn one trivial task, await it, repeat N times
//!   (benches/programs/spawn_await.spl; natively `monoio::spawn(..).await`);
//! - spawn+await, batch: spawn N trivial tasks, then await each in order;
//! - channel ping-pong: N messages bounced between two tasks over two unbounded channels
//!   (benches/programs/ping_pong.spl; natively a tiny `Rc<RefCell<VecDeque>>` + waker
//!   channel), reported per message.
//!
//! The Simple programs time their own loops with `now_ms()` and print `time NAME MS` on
//! stderr, so process start-up is not counted. N is BENCH_TASKS (default 100,000); each
//! side runs BENCH_RUNS times (default 5), the two sides by turns, and the medians are
//! shown; the ratio is the median of the runs' ratios (this machine's speed changes by
//! up to 2× for seconds at a time, so only runs close in time compare). Both sides run on
//! core 1 (the bench pins itself, and the Simple processes it starts inherit that;
//! `BENCH_PIN=0` turns this off): this machine's two cores differ by up to 60% in speed,
//! and unpinned runs came out bimodal by where each process landed.
//!
//!     cargo bench --bench tasks

mod common;

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::hint::black_box;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Instant;

use common::{Table, env_num, median, monoio_runtime, pin_current_thread, pinning, ratio, root, simple_bin};

/// Runs a Simple program with N as its argument; returns its `time NAME MS` lines.
fn run_simple(program: &str, n: usize) -> HashMap<String, f64> {
    let out = Command::new(simple_bin())
        .args(["run", program, &n.to_string()])
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run simple: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{program} failed: {}\n{stderr}", out.status);
    let mut times = HashMap::new();
    for line in stderr.lines() {
        let mut f = line.split_whitespace();
        if let (Some("time"), Some(name), Some(ms)) = (f.next(), f.next(), f.next()) {
            times.insert(name.to_string(), ms.parse::<f64>().expect("milliseconds"));
        }
    }
    times
}

async fn trivial(i: u64) -> u64 {
    black_box(i)
}

/// A single-threaded unbounded channel with one waiting receiver.
struct Chan<T> {
    inner: Rc<RefCell<ChanInner<T>>>,
}

struct ChanInner<T> {
    queue: VecDeque<T>,
    waker: Option<Waker>,
    closed: bool,
}

impl<T> Clone for Chan<T> {
    fn clone(&self) -> Self {
        Chan { inner: self.inner.clone() }
    }
}

impl<T> Chan<T> {
    fn new() -> Self {
        Chan { inner: Rc::new(RefCell::new(ChanInner { queue: VecDeque::new(), waker: None, closed: false })) }
    }

    fn send(&self, v: T) {
        let mut c = self.inner.borrow_mut();
        c.queue.push_back(v);
        if let Some(w) = c.waker.take() {
            w.wake();
        }
    }

    fn close(&self) {
        let mut c = self.inner.borrow_mut();
        c.closed = true;
        if let Some(w) = c.waker.take() {
            w.wake();
        }
    }

    async fn recv(&self) -> Option<T> {
        poll_fn(|cx| {
            let mut c = self.inner.borrow_mut();
            if let Some(v) = c.queue.pop_front() {
                Poll::Ready(Some(v))
            } else if c.closed {
                Poll::Ready(None)
            } else {
                c.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// The native twins; each returns milliseconds for the timed loop.
fn native(n: usize) -> HashMap<String, f64> {
    let mut rt = monoio_runtime();
    rt.block_on(async move {
        let mut times = HashMap::new();

        let t0 = Instant::now();
        let mut total = 0u64;
        for i in 0..n as u64 {
            total += monoio::spawn(trivial(i)).await;
        }
        times.insert("sequential".to_string(), t0.elapsed().as_secs_f64() * 1e3);
        assert_eq!(total, (n as u64) * (n as u64).saturating_sub(1) / 2);

        let t0 = Instant::now();
        let handles: Vec<_> = (0..n as u64).map(|i| monoio::spawn(trivial(i))).collect();
        let mut total = 0u64;
        for h in handles {
            total += h.await;
        }
        times.insert("batch".to_string(), t0.elapsed().as_secs_f64() * 1e3);
        assert_eq!(total, (n as u64) * (n as u64).saturating_sub(1) / 2);

        let (ping, pong) = (Chan::<u64>::new(), Chan::<u64>::new());
        let echo = {
            let (ping, pong) = (ping.clone(), pong.clone());
            monoio::spawn(async move {
                while let Some(v) = ping.recv().await {
                    pong.send(v + 1);
                }
                pong.close();
            })
        };
        let t0 = Instant::now();
        let mut total = 0u64;
        for i in 0..(n / 2) as u64 {
            ping.send(i);
            total += pong.recv().await.expect("pong closed early");
        }
        times.insert("ping_pong".to_string(), t0.elapsed().as_secs_f64() * 1e3);
        ping.close();
        echo.await;
        black_box(total);
        times
    })
}

fn main() {
    let n: usize = env_num("BENCH_TASKS", 100_000usize).max(2);
    let runs: usize = env_num("BENCH_RUNS", 5usize).max(1);
    let pinned = pinning() && pin_current_thread(1);
    let mut simple_ms: HashMap<String, Vec<f64>> = HashMap::new();
    let mut native_ms: HashMap<String, Vec<f64>> = HashMap::new();
    for _ in 0..runs {
        for prog in ["benches/programs/spawn_await.spl", "benches/programs/ping_pong.spl"] {
            for (k, v) in run_simple(prog, n) {
                simple_ms.entry(k).or_default().push(v);
            }
        }
        for (k, v) in native(n) {
            native_ms.entry(k).or_default().push(v);
        }
    }
    println!(
        "\n== Tasks: simple vs native monoio (N = {n}, {runs} runs each, median ns per operation; {}) ==",
        if pinned { "both on core 1" } else { "not pinned" }
    );
    let mut table = Table::new(&["operation", "simple ns/op", "native ns/op", "simple/native"]);
    for (key, label) in [
        ("sequential", "spawn+await, one at a time"),
        ("batch", "spawn N, then await all"),
        ("ping_pong", "channel ping-pong, per message"),
    ] {
        let get = |m: &HashMap<String, Vec<f64>>| {
            let v = m.get(key).unwrap_or_else(|| panic!("no timing for {key}"));
            median(v.clone()) * 1e6 / n as f64
        };
        let (s, nat) = (get(&simple_ms), get(&native_ms));
        // each run's two sides ran back to back: the median of their ratios
        let ratios: Vec<f64> = simple_ms[key].iter().zip(&native_ms[key]).map(|(s, n)| s / n).collect();
        table.row(vec![label.to_string(), format!("{s:.0}"), format!("{nat:.1}"), ratio(median(ratios))]);
    }
    table.print();
}
