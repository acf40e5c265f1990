//! Declarations: functions (`fn`, `async fn`, `extern fn`, `static fn`, `me` methods,
//! with decorators), `struct`/`class`, `enum`, `trait`, `impl [Trait for] Type`, and
//! the module lines `import`/`use` and `export`.

use super::Rec;
use super::common::{
    Level, P, field_ident, generic_params, ident, kw, label, segment, skip_statement, span_from, term,
};
use super::error::PError;
use crate::syntax::ast::*;
use crate::syntax::token::Token;
use chumsky::prelude::{Parser, choice, just, one_of, skip_parser};
use std::rc::Rc;

use Token as T;

/// A parameter in a `fn` header: `self` (in any of its spellings) or a named one.
enum ParamItem {
    SelfParam(Span),
    Named(Param),
}

/// Parts of a `struct` / `class` / `enum` / `trait` / `impl` body.
enum Member {
    Fields(Vec<FieldDecl>),
    Variants(Vec<VariantDecl>),
    Method(Rc<FnDecl>),
    /// a docstring or `pass`
    Nothing,
}

/// `@name` / `@name(args)` lines before a declaration (accepted, without effect).
fn decorators(rec: &Rec) -> P<()> {
    just(T::At).ignore_then(rec.expr.clone()).then_ignore(just(T::Newline)).repeated().ignored().boxed()
}

/// `pub`, `pub(friend)`, `pub(package)`.
fn visibility() -> P<bool> {
    just(T::Pub)
        .then(ident().delimited_by(just(T::LParen), just(T::RParen)).or_not())
        .or_not()
        .map(|p| p.is_some())
        .boxed()
}

fn params(rec: &Rec) -> P<(bool, Vec<Param>)> {
    let self_param = just(T::Amp)
        .or_not()
        .then(just(T::Mut).or_not())
        .then(just(T::SelfLower))
        .then(just(T::Colon).ignore_then(rec.ty.clone()).or_not())
        .map_with_span(|_, s: Span| ParamItem::SelfParam(s));
    let named_param = just(T::Mut)
        .or_not()
        .ignore_then(ident())
        .then(just(T::Colon).ignore_then(rec.ty.clone()).or_not())
        .then(just(T::Assign).ignore_then(rec.expr.clone()).or_not())
        .map(|((name, ty), default)| ParamItem::Named(Param { name, ty, default, slot: Slot::Unresolved }));
    let params = choice((self_param, named_param))
        .separated_by(just(T::Comma))
        .allow_trailing()
        .delimited_by(just(T::LParen), just(T::RParen))
        .validate(|items: Vec<ParamItem>, _span, emit| {
            let mut has_self = false;
            let mut params = Vec::new();
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    ParamItem::SelfParam(_) if i == 0 => has_self = true,
                    ParamItem::SelfParam(s) => emit(PError::custom(s, "`self` must be the first parameter")),
                    ParamItem::Named(p) => params.push(p),
                }
            }
            (has_self, params)
        });
    super::common::delimited_recovery(params, T::LParen, T::RParen, |_| (false, Vec::new()))
}

#[derive(Clone, Copy, Default)]
struct FnMods {
    is_static: bool,
    is_async: bool,
    is_extern: bool,
}

/// `static`, `async`, `extern` in any order before `fn`; `me` stands for `fn` itself.
fn fn_head() -> P<FnMods> {
    #[derive(Clone, Copy)]
    enum Mod {
        Static,
        Async,
        Extern,
    }
    let modifier =
        choice((kw("static").to(Mod::Static), just(T::Async).to(Mod::Async), just(T::Extern).to(Mod::Extern)));
    modifier
        .repeated()
        .then_ignore(choice((just(T::Fn).ignored(), kw("me").ignored())))
        .map(|mods| {
            let mut m = FnMods::default();
            for x in mods {
                match x {
                    Mod::Static => m.is_static = true,
                    Mod::Async => m.is_async = true,
                    Mod::Extern => m.is_extern = true,
                }
            }
            m
        })
        .boxed()
}

/// A function declaration. In a type body (`in_type`) a function without a `self`
/// parameter gets an implicit `self` unless it is `static`; in a trait a missing body
/// makes an abstract method.
fn fn_decl(rec: &Rec, in_type: bool, in_trait: bool) -> P<Rc<FnDecl>> {
    decorators(rec)
        .ignore_then(visibility())
        .map_with_span(|p, s: Span| (p, s))
        .then(fn_head())
        .then(ident())
        .then_ignore(generic_params().or_not())
        .then(params(rec))
        .then(just(T::Arrow).ignore_then(rec.ty.clone()).or_not())
        .map_with_span(|x, s: Span| (x, s))
        .then(choice((rec.suite().map(Some), term().to(None))))
        .validate(move |(((((((is_pub, start), mods), name), (has_self, params)), ret), header), body), _, emit| {
            let header_end = Span { file: header.file, start: header.end, end: header.end };
            let empty = || Block { stmts: Vec::new(), span: header_end, ..Default::default() };
            let is_abstract = in_trait && body.is_none() && !mods.is_extern;
            let body = match (body, mods.is_extern) {
                (Some(b), true) => {
                    emit(PError::custom(name.span, "an `extern fn` has no body"));
                    b
                }
                (Some(b), false) => b,
                (None, true) => empty(),
                (None, false) if is_abstract => empty(),
                (None, false) => {
                    emit(PError::custom(header_end, format!("expected `:` and the body of `{}`", name.name)));
                    empty()
                }
            };
            let self_mode = match (has_self, in_type && !mods.is_static) {
                (true, _) => SelfMode::Explicit,
                (false, true) => SelfMode::Implicit,
                (false, false) => SelfMode::None,
            };
            let span = if body.stmts.is_empty() { span_from(start, header) } else { span_from(start, body.span) };
            Rc::new(FnDecl {
                name,
                kind: FnKind::Named,
                is_pub,
                is_async: mods.is_async,
                is_extern: mods.is_extern,
                is_abstract,
                is_static: mods.is_static,
                self_mode,
                block_body: true,
                params,
                ret,
                body,
                span,
                info: FnInfo::default(),
            })
        })
        .boxed()
}

/// `a: T, b: U = 0` on one line of a struct body.
fn fields_line(rec: &Rec) -> P<Member> {
    // `var x: T` / `val x: T` are accepted; a field may itself be named `val`
    let prefixed = choice((just(T::Var), just(T::Val), just(T::Let))).ignore_then(field_ident());
    let field = visibility()
        .ignore_then(choice((prefixed.then_ignore(just(T::Colon)), field_ident().then_ignore(just(T::Colon)))))
        .then(rec.ty.clone())
        .then(just(T::Assign).ignore_then(rec.expr.clone()).or_not())
        .map(|((name, ty), default)| FieldDecl { name, ty: Some(ty), default: default.map(super::expr::thunk) });
    field.separated_by(just(T::Comma)).at_least(1).allow_trailing().then_ignore(term()).map(Member::Fields).boxed()
}

/// `Circle(r: f64)`, `Pair(i64, i64)`, `Unit`; several per line allowed.
fn variants_line(rec: &Rec) -> P<Member> {
    let variant_field = choice((
        ident().then_ignore(just(T::Colon)).then(rec.ty.clone()).map(|(n, t)| (Some(n), Some(t))),
        rec.ty.clone().map(|t| (None, Some(t))),
    ));
    let variant = ident()
        .then(
            variant_field
                .separated_by(just(T::Comma))
                .allow_trailing()
                .delimited_by(just(T::LParen), just(T::RParen))
                .or_not(),
        )
        .map_with_span(|(name, fields), span| VariantDecl { name, fields, span });
    variant.separated_by(just(T::Comma)).at_least(1).allow_trailing().then_ignore(term()).map(Member::Variants).boxed()
}

/// A docstring (a string literal alone on its line) or `pass` inside a type body.
fn nothing_member() -> P<Member> {
    let doc = super::literal::literal().ignored();
    choice((doc, kw("pass").ignored())).then_ignore(term()).map(|_| Member::Nothing).boxed()
}

fn member_block(member: P<Member>) -> P<Vec<Member>> {
    let sep = one_of([T::Newline, T::Semi]).ignored();
    just(T::Newline)
        .ignore_then(label(just(T::Indent), "an indented block"))
        .ignore_then(
            choice((
                sep.map(|_| None),
                member.map(Some).recover_with(skip_parser(skip_statement(Level::Block).map(|_| None))),
            ))
            .repeated(),
        )
        .then_ignore(just(T::Dedent))
        .map(|m| m.into_iter().flatten().collect::<Vec<Member>>())
        .boxed()
}

/// A body after `:`, or nothing at all (`struct Marker`).
fn body_or_nothing(members: P<Vec<Member>>) -> P<Vec<Member>> {
    choice((just(T::Colon).ignore_then(members), term().map(|_| Vec::new()))).boxed()
}

/// The span of a declaration: from its first token to its last member.
fn members_span(start: Span, name: &Ident, items: &[Span], methods: &[Rc<FnDecl>]) -> Span {
    let end = items
        .iter()
        .copied()
        .chain(methods.iter().map(|m| m.span))
        .fold(name.span, |a, b| if b.end > a.end { b } else { a });
    span_from(start, end)
}

/// `[pub] struct|class Name<T> [with A, B]:` + fields and methods.
fn struct_decl(rec: &Rec) -> P<Stmt> {
    let members = member_block(
        choice((fn_decl(rec, true, false).map(Member::Method), nothing_member(), fields_line(rec))).boxed(),
    );
    let mixins = kw("with").then(segment().separated_by(just(T::Comma)).at_least(1)).ignored();
    decorators(rec)
        .ignore_then(visibility())
        .map_with_span(|p, s: Span| (p, s))
        .then(choice((just(T::Struct).to(false), kw("class").to(true))))
        .then(ident())
        .then_ignore(generic_params().or_not())
        .then_ignore(mixins.or_not())
        .then(body_or_nothing(members))
        .validate(|((((is_pub, start), is_class), name), members), _, emit| {
            let mut fields = Vec::new();
            let mut methods = Vec::new();
            for m in members {
                match m {
                    Member::Fields(f) => fields.extend(f),
                    Member::Method(f) => methods.push(f),
                    Member::Variants(v) => {
                        for v in v {
                            emit(PError::custom(v.span, "expected a field `name: Type` or a method"));
                        }
                    }
                    Member::Nothing => {}
                }
            }
            let field_spans: Vec<Span> = fields.iter().map(|f: &FieldDecl| f.name.span).collect();
            let span = members_span(start, &name, &field_spans, &methods);
            Stmt::new(
                StmtKind::Struct(Rc::new(StructDecl {
                    name,
                    is_pub,
                    is_class,
                    fields,
                    methods,
                    span,
                    local: Slot::Unresolved,
                })),
                span,
            )
        })
        .boxed()
}

fn enum_decl(rec: &Rec) -> P<Stmt> {
    let members = member_block(
        choice((fn_decl(rec, true, false).map(Member::Method), nothing_member(), variants_line(rec))).boxed(),
    );
    decorators(rec)
        .ignore_then(visibility())
        .map_with_span(|p, s: Span| (p, s))
        .then_ignore(just(T::Enum))
        .then(ident())
        .then_ignore(generic_params().or_not())
        .then(body_or_nothing(members))
        .map(|(((is_pub, start), name), members)| {
            let mut variants = Vec::new();
            let mut methods = Vec::new();
            for m in members {
                match m {
                    Member::Variants(v) => variants.extend(v),
                    Member::Method(f) => methods.push(f),
                    Member::Fields(_) | Member::Nothing => {}
                }
            }
            let spans: Vec<Span> = variants.iter().map(|v: &VariantDecl| v.span).collect();
            let span = members_span(start, &name, &spans, &methods);
            Stmt::new(
                StmtKind::Enum(Rc::new(EnumDecl { name, is_pub, variants, methods, span, local: Slot::Unresolved })),
                span,
            )
        })
        .boxed()
}

fn methods_only(members: Vec<Member>) -> Vec<Rc<FnDecl>> {
    members
        .into_iter()
        .filter_map(|m| match m {
            Member::Method(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// A type name in `impl` headers: `Name`, `Name<T>`, `Name[T]`.
fn impl_type() -> P<Ident> {
    let args = choice((
        generic_params(),
        just(T::LBracket).then(super::common::ident().separated_by(just(T::Comma))).then(just(T::RBracket)).ignored(),
    ));
    segment().then_ignore(args.or_not()).boxed()
}

/// `impl Name:` and `impl Trait for Name:`.
fn impl_decl(rec: &Rec) -> P<Stmt> {
    let members = member_block(choice((fn_decl(rec, true, false).map(Member::Method), nothing_member())).boxed());
    visibility()
        .ignore_then(just(T::Impl).map_with_span(|_, s: Span| s))
        .then_ignore(generic_params().or_not())
        .then(impl_type())
        .then(just(T::For).ignore_then(impl_type()).or_not())
        .then(body_or_nothing(members))
        .map(|(((start, first), second), members)| {
            let (target, trait_name) = match second {
                Some(ty) => (ty, Some(first)),
                None => (first, None),
            };
            let methods = methods_only(members);
            let span = members_span(start, &target, &[], &methods);
            Stmt::new(
                StmtKind::Impl(Rc::new(ImplDecl {
                    target,
                    trait_name,
                    methods,
                    span,
                    target_local: Slot::Unresolved,
                    trait_local: Slot::Unresolved,
                })),
                span,
            )
        })
        .boxed()
}

/// `trait Name:` with method signatures and default methods.
fn trait_decl(rec: &Rec) -> P<Stmt> {
    let members = member_block(choice((fn_decl(rec, true, true).map(Member::Method), nothing_member())).boxed());
    visibility()
        .map_with_span(|p, s: Span| (p, s))
        .then_ignore(kw("trait"))
        .then(ident())
        .then_ignore(generic_params().or_not())
        .then(body_or_nothing(members))
        .map(|(((is_pub, start), name), members)| {
            let methods = methods_only(members);
            let span = members_span(start, &name, &[], &methods);
            Stmt::new(
                StmtKind::Trait(Rc::new(TraitDecl { name, is_pub, methods, span, local: Slot::Unresolved })),
                span,
            )
        })
        .boxed()
}

/// Every declaration statement.
pub(super) fn declaration(rec: &Rec) -> P<Stmt> {
    let function = fn_decl(rec, false, false).map(|decl| {
        let span = decl.span;
        Stmt::new(StmtKind::Fn(decl), span)
    });
    choice((function, struct_decl(rec), enum_decl(rec), impl_decl(rec), trait_decl(rec))).boxed()
}

/// `import a.b::{X, Y}`, `import a.b::X`, `import a`, `use a.b.{x, y}`, `use a.b.*`.
pub(super) fn import_stmt() -> P<Stmt> {
    enum Tail {
        Items(Vec<Ident>),
        Glob,
    }
    let sep = choice((just(T::Dot).to(false), just(T::ColonColon).to(true)));
    let tail = sep.clone().ignore_then(choice((
        ident()
            .separated_by(just(T::Comma))
            .allow_trailing()
            .delimited_by(just(T::LBrace), just(T::RBrace))
            .map(Tail::Items),
        just(T::Star).map(|_| Tail::Glob),
    )));
    visibility()
        .ignore_then(choice((just(T::Import).ignored(), kw("use").ignored())))
        .ignore_then(ident())
        .then(sep.then(ident()).repeated())
        .then(tail.or_not())
        .map_with_span(|((first, rest), tail), span| {
            let mut module = vec![first];
            let mut last_colons = false;
            for (colons, seg) in rest {
                last_colons = colons;
                module.push(seg);
            }
            let (items, glob) = match tail {
                Some(Tail::Items(items)) => (Some(items), false),
                Some(Tail::Glob) => (None, true),
                None if last_colons => (Some(vec![module.pop().expect("at least two segments")]), false),
                None => (None, false),
            };
            Stmt::new(StmtKind::Import(ImportDecl { module, items, glob, span }), span)
        })
        .boxed()
}

/// `export a, b`.
pub(super) fn export_stmt() -> P<Stmt> {
    kw("export")
        .ignore_then(ident().separated_by(just(T::Comma)).at_least(1))
        .map_with_span(|names, span| Stmt::new(StmtKind::Export(names), span))
        .boxed()
}
