//! The bench programs as golden tests, so they cannot rot: every
//! `benches/programs/NAME.spl` that has a `NAME.out` beside it is run once with the
//! `simple` binary cargo built for the tests (`simple run --color never NAME.spl`, from
//! the repository root, stdin closed) and must exit 0 with exactly that stdout. stderr is
//! not compared: the task programs print their timings there. The seventeen interpreter
//! workloads' `.out` files (seven micro workloads and ten classic benchmark ports) are
//! what their Python twins in benches/python/ print.
//! Two programs run at a time; each is killed after 120 s (a debug build of the slowest
//! takes several seconds; the limit only catches hangs). No timings are asserted.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(120);
const JOBS: usize = 2;

fn programs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/programs");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("benches/programs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "spl") && p.with_extension("out").exists())
        .collect();
    v.sort();
    v
}

/// Runs one program; `Err` describes what went wrong.
fn check(spl: &Path) -> Result<(), String> {
    let expected = fs::read_to_string(spl.with_extension("out")).map_err(|e| e.to_string())?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_simple"))
        .args(["run", "--color", "never"])
        .arg(spl)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start simple: {e}"))?;
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_reader = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out_pipe.read_to_end(&mut s);
        s
    });
    let err_reader = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err_pipe.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {} s: killed", TIME_LIMIT.as_secs()));
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    if !status.success() {
        return Err(format!("exited with {status}\n--- stderr:\n{stderr}"));
    }
    if stdout != expected {
        return Err(format!("stdout differs\n--- expected:\n{expected}--- actual:\n{stdout}--- stderr:\n{stderr}"));
    }
    Ok(())
}

#[test]
fn bench_programs_print_their_expected_output() {
    let all = programs();
    assert!(all.len() >= 10, "expected the bench programs in benches/programs, found {}", all.len());
    let queue = Arc::new(Mutex::new(all.clone()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..JOBS)
        .map(|_| {
            let (queue, failures) = (queue.clone(), failures.clone());
            thread::spawn(move || {
                loop {
                    let Some(spl) = queue.lock().unwrap().pop() else { break };
                    if let Err(e) = check(&spl) {
                        failures.lock().unwrap().push(format!("{}: {e}", spl.display()));
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} bench programs failed:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}
