//! Type annotations. They are kept for tooling, never enforced: `i64`, `a::B`,
//! `Result[T, E]` and `Result<T, E>`, `&T`, `&mut T`, `(A, B)`, `()`, `[T]`,
//! `{K: V}`, `fn(A) -> B`, and `T?`.

use super::common::{P, label, mk_ident, segment};
use super::error::PError;
use crate::syntax::ast::{Span, TypeExpr};
use crate::syntax::token::Token;
use chumsky::prelude::{Parser, Recursive, choice, just, recursive};

pub(super) fn type_parser() -> P<TypeExpr> {
    recursive(|ty: Recursive<'static, Token, TypeExpr, PError>| {
        let list = ty.clone().separated_by(just(Token::Comma)).allow_trailing().boxed();
        let reference = just(Token::Amp)
            .ignore_then(just(Token::Mut).or_not())
            .then(ty.clone())
            .map(|(m, inner)| TypeExpr::Ref { mutable: m.is_some(), inner: Box::new(inner) });
        let tuple = just(Token::LParen)
            .ignore_then(
                ty.clone()
                    .then(just(Token::Comma).ignore_then(ty.clone()).repeated())
                    .then(just(Token::Comma).or_not())
                    .or_not(),
            )
            .then_ignore(just(Token::RParen))
            .map(|items| match items {
                None => TypeExpr::Tuple(Vec::new()),
                Some(((first, rest), None)) if rest.is_empty() => first,
                Some(((first, rest), _)) => TypeExpr::Tuple(std::iter::once(first).chain(rest).collect()),
            });
        let func = just(Token::Fn)
            .ignore_then(list.clone().delimited_by(just(Token::LParen), just(Token::RParen)))
            .then(just(Token::Arrow).ignore_then(ty.clone()).or_not())
            .map(|(params, ret)| TypeExpr::Func { params, ret: ret.map(Box::new) });
        let list_ty = just(Token::LBracket)
            .map_with_span(|_, s: Span| s)
            .then(ty.clone())
            .then_ignore(just(Token::RBracket))
            .map(|(s, t)| TypeExpr::Named { path: vec![mk_ident("List", s)], args: vec![t] });
        let dict_ty = just(Token::LBrace)
            .map_with_span(|_, s: Span| s)
            .then(ty.clone())
            .then_ignore(just(Token::Colon))
            .then(ty.clone())
            .then_ignore(just(Token::RBrace))
            .map(|((s, k), v)| TypeExpr::Named { path: vec![mk_ident("Dict", s)], args: vec![k, v] });
        // `Result[T, E]` (square brackets) or `Result<T, E>` (angle brackets)
        let args = choice((
            list.clone().delimited_by(just(Token::LBracket), just(Token::RBracket)),
            list.delimited_by(just(Token::Lt), just(Token::Gt)),
        ));
        let named = segment()
            .then(choice((just(Token::ColonColon), just(Token::Dot))).ignore_then(segment()).repeated())
            .then(args.or_not())
            .map(|((first, rest), args)| TypeExpr::Named {
                path: std::iter::once(first).chain(rest).collect(),
                args: args.unwrap_or_default(),
            });
        let base = label(choice((reference, tuple, func, list_ty, dict_ty, named)), "type");
        // `dyn Trait` / `impl Trait`: the trait itself (not enforced)
        let base = choice((super::common::kw("dyn"), super::common::quiet(Token::Impl))).or_not().ignore_then(base);
        base.then(just(Token::Question).repeated()).foldl(|t, _| TypeExpr::Optional(Box::new(t)))
    })
    .boxed()
}
