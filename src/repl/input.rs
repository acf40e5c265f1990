//! When is a REPL entry complete? Decided with the real lexer, layout pass and parser,
//! never by counting characters:
//!
//! - a lexical error (an unterminated string, a stray character) completes the entry at
//!   once, so the error is shown (a string cannot continue on the next line in Simple);
//! - an open `(`, `[` or `{` (an `async {` body too) asks for more, even after blank lines;
//! - a block opener the parser still wants a body for (`if x:`, `fn f():`) asks for more;
//! - once a block has started (the layout pass produced an indent), the entry goes on
//!   until an empty line, as in Python;
//! - otherwise the entry is complete (syntax errors are then reported by running it).
//!
//! [`Splitter`] applies the same rules to piped stdin, except that a block ends where the
//! next line at column 0 starts (blank lines inside a block do not end it), so a whole
//! program file can be piped in: each top-level statement is one entry.

use crate::syntax::entry_state as analyse;

fn last_line_blank(text: &str) -> bool {
    text.contains('\n') && text.rsplit('\n').next().is_some_and(|l| l.trim().is_empty())
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Line-by-line rule (the `... ` prompt): does `entry` (the lines typed so far, joined
/// with `\n`) need another line?
pub fn needs_more(entry: &str) -> bool {
    if entry.trim().is_empty() {
        return false;
    }
    let a = analyse(entry);
    if a.lex_error {
        return false;
    }
    if a.open_brackets {
        return true;
    }
    if last_line_blank(entry) {
        return false;
    }
    a.awaits_block || a.block_mode
}

/// Rule for a whole multi-line buffer in the line editor (a recalled history entry or a
/// paste): Enter runs it unless a bracket is open or a block opener has no body yet.
pub fn buffer_complete(buffer: &str) -> bool {
    let a = analyse(buffer);
    if a.lex_error {
        return true;
    }
    if a.open_brackets {
        return false;
    }
    !a.awaits_block || last_line_blank(buffer)
}

/// Rule for the line editor, which holds the whole entry in one buffer: is `buffer`
/// complete when Enter is pressed at its end? `typed` is the buffer as it was when Enter
/// last asked for another line. A buffer that is that plus one more line is being typed
/// line by line ([`needs_more`]: a block ends with an empty line); any other multi-line
/// buffer was recalled, pasted or edited ([`buffer_complete`]). A `:command` is one line.
pub fn entry_complete(buffer: &str, typed: Option<&str>) -> bool {
    match buffer.rsplit_once('\n') {
        None => buffer.trim_start().starts_with(':') || !needs_more(buffer),
        Some((head, _)) if typed == Some(head) => !needs_more(buffer),
        Some(_) => buffer_complete(buffer),
    }
}

/// Cuts piped stdin into entries (see the module comment).
#[derive(Default)]
pub struct Splitter {
    pending: String,
    /// blank lines seen after a block, not yet known to be inside it
    blanks: usize,
}

impl Splitter {
    /// Feeds one line (without its newline); returns the entries it completes.
    pub fn push(&mut self, line: &str) -> Vec<String> {
        let mut done = Vec::new();
        let blank = line.trim().is_empty();
        if self.pending.is_empty() {
            if !blank {
                self.start(line, &mut done);
            }
            return done;
        }
        if blank {
            if needs_more(&format!("{}\n", self.pending)) {
                self.pending.push('\n'); // an open bracket: blank lines are part of it
            } else {
                self.blanks += 1;
            }
            return done;
        }
        // a line at column 0 after a finished block starts the next entry (unless it
        // continues the block: `elif`, `else`); an open bracket takes every line
        let indented = line.starts_with([' ', '\t']);
        let continues = ["elif", "else"].iter().any(|k| line.strip_prefix(k).is_some_and(|r| !r.starts_with(is_ident)));
        if !indented && !continues && !needs_more(&format!("{}\n", self.pending)) {
            done.push(std::mem::take(&mut self.pending));
            self.blanks = 0;
            self.start(line, &mut done);
            return done;
        }
        for _ in 0..std::mem::take(&mut self.blanks) {
            self.pending.push('\n');
        }
        self.pending.push('\n');
        self.pending.push_str(line);
        if !needs_more(&self.pending) {
            done.push(std::mem::take(&mut self.pending));
        }
        done
    }

    fn start(&mut self, line: &str, done: &mut Vec<String>) {
        self.pending = line.to_string();
        if !needs_more(&self.pending) {
            done.push(std::mem::take(&mut self.pending));
        }
    }

    /// End of input: whatever is pending is the last entry.
    pub fn finish(&mut self) -> Option<String> {
        self.blanks = 0;
        let rest = std::mem::take(&mut self.pending);
        (!rest.trim().is_empty()).then_some(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_lines() {
        assert!(!needs_more("1 + 2"));
        assert!(!needs_more("if x: print(1)"));
        assert!(needs_more("fn f(x):"));
        assert!(needs_more("print(1,"));
        assert!(needs_more("let t = async {"));
        assert!(!needs_more("print(\"abc")); // an error, shown at once
        assert!(needs_more("let f = \\x:")); // a block lambda's body follows
        assert!(!needs_more("x = # just a comment:"));
    }

    #[test]
    fn blocks_end_with_an_empty_line() {
        assert!(needs_more("fn f(x):\n    return x"));
        assert!(needs_more("if a:\n    b\nelse:"));
        assert!(needs_more("match x:"));
        assert!(!needs_more("fn f(x):\n    return x\n"));
        assert!(needs_more("f(1,\n\n"));
        assert!(!needs_more("if a:\n"));
    }

    #[test]
    fn buffers() {
        assert!(buffer_complete("fn f(x):\n    return x"));
        assert!(!buffer_complete("fn f(x):"));
        assert!(!buffer_complete("[1,\n 2"));
    }

    #[test]
    fn editor_buffers() {
        assert!(!entry_complete("fn f(x):", None));
        assert!(entry_complete(":load a:", None));
        // typed line by line: the block goes on until an empty line
        assert!(!entry_complete("fn f(x):\n    return x", Some("fn f(x):")));
        assert!(entry_complete("fn f(x):\n    return x\n", Some("fn f(x):\n    return x")));
        // recalled (or edited): complete once the block has a body
        assert!(entry_complete("fn f(x):\n    return x", None));
        assert!(entry_complete("fn g(x):\n    return x", Some("fn f(x):")));
        assert!(!entry_complete("[1,\n 2", None));
    }

    #[test]
    fn splitter_reads_programs() {
        let src = "fn f():\n    let x = 1\n\n    return x\nprint(f())\n1 + 2\nif true:\n    print(3)\nelse:\n    print(4)\nf(\n\n1)\n";
        let mut s = Splitter::default();
        let mut out = Vec::new();
        for l in src.lines() {
            out.extend(s.push(l));
        }
        out.extend(s.finish());
        let want = [
            "fn f():\n    let x = 1\n\n    return x",
            "print(f())",
            "1 + 2",
            "if true:\n    print(3)\nelse:\n    print(4)",
            "f(\n\n1)",
        ];
        assert_eq!(out, want);
    }
}
