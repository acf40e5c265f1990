//! Resource limits, through the real `simple` binary: recursion 1,000,000 deep (tail and
//! non-tail, sync and async) is the runtime error `maximum recursion depth exceeded`
//! (exit 1) and never a crash, while 9,000 deep works; a large source file runs (and an
//! error at its end is reported) within a time limit; a file with thousands of syntax
//! errors is reported promptly; a 100,000-element list literal; a 50 MB string; integer
//! literals that overflow i64 are syntax errors pointing at the literal (exit 2).
//!
//! Every run has a hard time limit (the child is killed) and reports its wall time and
//! peak RSS (from `wait4`). The large source file is 1 MB by default (256 KB for the one
//! with an error at its end) and 10 MB under `SIMPLE_STRESS=1` (the dev profile,
//! opt-level 1, gets through about 0.5 MB/s of such source; a release build about 1 MB/s).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(20);

fn stress() -> bool {
    std::env::var_os("SIMPLE_STRESS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// What one run did.
struct Run {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
    /// peak resident set size, KiB
    max_rss_kb: i64,
    timed_out: bool,
}

impl Run {
    fn describe(&self) -> String {
        let err: Vec<&str> = self.stderr.lines().collect();
        let shown = if err.len() > 30 {
            format!(
                "{}\n... ({} more lines) ...\n{}",
                err[..20].join("\n"),
                err.len() - 25,
                err[err.len() - 5..].join("\n")
            )
        } else {
            err.join("\n")
        };
        format!(
            "exit code {:?}, signal {:?}{}, {:.2?}, peak RSS {} MiB\n--- stdout ---\n{}\n--- stderr ---\n{shown}\n---",
            self.code,
            self.signal,
            if self.timed_out { " (killed: time limit)" } else { "" },
            self.took,
            self.max_rss_kb / 1024,
            self.stdout.chars().take(2000).collect::<String>()
        )
    }

    fn figures(&self) -> String {
        format!("{:.2?}, peak RSS {} MiB", self.took, self.max_rss_kb / 1024)
    }

    /// No sign of a Rust panic or an abort anywhere.
    fn no_crash(&self) -> bool {
        self.signal.is_none()
            && self.code != Some(101)
            && !self.stderr.contains("panicked")
            && !self.stderr.contains("overflowed its stack")
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("limits");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// Runs `simple run --color never FILE` (the file written from `src` first), killed
/// after `limit`.
fn run_source(name: &str, src: &[u8], limit: Duration) -> Run {
    let path = scratch(name);
    std::fs::write(&path, src).expect("write the program");
    run_args(&["run", "--color", "never", path.to_str().unwrap()], limit)
}

// the child is reaped with `wait4` (for its rusage), not `Child::wait`
#[allow(clippy::zombie_processes)]
fn run_args(args: &[&str], limit: Duration) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_simple"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("MONOIO_FORCE_LEGACY_DRIVER")
        .env("NO_COLOR", "1")
        .spawn()
        .expect("start simple");
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    // reap with wait4 (for the peak RSS); the watchdog kills at the limit
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if started.elapsed() > limit && !timed_out {
            timed_out = true;
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        thread::sleep(Duration::from_millis(5));
    }
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else {
        (None, Some(libc::WTERMSIG(status)))
    };
    Run { code, signal, stdout, stderr, took, max_rss_kb: usage.ru_maxrss, timed_out }
}

/// A runtime error `maximum recursion depth exceeded`, exit 1, no crash; the first
/// stderr line is the error.
#[track_caller]
fn assert_recursion_error(what: &str, run: &Run) {
    let first = run.stderr.lines().next().unwrap_or("");
    assert!(
        run.no_crash()
            && !run.timed_out
            && run.code == Some(1)
            && first == "runtime error: maximum recursion depth exceeded",
        "{what}: expected `runtime error: maximum recursion depth exceeded` and exit 1\n{}",
        run.describe()
    );
    eprintln!(
        "{what}: maximum recursion depth exceeded, exit 1, {} ({} stderr lines, {} KiB)",
        run.figures(),
        run.stderr.lines().count(),
        run.stderr.len() / 1024
    );
}

// ----- recursion --------------------------------------------------------------------------

#[test]
fn recursion_1000000_deep_tail_call() {
    let run = run_source("tail.spl", b"fn f(n):\n    return f(n + 1)\nprint(f(0))\n", LIMIT);
    assert_recursion_error("fn f(n): return f(n + 1)", &run);
}

#[test]
fn recursion_1000000_deep_non_tail() {
    let src = b"fn f(n):\n    if n == 0:\n        return 0\n    return 1 + f(n - 1)\nprint(f(1000000))\n";
    let run = run_source("non_tail.spl", src, LIMIT);
    assert_recursion_error("1 + f(n - 1) from 1,000,000", &run);
}

/// Through a method and a closure, mutually recursive.
#[test]
fn recursion_1000000_deep_mutual_method_and_closure() {
    let src = b"struct S:\n    k: i64\n\n    fn down(self, n):\n        return g(n - 1)\n\
                let s = S { k: 1 }\nlet g = \\n: if n == 0: 0 else: s.down(n) + 1\nprint(g(1000000))\n";
    let run = run_source("mutual.spl", src, LIMIT);
    assert_recursion_error("method <-> closure from 1,000,000", &run);
}

#[test]
fn recursion_9000_deep_works() {
    let src = b"fn f(n):\n    if n == 0:\n        return 0\n    return 1 + f(n - 1)\n\
                fn g(n, acc):\n    if n == 0:\n        return acc\n    return g(n - 1, acc + 1)\n\
                print(f(9000), g(9000, 0))\n";
    let run = run_source("nine_thousand.spl", src, LIMIT);
    assert!(
        run.no_crash() && run.code == Some(0) && run.stdout == "9000 9000\n" && run.stderr.is_empty(),
        "recursion 9,000 deep: expected `9000 9000`\n{}",
        run.describe()
    );
    eprintln!("recursion 9,000 deep: works, {}", run.figures());
}

#[test]
fn async_recursion_100000_deep() {
    let src = b"async fn f(n):\n    if n == 0:\n        return 0\n    return await f(n - 1)\n\
                async fn main():\n    print(await f(100000))\n";
    let run = run_source("async_deep.spl", src, LIMIT);
    assert_recursion_error("async fn f(n): return await f(n - 1) from 100,000", &run);
}

/// Each level a Task of its own (not directly awaited): 100,000 live tasks awaiting each
/// other, which is not recursion on the Rust stack.
#[test]
fn async_task_chain_100000_deep() {
    let src = b"async fn f(n):\n    if n == 0:\n        return 0\n    let t = f(n - 1)\n    return 1 + await t\n\
                async fn main():\n    print(await f(100000))\n";
    let run = run_source("async_chain.spl", src, Duration::from_secs(60));
    assert!(
        run.no_crash() && !run.timed_out && (run.code == Some(0) && run.stdout == "100000\n" || run.code == Some(1)),
        "100,000 tasks each awaiting the next: expected 100000 or a runtime error\n{}",
        run.describe()
    );
    let first = run.stderr.lines().next().unwrap_or("(nothing on stderr)");
    eprintln!("100,000-task await chain: exit {:?}, {}; {first}", run.code, run.figures());
}

#[test]
fn async_recursion_9000_deep_works() {
    let src = b"async fn f(n):\n    if n == 0:\n        return 0\n    return 1 + await f(n - 1)\n\
                async fn main():\n    print(await f(9000))\n";
    let run = run_source("async_9000.spl", src, LIMIT);
    assert!(
        run.no_crash() && run.code == Some(0) && run.stdout == "9000\n" && run.stderr.is_empty(),
        "async recursion 9,000 deep: expected 9000\n{}",
        run.describe()
    );
    eprintln!("async recursion 9,000 deep: works, {}", run.figures());
}

// ----- big sources ------------------------------------------------------------------------

/// A source file of `bytes` bytes: small functions, each called by a statement that
/// adds to a total, in blocks of 1,000 (so that no one function has too many
/// statements); returns it with the expected output.
fn big_source(bytes: usize) -> (String, String) {
    let mut src = String::with_capacity(bytes + 1000);
    src.push_str("var total = 0\n");
    let mut expected: i64 = 0;
    let mut k: i64 = 0;
    while src.len() < bytes {
        src.push_str(&format!("fn f{k}(x):\n    let y = x * 2\n    return y + {}\n", k % 7));
        src.push_str(&format!("total += f{k}({})\n", k % 100));
        expected += (k % 100) * 2 + k % 7;
        k += 1;
    }
    src.push_str(&format!("print(\"functions:\", {k})\nprint(\"total:\", total)\n"));
    (src, format!("functions: {k}\ntotal: {expected}\n"))
}

fn big_size() -> usize {
    if stress() { 10_000_000 } else { 1_000_000 }
}

/// 15 s per MB: the dev profile takes about 2 s per MB, several times that on a loaded
/// machine (release: about 1 s).
fn big_limit(bytes: usize) -> Duration {
    Duration::from_secs(15 * (bytes as u64).div_ceil(1_000_000)).max(LIMIT)
}

#[test]
fn large_source_file_runs() {
    let size = big_size();
    let (src, expected) = big_source(size);
    let run = run_source("big.spl", src.as_bytes(), big_limit(size));
    assert!(
        run.no_crash() && !run.timed_out && run.code == Some(0) && run.stdout == expected && run.stderr.is_empty(),
        "a {} MB source file: expected\n{expected}\n{}",
        size / 1_000_000,
        run.describe()
    );
    eprintln!("{} MB source file ({} lines): runs, {}", src.len() / 1_000_000, src.lines().count(), run.figures());
}

/// (256 KB by default: the error path parses the same way, and `cargo test` time counts.)
#[test]
fn large_source_file_error_at_the_end() {
    let size = if stress() { big_size() } else { 256_000 };
    let (mut src, _) = big_source(size);
    let last_line = src.lines().count() + 1;
    src.push_str("let broken = (1 +\n");
    let run = run_source("big_error.spl", src.as_bytes(), big_limit(size));
    let place = format!("big_error.spl:{last_line}:");
    assert!(
        run.no_crash()
            && !run.timed_out
            && run.code == Some(2)
            && run.stdout.is_empty()
            && run.stderr.starts_with("syntax error")
            && run.stderr.contains(&place),
        "a {} KB source file with a syntax error on its last line ({last_line}): expected exit 2 and an \
         error at {place}\n{}",
        size / 1000,
        run.describe()
    );
    eprintln!("{} KB source file with an error at the end: reported, {}", src.len() / 1000, run.figures());
}

/// 10,000 lines, each a syntax error (an 80 KB file): every diagnostic, or the first N
/// of them, comes out within 5 s.
#[test]
fn ten_thousand_syntax_errors_reported_promptly() {
    let src = "let = 1\n".repeat(10_000);
    let run = run_source("many_errors.spl", src.as_bytes(), Duration::from_secs(5));
    let errors = run.stderr.lines().filter(|l| l.starts_with("syntax error")).count();
    assert!(
        run.no_crash() && !run.timed_out && run.code == Some(2) && errors > 0,
        "10,000 syntax errors (80 KB): expected exit 2 within 5 s ({errors} errors reported)\n{}",
        run.describe()
    );
    eprintln!("10,000 syntax errors: {errors} reported, {}", run.figures());
}

#[test]
fn list_literal_of_100000_elements() {
    let items: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
    let src = format!(
        "let xs = [{}]\nvar sum = 0\nfor x in xs:\n    sum += x\nprint(len(xs), xs[0], xs[99999], sum)\n",
        items.join(", ")
    );
    let run = run_source("list100k.spl", src.as_bytes(), Duration::from_secs(30));
    assert!(
        run.no_crash() && run.code == Some(0) && run.stdout == "100000 0 99999 4999950000\n",
        "a 100,000-element list literal\n{}",
        run.describe()
    );
    eprintln!("100,000-element list literal ({} KB of source): works, {}", src.len() / 1000, run.figures());
}

#[test]
fn string_of_50_mb() {
    let src = b"let s = \"x\".repeat(50000000)\nprint(len(s))\nlet t = s + \"y\"\nprint(len(t))\n\
                print(t.ends_with(\"xy\"), s == t)\nlet b = Bytes::from(s)\nprint(len(b))\n";
    let run = run_source("string50mb.spl", src, LIMIT);
    assert!(
        run.no_crash() && run.code == Some(0) && run.stdout == "50000000\n50000001\ntrue false\n50000000\n",
        "a 50 MB string\n{}",
        run.describe()
    );
    eprintln!("50 MB string (repeat, concatenation, compare, to Bytes): works, {}", run.figures());
}

// ----- integer literals -------------------------------------------------------------------

/// A literal that does not fit in i64: `syntax error`, exit 2, and the source line shown
/// with a marker under the literal.
#[test]
fn integer_literal_overflow_is_a_syntax_error() {
    let cases = [
        ("print(9223372036854775808)", "9223372036854775808"),
        ("let x = 99999999999999999999999999999999", "99999999999999999999999999999999"),
        ("print(0x1_0000_0000_0000_0000)", "0x1_0000_0000_0000_0000"),
        ("print(1 + 0b1_0000000000000000000000000000000000000000000000000000000000000000)", "0b1_"),
    ];
    for (i, (line, literal)) in cases.iter().enumerate() {
        let run = run_source(&format!("overflow{i}.spl"), format!("print(\"before\")\n{line}\n").as_bytes(), LIMIT);
        let lines: Vec<&str> = run.stderr.lines().collect();
        let col = line.find(literal).unwrap();
        // the source line as rendered (`2 │ <line>`) and the marker line below it
        let shown = lines.iter().position(|l| l.ends_with(line) && l.contains('│'));
        let marked = shown.and_then(|k| {
            let prefix = lines[k].find('│')?;
            let start = lines[k][..prefix].chars().count() + lines[k][prefix..].chars().count() - line.chars().count();
            let marker: Vec<char> = lines.get(k + 1)?.chars().collect();
            let under = marker.get(start + col..start + col + 1)?;
            Some(under.iter().all(|c| !c.is_whitespace()))
        });
        assert!(
            run.no_crash()
                && run.code == Some(2)
                && run.stdout.is_empty()
                && lines.first().is_some_and(|l| l.starts_with("syntax error") && l.contains("does not fit in i64"))
                && run.stderr.contains(&format!(":2:{}", col + 1))
                && marked == Some(true),
            "`{line}`: expected a syntax error at 2:{} (nothing run, exit 2) with a marker under the literal\n{}",
            col + 1,
            run.describe()
        );
    }
    eprintln!("integer literals overflowing i64: syntax errors with a marker, exit 2");
}

// ----- hash flooding ---------------------------------------------------------------------

/// The Dict index's hash before it was seeded (an Fx-style multiply with a splitmix64
/// finaliser, fixed for every process), as it hashed an int key.
fn old_int_hash(i: i64) -> u64 {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut z = (i as u64).wrapping_mul(SEED);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration).
fn inverse(a: u64) -> u64 {
    let mut x = a;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
    }
    x
}

/// Undoes `y = x ^ (x >> s)`.
fn unshift(y: u64, s: u32) -> u64 {
    let mut x = y;
    for _ in 0..64 / s {
        x = y ^ (x >> s);
    }
    x
}

/// The int key whose old hash is `h`.
fn old_int_preimage(h: u64) -> i64 {
    let z = unshift(h, 31);
    let z = unshift(z.wrapping_mul(inverse(0x94d0_49bb_1331_11eb)), 27);
    let z = unshift(z.wrapping_mul(inverse(0xbf58_476d_1ce4_e5b9)), 30);
    z.wrapping_mul(inverse(0x51_7c_c1_b7_27_22_0a_95)) as i64
}

/// 100,000 int keys chosen so that, under the old fixed hash, they all share the top 7
/// bits and the low 24 bits of their hash: one probe sequence, every control byte a
/// match, so each insertion compares against every key before it (about 5·10⁹
/// comparisons, many minutes). With the per-process random seed they spread out and the
/// program takes well under a second.
#[test]
fn dict_with_100000_keys_chosen_against_the_old_hash() {
    let keys: Vec<i64> = (0..100_000u64)
        .map(|k| old_int_preimage((0x5a << 57) | (k << 24) | 0x00ab_cdef))
        .filter(|&i| i != i64::MIN)
        .collect();
    for &i in keys.iter().take(100) {
        let h = old_int_hash(i);
        assert_eq!((h >> 57, h & 0xff_ffff), (0x5a, 0xab_cdef), "key {i} is not adversarial for the old hash");
    }
    let list: Vec<String> = keys.iter().map(|i| i.to_string()).collect();
    let src = format!(
        "let keys = [{}]\nvar d = {{}}\nfor k in keys:\n    d[k] = 1\nvar found = 0\nfor k in keys:\n    if k in d: found += 1\nprint(len(d), found)\n",
        list.join(", ")
    );
    let run = run_source("hash_flood.spl", src.as_bytes(), LIMIT);
    assert!(run.no_crash() && run.code == Some(0) && !run.timed_out, "{}", run.describe());
    assert_eq!(run.stdout.trim(), format!("{} {}", keys.len(), keys.len()), "{}", run.describe());
    eprintln!("hash flood: {} keys, {}", keys.len(), run.figures());
}
