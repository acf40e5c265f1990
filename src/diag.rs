//! Diagnostics: one type for syntax, resolve and runtime errors, and the one place that
//! renders them (ariadne, byte-indexed spans, colour only when asked for).
//!
//! `render` gives the ariadne report (or `runtime error: message` for the rare
//! diagnostic without a span), then one `  at f (file.spl:12:5)` line per function the
//! error left, innermost first (a long stack keeps its first 25 and last 10 lines). ANSI
//! sequences are stripped when colour is off, so golden files stay plain. `SourceMap`
//! holds every loaded file; a `Span`'s file index points into it.

use crate::syntax::ast::Span;
use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagKind {
    Syntax,
    Resolve,
    Runtime,
}

/// One line of a runtime call stack: the function and where execution had got to in it.
#[derive(Clone, Debug)]
pub struct StackEntry {
    pub func: Rc<str>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub kind: DiagKind,
    pub message: String,
    pub span: Option<Span>,
    pub label: Option<String>,
    pub notes: Vec<String>,
    /// innermost first
    pub stack: Vec<StackEntry>,
}

impl Diagnostic {
    fn new(kind: DiagKind, message: impl Into<String>, span: Option<Span>) -> Diagnostic {
        Diagnostic { kind, message: message.into(), span, label: None, notes: Vec::new(), stack: Vec::new() }
    }
    pub fn syntax(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic::new(DiagKind::Syntax, message, Some(span))
    }
    pub fn resolve(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic::new(DiagKind::Resolve, message, Some(span))
    }
    pub fn runtime(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(DiagKind::Runtime, message, None)
    }
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
    pub fn headline(&self) -> &'static str {
        match self.kind {
            DiagKind::Syntax => "syntax error",
            DiagKind::Resolve => "error",
            DiagKind::Runtime => "runtime error",
        }
    }
}

pub struct SourceFile {
    pub name: String,
    pub src: Rc<str>,
}

/// Every file the interpreter has loaded, indexed by `Span::file`.
#[derive(Default)]
pub struct SourceMap {
    files: RefCell<Vec<SourceFile>>,
}

impl SourceMap {
    pub fn add(&self, name: impl Into<String>, src: Rc<str>) -> u32 {
        let mut files = self.files.borrow_mut();
        files.push(SourceFile { name: name.into(), src });
        (files.len() - 1) as u32
    }
    pub fn name(&self, file: u32) -> String {
        self.files.borrow().get(file as usize).map(|f| f.name.clone()).unwrap_or_default()
    }
    pub fn source(&self, file: u32) -> Rc<str> {
        self.files.borrow().get(file as usize).map(|f| f.src.clone()).unwrap_or_else(|| Rc::from(""))
    }
    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, file: u32, offset: u32) -> (usize, usize) {
        let src = self.source(file);
        let offset = (offset as usize).min(src.len());
        let before = &src[..floor_char_boundary(&src, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        (line, before[line_start..].chars().count() + 1)
    }
    /// `file.spl:12:5`
    pub fn location(&self, span: Span) -> String {
        let (line, col) = self.line_col(span.file, span.start);
        format!("{}:{}:{}", self.name(span.file), line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders a diagnostic as text (the ariadne report, then the call stack, if any).
pub fn render(diag: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let mut out = Vec::new();
    let kind = ReportKind::Custom(diag.headline(), Color::Red);
    match diag.span {
        Some(span) => {
            let name = sources.name(span.file);
            let src = sources.source(span.file);
            let (lines, range) = report_source(&src, clamp_range(&src, span));
            let label_text = diag.label.clone().unwrap_or_else(|| "here".to_string());
            let mut report = Report::build(kind, (name.clone(), range.clone()))
                .with_config(Config::default().with_color(color).with_index_type(IndexType::Byte))
                .with_message(&diag.message)
                .with_label(Label::new((name.clone(), range)).with_message(label_text).with_color(Color::Red));
            for note in &diag.notes {
                report = report.with_note(note);
            }
            let cache = (name, ariadne::Source::from(lines));
            let _ = report.finish().write(cache, &mut out);
        }
        None => {
            out.extend_from_slice(format!("{}: {}\n", diag.headline(), diag.message).as_bytes());
            for note in &diag.notes {
                out.extend_from_slice(format!("  note: {note}\n").as_bytes());
            }
        }
    }
    let mut text = String::from_utf8_lossy(&out).into_owned();
    if !color {
        // ariadne colours custom report kinds even when colour is off
        text = strip_ansi(&text);
    }
    for line in stack_lines(diag, sources) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The `at f (file:line:col)` lines, innermost first. A run of identical frames (a
/// recursion) is one line and `... N more times`; past 35 lines, both ends are kept.
fn stack_lines(diag: &Diagnostic, sources: &SourceMap) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut last: Option<String> = None;
    let mut repeats = 0usize;
    let flush = |lines: &mut Vec<String>, repeats: usize| {
        if repeats > 0 {
            lines.push(format!("  ... {repeats} more time{}", if repeats == 1 { "" } else { "s" }));
        }
    };
    for entry in &diag.stack {
        let line = format!("  at {} ({})", entry.func, sources.location(entry.span));
        if last.as_ref() == Some(&line) {
            repeats += 1;
            continue;
        }
        flush(&mut lines, repeats);
        repeats = 0;
        lines.push(line.clone());
        last = Some(line);
    }
    flush(&mut lines, repeats);
    const HEAD: usize = 25;
    const TAIL: usize = 10;
    let n = lines.len();
    if n > HEAD + TAIL {
        let tail = lines.split_off(n - TAIL);
        lines.truncate(HEAD);
        lines.push(format!("  ... {} more frames ...", n - HEAD - TAIL));
        lines.extend(tail);
    }
    lines
}

/// The source a report is drawn from: the whole lines `range` touches, after as many
/// empty lines as come before them (so line numbers stay right; ariadne 0.6 applies its
/// display line offset to the header only), and `range` moved to match. Handing ariadne
/// the whole file made it decode every character of the file for every diagnostic, so
/// a long file with many errors took quadratic time to report (`simple check` on a
/// 4,000-line file with 30 errors spent half its time there).
fn report_source(src: &str, range: std::ops::Range<usize>) -> (String, std::ops::Range<usize>) {
    // the very end, after a final line end, belongs to the last line (as ariadne shows it)
    let line_of = if range.start == src.len() && src.ends_with('\n') { range.start - 1 } else { range.start };
    let start = src[..line_of].rfind('\n').map_or(0, |i| i + 1);
    let end = src[range.end..].find('\n').map_or(src.len(), |i| range.end + i + 1);
    // (a sum of 0s and 1s, which vectorises; `filter().count()` did not)
    let lines_before: usize = src.as_bytes()[..start].iter().map(|&b| usize::from(b == b'\n')).sum();
    let mut text = "\n".repeat(lines_before);
    text.push_str(&src[start..end]);
    let shift = |at: usize| at - start + lines_before;
    (text, shift(range.start)..shift(range.end))
}

fn clamp_range(src: &str, span: Span) -> std::ops::Range<usize> {
    let start = floor_char_boundary(src, (span.start as usize).min(src.len()));
    let end = floor_char_boundary(src, (span.end as usize).clamp(start, src.len()));
    start..end
}

/// Removes ANSI colour sequences (`ESC [ ... m`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Common slips of Python and JavaScript programmers, with what Simple spells instead.
const HABITS: &[(&str, &str)] = &[
    ("True", "true"),
    ("False", "false"),
    ("null", "nil"),
    ("undefined", "nil"),
    ("def", "fn"),
    ("function", "fn"),
    ("elsif", "elif"),
    ("quit", ":quit"),
    ("help", ":help"),
];

/// `"; did you mean `x`?"` for the candidate closest to `name` (by edit distance, close
/// enough to be a plausible typo), or a hint for a known habit; `""` when none fits.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    if let Some((_, instead)) = HABITS.iter().find(|(h, _)| *h == name) {
        return format!("; did you mean `{instead}`?");
    }
    let name_chars = name.chars().count();
    let limit = (name_chars / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    let mut prefix: Option<&str> = None;
    for c in candidates {
        if c == name || c.starts_with("__") {
            continue;
        }
        // a misspelt longer form of a short name (`lenght` for `len`): the name starts
        // with the candidate (three characters at least) and is not much longer
        if c.len() >= 3 && name.starts_with(c) && name.len() <= c.len() * 2 && prefix.is_none_or(|p| c.len() > p.len())
        {
            prefix = Some(c);
        }
        // the distance is at least the difference in length: most candidates of a big
        // scope are ruled out without computing it
        if c.len().abs_diff(name.len()) > limit * 4 || c.chars().count().abs_diff(name_chars) > limit {
            continue;
        }
        let d = edit_distance(name, c);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c).or(prefix).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default()
}

/// Levenshtein distance (with transpositions counted as one edit).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suggestion without the length filter: every candidate's distance computed.
    fn closest_by_brute_force<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
        let limit = (name.chars().count() / 3).max(1);
        let mut best: Option<(usize, &str)> = None;
        for &c in candidates {
            let d = edit_distance(name, c);
            if c != name
                && !c.starts_with("__")
                && d <= limit
                && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc))
            {
                best = Some((d, c));
            }
        }
        best.map(|(_, c)| c)
    }

    #[test]
    fn length_filter_keeps_every_suggestion() {
        let candidates = [
            "a", "ab", "abc", "abcd", "len", "length", "lenght", "size", "sizes", "résumé", "resume", "𝔞𝔟", "ab𝔠",
            "counter", "count", "county", "x1", "x12", "x123", "__init", "print", "println", "prints",
        ];
        for name in ["ab", "lenght", "lengths", "sise", "resume", "résume", "𝔞b", "abc", "countr", "x", "x1234", "prnt"]
        {
            let got = did_you_mean(name, candidates.iter().copied());
            // a prefix match may answer when no candidate is close enough
            if let Some(c) = closest_by_brute_force(name, &candidates) {
                assert_eq!(got, format!("; did you mean `{c}`?"), "for `{name}`");
            }
        }
    }

    #[test]
    fn report_source_keeps_line_numbers_and_columns() {
        let src = "first\nsecond line\nthird\n";
        let at = src.find("line").unwrap();
        let (text, range) = report_source(src, at..at + 4);
        assert_eq!(text, "\nsecond line\n");
        assert_eq!(&text[range], "line");
        // a span at the very end, after the final line end: the end of the last line
        let (text, range) = report_source(src, src.len()..src.len());
        assert_eq!(text, "\n\nthird\n");
        assert_eq!(range, 8..8);
        // a span across lines
        let (text, range) = report_source(src, 2..8);
        assert_eq!(text, "first\nsecond line\n");
        assert_eq!(&text[range], "rst\nse");
    }
}
