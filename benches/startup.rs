//! Start-up bench: wall-clock time of `simple run benches/programs/hello.spl` against
//! `python3 -c pass` (the real executable, not a pyenv shim), process spawn to exit,
//! alternately, BENCH_STARTUP_RUNS times (default 50) after a few warm-up runs; prints
//! the median and the minimum of each and `simple / python3`.
//!
//! Both run on one core, as in the interpreter bench (the last one; BENCH_CPU=N picks
//! another, BENCH_PIN=0 none): unpinned, a run's time also depended on which core the
//! child landed on and on its migrating between the two (3.1 ms median unpinned, 2.2 ms
//! pinned, in the same minute).
//!
//!     cargo bench --bench startup

mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use common::{Table, cores, env_num, median, pin_current_thread, pinning, python3_bin, ratio, root, simple_bin};

fn once(program: &str, args: &[&str]) -> f64 {
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let ms = start.elapsed().as_secs_f64() * 1e3;
    assert!(status.success(), "{program} {args:?} failed: {status}");
    ms
}

fn main() {
    let runs: usize = env_num("BENCH_STARTUP_RUNS", 50usize).max(1);
    // children inherit the bench's core
    let core = env_num("BENCH_CPU", cores() - 1);
    let pinned = pinning() && pin_current_thread(core);
    let place = if pinned { format!(", both on core {core}") } else { String::new() };
    let simple = simple_bin();
    let simple = simple.to_str().expect("utf-8 path");
    let python = python3_bin();
    let python = python.as_str();
    let hello = ["run", "benches/programs/hello.spl"];
    let out = Command::new(simple).args(hello).current_dir(root()).output().expect("run simple");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello, world\n", "hello.spl output");

    for _ in 0..3 {
        once(simple, &hello);
        once(python, &["-c", "pass"]);
    }
    let (mut ts, mut tp) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        ts.push(once(simple, &hello));
        tp.push(once(python, &["-c", "pass"]));
    }
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let (ms_s, ms_p) = (median(ts.clone()), median(tp.clone()));
    println!("\n== Start-up: hello world ({runs} runs each, wall-clock ms{place}) ==");
    let mut table = Table::new(&["command", "median ms", "min ms", "/ python3"]);
    table.row(vec![
        "simple run benches/programs/hello.spl".into(),
        format!("{ms_s:.2}"),
        format!("{:.2}", min(&ts)),
        ratio(ms_s / ms_p),
    ]);
    table.row(vec!["python3 -c pass".into(), format!("{ms_p:.2}"), format!("{:.2}", min(&tp)), ratio(1.0)]);
    table.print();
}
