//! The line editor: rustyline on its own thread, so the interpreter thread can keep the
//! runtime (and every background task) running while the prompt waits.
//!
//! The interpreter asks for an entry with [`EditorHandle::read`]; the answer comes back
//! through the [`Events`] queue. An entry is edited as one buffer, however many lines it
//! has: the validator ([`input::entry_complete`]) makes Enter add a line while the entry
//! is incomplete, so Up and Down move between its lines (and reach the history from its
//! first and last line), typed entries and recalled ones alike. Enter in a multi-line
//! buffer with the cursor before its end inserts a line break; Ctrl-D on an empty last
//! line of a multi-line buffer cancels the entry.
//!
//! Rustyline has no continuation prompt: while an entry is edited, its lines after the
//! first are drawn from column 0 (a highlighter may not change the text's width, as the
//! cursor is placed by the plain text). When Enter accepts a multi-line entry, its last
//! drawing (after which the cursor no longer matters) shows a `... ` prompt on each
//! later line, so the transcript reads as Python's does, for typed and recalled entries
//! alike. For that the highlighter runs even without colour (`ColorMode::Forced`; it
//! then adds no colour).
//!
//! The rustyline helper highlights with the real lexer and asks the interpreter thread
//! for completions (`:commands` and file names after `:load` are completed here).
//! Interpreter output produced while the prompt is shown arrives on a channel and is
//! printed by a printer thread through rustyline's external printer, above the entry
//! being edited.

use super::bridge::{Event, Events};
use super::highlight::{self, CONTINUATION_PROMPT, PRIMARY_PROMPT};
use super::{complete, input};
use rustyline::completion::Completer;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{
    Cmd, ConditionalEventHandler, Editor, EventContext, EventHandler, ExternalPrinter, Helper, KeyCode, KeyEvent,
    Modifiers, RepeatCount,
};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// How long Tab waits for the interpreter thread (busy with a long computation) before
/// falling back to keywords.
const COMPLETION_WAIT: Duration = Duration::from_millis(400);

enum Request {
    Read,
    History(String),
}

/// The interpreter thread's side of the editor thread.
pub struct EditorHandle {
    requests: mpsc::Sender<Request>,
}

impl EditorHandle {
    /// Shows the prompt; the entry (possibly several lines) arrives as an [`Event`].
    pub fn read(&self) {
        let _ = self.requests.send(Request::Read);
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
        .color_mode(ColorMode::Forced)
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
    rl.set_helper(Some(ReplHelper {
        events: events.clone(),
        colour: config.highlight,
        bracket: Cell::new(None),
        typed: RefCell::new(None),
        accepted: Cell::new(false),
    }));
    rl.bind_sequence(KeyEvent(KeyCode::Enter, Modifiers::NONE), EventHandler::Conditional(Box::new(EnterKey)));
    rl.bind_sequence(KeyEvent::ctrl('D'), EventHandler::Conditional(Box::new(CtrlD)));
    if let Some(path) = config.history.as_ref().filter(|p| p.exists()) {
        let _ = rl.load_history(path);
    }
    start_printer(rl.create_external_printer().ok(), printed);
    let mut history_warned = false;
    for req in requests {
        match req {
            Request::Read => {
                if let Some(helper) = rl.helper() {
                    helper.typed.replace(None);
                }
                let line = if config.highlight { rl.readline(&(">>> ", PRIMARY_PROMPT)) } else { rl.readline(">>> ") };
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

/// Enter in a multi-line buffer with the cursor before its end (trailing blanks aside)
/// inserts a line break; otherwise the default: run the entry if it is complete, else
/// add a line.
struct EnterKey;

impl ConditionalEventHandler for EnterKey {
    fn handle(&self, _: &rustyline::Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        let line = ctx.line();
        (line.contains('\n') && ctx.pos() < line.trim_end().len()).then_some(Cmd::Newline)
    }
}

/// Ctrl-D on an empty (or blank) last line of a multi-line buffer cancels the unfinished
/// entry, as Ctrl-C does; elsewhere the default (leave on an empty buffer, else delete).
struct CtrlD;

impl ConditionalEventHandler for CtrlD {
    fn handle(&self, _: &rustyline::Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        let line = ctx.line();
        let start = line[..ctx.pos()].rfind('\n')? + 1;
        line[start..].trim().is_empty().then_some(Cmd::Interrupt)
    }
}

/// The rustyline helper: validation, highlighting, completion.
struct ReplHelper {
    events: Events,
    /// syntax colours (otherwise the highlighter only adds the `... ` prompts)
    colour: bool,
    /// the bracket to show as matching the one at the cursor
    bracket: Cell<Option<usize>>,
    /// the buffer when Enter last added a line to it (see [`input::entry_complete`])
    typed: RefCell<Option<String>>,
    /// the next drawing is the last one of an accepted multi-line entry
    accepted: Cell<bool>,
}

impl Helper for ReplHelper {}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Validator for ReplHelper {
    /// Enter runs a complete entry; otherwise it adds a line to the buffer.
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if input::entry_complete(input, self.typed.borrow().as_deref()) {
            Ok(ValidationResult::Valid(None))
        } else {
            self.typed.replace(Some(input.to_string()));
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        let text =
            if self.colour { Cow::Owned(highlight::highlight(line, self.bracket.get())) } else { Cow::Borrowed(line) };
        if !self.accepted.get() {
            return text;
        }
        let prompt = if self.colour { CONTINUATION_PROMPT } else { "... " };
        Cow::Owned(text.replace('\n', &format!("\n{prompt}")))
    }

    /// Whether moving the cursor or typing needs a full redraw: with colour, always (the
    /// matching bracket moves); without, in a multi-line buffer, so that Enter's final
    /// drawing (`ForcedRefresh`, which rustyline makes only after such redraws) happens.
    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        if kind == CmdKind::ForcedRefresh {
            // Enter: if it accepts the entry, draw it with its prompts, without the
            // bracket mark (as `EnterKey` and rustyline decide: complete, and the cursor
            // at the end of a multi-line buffer, or moved there to accept it)
            self.bracket.set(None);
            let at_end = pos >= line.trim_end().len();
            let complete = input::entry_complete(line, self.typed.borrow().as_deref());
            self.accepted.set(line.contains('\n') && at_end && complete);
            return self.accepted.get();
        }
        self.accepted.set(false);
        if !self.colour {
            return line.contains('\n');
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
        if let Some(found) = complete::command_line(line, pos) {
            return Ok(found);
        }
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
