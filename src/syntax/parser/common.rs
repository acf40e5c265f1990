//! Small parsers and helpers every part of the grammar uses: names (and contextual
//! keywords such as `class` or `static`, which are ordinary identifiers to the lexer),
//! spans, and error recovery (skipping a bad statement or bracketed group).

use super::error::PError;
use crate::syntax::ast::{Block, Ident, Span};
use crate::syntax::token::Token;
use chumsky::prelude::{
    BoxedParser, Parser, Recursive, choice, end, filter, filter_map, just, nested_delimiters, none_of, one_of,
    recursive,
};
use std::rc::Rc;

pub(super) type P<T> = BoxedParser<'static, Token, T, PError>;

/// Names what a parser expects when it fails on its very first token; an error further in
/// keeps its own, more precise description.
pub(super) fn label<T: 'static>(p: impl Parser<Token, T, Error = PError> + 'static, name: &'static str) -> P<T> {
    let bit = super::error::label_bit(name);
    p.map_err_with_span(move |e: PError, span: Span| if e.span == span { e.relabel(bit) } else { e }).boxed()
}

pub(super) fn ident() -> P<Ident> {
    filter_map(|span: Span, tok: Token| match tok {
        Token::Ident(name) => Ok(Ident { name, span }),
        other => Err(PError::expected_thing(span, super::error::IDENTIFIER, Some(other))),
    })
    .boxed()
}

/// A token that, when missing, is not worth naming in "expected ..." messages.
pub(super) fn quiet(tok: Token) -> P<Span> {
    filter_map(
        move |span: Span, t: Token| {
            if t == tok { Ok(span) } else { Err(chumsky::Error::expected_input_found(span, None, Some(t))) }
        },
    )
    .boxed()
}

/// A contextual keyword: an identifier spelled `word` (`class`, `static`, `use`, ...).
/// Failing, it names nothing it expected: such words would only clutter messages.
pub(super) fn kw(word: &'static str) -> P<Span> {
    filter_map(move |span: Span, tok: Token| match tok {
        Token::Ident(name) if &*name == word => Ok(span),
        other => Err(chumsky::Error::expected_input_found(span, None, Some(other))),
    })
    .boxed()
}

pub(super) fn mk_ident(name: &str, span: Span) -> Ident {
    Ident { name: Rc::from(name), span }
}

/// A field or method name: identifiers, and keywords too (`p.val`, `Node { val: 1 }`).
pub(super) fn field_ident() -> P<Ident> {
    filter_map(|span: Span, tok: Token| match tok {
        Token::Ident(name) => Ok(Ident { name, span }),
        kw if kw.is_keyword() => Ok(mk_ident(kw.text(), span)),
        other => Err(PError::expected_thing(span, super::error::FIELD_NAME, Some(other))),
    })
    .boxed()
}

/// A path segment: an identifier or `Self`.
pub(super) fn segment() -> P<Ident> {
    choice((ident(), just(Token::SelfUpper).map_with_span(|_, s| mk_ident("Self", s)))).boxed()
}

/// `<T, U: Bound>` after a declared name: parsed and dropped (generics are not enforced).
pub(super) fn generic_params() -> P<()> {
    let inside = recursive(|inside: Recursive<'static, Token, (), PError>| {
        choice((
            just(Token::Lt).ignore_then(inside.clone()).then_ignore(just(Token::Gt)).ignored(),
            // names, bounds `T: Trait + Other`, commas, paths
            filter(|t: &Token| !matches!(t, Token::Lt | Token::Gt | Token::Newline | Token::Indent | Token::Dedent))
                .ignored(),
        ))
        .repeated()
        .ignored()
    });
    just(Token::Lt).ignore_then(inside).then_ignore(just(Token::Gt)).ignored().boxed()
}

pub(super) fn block_of(stmts: Vec<crate::syntax::ast::Stmt>, fallback: Span) -> Block {
    let span = match (stmts.first(), stmts.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => fallback,
    };
    Block { stmts, span, ..Default::default() }
}

pub(super) fn span_from(start: Span, end: Span) -> Span {
    Span { file: start.file, start: start.start, end: end.end.max(start.start) }
}

/// The end of a simple statement: a line break or `;`, or (without consuming it) the end
/// of the enclosing block or `async { }` body.
pub(super) fn term() -> P<()> {
    choice((
        just(Token::Newline).ignored(),
        just(Token::Semi).ignored(),
        one_of([Token::RBrace, Token::Dedent]).ignored().rewind(),
        end(),
    ))
    .boxed()
}

/// On an error inside `open ... close`, skips to the matching closer (respecting nesting),
/// reports the error and goes on with `fallback` as the value.
pub(super) fn delimited_recovery<T: 'static>(
    p: impl Parser<Token, T, Error = PError> + 'static,
    open: Token,
    close: Token,
    fallback: impl Fn(Span) -> T + Clone + 'static,
) -> P<T> {
    use Token::*;
    let others = match open {
        LParen => [(LBracket, RBracket), (LBrace, RBrace)],
        LBracket => [(LParen, RParen), (LBrace, RBrace)],
        _ => [(LParen, RParen), (LBracket, RBracket)],
    };
    p.recover_with(nested_delimiters(open, close, others, fallback)).boxed()
}

/// Skips one bracketed group, balanced, tolerating a missing closer (used by recovery).
fn bracket_group() -> P<()> {
    recursive(|group: Recursive<'static, Token, (), PError>| {
        let inner = choice((
            group,
            none_of([Token::LParen, Token::RParen, Token::LBracket, Token::RBracket, Token::LBrace, Token::RBrace])
                .ignored(),
        ))
        .repeated();
        let delimited = |open: Token, close: Token| {
            just(open).ignore_then(inner.clone()).then_ignore(just(close).or_not()).ignored()
        };
        choice((
            delimited(Token::LParen, Token::RParen),
            delimited(Token::LBracket, Token::RBracket),
            delimited(Token::LBrace, Token::RBrace),
        ))
    })
    .boxed()
}

/// Where a statement list is, which decides what error recovery may skip.
#[derive(Clone, Copy)]
pub(super) enum Level {
    /// the file: anything may be skipped
    Top,
    /// an indented block: stop at the dedent that ends it
    Block,
    /// an `async { }` body: stop at a dedent and at the `}` that ends it
    Async,
}

/// Recovery: skips the rest of a bad statement — its line, the indented block after it, and
/// any `elif`/`else` clauses that belong to it — without running past the end of the
/// enclosing block.
pub(super) fn skip_statement(level: Level) -> P<()> {
    let indented_block = recursive(|ib: Recursive<'static, Token, (), PError>| {
        just(Token::Indent)
            .ignore_then(choice((ib, none_of([Token::Indent, Token::Dedent]).ignored())).repeated())
            .then_ignore(just(Token::Dedent).or_not())
            .ignored()
    })
    .boxed();
    let other = match level {
        Level::Top => none_of(vec![Token::Newline]),
        Level::Block => none_of(vec![Token::Newline, Token::Indent, Token::Dedent]),
        Level::Async => none_of(vec![Token::Newline, Token::Indent, Token::Dedent, Token::RBrace]),
    };
    let line_token = choice((bracket_group(), other.ignored())).boxed();
    let line = line_token
        .repeated()
        .at_least(1)
        .then(just(Token::Newline).then(indented_block.or_not()).or_not())
        .ignored()
        .boxed();
    line.clone().then(one_of([Token::Elif, Token::Else]).rewind().ignore_then(line).repeated()).ignored().boxed()
}
