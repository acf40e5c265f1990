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

/// What shows that a program has reached the point where the test interrupts it.
enum Reached {
    /// `ready` on stderr and then a second of CPU time: a busy loop after the line is
    /// running (what came between has long run), and stdout still holds what it printed
    /// since (`eprint` wrote out what came before)
    BusyAfterReady,
    /// a line on stdout: the program waits (waiting writes out stdout)
    Printed(&'static str),
}

/// CPU time (user + system) the process has used, in clock ticks.
fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // the fields after the command name (which is in parentheses and may hold spaces)
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |k: usize| fields.get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12) // utime, stime (fields 14 and 15 of stat)
}

/// Runs `simple -e CODE` until it has `reached` its point, then sends SIGINT: the exit
/// code (130 expected) and everything that reached stdout.
fn interrupted(code: &str, reached: Reached) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(BIN)
        .args(["-e", code])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn simple");
    let pid = child.id() as i32;
    let kill = |why: &str| -> ! {
        // SAFETY: plain kill(2) of our own child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        panic!("{why}");
    };
    let (stderr, stdout) = (child.stderr.take().expect("piped stderr"), child.stdout.take().expect("piped stdout"));
    let (tx, rx) = mpsc::channel();
    let ready_tx = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = ready_tx.send(format!("stderr:{line}"));
        }
    });
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(format!("stdout:{line}"));
        }
        let _ = tx.send("eof".to_string());
    });
    let mut printed = String::new();
    let deadline = std::time::Instant::now() + LIMIT;
    let wanted = match &reached {
        Reached::BusyAfterReady => "stderr:ready".to_string(),
        Reached::Printed(line) => format!("stdout:{line}"),
    };
    loop {
        let Ok(event) = rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) else {
            kill("the program never reached the point to interrupt")
        };
        if let Some(line) = event.strip_prefix("stdout:") {
            printed.push_str(line);
            printed.push('\n');
        }
        if event == wanted {
            break;
        }
    }
    if let Reached::BusyAfterReady = reached {
        let start = cpu_ticks(pid);
        // SAFETY: sysconf has no preconditions
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        while cpu_ticks(pid) < start + per_second {
            if std::time::Instant::now() > deadline {
                kill("the busy loop never ran");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    // SAFETY: plain kill(2) of our own child.
    unsafe { libc::kill(pid, libc::SIGINT) };
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
            Ok(event) if event == "eof" => break,
            Ok(event) => {
                if let Some(line) = event.strip_prefix("stdout:") {
                    printed.push_str(line);
                    printed.push('\n');
                }
            }
            Err(_) => kill("SIGINT did not end the program"),
        }
    }
    (child.wait().expect("wait for simple").code(), printed)
}

/// Ctrl-C ends a program with exit code 130 and keeps what it printed: the line still in
/// the stdout buffer (stdout is a pipe here, so `print` buffers) reaches stdout when the
/// program computes, and what it printed before waiting has reached it when it waits.
#[test]
fn interrupt_exits_130_and_writes_out_the_stdout_buffer() {
    // eprint writes stdout's buffer out first, so "kept" is the only line left in it
    let busy = "print(\"before\")\neprint(\"ready\")\nprint(\"kept\")\nvar n = 0\nwhile true:\n    n = n + 1\n";
    assert_eq!(interrupted(busy, Reached::BusyAfterReady), (Some(130), "before\nkept\n".to_string()));
    let waiting = "print(\"before\")\nprint(\"kept\")\nblock_on(async {\n    await sleep(60)\n})\n";
    assert_eq!(interrupted(waiting, Reached::Printed("kept")), (Some(130), "before\nkept\n".to_string()));
}
