//! Patterns for `match` arms, `let`, `for`, `if let` and comprehensions: literals
//! (negative numbers too), `_`, names, `()`, tuples, lists, variants (`Some(p)`, `None`,
//! `Shape::Circle(r)`, `Color.Red`) and alternatives `p | q`.

use super::common::{P, label, segment};
use super::error::PError;
use super::literal::literal;
use crate::syntax::ast::{Expr, ExprKind, PatKind, Pattern, Span, VarRef};
use crate::syntax::token::Token;
use chumsky::prelude::{Parser, Recursive, choice, filter_map, just, recursive};

pub(super) fn pattern_parser() -> P<Pattern> {
    recursive(|pat: Recursive<'static, Token, Pattern, PError>| {
        let list = pat.clone().separated_by(just(Token::Comma)).allow_trailing().boxed();
        let neg_number = just(Token::Minus)
            .map_with_span(|_, s: Span| s)
            .then(filter_map(|span: Span, tok: Token| match tok {
                Token::Int(v) => Ok(ExprKind::Int(v.wrapping_neg())),
                Token::Float(b) => Ok(ExprKind::Float(-f64::from_bits(b))),
                other => Err(PError::expected_thing(span, super::error::NUMBER, Some(other))),
            }))
            .map_with_span(|(_, kind), span| Pattern { kind: PatKind::Lit(Expr::new(kind, span)), span });
        let lit = literal().validate(|e, span, emit| {
            if matches!(e.kind, ExprKind::Interp(_)) {
                emit(PError::custom(span, "a string pattern cannot contain `{...}` interpolation"));
            }
            Pattern { kind: PatKind::Lit(e), span }
        });
        let unit = just(Token::LParen)
            .then(just(Token::RParen))
            .map_with_span(|_, span| Pattern { kind: PatKind::Lit(Expr::new(ExprKind::Nil, span)), span });
        let tuple = just(Token::LParen)
            .ignore_then(pat.clone())
            .then(just(Token::Comma).ignore_then(pat.clone()).repeated())
            .then(just(Token::Comma).or_not())
            .then_ignore(just(Token::RParen))
            .map_with_span(|((first, rest), trailing), span| {
                if rest.is_empty() && trailing.is_none() {
                    Pattern { kind: first.kind, span }
                } else {
                    Pattern { kind: PatKind::Tuple(std::iter::once(first).chain(rest).collect()), span }
                }
            });
        let list_pat = list
            .clone()
            .delimited_by(just(Token::LBracket), just(Token::RBracket))
            .map_with_span(|items, span| Pattern { kind: PatKind::List(items), span });
        // `Shape::Circle(r)` and `Color.Red` name variants; a lone name binds
        let path = segment()
            .then(choice((just(Token::ColonColon), just(Token::Dot))).ignore_then(segment()).repeated())
            .then(list.delimited_by(just(Token::LParen), just(Token::RParen)).or_not())
            .map_with_span(|((first, rest), args), span| {
                if rest.is_empty() && args.is_none() {
                    if &*first.name == "_" {
                        return Pattern { kind: PatKind::Wild, span };
                    }
                    if &*first.name != "None" {
                        return Pattern { kind: PatKind::Bind(VarRef::new(first.name, first.span)), span };
                    }
                }
                let path = std::iter::once(first).chain(rest).collect();
                Pattern { kind: PatKind::Variant { path, args }, span }
            });
        let field =
            super::common::field_ident().then(just(Token::Colon).ignore_then(pat.clone()).or_not()).map(|(name, p)| {
                let p = p.unwrap_or_else(|| Pattern {
                    kind: PatKind::Bind(VarRef::new(name.name.clone(), name.span)),
                    span: name.span,
                });
                (name, p)
            });
        let struct_pat = segment()
            .then(
                field
                    .separated_by(just(Token::Comma))
                    .allow_trailing()
                    .delimited_by(just(Token::LBrace), just(Token::RBrace)),
            )
            .map_with_span(|(name, fields), span| Pattern {
                kind: PatKind::Struct { ty: VarRef::new(name.name, name.span), fields },
                span,
            });
        let atom = label(choice((neg_number, lit, unit, tuple, list_pat, struct_pat, path)), "pattern");
        atom.clone().then(just(Token::Pipe).ignore_then(atom).repeated()).map_with_span(|(first, rest), span| {
            if rest.is_empty() {
                first
            } else {
                Pattern { kind: PatKind::Or(std::iter::once(first).chain(rest).collect()), span }
            }
        })
    })
    .boxed()
}
