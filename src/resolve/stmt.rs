//! Statements: blocks and their scopes, loops, `if`/`while` conditions that bind
//! (`if let`), `match` arms, declarations inside bodies, and assignment targets.

use super::{GlobalKind, Resolver};
use crate::syntax::ast::*;
use std::rc::Rc;

impl Resolver<'_> {
    /// Resolves a block in a new scope; nested `fn` names are visible in the whole block.
    /// Returns whether it contains `await`.
    pub(super) fn block(&mut self, block: &mut Block) -> bool {
        self.push_block();
        let aw = self.block_stmts(&mut block.stmts);
        block.scope_slots = self.pop_block();
        aw
    }

    pub(super) fn block_stmts(&mut self, stmts: &mut [Stmt]) -> bool {
        if !self.at_module_level() {
            // functions and types declared in a body are visible in the whole body
            for stmt in stmts.iter_mut() {
                let name = match &stmt.kind {
                    StmtKind::Fn(f) => f.name.clone(),
                    StmtKind::Struct(d) => d.name.clone(),
                    StmtKind::Enum(d) => d.name.clone(),
                    StmtKind::Trait(d) => d.name.clone(),
                    _ => continue,
                };
                let slot = self.declare(&name, false);
                let ok = match &mut stmt.kind {
                    StmtKind::Fn(f) => Rc::get_mut(f).map(|f| f.info.self_slot = slot).is_some(),
                    StmtKind::Struct(d) => Rc::get_mut(d).map(|d| d.local = slot).is_some(),
                    StmtKind::Enum(d) => Rc::get_mut(d).map(|d| d.local = slot).is_some(),
                    StmtKind::Trait(d) => Rc::get_mut(d).map(|d| d.local = slot).is_some(),
                    _ => true,
                };
                if !ok {
                    self.error("internal error: declaration is shared during resolution", name.span);
                }
            }
        }
        let mut aw = false;
        for stmt in stmts.iter_mut() {
            aw |= self.stmt(stmt);
        }
        aw
    }

    /// A branch body whose condition may bind (`if let p = e:`): the pattern's names are
    /// visible in the body only, and cleared with it.
    fn cond_block(&mut self, cond: &mut Expr, body: &mut Block) -> bool {
        self.push_block();
        let aw = self.expr(cond);
        let aw = aw | self.block(body);
        let cond_slots = self.pop_block();
        body.scope_slots.extend(cond_slots);
        aw
    }

    pub(super) fn stmt(&mut self, stmt: &mut Stmt) -> bool {
        let span = stmt.span;
        let is_loop = matches!(stmt.kind, StmtKind::While { .. } | StmtKind::For { .. } | StmtKind::Loop { .. });
        let aw = match &mut stmt.kind {
            StmtKind::Let { pat, mutable, value, .. } => {
                let aw = self.expr(value);
                self.bind_pattern(pat, *mutable);
                aw
            }
            StmtKind::Assign { target, value, .. } => {
                let aw = self.expr(value);
                aw | self.assign_target(target)
            }
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::If { branches, else_ } => {
                let mut aw = false;
                for (cond, body) in branches.iter_mut() {
                    aw |= self.cond_block(cond, body);
                }
                if let Some(b) = else_ {
                    aw |= self.block(b);
                }
                aw
            }
            StmtKind::While { cond, body } => {
                self.push_block();
                let aw = self.expr(cond);
                let aw = aw | self.loop_body(body, None);
                let cond_slots = self.pop_block();
                body.scope_slots.extend(cond_slots);
                aw
            }
            StmtKind::For { pat, iter, body, .. } => {
                let aw = self.expr(iter);
                aw | self.loop_body(body, Some(pat))
            }
            StmtKind::Loop { body } => self.loop_body(body, None),
            StmtKind::Break | StmtKind::Continue => {
                if self.fns.last().is_some_and(|f| f.loop_depth == 0) {
                    let word = if matches!(stmt.kind, StmtKind::Break) { "break" } else { "continue" };
                    self.error(format!("`{word}` outside of a loop"), span);
                }
                false
            }
            StmtKind::Return(value) => {
                if self.fns.last().is_some_and(|f| f.kind == super::scope::ScopeKind::TopLevel) {
                    self.error("`return` outside of a function", span);
                }
                value.as_mut().is_some_and(|v| self.expr(v))
            }
            StmtKind::Match { scrutinee, arms } => {
                let mut aw = self.expr(scrutinee);
                for arm in arms.iter_mut() {
                    self.push_block();
                    self.bind_pattern(&mut arm.pat, false);
                    if let Some(g) = &mut arm.guard {
                        aw |= self.expr(g);
                    }
                    aw |= self.block(&mut arm.body);
                    let pattern_slots = self.pop_block();
                    arm.body.scope_slots.extend(pattern_slots);
                }
                aw
            }
            StmtKind::Fn(f) => {
                self.function(f);
                false
            }
            StmtKind::Struct(_) | StmtKind::Enum(_) | StmtKind::Impl(_) | StmtKind::Trait(_) => {
                self.type_decl(stmt);
                false
            }
            StmtKind::Import(imp) => {
                // module-level imports were handled by hoisting
                if !self.at_module_level() {
                    self.error("`import` is only allowed at the top level of a file", imp.span);
                }
                false
            }
            StmtKind::With { items, body } => {
                let mut aw = false;
                self.push_block();
                for (value, name) in items.iter_mut() {
                    aw |= self.expr(value);
                    if let Some(p) = name {
                        self.bind_pattern(p, false);
                    }
                }
                aw |= self.block(body);
                let names = self.pop_block();
                body.scope_slots.extend(names);
                aw
            }
            StmtKind::Export(_) => {
                if !self.at_module_level() {
                    self.error("`export` is only allowed at the top level of a file", span);
                }
                false
            }
        };
        stmt.has_await = aw || (is_loop && self.in_async_body());
        aw
    }

    /// `struct`, `class`, `enum`, `impl` and `trait`: their methods (and field defaults).
    /// Inside a function a type is a local (declared by `block_stmts`), checked less
    /// statically than a module-level one.
    fn type_decl(&mut self, stmt: &mut Stmt) {
        let span = stmt.span;
        let local = !self.at_module_level();
        let shared = || "internal error: declaration is shared during resolution";
        match &mut stmt.kind {
            StmtKind::Struct(s) => {
                let slot = if local { None } else { self.lookup_global(&s.name.name).map(|(s, _)| s) };
                let Some(decl) = Rc::get_mut(s) else { return self.error(shared(), span) };
                for field in decl.fields.iter_mut() {
                    if let Some(d) = &mut field.default {
                        self.expr(d);
                    }
                }
                self.methods(slot, &mut decl.methods);
            }
            StmtKind::Enum(e) => {
                let slot = if local { None } else { self.lookup_global(&e.name.name).map(|(s, _)| s) };
                let Some(decl) = Rc::get_mut(e) else { return self.error(shared(), span) };
                self.methods(slot, &mut decl.methods);
            }
            StmtKind::Trait(t) => {
                let Some(decl) = Rc::get_mut(t) else { return self.error(shared(), span) };
                self.methods(None, &mut decl.methods);
            }
            StmtKind::Impl(_) if local => self.local_impl(stmt),
            StmtKind::Impl(imp) => {
                let target = self.lookup_global(&imp.target.name).map(|(s, _)| s);
                let type_methods = match target.and_then(|t| self.global_kind(t)) {
                    Some(GlobalKind::Struct { methods, .. } | GlobalKind::Enum { methods, .. }) => methods,
                    _ => {
                        let t = imp.target.clone();
                        self.error(format!("`impl` target `{}` is not a struct, class or enum", t.name), t.span);
                        Vec::new()
                    }
                };
                self.check_trait_impl(imp, &type_methods);
                let Some(decl) = Rc::get_mut(imp) else { return self.error(shared(), span) };
                self.methods(target, &mut decl.methods);
            }
            _ => {}
        }
    }

    /// An `impl` inside a function: its target (and trait) are found at run time.
    fn local_impl(&mut self, stmt: &mut Stmt) {
        let span = stmt.span;
        let StmtKind::Impl(imp) = &mut stmt.kind else { return };
        let level = self.fns.len() - 1;
        let target = self.lookup_at(level, &imp.target.name).map(|(s, _)| s);
        let trait_slot = imp.trait_name.as_ref().and_then(|t| self.lookup_at(level, &t.name)).map(|(s, _)| s);
        let Some(target) = target else {
            let t = imp.target.clone();
            return self.undefined(&t.name, t.span);
        };
        let Some(decl) = Rc::get_mut(imp) else {
            return self.error("internal error: declaration is shared during resolution", span);
        };
        decl.target_local = target;
        decl.trait_local = trait_slot.unwrap_or(Slot::Unresolved);
        self.methods(None, &mut decl.methods);
    }

    pub(super) fn loop_body(&mut self, body: &mut Block, pat: Option<&mut Pattern>) -> bool {
        self.push_block();
        if let Some(p) = pat {
            self.bind_pattern(p, false);
        }
        if let Some(f) = self.fns.last_mut() {
            f.loop_depth += 1;
        }
        let aw = self.block(body);
        if let Some(f) = self.fns.last_mut() {
            f.loop_depth -= 1;
        }
        // the loop variable is cleared once the loop ends (exec_for), not every iteration
        self.pop_block();
        aw
    }

    /// Returns whether the target contains `await`; checks mutability of plain names.
    pub(super) fn assign_target(&mut self, target: &mut Expr) -> bool {
        match &mut target.kind {
            ExprKind::Var(v) => {
                let level = self.fns.len() - 1;
                // a built-in's name (`sum = 0`, `max = 0`) starts a variable that hides
                // the built-in from here on, as in Python
                let found = self.lookup_at(level, &v.name).filter(|_| !self.is_builtin_only(&v.name, level));
                match found {
                    Some((slot, mutable)) => {
                        v.slot = slot;
                        if let (Slot::Global(g), 0) = (slot, level) {
                            self.defined.insert(g); // `x = 1` at the top level defines `x`
                        }
                        let is_plain_var = self.global_kind(slot).is_none_or(|k| matches!(k, GlobalKind::Var));
                        if !mutable || !is_plain_var {
                            self.error(format!("cannot assign to immutable binding `{}`", v.name), v.span);
                        }
                    }
                    // assigning to a name nobody declared declares it (mutable), as the
                    // Simple language does: `count = 0` starts a variable
                    None => {
                        let name = Ident { name: v.name.clone(), span: v.span };
                        v.slot = self.declare(&name, true);
                    }
                }
                false
            }
            ExprKind::Index(base, idx) => {
                let aw = self.expr(base);
                aw | self.expr(idx)
            }
            ExprKind::Slice(base, parts) => {
                let mut aw = self.expr(base);
                for p in [&mut parts.start, &mut parts.end, &mut parts.step].into_iter().flatten() {
                    aw |= self.expr(p);
                }
                aw
            }
            ExprKind::Field(base, ..) => self.expr(base),
            ExprKind::Tuple(items) => {
                let mut aw = false;
                for t in items.iter_mut() {
                    aw |= self.assign_target(t);
                }
                aw
            }
            _ => {
                self.error("invalid assignment target", target.span);
                false
            }
        }
    }
}
