//! The parser: turns the layout pass's token stream (with `Newline`/`Indent`/`Dedent`
//! already inserted) into the AST, using chumsky 0.9. It recovers from syntax errors so that
//! every error in a file is reported in one run: a statement that does not parse is skipped
//! up to the end of its line (and the indented block that follows it), and parsing resumes
//! with the next statement. Interpolated `"{...}"` pieces of strings are parsed here too
//! (`parse_expr_source`). The grammar is written down in grammar/simple.ebnf.

use crate::diag::Diagnostic;
use crate::syntax::ast::{
    Arg, BinOp, Block, EnumDecl, Expr, ExprKind, FieldDecl, FnDecl, FnInfo, FnKind, Ident, ImplDecl, ImportDecl,
    InterpPart, MatchArm, Param, PatKind, Pattern, Program, Slot, Span, Stmt, StmtKind, StructDecl, TypeExpr, UnOp,
    VarRef, VariantDecl,
};
use crate::syntax::token::{self, StrPart, Token};
use chumsky::Stream;
use chumsky::prelude::{
    BoxedParser, Parser, Recursive, choice, end, filter_map, just, nested_delimiters, none_of, one_of, recursive,
    skip_parser,
};
use std::rc::Rc;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// Parses a whole file from the layout pass's output. Always returns a program (statements
/// that failed to parse are left out) together with every syntax error found.
pub fn parse_program(tokens: Vec<(Token, Span)>, file: u32, src_len: usize) -> (Program, Vec<Diagnostic>) {
    let eoi = Span::new(file, src_len, src_len);
    let unclosed = unclosed_bracket(&tokens);
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
    let mut diags = to_diagnostics(errors);
    if stmts.is_none() && diags.is_empty() {
        diags.push(Diagnostic::syntax("could not parse this file", eoi));
    }
    (Program { stmts: stmts.unwrap_or_default(), ..Default::default() }, diags)
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

fn to_diagnostics(errors: Vec<PError>) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> = errors.iter().map(|e| Diagnostic::syntax(e.message(), e.span)).collect();
    diags.sort_by_key(|d| d.span.map(|s| (s.start, s.end)));
    diags.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    diags
}

impl chumsky::Span for Span {
    type Context = u32;
    type Offset = u32;
    fn new(file: u32, range: std::ops::Range<u32>) -> Span {
        Span { file, start: range.start, end: range.end.max(range.start) }
    }
    fn context(&self) -> u32 {
        self.file
    }
    fn start(&self) -> u32 {
        self.start
    }
    fn end(&self) -> u32 {
        self.end
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// The parser's error type: what was expected (tokens and named things such as
/// "expression"), what was found, or a custom message.
#[derive(Clone, Debug)]
pub struct PError {
    span: Span,
    expected: Vec<Option<Token>>,
    labels: Vec<&'static str>,
    found: Option<Token>,
    custom: Option<String>,
}

impl PError {
    fn custom(span: Span, message: impl Into<String>) -> PError {
        PError { span, expected: Vec::new(), labels: Vec::new(), found: None, custom: Some(message.into()) }
    }

    fn expected_thing(span: Span, label: &'static str, found: Option<Token>) -> PError {
        PError { span, expected: Vec::new(), labels: vec![label], found, custom: None }
    }

    /// Replaces what was expected by one name ("expression", "statement", ...).
    fn relabel(mut self, label: &'static str) -> PError {
        if self.custom.is_none() {
            self.expected.clear();
            self.labels = vec![label];
        }
        self
    }

    fn add_expected(&mut self, t: Option<Token>) {
        // expected tokens never carry payloads that matter, so comparing kinds is enough
        let kind = t.as_ref().map(std::mem::discriminant);
        if !self.expected.iter().any(|e| e.as_ref().map(std::mem::discriminant) == kind) {
            self.expected.push(t);
        }
    }

    /// "expected X, Y or Z, found W", leaving out tokens that would merely have continued
    /// the construct before the error (operators, `.`, `(` ...) when something more telling
    /// was expected too.
    fn message(&self) -> String {
        if let Some(m) = &self.custom {
            return m.clone();
        }
        let found = describe_found(&self.found);
        let is_continuation = |t: &Option<Token>| t.as_ref().is_some_and(is_continuation_token);
        let mut expected: Vec<&Option<Token>> = self.expected.iter().collect();
        if !self.labels.is_empty() || expected.iter().any(|t| !is_continuation(t)) {
            expected.retain(|t| !is_continuation(t));
        }
        // "end of line" first, the rest in the order the parser tried them
        expected.sort_by_key(|t| !matches!(t, Some(Token::Newline)));
        let wants_line_end = expected.iter().any(|t| matches!(t, Some(Token::Newline)));
        if wants_line_end || self.labels.contains(&"statement") {
            expected.retain(|t| !matches!(t, None | Some(Token::Semi | Token::RBrace | Token::Dedent | Token::Indent)));
        }
        let mut items: Vec<String> = self.labels.iter().map(|l| l.to_string()).collect();
        for t in expected {
            let d = match t {
                None => "end of input".to_string(),
                Some(Token::Newline) => "end of line".to_string(),
                Some(Token::Dedent) => "end of block".to_string(),
                Some(Token::Indent) => "an indented block".to_string(),
                Some(t) => t.describe(),
            };
            if !items.contains(&d) {
                items.push(d);
            }
        }
        match items.len() {
            0 => format!("unexpected {found}"),
            1..=6 => {
                let list = match items.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => items[0].clone(),
                };
                format!("expected {list}, found {found}")
            }
            _ => format!("unexpected {found}"),
        }
    }
}

fn describe_found(found: &Option<Token>) -> String {
    match found {
        None => "end of input".into(),
        Some(Token::Dedent) => "end of block".into(),
        Some(Token::Indent) => "unexpected indentation".into(),
        Some(t) => t.describe(),
    }
}

/// Tokens that would only have continued an expression or statement that was already
/// complete; they clutter "expected ..." lists.
fn is_continuation_token(t: &Token) -> bool {
    use Token::*;
    matches!(
        t,
        Plus | Minus
            | Star
            | Slash
            | Percent
            | StarStar
            | EqEq
            | NotEq
            | Lt
            | Le
            | Gt
            | Ge
            | Amp
            | Pipe
            | Caret
            | Shl
            | Shr
            | AmpAmp
            | PipePipe
            | And
            | Or
            | Dot
            | LParen
            | LBracket
            | LBrace
            | Question
            | ColonColon
            | PlusAssign
            | MinusAssign
            | StarAssign
            | SlashAssign
            | PercentAssign
    )
}

impl chumsky::Error<Token> for PError {
    type Span = Span;
    type Label = &'static str;

    fn expected_input_found<Iter: IntoIterator<Item = Option<Token>>>(
        span: Span,
        expected: Iter,
        found: Option<Token>,
    ) -> PError {
        let mut e = PError { span, expected: Vec::new(), labels: Vec::new(), found, custom: None };
        for t in expected {
            e.add_expected(t);
        }
        e
    }

    fn unclosed_delimiter(
        unclosed_span: Span,
        unclosed: Token,
        _span: Span,
        expected: Token,
        found: Option<Token>,
    ) -> PError {
        PError::custom(
            unclosed_span,
            format!(
                "unclosed {}: expected {} to close it, found {}",
                unclosed.describe(),
                expected.describe(),
                describe_found(&found)
            ),
        )
    }

    fn with_label(mut self, label: &'static str) -> PError {
        if self.labels.is_empty() {
            self.labels.push(label);
        }
        self
    }

    fn merge(mut self, other: PError) -> PError {
        for t in other.expected {
            self.add_expected(t);
        }
        for l in other.labels {
            if !self.labels.contains(&l) {
                self.labels.push(l);
            }
        }
        if self.custom.is_none() {
            self.custom = other.custom;
        }
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Grammar
// ---------------------------------------------------------------------------------------------

type P<T> = BoxedParser<'static, Token, T, PError>;

struct Grammar {
    program: P<Vec<Stmt>>,
    expr_only: P<Expr>,
}

thread_local! {
    static GRAMMAR: Grammar = grammar();
}

/// Names what a parser expects when it fails on its very first token; an error further in
/// keeps its own, more precise description.
fn label<T: 'static>(p: impl Parser<Token, T, Error = PError> + 'static, name: &'static str) -> P<T> {
    p.map_err_with_span(move |e: PError, span: Span| if e.span == span { e.relabel(name) } else { e }).boxed()
}

fn ident() -> P<Ident> {
    filter_map(|span: Span, tok: Token| match tok {
        Token::Ident(name) => Ok(Ident { name, span }),
        other => Err(PError::expected_thing(span, "identifier", Some(other))),
    })
    .boxed()
}

fn mk_ident(name: &str, span: Span) -> Ident {
    Ident { name: Rc::from(name), span }
}

/// A field or method name: identifiers, and keywords too (`p.val`, `Node { val: 1 }`).
fn field_ident() -> P<Ident> {
    filter_map(|span: Span, tok: Token| match tok {
        Token::Ident(name) => Ok(Ident { name, span }),
        kw if kw.is_keyword() => Ok(mk_ident(kw.text(), span)),
        other => Err(PError::expected_thing(span, "field name", Some(other))),
    })
    .boxed()
}

/// A path segment: an identifier or `Self`.
fn segment() -> P<Ident> {
    choice((ident(), just(Token::SelfUpper).map_with_span(|_, s| mk_ident("Self", s)))).boxed()
}

fn starts_upper(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn block_of(stmts: Vec<Stmt>, fallback: Span) -> Block {
    let span = match (stmts.first(), stmts.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => fallback,
    };
    Block { stmts, span, ..Default::default() }
}

fn span_from(start: Span, end: Span) -> Span {
    Span { file: start.file, start: start.start, end: end.end.max(start.start) }
}

/// A literal token before interpolation pieces are parsed.
enum LitTok {
    Done(ExprKind),
    Str(Rc<Vec<StrPart>>),
}

/// Literals: numbers, strings (interpolated), raw and byte strings, `true`, `false`, `nil`.
fn literal() -> P<Expr> {
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
            other => return Err(PError::expected_thing(span, "literal", Some(other))),
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
        return ExprKind::Str(Rc::new(crate::text::Str::new(s.to_string())));
    }
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            StrPart::Text(t) => out.push(InterpPart::Lit(Rc::from(t.as_str()))),
            StrPart::Code(code, offset) => match parse_expr_source(code, *offset, span.file) {
                Ok(e) => out.push(InterpPart::Expr(e)),
                Err(diags) => {
                    for d in diags {
                        emit(PError::custom(d.span.unwrap_or(span), d.message));
                    }
                    out.push(InterpPart::Expr(Expr::new(ExprKind::Nil, span)));
                }
            },
        }
    }
    ExprKind::Interp(out)
}

/// Types: `i64`, `a::B`, `Result[T, E]`, `&T`, `&mut T`, `(A, B)`, `()`, `[T]`, `fn(A) -> B`.
fn type_parser() -> P<TypeExpr> {
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
                Some(((first, rest), trailing)) => {
                    if rest.is_empty() && trailing.is_none() {
                        first
                    } else {
                        let mut all = vec![first];
                        all.extend(rest);
                        TypeExpr::Tuple(all)
                    }
                }
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
        let named = segment()
            .then(just(Token::ColonColon).ignore_then(segment()).repeated())
            .then(list.delimited_by(just(Token::LBracket), just(Token::RBracket)).or_not())
            .map(|((first, rest), args)| {
                let mut path = vec![first];
                path.extend(rest);
                TypeExpr::Named { path, args: args.unwrap_or_default() }
            });
        label(choice((reference, tuple, func, list_ty, named)), "type")
    })
    .boxed()
}

/// Patterns for `match` arms, `let` and `for`.
fn pattern_parser() -> P<Pattern> {
    recursive(|pat: Recursive<'static, Token, Pattern, PError>| {
        let list = pat.clone().separated_by(just(Token::Comma)).allow_trailing().boxed();
        let neg_number = just(Token::Minus)
            .map_with_span(|_, s: Span| s)
            .then(filter_map(|span: Span, tok: Token| match tok {
                Token::Int(v) => Ok(ExprKind::Int(v.wrapping_neg())),
                Token::Float(b) => Ok(ExprKind::Float(-f64::from_bits(b))),
                other => Err(PError::expected_thing(span, "number", Some(other))),
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
                    let mut all = vec![first];
                    all.extend(rest);
                    Pattern { kind: PatKind::Tuple(all), span }
                }
            });
        let list_pat = list
            .clone()
            .delimited_by(just(Token::LBracket), just(Token::RBracket))
            .map_with_span(|items, span| Pattern { kind: PatKind::List(items), span });
        let path = segment()
            .then(just(Token::ColonColon).ignore_then(segment()).repeated())
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
                let mut path = vec![first];
                path.extend(rest);
                Pattern { kind: PatKind::Variant { path, args }, span }
            });
        let atom = label(choice((neg_number, lit, unit, tuple, list_pat, path)), "pattern");
        atom.clone().then(just(Token::Pipe).ignore_then(atom).repeated()).map_with_span(|(first, rest), span| {
            if rest.is_empty() {
                first
            } else {
                let mut all = vec![first];
                all.extend(rest);
                Pattern { kind: PatKind::Or(all), span }
            }
        })
    })
    .boxed()
}

/// A postfix operation, applied to the expression before it.
enum Post {
    Call(Vec<Arg>),
    Method(Ident, Vec<Arg>),
    Field(Ident),
    /// `t.0.1` lexes as `t`, `.`, float `0.1`
    Field2(Ident, Ident),
    Index(Expr),
    Try,
}

fn apply_post(base: Expr, (post, span): (Post, Span)) -> Expr {
    let whole = base.span.to(span);
    let kind = match post {
        Post::Call(args) => ExprKind::Call { callee: Box::new(base), args },
        Post::Method(method, args) => ExprKind::MethodCall { recv: Box::new(base), method, args },
        Post::Field(name) => ExprKind::Field(Box::new(base), name),
        Post::Field2(a, b) => {
            let first_span = base.span.to(a.span);
            let first = Expr::new(ExprKind::Field(Box::new(base), a), first_span);
            ExprKind::Field(Box::new(first), b)
        }
        Post::Index(i) => ExprKind::Index(Box::new(base), Box::new(i)),
        Post::Try => ExprKind::Try(Box::new(base)),
    };
    Expr::new(kind, whole)
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
fn left_assoc(lower: P<Expr>, ops: &'static [(Token, BinOp)]) -> P<Expr> {
    lower.clone().then(bin_op(ops).then(lower).repeated()).foldl(binary).boxed()
}

#[derive(Clone, Copy)]
enum Prefix {
    Neg,
    Not,
    Ref(bool),
}

/// A parameter in a `fn` header: `self` (in any of its spellings) or a named one.
enum ParamItem {
    SelfParam(Span),
    Named(Param),
}

/// Parts of a `struct` / `enum` / `impl` body.
enum Member {
    Fields(Vec<FieldDecl>),
    Variants(Vec<VariantDecl>),
    Method(Rc<FnDecl>),
}

fn fn_stmt(decl: Rc<FnDecl>) -> Stmt {
    let span = decl.span;
    Stmt::new(StmtKind::Fn(decl), span)
}

/// On an error inside `open ... close`, skips to the matching closer (respecting nesting),
/// reports the error and goes on with `fallback` as the value.
fn delimited_recovery<T: 'static>(
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
enum Level {
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
fn skip_statement(level: Level) -> P<()> {
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

fn grammar() -> Grammar {
    use Token as T;
    let mut stmt: Recursive<'static, Token, Stmt, PError> = Recursive::declare();
    let ty = type_parser();
    let pattern = pattern_parser();

    let sep = one_of([T::Newline, T::Semi]).ignored().boxed();
    // Statements of an indented block (or of the file); a bad statement is skipped.
    let stmt_ref = stmt.clone();
    let sep_ref = sep.clone();
    let stmt_list = move |level: Level| {
        choice((
            sep_ref.clone().map(|_| None),
            stmt_ref.clone().map(Some).recover_with(skip_parser(skip_statement(level).map(|_| None))),
        ))
        .repeated()
        .map(|items| items.into_iter().flatten().collect::<Vec<Stmt>>())
        .boxed()
    };
    let block_stmts = stmt_list(Level::Block);

    // ---- expressions ----------------------------------------------------------------------
    let expr = recursive(|expr: Recursive<'static, Token, Expr, PError>| {
        let expr: P<Expr> = expr.boxed();

        let named_arg = field_ident()
            .then_ignore(just(T::Colon))
            .then(expr.clone())
            .map(|(name, value)| Arg { name: Some(name), value });
        let arg = choice((named_arg, expr.clone().map(|value| Arg { name: None, value })));
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
        let args = delimited_recovery(args, T::LParen, T::RParen, |_| Vec::new());

        // `async { statements }`
        let async_body = just(T::LBrace).ignore_then(stmt_list(Level::Async)).then_ignore(just(T::RBrace));
        let async_block = just(T::Async).ignore_then(async_body).map_with_span(|stmts, span: Span| {
            let decl = FnDecl {
                name: mk_ident("async", span),
                kind: FnKind::AsyncBlock,
                is_pub: false,
                is_async: true,
                is_extern: false,
                has_self: false,
                params: Vec::new(),
                ret: None,
                body: block_of(stmts, span),
                span,
                info: FnInfo::default(),
            };
            Expr::new(ExprKind::AsyncBlock(Rc::new(decl)), span)
        });

        // names, `self`, paths `a::B`, struct literals `Name { x: 1 }`
        let head = choice((segment(), just(T::SelfLower).map_with_span(|_, s| mk_ident("self", s))));
        let field_init = field_ident().then(just(T::Colon).ignore_then(expr.clone()).or_not()).map(|(name, value)| {
            let value =
                value.unwrap_or_else(|| Expr::new(ExprKind::Var(VarRef::new(name.name.clone(), name.span)), name.span));
            (name, value)
        });
        let struct_body =
            field_init.separated_by(just(T::Comma)).allow_trailing().delimited_by(just(T::LBrace), just(T::RBrace));
        let struct_body = delimited_recovery(struct_body, T::LBrace, T::RBrace, |_| Vec::new());
        let name_expr = head
            .then(just(T::ColonColon).ignore_then(segment()).repeated())
            .then(struct_body.or_not())
            .validate(|((first, rest), fields), span: Span, emit| {
                let mut path = vec![first];
                path.extend(rest);
                if let Some(fields) = fields {
                    let last = &path[path.len() - 1];
                    if !starts_upper(&last.name) {
                        emit(PError::custom(
                            last.span,
                            format!("`{}` is not a struct name, so `{{` cannot start a struct literal here", last.name),
                        ));
                    }
                    return Expr::new(ExprKind::StructLit { path, fields }, span);
                }
                if path.len() == 1 {
                    let id = path.pop().expect("one segment");
                    Expr::new(ExprKind::Var(VarRef::new(id.name, id.span)), span)
                } else {
                    Expr::new(ExprKind::Path(path), span)
                }
            });

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
                    let mut all = vec![first];
                    all.extend(rest);
                    Expr::new(ExprKind::Tuple(all), span)
                }
            });
        let paren = delimited_recovery(paren, T::LParen, T::RParen, |span| Expr::new(ExprKind::Nil, span));
        let list = expr
            .clone()
            .separated_by(just(T::Comma))
            .allow_trailing()
            .delimited_by(just(T::LBracket), just(T::RBracket))
            .map_with_span(|items, span| Expr::new(ExprKind::List(items), span));
        let list = delimited_recovery(list, T::LBracket, T::RBracket, |span| Expr::new(ExprKind::Nil, span));

        // dict keys are operator-level expressions (no lambda / if-expression), see below
        let mut or_level: Recursive<'static, Token, Expr, PError> = Recursive::declare();
        let dict = or_level
            .clone()
            .then_ignore(just(T::Colon))
            .then(expr.clone())
            .separated_by(just(T::Comma))
            .allow_trailing()
            .delimited_by(just(T::LBrace), just(T::RBrace))
            .map_with_span(|entries, span| Expr::new(ExprKind::Dict(entries), span));
        let dict = delimited_recovery(dict, T::LBrace, T::RBrace, |span| Expr::new(ExprKind::Nil, span));

        let primary = label(choice((literal(), unit, paren, list, dict, async_block, name_expr)), "expression");

        // postfix operations
        let method_or_field = field_ident().then(args.clone().or_not()).map(|(name, args)| match args {
            Some(args) => Post::Method(name, args),
            None => Post::Field(name),
        });
        let tuple_field = filter_map(|span: Span, tok: Token| match tok {
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
                    _ => Err(PError::expected_thing(span, "field name", Some(Token::Float(bits)))),
                }
            }
            other => Err(PError::expected_thing(span, "field name", Some(other))),
        });
        let dot = just(T::Dot).ignore_then(choice((method_or_field, tuple_field)));
        let index = delimited_recovery(
            expr.clone().delimited_by(just(T::LBracket), just(T::RBracket)).map(Post::Index),
            T::LBracket,
            T::RBracket,
            |span| Post::Index(Expr::new(ExprKind::Nil, span)),
        );
        let non_try = choice((args.clone().map(Post::Call), dot, index)).map_with_span(|p, s: Span| (p, s)).boxed();
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
        let postfix = choice((awaited, primary.then(any_post.repeated()).foldl(apply_post))).boxed();

        // unary operators bind looser than `**`: `-2 ** 2` is `-(2 ** 2)`
        let unary = recursive(|unary: Recursive<'static, Token, Expr, PError>| {
            let power = postfix.clone().then(just(T::StarStar).ignore_then(unary.clone()).or_not()).map(
                |(base, exp)| match exp {
                    Some(exp) => binary(base, (BinOp::Pow, exp)),
                    None => base,
                },
            );
            let prefix = choice((
                just(T::Minus).to(Prefix::Neg),
                just(T::Bang).to(Prefix::Not),
                just(T::Amp).ignore_then(just(T::Mut).or_not()).map(|m| Prefix::Ref(m.is_some())),
            ))
            .map_with_span(|p, s: Span| (p, s));
            let prefixed = prefix.then(unary).map(|((p, s), e)| {
                let span = s.to(e.span);
                let kind = match p {
                    Prefix::Neg => ExprKind::Unary(UnOp::Neg, Box::new(e)),
                    Prefix::Not => ExprKind::Unary(UnOp::Not, Box::new(e)),
                    Prefix::Ref(mutable) => ExprKind::Ref { mutable, inner: Box::new(e) },
                };
                Expr::new(kind, span)
            });
            label(choice((prefixed, power)), "expression")
        })
        .boxed();

        use BinOp as B;
        let product = left_assoc(unary, &[(T::Star, B::Mul), (T::Slash, B::Div), (T::Percent, B::Rem)]);
        let sum = left_assoc(product, &[(T::Plus, B::Add), (T::Minus, B::Sub)]);
        let shift = left_assoc(sum, &[(T::Shl, B::Shl), (T::Shr, B::Shr)]);
        let bitand = left_assoc(shift, &[(T::Amp, B::BitAnd)]);
        let bitxor = left_assoc(bitand, &[(T::Caret, B::BitXor)]);
        let bitor = left_assoc(bitxor, &[(T::Pipe, B::BitOr)]);
        let cmp_ops: &'static [(Token, BinOp)] =
            &[(T::EqEq, B::Eq), (T::NotEq, B::Ne), (T::Lt, B::Lt), (T::Le, B::Le), (T::Gt, B::Gt), (T::Ge, B::Ge)];
        // comparisons do not chain: `a < b < c` is an error
        let comparison = bitor
            .clone()
            .then(bin_op(cmp_ops).map_with_span(|op, s: Span| (op, s)).then(bitor).repeated())
            .validate(|(first, rest), _span, emit| {
                if let Some(((_, op_span), _)) = rest.get(1) {
                    emit(PError::custom(*op_span, "comparison operators cannot be chained (write `a < b and b < c`)"));
                }
                rest.into_iter().fold(first, |a, ((op, _), b)| binary(a, (op, b)))
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
        let and_level = left_assoc(not_level, &[(T::And, B::And), (T::AmpAmp, B::And)]);
        or_level.define(left_assoc(and_level, &[(T::Or, B::Or), (T::PipePipe, B::Or)]));

        // `\x, y: body`
        let lambda = just(T::Backslash)
            .map_with_span(|_, s: Span| s)
            .then(ident().separated_by(just(T::Comma)).allow_trailing())
            .then_ignore(just(T::Colon))
            .then(expr.clone())
            .map(|((start, names), body)| {
                let span = start.to(body.span);
                let body_span = body.span;
                let params = names
                    .into_iter()
                    .map(|name| Param { name, ty: None, default: None, slot: Slot::Unresolved })
                    .collect();
                let ret = Stmt::new(StmtKind::Return(Some(body)), body_span);
                let decl = FnDecl {
                    name: mk_ident("lambda", start),
                    kind: FnKind::Lambda,
                    is_pub: false,
                    is_async: false,
                    is_extern: false,
                    has_self: false,
                    params,
                    ret: None,
                    body: Block { stmts: vec![ret], span: body_span, ..Default::default() },
                    span,
                    info: FnInfo::default(),
                };
                Expr::new(ExprKind::Lambda(Rc::new(decl)), span)
            });

        // `if c: a elif d: b else: z`
        let if_expr = just(T::If)
            .map_with_span(|_, s: Span| s)
            .then(expr.clone())
            .then_ignore(just(T::Colon))
            .then(expr.clone())
            .then(just(T::Elif).ignore_then(expr.clone()).then_ignore(just(T::Colon)).then(expr.clone()).repeated())
            .then_ignore(just(T::Else))
            .then_ignore(just(T::Colon))
            .then(expr.clone())
            .map(|((((start, cond), then), elifs), else_)| {
                let span = start.to(else_.span);
                let mut branches = vec![(cond, then)];
                branches.extend(elifs);
                Expr::new(ExprKind::If { branches, else_: Box::new(else_) }, span)
            });

        label(choice((lambda, if_expr, or_level)), "expression")
    })
    .boxed();

    // ---- statements -------------------------------------------------------------------------
    // the end of a simple statement
    let term = choice((
        just(T::Newline).ignored(),
        just(T::Semi).ignored(),
        one_of([T::RBrace, T::Dedent]).ignored().rewind(),
        end(),
    ))
    .boxed();

    let let_kw = choice((
        just(T::Let).ignore_then(just(T::Mut).or_not()).map(|m| m.is_some()),
        just(T::Val).to(false),
        just(T::Var).to(true),
    ));
    let let_stmt = just(T::Pub)
        .or_not()
        .ignore_then(let_kw)
        .then(pattern.clone())
        .then(just(T::Colon).ignore_then(ty.clone()).or_not())
        .then_ignore(just(T::Assign))
        .then(expr.clone())
        .map_with_span(|(((mutable, pat), ty), value), span| {
            Stmt::new(StmtKind::Let { pat, mutable, ty, value }, span)
        });

    let assign_op = choice((
        just(T::Assign).to(None),
        just(T::PlusAssign).to(Some(BinOp::Add)),
        just(T::MinusAssign).to(Some(BinOp::Sub)),
        just(T::StarAssign).to(Some(BinOp::Mul)),
        just(T::SlashAssign).to(Some(BinOp::Div)),
        just(T::PercentAssign).to(Some(BinOp::Rem)),
    ));
    let assign_or_expr = expr.clone().then(assign_op.then(expr.clone()).or_not()).validate(
        |(target, rest), span: Span, emit| match rest {
            None => Stmt::new(StmtKind::Expr(target), span),
            Some((op, value)) => {
                if !matches!(target.kind, ExprKind::Var(_) | ExprKind::Index(..) | ExprKind::Field(..)) {
                    emit(PError::custom(
                        target.span,
                        "cannot assign to this expression (expected a name, `a[i]` or `a.field`)",
                    ));
                }
                Stmt::new(StmtKind::Assign { target, op, value }, span)
            }
        },
    );

    let simple_kw = choice((
        just(T::Break).map_with_span(|_, span| Stmt::new(StmtKind::Break, span)),
        just(T::Continue).map_with_span(|_, span| Stmt::new(StmtKind::Continue, span)),
        just(T::Return)
            .ignore_then(expr.clone().or_not())
            .map_with_span(|value, span| Stmt::new(StmtKind::Return(value), span)),
    ));

    // `import a.b::{X, Y}`, `import a.b::X`, `import a`
    let import_stmt = just(T::Pub)
        .or_not()
        .ignore_then(just(T::Import))
        .ignore_then(ident())
        .then(choice((just(T::Dot).to(false), just(T::ColonColon).to(true))).then(ident()).repeated())
        .then(
            just(T::ColonColon)
                .ignore_then(
                    ident()
                        .separated_by(just(T::Comma))
                        .allow_trailing()
                        .delimited_by(just(T::LBrace), just(T::RBrace)),
                )
                .or_not(),
        )
        .map_with_span(|((first, rest), braced), span| {
            let mut module = vec![first];
            let mut last_colons = false;
            for (colons, seg) in rest {
                last_colons = colons;
                module.push(seg);
            }
            let items = match braced {
                Some(items) => Some(items),
                None if last_colons => Some(vec![module.pop().expect("at least two segments")]),
                None => None,
            };
            Stmt::new(StmtKind::Import(ImportDecl { module, items, span }), span)
        });

    // `pass` alone is a no-op statement (an expression statement `nil`)
    let pass = filter_map(|span: Span, tok: Token| match tok {
        Token::Ident(name) if &*name == "pass" => Ok(Stmt::new(StmtKind::Expr(Expr::new(ExprKind::Nil, span)), span)),
        other => Err(PError::expected_thing(span, "statement", Some(other))),
    })
    .then_ignore(
        choice((one_of([T::Newline, T::Semi, T::RBrace, T::Dedent, T::Else, T::Elif]).ignored(), end())).rewind(),
    );

    let pass = pass.boxed();
    let simple = choice((let_stmt, simple_kw, import_stmt, pass.clone(), assign_or_expr)).boxed();

    // `: <indented block>` or `: stmt; stmt` on the same line
    let indented = just(T::Newline)
        .ignore_then(label(just(T::Indent), "an indented block"))
        .ignore_then(block_stmts.clone())
        .then_ignore(just(T::Dedent));
    let inline_end = choice((
        just(T::Newline).ignored(),
        one_of([T::Else, T::Elif, T::RBrace, T::Dedent]).ignored().rewind(),
        end(),
    ));
    let inline = simple.clone().separated_by(just(T::Semi)).at_least(1).allow_trailing().then_ignore(inline_end);
    let suite = just(T::Colon)
        .map_with_span(|_, s: Span| s)
        .then(choice((indented, inline)))
        .map(|(colon, stmts)| block_of(stmts, colon))
        .boxed();

    let if_stmt = just(T::If)
        .map_with_span(|_, s: Span| s)
        .then(expr.clone())
        .then(suite.clone())
        .then(just(T::Elif).ignore_then(expr.clone()).then(suite.clone()).repeated())
        .then(just(T::Else).ignore_then(suite.clone()).or_not())
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
        });
    let while_stmt = just(T::While).map_with_span(|_, s: Span| s).then(expr.clone()).then(suite.clone()).map(
        |((start, cond), body)| {
            let span = span_from(start, body.span);
            Stmt::new(StmtKind::While { cond, body }, span)
        },
    );
    // `for k, v in ...` is `for (k, v) in ...`
    let for_pattern = pattern.clone().separated_by(just(T::Comma)).at_least(1).map_with_span(|mut pats, span| {
        if pats.len() == 1 { pats.pop().expect("one pattern") } else { Pattern { kind: PatKind::Tuple(pats), span } }
    });
    let for_stmt = just(T::For)
        .map_with_span(|_, s: Span| s)
        .then(for_pattern)
        .then_ignore(just(T::In))
        .then(expr.clone())
        .then(suite.clone())
        .map(|(((start, pat), iter), body)| {
            let span = span_from(start, body.span);
            Stmt::new(StmtKind::For { pat, iter, body }, span)
        });
    let loop_stmt = just(T::Loop).map_with_span(|_, s: Span| s).then(suite.clone()).map(|(start, body)| {
        let span = span_from(start, body.span);
        Stmt::new(StmtKind::Loop { body }, span)
    });

    let arm = just(T::Case)
        .map_with_span(|_, s: Span| s)
        .then(pattern.clone())
        .then(just(T::If).ignore_then(expr.clone()).or_not())
        .then(suite.clone())
        .map(|(((start, pat), guard), body)| {
            let span = span_from(start, body.span);
            MatchArm { pat, guard, body, span }
        });
    let arms = choice((
        sep.clone().map(|_| None),
        arm.map(Some).recover_with(skip_parser(skip_statement(Level::Block).map(|_| None))),
    ))
    .repeated()
    .map(|arms| arms.into_iter().flatten().collect::<Vec<_>>());
    let match_stmt = just(T::Match)
        .map_with_span(|_, s: Span| s)
        .then(expr.clone())
        .then_ignore(just(T::Colon))
        .then_ignore(just(T::Newline))
        .then_ignore(label(just(T::Indent), "indented `case` arms"))
        .then(arms)
        .then_ignore(just(T::Dedent))
        .map_with_span(|((start, scrutinee), arms), whole: Span| {
            let end = arms.last().map(|a: &MatchArm| a.span).unwrap_or(whole);
            Stmt::new(StmtKind::Match { scrutinee, arms }, span_from(start, end))
        });

    // ---- declarations -------------------------------------------------------------------------
    let self_param = just(T::Amp)
        .or_not()
        .then(just(T::Mut).or_not())
        .then(just(T::SelfLower))
        .then(just(T::Colon).ignore_then(ty.clone()).or_not())
        .map_with_span(|_, s: Span| ParamItem::SelfParam(s));
    let named_param = just(T::Mut)
        .or_not()
        .ignore_then(ident())
        .then(just(T::Colon).ignore_then(ty.clone()).or_not())
        .then(just(T::Assign).ignore_then(expr.clone()).or_not())
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
    let params = delimited_recovery(params, T::LParen, T::RParen, |_| (false, Vec::new()));

    #[derive(Clone, Copy)]
    enum FnMod {
        Plain,
        Async,
        Extern,
        /// `extern async fn`: a native that returns a future
        ExternAsync,
    }
    let fn_decl = just(T::Pub)
        .or_not()
        .map_with_span(|p, s: Span| (p.is_some(), s))
        .then(
            choice((
                just(T::Extern).then(just(T::Async)).to(FnMod::ExternAsync),
                just(T::Async).then(just(T::Extern)).to(FnMod::ExternAsync),
                just(T::Async).to(FnMod::Async),
                just(T::Extern).to(FnMod::Extern),
            ))
            .or_not(),
        )
        .then_ignore(just(T::Fn))
        .then(ident())
        .then(params)
        .then(just(T::Arrow).ignore_then(ty.clone()).or_not())
        .map_with_span(|x, s: Span| (x, s))
        .then(choice((suite.clone().map(Some), term.clone().to(None))))
        .validate(|(((((((is_pub, start), fmod), name), (has_self, params)), ret), header), body), _, emit| {
            let fmod = fmod.unwrap_or(FnMod::Plain);
            let is_extern = matches!(fmod, FnMod::Extern | FnMod::ExternAsync);
            let header_end = Span { file: header.file, start: header.end, end: header.end };
            let body = match (body, is_extern) {
                (Some(b), true) => {
                    emit(PError::custom(name.span, "an `extern fn` has no body"));
                    b
                }
                (Some(b), false) => b,
                (None, true) => Block { stmts: Vec::new(), span: header_end, ..Default::default() },
                (None, false) => {
                    emit(PError::custom(header_end, format!("expected `:` and the body of `{}`", name.name)));
                    Block { stmts: Vec::new(), span: header_end, ..Default::default() }
                }
            };
            let span = if body.stmts.is_empty() { span_from(start, header) } else { span_from(start, body.span) };
            Rc::new(FnDecl {
                name,
                kind: FnKind::Named,
                is_pub,
                is_async: matches!(fmod, FnMod::Async | FnMod::ExternAsync),
                is_extern,
                has_self,
                params,
                ret,
                body,
                span,
                info: FnInfo::default(),
            })
        })
        .boxed();

    // `a: T, b: U` on one line of a struct body
    let field = just(T::Pub)
        .or_not()
        .ignore_then(field_ident())
        .then_ignore(just(T::Colon))
        .then(ty.clone())
        .map(|(name, ty)| FieldDecl { name, ty: Some(ty) });
    let fields_line =
        field.separated_by(just(T::Comma)).at_least(1).allow_trailing().then_ignore(term.clone()).map(Member::Fields);
    // `Circle(r: f64)`, `Pair(i64, i64)`, `Unit`, several per line allowed
    let variant_field = choice((
        ident().then_ignore(just(T::Colon)).then(ty.clone()).map(|(n, t)| (Some(n), Some(t))),
        ty.clone().map(|t| (None, Some(t))),
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
    let variants_line = variant
        .separated_by(just(T::Comma))
        .at_least(1)
        .allow_trailing()
        .then_ignore(term.clone())
        .map(Member::Variants);
    let method = fn_decl.clone().map(Member::Method);
    let pass_member = pass.then_ignore(term.clone()).map(|_| Member::Fields(Vec::new())).boxed();
    let member_block = |member: P<Member>| {
        just(T::Newline)
            .ignore_then(label(just(T::Indent), "an indented block"))
            .ignore_then(
                choice((
                    sep.clone().map(|_| None),
                    member.map(Some).recover_with(skip_parser(skip_statement(Level::Block).map(|_| None))),
                ))
                .repeated(),
            )
            .then_ignore(just(T::Dedent))
            .map(|m| m.into_iter().flatten().collect::<Vec<Member>>())
            .boxed()
    };
    let struct_members = member_block(choice((method.clone(), pass_member.clone(), fields_line)).boxed());
    let enum_members = member_block(choice((method.clone(), pass_member.clone(), variants_line)).boxed());
    let impl_members = member_block(choice((method, pass_member)).boxed());

    let decl_head = |kw: Token| {
        just(T::Pub).or_not().map_with_span(|p, s: Span| (p.is_some(), s)).then_ignore(just(kw)).then(ident())
    };
    // a body, or nothing at all (`struct Marker`)
    let body_or_nothing = |members: P<Vec<Member>>| {
        choice((just(T::Colon).ignore_then(members), term.clone().map(|_| Vec::new())))
            .map_with_span(|m, s: Span| (m, s))
    };
    let struct_stmt = decl_head(T::Struct).then(body_or_nothing(struct_members)).validate(
        |(((is_pub, start), name), (members, _)), _, emit| {
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
                }
            }
            let span = members_span(start, &name, &fields.iter().map(|f| f.name.span).collect::<Vec<_>>(), &methods);
            Stmt::new(StmtKind::Struct(Rc::new(StructDecl { name, is_pub, fields, methods, span })), span)
        },
    );
    let enum_stmt =
        decl_head(T::Enum).then(body_or_nothing(enum_members)).map(|(((is_pub, start), name), (members, _))| {
            let mut variants = Vec::new();
            let mut methods = Vec::new();
            for m in members {
                match m {
                    Member::Variants(v) => variants.extend(v),
                    Member::Method(f) => methods.push(f),
                    Member::Fields(_) => {}
                }
            }
            let span = members_span(start, &name, &variants.iter().map(|v| v.span).collect::<Vec<_>>(), &methods);
            Stmt::new(StmtKind::Enum(Rc::new(EnumDecl { name, is_pub, variants, methods, span })), span)
        });
    // `impl Name:` (also `impl Trait for Name:`, the trait being ignored)
    let impl_stmt = just(T::Pub)
        .or_not()
        .ignore_then(just(T::Impl).map_with_span(|_, s: Span| s))
        .then(segment())
        .then(just(T::For).ignore_then(segment()).or_not())
        .then(body_or_nothing(impl_members))
        .map(|(((start, first), second), (members, _))| {
            let target = second.unwrap_or(first);
            let methods: Vec<Rc<FnDecl>> = members
                .into_iter()
                .filter_map(|m| match m {
                    Member::Method(f) => Some(f),
                    _ => None,
                })
                .collect();
            let span = members_span(start, &target, &[], &methods);
            Stmt::new(StmtKind::Impl(Rc::new(ImplDecl { target, methods, span })), span)
        });

    stmt.define(label(
        choice((
            if_stmt,
            while_stmt,
            for_stmt,
            loop_stmt,
            match_stmt,
            fn_decl.map(fn_stmt),
            struct_stmt,
            enum_stmt,
            impl_stmt,
            simple.then_ignore(term),
        )),
        "statement",
    ));

    Grammar { program: stmt_list(Level::Top).then_ignore(end()).boxed(), expr_only: expr.then_ignore(end()).boxed() }
}

/// The span of a struct / enum / impl declaration: from its first token to its last member.
fn members_span(start: Span, name: &Ident, items: &[Span], methods: &[Rc<FnDecl>]) -> Span {
    let end = items
        .iter()
        .copied()
        .chain(methods.iter().map(|m| m.span))
        .fold(name.span, |a, b| if b.end > a.end { b } else { a });
    span_from(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::InterpPart;
    use crate::syntax::layout::layout;
    use crate::syntax::token::lex;

    // ---- a compact S-expression rendering of the AST, for assertions ----

    fn args(a: &[Arg]) -> String {
        a.iter()
            .map(|a| match &a.name {
                Some(n) => format!(" {}={}", n.name, ex(&a.value)),
                None => format!(" {}", ex(&a.value)),
            })
            .collect()
    }

    fn list(items: &[Expr]) -> String {
        items.iter().map(ex).collect::<Vec<_>>().join(" ")
    }

    fn path(p: &[Ident]) -> String {
        p.iter().map(|i| i.name.to_string()).collect::<Vec<_>>().join("::")
    }

    fn op(o: BinOp) -> &'static str {
        use BinOp::*;
        match o {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Rem => "%",
            Pow => "**",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            And => "and",
            Or => "or",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "^",
            Shl => "<<",
            Shr => ">>",
        }
    }

    fn ex(e: &Expr) -> String {
        use ExprKind::*;
        match &e.kind {
            Nil => "nil".into(),
            Bool(b) => b.to_string(),
            Int(v) => v.to_string(),
            Float(f) => format!("{f:?}"),
            Str(s) => format!("{s:?}"),
            Bytes(b) => format!("b{:?}", String::from_utf8_lossy(b)),
            Interp(parts) => {
                let ps: Vec<String> = parts
                    .iter()
                    .map(|p| match p {
                        InterpPart::Lit(s) => format!("{s:?}"),
                        InterpPart::Expr(e) => ex(e),
                    })
                    .collect();
                format!("(interp {})", ps.join(" "))
            }
            Var(v) => v.name.to_string(),
            Path(p) => path(p),
            List(items) => format!("[{}]", list(items)),
            Tuple(items) => format!("(tuple {})", list(items)),
            Dict(entries) => {
                let es: Vec<String> = entries.iter().map(|(k, v)| format!("{}: {}", ex(k), ex(v))).collect();
                format!("{{{}}}", es.join(", "))
            }
            StructLit { path: p, fields } => {
                let fs: String = fields.iter().map(|(n, v)| format!(" {}={}", n.name, ex(v))).collect();
                format!("(struct {}{})", path(p), fs)
            }
            Unary(UnOp::Neg, e) => format!("(neg {})", ex(e)),
            Unary(UnOp::Not, e) => format!("(not {})", ex(e)),
            Binary(o, a, b) => format!("({} {} {})", op(*o), ex(a), ex(b)),
            Call { callee, args: a } => format!("(call {}{})", ex(callee), args(a)),
            MethodCall { recv, method, args: a } => format!("(.{} {}{})", method.name, ex(recv), args(a)),
            Field(e, n) => format!("(field {} {})", ex(e), n.name),
            Index(a, i) => format!("(index {} {})", ex(a), ex(i)),
            Try(e) => format!("(? {})", ex(e)),
            Await(e) => format!("(await {})", ex(e)),
            Ref { mutable, inner } => format!("({} {})", if *mutable { "&mut" } else { "&" }, ex(inner)),
            Lambda(f) => format!("(lambda {})", func(f)),
            If { branches, else_ } => {
                let bs: String = branches.iter().map(|(c, v)| format!(" {} {}", ex(c), ex(v))).collect();
                format!("(if{} else {})", bs, ex(else_))
            }
            AsyncBlock(f) => format!("(async {})", block(&f.body)),
            other => format!("<{other:?}>"),
        }
    }

    fn pat(p: &Pattern) -> String {
        match &p.kind {
            PatKind::Wild => "_".into(),
            PatKind::Bind(v) => v.name.to_string(),
            PatKind::Lit(e) => ex(e),
            PatKind::Tuple(ps) => format!("(tuple {})", ps.iter().map(pat).collect::<Vec<_>>().join(" ")),
            PatKind::List(ps) => format!("[{}]", ps.iter().map(pat).collect::<Vec<_>>().join(" ")),
            PatKind::Variant { path: p, args: None } => format!("(variant {})", path(p)),
            PatKind::Variant { path: p, args: Some(a) } => {
                format!("(variant {} {})", path(p), a.iter().map(pat).collect::<Vec<_>>().join(" "))
            }
            PatKind::Or(ps) => format!("(or {})", ps.iter().map(pat).collect::<Vec<_>>().join(" ")),
            other => format!("<{other:?}>"),
        }
    }

    fn ty(t: &TypeExpr) -> String {
        match t {
            TypeExpr::Named { path: p, args } if args.is_empty() => path(p),
            TypeExpr::Named { path: p, args } => {
                format!("{}[{}]", path(p), args.iter().map(ty).collect::<Vec<_>>().join(", "))
            }
            TypeExpr::Ref { mutable, inner } => format!("&{}{}", if *mutable { "mut " } else { "" }, ty(inner)),
            TypeExpr::Tuple(ts) => format!("({})", ts.iter().map(ty).collect::<Vec<_>>().join(", ")),
            TypeExpr::Func { params, ret } => format!(
                "fn({}){}",
                params.iter().map(ty).collect::<Vec<_>>().join(", "),
                ret.as_ref().map(|r| format!(" -> {}", ty(r))).unwrap_or_default()
            ),
        }
    }

    fn block(b: &Block) -> String {
        format!("{{{}}}", b.stmts.iter().map(st).collect::<Vec<_>>().join("; "))
    }

    fn func(f: &FnDecl) -> String {
        let mut s = String::new();
        if f.is_pub {
            s.push_str("pub ");
        }
        if f.is_async {
            s.push_str("async ");
        }
        if f.is_extern {
            s.push_str("extern ");
        }
        s.push_str(&f.name.name);
        s.push('(');
        let mut ps: Vec<String> = Vec::new();
        if f.has_self {
            ps.push("self".into());
        }
        for p in &f.params {
            let mut x = p.name.name.to_string();
            if let Some(t) = &p.ty {
                x.push_str(&format!(": {}", ty(t)));
            }
            if let Some(d) = &p.default {
                x.push_str(&format!(" = {}", ex(d)));
            }
            ps.push(x);
        }
        s.push_str(&ps.join(", "));
        s.push(')');
        if let Some(r) = &f.ret {
            s.push_str(&format!(" -> {}", ty(r)));
        }
        s.push(' ');
        s.push_str(&block(&f.body));
        s
    }

    fn st(s: &Stmt) -> String {
        use StmtKind::*;
        match &s.kind {
            Let { pat: p, mutable, ty: t, value } => format!(
                "(let{} {}{} {})",
                if *mutable { " mut" } else { "" },
                pat(p),
                t.as_ref().map(|t| format!(": {}", ty(t))).unwrap_or_default(),
                ex(value)
            ),
            Assign { target, op: None, value } => format!("(= {} {})", ex(target), ex(value)),
            Assign { target, op: Some(o), value } => format!("({}= {} {})", op(*o), ex(target), ex(value)),
            Expr(e) => ex(e),
            If { branches, else_ } => {
                let bs: String = branches.iter().map(|(c, b)| format!(" {} {}", ex(c), block(b))).collect();
                format!("(if{}{})", bs, else_.as_ref().map(|b| format!(" else {}", block(b))).unwrap_or_default())
            }
            While { cond, body } => format!("(while {} {})", ex(cond), block(body)),
            For { pat: p, iter, body } => format!("(for {} {} {})", pat(p), ex(iter), block(body)),
            Loop { body } => format!("(loop {})", block(body)),
            Break => "break".into(),
            Continue => "continue".into(),
            Return(None) => "(return)".into(),
            Return(Some(e)) => format!("(return {})", ex(e)),
            Match { scrutinee, arms } => {
                let a: String = arms
                    .iter()
                    .map(|a| {
                        format!(
                            " (case {}{} {})",
                            pat(&a.pat),
                            a.guard.as_ref().map(|g| format!(" if {}", ex(g))).unwrap_or_default(),
                            block(&a.body)
                        )
                    })
                    .collect();
                format!("(match {}{})", ex(scrutinee), a)
            }
            Fn(f) => format!("(fn {})", func(f)),
            Struct(d) => {
                let fs: String = d
                    .fields
                    .iter()
                    .map(|f| format!(" {}: {}", f.name.name, f.ty.as_ref().map(ty).unwrap_or_default()))
                    .collect();
                let ms: String = d.methods.iter().map(|m| format!(" (fn {})", func(m))).collect();
                format!("(struct{} {}{}{})", if d.is_pub { " pub" } else { "" }, d.name.name, fs, ms)
            }
            Enum(d) => {
                let vs: String = d
                    .variants
                    .iter()
                    .map(|v| match &v.fields {
                        None => format!(" {}", v.name.name),
                        Some(fs) => {
                            let f: Vec<String> = fs
                                .iter()
                                .map(|(n, t)| {
                                    format!(
                                        "{}{}",
                                        n.as_ref().map(|n| format!("{}: ", n.name)).unwrap_or_default(),
                                        t.as_ref().map(ty).unwrap_or_default()
                                    )
                                })
                                .collect();
                            format!(" {}({})", v.name.name, f.join(", "))
                        }
                    })
                    .collect();
                let ms: String = d.methods.iter().map(|m| format!(" (fn {})", func(m))).collect();
                format!("(enum {}{}{})", d.name.name, vs, ms)
            }
            Impl(d) => {
                let ms: String = d.methods.iter().map(|m| format!(" (fn {})", func(m))).collect();
                format!("(impl {}{})", d.target.name, ms)
            }
            Import(i) => format!(
                "(import {}{})",
                i.module.iter().map(|m| m.name.to_string()).collect::<Vec<_>>().join("."),
                i.items
                    .as_ref()
                    .map(|it| format!(" {{{}}}", it.iter().map(|m| m.name.to_string()).collect::<Vec<_>>().join(", ")))
                    .unwrap_or_default()
            ),
        }
    }

    // ---- helpers ----

    fn parse(src: &str) -> (Program, Vec<Diagnostic>) {
        let (toks, mut errs) = lex(src, 0);
        let (toks, lerrs) = layout(toks, src, 0);
        errs.extend(lerrs);
        let (p, perrs) = parse_program(toks, 0, src.len());
        errs.extend(perrs);
        (p, errs)
    }

    /// Parses a program that must be valid; renders its statements one per line.
    fn ok(src: &str) -> String {
        let (p, errs) = parse(src);
        let msgs: Vec<String> =
            errs.iter().map(|e| format!("{} at {:?}", e.message, e.span.map(|s| s.range()))).collect();
        assert!(errs.is_empty(), "unexpected errors for {src:?}: {msgs:#?}");
        p.stmts.iter().map(st).collect::<Vec<_>>().join("\n")
    }

    /// One expression, through the statement parser.
    fn e(src: &str) -> String {
        ok(src)
    }

    /// Syntax error messages with the source text they point at.
    fn errs(src: &str) -> Vec<String> {
        let (_, errs) = parse(src);
        errs.iter()
            .map(|e| {
                let r = e.span.map(|s| s.range()).unwrap_or(0..0);
                format!("{} @{:?}", e.message, &src[r])
            })
            .collect()
    }

    // ---- expressions ----

    #[test]
    fn literals() {
        assert_eq!(e("42"), "42");
        assert_eq!(e("1_000"), "1000");
        assert_eq!(e("2.5"), "2.5");
        assert_eq!(e("true"), "true");
        assert_eq!(e("nil"), "nil");
        assert_eq!(e("()"), "nil");
        assert_eq!(e("\"hi\""), "\"hi\"");
        assert_eq!(e("r\"a{b}\""), "\"a{b}\"");
        assert_eq!(e("b\"ab\""), "b\"ab\"");
        assert_eq!(e("\"\""), "\"\"");
    }

    #[test]
    fn interpolation() {
        assert_eq!(e("\"x = {x + 1}!\""), "(interp \"x = \" (+ x 1) \"!\")");
        assert_eq!(e("\"{d[\"k\"]}\""), "(interp (index d \"k\"))");
        let src = "\"a {b.c} d\"";
        let (p, errs) = parse(src);
        assert!(errs.is_empty());
        let StmtKind::Expr(Expr { kind: ExprKind::Interp(parts), .. }) = &p.stmts[0].kind else { panic!() };
        let InterpPart::Expr(inner) = &parts[1] else { panic!() };
        assert_eq!(&src[inner.span.range()], "b.c");
    }

    #[test]
    fn interpolation_errors_point_into_the_string() {
        let src = "print(\"a {1 +} b\")\n";
        assert_eq!(errs(src), vec!["expected expression, found `}` @\"}\"".to_string()]);
        let (_, es) = parse(src);
        assert_eq!(es[0].span.unwrap().start as usize, src.find('}').unwrap());
    }

    #[test]
    fn precedence() {
        assert_eq!(e("1 + 2 * 3"), "(+ 1 (* 2 3))");
        assert_eq!(e("1 - 2 - 3"), "(- (- 1 2) 3)");
        assert_eq!(e("a or b and not c"), "(or a (and b (not c)))");
        assert_eq!(e("a || b && !c"), "(or a (and b (not c)))");
        assert_eq!(e("not a == b"), "(not (== a b))");
        assert_eq!(e("!a == b"), "(== (not a) b)");
        assert_eq!(e("a | b ^ c & d << 1 + 2"), "(| a (^ b (& c (<< d (+ 1 2)))))");
        assert_eq!(e("-2 ** 2"), "(neg (** 2 2))");
        assert_eq!(e("2 ** 3 ** 2"), "(** 2 (** 3 2))");
        assert_eq!(e("2 ** -1"), "(** 2 (neg 1))");
        assert_eq!(e("a % b * c"), "(* (% a b) c)");
        assert_eq!(e("x >= 1 and x <= 2"), "(and (>= x 1) (<= x 2))");
        assert_eq!(e("&mut buf"), "(&mut buf)");
        assert_eq!(e("f(&x)"), "(call f (& x))");
    }

    #[test]
    fn comparisons_do_not_chain() {
        let es = errs("a < b < c\n");
        assert_eq!(es.len(), 1, "{es:?}");
        assert!(es[0].contains("cannot be chained"), "{es:?}");
    }

    #[test]
    fn postfix() {
        assert_eq!(e("f(1, 2)"), "(call f 1 2)");
        assert_eq!(e("f(1, c: 3,)"), "(call f 1 c=3)");
        assert_eq!(e("a.b.c(1)[2]?"), "(? (index (.c (field a b) 1) 2))");
        assert_eq!(e("t.0"), "(field t 0)");
        assert_eq!(e("t.0.1"), "(field (field t 0) 1)");
        assert_eq!(e("net::TcpStream::connect(a)"), "(call net::TcpStream::connect a)");
        assert_eq!(e("Self::new()"), "(call Self::new)");
        assert_eq!(e("self.x"), "(field self x)");
        assert_eq!(e("f()()"), "(call (call f))");
    }

    #[test]
    fn await_binds_the_postfix_chain() {
        assert_eq!(e("await s.read(&mut buf, 4096)?"), "(? (await (.read s (&mut buf) 4096)))");
        assert_eq!(e("await f()?.len()"), "(.len (? (await (call f))))");
        assert_eq!(e("await TcpListener::bind(addr)?"), "(? (await (call TcpListener::bind addr)))");
        assert_eq!(e("-await x"), "(neg (await x))");
        assert_eq!(e("await a + await b"), "(+ (await a) (await b))");
    }

    #[test]
    fn collections() {
        assert_eq!(e("[1, 2,]"), "[1 2]");
        assert_eq!(e("[]"), "[]");
        assert_eq!(e("(1,)"), "(tuple 1)");
        assert_eq!(e("(1, \"a\")"), "(tuple 1 \"a\")");
        assert_eq!(e("(1)"), "1");
        assert_eq!(e("{}"), "{}");
        assert_eq!(e("{\"a\": 1, 2: [3],}"), "{\"a\": 1, 2: [3]}");
        assert_eq!(e("Point { x: 1, y: 2 }"), "(struct Point x=1 y=2)");
        assert_eq!(e("Point { x, y, }"), "(struct Point x=x y=y)");
        assert_eq!(e("geo::Point {}"), "(struct geo::Point)");
        assert_eq!(e("Shape::Circle(1.0)"), "(call Shape::Circle 1.0)");
        assert_eq!(e("Color::Red"), "Color::Red");
    }

    #[test]
    fn lambdas_and_if_expressions() {
        assert_eq!(e("\\x: x + 1"), "(lambda lambda(x) {(return (+ x 1))})");
        assert_eq!(e("\\a, b: a * b"), "(lambda lambda(a, b) {(return (* a b))})");
        assert_eq!(e("\\: 0"), "(lambda lambda() {(return 0)})");
        assert_eq!(e("xs.map(\\x: x * 2)"), "(.map xs (lambda lambda(x) {(return (* x 2))}))");
        assert_eq!(e("y = if b: 1 else: 0"), "(= y (if b 1 else 0))");
        assert_eq!(e("y = if a: 1 elif b: 2 else: 3"), "(= y (if a 1 b 2 else 3))");
        assert_eq!(e("f(if a: 1 else: 2, 3)"), "(call f (if a 1 else 2) 3)");
    }

    #[test]
    fn async_blocks() {
        assert_eq!(e("t = async { 1 }"), "(= t (async {1}))");
        assert_eq!(e("t = async { a; b }"), "(= t (async {a; b}))");
        assert_eq!(e("t = async {}"), "(= t (async {}))");
        assert_eq!(
            ok("let t = async {\n    let x = 1\n    if x > 0:\n        print(x)\n    x\n}\nprint(t)\n"),
            "(let t (async {(let x 1); (if (> x 0) {(call print x)}); x}))\n(call print t)"
        );
        assert_eq!(
            ok("spawn(async {\n  await sleep(1)\n  print(\"done\")\n})\n"),
            "(call spawn (async {(await (call sleep 1)); (call print \"done\")}))"
        );
        let (p, _) = parse("t = async { 1 }");
        let StmtKind::Assign { value, .. } = &p.stmts[0].kind else { panic!() };
        let ExprKind::AsyncBlock(f) = &value.kind else { panic!() };
        assert!(f.is_async && f.kind == FnKind::AsyncBlock && &*f.name.name == "async" && f.params.is_empty());
    }

    // ---- statements ----

    #[test]
    fn bindings_and_assignments() {
        assert_eq!(ok("let x = 1"), "(let x 1)");
        assert_eq!(ok("val x = 1"), "(let x 1)");
        assert_eq!(ok("let mut x: i64 = 1"), "(let mut x: i64 1)");
        assert_eq!(ok("var x = 1"), "(let mut x 1)");
        assert_eq!(ok("let (n, peer) = r"), "(let (tuple n peer) r)");
        assert_eq!(ok("let [a, b] = xs"), "(let [a b] xs)");
        assert_eq!(ok("let _ = f()"), "(let _ (call f))");
        assert_eq!(ok("pub let x = 1"), "(let x 1)");
        assert_eq!(
            ok("x = 1\nxs[0] = 2\np.x = 3\na.b[1].c += 4"),
            "(= x 1)\n(= (index xs 0) 2)\n(= (field p x) 3)\n(+= (field (index (field a b) 1) c) 4)"
        );
        assert_eq!(ok("x -= 1; x *= 2; x /= 3; x %= 4"), "(-= x 1)\n(*= x 2)\n(/= x 3)\n(%= x 4)");
    }

    #[test]
    fn bad_assignment_target() {
        let es = errs("f() = 1\n");
        assert_eq!(es.len(), 1);
        assert!(es[0].starts_with("cannot assign"), "{es:?}");
    }

    #[test]
    fn control_flow() {
        assert_eq!(
            ok("if a:\n    x = 1\nelif b:\n    x = 2\nelse:\n    x = 3\n"),
            "(if a {(= x 1)} b {(= x 2)} else {(= x 3)})"
        );
        assert_eq!(ok("if n == 0: break"), "(if (== n 0) {break})");
        assert_eq!(ok("if b: x = 1 else: x = 2\ny"), "(if b {(= x 1)} else {(= x 2)})\ny");
        assert_eq!(ok("if b: x = 1\nelse: x = 2\n"), "(if b {(= x 1)} else {(= x 2)})");
        assert_eq!(ok("if b: a; b\n"), "(if b {a; b})");
        assert_eq!(ok("while i < 10:\n    i += 1\n    continue\n"), "(while (< i 10) {(+= i 1); continue})");
        assert_eq!(ok("for (k, v) in d.items():\n    print(k)\n"), "(for (tuple k v) (.items d) {(call print k)})");
        assert_eq!(ok("for x in range(3): print(x)"), "(for x (call range 3) {(call print x)})");
        assert_eq!(ok("for i, (a, b) in xs: pass"), "(for (tuple i (tuple a b)) xs {nil})");
        assert_eq!(ok("loop:\n    break\n"), "(loop {break})");
        assert_eq!(ok("fn f():\n    return\n"), "(fn f() {(return)})");
        assert_eq!(ok("while a: pass\npass = 1\nprint(pass)"), "(while a {nil})\n(= pass 1)\n(call print pass)");
        assert_eq!(ok("fn f(): return 1"), "(fn f() {(return 1)})");
        assert_eq!(ok("if a:\n    if b:\n        c\n    else:\n        d\ne\n"), "(if a {(if b {c} else {d})})\ne");
    }

    #[test]
    fn match_statement() {
        let src = "match v:
    case 0: print(\"zero\")
    case 1 | 2:
        print(\"small\")
    case -1: x
    case \"s\": x
    case (a, [b, _]): x
    case Some(x) if x > 0: x
    case None: x
    case Ok(()): x
    case Err(e): x
    case Shape::Circle(r): x
    case Color::Red: x
    case n: x
";
        assert_eq!(
            ok(src),
            "(match v (case 0 {(call print \"zero\")}) (case (or 1 2) {(call print \"small\")}) (case -1 {x}) \
             (case \"s\" {x}) (case (tuple a [b _]) {x}) (case (variant Some x) if (> x 0) {x}) \
             (case (variant None) {x}) (case (variant Ok nil) {x}) (case (variant Err e) {x}) \
             (case (variant Shape::Circle r) {x}) (case (variant Color::Red) {x}) (case n {x}))"
        );
        assert_eq!(ok("match p:\n    case -2.5 | true | nil: x\n"), "(match p (case (or -2.5 true nil) {x}))");
    }

    #[test]
    fn functions() {
        assert_eq!(
            ok("pub async fn f(a, b: i64, c = 10, d: String = \"x\",) -> Result[i64, NetError]:\n    return a\n"),
            "(fn pub async f(a, b: i64, c = 10, d: String = \"x\") -> Result[i64, NetError] {(return a)})"
        );
        assert_eq!(ok("extern fn now_ms() -> f64\nx"), "(fn extern now_ms() -> f64 {})\nx");
        assert_eq!(
            ok("pub extern fn tcp_bind(addr: String) -> i64"),
            "(fn pub extern tcp_bind(addr: String) -> i64 {})"
        );
        assert_eq!(ok("fn g(self, x): pass"), "(fn g(self, x) {nil})");
        assert_eq!(ok("fn g(&self): pass"), "(fn g(self) {nil})");
        assert_eq!(ok("fn g(&mut self, y: &mut Bytes): pass"), "(fn g(self, y: &mut Bytes) {nil})");
        assert_eq!(ok("fn g(self: Point): pass"), "(fn g(self) {nil})");
        assert_eq!(
            ok("fn f(cb: fn(i64) -> bool, t: (i64, String), u: (), l: [i64], p: net::Addr): pass"),
            "(fn f(cb: fn(i64) -> bool, t: (i64, String), u: (), l: List[i64], p: net::Addr) {nil})"
        );
        let (p, _) = parse("fn outer():\n    fn inner(x): return x\n    return inner\n");
        let StmtKind::Fn(f) = &p.stmts[0].kind else { panic!() };
        assert!(matches!(f.body.stmts[0].kind, StmtKind::Fn(_)));
        assert_eq!(f.kind, FnKind::Named);
    }

    #[test]
    fn self_must_be_first() {
        let es = errs("fn f(x, self): pass\n");
        assert_eq!(es, vec!["`self` must be the first parameter @\"self\"".to_string()]);
    }

    #[test]
    fn structs_enums_impls() {
        let src = "pub struct Point:
    x: i64
    pub y: i64

    fn norm(self) -> f64:
        return 0.0
    fn origin() -> Point:
        return Point { x: 0, y: 0 }
";
        assert_eq!(
            ok(src),
            "(struct pub Point x: i64 y: i64 (fn norm(self) -> f64 {(return 0.0)}) \
             (fn origin() -> Point {(return (struct Point x=0 y=0))}))"
        );
        let src =
            "enum Shape:\n    Circle(r: f64)\n    Pair(i64, i64)\n    Unit\n    fn area(self):\n        return 1\n";
        assert_eq!(ok(src), "(enum Shape Circle(r: f64) Pair(i64, i64) Unit (fn area(self) {(return 1)}))");
        assert_eq!(ok("enum Color:\n    Red, Green,\n    Blue\n"), "(enum Color Red Green Blue)");
        assert_eq!(
            ok("impl Point:\n    pub fn len(&self): return 1\n"),
            "(impl Point (fn pub len(self) {(return 1)}))"
        );
        assert_eq!(ok("struct Marker\nx"), "(struct Marker)\nx");
        assert_eq!(ok("struct Empty:\n    pass\nimpl Empty:\n    pass\n"), "(struct Empty)\n(impl Empty)");
    }

    #[test]
    fn imports() {
        assert_eq!(ok("import net::{TcpListener, TcpStream}"), "(import net {TcpListener, TcpStream})");
        assert_eq!(ok("import net.tcp::{TcpListener,}"), "(import net.tcp {TcpListener})");
        assert_eq!(ok("import net::TcpStream"), "(import net {TcpStream})");
        assert_eq!(ok("import net"), "(import net)");
        assert_eq!(ok("import core.io"), "(import core.io)");
    }

    #[test]
    fn spans_cover_the_source() {
        let src = "fn f(a):\n    let x = (a + 1) * 2\n    return x\n# trailing\ny = 3  # comment\n";
        let (p, errs) = parse(src);
        assert!(errs.is_empty());
        assert_eq!(&src[p.stmts[0].span.range()], "fn f(a):\n    let x = (a + 1) * 2\n    return x");
        assert_eq!(&src[p.stmts[1].span.range()], "y = 3");
        let StmtKind::Fn(f) = &p.stmts[0].kind else { panic!() };
        let StmtKind::Let { value, .. } = &f.body.stmts[0].kind else { panic!() };
        assert_eq!(&src[value.span.range()], "(a + 1) * 2");
        let ExprKind::Binary(_, lhs, _) = &value.kind else { panic!() };
        assert_eq!(&src[lhs.span.range()], "(a + 1)");
    }

    // ---- errors and recovery ----

    #[test]
    fn two_errors_two_diagnostics() {
        let src = "let x = )\nprint(x)\nlet y = 1 +\nprint(y)\n";
        let es = errs(src);
        assert_eq!(
            es,
            vec![
                "expected expression, found `)` @\")\"".to_string(),
                "expected expression, found end of line @\"\"".to_string()
            ]
        );
        let (p, _) = parse(src);
        assert_eq!(p.stmts.len(), 2, "the good statements are kept");
    }

    #[test]
    fn errors_in_separate_blocks() {
        let src = "fn a():\n    x = 1 +\n    return x\nfn b():\n    y = * 2\n    return y\nprint(a(), b())\n";
        let es = errs(src);
        assert_eq!(es.len(), 2, "{es:#?}");
        let (p, _) = parse(src);
        assert_eq!(p.stmts.len(), 3);
    }

    #[test]
    fn bad_header_skips_its_block() {
        let es = errs("if x y:\n    a\n    b\nelse:\n    c\nprint(1)\nwhile:\n    d\n");
        assert_eq!(es.len(), 2, "{es:#?}");
        assert!(es[0].starts_with("expected `:`"), "{es:?}");
    }

    #[test]
    fn messages() {
        assert_eq!(errs("x = 1 2\n"), vec!["expected end of line, found integer `2` @\"2\"".to_string()]);
        assert_eq!(errs("f(1 2)\n"), vec!["expected `)` or `,`, found integer `2` @\"2\"".to_string()]);
        assert_eq!(errs(")\n"), vec!["expected statement, found `)` @\")\"".to_string()]);
        assert_eq!(errs("if x:\ny\n"), vec!["expected an indented block, found identifier `y` @\"y\"".to_string()]);
        assert_eq!(errs("let = 3\n"), vec!["expected pattern or `mut`, found `=` @\"=\"".to_string()]);
        assert_eq!(errs("fn f(a: ) : pass\n"), vec!["expected type, found `)` @\")\"".to_string()]);
    }

    #[test]
    fn unclosed_bracket() {
        let es = errs("print(1, 2\nx = 3\n");
        assert_eq!(es.len(), 1, "{es:#?}");
    }

    #[test]
    fn stray_closers_and_else() {
        let es = errs("x = 1\n}\ny = 2\nelse:\n    y\nz = 2\nw = ]\n");
        assert_eq!(
            es,
            vec![
                "expected statement, found `}` @\"}\"".to_string(),
                "expected statement, found `else` @\"else\"".to_string(),
                "expected expression, found `]` @\"]\"".to_string()
            ]
        );
        // an `else` right after a bad statement belongs to it and is skipped with it
        assert_eq!(errs("if x y: a\nelse: b\n").len(), 1);
    }

    #[test]
    fn stray_brace_in_a_block_is_skipped() {
        let es = errs("fn f():\n    }\n    x = )\n    return 1\n");
        assert_eq!(
            es,
            vec![
                "expected statement, found `}` @\"}\"".to_string(),
                "expected expression, found `)` @\")\"".to_string()
            ]
        );
    }

    #[test]
    fn errors_inside_async_block() {
        let src = "let t = async {\n    x = = 1\n    y\n}\nz = )\n";
        let es = errs(src);
        assert_eq!(es.len(), 2, "{es:#?}");
    }

    #[test]
    fn bracket_errors_recover_inside_the_statement() {
        // the header's error does not hide the errors in the body
        let es = errs("fn f(a b):\n    x = )\n    y = g(1 2)\n");
        assert_eq!(
            es,
            vec![
                "expected `)`, `,`, `=` or `:`, found identifier `b` @\"b\"".to_string(),
                "expected expression, found `)` @\")\"".to_string(),
                "expected `)` or `,`, found integer `2` @\"2\"".to_string(),
            ]
        );
        let (p, _) = parse("x = [1 2]\ny = {1 2}\nz = a[1 2]\nw = (1 2)\nv = P { a b }\n");
        assert_eq!(p.stmts.len(), 5);
    }

    #[test]
    fn unclosed_bracket_is_reported_at_the_opener() {
        assert_eq!(errs("x = 1\nprint(1, [2\ny = 3\n"), vec!["this `[` is never closed @\"[\"".to_string()]);
        assert_eq!(errs("t = async {\n    a\n"), vec!["this `{` is never closed @\"{\"".to_string()]);
    }

    #[test]
    fn option_and_result_names_are_plain_identifiers() {
        assert_eq!(e("Some(1)"), "(call Some 1)");
        assert_eq!(e("x = None"), "(= x None)");
        assert_eq!(e("Ok(())"), "(call Ok nil)");
        assert_eq!(e("Err(NetError::TimedOut)"), "(call Err NetError::TimedOut)");
    }

    #[test]
    fn pub_everywhere() {
        assert_eq!(ok("pub fn f(): pass"), "(fn pub f() {nil})");
        assert_eq!(ok("pub struct S:\n    x: i64\n"), "(struct pub S x: i64)");
        assert_eq!(ok("pub enum E:\n    A\n"), "(enum E A)");
        assert_eq!(ok("pub val x = 1"), "(let x 1)");
        assert_eq!(ok("pub import net"), "(import net)");
        assert_eq!(ok("pub impl S:\n    pub async fn m(self): pass\n"), "(impl S (fn pub async m(self) {nil}))");
        assert_eq!(ok("impl Display for S:\n    fn m(self): pass\n"), "(impl S (fn m(self) {nil}))");
        let (p, _) = parse("pub enum E:\n    A\n");
        let StmtKind::Enum(d) = &p.stmts[0].kind else { panic!() };
        assert!(d.is_pub);
    }

    #[test]
    fn extern_fn_has_no_body() {
        let (p, _) = parse("extern fn f(a: i64) -> i64\n");
        let StmtKind::Fn(f) = &p.stmts[0].kind else { panic!() };
        assert!(f.is_extern && f.body.stmts.is_empty() && f.kind == FnKind::Named);
        assert_eq!(errs("fn f(a)\n"), vec!["expected `:` and the body of `f` @\"\"".to_string()]);
        assert_eq!(errs("extern fn f(): pass\n"), vec!["an `extern fn` has no body @\"f\"".to_string()]);
    }

    #[test]
    fn node_spans() {
        let src = "let f = \\x: x + 1\nlet t = async { f(1) }\nlet p = Point { x: 1 }\nlet q = await a.b()?\n";
        let (p, errs) = parse(src);
        assert!(errs.is_empty(), "{errs:?}");
        let texts: Vec<&str> = p
            .stmts
            .iter()
            .map(|s| match &s.kind {
                StmtKind::Let { value, .. } => &src[value.span.range()],
                _ => panic!(),
            })
            .collect();
        assert_eq!(texts, vec!["\\x: x + 1", "async { f(1) }", "Point { x: 1 }", "await a.b()?"]);
        let StmtKind::Let { value, .. } = &p.stmts[0].kind else { panic!() };
        let ExprKind::Lambda(f) = &value.kind else { panic!() };
        assert_eq!(f.kind, FnKind::Lambda);
        assert_eq!(&*f.name.name, "lambda");
        assert_eq!(&src[f.body.span.range()], "x + 1");
    }

    #[test]
    fn parse_expr_source_offsets() {
        let e = parse_expr_source("a + b", 10, 3).unwrap();
        assert_eq!(e.span, Span { file: 3, start: 10, end: 15 });
        let err = parse_expr_source("a +", 10, 3).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].span.unwrap().start, 13);
        assert!(parse_expr_source("a b", 0, 0).is_err());
    }

    #[test]
    fn seed_examples_parse() {
        let src = r#"import net::{TcpListener, TcpStream}

async fn handle_client(mut stream: TcpStream) -> Result[(), NetError]:
    let mut buf = Bytes::with_capacity(4096)
    loop:
        let n = await stream.read(&mut buf, 4096)?
        if n == 0:
            break
        await stream.write_all(buf.slice(0, n))?
    return Ok(())

async fn main() -> Result[(), NetError]:
    let listener = await TcpListener::bind("127.0.0.1:8080")?
    print("listening on {listener.local_addr()?}")
    loop:
        let (stream, peer) = await listener.accept()?
        handle_client(stream)
"#;
        ok(src);
    }
}
