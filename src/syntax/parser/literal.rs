//! Literals: numbers, strings (with interpolation and format specs), raw and byte
//! strings, `true`, `false`, `nil`.

use super::common::P;
use super::error::PError;
use super::parse_expr_source;
use crate::syntax::ast::{Expr, ExprKind, InterpPart, Span};
use crate::syntax::format_spec;
use crate::syntax::token::{StrPart, Token};
use chumsky::prelude::{Parser, filter_map};
use std::rc::Rc;

/// A literal token before interpolation pieces are parsed.
enum LitTok {
    Done(ExprKind),
    Str(Rc<Vec<StrPart>>),
}

pub(super) fn literal() -> P<Expr> {
    filter_map(|span: Span, tok: Token| {
        let kind = match tok {
            Token::Int(v) => ExprKind::Int(v),
            Token::Float(bits) => ExprKind::Float(f64::from_bits(bits)),
            Token::True => ExprKind::Bool(true),
            Token::False => ExprKind::Bool(false),
            Token::Nil => ExprKind::Nil,
            Token::RawStr(s) => ExprKind::Str(Rc::new(crate::text::Str::new(s.to_string()))),
            Token::Bytes(b) => ExprKind::Bytes(Rc::from(b.as_slice())),
            Token::Str(parts) => return Ok(LitTok::Str(parts)),
            other => return Err(PError::expected_thing(span, super::error::LITERAL, Some(other))),
        };
        Ok(LitTok::Done(kind))
    })
    .validate(|lit, span: Span, emit| {
        let kind = match lit {
            LitTok::Done(kind) => kind,
            LitTok::Str(parts) => string_kind(&parts, span, emit),
        };
        Expr::new(kind, span)
    })
    .boxed()
}

fn string_kind(parts: &[StrPart], span: Span, emit: &mut dyn FnMut(PError)) -> ExprKind {
    if parts.iter().all(|p| matches!(p, StrPart::Text(_))) {
        let mut s = String::new();
        for p in parts {
            if let StrPart::Text(t) = p {
                s.push_str(t);
            }
        }
        return ExprKind::Str(Rc::new(crate::text::Str::new(s)));
    }
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            StrPart::Text(t) => out.push(InterpPart::Lit(Rc::from(t.as_str()))),
            StrPart::Code(code, offset) => match interpolation(code, *offset, span) {
                Ok((e, spec)) => out.push(InterpPart::Expr(e, spec)),
                Err(errors) => {
                    for e in errors {
                        emit(e);
                    }
                    out.push(InterpPart::Expr(Expr::new(ExprKind::Nil, span), None));
                }
            },
        }
    }
    ExprKind::Interp(out)
}

type Spec = Option<Rc<format_spec::FormatSpec>>;
type Piece = Result<(Expr, Spec), Vec<PError>>;

thread_local! {
    /// Interpolation pieces already parsed, by (file, offset): the grammar backtracks,
    /// and a literal can be read several times; parsing its pieces again each time would
    /// be exponential in how deeply strings nest inside interpolations.
    static PIECES: std::cell::RefCell<std::collections::HashMap<(u32, usize, usize), Piece>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Forgets the parsed pieces (at the start of each file's parse).
pub(super) fn clear_piece_cache() {
    PIECES.with(|p| p.borrow_mut().clear());
}

/// One `{...}` piece, parsed once per parse of its file.
fn interpolation(code: &str, offset: usize, span: Span) -> Piece {
    let key = (span.file, offset, code.len());
    if let Some(hit) = PIECES.with(|p| p.borrow().get(&key).cloned()) {
        return hit;
    }
    let piece = parse_piece(code, offset, span);
    PIECES.with(|p| p.borrow_mut().insert(key, piece.clone()));
    piece
}

/// An expression, or (only when the whole text is not one) an expression and the
/// format spec after its last top-level `:`.
fn parse_piece(code: &str, offset: usize, span: Span) -> Piece {
    let whole = match parse_expr_source(code, offset, span.file) {
        Ok(e) => return Ok((e, None)),
        Err(diags) => diags,
    };
    let as_errors = |diags: Vec<crate::diag::Diagnostic>| {
        diags.into_iter().map(|d| PError::custom(d.span.unwrap_or(span), d.message)).collect::<Vec<_>>()
    };
    let Some(colon) = last_top_level_colon(code) else {
        return Err(as_errors(whole));
    };
    let Ok(e) = parse_expr_source(&code[..colon], offset, span.file) else {
        return Err(as_errors(whole));
    };
    let spec_text = &code[colon + 1..];
    match format_spec::parse(spec_text) {
        Ok(spec) => Ok((e, Some(Rc::new(spec)))),
        Err(message) => {
            let at = Span::new(span.file, offset + colon + 1, offset + code.len());
            Err(vec![PError::custom(at, message)])
        }
    }
}

/// The byte index of the last `:` outside brackets and strings (not part of `::`).
fn last_top_level_colon(code: &str) -> Option<usize> {
    let bytes = code.as_bytes();
    let (mut depth, mut in_str, mut found) = (0i32, false, None);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            _ if in_str => {}
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b':' if depth == 0 => {
                if bytes.get(i + 1) == Some(&b':') {
                    i += 1;
                } else if i == 0 || bytes[i - 1] != b':' {
                    found = Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}
