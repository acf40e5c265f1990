//! Interpreter bench: the seven micro workloads and the ten classic benchmark ports
//! (pyperformance's richards, deltablue, raytrace, nqueens; the Benchmarks Game's nbody,
//! spectral-norm, fannkuch-redux, binary-trees, fasta, k-nucleotide: the same algorithm
//! and work, written for this project) of benches/programs/*.spl, each run with
//! `simple run` and its Python twin (benches/python/*.py, copies of the shared reference
//! programs) with `python3` (its real executable, see `python3_bin`), alternately,
//! BENCH_RUNS times (default 5). Prints the median wall-clock seconds of each (process
//! start to exit), `simple / python3` of the medians and of the fastest runs (other
//! load on a shared machine only ever slows a run down, so the fastest runs are the
//! steadier comparison), and the geometric means of both ratios over the seven
//! workloads and over the ten programs. Both must print the same thing, or the bench
//! fails.
//!
//! Both interpreters run on the same core (the last one; BENCH_CPU=N picks another,
//! BENCH_PIN=0 none): on a machine whose cores differ in speed (this shared VM's
//! core 0 runs these programs up to 60% slower than core 1) a ratio would otherwise
//! depend on where each run happened to land.
//!
//!     cargo bench --bench interp                     all seventeen
//!     BENCH_RUNS=1 cargo bench --bench interp fib    only the workloads named

mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use common::{
    Table, cores, env_num, filter_args, geomean, median, pin_current_thread, pinning, python3_bin, ratio, root,
    simple_bin,
};

const WORKLOADS: [&str; 17] = [
    "fib",
    "loop",
    "strings",
    "objects",
    "lists",
    "closures",
    "dict",
    "richards",
    "deltablue",
    "raytrace",
    "nqueens",
    "nbody",
    "spectral_norm",
    "fannkuch",
    "binary_trees",
    "fasta",
    "k_nucleotide",
];

/// Runs a command from the repository root; returns (seconds, stdout).
fn timed(program: &str, args: &[&str]) -> (f64, String) {
    let start = Instant::now();
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let secs = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "{program} {args:?} failed: {}", out.status);
    (secs, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn min(times: &[f64]) -> f64 {
    times.iter().copied().fold(f64::INFINITY, f64::min)
}

fn main() {
    let runs: usize = env_num("BENCH_RUNS", 5usize).max(1);
    let only = filter_args();
    let simple = simple_bin();
    let simple = simple.to_str().expect("utf-8 path");
    let python = python3_bin();
    // the children inherit this thread's affinity
    let core = env_num("BENCH_CPU", cores() - 1);
    let pinned = pinning() && pin_current_thread(core);
    let place = if pinned { format!(", both on core {core}") } else { String::new() };
    println!("\n== Interpreter: simple vs python3 ({runs} runs each, median wall-clock seconds{place}) ==");
    let mut table = Table::new(&["workload", "simple s", "python3 s", "simple/python3", "fastest runs"]);
    // (name, ratio of medians, ratio of minimums)
    let mut ratios: Vec<(&str, f64, f64)> = Vec::new();
    for w in WORKLOADS.iter().filter(|w| only.is_empty() || only.iter().any(|o| w.contains(o.as_str()))) {
        let spl = format!("benches/programs/{w}.spl");
        let py = format!("benches/python/{w}.py");
        let (mut ts, mut tp) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let (t, out_s) = timed(simple, &["run", &spl]);
            ts.push(t);
            let (t, out_p) = timed(&python, &[&py]);
            tp.push(t);
            assert_eq!(out_s, out_p, "{w}: simple and python3 print different things");
        }
        let fastest = min(&ts) / min(&tp);
        let (s, p) = (median(ts), median(tp));
        ratios.push((w, s / p, fastest));
        table.row(vec![w.to_string(), format!("{s:.3}"), format!("{p:.3}"), ratio(s / p), ratio(fastest)]);
    }
    let programs_from = WORKLOADS.iter().position(|w| *w == "richards").unwrap_or(WORKLOADS.len());
    let groups = [("workloads", &WORKLOADS[..programs_from]), ("programs", &WORKLOADS[programs_from..])];
    for (group, names) in groups {
        let members: Vec<_> = ratios.iter().filter(|(w, ..)| names.contains(w)).collect();
        if !members.is_empty() {
            let medians: Vec<f64> = members.iter().map(|r| r.1).collect();
            let fastest: Vec<f64> = members.iter().map(|r| r.2).collect();
            let label = format!("geometric mean, {group}");
            table.row(vec![label, String::new(), String::new(), ratio(geomean(&medians)), ratio(geomean(&fastest))]);
        }
    }
    table.print();
}
