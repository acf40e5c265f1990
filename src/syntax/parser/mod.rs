//! The parser: turns the layout pass's token stream (with `Newline`/`Indent`/`Dedent`
//! already inserted) into the AST, using chumsky 0.9. It recovers from syntax errors so that
//! every error in a file is reported in one run: a statement that does not parse is skipped
//! up to the end of its line (and the indented block that follows it), and parsing resumes
//! with the next statement. Interpolated `"{...}"` pieces of strings are parsed here too
//! (`parse_expr_source`). The grammar is written down in grammar/simple.ebnf.
//!
//! The parts: `error` (the error type and its messages), `common` (names, spans,
//! recovery), `literal`, `types`, `pattern`, `expr` (the operator tower), `stmt`
//! (statements and suites) and `decl` (functions, types, imports).

mod common;
mod decl;
mod error;
mod expr;
mod literal;
mod pattern;
mod stmt;
#[cfg(test)]
mod tests;
mod types;

use crate::diag::Diagnostic;
use crate::syntax::ast::{Expr, Pattern, Program, Span, Stmt, TypeExpr};
use crate::syntax::token::{self, StrPart, Token};
use chumsky::Stream;
use chumsky::prelude::{Parser, Recursive, end};
use common::{Level, P};
use error::{PError, to_diagnostics};
use std::rc::Rc;

/// The mutually recursive parts of the grammar, declared first and defined once every
/// part that refers to them exists.
pub(super) struct Rec {
    stmt: Recursive<'static, Token, Stmt, PError>,
    expr: Recursive<'static, Token, Expr, PError>,
    /// `if` statements, also usable as values (`let x = if c:` + blocks)
    if_stmt: Recursive<'static, Token, Stmt, PError>,
    /// `match` statements, also usable as values
    match_stmt: Recursive<'static, Token, Stmt, PError>,
    pattern: P<Pattern>,
    ty: P<TypeExpr>,
}

struct Grammar {
    program: P<Vec<Stmt>>,
    expr_only: P<Expr>,
}

thread_local! {
    static GRAMMAR: Grammar = grammar();
}

fn grammar() -> Grammar {
    let rec = Rec {
        stmt: Recursive::declare(),
        expr: Recursive::declare(),
        if_stmt: Recursive::declare(),
        match_stmt: Recursive::declare(),
        pattern: pattern::pattern_parser(),
        ty: types::type_parser(),
    };
    let mut expr = rec.expr.clone();
    expr.define(expr::expr_parser(&rec));
    let mut stmt = rec.stmt.clone();
    stmt.define(stmt::define_statements(&rec));
    Grammar {
        program: rec.stmt_list(Level::Top).then_ignore(end()).boxed(),
        expr_only: rec.expr.clone().then_ignore(end()).boxed(),
    }
}

/// Parses a whole file from the layout pass's output. Always returns a program (statements
/// that failed to parse are left out) together with every syntax error found.
pub fn parse_program(tokens: Vec<(Token, Span)>, file: u32, src_len: usize) -> (Program, Vec<Diagnostic>) {
    let eoi = Span::new(file, src_len, src_len);
    literal::clear_piece_cache();
    let unclosed = unclosed_bracket(&tokens);
    let habits = python_habits(&tokens);
    let (stmts, mut errors) = GRAMMAR.with(|g| g.program.parse_recovery(Stream::from_iter(eoi, tokens.into_iter())));
    if let Some((from, open, at)) = unclosed {
        // The layout pass ignores line breaks inside brackets, so everything after an
        // unclosed bracket is one long line: errors found there are mostly noise. Keep
        // those before it, and the first one after it if it is a mismatched closer.
        let mut first_after = true;
        errors.retain(|e| {
            if e.span.start < from {
                return true;
            }
            let keep = first_after
                && matches!(e.found, Some(Token::RParen | Token::RBracket | Token::RBrace))
                && e.span.start < src_len as u32;
            first_after = false;
            keep
        });
        errors.push(PError::custom(at, format!("this {} is never closed", open.describe())));
    }
    // the cached pieces share their functions (`Rc<FnDecl>`) with the program: the
    // resolver needs to be their only owner
    literal::clear_piece_cache();
    let mut diags = to_diagnostics(errors);
    if stmts.is_none() && diags.is_empty() {
        diags.push(Diagnostic::syntax("could not parse this file", eoi));
    }
    for (line, note) in habits {
        // the first error on or after the habit's line (its statement could not parse)
        if let Some(d) = diags.iter_mut().find(|d| d.span.is_some_and(|s| s.start >= line.start)) {
            d.notes.push(note.to_string());
        }
    }
    (Program { stmts: stmts.unwrap_or_default(), ..Default::default() }, diags)
}

/// Python spellings at the start of a statement that Simple writes differently, with
/// the note the syntax error there gets.
fn python_habits(tokens: &[(Token, Span)]) -> Vec<(Span, &'static str)> {
    let mut out = Vec::new();
    let mut line_start = true;
    for pair in tokens.windows(2) {
        let [(t, span), (next, _)] = pair else { continue };
        if let (Token::Ident(word), Token::Ident(_)) = (t, next) {
            match &**word {
                "def" if line_start => out.push((*span, "Simple declares functions with `fn`: `fn name(x):`")),
                "lambda" => out.push((*span, "a lambda in Simple is `\\x: x + 1` (or `fn(x): x + 1`)")),
                _ => {}
            }
        }
        line_start = matches!(t, Token::Newline | Token::Indent | Token::Dedent);
    }
    out
}

/// Brackets left open at the end of the file: where the outermost one starts, and the
/// innermost one (the one to report). Closers pop whatever is open, as in the layout pass.
fn unclosed_bracket(tokens: &[(Token, Span)]) -> Option<(u32, Token, Span)> {
    let mut stack: Vec<(Token, Span)> = Vec::new();
    for (t, s) in tokens {
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => stack.push((t.clone(), *s)),
            Token::RParen | Token::RBracket | Token::RBrace => {
                stack.pop();
            }
            _ => {}
        }
    }
    let from = stack.first()?.1.start;
    stack.pop().map(|(t, s)| (from, t, s))
}

/// Parses the source of one `{...}` interpolation piece as a single expression. `offset` is
/// the byte offset of `code` in the file, so that spans point into the file.
/// Where an interpolated piece nests brackets or prefix operators past the layout pass's
/// limit (pieces do not go through the layout pass, which checks whole files).
fn too_deep(tokens: &[(Token, Span)]) -> Option<Span> {
    let mut meter = crate::syntax::layout::NestingMeter::default();
    tokens.iter().find(|(t, _)| meter.too_deep(t)).map(|(_, span)| *span)
}

pub fn parse_expr_source(code: &str, offset: usize, file: u32) -> Result<Expr, Vec<Diagnostic>> {
    let (tokens, lex_errors) = token::lex(code, file);
    if !lex_errors.is_empty() {
        return Err(lex_errors
            .into_iter()
            .map(|mut d| {
                d.span = d.span.map(|s| shift(s, offset));
                d
            })
            .collect());
    }
    let tokens: Vec<(Token, Span)> = tokens
        .into_iter()
        .filter(|(t, _)| *t != Token::Newline)
        .map(|(t, s)| (shift_token(t, offset), shift(s, offset)))
        .collect();
    if let Some(span) = too_deep(&tokens) {
        let limit = crate::syntax::layout::MAX_NESTING;
        return Err(vec![Diagnostic::syntax(format!("nesting too deep (more than {limit} levels)"), span)]);
    }
    // the end of the piece is the `}` that closes it
    let end = offset + code.len();
    let eoi = Span::new(file, end, end + 1);
    let (expr, errors) = GRAMMAR.with(|g| g.expr_only.parse_recovery(Stream::from_iter(eoi, tokens.into_iter())));
    match expr {
        Some(e) if errors.is_empty() => Ok(e),
        _ => {
            let mut diags = to_diagnostics(errors);
            for d in &mut diags {
                if let Some(rest) = d.message.strip_suffix("found end of input") {
                    d.message = format!("{rest}found `}}`");
                }
            }
            if diags.is_empty() {
                diags.push(Diagnostic::syntax("invalid expression in string interpolation", eoi));
            }
            Err(diags)
        }
    }
}

fn shift(s: Span, by: usize) -> Span {
    Span { file: s.file, start: s.start + by as u32, end: s.end + by as u32 }
}

/// Nested string literals inside an interpolation carry offsets relative to the piece.
fn shift_token(t: Token, by: usize) -> Token {
    match t {
        Token::Str(parts) if parts.iter().any(|p| matches!(p, StrPart::Code(..))) => Token::Str(Rc::new(
            parts
                .iter()
                .map(|p| match p {
                    StrPart::Code(c, o) => StrPart::Code(c.clone(), o + by),
                    other => other.clone(),
                })
                .collect(),
        )),
        other => other,
    }
}
