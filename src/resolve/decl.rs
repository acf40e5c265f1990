//! Module-level declarations: hoisting (module-level `fn`, `struct`, `class`, `enum`,
//! `trait` and imports are visible in the whole file), duplicate declarations,
//! `import`/`use` and `export`, and resolving function bodies and methods.

use super::scope::{FnScope, ScopeKind};
use super::{GlobalKind, Resolver};
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Method names each type gets from `impl` blocks (and the traits they implement).
type ImplMethods = HashMap<Rc<str>, Vec<Rc<str>>>;

fn method_names(methods: &[Rc<FnDecl>]) -> Vec<Rc<str>> {
    methods.iter().map(|m| m.name.name.clone()).collect()
}

impl Resolver<'_> {
    /// Module-level `fn`, `struct`, `enum`, `trait` and `import` are visible in the whole
    /// file, and module-level `let` names are visible inside functions declared before them.
    pub(super) fn hoist_top_level(&mut self, stmts: &mut [Stmt]) {
        for stmt in stmts.iter() {
            if let StmtKind::Import(imp) = &stmt.kind {
                let imp = imp.clone();
                self.import(&imp);
            }
        }
        let impl_methods = collect_impl_methods(stmts);
        for stmt in stmts.iter() {
            self.hoist(stmt, &impl_methods);
        }
        for stmt in stmts.iter() {
            if let StmtKind::Export(names) = &stmt.kind {
                for n in names {
                    if self.module.names.borrow().contains_key(&n.name) {
                        self.export_if(true, n);
                    } else {
                        self.undefined(&n.name, n.span);
                    }
                }
            }
        }
    }

    fn hoist(&mut self, stmt: &Stmt, impl_methods: &ImplMethods) {
        let extra = |name: &Ident| impl_methods.get(&name.name).cloned().unwrap_or_default();
        let (name, is_pub, kind) = match &stmt.kind {
            StmtKind::Fn(f) => (&f.name, f.is_pub, GlobalKind::Fn),
            StmtKind::Struct(s) => {
                self.check_duplicates(s.fields.iter().map(|f| &f.name), "field");
                let fields = s.fields.iter().map(|f| f.name.name.clone()).collect();
                let optional = s.fields.iter().filter(|f| f.default.is_some()).map(|f| f.name.name.clone()).collect();
                let methods = method_names(&s.methods).into_iter().chain(extra(&s.name)).collect();
                (&s.name, s.is_pub, GlobalKind::Struct { fields, optional, methods })
            }
            StmtKind::Enum(e) => {
                self.check_duplicates(e.variants.iter().map(|v| &v.name), "variant");
                let variants =
                    e.variants.iter().map(|v| (v.name.name.clone(), v.fields.as_ref().map(|f| f.len()))).collect();
                let methods = method_names(&e.methods).into_iter().chain(extra(&e.name)).collect();
                (&e.name, e.is_pub, GlobalKind::Enum { variants, methods })
            }
            StmtKind::Trait(t) => {
                let required = t.methods.iter().filter(|m| m.is_abstract).map(|m| m.name.name.clone()).collect();
                (&t.name, t.is_pub, GlobalKind::Trait { required })
            }
            // `x = 1` at the top level declares `x` when nothing else did
            StmtKind::Assign { target: Expr { kind: ExprKind::Var(v), .. }, op: None, .. } => {
                if !self.module.names.borrow().contains_key(&v.name) && self.lookup_global(&v.name).is_none() {
                    let name = Ident { name: v.name.clone(), span: v.span };
                    self.declare_global(&name, true, GlobalKind::Var);
                }
                return;
            }
            StmtKind::Let { pat, mutable, is_pub, .. } => {
                let mut names = Vec::new();
                super::pattern_names(pat, &mut names);
                for n in names {
                    let known = self.module.names.borrow().contains_key(&n.name);
                    if !known {
                        self.declare_global(&n, *mutable, GlobalKind::Var);
                    }
                    self.export_if(*is_pub || self.repl, &n);
                }
                return;
            }
            _ => return,
        };
        if !self.repl
            && let Some(first) = self.declared_at.insert(name.name.clone(), name.span)
            && first != name.span
        {
            self.error(format!("`{}` is declared more than once in this file", name.name), name.span);
        }
        let g = self.declare_global(name, false, kind);
        self.defined.insert(g);
        self.export_if(is_pub || self.repl, name);
    }

    pub(super) fn export_if(&mut self, export: bool, name: &Ident) {
        if export {
            self.module.exports.borrow_mut().insert(name.name.clone());
        }
    }

    pub(super) fn check_duplicates<'b>(&mut self, names: impl Iterator<Item = &'b Ident>, what: &str) {
        let mut seen = HashSet::new();
        for n in names {
            if !seen.insert(n.name.clone()) {
                self.error(format!("duplicate {what} `{}`", n.name), n.span);
            }
        }
    }

    fn import(&mut self, imp: &ImportDecl) {
        if !self.at_module_level() {
            self.error("`import` is only allowed at the top level of a file", imp.span);
            return;
        }
        let (module, items) = match self.loader.load(&imp.module, imp.span, self.globals) {
            Ok(Some(m)) => (m, imp.items.clone()),
            // `use a.b.Item`: module `a.b`, item `Item`
            Ok(None) if imp.module.len() > 1 && imp.items.is_none() && !imp.glob => {
                let (item, parent) = imp.module.split_last().expect("two segments");
                match self.loader.load(parent, imp.span, self.globals) {
                    Ok(Some(m)) => (m, Some(vec![item.clone()])),
                    Ok(None) => return self.no_module(imp),
                    Err(ds) => return self.errors.extend(ds),
                }
            }
            Ok(None) => return self.no_module(imp),
            Err(ds) => return self.errors.extend(ds),
        };
        if imp.glob {
            let mut names: Vec<Rc<str>> = module.exports.borrow().iter().cloned().collect();
            names.sort();
            let items: Vec<Ident> = names.into_iter().map(|name| Ident { name, span: imp.span }).collect();
            return self.import_items(&module, &items);
        }
        match items {
            None => {
                // `import net` binds `net`; `import core.io` binds `io`
                let Some(last) = imp.module.last() else { return };
                let g = self.declare_global(last, false, GlobalKind::Module(module));
                self.defined.insert(g);
            }
            Some(items) => self.import_items(&module, &items),
        }
    }

    fn no_module(&mut self, imp: &ImportDecl) {
        let path: Vec<&str> = imp.module.iter().map(|i| &*i.name).collect();
        self.error(format!("no module named `{}`", path.join(".")), imp.span);
    }

    fn import_items(&mut self, module: &Rc<super::ModuleScope>, items: &[Ident]) {
        for item in items {
            let found = module.names.borrow().get(&item.name).copied();
            let exported = module.exports.borrow().contains(&item.name);
            match found {
                Some(g) if exported => {
                    self.module.names.borrow_mut().insert(item.name.clone(), g);
                    self.module.exports.borrow_mut().insert(item.name.clone());
                    self.defined.insert(g);
                }
                Some(_) => self.error(format!("`{}` is not public in module `{}`", item.name, module.name), item.span),
                None => {
                    let names: Vec<Rc<str>> = module.exports.borrow().iter().cloned().collect();
                    let hint = crate::diag::did_you_mean(&item.name, names.iter().map(|n| &**n));
                    self.error(format!("module `{}` has no item `{}`{hint}", module.name, item.name), item.span)
                }
            }
        }
    }

    /// Resolves the methods of a type (`type_slot` is the type's global, for `Self`).
    pub(super) fn methods(&mut self, type_slot: Option<Slot>, methods: &mut [Rc<FnDecl>]) {
        let saved = self.self_type;
        self.self_type = match type_slot {
            Some(Slot::Global(g)) => Some(g),
            _ => None,
        };
        self.check_duplicates(methods.iter().map(|m| &m.name), "method");
        for m in methods.iter_mut() {
            self.function(m);
        }
        self.self_type = saved;
    }

    /// `impl Trait for Type`: the trait must exist and every abstract method of it must
    /// be defined by the type or the impl.
    pub(super) fn check_trait_impl(&mut self, imp: &ImplDecl, type_methods: &[Rc<str>]) {
        let Some(trait_name) = &imp.trait_name else { return };
        let slot = self.lookup_global(&trait_name.name).map(|(s, _)| s);
        let Some(GlobalKind::Trait { required }) = slot.and_then(|s| self.global_kind(s)) else {
            if slot.is_none() {
                self.undefined(&trait_name.name, trait_name.span);
            } else {
                self.error(format!("`{}` is not a trait", trait_name.name), trait_name.span);
            }
            return;
        };
        for r in required {
            let defined = imp.methods.iter().any(|m| m.name.name == r) || type_methods.contains(&r);
            if !defined {
                self.error(
                    format!("`impl {} for {}` is missing the method `{r}`", trait_name.name, imp.target.name),
                    imp.span,
                );
            }
        }
    }

    /// Resolves a function body in a new frame and records its frame facts.
    pub(super) fn function(&mut self, f: &mut Rc<FnDecl>) {
        let Some(decl) = Rc::get_mut(f) else {
            self.error("internal error: function declaration is shared during resolution", f.span);
            return;
        };
        let kind = match decl.kind {
            FnKind::Named => ScopeKind::Fn { is_async: decl.is_async },
            FnKind::Lambda => ScopeKind::Lambda,
            FnKind::AsyncBlock => ScopeKind::AsyncBlock,
        };
        self.fns.push(FnScope::new(kind));
        let mut cell_params = Vec::new();
        if decl.has_self() {
            let this = Ident { name: Rc::from("self"), span: decl.name.span };
            if let Slot::LocalCell(s) = self.declare(&this, false) {
                cell_params.push(s);
            }
        }
        // defaults are resolved in the function's own scope, left to right
        let mut seen = HashSet::new();
        for p in decl.params.iter_mut() {
            if !seen.insert(p.name.name.clone()) {
                self.error(format!("duplicate parameter `{}`", p.name.name), p.name.span);
            }
            if let Some(d) = &mut p.default {
                self.expr(d);
            }
            let name = p.name.clone();
            p.slot = self.declare(&name, true);
            if let Slot::LocalCell(s) = p.slot {
                cell_params.push(s);
            }
        }
        if !decl.is_extern {
            self.block_stmts(&mut decl.body.stmts);
        }
        let Some(scope) = self.fns.pop() else { return };
        decl.info.n_slots = scope.n_slots;
        decl.info.captures = scope.captures;
        decl.info.cell_params = cell_params;
        decl.info.uses_self = scope.self_used;
    }
}

/// For each type name, the methods `impl` blocks give it, including the default methods
/// of the traits they implement.
fn collect_impl_methods(stmts: &[Stmt]) -> ImplMethods {
    let mut traits: HashMap<Rc<str>, Vec<Rc<str>>> = HashMap::new();
    for stmt in stmts {
        if let StmtKind::Trait(t) = &stmt.kind {
            traits.insert(t.name.name.clone(), method_names(&t.methods));
        }
    }
    let mut out: ImplMethods = HashMap::new();
    for stmt in stmts {
        if let StmtKind::Impl(imp) = &stmt.kind {
            let entry = out.entry(imp.target.name.clone()).or_default();
            entry.extend(method_names(&imp.methods));
            if let Some(t) = imp.trait_name.as_ref().and_then(|t| traits.get(&t.name)) {
                entry.extend(t.iter().cloned());
            }
        }
    }
    out
}
