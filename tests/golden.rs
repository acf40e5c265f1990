//! Golden tests: runs every `tests/golden/**/*.spl` with the real `simple` binary
//! (`simple run --color never <name>.spl [args]`, from the file's own directory, stdin
//! closed, 20 s limit) and compares what it does with the files beside it:
//!
//! - `name.out`: stdout, byte for byte (a missing file means "no output");
//! - `# expect-exit: N` in the .spl: the exit code (default 0);
//! - `name.err` (optional): each non-empty line is a fragment that must occur, in order,
//!   in successive lines of stderr (so the file can hold just the distinctive parts).
//!
//! Other directives (comment lines anywhere in the .spl):
//! - `# golden: skip` as the first line: a helper module imported by tests, not a test;
//! - `# args: a b c`: script arguments after the file name;
//! - `# env: NAME=value`: an environment variable (repeatable);
//! - `# drivers: both`: run twice, the second time with `MONOIO_FORCE_LEGACY_DRIVER=1`;
//!   both runs must match the same expectations.
//!
//! `BLESS=1 cargo test --test golden` rewrites `.out` (and `.err` where one exists or the
//! exit code is non-zero) from the actual output; exit codes are never blessed.
//! `GOLDEN_FILTER=substr` runs only the programs whose name contains `substr`.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(20);
/// Programs run at the same time (the interpreter itself may use threads too).
const MAX_JOBS: usize = 2;
/// Differing lines shown per diff.
const DIFF_LINES: usize = 40;
/// How long to keep reading the pipes after the process has exited.
const PIPE_DRAIN_LIMIT: Duration = Duration::from_secs(5);
const LEGACY_DRIVER_ENV: &str = "MONOIO_FORCE_LEGACY_DRIVER";

/// One golden program and its directives.
struct Case {
    /// path below tests/golden without `.spl`, with `/` separators (`async/sleep_order`)
    name: String,
    spl: PathBuf,
    expect_exit: i32,
    args: Vec<String>,
    env: Vec<(String, String)>,
    both_drivers: bool,
}

/// What one run of the binary did.
struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// `None` when killed by a signal (or by us, on timeout)
    code: Option<i32>,
    status_text: String,
    timed_out: bool,
}

struct Failure {
    name: String,
    report: String,
}

#[test]
fn golden() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden");
    let bless = std::env::var_os("BLESS").is_some_and(|v| !v.is_empty() && v != "0");
    let filter = std::env::var("GOLDEN_FILTER").ok().filter(|f| !f.is_empty());

    let mut files = Vec::new();
    collect_spl_files(&root, &mut files);
    files.sort();
    let mut cases = Vec::new();
    let mut failures = Vec::new();
    for path in files {
        match load_case(&root, &path) {
            Ok(Some(case)) => {
                if filter.as_deref().is_none_or(|f| case.name.contains(f)) {
                    cases.push(case);
                }
            }
            Ok(None) => {}
            Err(report) => failures.push(Failure { name: display_name(&root, &path), report }),
        }
    }
    assert!(!cases.is_empty() || filter.is_some(), "no golden programs found under {}", root.display());

    let total = cases.len();
    let runs: usize = cases.iter().map(|c| if c.both_drivers { 2 } else { 1 }).sum();
    let queue = Arc::new(Mutex::new(cases.into_iter().collect::<VecDeque<_>>()));
    let found = Arc::new(Mutex::new(Vec::new()));
    let jobs = thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, MAX_JOBS);
    let workers: Vec<_> = (0..jobs)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let found = Arc::clone(&found);
            thread::spawn(move || {
                loop {
                    let next = queue.lock().unwrap().pop_front();
                    let Some(case) = next else { break };
                    let mut mine = run_case(&case, bless);
                    found.lock().unwrap().append(&mut mine);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("golden worker thread panicked");
    }
    failures.append(&mut found.lock().unwrap());
    failures.sort_by(|a, b| a.name.cmp(&b.name));

    for failure in &failures {
        eprintln!("\n======== FAIL {} ========\n{}", failure.name, failure.report);
    }
    eprintln!(
        "\ngolden: {total} programs, {runs} runs, {} failed{}",
        failures.len(),
        if bless { " (BLESS: expectations rewritten)" } else { "" }
    );
    if !failures.is_empty() {
        let names: Vec<&str> = failures.iter().map(|f| f.name.as_str()).collect();
        panic!("{} golden failure(s):\n  {}", names.len(), names.join("\n  "));
    }
}

fn collect_spl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_spl_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "spl") {
            out.push(path);
        }
    }
}

fn display_name(root: &Path, spl: &Path) -> String {
    let rel = spl.strip_prefix(root).unwrap_or(spl).with_extension("");
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

/// Reads the directives of one program; `Ok(None)` for a helper module.
fn load_case(root: &Path, spl: &Path) -> Result<Option<Case>, String> {
    let src = fs::read_to_string(spl).map_err(|e| format!("cannot read {}: {e}", spl.display()))?;
    if src.lines().next().is_some_and(|l| l.trim() == "# golden: skip") {
        return Ok(None);
    }
    let mut case = Case {
        name: display_name(root, spl),
        spl: spl.to_path_buf(),
        expect_exit: 0,
        args: Vec::new(),
        env: Vec::new(),
        both_drivers: false,
    };
    for line in src.lines() {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let comment = comment.trim();
        if let Some(v) = comment.strip_prefix("expect-exit:") {
            case.expect_exit = v.trim().parse().map_err(|_| format!("bad directive `{line}`"))?;
        } else if let Some(v) = comment.strip_prefix("args:") {
            case.args.extend(v.split_whitespace().map(str::to_string));
        } else if let Some(v) = comment.strip_prefix("env:") {
            let (k, val) = v.trim().split_once('=').ok_or_else(|| format!("bad directive `{line}`"))?;
            case.env.push((k.trim().to_string(), val.trim().to_string()));
        } else if let Some(v) = comment.strip_prefix("drivers:") {
            match v.trim() {
                "both" => case.both_drivers = true,
                "default" => {}
                _ => return Err(format!("bad directive `{line}` (expected `both`)")),
            }
        }
    }
    Ok(Some(case))
}

/// Runs a case once (or twice, for `drivers: both`) and returns its failures.
fn run_case(case: &Case, bless: bool) -> Vec<Failure> {
    let mut failures = Vec::new();
    let variants: &[bool] = if case.both_drivers { &[false, true] } else { &[false] };
    for &legacy in variants {
        let name = if legacy { format!("{} [legacy driver]", case.name) } else { case.name.clone() };
        let outcome = match run_program(case, legacy) {
            Ok(o) => o,
            Err(e) => {
                failures.push(Failure { name, report: e });
                continue;
            }
        };
        // Only the first (default-driver) run is blessed; the second is checked against it.
        if bless
            && !legacy
            && !outcome.timed_out
            && let Err(e) = bless_outputs(case, &outcome)
        {
            failures.push(Failure { name: name.clone(), report: e });
        }
        if let Some(report) = check(case, &outcome) {
            failures.push(Failure { name, report });
        }
    }
    failures
}

fn run_program(case: &Case, legacy: bool) -> Result<Outcome, String> {
    let dir = case.spl.parent().ok_or("program has no parent directory")?;
    let file = case.spl.file_name().ok_or("program has no file name")?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_simple"));
    cmd.arg("run")
        .arg("--color")
        .arg("never")
        .arg(file)
        .args(&case.args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove(LEGACY_DRIVER_ENV)
        .env("NO_COLOR", "1");
    for (k, v) in &case.env {
        cmd.env(k, v);
    }
    if legacy {
        cmd.env(LEGACY_DRIVER_ENV, "1");
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", env!("CARGO_BIN_EXE_simple")))?;
    let (done_tx, done_rx) = mpsc::channel();
    let stdout = reader_thread(child.stdout.take(), done_tx.clone());
    let stderr = reader_thread(child.stderr.take(), done_tx);

    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= TIME_LIMIT => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("waiting for the program failed: {e}"));
            }
        }
    };
    // Both pipes normally close with the process; a leftover grandchild holding them
    // must not hang the suite, so wait a bounded time and take what was read.
    let drain_deadline = Instant::now() + PIPE_DRAIN_LIMIT;
    for _ in 0..2 {
        let left = drain_deadline.saturating_duration_since(Instant::now());
        if done_rx.recv_timeout(left).is_err() {
            break;
        }
    }
    let take = |buf: &Arc<Mutex<Vec<u8>>>| std::mem::take(&mut *buf.lock().unwrap());
    Ok(Outcome {
        stdout: take(&stdout),
        stderr: take(&stderr),
        code: status.and_then(|s| s.code()),
        status_text: status.map(describe_status).unwrap_or_else(|| "unknown status".to_string()),
        timed_out,
    })
}

/// Copies a pipe into a shared buffer as it arrives; signals `done` at end of stream.
fn reader_thread<R: Read + Send + 'static>(pipe: Option<R>, done: mpsc::Sender<()>) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&buf);
    thread::spawn(move || {
        if let Some(mut pipe) = pipe {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => shared.lock().unwrap().extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
        }
        let _ = done.send(());
    });
    buf
}

fn describe_status(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit code {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    status.to_string()
}

fn sibling(case: &Case, ext: &str) -> PathBuf {
    case.spl.with_extension(ext)
}

fn bless_outputs(case: &Case, outcome: &Outcome) -> Result<(), String> {
    let out = sibling(case, "out");
    if !outcome.stdout.is_empty() || out.exists() {
        fs::write(&out, &outcome.stdout).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    let err = sibling(case, "err");
    if err.exists() || outcome.code != Some(0) {
        fs::write(&err, &outcome.stderr).map_err(|e| format!("cannot write {}: {e}", err.display()))?;
    }
    Ok(())
}

/// Compares one run with the expectations; `Some(report)` on mismatch.
fn check(case: &Case, outcome: &Outcome) -> Option<String> {
    let mut report = String::new();
    let stdout = String::from_utf8_lossy(&outcome.stdout);
    let stderr = String::from_utf8_lossy(&outcome.stderr);
    if outcome.timed_out {
        let _ = writeln!(report, "timed out after {} s (killed)", TIME_LIMIT.as_secs());
    }
    if outcome.code != Some(case.expect_exit) {
        let _ = writeln!(report, "exit status: expected exit code {}, got {}", case.expect_exit, outcome.status_text);
    }

    let out_path = sibling(case, "out");
    let expected_out = fs::read(&out_path).unwrap_or_default();
    if expected_out != outcome.stdout {
        let expected = String::from_utf8_lossy(&expected_out);
        let _ = writeln!(report, "stdout differs (- expected {}, + actual):", file_name(&out_path));
        report.push_str(&diff(&expected, &stdout));
    }

    let err_path = sibling(case, "err");
    if let Ok(fragments) = fs::read_to_string(&err_path)
        && let Some(missing) = missing_fragment(&fragments, &stderr)
    {
        let _ = writeln!(
            report,
            "stderr: fragment {missing:?} of {} not found (fragments must match successive lines, in order)",
            file_name(&err_path)
        );
    }

    if report.is_empty() {
        return None;
    }
    let _ = writeln!(report, "--- actual stderr ---");
    report.push_str(&clip_lines(&stderr, 60));
    Some(report)
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The first fragment (a non-empty line of the .err file) that does not occur in a stderr
/// line after the one the previous fragment matched.
fn missing_fragment(fragments: &str, stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut next = 0;
    for fragment in fragments.lines() {
        let fragment = fragment.trim_end();
        if fragment.trim().is_empty() {
            continue;
        }
        match lines[next.min(lines.len())..].iter().position(|l| l.contains(fragment)) {
            Some(i) => next += i + 1,
            None => return Some(fragment.to_string()),
        }
    }
    None
}

fn clip_lines(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for line in lines.iter().take(max) {
        out.push_str(line);
        out.push('\n');
    }
    if lines.len() > max {
        let _ = writeln!(out, "... ({} more lines)", lines.len() - max);
    }
    out
}

/// A unified-style line diff (LCS based), with two lines of context around changes and
/// at most `DIFF_LINES` changed lines shown.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut ops: Vec<(char, &str)> = Vec::new();
    if a.len().saturating_mul(b.len()) <= 4_000_000 {
        // lcs[i][j] = length of the LCS of a[i..] and b[j..]
        let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                ops.push((' ', a[i]));
                i += 1;
                j += 1;
            } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
                ops.push(('+', b[j]));
                j += 1;
            } else {
                ops.push(('-', a[i]));
                i += 1;
            }
        }
    } else {
        for k in 0..a.len().max(b.len()) {
            match (a.get(k), b.get(k)) {
                (Some(x), Some(y)) if x == y => ops.push((' ', x)),
                (x, y) => {
                    if let Some(x) = x {
                        ops.push(('-', x));
                    }
                    if let Some(y) = y {
                        ops.push(('+', y));
                    }
                }
            }
        }
    }
    let near_change = |k: usize| {
        let lo = k.saturating_sub(2);
        let hi = (k + 2).min(ops.len().saturating_sub(1));
        (lo..=hi).any(|m| ops[m].0 != ' ')
    };
    let mut out = String::new();
    let mut shown_changes = 0;
    let mut skipped = false;
    for (k, &(tag, line)) in ops.iter().enumerate() {
        if tag == ' ' && !near_change(k) {
            skipped = true;
            continue;
        }
        if skipped {
            out.push_str("  ...\n");
            skipped = false;
        }
        if tag != ' ' {
            shown_changes += 1;
            if shown_changes > DIFF_LINES {
                let rest = ops[k..].iter().filter(|o| o.0 != ' ').count();
                let _ = writeln!(out, "  ... ({rest} more differing lines)");
                return out;
            }
        }
        let _ = writeln!(out, "{tag} {line}");
    }
    if !expected.ends_with('\n') && !expected.is_empty() || !actual.ends_with('\n') && !actual.is_empty() {
        let _ = writeln!(
            out,
            "  (final newline: expected {}, actual {})",
            if expected.ends_with('\n') || expected.is_empty() { "present" } else { "missing" },
            if actual.ends_with('\n') || actual.is_empty() { "present" } else { "missing" }
        );
    }
    out
}
