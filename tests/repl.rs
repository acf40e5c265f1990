//! The REPL, end to end: the real `simple` binary in a pseudo-terminal (multi-line
//! definitions, errors and recovery, history across sessions, completion, highlighting,
//! top-level await, Ctrl-C, background tasks and a TCP server answering while the prompt
//! waits), and piped stdin against golden files in tests/repl_golden/:
//! `NAME.in` is fed to `simple` on stdin, `NAME.out` is the expected stdout, `NAME.err`
//! (optional) holds fragments that must appear in stderr in order, and a line
//! `# expect-exit: N` in the input gives the exit code (default 0).
//! Every session has a hard time limit and its child is killed on failure.

mod repl_support;

use repl_support::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[test]
fn multi_line_definition_then_call() {
    let mut r = Repl::start(None, false, &[]);
    r.prompt();
    // Enter adds a line to the entry (no `... ` prompt: rustyline draws the later lines
    // of a buffer from column 0) until the empty line ends the block
    r.line("fn double(x):");
    r.line("    let y = x * 2");
    r.line("    return y");
    r.expect("    return y");
    r.line("");
    r.prompt();
    r.line("double(21)");
    r.expect("42");
    r.prompt();
    r.line("[double(1), \"two\"]");
    r.expect("[2, \"two\"]");
    r.prompt();
    r.line("let nothing = print(\"printed\")");
    r.expect("printed");
    r.prompt();
    r.line("nothing"); // nil echoes nothing
    r.prompt();
    r.line("if true:");
    r.line("    print(\"in block\")");
    r.line("");
    r.expect("in block");
    r.prompt();
    r.line("[1,"); // an open bracket goes on across empty lines
    r.line("");
    r.line("2]");
    r.expect("[1, 2]");
    r.prompt();
    r.send(CTRL_D);
    assert_eq!(r.exit_code(), Some(0));
}

#[test]
fn error_then_recovery() {
    let mut r = Repl::start(None, false, &[]);
    r.prompt();
    r.line("let a = 10");
    r.prompt();
    r.line("a / 0");
    r.expect("division by zero");
    r.expect("<repl-2>:1:1");
    r.prompt();
    r.line("let b = undefined_name + 1");
    r.expect("undefined name `undefined_name`");
    r.prompt();
    r.line("b");
    r.expect("undefined name `b`"); // the failed entry defined nothing
    r.prompt();
    r.line("print(a + 1)");
    r.expect("11");
    r.prompt();
    r.line("let = 5");
    r.expect("syntax error");
    r.prompt();
    r.line(":nonsense");
    r.expect("unknown command");
    r.prompt();
    r.line(":quit");
    assert_eq!(r.exit_code(), Some(0));
}

#[test]
fn history_across_sessions() {
    let dir = TempDir::new("history");
    let hist = dir.path("history");
    let mut r = Repl::start(Some(&hist), false, &[]);
    r.prompt();
    r.line("let hist_value = 7");
    r.prompt();
    r.line("fn tripled(x):");
    r.line("    return x * 3");
    r.line("");
    r.prompt();
    r.send(CTRL_D);
    assert_eq!(r.exit_code(), Some(0));
    let saved = std::fs::read_to_string(&hist).expect("history file");
    let entries: Vec<&str> = saved.lines().filter(|l| !l.starts_with("#V")).collect();
    assert_eq!(entries.len(), 2, "one history entry per REPL entry: {saved:?}");

    let mut r = Repl::start(Some(&hist), false, &[]);
    r.prompt();
    r.send(UP); // the multi-line definition, as one entry
    r.expect("return x * 3");
    r.send("\r");
    r.prompt();
    r.send(CTRL_R);
    r.send("hist_v");
    r.expect("let hist_value = 7");
    r.send("\r");
    r.prompt();
    r.line("tripled(hist_value)");
    r.expect("21");
    r.prompt();
    r.send(CTRL_D);
    assert_eq!(r.exit_code(), Some(0));
}

#[test]
fn tab_completion() {
    let mut r = Repl::start(None, false, &[]);
    r.prompt();
    r.line("let my_unique_name = 5");
    r.prompt();
    r.send("my_uniq\t");
    r.expect("my_unique_name");
    r.send(" + 1\r");
    r.expect("6");
    r.prompt();
    r.line("struct Point:");
    r.line("    x: i64");
    r.line("    fn norm(self): return self.x");
    r.line("");
    r.prompt();
    r.line("let pt = Point { x: 3 }");
    r.prompt();
    r.send("pt.no\t");
    r.expect("pt.norm");
    r.send("()\r");
    r.expect("3");
    r.prompt();
    r.line("let xs = [1]");
    r.prompt();
    r.send("xs.pu\t");
    r.expect("xs.push");
    r.send("(2)\r");
    r.prompt();
    r.line("xs");
    r.expect("[1, 2]");
    r.prompt();
    r.send("import net::{TcpLi\t");
    r.expect("TcpListener");
    r.send("}\r");
    r.prompt();
    r.line("type_of(TcpListener)");
    r.expect("TcpListener");
    r.prompt();
}

#[test]
fn highlighting_uses_the_lexer() {
    let mut r = Repl::start(None, true, &[]);
    r.prompt();
    r.send("let s = \"str\" # note");
    r.expect("# note");
    let raw = r.raw_output();
    assert!(raw.contains("\x1b[35mlet\x1b[0m"), "keyword not highlighted: {raw:?}");
    assert!(raw.contains("\x1b[32m\"str\"\x1b[0m"), "string not highlighted: {raw:?}");
    r.send("\r");
    r.prompt();
}

#[test]
fn top_level_await() {
    let mut r = Repl::start(None, false, &[]);
    r.prompt();
    r.line("async fn slow_add(a, b):");
    r.line("    await sleep(0.05)");
    r.line("    return a + b");
    r.line("");
    r.prompt();
    r.line("await slow_add(40, 2)");
    r.expect("42");
    r.prompt();
    r.line("let t = slow_add(1, 2)");
    r.prompt();
    r.line("await t");
    r.expect("3");
    r.prompt();
    r.line("await sleep(0.1)");
    r.prompt();
}

#[test]
fn ctrl_c_interrupts_the_running_entry() {
    let mut r = Repl::start(None, false, &[]);
    r.prompt();
    r.send("abc");
    r.send(CTRL_C); // at the prompt: clears the line
    r.prompt();
    let start = Instant::now();
    r.interrupt_line("await sleep(10)", Duration::from_millis(500));
    assert!(start.elapsed() < Duration::from_millis(3500));
    r.line("let mut n = 0");
    r.prompt();
    r.interrupt_line("while true: n += 1", Duration::from_millis(300));
    r.line("n > 0");
    r.expect("true");
    r.prompt();
    r.line(":tasks");
    r.expect("no live tasks");
    r.prompt();
}

/// Ctrl-C during an inline `await s.read(...)` gives the read half back: the next read
/// on the same stream works (regression: "another task is already reading").
#[test]
fn ctrl_c_during_a_read_keeps_the_stream_usable() {
    for env in [&[][..], &[("MONOIO_FORCE_LEGACY_DRIVER", "1")][..]] {
        let mut r = Repl::start(None, false, env);
        r.prompt();
        r.line("import net::{TcpListener, TcpStream}");
        r.prompt();
        r.line("let l = await TcpListener::bind(\"127.0.0.1:0\")?");
        r.prompt();
        r.line("let c = await TcpStream::connect(l.local_addr())?");
        r.prompt();
        r.line("let s = await l.accept()?");
        r.prompt();
        r.line("let buf = Bytes::new()");
        r.prompt();
        r.interrupt_line("await s.read(&mut buf, 10)", Duration::from_millis(300));
        r.line("await c.write_all(\"ping\")?");
        r.prompt();
        r.line("print(\"<<\" + str(await s.read(&mut buf, 10)) + \">>\")");
        r.expect("<<Ok(4)>>");
        r.prompt();
    }
}

/// On a terminal, stdout is line-buffered: a line printed before a long computation
/// shows at once (regression: nothing appeared until the program ended).
#[test]
fn print_on_a_terminal_shows_before_a_long_loop() {
    let dir = TempDir::new("linebuf");
    let file = dir.path("busy.spl");
    std::fs::write(&file, "print(\"computing...\")\nvar n = 0\nwhile true:\n    n += 1\n").unwrap();
    let mut r = Repl::start_args(&["run", file.to_str().unwrap()], None, false, &[]);
    r.expect_within("computing...", Duration::from_secs(5));
}

#[test]
fn task_output_while_the_prompt_waits() {
    let mut r = Repl::start(None, false, &[]);
    r.prompt();
    r.line("async fn later():");
    r.line("    await sleep(0.3)");
    r.line("    print(\"from the task\")");
    r.line("");
    r.prompt();
    r.line("later()");
    r.expect("<task later>");
    r.prompt();
    r.send("1 + "); // half a line is being edited when the task prints
    r.expect("from the task");
    r.expect(">>> 1 + "); // ... and is drawn again below the output
    r.send("2\r");
    r.expect("3");
    r.prompt();
}

#[test]
fn background_echo_server_answers_while_idle() {
    echo_server_session(&[]);
}

#[test]
fn background_echo_server_answers_while_idle_epoll() {
    echo_server_session(&[("MONOIO_FORCE_LEGACY_DRIVER", "1")]);
}

/// A TCP echo server defined and started at the prompt answers a Rust client while the
/// REPL waits for input; `:reset` stops it.
fn echo_server_session(env: &[(&str, &str)]) {
    let mut r = Repl::start(None, false, env);
    r.prompt();
    r.line("import net::{TcpListener, TcpStream}");
    r.prompt();
    r.line("async fn handle(s):");
    r.line("    let mut buf = Bytes::with_capacity(1024)");
    r.line("    loop:");
    r.line("        let n = await s.read(&mut buf, 1024)?");
    r.line("        if n == 0: break");
    r.line("        await s.write_all(buf.slice(0, n))?");
    r.line("");
    r.prompt();
    r.line("let listener = await TcpListener::bind(\"127.0.0.1:0\")?");
    r.prompt();
    r.line("print(\"<<\" + \"addr \" + listener.local_addr() + \">>\")");
    r.expect(">>\n");
    let text = r.text();
    let addr = text.rsplit("<<addr ").next().and_then(|t| t.split(">>").next()).unwrap_or("").to_string();
    r.prompt();
    r.line("async fn serve():");
    r.line("    loop:");
    r.line("        let s = await listener.accept()?");
    r.line("        handle(s)");
    r.line("");
    r.prompt();
    r.line("serve()");
    r.expect("<task serve>");
    r.prompt();
    // the prompt is idle now: the server must still answer
    for msg in ["hello\n", "second message\n"] {
        let mut c = std::net::TcpStream::connect(&addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        c.write_all(msg.as_bytes()).unwrap();
        let mut got = vec![0u8; msg.len()];
        c.read_exact(&mut got).expect("echo");
        assert_eq!(String::from_utf8_lossy(&got), msg);
    }
    r.line(":tasks");
    r.expect("serve");
    r.prompt();
    r.line(":reset");
    r.expect("session reset");
    r.prompt();
    assert!(std::net::TcpStream::connect(&addr).is_err(), "the listener is closed by :reset");
}

/// Up on a later line of the entry being typed moves to the line above (the entry is one
/// buffer); from its first line, Up recalls the history.
#[test]
fn up_moves_within_the_entry_being_typed() {
    let mut r = Repl::start(None, false, &[]);
    r.prompt();
    r.line("let from_history = 100");
    r.prompt();
    r.send("fn pick(x):\r");
    r.send("    return x + 1");
    r.expect("return x + 1");
    r.send(UP); // to the end of `fn pick(x):`, not the history
    r.send(&LEFT.repeat(4));
    r.send("ed"); // fn picked(x):
    r.send(DOWN);
    r.send(CTRL_E);
    r.send("\r"); // complete: runs
    r.prompt();
    r.line("picked(41)");
    r.expect("42");
    r.prompt();
    r.line("pick");
    r.expect("undefined name `pick`");
    r.prompt();
    r.send("[from_history,\r"); // an open bracket: Enter adds a line
    r.send("2");
    r.send(UP); // to the first line
    r.send(UP); // from the first line: the previous entry replaces the buffer
    r.expect(">>> pick");
    r.send("\r");
    r.expect("undefined name `pick`");
    r.prompt();
}

/// Enter in the middle of an entry recalled from the history inserts a line break; at
/// its end, it runs the entry.
#[test]
fn enter_inside_a_recalled_entry_inserts_a_line() {
    let mut r = Repl::start(None, false, &[]);
    r.prompt();
    r.line("fn two():");
    r.line("    let a = 1");
    r.line("    return a + 1");
    r.line("");
    r.prompt();
    r.send(UP);
    r.expect("return a + 1");
    r.send(UP); // the line `    let a = 1`
    r.send(CTRL_E);
    r.send("\r"); // not at the end: a new line, nothing runs
    r.send("    print(\"in\" + \"serted\")");
    r.send(DOWN);
    r.send(CTRL_E);
    r.send("\r"); // at the end, complete: runs (redefines two)
    r.prompt();
    r.line("two()");
    r.expect("inserted\n2");
    r.prompt();
}

/// An accepted multi-line entry, typed or recalled, is left on the screen with a `... `
/// prompt on each later line (while it is edited, rustyline draws those lines without
/// one).
#[test]
fn accepted_entries_show_continuation_prompts() {
    for color in [false, true] {
        let mut r = Repl::start(None, color, &[]);
        r.prompt();
        r.line("fn three():");
        r.line("    return 3");
        r.line("");
        r.expect(">>> fn three():\n...     return 3\n... \n");
        r.prompt();
        r.send(UP);
        r.expect("return 3");
        r.send("\r");
        r.expect(">>> fn three():\n...     return 3\n");
        r.prompt();
        r.line("[1,");
        r.line("2]");
        r.expect(">>> [1,\n... 2]\n[1, 2]");
        r.prompt();
    }
}

/// Ctrl-D on the empty last line of an unfinished entry cancels it: nothing runs, a
/// fresh prompt follows, and the REPL goes on.
#[test]
fn ctrl_d_cancels_an_unfinished_entry() {
    let mut r = Repl::start(None, false, &[]);
    r.prompt();
    r.line("fn never():");
    r.line("    print(\"ran\")");
    // the buffer is redrawn as it grows: wait for the drawing with the empty last line
    // (rustyline drops keys typed ahead of a cancelled entry)
    r.expect("print(\"ran\")\n");
    r.send(CTRL_D);
    r.prompt();
    r.line("never");
    r.expect("undefined name `never`");
    r.prompt();
    r.line("if true:"); // Ctrl-D on the empty second line, right after the opener
    r.expect("if true:\n");
    r.send(CTRL_D);
    r.prompt();
    r.line("1 + 1");
    r.expect("2");
    r.prompt();
    r.send(CTRL_D); // on an empty first line: leave
    assert_eq!(r.exit_code(), Some(0));
}

/// Tab completes `:commands`, and file names after `:load ` (in the current directory,
/// or in the directory typed).
#[test]
fn tab_completes_commands_and_files() {
    let dir = TempDir::new("loadtab");
    std::fs::create_dir_all(dir.path("sub_dir")).unwrap();
    std::fs::write(dir.path("uniq_script.spl"), "let top_value = 7\n").unwrap();
    std::fs::write(dir.path("sub_dir/partial_file.spl"), "let sub_value = 5\n").unwrap();
    let mut r = Repl::start_in(&dir.0, None, false, &[]);
    r.prompt();
    r.send(":he\t");
    r.expect(":help");
    r.send("\r");
    r.expect(":load FILE");
    r.prompt();
    r.send(":lo\t");
    r.expect(":load ");
    r.send("uniq\t");
    r.expect(":load uniq_script.spl");
    r.send("\r");
    r.prompt();
    r.line("top_value");
    r.expect("7");
    r.prompt();
    r.send(":load sub_\t");
    r.expect(":load sub_dir/");
    r.send("par\t");
    r.expect(":load sub_dir/partial_file.spl");
    r.send("\r");
    r.prompt();
    r.line("sub_value");
    r.expect("5");
    r.prompt();
    for cmd in [":tasks", ":reset"] {
        r.send(&format!("{}\t", &cmd[..3]));
        r.expect(cmd);
        r.send("\x15"); // Ctrl-U: clear the line
    }
    r.send(":q\t");
    r.expect(":quit");
    r.send("\r");
    assert_eq!(r.exit_code(), Some(0));
}

#[test]
fn piped_stdin_golden() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/repl_golden");
    let mut names: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/repl_golden")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "in"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let mut failures = Vec::new();
    for input in names {
        let src = std::fs::read_to_string(&input).unwrap();
        let expect_exit = src
            .lines()
            .find_map(|l| l.strip_prefix("# expect-exit: "))
            .map(|n| n.trim().parse::<i32>().expect("expect-exit"))
            .unwrap_or(0);
        let (out, err, code) = run_piped(&src, &root);
        let want_out = std::fs::read_to_string(input.with_extension("out")).unwrap_or_default();
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        if out != want_out {
            failures.push(format!("{name}: stdout differs\n--- want\n{want_out}--- got\n{out}--- stderr\n{err}"));
        }
        if code != Some(expect_exit) {
            failures.push(format!("{name}: exit code {code:?}, want {expect_exit}\n{err}"));
        }
        if let Ok(frags) = std::fs::read_to_string(input.with_extension("err")) {
            let mut rest = err.as_str();
            for frag in frags.lines().filter(|l| !l.trim().is_empty()) {
                match rest.find(frag) {
                    Some(i) => rest = &rest[i + frag.len()..],
                    None => failures.push(format!("{name}: stderr lacks {frag:?} (in order)\n{err}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn piped_one_liners() {
    let dir = TempDir::new("piped");
    assert_eq!(run_piped("print(1 + 2)\n", &dir.0), ("3\n".into(), String::new(), Some(0)));
    assert_eq!(run_piped("1 + 2\n", &dir.0), ("3\n".into(), String::new(), Some(0)));
    let (out, err, code) = run_piped("let x = 1\nx +\nx\n", &dir.0);
    assert_eq!((out.as_str(), code), ("1\n", Some(2)), "{err}");
}
