//! Expressions: primaries (literals, names and paths, struct literals, brackets,
//! comprehensions, lambdas, `async { }`, `match`/`if` used as values), postfix
//! operations, and the operator precedence tower of LANGUAGE.md §2 (lowest first):
//! `|>`; `??`; `or`; `and`; `not`; comparisons (chained, with `in`, `not in`, `is`,
//! `is not`); ranges; `|`; `^`; `&`; shifts; `+ -`; `* / // %`; `as`; unary; `**`;
//! `await`; postfix.

use super::Rec;
use super::common::{Level, P, block_of, delimited_recovery, field_ident, ident, kw, label, mk_ident, segment};
use super::error::PError;
use super::literal::literal;
use crate::syntax::ast::*;
use crate::syntax::token::Token;
use chumsky::prelude::{Parser, Recursive, choice, filter, filter_map, just, recursive};
use std::rc::Rc;

use Token as T;

/// The whole expression grammar (`rec.expr` is defined as this).
pub(super) fn expr_parser(rec: &Rec) -> P<Expr> {
    let expr: P<Expr> = rec.expr.clone().boxed();
    let args = args_parser(expr.clone());
    let mut or_level: Recursive<'static, Token, Expr, PError> = Recursive::declare();
    let primary = primary(rec, &expr, or_level.clone().boxed());
    let postfix = postfix(rec, primary, args, expr.clone());
    let unary = unary(postfix, rec);
    or_level.define(operators(unary));
    let pipeline = pipeline(or_level.boxed());
    label(choice((if_expr(expr), pipeline)), "expression")
}

/// `(a, b, name: c, d = e)`; positional arguments come first.
fn args_parser(expr: P<Expr>) -> P<Vec<Arg>> {
    let named_arg = field_ident()
        .then_ignore(choice((just(T::Colon), just(T::Assign))))
        .then(expr.clone())
        .map(|(name, value)| Arg { name: Some(name), value });
    let arg = choice((named_arg, expr.map(|value| Arg { name: None, value })));
    let args =
        arg.separated_by(just(T::Comma)).allow_trailing().delimited_by(just(T::LParen), just(T::RParen)).validate(
            |args: Vec<Arg>, _span, emit| {
                let mut seen_named = false;
                for a in &args {
                    if a.name.is_some() {
                        seen_named = true;
                    } else if seen_named {
                        emit(PError::custom(a.value.span, "a positional argument cannot follow a named argument"));
                    }
                }
                args
            },
        );
    delimited_recovery(args, T::LParen, T::RParen, |_| Vec::new())
}

fn lambda_decl(name: &str, params: Vec<Param>, body: Block, span: Span, block_body: bool) -> Rc<FnDecl> {
    Rc::new(FnDecl {
        name: mk_ident(name, span),
        kind: FnKind::Lambda,
        is_pub: false,
        is_async: false,
        is_extern: false,
        is_abstract: false,
        is_static: false,
        self_mode: SelfMode::None,
        block_body,
        params,
        ret: None,
        body,
        span,
        info: FnInfo::default(),
    })
}

/// A lambda's body: an indented block (only where line breaks count, outside brackets)
/// or one expression.
fn lambda_body(rec: &Rec) -> P<(Block, bool)> {
    let block = rec.indented_block().map(|b| (b, true));
    let expr = rec.expr.clone().map(|e| {
        let span = e.span;
        (Block { stmts: vec![Stmt::new(StmtKind::Expr(e), span)], span, ..Default::default() }, false)
    });
    choice((block, expr)).boxed()
}

/// A field's default value as a function of no arguments, evaluated at each construction
/// that leaves the field out.
pub(super) fn thunk(e: Expr) -> Expr {
    let span = e.span;
    let body = Block { stmts: vec![Stmt::new(StmtKind::Expr(e), span)], span, ..Default::default() };
    Expr::new(ExprKind::Lambda(lambda_decl("default", Vec::new(), body, span, false)), span)
}

fn plain_param(name: Ident) -> Param {
    Param { name, ty: None, default: None, slot: Slot::Unresolved }
}

/// `\x, y: body`, `fn(x: T) -> R: body`, `|x, y| body`, `|| body`.
fn lambda(rec: &Rec) -> P<Expr> {
    lambda_forms(rec, true)
}

/// The lambda forms; `pipes`: also `|x| body` and `|| body`. A trailing lambda after a
/// method name (`xs.map \x: x * 2`) takes no pipe form: `p.done || ready` is an `or`.
fn lambda_forms(rec: &Rec, pipes_allowed: bool) -> P<Expr> {
    let body = lambda_body(rec);
    let backslash = just(T::Backslash)
        .map_with_span(|_, s: Span| s)
        .then(ident().separated_by(just(T::Comma)).allow_trailing())
        .then_ignore(just(T::Colon))
        .map(|(s, names)| (s, names.into_iter().map(plain_param).collect::<Vec<_>>()));
    let typed_param = just(T::Mut)
        .or_not()
        .ignore_then(ident())
        .then(just(T::Colon).ignore_then(rec.ty.clone()).or_not())
        .then(just(T::Assign).ignore_then(rec.expr.clone()).or_not())
        .map(|((name, ty), default)| Param { name, ty, default, slot: Slot::Unresolved });
    let fn_form = just(T::Fn)
        .map_with_span(|_, s: Span| s)
        .then(typed_param.separated_by(just(T::Comma)).allow_trailing().delimited_by(just(T::LParen), just(T::RParen)))
        .then_ignore(just(T::Arrow).ignore_then(rec.ty.clone()).or_not())
        .then_ignore(just(T::Colon));
    let pipes = choice((
        just(T::PipePipe).map_with_span(|_, s: Span| (s, Vec::new())),
        just(T::Pipe)
            .map_with_span(|_, s: Span| s)
            .then(ident().separated_by(just(T::Comma)).allow_trailing())
            .then_ignore(just(T::Pipe))
            .map(|(s, names)| (s, names.into_iter().map(plain_param).collect())),
    ));
    let forms = if pipes_allowed { choice((backslash, fn_form, pipes)).boxed() } else { backslash.or(fn_form).boxed() };
    forms
        .then(body)
        .map(|((start, params), (body, block))| {
            let span = start.to(body.span);
            Expr::new(ExprKind::Lambda(lambda_decl("lambda", params, body, span, block)), span)
        })
        .boxed()
}

/// `if c: a elif d: b else: z` on one line (all branches expressions).
fn if_expr(expr: P<Expr>) -> P<Expr> {
    just(T::If)
        .map_with_span(|_, s: Span| s)
        .then(expr.clone())
        .then_ignore(just(T::Colon))
        .then(expr.clone())
        .then(
            choice((just(T::Elif).ignored(), just(T::Else).then(just(T::If)).ignored()))
                .ignore_then(expr.clone())
                .then_ignore(just(T::Colon))
                .then(expr.clone())
                .repeated(),
        )
        .then_ignore(just(T::Else))
        .then_ignore(just(T::Colon))
        .then(expr)
        .map(|((((start, cond), then), elifs), else_)| {
            let span = start.to(else_.span);
            let branches = std::iter::once((cond, then)).chain(elifs).collect();
            Expr::new(ExprKind::If { branches, else_: Box::new(else_) }, span)
        })
        .boxed()
}

/// Comprehension clauses: `for pat in iter` then any `for` / `if`.
fn comp_clauses(rec: &Rec, or_level: P<Expr>) -> P<Vec<CompClause>> {
    let pats = rec.pattern.clone().separated_by(just(T::Comma)).at_least(1).map_with_span(|mut pats, span| {
        if pats.len() == 1 {
            (pats.pop().expect("one pattern"), false)
        } else {
            (Pattern { kind: PatKind::Tuple(pats), span }, true)
        }
    });
    let for_clause = just(T::For)
        .ignore_then(pats)
        .then_ignore(just(T::In))
        .then(or_level.clone())
        .map(|((pat, shorthand), iter)| CompClause::For { pat, iter, shorthand });
    let if_clause = just(T::If).ignore_then(or_level).map(CompClause::If);
    for_clause.clone().chain(choice((for_clause, if_clause)).repeated()).boxed()
}

fn comprehension(kind: CompKind, clauses: Vec<CompClause>, span: Span) -> Expr {
    Expr::new(ExprKind::Comprehension(Box::new(Comprehension { kind, clauses, scope_slots: Vec::new() })), span)
}

/// `[a, b]` and `[e for x in it]`. The first element is parsed once, then what follows
/// decides (trying both shapes from the start would be exponential in nesting).
fn list_expr(rec: &Rec, expr: &P<Expr>, or_level: P<Expr>) -> P<Expr> {
    enum Rest {
        Comp(Vec<CompClause>),
        Items(Vec<Expr>),
    }
    let rest = choice((
        comp_clauses(rec, or_level).map(Rest::Comp),
        just(T::Comma).ignore_then(expr.clone()).repeated().then_ignore(just(T::Comma).or_not()).map(Rest::Items),
    ));
    let body = expr.clone().then(rest).or_not();
    let list = body.delimited_by(just(T::LBracket), just(T::RBracket)).map_with_span(|b, span| match b {
        None => Expr::new(ExprKind::List(Vec::new()), span),
        Some((first, Rest::Items(more))) => {
            Expr::new(ExprKind::List(std::iter::once(first).chain(more).collect()), span)
        }
        Some((e, Rest::Comp(clauses))) => comprehension(CompKind::List(e), clauses, span),
    });
    delimited_recovery(list, T::LBracket, T::RBracket, |span| Expr::new(ExprKind::Nil, span))
}

/// `{}` / `{k: v, ...}` (dict), `{a, b}` (set), and their comprehensions. The first
/// key or element is parsed once; a `:` after it makes a dict.
fn brace_expr(rec: &Rec, expr: &P<Expr>, or_level: P<Expr>) -> P<Expr> {
    enum Rest {
        Dict(Expr, Vec<(Expr, Expr)>),
        DictComp(Expr, Vec<CompClause>),
        Set(Vec<Expr>),
        SetComp(Vec<CompClause>),
    }
    let clauses = comp_clauses(rec, or_level.clone());
    let entry = or_level.clone().then_ignore(just(T::Colon)).then(expr.clone());
    let more_entries = just(T::Comma).ignore_then(entry).repeated().then_ignore(just(T::Comma).or_not());
    let dict_rest =
        just(T::Colon).ignore_then(expr.clone()).then(choice((clauses.clone().map(Err), more_entries.map(Ok))));
    let rest = choice((
        dict_rest.map(|(v, r)| match r {
            Ok(more) => Rest::Dict(v, more),
            Err(c) => Rest::DictComp(v, c),
        }),
        clauses.map(Rest::SetComp),
        just(T::Comma).ignore_then(expr.clone()).repeated().then_ignore(just(T::Comma).or_not()).map(Rest::Set),
    ));
    let body = or_level.then(rest).or_not();
    let braces = body.delimited_by(just(T::LBrace), just(T::RBrace)).map_with_span(|b, span| match b {
        None => Expr::new(ExprKind::Dict(Vec::new()), span),
        Some((k, Rest::Dict(v, more))) => {
            Expr::new(ExprKind::Dict(std::iter::once((k, v)).chain(more).collect()), span)
        }
        Some((k, Rest::DictComp(v, c))) => comprehension(CompKind::Dict(k, v), c, span),
        Some((first, Rest::Set(more))) => Expr::new(ExprKind::Set(std::iter::once(first).chain(more).collect()), span),
        Some((e, Rest::SetComp(c))) => comprehension(CompKind::Set(e), c, span),
    });
    delimited_recovery(braces, T::LBrace, T::RBrace, |span| Expr::new(ExprKind::Nil, span))
}

/// `()`, `(e)`, `(a, b)`, `(a,)`.
fn paren_expr(expr: &P<Expr>) -> P<Expr> {
    let unit = just(T::LParen).then(just(T::RParen)).map_with_span(|_, span| Expr::new(ExprKind::Nil, span));
    let paren = just(T::LParen)
        .ignore_then(expr.clone())
        .then(just(T::Comma).ignore_then(expr.clone()).repeated())
        .then(just(T::Comma).or_not())
        .then_ignore(just(T::RParen))
        .map_with_span(|((first, rest), trailing), span| {
            if rest.is_empty() && trailing.is_none() {
                // keep the inner node, widened to cover the parentheses
                Expr { span, ..first }
            } else {
                Expr::new(ExprKind::Tuple(std::iter::once(first).chain(rest).collect()), span)
            }
        });
    let paren = delimited_recovery(paren, T::LParen, T::RParen, |span| Expr::new(ExprKind::Nil, span));
    choice((unit, paren)).boxed()
}

/// Names, `self`, paths `a::B`, and struct literals `Name { x: 1 }` (any name: the
/// resolver checks that it is a struct).
fn name_expr(expr: &P<Expr>) -> P<Expr> {
    let head = choice((segment(), just(T::SelfLower).map_with_span(|_, s| mk_ident("self", s))));
    let field_init = field_ident().then(just(T::Colon).ignore_then(expr.clone()).or_not()).map(|(name, value)| {
        let value =
            value.unwrap_or_else(|| Expr::new(ExprKind::Var(VarRef::new(name.name.clone(), name.span)), name.span));
        (name, value)
    });
    let struct_body =
        field_init.separated_by(just(T::Comma)).allow_trailing().delimited_by(just(T::LBrace), just(T::RBrace));
    let struct_body = delimited_recovery(struct_body, T::LBrace, T::RBrace, |_| Vec::new());
    head.then(just(T::ColonColon).ignore_then(segment()).repeated())
        .then(struct_body.or_not())
        .map_with_span(|((first, rest), fields), span: Span| {
            let mut path: Vec<Ident> = std::iter::once(first).chain(rest).collect();
            if let Some(fields) = fields {
                return Expr::new(ExprKind::StructLit { path, fields }, span);
            }
            if path.len() == 1 {
                let id = path.pop().expect("one segment");
                Expr::new(ExprKind::Var(VarRef::new(id.name, id.span)), span)
            } else {
                Expr::new(ExprKind::Path(path), span)
            }
        })
        .boxed()
}

fn primary(rec: &Rec, expr: &P<Expr>, or_level: P<Expr>) -> P<Expr> {
    let async_body = just(T::LBrace).ignore_then(rec.stmt_list(Level::Async)).then_ignore(just(T::RBrace));
    let async_block = just(T::Async).ignore_then(async_body).map_with_span(|stmts, span: Span| {
        let mut decl = lambda_decl("async", Vec::new(), block_of(stmts, span), span, true);
        if let Some(d) = Rc::get_mut(&mut decl) {
            d.kind = FnKind::AsyncBlock;
            d.is_async = true;
        }
        Expr::new(ExprKind::AsyncBlock(decl), span)
    });
    // `match` and block-form `if` as values (`let x = match y:` + indented arms)
    let block_stmt = choice((rec.match_stmt.clone(), super::stmt::if_value(rec)))
        .map(|s| {
            let span = s.span;
            Expr::new(ExprKind::Block(Box::new(s)), span)
        })
        .boxed();
    label(
        choice((
            literal(),
            paren_expr(expr),
            list_expr(rec, expr, or_level.clone()),
            brace_expr(rec, expr, or_level),
            async_block,
            lambda(rec),
            block_stmt,
            name_expr(expr),
        )),
        "expression",
    )
}

/// A postfix operation, applied to the expression before it.
enum Post {
    Call(Vec<Arg>),
    Method(Ident, Vec<Arg>),
    Field(Ident),
    /// `t.0.1` lexes as `t`, `.`, float `0.1`
    Field2(Ident, Ident),
    Index(Expr),
    Slice(Box<SliceParts>),
    Try,
    Exists,
}

fn apply_post(base: Expr, (post, span): (Post, Span)) -> Expr {
    let whole = base.span.to(span);
    let kind = match post {
        Post::Call(args) => ExprKind::Call { callee: Box::new(base), args },
        Post::Method(method, args) => {
            ExprKind::MethodCall { recv: Box::new(base), method, args, cache: SiteCache::default() }
        }
        Post::Field(name) => ExprKind::Field(Box::new(base), name, SiteCache::default()),
        Post::Field2(a, b) => {
            let first_span = base.span.to(a.span);
            let first = Expr::new(ExprKind::Field(Box::new(base), a, SiteCache::default()), first_span);
            ExprKind::Field(Box::new(first), b, SiteCache::default())
        }
        Post::Index(i) => ExprKind::Index(Box::new(base), Box::new(i)),
        Post::Slice(parts) => ExprKind::Slice(Box::new(base), parts),
        Post::Try => ExprKind::Try(Box::new(base)),
        Post::Exists => ExprKind::Exists(Box::new(base)),
    };
    Expr::new(kind, whole)
}

/// `t.0` and `t.0.1` (the lexer reads `0.1` as a float).
fn tuple_field() -> P<Post> {
    filter_map(|span: Span, tok: Token| match tok {
        Token::Int(v) if v >= 0 => Ok(Post::Field(mk_ident(&v.to_string(), span))),
        Token::Float(bits) => {
            let text = format!("{:?}", f64::from_bits(bits));
            match text.split_once('.') {
                Some((a, b)) if a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()) => {
                    let mid = span.start as usize + a.len();
                    let first = Span::new(span.file, span.start as usize, mid);
                    let second = Span::new(span.file, mid + 1, span.end as usize);
                    Ok(Post::Field2(mk_ident(a, first), mk_ident(b, second)))
                }
                _ => Err(PError::expected_thing(span, super::error::FIELD_NAME, Some(Token::Float(bits)))),
            }
        }
        other => Err(PError::expected_thing(span, super::error::FIELD_NAME, Some(other))),
    })
    .boxed()
}

/// `[i]` or `[a:b:c]` (every part optional). The first part is parsed once, then what
/// follows it decides.
fn index_or_slice(expr: P<Expr>) -> P<Post> {
    #[derive(Clone)]
    enum Tail {
        Index,
        /// `:end` and an optional `:step`
        Slice(Option<Expr>, Option<Option<Expr>>),
        /// `::step`
        Step(Option<Expr>),
    }
    let part = expr.clone().or_not();
    let tail = choice((
        just(T::ColonColon).ignore_then(part.clone()).map(Tail::Step),
        just(T::Colon)
            .ignore_then(part.clone())
            .then(just(T::Colon).ignore_then(part.clone()).or_not())
            .map(|(end, step)| Tail::Slice(end, step)),
        chumsky::prelude::empty().to(Tail::Index),
    ));
    let inner = part.then(tail).try_map(|(start, tail), span: Span| match (start, tail) {
        (Some(i), Tail::Index) => Ok(Post::Index(i)),
        (None, Tail::Index) => Err(PError::expected_thing(span, super::error::EXPRESSION, None)),
        (start, Tail::Step(step)) => Ok(Post::Slice(Box::new(SliceParts { start, end: None, step }))),
        (start, Tail::Slice(end, step)) => Ok(Post::Slice(Box::new(SliceParts { start, end, step: step.flatten() }))),
    });
    delimited_recovery(inner.delimited_by(just(T::LBracket), just(T::RBracket)), T::LBracket, T::RBracket, |span| {
        Post::Index(Expr::new(ExprKind::Nil, span))
    })
}

fn postfix(rec: &Rec, primary: P<Expr>, args: P<Vec<Arg>>, expr: P<Expr>) -> P<Expr> {
    // `.name(args)`, `.name \x: body` (a trailing lambda), `.name`
    let trailing_lambda = lambda_forms(rec, false).map(|l| vec![Arg { name: None, value: l }]);
    let method_or_field =
        field_ident().then(choice((args.clone(), trailing_lambda)).or_not()).map(|(name, args)| match args {
            Some(args) => Post::Method(name, args),
            None => Post::Field(name),
        });
    let dot = just(T::Dot).ignore_then(choice((method_or_field, tuple_field())));
    let non_try = choice((args.map(Post::Call), dot, index_or_slice(expr), just(T::DotQuestion).map(|_| Post::Exists)))
        .map_with_span(|p, s: Span| (p, s))
        .boxed();
    let any_post = choice((non_try.clone(), just(T::Question).map_with_span(|_, s: Span| (Post::Try, s)))).boxed();

    // `await` takes the postfix chain up to the first `?`; what follows applies to the
    // awaited value: `await f()?.len()` is `((await f())?).len()`
    let awaited = recursive(|awaited: Recursive<'static, Token, Expr, PError>| {
        just(T::Await)
            .map_with_span(|_, s: Span| s)
            .then(choice((awaited, primary.clone().then(non_try.clone().repeated()).foldl(apply_post).boxed())))
            .map(|(start, inner)| {
                let span = start.to(inner.span);
                Expr::new(ExprKind::Await(Box::new(inner)), span)
            })
            .then(any_post.clone().repeated())
            .foldl(apply_post)
    });
    choice((awaited, primary.then(any_post.repeated()).foldl(apply_post))).boxed()
}

#[derive(Clone, Copy)]
enum Prefix {
    Move,
    Neg,
    Not,
    BitNot,
    Ref(bool),
}

/// Unary operators bind looser than `**`: `-2 ** 2` is `-(2 ** 2)`; `x as T` binds
/// looser than unary: `-x as f64` is `(-x) as f64`.
fn unary(postfix: P<Expr>, rec: &Rec) -> P<Expr> {
    let unary = recursive(|unary: Recursive<'static, Token, Expr, PError>| {
        let power =
            postfix.clone().then(just(T::StarStar).ignore_then(unary.clone()).or_not()).map(|(base, exp)| match exp {
                Some(exp) => binary(base, (BinOp::Pow, exp)),
                None => base,
            });
        let prefix = choice((
            // `move x`: ownership is not tracked here; the value itself
            kw("move")
                .then(filter(|t: &Token| !matches!(t, T::Newline | T::Assign | T::Dot | T::LParen)).rewind())
                .to(Prefix::Move),
            just(T::Minus).to(Prefix::Neg),
            just(T::Bang).to(Prefix::Not),
            just(T::Tilde).to(Prefix::BitNot),
            just(T::Amp).ignore_then(just(T::Mut).or_not()).map(|m| Prefix::Ref(m.is_some())),
        ))
        .map_with_span(|p, s: Span| (p, s));
        let prefixed = prefix.then(unary).map(|((p, s), e)| {
            let span = s.to(e.span);
            let kind = match p {
                Prefix::Move => return Expr { span, ..e },
                Prefix::Neg => ExprKind::Unary(UnOp::Neg, Box::new(e)),
                Prefix::Not => ExprKind::Unary(UnOp::Not, Box::new(e)),
                Prefix::BitNot => ExprKind::Unary(UnOp::BitNot, Box::new(e)),
                Prefix::Ref(mutable) => ExprKind::Ref { mutable, inner: Box::new(e) },
            };
            Expr::new(kind, span)
        });
        label(choice((prefixed, power)), "expression")
    })
    .boxed();
    // `x as T`: the type is a plain (path) name with optional arguments
    let cast_ty = segment()
        .then(just(T::ColonColon).ignore_then(segment()).repeated())
        .map(|(first, rest)| TypeExpr::Named { path: std::iter::once(first).chain(rest).collect(), args: Vec::new() })
        .then(rec.ty.clone().separated_by(just(T::Comma)).delimited_by(just(T::Lt), just(T::Gt)).or_not())
        .map(|(t, args)| match (t, args) {
            (TypeExpr::Named { path, .. }, Some(args)) => TypeExpr::Named { path, args },
            (t, _) => t,
        });
    unary
        .then(kw("as").ignore_then(cast_ty).map_with_span(|t, s: Span| (t, s)).repeated())
        .foldl(|e, (t, s)| {
            let span = e.span.to(s);
            Expr::new(ExprKind::Cast(Box::new(e), t), span)
        })
        .boxed()
}

fn binary(a: Expr, (op, b): (BinOp, Expr)) -> Expr {
    let span = a.span.to(b.span);
    Expr::new(ExprKind::Binary(op, Box::new(a), Box::new(b)), span)
}

/// An operator token mapped to its `BinOp`.
fn bin_op(ops: &'static [(Token, BinOp)]) -> P<BinOp> {
    filter_map(move |span: Span, tok: Token| match ops.iter().find(|(t, _)| *t == tok) {
        Some((_, op)) => Ok(*op),
        None => Err(chumsky::Error::expected_input_found(span, ops.iter().map(|(t, _)| Some(t.clone())), Some(tok))),
    })
    .boxed()
}

/// One left-associative precedence level.
fn left_assoc(lower: P<Expr>, op: P<BinOp>) -> P<Expr> {
    lower.clone().then(op.then(lower).repeated()).foldl(binary).boxed()
}

/// `>>` is two adjacent `>` tokens (so that `List<List<i64>>` closes two generics).
fn shift_op() -> P<BinOp> {
    let gt = || just(T::Gt).map_with_span(|_, s: Span| s);
    let shr = gt().then(gt()).try_map(|(a, b), span| {
        if a.end == b.start { Ok(BinOp::Shr) } else { Err(PError::custom(span, "expected `>>`")) }
    });
    choice((just(T::Shl).to(BinOp::Shl), shr)).boxed()
}

/// `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `is`, `is not`.
fn comparison_op() -> P<BinOp> {
    use BinOp as B;
    let plain: &'static [(Token, BinOp)] = &[
        (T::EqEq, B::Eq),
        (T::NotEq, B::Ne),
        (T::Lt, B::Lt),
        (T::Le, B::Le),
        (T::Gt, B::Gt),
        (T::Ge, B::Ge),
        (T::In, B::In),
    ];
    choice((
        just(T::Not).then(just(T::In)).to(B::NotIn),
        kw("is").then(just(T::Not)).to(B::IsNot),
        kw("is").to(B::Is),
        bin_op(plain),
    ))
    .boxed()
}

/// How tightly a left-associative operator of one of the flattened levels binds
/// (`climb`): `*` over `+` over shifts over `&` over `^` over `|`, and `and` over `or`.
fn precedence(op: BinOp) -> u8 {
    use BinOp as B;
    match op {
        B::Mul | B::Div | B::Rem => 6,
        B::Add | B::Sub => 5,
        B::Shl | B::Shr => 4,
        B::BitAnd => 3,
        B::BitXor => 2,
        B::BitOr | B::And => 1,
        // `or` (the only operator of its flattened level below `and`)
        _ => 0,
    }
}

/// Operands joined by left-associative operators of several precedence levels, parsed
/// as one flat list (`operand (op operand)*`) and then grouped by `climb`. One level per
/// precedence made every operand try each level's operators in turn, each failure an
/// error built and merged: parsing was most of a run's start-up.
fn flat_levels(operand: P<Expr>, op: P<BinOp>) -> P<Expr> {
    operand
        .clone()
        .then(op.then(operand).repeated())
        .map(|(first, rest)| {
            let mut rest = rest.into_iter().peekable();
            climb(first, &mut rest, 0)
        })
        .boxed()
}

/// Precedence climbing: `lhs` joined with the operators of `rest` that bind at least
/// `min` tightly, a tighter operator's operands grouped first.
fn climb(mut lhs: Expr, rest: &mut std::iter::Peekable<std::vec::IntoIter<(BinOp, Expr)>>, min: u8) -> Expr {
    while let Some((op, _)) = rest.peek()
        && precedence(*op) >= min
    {
        let Some((op, mut rhs)) = rest.next() else { break };
        let p = precedence(op);
        while let Some((next, _)) = rest.peek()
            && precedence(*next) > p
        {
            rhs = climb(rhs, rest, p + 1);
        }
        lhs = binary(lhs, (op, rhs));
    }
    lhs
}

fn operators(unary: P<Expr>) -> P<Expr> {
    use BinOp as B;
    let arithmetic: &'static [(Token, BinOp)] = &[
        (T::Star, B::Mul),
        (T::Slash, B::Div),
        (T::Percent, B::Rem),
        (T::Plus, B::Add),
        (T::Minus, B::Sub),
        (T::Amp, B::BitAnd),
        (T::Caret, B::BitXor),
        (T::Pipe, B::BitOr),
    ];
    // `a > >b` must not read as a shift: a shift only takes adjacent `>>`
    let bitor = flat_levels(unary, choice((bin_op(arithmetic), shift_op())).boxed());
    let range = bitor
        .clone()
        .then(choice((just(T::DotDot).to(false), just(T::DotDotEq).to(true))).then(bitor).or_not())
        .map(|(start, rest)| match rest {
            None => start,
            Some((inclusive, end)) => {
                let span = start.span.to(end.span);
                Expr::new(ExprKind::Range { start: Box::new(start), end: Box::new(end), inclusive }, span)
            }
        })
        .boxed();
    let comparison = range
        .clone()
        .then(comparison_op().then(range).repeated())
        .map(|(first, rest)| match rest.len() {
            0 => first,
            1 => rest.into_iter().fold(first, binary),
            _ => {
                let span = first.span.to(rest.last().map(|(_, e)| e.span).unwrap_or(first.span));
                Expr::new(ExprKind::Compare(Box::new(first), rest), span)
            }
        })
        .boxed();
    let not_level = recursive(|not_level: Recursive<'static, Token, Expr, PError>| {
        let negated = just(T::Not).map_with_span(|_, s: Span| s).then(not_level).map(|(s, e)| {
            let span = s.to(e.span);
            Expr::new(ExprKind::Unary(UnOp::Not, Box::new(e)), span)
        });
        label(choice((negated, comparison)), "expression")
    })
    .boxed();
    let logical = &[(T::And, B::And), (T::AmpAmp, B::And), (T::Or, B::Or), (T::PipePipe, B::Or)];
    flat_levels(not_level, bin_op(logical))
}

/// `a ?? b` and `x |> f` (which is `f(x)`), the loosest operators.
fn pipeline(or_level: P<Expr>) -> P<Expr> {
    let coalesce = left_assoc(or_level, bin_op(&[(T::QuestionQuestion, BinOp::Coalesce)]));
    coalesce
        .clone()
        .then(just(T::PipeGt).ignore_then(coalesce).repeated())
        .foldl(|value, f| {
            let span = value.span.to(f.span);
            Expr::new(ExprKind::Call { callee: Box::new(f), args: vec![Arg { name: None, value }] }, span)
        })
        .boxed()
}
