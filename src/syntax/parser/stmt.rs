//! Statements: `let`/`val`/`var`, assignment (also `a, b = b, a`), expression
//! statements, `break`/`continue`/`return`/`pass`, command calls without parentheses
//! (`print "x"`, `expect x == 1`, `describe "name":` + block), and the compound
//! statements `if`/`while`/`for`/`loop`/`match` with their suites.

use super::Rec;
use super::common::{Level, P, block_of, ident, kw, label, mk_ident, skip_statement, span_from, term};
use super::error::PError;
use crate::syntax::ast::*;
use crate::syntax::token::Token;
use chumsky::prelude::{Parser, choice, empty, end, filter, just, one_of, skip_parser};
use std::rc::Rc;

use Token as T;

impl Rec {
    /// Statements of an indented block (or of the file); a bad statement is skipped.
    pub(super) fn stmt_list(&self, level: Level) -> P<Vec<Stmt>> {
        let sep = one_of([T::Newline, T::Semi]).ignored();
        choice((
            sep.map(|_| None),
            self.stmt.clone().map(Some).recover_with(skip_parser(skip_statement(level).map(|_| None))),
        ))
        .repeated()
        .map(|items| items.into_iter().flatten().collect::<Vec<Stmt>>())
        .boxed()
    }

    /// A line break, then an indented block of statements.
    pub(super) fn indented_block(&self) -> P<Block> {
        just(T::Newline)
            .map_with_span(|_, s: Span| s)
            .then_ignore(label(just(T::Indent), "an indented block"))
            .then(self.stmt_list(Level::Block))
            .then_ignore(just(T::Dedent))
            .map(|(at, stmts)| block_of(stmts, at))
            .boxed()
    }

    /// Simple statements on the rest of the line: `if n == 0: break; x += 1`.
    fn inline_stmts(&self) -> P<Vec<Stmt>> {
        self.inline_stmts_ending(just(T::Newline).ignored().boxed())
    }

    /// Statements on the line after a `:`, ended by `newline` (consumed or not), `;`-
    /// separated, or by what follows an inline branch (`else`, `elif`, `}`, a dedent).
    fn inline_stmts_ending(&self, newline: P<()>) -> P<Vec<Stmt>> {
        let inline_end = choice((newline, one_of([T::Else, T::Elif, T::RBrace, T::Dedent]).ignored().rewind(), end()));
        let follow = choice((one_of([T::Semi, T::Newline, T::Else, T::Elif, T::RBrace, T::Dedent]).ignored(), end()));
        simple_stmt(self, follow.rewind().boxed())
            .separated_by(just(T::Semi))
            .at_least(1)
            .allow_trailing()
            .then_ignore(inline_end)
            .boxed()
    }

    /// `:` followed by an indented block or statements on the same line.
    pub(super) fn suite(&self) -> P<Block> {
        self.suite_with(self.inline_stmts())
    }

    /// A suite of an `if` used as a value: a branch on the same line leaves its line
    /// break to the statement the `if` is part of (`let x = if let Some(y) = z: y else: 0`).
    fn value_suite(&self) -> P<Block> {
        self.suite_with(self.inline_stmts_ending(just(T::Newline).ignored().rewind().boxed()))
    }

    fn suite_with(&self, inline: P<Vec<Stmt>>) -> P<Block> {
        just(T::Colon)
            .map_with_span(|_, s: Span| s)
            .then(choice((self.indented_block().map(Ok), inline.map(Err))))
            .map(|(colon, body)| match body {
                Ok(block) => block,
                Err(stmts) => block_of(stmts, colon),
            })
            .boxed()
    }

    /// A condition: an expression, or `let pat = e` / `val pat = e` (`if let`, `while let`).
    fn condition(&self) -> P<Expr> {
        let let_cond = choice((just(T::Let), just(T::Val)))
            .ignore_then(self.pattern.clone())
            .then_ignore(just(T::Assign))
            .then(self.expr.clone())
            .map_with_span(|(pat, value), span| {
                Expr::new(ExprKind::LetCond { pat: Box::new(pat), value: Box::new(value) }, span)
            });
        choice((let_cond, self.expr.clone())).boxed()
    }
}

fn expr_list(rec: &Rec) -> P<Expr> {
    rec.expr
        .clone()
        .separated_by(just(T::Comma))
        .at_least(1)
        .map_with_span(|mut items, span| {
            if items.len() == 1 { items.pop().expect("one item") } else { Expr::new(ExprKind::Tuple(items), span) }
        })
        .boxed()
}

fn let_stmt(rec: &Rec) -> P<Stmt> {
    let let_kw = choice((
        just(T::Let).ignore_then(just(T::Mut).or_not()).map(|m| m.is_some()),
        just(T::Val).to(false),
        just(T::Var).to(true),
        kw("const").to(false),
    ));
    just(T::Pub)
        .or_not()
        .then(let_kw)
        .then(rec.pattern.clone())
        .then(just(T::Colon).ignore_then(rec.ty.clone()).or_not())
        .then_ignore(just(T::Assign))
        .then(rec.expr.clone())
        .map_with_span(|((((is_pub, mutable), pat), ty), value), span| {
            Stmt::new(StmtKind::Let { pat, mutable, ty, value, is_pub: is_pub.is_some() }, span)
        })
        .boxed()
}

fn assign_op() -> P<Option<BinOp>> {
    use BinOp as B;
    choice((
        just(T::Assign).to(None),
        just(T::PlusAssign).to(Some(B::Add)),
        just(T::MinusAssign).to(Some(B::Sub)),
        just(T::StarAssign).to(Some(B::Mul)),
        just(T::SlashAssign).to(Some(B::Div)),
        just(T::PercentAssign).to(Some(B::Rem)),
        just(T::AmpAssign).to(Some(B::BitAnd)),
        just(T::PipeAssign).to(Some(B::BitOr)),
        just(T::CaretAssign).to(Some(B::BitXor)),
        just(T::ShlAssign).to(Some(B::Shl)),
        just(T::ShrAssign).to(Some(B::Shr)),
        just(T::StarStarAssign).to(Some(B::Pow)),
    ))
    .boxed()
}

fn is_assignable(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::Index(..) | ExprKind::Field(..) | ExprKind::Slice(..) => true,
        ExprKind::Tuple(items) => items.iter().all(is_assignable),
        _ => false,
    }
}

/// `target = value`, `target op= value`, `a, b = b, a`, or an expression statement.
fn assign_or_expr(rec: &Rec) -> P<Stmt> {
    expr_list(rec)
        .then(assign_op().then(expr_list(rec)).or_not())
        .validate(|(target, rest), span: Span, emit| match rest {
            None => Stmt::new(StmtKind::Expr(target), span),
            Some((op, value)) => {
                let tuple = matches!(target.kind, ExprKind::Tuple(_));
                if !is_assignable(&target) || (tuple && op.is_some()) {
                    emit(PError::custom(
                        target.span,
                        "cannot assign to this expression (expected a name, `a[i]`, `a.field` or `a, b`)",
                    ));
                }
                Stmt::new(StmtKind::Assign { target, op, value }, span)
            }
        })
        .boxed()
}

/// Tokens that may start the argument of a command call (`print "x"`, `expect x`):
/// ones that could not continue an expression, so `f -1` or `xs [0]` stay what they are.
fn starts_command_arg(t: &Token) -> bool {
    matches!(
        t,
        T::Str(_)
            | T::RawStr(_)
            | T::Bytes(_)
            | T::Int(_)
            | T::Float(_)
            | T::Ident(_)
            | T::True
            | T::False
            | T::Nil
            | T::Not
            | T::SelfLower
            | T::SelfUpper
            | T::Backslash
            | T::Await
    )
}

fn call_expr(name: Ident, args: Vec<Expr>, span: Span) -> Expr {
    let callee = Expr::new(ExprKind::Var(VarRef::new(name.name.clone(), name.span)), name.span);
    let args = args.into_iter().map(|value| Arg { name: None, value }).collect();
    Expr::new(ExprKind::Call { callee: Box::new(callee), args }, span)
}

fn block_lambda(body: Block, span: Span) -> Expr {
    let decl = FnDecl {
        name: mk_ident("block", span),
        kind: FnKind::Lambda,
        is_pub: false,
        is_async: false,
        is_extern: false,
        is_abstract: false,
        is_static: false,
        self_mode: SelfMode::None,
        block_body: true,
        params: Vec::new(),
        ret: None,
        body,
        span,
        info: FnInfo::default(),
    };
    Expr::new(ExprKind::Lambda(Rc::new(decl)), span)
}

/// `name "text": block` and `name: block` (the spec DSL's `describe`, `it`,
/// `before_each`, ...): a call whose last argument is the block as a function.
fn command_block(rec: &Rec) -> P<Stmt> {
    // the title is a literal or a name (`describe "Stack":`, `describe Stack:`); not a
    // general expression, so an ordinary statement is not parsed twice
    let title = choice((
        super::literal::literal(),
        ident().map(|i| Expr::new(ExprKind::Var(VarRef::new(i.name, i.span)), i.span)),
    ));
    let with_title = ident().then(title.map(|t| vec![t])).then(rec.suite());
    // `describe("name"):` — the call form with the block after it
    let args =
        rec.expr.clone().separated_by(just(T::Comma)).allow_trailing().delimited_by(just(T::LParen), just(T::RParen));
    let call_form = ident().then(args).then(rec.suite());
    let bare = ident().then(empty().to(Vec::new())).then(just(T::Colon).ignore_then(rec.indented_block()));
    choice((with_title, call_form, bare))
        .map_with_span(|((name, title), body), span| {
            let body_span = body.span;
            let args = title.into_iter().chain([block_lambda(body, body_span)]).collect();
            Stmt::new(StmtKind::Expr(call_expr(name, args, span)), span)
        })
        .boxed()
}

/// `expect x to eq 5`, `expect xs not_to include 3`, `expect [] to be_empty`: the spec
/// DSL's infix form, read as `expect(x).to(eq(5))`.
fn expect_infix(rec: &Rec) -> P<Stmt> {
    let verb = choice((kw("to").to("to"), kw("not_to").to("not_to"), kw("to_not").to("not_to")));
    let arg = rec.expr.clone().or_not();
    kw("expect")
        .map_with_span(|_, s: Span| s)
        .then(rec.expr.clone())
        .then(verb.map_with_span(|v, s: Span| (v, s)))
        .then(ident())
        .then(arg)
        .map_with_span(|((((at, value), (verb, verb_span)), matcher), arg), span| {
            let expect = mk_ident("expect", at);
            let recv = call_expr(expect, vec![value], at);
            let matcher_value = match arg {
                Some(a) => {
                    let s = matcher.span.to(a.span);
                    call_expr(matcher, vec![a], s)
                }
                None => Expr::new(ExprKind::Var(VarRef::new(matcher.name.clone(), matcher.span)), matcher.span),
            };
            let method = mk_ident(verb, verb_span);
            let call = ExprKind::MethodCall {
                recv: Box::new(recv),
                method,
                args: vec![Arg { name: None, value: matcher_value }],
                cache: SiteCache::default(),
            };
            Stmt::new(StmtKind::Expr(Expr::new(call, span)), span)
        })
        .boxed()
}

/// `print "x"`, `expect a == b`: a call with one argument, without parentheses.
fn command_call(rec: &Rec) -> P<Stmt> {
    ident()
        .then_ignore(filter(starts_command_arg).rewind())
        .then(rec.expr.clone())
        .map_with_span(|(name, arg), span| Stmt::new(StmtKind::Expr(call_expr(name, vec![arg], span)), span))
        .boxed()
}

/// The statements that fit on one line (and in inline suites). Each alternative ends
/// with the lookahead `follow` (what may come after a statement), so that one which
/// parses only a prefix (`a` of `a is nil` as a command call) gives way to the next.
pub(super) fn simple_stmt(rec: &Rec, follow: P<()>) -> P<Stmt> {
    let keyword = choice((
        just(T::Break).map_with_span(|_, span| Stmt::new(StmtKind::Break, span)),
        just(T::Continue).map_with_span(|_, span| Stmt::new(StmtKind::Continue, span)),
        just(T::Return)
            .ignore_then(expr_list(rec).or_not())
            .map_with_span(|value, span| Stmt::new(StmtKind::Return(value), span)),
        kw("pass")
            .then_ignore(
                choice((one_of([T::Newline, T::Semi, T::RBrace, T::Dedent, T::Else, T::Elif]).ignored(), end()))
                    .rewind(),
            )
            .map_with_span(|_, span| Stmt::new(StmtKind::Expr(Expr::new(ExprKind::Nil, span)), span)),
    ));
    let end = || follow.clone();
    choice((
        let_stmt(rec).then_ignore(end()),
        keyword.then_ignore(end()),
        super::decl::import_stmt().then_ignore(end()),
        super::decl::export_stmt().then_ignore(end()),
        expect_infix(rec).then_ignore(end()),
        command_call(rec).then_ignore(end()),
        assign_or_expr(rec).then_ignore(end()),
    ))
    .boxed()
}

fn if_stmt(rec: &Rec) -> P<Stmt> {
    if_with(rec, rec.suite(), None)
}

/// An `if` in expression position (`let x = if ...`, `1 + if ...`): a branch written on
/// the same line leaves the line break to the enclosing statement, so the next
/// branch may come after a line break.
pub(super) fn if_value(rec: &Rec) -> P<Stmt> {
    if_with(rec, rec.value_suite(), Some(just(T::Newline).or_not().ignored().boxed()))
}

/// `if` with its branches' suites; `gap`: what may come before `elif`/`else`.
fn if_with(rec: &Rec, suite: P<Block>, gap: Option<P<()>>) -> P<Stmt> {
    let gap = gap.unwrap_or_else(|| empty().boxed());
    // a line break before `else`/`elif` only when one follows it (it ends the `if`
    // otherwise, and belongs to the enclosing statement)
    let elif_kw = choice((just(T::Elif).ignored(), just(T::Else).then(just(T::If)).ignored()));
    let elif = gap.clone().then(elif_kw).ignored();
    let else_kw = gap.then(just(T::Else)).then(just(T::If).not().rewind()).ignored();
    just(T::If)
        .map_with_span(|_, s: Span| s)
        .then(rec.condition())
        .then(suite.clone())
        .then(elif.ignore_then(rec.condition()).then(suite.clone()).repeated())
        .then(else_kw.ignore_then(suite).or_not())
        .map(|((((start, cond), body), elifs), else_)| {
            let mut end = body.span;
            let mut branches = vec![(cond, body)];
            for (c, b) in elifs {
                end = b.span;
                branches.push((c, b));
            }
            if let Some(b) = &else_ {
                end = b.span;
            }
            Stmt::new(StmtKind::If { branches, else_ }, span_from(start, end))
        })
        .boxed()
}

/// `with expr [as name], ...:` + body.
fn with_stmt(rec: &Rec) -> P<Stmt> {
    let item = rec.expr.clone().then(kw("as").ignore_then(rec.pattern.clone()).or_not());
    kw("with")
        .map_with_span(|_, s: Span| s)
        .then(item.separated_by(just(T::Comma)).at_least(1))
        .then(rec.suite())
        .map(|((start, items), body)| {
            let span = span_from(start, body.span);
            let items = items.into_iter().map(with_binding).collect();
            Stmt::new(StmtKind::With { items, body }, span)
        })
        .boxed()
}

/// `with open(p) as f:` reaches here as the cast `open(p) as f` (the expression parser
/// takes `as` first): a cast to a single lower-case name is the binding instead — also
/// `as text` or `as str`, which would name types elsewhere (a cast makes no sense as a
/// context manager).
fn with_binding((expr, binding): (Expr, Option<Pattern>)) -> (Expr, Option<Pattern>) {
    if binding.is_some() {
        return (expr, binding);
    }
    let ExprKind::Cast(inner, TypeExpr::Named { path, args }) = expr.kind else { return (expr, None) };
    let is_name =
        path.len() == 1 && args.is_empty() && path[0].name.starts_with(|c: char| c.is_lowercase() || c == '_');
    if !is_name {
        return (Expr { kind: ExprKind::Cast(inner, TypeExpr::Named { path, args }), ..expr }, None);
    }
    let name = &path[0];
    let pattern = Pattern { kind: PatKind::Bind(VarRef::new(name.name.clone(), name.span)), span: name.span };
    (*inner, Some(pattern))
}

fn loop_stmts(rec: &Rec) -> P<Stmt> {
    let while_stmt = just(T::While).map_with_span(|_, s: Span| s).then(rec.condition()).then(rec.suite()).map(
        |((start, cond), body)| {
            let span = span_from(start, body.span);
            Stmt::new(StmtKind::While { cond, body }, span)
        },
    );
    // `for k, v in ...` is the shorthand (see `StmtKind::For`); `for (k, v) in` a pattern
    let for_pattern = rec.pattern.clone().separated_by(just(T::Comma)).at_least(1).map_with_span(|mut pats, span| {
        if pats.len() == 1 {
            (pats.pop().expect("one pattern"), false)
        } else {
            (Pattern { kind: PatKind::Tuple(pats), span }, true)
        }
    });
    let for_stmt = just(T::For)
        .map_with_span(|_, s: Span| s)
        .then(for_pattern)
        .then_ignore(just(T::In))
        .then(rec.expr.clone())
        .then(rec.suite())
        .map(|(((start, (pat, shorthand)), iter), body)| {
            let span = span_from(start, body.span);
            Stmt::new(StmtKind::For { pat, iter, body, shorthand }, span)
        });
    let loop_stmt = just(T::Loop).map_with_span(|_, s: Span| s).then(rec.suite()).map(|(start, body)| {
        let span = span_from(start, body.span);
        Stmt::new(StmtKind::Loop { body }, span)
    });
    choice((while_stmt, for_stmt, loop_stmt)).boxed()
}

/// One arm in any of the language's spellings: `case p:` + suite, `p => e`, `p -> e`,
/// `| p -> e`, or a bare `p:` + suite; each with an optional guard `if c`.
fn match_arm(rec: &Rec) -> P<MatchArm> {
    let arrow_body = choice((just(T::FatArrow), just(T::Arrow)))
        .map_with_span(|_, s: Span| s)
        .then(choice((rec.indented_block().map(Ok), rec.inline_stmts().map(Err))))
        .map(|(at, body)| match body {
            Ok(block) => block,
            Err(stmts) => block_of(stmts, at),
        });
    choice((just(T::Case), just(T::Pipe)))
        .or_not()
        .map_with_span(|_, s: Span| s)
        .then(rec.pattern.clone())
        .then(just(T::If).ignore_then(rec.expr.clone()).or_not())
        .then(choice((rec.suite(), arrow_body)))
        .map(|(((start, pat), guard), body)| {
            let span = span_from(start, body.span);
            MatchArm { pat, guard, body, span }
        })
        .boxed()
}

fn match_stmt(rec: &Rec) -> P<Stmt> {
    let sep = one_of([T::Newline, T::Semi]).ignored();
    let arms = choice((
        sep.map(|_| None),
        match_arm(rec).map(Some).recover_with(skip_parser(skip_statement(Level::Block).map(|_| None))),
    ))
    .repeated()
    .map(|arms| arms.into_iter().flatten().collect::<Vec<_>>());
    just(T::Match)
        .map_with_span(|_, s: Span| s)
        .then(rec.expr.clone())
        .then_ignore(just(T::Colon))
        .then_ignore(just(T::Newline))
        .then_ignore(label(just(T::Indent), "indented `case` arms"))
        .then(arms)
        .then_ignore(just(T::Dedent))
        .map_with_span(|((start, scrutinee), arms), whole: Span| {
            let end = arms.last().map(|a: &MatchArm| a.span).unwrap_or(whole);
            Stmt::new(StmtKind::Match { scrutinee, arms }, span_from(start, end))
        })
        .boxed()
}

/// What may follow a statement on its line (looked at, not consumed).
fn statement_follow() -> P<()> {
    choice((one_of([T::Newline, T::Semi, T::RBrace, T::Dedent]).ignored(), end())).rewind().boxed()
}

/// Defines `rec.if_stmt` and `rec.match_stmt` and returns the statement parser.
pub(super) fn define_statements(rec: &Rec) -> P<Stmt> {
    let mut if_rec = rec.if_stmt.clone();
    if_rec.define(if_stmt(rec));
    let mut match_rec = rec.match_stmt.clone();
    match_rec.define(match_stmt(rec));
    label(
        choice((
            rec.if_stmt.clone().boxed(),
            loop_stmts(rec),
            rec.match_stmt.clone().boxed(),
            with_stmt(rec),
            super::decl::declaration(rec),
            // before `command_block`, whose call form (`describe("x"):`) parsed the
            // arguments of every call statement (`print(x)`) before it failed at the
            // missing `:`; a simple statement cannot end at a `:`, so it never takes a
            // command block's place
            simple_stmt(rec, statement_follow()).then_ignore(term()).boxed(),
            command_block(rec),
        )),
        "statement",
    )
}
