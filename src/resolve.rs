//! The resolver: binds every name to a slot (frame local, captured cell, or global),
//! decides which locals closures capture (those live in shared cells), marks what
//! contains `await`, and reports the static errors of LANGUAGE.md §9 — all before any
//! code runs. It runs twice over a file: the first pass only learns which declarations
//! are captured, the second fills in the final slots (captures may be discovered after
//! earlier uses of a variable were already resolved).

use crate::diag::Diagnostic;
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// What the resolver knows about a global slot.
#[derive(Clone, Debug)]
pub enum GlobalKind {
    Var,
    Fn,
    Struct { fields: Vec<Rc<str>> },
    Enum { variants: Vec<(Rc<str>, Option<usize>)> },
    Module(Rc<ModuleScope>),
    Builtin,
}

#[derive(Clone, Debug)]
pub struct GlobalInfo {
    pub name: Rc<str>,
    pub mutable: bool,
    pub kind: GlobalKind,
}

/// The names of one module: each maps to a global slot.
#[derive(Debug, Default)]
pub struct ModuleScope {
    pub name: String,
    pub names: std::cell::RefCell<HashMap<Rc<str>, u32>>,
    /// names other modules may import (`pub` declarations and imported names)
    pub exports: std::cell::RefCell<HashSet<Rc<str>>>,
}

/// Finds (loading, parsing and resolving as needed) the module an `import` names.
pub trait ModuleLoader {
    fn load(&mut self, path: &[Ident], span: Span, table: &mut GlobalTable)
    -> Result<Rc<ModuleScope>, Vec<Diagnostic>>;
}

pub struct GlobalTable {
    pub info: Vec<GlobalInfo>,
    /// built-in names visible in every module
    pub prelude: HashMap<Rc<str>, u32>,
}

impl GlobalTable {
    pub fn alloc(&mut self, name: Rc<str>, mutable: bool, kind: GlobalKind) -> u32 {
        self.info.push(GlobalInfo { name, mutable, kind });
        (self.info.len() - 1) as u32
    }
}

type DeclKey = (u32, u32);

fn key(span: Span) -> DeclKey {
    (span.file, span.start)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    TopLevel,
    Fn { is_async: bool },
    Lambda,
    AsyncBlock,
}

#[derive(Clone)]
struct Local {
    slot: u32,
    mutable: bool,
    key: DeclKey,
    is_cell: bool,
}

struct FnScope {
    kind: ScopeKind,
    blocks: Vec<HashMap<Rc<str>, Local>>,
    n_slots: u32,
    captures: Vec<CaptureFrom>,
    capture_index: HashMap<DeclKey, u32>,
    loop_depth: u32,
}

impl FnScope {
    fn new(kind: ScopeKind) -> FnScope {
        FnScope {
            kind,
            blocks: vec![HashMap::new()],
            n_slots: 0,
            captures: Vec::new(),
            capture_index: HashMap::new(),
            loop_depth: 0,
        }
    }
    fn find(&self, name: &str) -> Option<Local> {
        self.blocks.iter().rev().find_map(|b| b.get(name).cloned())
    }
}

pub struct Resolver<'a> {
    globals: &'a mut GlobalTable,
    module: Rc<ModuleScope>,
    loader: &'a mut dyn ModuleLoader,
    fns: Vec<FnScope>,
    errors: Vec<Diagnostic>,
    /// declarations captured by some closure (learned in the first pass)
    captured: HashSet<DeclKey>,
    found_captures: HashSet<DeclKey>,
    /// globals whose declaration the top-level code has reached
    defined: HashSet<u32>,
    /// the struct/enum whose methods are being resolved (`Self`)
    self_type: Option<u32>,
    /// the REPL resolves each entry against a live session: names persist
    pub repl: bool,
}

/// Resolves a whole file (twice, see the module comment). Returns all static errors.
pub fn resolve_program(
    program: &mut Program,
    globals: &mut GlobalTable,
    module: Rc<ModuleScope>,
    loader: &mut dyn ModuleLoader,
    repl: bool,
) -> Vec<Diagnostic> {
    let mut r = Resolver {
        globals,
        module,
        loader,
        fns: Vec::new(),
        errors: Vec::new(),
        captured: HashSet::new(),
        found_captures: HashSet::new(),
        defined: HashSet::new(),
        self_type: None,
        repl,
    };
    r.run_pass(program);
    let first_errors = std::mem::take(&mut r.errors);
    if !first_errors.is_empty() {
        return first_errors;
    }
    // Second pass with the capture set known. Module-level names keep the global slots
    // the first pass gave them (imports allocated globals of their own meanwhile).
    r.captured = std::mem::take(&mut r.found_captures);
    r.defined.clear();
    r.run_pass(program);
    r.errors
}

impl Resolver<'_> {
    fn run_pass(&mut self, program: &mut Program) {
        self.fns = vec![FnScope::new(ScopeKind::TopLevel)];
        self.hoist_top_level(&mut program.stmts);
        for stmt in &mut program.stmts {
            self.stmt(stmt);
        }
        program.main_slots = self.fns.pop().map(|t| t.n_slots).unwrap_or(0);
    }

    // ----- declarations -------------------------------------------------------------

    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.errors.push(Diagnostic::resolve(message, span));
    }

    fn at_module_level(&self) -> bool {
        self.fns.len() == 1 && self.fns[0].blocks.len() == 1
    }

    /// Binds a module-level name to a global slot (reusing the slot on redeclaration).
    fn declare_global(&mut self, name: &Ident, mutable: bool, kind: GlobalKind) -> u32 {
        let existing = self.module.names.borrow().get(&name.name).copied();

        match existing {
            Some(g) if !matches!(self.globals.info[g as usize].kind, GlobalKind::Builtin) => {
                self.globals.info[g as usize] = GlobalInfo { name: name.name.clone(), mutable, kind };
                g
            }
            _ => {
                let g = self.globals.alloc(name.name.clone(), mutable, kind);
                self.module.names.borrow_mut().insert(name.name.clone(), g);
                g
            }
        }
    }

    /// Declares a variable in the innermost scope and returns where it lives.
    fn declare(&mut self, name: &Ident, mutable: bool) -> Slot {
        if self.at_module_level() {
            let g = self.declare_global(name, mutable, GlobalKind::Var);
            self.defined.insert(g);
            return Slot::Global(g);
        }
        let k = key(name.span);
        let is_cell = self.captured.contains(&k);
        let f = self.fns.last_mut().expect("a scope is open");
        let slot = f.n_slots;
        f.n_slots += 1;
        let local = Local { slot, mutable, key: k, is_cell };
        if let Some(block) = f.blocks.last_mut() {
            block.insert(name.name.clone(), local);
        }
        if is_cell { Slot::LocalCell(slot) } else { Slot::Local(slot) }
    }

    /// Module-level `fn`, `struct`, `enum`, `import` are visible in the whole file, and
    /// module-level `let` names are visible inside functions declared before them.
    fn hoist_top_level(&mut self, stmts: &mut [Stmt]) {
        for stmt in stmts.iter_mut() {
            if let StmtKind::Import(imp) = &stmt.kind {
                let imp = imp.clone();
                self.import(&imp);
            }
        }
        for stmt in stmts.iter_mut() {
            match &stmt.kind {
                StmtKind::Fn(f) => {
                    let g = self.declare_global(&f.name, false, GlobalKind::Fn);
                    self.defined.insert(g);
                    self.export_if(f.is_pub || self.repl, &f.name);
                }
                StmtKind::Struct(s) => {
                    self.check_duplicates(s.fields.iter().map(|f| &f.name), "field");
                    let fields = s.fields.iter().map(|f| f.name.name.clone()).collect();
                    let g = self.declare_global(&s.name, false, GlobalKind::Struct { fields });
                    self.defined.insert(g);
                    self.export_if(s.is_pub || self.repl, &s.name);
                }
                StmtKind::Enum(e) => {
                    self.check_duplicates(e.variants.iter().map(|v| &v.name), "variant");
                    let variants =
                        e.variants.iter().map(|v| (v.name.name.clone(), v.fields.as_ref().map(|f| f.len()))).collect();
                    let g = self.declare_global(&e.name, false, GlobalKind::Enum { variants });
                    self.defined.insert(g);
                    self.export_if(e.is_pub || self.repl, &e.name);
                }
                StmtKind::Let { pat, mutable, .. } => {
                    let mut names = Vec::new();
                    pattern_names(pat, &mut names);
                    for n in names {
                        let known = self.module.names.borrow().contains_key(&n.name);
                        if !known {
                            self.declare_global(&n, *mutable, GlobalKind::Var);
                        }
                        self.export_if(true, &n);
                    }
                }
                _ => {}
            }
        }
    }

    fn export_if(&mut self, export: bool, name: &Ident) {
        if export {
            self.module.exports.borrow_mut().insert(name.name.clone());
        }
    }

    fn check_duplicates<'b>(&mut self, names: impl Iterator<Item = &'b Ident>, what: &str) {
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
        let module = match self.loader.load(&imp.module, imp.span, self.globals) {
            Ok(m) => m,
            Err(ds) => {
                self.errors.extend(ds);
                return;
            }
        };
        match &imp.items {
            None => {
                // `import net` binds `net`; `import core.io` binds `io`
                let Some(last) = imp.module.last() else { return };
                let g = self.declare_global(last, false, GlobalKind::Module(module));
                self.defined.insert(g);
            }
            Some(items) => {
                for item in items {
                    let found = module.names.borrow().get(&item.name).copied();
                    let exported = module.exports.borrow().contains(&item.name);
                    match found {
                        Some(g) if exported => {
                            self.module.names.borrow_mut().insert(item.name.clone(), g);
                            self.module.exports.borrow_mut().insert(item.name.clone());
                            self.defined.insert(g);
                        }
                        Some(_) => {
                            self.error(format!("`{}` is not public in module `{}`", item.name, module.name), item.span)
                        }
                        None => self.error(format!("module `{}` has no item `{}`", module.name, item.name), item.span),
                    }
                }
            }
        }
    }

    // ----- name lookup -----------------------------------------------------------------

    /// Finds a name from function level `level` outwards; records captures on the way.
    fn lookup_at(&mut self, level: usize, name: &str) -> Option<(Slot, bool)> {
        if let Some(local) = self.fns[level].find(name) {
            let slot = if local.is_cell { Slot::LocalCell(local.slot) } else { Slot::Local(local.slot) };
            return Some((slot, local.mutable));
        }
        if level == 0 {
            return self.lookup_global(name);
        }
        let (outer, mutable) = self.lookup_at(level - 1, name)?;
        let from = match outer {
            Slot::Local(s) | Slot::LocalCell(s) => {
                let k = self.fns[level - 1].find(name).map(|l| l.key).unwrap_or((u32::MAX, s));
                self.found_captures.insert(k);
                (CaptureFrom::Local(s), k)
            }
            Slot::Capture(i) => (CaptureFrom::Capture(i), (u32::MAX - 1, i + ((level as u32) << 20))),
            other => return Some((other, mutable)),
        };
        let f = &mut self.fns[level];
        let idx = match f.capture_index.get(&from.1) {
            Some(&i) => i,
            None => {
                f.captures.push(from.0);
                let i = (f.captures.len() - 1) as u32;
                f.capture_index.insert(from.1, i);
                i
            }
        };
        Some((Slot::Capture(idx), mutable))
    }

    fn lookup_global(&mut self, name: &str) -> Option<(Slot, bool)> {
        let g = self.module.names.borrow().get(name).copied().or_else(|| self.globals.prelude.get(name).copied())?;
        Some((Slot::Global(g), self.globals.info[g as usize].mutable))
    }

    fn resolve_var(&mut self, var: &mut VarRef) {
        let level = self.fns.len() - 1;
        match self.lookup_at(level, &var.name) {
            Some((slot, _)) => {
                // top-level code may not use a module-level `let` before its line
                if let Slot::Global(g) = slot {
                    let is_var = matches!(self.globals.info[g as usize].kind, GlobalKind::Var);
                    if level == 0 && is_var && !self.defined.contains(&g) && !self.repl {
                        self.error(format!("undefined name `{}`", var.name), var.span);
                        return;
                    }
                }
                var.slot = slot;
            }
            None => self.error(format!("undefined name `{}`", var.name), var.span),
        }
    }

    fn global_kind(&self, slot: Slot) -> Option<GlobalKind> {
        match slot {
            Slot::Global(g) => self.globals.info.get(g as usize).map(|i| i.kind.clone()),
            _ => None,
        }
    }
}

/// Every name a binding pattern introduces.
pub fn pattern_names(pat: &Pattern, out: &mut Vec<Ident>) {
    match &pat.kind {
        PatKind::Bind(v) => out.push(Ident { name: v.name.clone(), span: v.span }),
        PatKind::Tuple(ps) | PatKind::List(ps) | PatKind::Or(ps) => ps.iter().for_each(|p| pattern_names(p, out)),
        PatKind::Variant { args: Some(ps), .. } | PatKind::EnumVariant { args: Some(ps), .. } => {
            ps.iter().for_each(|p| pattern_names(p, out))
        }
        _ => {}
    }
}

// ----- statements ----------------------------------------------------------------------

impl Resolver<'_> {
    fn in_async_body(&self) -> bool {
        matches!(self.fns.last().map(|f| f.kind), Some(ScopeKind::Fn { is_async: true }) | Some(ScopeKind::AsyncBlock))
    }

    fn push_block(&mut self) {
        if let Some(f) = self.fns.last_mut() {
            f.blocks.push(HashMap::new());
        }
    }

    /// Closes a scope; returns the frame slots it declared.
    fn pop_block(&mut self) -> Vec<u32> {
        let scope = self.fns.last_mut().and_then(|f| f.blocks.pop()).unwrap_or_default();
        let mut slots: Vec<u32> = scope.values().map(|l| l.slot).collect();
        slots.sort_unstable();
        slots
    }

    /// Resolves a block in a new scope; nested `fn` names are visible in the whole block.
    /// Returns whether it contains `await`.
    fn block(&mut self, block: &mut Block) -> bool {
        self.push_block();
        let aw = self.block_stmts(&mut block.stmts);
        block.scope_slots = self.pop_block();
        aw
    }

    fn block_stmts(&mut self, stmts: &mut [Stmt]) -> bool {
        if !self.at_module_level() {
            for stmt in stmts.iter_mut() {
                if let StmtKind::Fn(f) = &mut stmt.kind {
                    let name = f.name.clone();
                    let slot = self.declare(&name, false);
                    if let Some(f) = Rc::get_mut(f) {
                        f.info.self_slot = slot;
                    }
                }
            }
        }
        let mut aw = false;
        for stmt in stmts.iter_mut() {
            aw |= self.stmt(stmt);
        }
        aw
    }

    fn stmt(&mut self, stmt: &mut Stmt) -> bool {
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
                    aw |= self.expr(cond);
                    aw |= self.block(body);
                }
                if let Some(b) = else_ {
                    aw |= self.block(b);
                }
                aw
            }
            StmtKind::While { cond, body } => {
                let aw = self.expr(cond);
                aw | self.loop_body(body, None)
            }
            StmtKind::For { pat, iter, body } => {
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
                if self.fns.last().is_some_and(|f| f.kind == ScopeKind::TopLevel) {
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
            StmtKind::Struct(s) => {
                if !self.at_module_level() {
                    self.error("`struct` declarations are only allowed at the top level", span);
                }
                let slot = self.lookup_global(&s.name.name).map(|(s, _)| s);
                if let Some(decl) = Rc::get_mut(s) {
                    self.methods(slot, &mut decl.methods);
                }
                false
            }
            StmtKind::Enum(e) => {
                if !self.at_module_level() {
                    self.error("`enum` declarations are only allowed at the top level", span);
                }
                let slot = self.lookup_global(&e.name.name).map(|(s, _)| s);
                if let Some(decl) = Rc::get_mut(e) {
                    self.methods(slot, &mut decl.methods);
                }
                false
            }
            StmtKind::Impl(imp) => {
                if !self.at_module_level() {
                    self.error("`impl` blocks are only allowed at the top level", span);
                }
                let target = self.lookup_global(&imp.target.name).map(|(s, _)| s);
                match target.and_then(|t| self.global_kind(t)) {
                    Some(GlobalKind::Struct { .. }) | Some(GlobalKind::Enum { .. }) => {}
                    _ => {
                        let t = imp.target.clone();
                        self.error(format!("`impl` target `{}` is not a struct or enum", t.name), t.span)
                    }
                }
                if let Some(decl) = Rc::get_mut(imp) {
                    self.methods(target, &mut decl.methods);
                }
                false
            }
            StmtKind::Import(imp) => {
                // module-level imports were handled by hoisting
                if !self.at_module_level() {
                    self.error("`import` is only allowed at the top level of a file", imp.span);
                }
                false
            }
        };
        stmt.has_await = aw || (is_loop && self.in_async_body());
        aw
    }
}

// ----- functions, loops, patterns, assignment --------------------------------------------

impl Resolver<'_> {
    fn methods(&mut self, type_slot: Option<Slot>, methods: &mut [Rc<FnDecl>]) {
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

    fn loop_body(&mut self, body: &mut Block, pat: Option<&mut Pattern>) -> bool {
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

    /// Resolves a function body in a new frame and records its frame facts.
    fn function(&mut self, f: &mut Rc<FnDecl>) {
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
        if decl.has_self {
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
    }

    fn bind_pattern(&mut self, pat: &mut Pattern, mutable: bool) {
        self.resolve_variant_pattern(pat);
        match &mut pat.kind {
            PatKind::Bind(v) => {
                let name = Ident { name: v.name.clone(), span: v.span };
                v.slot = self.declare(&name, mutable);
            }
            PatKind::Tuple(ps) | PatKind::List(ps) => ps.iter_mut().for_each(|p| self.bind_pattern(p, mutable)),
            PatKind::EnumVariant { args: Some(ps), .. } => ps.iter_mut().for_each(|p| self.bind_pattern(p, mutable)),
            PatKind::Or(ps) => {
                // every alternative binds the same names to the same slots
                let mut first_slots: HashMap<Rc<str>, Slot> = HashMap::new();
                for p in ps.iter_mut() {
                    self.bind_pattern(p, mutable);
                    let mut names = Vec::new();
                    pattern_names(p, &mut names);
                    for n in names {
                        if let Some(f) = self.fns.last().and_then(|f| f.find(&n.name)) {
                            let slot = if f.is_cell { Slot::LocalCell(f.slot) } else { Slot::Local(f.slot) };
                            first_slots.entry(n.name.clone()).or_insert(slot);
                        }
                    }
                }
                for p in ps.iter_mut() {
                    unify_slots(p, &first_slots);
                }
                // the body must read the slots every alternative writes
                if let Some(block) = self.fns.last_mut().and_then(|f| f.blocks.last_mut()) {
                    for (name, slot) in &first_slots {
                        if let (Some(local), Slot::Local(s) | Slot::LocalCell(s)) = (block.get_mut(name), slot) {
                            local.slot = *s;
                            local.is_cell = matches!(slot, Slot::LocalCell(_));
                        }
                    }
                }
            }
            PatKind::Lit(e) => {
                self.expr(e);
            }
            _ => {}
        }
    }

    /// `Some(x)`, `None`, `Shape::Circle(r)`: find the enum and the variant's index.
    fn resolve_variant_pattern(&mut self, pat: &mut Pattern) {
        let PatKind::Variant { path, args } = &mut pat.kind else { return };
        let (type_name, variant_name) = match path.as_slice() {
            [v] => {
                let ty = match &*v.name {
                    "Some" | "None" => "Option",
                    "Ok" | "Err" => "Result",
                    _ => {
                        self.error(format!("unknown variant `{}` in pattern", v.name), v.span);
                        return;
                    }
                };
                (Ident { name: Rc::from(ty), span: v.span }, v.clone())
            }
            [.., t, v] => (t.clone(), v.clone()),
            [] => return,
        };
        let ty_slot = if &*type_name.name == "Self" {
            self.self_type.map(Slot::Global)
        } else {
            self.lookup_at(self.fns.len() - 1, &type_name.name).map(|(s, _)| s)
        };
        let Some(ty_slot) = ty_slot else {
            self.error(format!("undefined name `{}`", type_name.name), type_name.span);
            return;
        };
        let Some(GlobalKind::Enum { variants }) = self.global_kind(ty_slot) else {
            self.error(format!("`{}` is not an enum", type_name.name), type_name.span);
            return;
        };
        let Some(index) = variants.iter().position(|(n, _)| *n == variant_name.name) else {
            self.error(format!("enum `{}` has no variant `{}`", type_name.name, variant_name.name), variant_name.span);
            return;
        };
        let expected = variants[index].1;
        let given = args.as_ref().map(|a| a.len());
        if expected != given && !(expected.is_some() && given.is_none()) {
            self.error(
                format!(
                    "variant `{}` has {} field(s) but the pattern gives {}",
                    variant_name.name,
                    expected.unwrap_or(0),
                    given.unwrap_or(0)
                ),
                pat.span,
            );
        }
        let args = args.take();
        pat.kind = PatKind::EnumVariant { ty: ty_slot, name: variant_name.name.clone(), variant: index as u32, args };
    }

    /// Returns whether the target contains `await`; checks mutability of plain names.
    fn assign_target(&mut self, target: &mut Expr) -> bool {
        match &mut target.kind {
            ExprKind::Var(v) => {
                let level = self.fns.len() - 1;
                match self.lookup_at(level, &v.name) {
                    Some((slot, mutable)) => {
                        v.slot = slot;
                        let is_plain_var = self.global_kind(slot).is_none_or(|k| matches!(k, GlobalKind::Var));
                        if !mutable || !is_plain_var {
                            self.error(format!("cannot assign to immutable binding `{}`", v.name), v.span);
                        }
                    }
                    None => self.error(format!("undefined name `{}`", v.name), v.span),
                }
                false
            }
            ExprKind::Index(base, idx) => {
                let aw = self.expr(base);
                aw | self.expr(idx)
            }
            ExprKind::Field(base, _) => self.expr(base),
            _ => {
                self.error("invalid assignment target", target.span);
                false
            }
        }
    }
}

fn unify_slots(pat: &mut Pattern, slots: &HashMap<Rc<str>, Slot>) {
    match &mut pat.kind {
        PatKind::Bind(v) => {
            if let Some(s) = slots.get(&v.name) {
                v.slot = *s;
            }
        }
        PatKind::Tuple(ps) | PatKind::List(ps) | PatKind::Or(ps) => ps.iter_mut().for_each(|p| unify_slots(p, slots)),
        PatKind::EnumVariant { args: Some(ps), .. } => ps.iter_mut().for_each(|p| unify_slots(p, slots)),
        _ => {}
    }
}

// ----- expressions -----------------------------------------------------------------------

impl Resolver<'_> {
    /// Resolves an expression; returns (and records) whether it contains `await`.
    fn expr(&mut self, e: &mut Expr) -> bool {
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
        let span = e.span;
        match &mut e.kind {
            ExprKind::Nil | ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::Float(_) => false,
            ExprKind::Str(_) | ExprKind::Bytes(_) => false,
            ExprKind::Interp(parts) => {
                let mut aw = false;
                for p in parts.iter_mut() {
                    if let InterpPart::Expr(x) = p {
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
            ExprKind::List(items) | ExprKind::Tuple(items) => self.exprs(items),
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
            ExprKind::Field(x, _) => self.expr(x),
            ExprKind::Member { base, .. } => self.expr(base),
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                let aw = self.expr(a);
                aw | self.expr(b)
            }
            ExprKind::Call { callee, args } => {
                let aw = self.expr(callee);
                aw | self.args(args)
            }
            ExprKind::MethodCall { recv, args, .. } => {
                let aw = self.expr(recv);
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
                    self.error("`Self` outside of a struct or enum", head.span);
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

    /// `Color::Purple` on a known enum is caught before running.
    fn check_member(&mut self, base: &Expr, seg: &Ident) {
        let ExprKind::Var(v) = &base.kind else { return };
        if let Some(GlobalKind::Enum { variants }) = self.global_kind(v.slot) {
            let is_variant = variants.iter().any(|(n, _)| *n == seg.name);
            let _ = is_variant; // methods and associated fns are found at run time
        }
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
            && let Some(GlobalKind::Struct { fields: declared }) = self.global_kind(v.slot)
        {
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
                if !seen.contains(d) {
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
