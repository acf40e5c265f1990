//! Expressions: names and paths (module members resolve statically), struct literals
//! with their static field checks, comprehension scopes, members of known types, and
//! `await` marking.

use super::scope::ScopeKind;
use super::{GlobalKind, Resolver};
use crate::syntax::ast::*;
use std::collections::HashSet;
use std::rc::Rc;

impl Resolver<'_> {
    /// Resolves an expression; returns (and records) whether it contains `await`.
    pub(super) fn expr(&mut self, e: &mut Expr) -> bool {
        let aw = self.expr_kind(e);
        e.has_await = aw;
        aw
    }

    fn exprs(&mut self, es: &mut [Expr]) -> bool {
        let mut aw = false;
        for e in es {
            aw |= self.expr(e);
        }
        aw
    }

    fn args(&mut self, args: &mut [Arg]) -> bool {
        let mut aw = false;
        for a in args {
            aw |= self.expr(&mut a.value);
        }
        aw
    }

    fn expr_kind(&mut self, e: &mut Expr) -> bool {
        self.desugar_expect(e);
        let span = e.span;
        match &mut e.kind {
            ExprKind::Nil | ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::Float(_) => false,
            ExprKind::Str(_) | ExprKind::Bytes(_) => false,
            ExprKind::Interp(parts) => {
                let mut aw = false;
                for p in parts.iter_mut() {
                    if let InterpPart::Expr(x, _) = p {
                        aw |= self.expr(x);
                    }
                }
                aw
            }
            ExprKind::Var(v) => {
                // a module item (`net::X`) was bound to its global in the first pass
                if !matches!(v.slot, Slot::Global(_)) {
                    self.resolve_var(v);
                }
                false
            }
            ExprKind::Path(_) => {
                self.path(e);
                false
            }
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => self.exprs(items),
            ExprKind::Comprehension(c) => self.comprehension(c),
            ExprKind::Slice(base, parts) => {
                let mut aw = self.expr(base);
                for p in [&mut parts.start, &mut parts.end, &mut parts.step].into_iter().flatten() {
                    aw |= self.expr(p);
                }
                aw
            }
            ExprKind::Range { start, end, .. } => {
                let aw = self.expr(start);
                aw | self.expr(end)
            }
            ExprKind::Compare(first, rest) => {
                let mut aw = self.expr(first);
                for (_, e) in rest.iter_mut() {
                    aw |= self.expr(e);
                }
                aw
            }
            ExprKind::Cast(x, _) | ExprKind::Exists(x) => self.expr(x),
            ExprKind::Block(stmt) => self.stmt(stmt),
            ExprKind::LetCond { pat, value } => {
                // the enclosing `if`/`while` opened the scope the names go into
                let aw = self.expr(value);
                self.bind_pattern(pat, false);
                aw
            }
            ExprKind::Dict(pairs) => {
                let mut aw = false;
                for (k, v) in pairs.iter_mut() {
                    aw |= self.expr(k);
                    aw |= self.expr(v);
                }
                aw
            }
            ExprKind::StructLit { .. } => self.struct_lit(e),
            ExprKind::StructNew { ty, fields } => {
                let mut aw = self.expr(ty);
                for (_, v) in fields.iter_mut() {
                    aw |= self.expr(v);
                }
                aw
            }
            ExprKind::Unary(_, x) | ExprKind::Try(x) | ExprKind::Ref { inner: x, .. } => self.expr(x),
            ExprKind::Field(x, name, _) => {
                let aw = self.expr(x);
                self.check_member(x, name);
                aw
            }
            ExprKind::Member { base, .. } => self.expr(base),
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                let aw = self.expr(a);
                aw | self.expr(b)
            }
            ExprKind::Call { callee, args } => {
                let aw = self.expr(callee);
                aw | self.args(args)
            }
            ExprKind::MethodCall { recv, args, method, .. } => {
                let aw = self.expr(recv);
                self.check_member(recv, method);
                aw | self.args(args)
            }
            ExprKind::Await(x) => {
                let kind = self.fns.last().map(|f| f.kind);
                if matches!(kind, Some(ScopeKind::Fn { is_async: false }) | Some(ScopeKind::Lambda)) {
                    self.error("`await` in a non-async function", span);
                }
                self.expr(x);
                true
            }
            ExprKind::Lambda(f) | ExprKind::AsyncBlock(f) => {
                self.function(f);
                false
            }
            ExprKind::If { branches, else_ } => {
                let mut aw = false;
                for (c, v) in branches.iter_mut() {
                    aw |= self.expr(c);
                    aw |= self.expr(v);
                }
                aw | self.expr(else_)
            }
        }
    }

    /// `a::b::c`: a module path resolves statically to the item's global; otherwise the
    /// head is a value (a type) and the rest are member lookups at run time.
    fn path(&mut self, e: &mut Expr) {
        let ExprKind::Path(segs) = &e.kind else { return };
        let segs = segs.clone();
        let Some(head) = segs.first() else { return };
        let mut base = if &*head.name == "Self" {
            match self.self_type {
                Some(g) => Expr::new(
                    ExprKind::Var(VarRef { name: head.name.clone(), span: head.span, slot: Slot::Global(g) }),
                    head.span,
                ),
                None => {
                    self.error("`Self` outside of a struct, class or enum", head.span);
                    return;
                }
            }
        } else {
            let mut v = VarRef::new(head.name.clone(), head.span);
            self.resolve_var(&mut v);
            Expr::new(ExprKind::Var(v), head.span)
        };
        for seg in &segs[1..] {
            // module member: resolve statically
            let module = match &base.kind {
                ExprKind::Var(v) => match self.global_kind(v.slot) {
                    Some(GlobalKind::Module(m)) => Some(m),
                    _ => None,
                },
                _ => None,
            };
            let span = base.span.to(seg.span);
            base = match module {
                Some(m) => {
                    let found = m.names.borrow().get(&seg.name).copied();
                    match found {
                        Some(g) if m.exports.borrow().contains(&seg.name) => Expr::new(
                            ExprKind::Var(VarRef { name: seg.name.clone(), span, slot: Slot::Global(g) }),
                            span,
                        ),
                        _ => {
                            self.error(format!("module `{}` has no item `{}`", m.name, seg.name), seg.span);
                            return;
                        }
                    }
                }
                None => {
                    self.check_member(&base, seg);
                    Expr::new(ExprKind::Member { base: Box::new(base), name: seg.clone() }, span)
                }
            };
        }
        e.kind = base.kind;
    }

    /// `Color::Purple` / `Color.Purple` on a known enum (or an unknown associated
    /// function of a known struct) is caught before running.
    fn check_member(&mut self, base: &Expr, seg: &Ident) {
        let ExprKind::Var(v) = &base.kind else { return };
        let (what, names): (&str, Vec<Rc<str>>) = match self.global_kind(v.slot) {
            Some(GlobalKind::Enum { variants, methods }) => {
                ("enum", variants.into_iter().map(|(n, _)| n).chain(methods).collect())
            }
            Some(GlobalKind::Struct { methods, .. }) => ("type", methods),
            _ => return,
        };
        if !names.contains(&seg.name) {
            let hint = crate::diag::did_you_mean(&seg.name, names.iter().map(|n| &**n));
            let member = if what == "enum" { "variant or method" } else { "method or associated function" };
            self.error(format!("{what} `{}` has no {member} `{}`{hint}", v.name, seg.name), seg.span);
        }
    }

    /// The spec DSL's `expect` (when it is the built-in one): `expect a == b` becomes
    /// `expect_compare("==", a, b)`, so a failure can show both sides, and the receiver of
    /// `expect(x).to(...)` becomes `expect_that(x)`, the value under test (a bare
    /// `expect(flag)` checks the flag).
    fn desugar_expect(&mut self, e: &mut Expr) {
        let builtin = |r: &mut Self, callee: &Expr| -> bool {
            let ExprKind::Var(v) = &callee.kind else { return false };
            if &*v.name != "expect" {
                return false;
            }
            let level = r.fns.len() - 1;
            let found = r.lookup_at(level, "expect").map(|(s, _)| s);
            let prelude = r.globals.prelude.get("expect").map(|g| Slot::Global(*g));
            found.is_some() && found == prelude
        };
        let rename = |callee: &mut Expr, name: &str| {
            if let ExprKind::Var(v) = &mut callee.kind {
                *v = VarRef::new(Rc::from(name), v.span);
            }
        };
        match &mut e.kind {
            ExprKind::MethodCall { recv, .. } => {
                if let ExprKind::Call { callee, args } = &mut recv.kind
                    && args.len() == 1
                    && builtin(self, callee)
                {
                    rename(callee, "expect_that");
                }
            }
            ExprKind::Call { callee, args } if args.len() == 1 && args[0].name.is_none() && builtin(self, callee) => {
                let value = &mut args[0].value;
                let value = match &mut value.kind {
                    ExprKind::Ref { .. } => return,
                    _ => value,
                };
                let op = match &value.kind {
                    ExprKind::Binary(
                        op @ (BinOp::Eq
                        | BinOp::Ne
                        | BinOp::Lt
                        | BinOp::Le
                        | BinOp::Gt
                        | BinOp::Ge
                        | BinOp::In
                        | BinOp::NotIn),
                        ..,
                    ) => op.symbol(),
                    _ => return,
                };
                let ExprKind::Binary(_, a, b) = std::mem::replace(&mut value.kind, ExprKind::Nil) else { return };
                let op_expr = Expr::new(ExprKind::Str(Rc::new(crate::text::Str::new(op.to_string()))), value.span);
                *args = vec![
                    Arg { name: None, value: op_expr },
                    Arg { name: None, value: *a },
                    Arg { name: None, value: *b },
                ];
                rename(callee, "expect_compare");
            }
            _ => {}
        }
    }

    /// `[e for x in it if c]` and friends: the clauses' names live in a scope of their
    /// own, cleared when the comprehension is done.
    fn comprehension(&mut self, c: &mut Comprehension) -> bool {
        self.push_block();
        let mut aw = false;
        for clause in c.clauses.iter_mut() {
            match clause {
                CompClause::For { pat, iter, .. } => {
                    aw |= self.expr(iter);
                    self.bind_pattern(pat, false);
                }
                CompClause::If(cond) => aw |= self.expr(cond),
            }
        }
        aw |= match &mut c.kind {
            CompKind::List(e) | CompKind::Set(e) => self.expr(e),
            CompKind::Dict(k, v) => {
                let aw = self.expr(k);
                aw | self.expr(v)
            }
        };
        c.scope_slots = self.pop_block();
        aw
    }

    fn struct_lit(&mut self, e: &mut Expr) -> bool {
        let ExprKind::StructLit { path, fields } = &mut e.kind else { return false };
        let path = path.clone();
        let mut fields = std::mem::take(fields);
        let mut ty = Expr::new(ExprKind::Path(path.clone()), path_span(&path, e.span));
        if path.len() == 1 {
            ty.kind = ExprKind::Var(VarRef::new(path[0].name.clone(), path[0].span));
            if &*path[0].name == "Self"
                && let Some(g) = self.self_type
            {
                ty.kind =
                    ExprKind::Var(VarRef { name: path[0].name.clone(), span: path[0].span, slot: Slot::Global(g) });
            }
        }
        let mut aw = self.expr(&mut ty);
        // static field checks when the struct is known
        if let ExprKind::Var(v) = &ty.kind
            && let Some(kind) = self.global_kind(v.slot)
        {
            let GlobalKind::Struct { fields: declared, optional, .. } = kind else {
                self.error(format!("`{}` is not a struct or class", v.name), v.span);
                return aw;
            };
            let type_name = v.name.clone();
            let mut seen = HashSet::new();
            for (name, _) in fields.iter() {
                if !seen.insert(name.name.clone()) {
                    self.error(format!("duplicate field `{}`", name.name), name.span);
                } else if !declared.contains(&name.name) {
                    self.error(format!("unknown field `{}` in `{}` literal", name.name, type_name), name.span);
                }
            }
            for d in &declared {
                if !seen.contains(d) && !optional.contains(d) {
                    self.error(format!("missing field `{d}` in `{type_name}` literal"), e.span);
                }
            }
        }
        for (_, v) in fields.iter_mut() {
            aw |= self.expr(v);
        }
        e.kind = ExprKind::StructNew { ty: Box::new(ty), fields };
        aw
    }
}

fn path_span(path: &[Ident], fallback: Span) -> Span {
    match (path.first(), path.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => fallback,
    }
}
