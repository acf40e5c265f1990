//! The layout pass: turns raw line breaks into `Newline`/`Indent`/`Dedent` tokens.
//!
//! Rules (the parser relies on them):
//! - a `Newline` ends each logical line; never two in a row; blank and comment-only
//!   lines produce nothing;
//! - inside `()`, `[]` and plain `{}` line breaks are dropped;
//! - inside an `async { ... }` body lines are statements again, indented relative to the
//!   body's first line; the closing `}` dedents back without a trailing `Newline`
//!   unless a nested block has to be closed first;
//! - `Indent` only after a line ending in `:`; a dedent to a column that no open block
//!   has is an error, and so is a tab in indentation;
//! - after the `Dedent`s that end blocks comes another `Newline` (unless `else`/`elif`
//!   continues the statement), so a statement whose value ends with a block
//!   (`let x = match y:` + arms) is terminated like any other.
//!
//! Nesting limit: more than `MAX_NESTING` (200) open brackets or indentation levels, a
//! run of more than 200 prefix operators (`-`, `!`, `not`, `&`, `await`), or a
//! right-nested chain longer than 200 (`a ** b ** ...`, `\x: \y: ...`,
//! `if a: x else: if b: ...`) is a syntax error ("nesting too deep"), and the pass
//! stops there. `NestingMeter` measures it; the parser applies it to interpolation
//! pieces (which do not come through here) and the lexer to brackets inside them. The
//! parser, the resolver and both evaluators recurse once per level, so this bounds
//! their stack use whatever the input.

use crate::diag::Diagnostic;
use crate::syntax::ast::Span;
use crate::syntax::token::Token;

/// Deepest nesting of brackets, blocks or prefix operators a program may use.
pub const MAX_NESTING: usize = 200;

/// Measures how deeply a token stream nests: brackets, runs of prefix operators, and
/// right-nested chains (`a ** b ** c`, `\x: \y: ...`, `if a: x else: if b: ...`), which
/// a separator or a bracket breaks. Shared by the layout pass and interpolated pieces.
#[derive(Default)]
pub struct NestingMeter {
    brackets: usize,
    prefix: usize,
    chain: usize,
}

impl NestingMeter {
    /// Feeds one token; true once anything nests deeper than `MAX_NESTING`.
    pub fn too_deep(&mut self, t: &Token) -> bool {
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => self.brackets += 1,
            Token::RParen | Token::RBracket | Token::RBrace => self.brackets = self.brackets.saturating_sub(1),
            _ => {}
        }
        match t {
            Token::StarStar | Token::Backslash | Token::If => self.chain += 1,
            Token::Newline
            | Token::Semi
            | Token::Comma
            | Token::LParen
            | Token::RParen
            | Token::LBracket
            | Token::RBracket
            | Token::LBrace
            | Token::RBrace => self.chain = 0,
            _ => {}
        }
        let is_prefix = matches!(t, Token::Minus | Token::Bang | Token::Not | Token::Amp | Token::Await);
        self.prefix = if is_prefix { self.prefix + 1 } else { 0 };
        self.brackets > MAX_NESTING || self.prefix > MAX_NESTING || self.chain > MAX_NESTING
    }
}

enum Context {
    /// statements: a stack of indentation columns (the first is the base)
    Block { indents: Vec<usize> },
    /// inside brackets: line breaks are insignificant
    Bracket,
}

struct Layout<'a> {
    src: &'a str,
    file: u32,
    out: Vec<(Token, Span)>,
    errors: Vec<Diagnostic>,
    stack: Vec<Context>,
}

pub fn layout(tokens: Vec<(Token, Span)>, src: &str, file: u32) -> (Vec<(Token, Span)>, Vec<Diagnostic>) {
    let mut l = Layout {
        src,
        file,
        out: Vec::with_capacity(tokens.len() + 16),
        errors: Vec::new(),
        stack: vec![Context::Block { indents: vec![0] }],
    };
    // The first line must not be indented.
    if let Some((_, first)) = tokens.iter().find(|(t, _)| *t != Token::Newline) {
        let col = l.indentation(first.start as usize);
        if col > 0 {
            l.errors.push(Diagnostic::syntax("unexpected indentation", *first));
        }
    }
    let mut i = 0;
    let mut meter = NestingMeter::default();
    while i < tokens.len() {
        let (tok, span) = &tokens[i];
        // Absurd nesting would make the recursive-descent parser recurse without bound.
        let indents = match l.stack.last() {
            Some(Context::Block { indents }) => indents.len(),
            _ => 0,
        };
        if meter.too_deep(tok) || l.stack.len() > MAX_NESTING || indents > MAX_NESTING {
            l.errors.push(Diagnostic::syntax(format!("nesting too deep (more than {MAX_NESTING} levels)"), *span));
            break;
        }
        match tok {
            Token::Newline => {
                // skip runs of line breaks (blank lines)
                let mut j = i;
                while j < tokens.len() && tokens[j].0 == Token::Newline {
                    j += 1;
                }
                let next = tokens.get(j);
                l.line_break(*span, next);
                i = j;
                continue;
            }
            Token::LParen | Token::LBracket => l.stack.push(Context::Bracket),
            Token::LBrace => {
                let after_async = matches!(l.out.last(), Some((Token::Async, _)));
                l.stack.push(if after_async { Context::Block { indents: Vec::new() } } else { Context::Bracket });
            }
            Token::RParen | Token::RBracket | Token::RBrace => l.close_bracket(*span),
            _ => {}
        }
        l.out.push((tok.clone(), *span));
        i += 1;
    }
    l.finish();
    (l.out, l.errors)
}

impl Layout<'_> {
    /// Spaces before the token at `offset` on its line (records an error for tabs).
    fn indentation(&mut self, offset: usize) -> usize {
        let line_start = self.src[..offset].rfind('\n').map(|p| p + 1).unwrap_or(0);
        let prefix = &self.src[line_start..offset];
        if let Some(tab) = prefix.find('\t') {
            let at = line_start + tab;
            self.errors
                .push(Diagnostic::syntax("tab in indentation (indent with spaces)", Span::new(self.file, at, at + 1)));
        }
        prefix.chars().filter(|c| *c == ' ' || *c == '\t').count()
    }

    fn last_is(&self, t: &Token) -> bool {
        matches!(self.out.last(), Some((last, _)) if last == t)
    }

    fn push_newline(&mut self, span: Span) {
        if !self.out.is_empty() && !self.last_is(&Token::Newline) && !self.last_is(&Token::LBrace) {
            self.out.push((Token::Newline, span));
        }
    }

    fn line_break(&mut self, nl_span: Span, next: Option<&(Token, Span)>) {
        if matches!(self.stack.last(), Some(Context::Bracket)) {
            return;
        }
        let Some((next_tok, next_span)) = next else { return }; // EOF: finish() closes
        let col = self.indentation(next_span.start as usize);
        let nl = Span::new(self.file, nl_span.start as usize, nl_span.start as usize);
        // a block follows `:`, and `=>` / `->` ending a match arm's line
        let ended_with_colon =
            self.last_is(&Token::Colon) || self.last_is(&Token::FatArrow) || self.last_is(&Token::Arrow);
        let nested = self.stack.len() > 1;
        let Some(Context::Block { indents }) = self.stack.last_mut() else { return };
        if indents.is_empty() {
            // first line of an async body: its column is the body's base
            indents.push(col);
            return;
        }
        if *next_tok == Token::RBrace && nested {
            return; // close_bracket handles the dedent back to the base
        }
        let top = *indents.last().unwrap_or(&0);
        if col > top {
            if ended_with_colon {
                indents.push(col);
                self.out.push((Token::Newline, nl));
                self.out
                    .push((Token::Indent, Span::new(self.file, next_span.start as usize, next_span.start as usize)));
            } else {
                self.errors.push(Diagnostic::syntax("unexpected indentation", *next_span));
                self.push_newline(nl);
            }
            return;
        }
        self.push_newline(nl);
        if self.dedent_to(col, *next_span) > 0 && !matches!(next_tok, Token::Else | Token::Elif) {
            // the statement that owned the block ends here too: a value that ends with
            // a block (`let x = match y:` + arms) needs no line break of its own
            self.out.push((Token::Newline, Span::new(self.file, next_span.start as usize, next_span.start as usize)));
        }
    }

    /// Emits a `Dedent` for every open level deeper than `col`; returns how many.
    fn dedent_to(&mut self, col: usize, at: Span) -> usize {
        let Some(Context::Block { indents }) = self.stack.last_mut() else { return 0 };
        let zero = Span::new(self.file, at.start as usize, at.start as usize);
        let mut dedents = 0;
        while indents.len() > 1 && *indents.last().unwrap_or(&0) > col {
            indents.pop();
            dedents += 1;
        }
        let mismatch = *indents.last().unwrap_or(&0) != col;
        for _ in 0..dedents {
            self.out.push((Token::Dedent, zero));
        }
        if mismatch {
            self.errors.push(Diagnostic::syntax("unindent does not match any outer indentation level", at));
        }
        dedents
    }

    fn close_bracket(&mut self, span: Span) {
        if self.stack.len() <= 1 {
            return; // stray closer: the parser reports it
        }
        if let Some(Context::Block { indents }) = self.stack.last()
            && indents.len() > 1
        {
            let base = indents[0];
            let zero = Span::new(self.file, span.start as usize, span.start as usize);
            self.push_newline(zero);
            self.dedent_to(base, span);
        }
        self.stack.pop();
    }

    fn finish(&mut self) {
        let end = self.src.len();
        let eof = Span::new(self.file, end, end);
        self.push_newline(eof);
        // close every still-open block of every context
        while let Some(ctx) = self.stack.pop() {
            if let Context::Block { indents } = ctx {
                for _ in 1..indents.len() {
                    self.out.push((Token::Dedent, eof));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::token::lex;

    fn kinds(src: &str) -> Vec<String> {
        let (toks, errs) = lex(src, 0);
        assert!(errs.is_empty());
        let (out, errs) = layout(toks, src, 0);
        assert!(errs.is_empty(), "{errs:?}");
        out.iter().map(|(t, _)| t.text().to_string()).collect()
    }

    #[test]
    fn indents_and_dedents() {
        let k = kinds("if a:\n    b\n\n    # c\nd\n");
        assert_eq!(k.join(" "), "if <literal> : \\n <indent> <literal> \\n <dedent> \\n <literal> \\n");
    }

    #[test]
    fn brackets_ignore_newlines() {
        let k = kinds("f(1,\n  2)\n");
        assert_eq!(k.join(" "), "<literal> ( <literal> , <literal> ) \\n");
    }

    #[test]
    fn async_body_has_statements() {
        let k = kinds("let t = async {\n    a\n    if b:\n        c\n}\n");
        assert_eq!(
            k.join(" "),
            "let <literal> = async { <literal> \\n if <literal> : \\n <indent> <literal> \\n <dedent> } \\n"
        );
    }

    #[test]
    fn tab_is_an_error() {
        let src = "if a:\n\tb\n";
        let (toks, _) = lex(src, 0);
        let (_, errs) = layout(toks, src, 0);
        assert!(errs.iter().any(|e| e.message.contains("tab")));
    }

    #[test]
    fn bad_dedent_is_an_error() {
        let src = "if a:\n    b\n  c\n";
        let (toks, _) = lex(src, 0);
        let (_, errs) = layout(toks, src, 0);
        assert!(errs.iter().any(|e| e.message.contains("unindent")));
    }
}
