//! The line editor: rustyline on its own thread, so the interpreter thread can keep the
//! runtime (and every background task) running while the prompt waits.
//!
//! The interpreter asks for a line with [`EditorHandle::read`]; the answer comes back
//! through the [`Events`] queue. The rustyline helper highlights with the real lexer,
//! asks the interpreter thread for completions, and lets Enter run a multi-line buffer
//! (a recalled history entry, a paste) only when it is complete. Interpreter output
//! produced while the prompt is shown arrives on a channel and is printed by a printer
//! thread through rustyline's external printer, above the line being edited.

use super::bridge::{Event, Events};
use super::highlight::{self, CONTINUATION_PROMPT, PRIMARY_PROMPT};
use super::input::buffer_complete;
use rustyline::completion::Completer;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Editor, ExternalPrinter, Helper};
use std::borrow::Cow;
use std::cell::Cell;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// How long Tab waits for the interpreter thread (busy with a long computation) before
/// falling back to keywords.
const COMPLETION_WAIT: Duration = Duration::from_millis(400);

enum Request {
    Read { continuation: bool },
    History(String),
}

/// The interpreter thread's side of the editor thread.
pub struct EditorHandle {
    requests: mpsc::Sender<Request>,
}

impl EditorHandle {
    /// Shows the prompt (`... ` when `continuation`); the line arrives as an [`Event`].
    pub fn read(&self, continuation: bool) {
        let _ = self.requests.send(Request::Read { continuation });
    }

    /// Adds a whole entry (possibly several lines) to the history and its file.
    pub fn add_history(&self, entry: &str) {
        let _ = self.requests.send(Request::History(entry.to_string()));
    }
}

pub struct EditorConfig {
    pub highlight: bool,
    pub history: Option<PathBuf>,
}

/// Starts the editor thread (and the printer thread fed by `printed`).
pub fn spawn(events: Events, printed: mpsc::Receiver<String>, config: EditorConfig) -> EditorHandle {
    let (tx, rx) = mpsc::channel();
    let ev = events.clone();
    let spawned = std::thread::Builder::new().name("repl-editor".into()).spawn(move || run(ev, rx, printed, config));
    if let Err(e) = spawned {
        eprintln!("simple: cannot start the line editor: {e}");
        events.send(Event::Eof);
    }
    EditorHandle { requests: tx }
}

fn run(events: Events, requests: mpsc::Receiver<Request>, printed: mpsc::Receiver<String>, config: EditorConfig) {
    let rl_config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .color_mode(if config.highlight { ColorMode::Enabled } else { ColorMode::Disabled })
        .bracketed_paste(true);
    let rl_config = rl_config.max_history_size(10_000).and_then(|c| c.history_ignore_dups(true));
    let editor = rl_config.and_then(|c| Editor::<ReplHelper, DefaultHistory>::with_config(c.build()));
    let mut rl = match editor {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("simple: cannot start the line editor: {e}");
            events.send(Event::Eof);
            return;
        }
    };
    rl.set_helper(Some(ReplHelper { events: events.clone(), bracket: Cell::new(None) }));
    if let Some(path) = config.history.as_ref().filter(|p| p.exists()) {
        let _ = rl.load_history(path);
    }
    start_printer(rl.create_external_printer().ok(), printed);
    let mut history_warned = false;
    for req in requests {
        match req {
            Request::Read { continuation } => {
                let raw = if continuation { "... " } else { ">>> " };
                let styled = if continuation { CONTINUATION_PROMPT } else { PRIMARY_PROMPT };
                let line = if config.highlight { rl.readline(&(raw, styled)) } else { rl.readline(raw) };
                events.send(match line {
                    Ok(line) => Event::Line(line),
                    Err(ReadlineError::Interrupted) => Event::Interrupted,
                    Err(ReadlineError::Eof) => Event::Eof,
                    Err(e) => {
                        eprintln!("simple: cannot read input: {e}");
                        Event::Eof
                    }
                });
            }
            Request::History(entry) => {
                let added = rl.add_history_entry(entry.as_str()).unwrap_or(false);
                if let Some(path) = config.history.as_ref().filter(|_| added)
                    && let Err(e) = rl.append_history(path)
                    && !history_warned
                {
                    // once per session: the same failure would repeat after every entry
                    history_warned = true;
                    eprintln!("simple: cannot write history to {}: {e} (history is not saved)", path.display());
                }
            }
        }
    }
}

/// Prints interpreter output sent while the prompt is shown: through rustyline's external
/// printer (which redraws the prompt and the line being edited), or plainly without one.
fn start_printer(printer: Option<impl ExternalPrinter + Send + 'static>, printed: mpsc::Receiver<String>) {
    let _ = std::thread::Builder::new().name("repl-printer".into()).spawn(move || {
        let mut printer = printer;
        for text in printed {
            let done = printer.as_mut().is_some_and(|p| p.print(text.clone()).is_ok());
            if !done {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
        }
    });
}

/// The rustyline helper: validation, highlighting, completion.
struct ReplHelper {
    events: Events,
    /// the bracket to show as matching the one at the cursor
    bracket: Cell<Option<usize>>,
}

impl Helper for ReplHelper {}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Validator for ReplHelper {
    /// One line is always accepted (the interpreter thread asks for `... ` lines); a
    /// multi-line buffer runs only when complete (otherwise Enter adds a line to it).
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if !input.contains('\n') || buffer_complete(input) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        Cow::Owned(highlight::highlight(line, self.bracket.get()))
    }

    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        if kind == CmdKind::ForcedRefresh {
            // the line is accepted: draw it without the bracket mark
            self.bracket.set(None);
            return false;
        }
        self.bracket.set(highlight::matching_bracket(line, pos).map(|(_, partner)| partner));
        true
    }
}

impl Completer for ReplHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let (reply, answer) = mpsc::channel();
        self.events.send(Event::Complete { line: line.to_string(), pos, reply });
        Ok(answer.recv_timeout(COMPLETION_WAIT).unwrap_or_else(|_| keywords_only(line, pos)))
    }
}

/// The fallback when the interpreter thread does not answer in time.
fn keywords_only(line: &str, pos: usize) -> (usize, Vec<String>) {
    let before = &line[..pos.min(line.len())];
    let word = before.chars().rev().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').count();
    let start = before.len() - word;
    let prefix = &before[start..];
    let found =
        crate::syntax::token::KEYWORDS.iter().filter(|k| k.starts_with(prefix)).map(|k| k.to_string()).collect();
    (start, found)
}
