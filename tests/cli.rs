//! The command line's rough edges (issue: hardening): `simple -` reads the program from
//! stdin, `--opt=value` spellings, the colour rules (`NO_COLOR` empty, `TERM=dumb`),
//! piped REPL input runs `main` as `simple run` does, and `--threads N` reports a broken
//! file once. Every run has a hard time limit (the child is killed).

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_simple");
const LIMIT: Duration = Duration::from_secs(20);

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `simple ARGS` with `input` on stdin and `env` set.
fn simple(args: &[&str], input: &str, env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn simple");
    let pid = child.id() as i32;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_string();
    std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(LIMIT) {
        Ok(out) => out.expect("wait for simple"),
        Err(_) => {
            // SAFETY: plain kill(2) of our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("`simple {}` did not finish within {LIMIT:?}", args.join(" "));
        }
    };
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn dash_reads_the_program_from_stdin() {
    let out = simple(&["-", "a", "b"], "print(\"from stdin\", args())\n", &[]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "from stdin [\"a\", \"b\"]\n"), "{}", out.stderr);
    let out = simple(&["-"], "let x = (\n", &[]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("<stdin>:"), "errors name <stdin>: {}", out.stderr);
}

#[test]
fn options_with_equals() {
    let out = simple(&["--color=never", "-e", "print(1)"], "", &[]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "1\n"), "{}", out.stderr);
    let out = simple(&["run", "--driver=epoll", "--threads=1", "-"], "print(\"ok\")", &[]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "ok\n"), "{}", out.stderr);
    let out = simple(&["--color=sometimes", "-e", "1"], "", &[]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("invalid value `sometimes` for --color"), "{}", out.stderr);
}

#[test]
fn forced_colour_and_plain_output() {
    let bad = "print(undefined_name)";
    let coloured = simple(&["--color=always", "-e", bad], "", &[]);
    assert!(coloured.stderr.contains('\x1b'), "--color=always colours: {:?}", coloured.stderr);
    // not a terminal: plain, whatever NO_COLOR and TERM say
    for env in [&[("NO_COLOR", "")][..], &[("TERM", "dumb")][..]] {
        let plain = simple(&["-e", bad], "", env);
        assert!(!plain.stderr.contains('\x1b'), "{env:?}: {:?}", plain.stderr);
    }
}

#[test]
fn piped_input_runs_main() {
    let out = simple(&[], "fn helper():\n    return 41\n\nfn main():\n    print(\"main ran\", helper() + 1)\n", &[]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "main ran 42\n"), "{}", out.stderr);
    let out = simple(&[], "async fn main():\n    await sleep(0.01)\n    return Err(\"bad\")\n", &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("error: bad"), "{}", out.stderr);
}

#[test]
fn threads_report_a_broken_file_once() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.spl");
    std::fs::write(&file, "let x = (\n").unwrap();
    let out = simple(&["run", "--threads", "3", file.to_str().unwrap()], "", &[]);
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.matches("syntax error").count(), 1, "{}", out.stderr);
    let out = simple(&["run", "--threads", "3", "no_such_file.spl"], "", &[]);
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.lines().filter(|l| l.contains("no_such_file.spl")).count(), 1, "{}", out.stderr);
}

/// Runs `simple -e CODE` until it writes `ready` to stderr, then sends SIGINT: the exit
/// code (130 expected) and what reached stdout.
fn interrupted(code: &str) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = Command::new(BIN)
        .args(["-e", code])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn simple");
    let pid = child.id() as i32;
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line == "ready" {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(LIMIT).is_err() {
        // SAFETY: plain kill(2) of our own child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        panic!("the program never said ready");
    }
    // SAFETY: plain kill(2) of our own child.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let mut stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        let _ = tx.send((child.wait().map(|s| s.code()), text));
    });
    match rx.recv_timeout(LIMIT) {
        Ok((status, text)) => (status.expect("wait for simple"), text),
        Err(_) => {
            // SAFETY: plain kill(2) of our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("SIGINT did not end the program within {LIMIT:?}");
        }
    }
}

/// Ctrl-C ends a program with exit code 130 and keeps what it printed: the line still in
/// the stdout buffer (stdout is a pipe here, so `print` buffers) reaches stdout, whether
/// the program computes or waits on the runtime.
#[test]
fn interrupt_exits_130_and_writes_out_the_stdout_buffer() {
    // eprint writes stdout's buffer out first, so "kept" is the only line left in it
    let busy = "print(\"before\")\neprint(\"ready\")\nprint(\"kept\")\nvar n = 0\nwhile true:\n    n = n + 1\n";
    assert_eq!(interrupted(busy), (Some(130), "before\nkept\n".to_string()));
    let waiting = "print(\"before\")\neprint(\"ready\")\nprint(\"kept\")\nblock_on(async {\n    await sleep(60)\n})\n";
    assert_eq!(interrupted(waiting), (Some(130), "before\nkept\n".to_string()));
}
