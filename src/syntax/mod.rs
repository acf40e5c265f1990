//! Front end: tokens (logos), the layout pass, the AST and the parser (chumsky).
//! [`parse`] is the one entry point that runs them in order; nothing outside this
//! module wires the stages together.
pub mod ast;
pub mod format_spec;
pub mod layout;
pub mod parser;
pub mod token;

use crate::diag::Diagnostic;
use ast::Program;

/// Lexes, lays out and parses one file. Always returns a program (what could not be
/// parsed is left out) and every syntax error found, lexical and layout errors first.
/// A UTF-8 byte-order mark at the start is skipped (its bytes still count in spans).
pub fn parse(file: u32, src: &str) -> (Program, Vec<Diagnostic>) {
    let bom = if src.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let (mut tokens, mut errors) = token::lex(&src[bom..], file);
    if bom > 0 {
        for (_, span) in &mut tokens {
            span.start += bom as u32;
            span.end += bom as u32;
        }
        for d in &mut errors {
            if let Some(s) = &mut d.span {
                s.start += bom as u32;
                s.end += bom as u32;
            }
        }
    }
    let (tokens, layout_errors) = layout::layout(tokens, src, file);
    errors.extend(layout_errors);
    let (program, parse_errors) = parser::parse_program(tokens, file, src.len());
    errors.extend(parse_errors);
    (program, errors)
}

/// How far a REPL entry (or a pasted buffer) has got, by the real lexer, layout pass
/// and parser.
pub struct EntryState {
    /// a lexical error (an unterminated string, a stray character)
    pub lex_error: bool,
    /// a `(`, `[` or `{` is still open
    pub open_brackets: bool,
    /// the parser wants the body of a block opener at the very end
    pub awaits_block: bool,
    /// a block has started (an indented line follows a `:` line)
    pub block_mode: bool,
}

pub fn entry_state(text: &str) -> EntryState {
    let (tokens, lex_errors) = token::lex(text, 0);
    let depth = tokens.iter().fold(0i32, |d, (t, _)| match t {
        token::Token::LParen | token::Token::LBracket | token::Token::LBrace => d + 1,
        token::Token::RParen | token::Token::RBracket | token::Token::RBrace => (d - 1).max(0),
        _ => d,
    });
    let mut a = EntryState {
        lex_error: !lex_errors.is_empty(),
        open_brackets: depth > 0,
        awaits_block: false,
        block_mode: false,
    };
    if a.lex_error || a.open_brackets {
        return a;
    }
    let (laid, _) = layout::layout(tokens, text, 0);
    a.block_mode = laid.iter().any(|(t, _)| *t == token::Token::Indent);
    let (_, errors) = parser::parse_program(laid, 0, text.len());
    let end = text.trim_end().len();
    a.awaits_block = errors.iter().any(|d| {
        d.message.starts_with("expected")
            && d.message.contains("indented")
            && d.span.is_some_and(|s| s.start as usize >= end)
    });
    a
}
