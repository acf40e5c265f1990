//! The REPL (`simple` with no arguments, or `simple repl`).
//!
//! Interactive (stdin is a terminal): rustyline on its own thread (`editor`), the
//! interpreter and its runtime on this one, which waits for each entry *inside* the
//! runtime so background tasks keep running at the prompt (`bridge`). An entry is
//! edited as one buffer, however many lines it has, until `input` finds it complete; it
//! runs in one persistent session (`session`), and its trailing expression's value is
//! echoed. `complete` and `highlight` serve the
//! editor. Commands: `:help`, `:quit`, `:load FILE`, `:tasks`, `:reset`.
//!
//! Piped (stdin is not a terminal): the same session reads entries from stdin with no
//! prompt and no colour, then waits for the remaining tasks like a program does.
//! Exit code: 0 if every entry succeeded; otherwise that of the last failing entry
//! (1 runtime error, 2 syntax or resolve error) — unlike `python3 < file`, later entries
//! still run, as they would when typed. A task that failed unobserved also gives 1, and
//! `exit(n)` exits with n at once.

pub mod bridge;
pub mod complete;
pub mod editor;
pub mod highlight;
pub mod input;
pub mod session;

use crate::interp::Output;
use crate::program::RunOptions;
use bridge::{Event, Events, Interrupts, ReplSink};
use session::Session;
use std::cell::Cell;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, mpsc};

const HELP: &str = "\
Type an expression to see its value, or any statement, definition or import: names
stay defined for the rest of the session. After a line ending in `:`, or with a bracket
left open, Enter starts another line of the same entry (its `... ` prompt is drawn when
the entry is accepted); an empty line ends a block. `await` works at the top level, and tasks keep running while
the prompt waits.

commands:
  :help           this text
  :quit           leave (also Ctrl-D on an empty line)
  :load FILE      run FILE in this session (its definitions stay; `main` is not called)
  :tasks          list the live tasks
  :reset          cancel every task, close every socket, forget every name

keys:
  Tab             complete keywords, names, `value.` fields and methods, `module::` items,
                  `:commands`, and file names after `:load `
  Up, Down        move between the lines of an entry; from its first (last) line: history
                  (kept in $SIMPLE_HISTORY, default ~/.simple_history)
  Enter           at the end of an entry: run it if complete, else start a new line;
                  elsewhere in a multi-line entry (one recalled from history): new line
  Ctrl-R          search the history
  Ctrl-C          clear the entry; while an entry runs, interrupt it (tasks keep running)
  Ctrl-D          on an empty line: leave; on the empty last line of an entry: cancel it
";

/// Runs the REPL; returns the exit code. `color`: the `--color` option (None = auto),
/// which also decides syntax highlighting (auto: stdout is a terminal, `NO_COLOR` unset,
/// `TERM` not `dumb`).
pub fn run(opts: &RunOptions, color: Option<bool>) -> i32 {
    if std::io::stdin().is_terminal() {
        let auto = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        interactive(opts, color.unwrap_or(auto))
    } else {
        piped(&RunOptions { color: color.unwrap_or(false), ..opts.clone() })
    }
}

/// `$SIMPLE_HISTORY` (empty: no history file), else `~/.simple_history`.
fn history_path() -> Option<PathBuf> {
    match std::env::var_os("SIMPLE_HISTORY") {
        Some(p) if p.is_empty() => None,
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::var_os("HOME").map(|h| Path::new(&h).join(".simple_history")),
    }
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_default()
}

fn interactive(opts: &RunOptions, highlight: bool) -> i32 {
    let interrupts = Interrupts::install();
    let mut session = Session::new(opts, interrupts);
    let events = Events::default();
    let (printer_tx, printer_rx) = mpsc::channel();
    let at_prompt = Rc::new(Cell::new(false));
    *session.interp.out.borrow_mut() = Output::Sink(Box::new(ReplSink::new(at_prompt.clone(), printer_tx)));
    let editor = editor::spawn(events.clone(), printer_rx, editor::EditorConfig { highlight, history: history_path() });
    println!("simple {} — type :help for help, Ctrl-D to leave", env!("CARGO_PKG_VERSION"));
    let mut entry_number = 0u32;
    loop {
        at_prompt.set(true);
        editor.read();
        let event = wait(&session, &events);
        at_prompt.set(false);
        // the editor returns whole entries, complete (Ctrl-C or Ctrl-D cancel the others)
        let text = match event {
            Event::Line(text) => text,
            Event::Interrupted | Event::Complete { .. } => continue,
            Event::Eof => break,
        };
        if text.trim().is_empty() {
            continue;
        }
        if text.trim_start().starts_with(':') && !text.trim().contains('\n') {
            editor.add_history(text.trim());
            if command(&mut session, text.trim()) == Flow::Quit {
                break;
            }
            continue;
        }
        let entry = text.trim_end();
        editor.add_history(entry);
        // each entry is its own source, named like Python's `<python-input-3>`
        entry_number += 1;
        let _ = session.run_entry(&format!("<repl-{entry_number}>"), entry, cwd(), true);
        session.settle();
    }
    session.interp.flush();
    0
}

fn piped(opts: &RunOptions) -> i32 {
    let _ = ctrlc::set_handler(|| {
        let _ = crate::interp::flush_stdout();
        std::process::exit(130)
    });
    let mut session = Session::new(opts, Arc::new(Interrupts::default()));
    let events = Events::default();
    let reader = events.clone();
    let _ = std::thread::Builder::new().name("repl-stdin".into()).spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(line) => reader.send(Event::Line(line)),
                Err(e) => {
                    eprintln!("simple: cannot read stdin: {e}");
                    break;
                }
            }
        }
        reader.send(Event::Eof);
    });
    let mut splitter = input::Splitter::default();
    let mut code = 0;
    loop {
        let (entries, eof) = match wait(&session, &events) {
            Event::Line(line) => (splitter.push(&line), false),
            Event::Eof => (splitter.finish().into_iter().collect(), true),
            _ => continue,
        };
        for entry in entries {
            if entry.trim_start().starts_with(':') && !entry.contains('\n') {
                if command(&mut session, entry.trim()) == Flow::Quit {
                    session.interp.flush();
                    return code;
                }
                continue;
            }
            if let Err(c) = session.run_entry("<stdin>", &entry, cwd(), true) {
                code = c;
            }
            session.settle();
        }
        if eof {
            break;
        }
    }
    // like a program: `main` runs if the input declared one, then the remaining tasks
    // run to completion
    match crate::program::run_main(&session.interp, &session.scope) {
        Ok(Some(c)) => {
            session.interp.flush();
            return c;
        }
        Ok(None) => {}
        Err(crate::interp::Ctrl::Error(e)) => {
            session.interp.eprint(&session.interp.render(&e.diag));
            code = 1;
        }
        Err(_) => {}
    }
    if let Err(crate::interp::Ctrl::Error(e)) = session.interp.run_until_idle() {
        session.interp.eprint(&session.interp.render(&e.diag));
        code = 1;
    }
    session.interp.flush();
    if code == 0 && session.interp.task_failed.get() { 1 } else { code }
}

/// Waits for the next line (or Ctrl-C, or end of input). While waiting, the runtime runs
/// the background tasks, if there are any; completion requests are answered meanwhile.
fn wait(session: &Session, events: &Events) -> Event {
    loop {
        let event = if session.runtime_active() {
            session.interp.block_on(async { Ok(events.recv().await) }).unwrap_or_else(|_| events.recv_blocking())
        } else {
            events.recv_blocking()
        };
        match event {
            Event::Complete { line, pos, reply } => {
                let _ = reply.send(complete::complete(session, &line, pos));
            }
            other => return other,
        }
    }
}

#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

/// Runs a `:command`.
fn command(session: &mut Session, cmd: &str) -> Flow {
    let (name, arg) = match cmd.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (cmd, ""),
    };
    let say = |session: &Session, s: &str| {
        session.interp.print(s);
        session.interp.flush();
    };
    match name {
        ":help" | ":h" | ":?" => say(session, HELP),
        ":quit" | ":q" | ":exit" => return Flow::Quit,
        ":tasks" => say(session, &session.describe_tasks()),
        ":reset" => {
            session.reset();
            say(session, "session reset: tasks cancelled, sockets closed, names forgotten\n");
        }
        ":load" if arg.is_empty() => say(session, "usage: :load FILE\n"),
        ":load" => match std::fs::read_to_string(arg) {
            Ok(src) => {
                let dir = Path::new(arg).parent().map(Path::to_path_buf).unwrap_or_default();
                let dir = if dir.as_os_str().is_empty() { cwd() } else { dir };
                let _ = session.run_entry(arg, &src, dir, false);
                session.settle();
            }
            Err(e) => session.interp.eprint(&format!("error: cannot read `{arg}`: {e}\n")),
        },
        _ => session.interp.eprint(&format!("unknown command `{name}` (:help lists the commands)\n")),
    }
    Flow::Continue
}
