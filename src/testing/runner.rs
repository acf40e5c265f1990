//! `simple test [PATH...]`: runs every spec file (`*_spec.spl`, or a file named on the
//! command line) and every golden program (`NAME.spl` with `NAME.out` beside it) under
//! the paths (default: the current directory), several at a time, each in its own
//! `simple run` process with a time limit. Prints each spec file's examples, each failing
//! golden program with a diff, and the totals; exits 0 only if nothing failed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One file's run is killed after this long (`SIMPLE_TEST_TIMEOUT` seconds overrides it).
const TIME_LIMIT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Spec,
    Golden,
}

struct Outcome {
    path: PathBuf,
    kind: Kind,
    /// (examples, failures) of a spec file; (1, 0 or 1) of a golden program
    examples: usize,
    failures: usize,
    report: String,
}

/// Entry point of `simple test`.
pub fn run(paths: &[String], driver_args: &[String]) -> i32 {
    let roots: Vec<PathBuf> =
        if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.iter().map(PathBuf::from).collect() };
    let mut files = Vec::new();
    for root in &roots {
        if root.is_dir() {
            collect(root, &mut files);
        } else if root.exists() {
            let kind = if root.with_extension("out").exists() && !is_spec(root) { Kind::Golden } else { Kind::Spec };
            files.push((root.clone(), kind));
        } else {
            eprintln!("error: no such file or directory: {}", root.display());
            return 2;
        }
    }
    files.sort();
    if files.is_empty() {
        eprintln!("no spec files (*_spec.spl) or golden programs (NAME.spl + NAME.out) found");
        return 2;
    }
    let outcomes = run_all(files, driver_args);
    report(&outcomes)
}

fn is_spec(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with("_spec.spl"))
}

fn collect(dir: &Path, out: &mut Vec<(PathBuf, Kind)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "spl") {
            if is_spec(&p) {
                out.push((p, Kind::Spec));
            } else if p.with_extension("out").exists() {
                out.push((p, Kind::Golden));
            }
        }
    }
}

/// Runs the files on as many worker threads as there are cores.
fn run_all(files: Vec<(PathBuf, Kind)>, driver_args: &[String]) -> Vec<Outcome> {
    let queue = Arc::new(Mutex::new(files.into_iter().enumerate().collect::<Vec<_>>()));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers = num_cpus::get().clamp(1, 8);
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (queue, results) = (Arc::clone(&queue), Arc::clone(&results));
            let driver_args = driver_args.to_vec();
            std::thread::spawn(move || {
                loop {
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                    let Some((i, (path, kind))) = next else { break };
                    let outcome = run_one(&path, kind, &driver_args);
                    results.lock().unwrap_or_else(|p| p.into_inner()).push((i, outcome));
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    let mut results = std::mem::take(&mut *results.lock().unwrap_or_else(|p| p.into_inner()));
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, o)| o).collect()
}

/// What one `simple run` did.
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    timed_out: bool,
}

fn spawn_run(path: &Path, driver_args: &[String]) -> std::io::Result<Run> {
    let exe = std::env::current_exe()?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(PathBuf::from).unwrap_or_else(|| path.to_path_buf());
    let mut child = Command::new(exe)
        .args(driver_args)
        .arg("run")
        .arg("--color")
        .arg("never")
        .arg(&name)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pipe = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut s);
            }
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = pipe(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = pipe(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let limit = std::env::var("SIMPLE_TEST_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(TIME_LIMIT);
    let start = Instant::now();
    let (status, timed_out) = loop {
        if let Some(st) = child.try_wait()? {
            break (Some(st), false);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            break (child.wait().ok(), true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok(Run {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        code: status.and_then(|s| s.code()),
        timed_out,
    })
}

fn run_one(path: &Path, kind: Kind, driver_args: &[String]) -> Outcome {
    let mut o = Outcome { path: path.to_path_buf(), kind, examples: 0, failures: 0, report: String::new() };
    let run = match spawn_run(path, driver_args) {
        Ok(r) => r,
        Err(e) => {
            o.failures = 1;
            o.report = format!("cannot run: {e}\n");
            return o;
        }
    };
    match kind {
        Kind::Spec => spec_outcome(&mut o, &run),
        Kind::Golden => golden_outcome(&mut o, &run),
    }
    o
}

/// A spec file: its examples come from its `N examples, M failures` line; a run that
/// crashed, timed out or failed without failing an example counts as one failure.
fn spec_outcome(o: &mut Outcome, run: &Run) {
    o.report = run.stdout.clone();
    if let Some((n, failed)) = run.stdout.lines().rev().find_map(parse_summary) {
        o.examples = n;
        o.failures = failed;
    }
    let crashed = run.timed_out || (run.code != Some(0) && o.failures == 0);
    if crashed {
        o.failures = 1;
        o.examples = o.examples.max(1);
    }
    if run.timed_out {
        o.report.push_str("killed: time limit exceeded\n");
    }
    o.report.push_str(&run.stderr);
}

fn parse_summary(line: &str) -> Option<(usize, usize)> {
    let (a, b) = line.split_once(", ")?;
    let n = a.strip_suffix(" examples").or_else(|| a.strip_suffix(" example"))?.parse().ok()?;
    let m = b.strip_suffix(" failures").or_else(|| b.strip_suffix(" failure"))?.parse().ok()?;
    Some((n, m))
}

/// A golden program: stdout must equal NAME.out, and the exit code `# expect-exit: N`
/// (default 0).
fn golden_outcome(o: &mut Outcome, run: &Run) {
    o.examples = 1;
    let expected = std::fs::read_to_string(o.path.with_extension("out")).unwrap_or_default();
    let expected = match expected.split_once('\n') {
        Some((first, rest)) if first.starts_with("# generated by") => rest.to_string(),
        _ => expected,
    };
    let src = std::fs::read_to_string(&o.path).unwrap_or_default();
    let want_code = src
        .lines()
        .find_map(|l| l.trim().strip_prefix("# expect-exit:").and_then(|c| c.trim().parse::<i32>().ok()))
        .unwrap_or(0);
    let mut problems = String::new();
    if run.timed_out {
        problems.push_str("killed: time limit exceeded\n");
    }
    if run.code != Some(want_code) {
        problems.push_str(&format!("exit code {:?}, expected {want_code}\n", run.code));
    }
    if run.stdout != expected {
        problems.push_str("stdout differs (- expected, + actual):\n");
        problems.push_str(&super::diff(&expected, &run.stdout));
    }
    if !problems.is_empty() {
        o.failures = 1;
        o.report = format!("{problems}{}", run.stderr);
    }
}

fn report(outcomes: &[Outcome]) -> i32 {
    let (mut examples, mut failures, mut goldens, mut golden_failures) = (0, 0, 0, 0);
    for o in outcomes {
        match o.kind {
            Kind::Spec => {
                examples += o.examples;
                failures += o.failures;
                println!("{}", o.path.display());
                // the file's own summary (and the blank line before it) gives way to
                // the totals at the end
                let lines: Vec<&str> = o.report.lines().filter(|l| parse_summary(l).is_none()).collect();
                let keep = lines.iter().rposition(|l| !l.trim().is_empty()).map_or(0, |i| i + 1);
                for line in &lines[..keep] {
                    if line.is_empty() { println!() } else { println!("  {line}") }
                }
            }
            Kind::Golden => {
                goldens += 1;
                golden_failures += o.failures;
                if o.failures > 0 {
                    println!("{} (golden): FAILED", o.path.display());
                    for line in o.report.lines() {
                        println!("  {line}");
                    }
                }
            }
        }
    }
    let s = |k: usize, w: &str| format!("{k} {w}{}", if k == 1 { "" } else { "s" });
    let mut line = format!("{}, {}", s(examples, "example"), s(failures, "failure"));
    if goldens > 0 {
        line.push_str(&format!(
            "; {} golden program{}, {golden_failures} failed",
            goldens,
            if goldens == 1 { "" } else { "s" }
        ));
    }
    println!("\n{line}");
    if failures + golden_failures == 0 { 0 } else { 1 }
}
