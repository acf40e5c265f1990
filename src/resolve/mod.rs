//! The resolver: binds every name to a slot (frame local, captured cell, or global),
//! decides which locals closures capture (those live in shared cells), marks what
//! contains `await`, and reports the static errors of LANGUAGE.md §9 — all before any
//! code runs. It runs twice over a file: the first pass only learns which declarations
//! are captured, the second fills in the final slots (captures may be discovered after
//! earlier uses of a variable were already resolved).
//!
//! The parts: `scope` (frames, blocks and name lookup), `decl` (module-level
//! declarations, imports, functions and methods), `stmt`, `expr` and `pattern`.
//!
//! What it writes into the AST, in place (`Rc::get_mut` while the tree is unshared; it
//! is immutable and shared by closures afterwards): every variable's `Slot` — `Local(n)`,
//! `LocalCell(n)` (a frame slot holding a cell a closure captures), `Capture(n)` (the
//! running closure's n-th cell) or `Global(n)` (module-level name or built-in); each
//! function's `FnInfo` (frame size, where its captured cells come from, which parameters
//! become cells on entry); each block's `scope_slots` (the slots of the variables it
//! declares, cleared when it is left; a loop's own variables are cleared after the
//! loop); `has_await` on every expression and statement that contains `await` (not
//! counting nested functions) and on every loop in an async body (loops yield there).
//! It also turns paths into static module-member references (`net::TcpStream`) or
//! run-time member lookups (`Color::Red`), and struct literals into `StructNew`.
//!
//! Module-level `fn`, types and imports are hoisted (visible in the whole file);
//! module-level `let` names are visible in functions, but the top level may not use them
//! before their line. `ModuleScope::exports` holds what other modules may import (`pub`
//! and `export`ed names, and names the module itself imports). In REPL mode (`repl`)
//! every name is exported, redeclaration is allowed and use-before-definition is not
//! checked.

mod decl;
mod expr;
mod pattern;
mod scope;
mod stmt;

use crate::diag::Diagnostic;
use crate::syntax::ast::*;
use scope::FnScope;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

pub use pattern::pattern_names;

/// What the resolver knows about a global slot.
#[derive(Clone, Debug)]
pub enum GlobalKind {
    Var,
    Fn,
    /// `optional`: the fields that have a default value
    Struct {
        fields: Vec<Rc<str>>,
        optional: Vec<Rc<str>>,
        methods: Vec<Rc<str>>,
    },
    Enum {
        variants: Vec<(Rc<str>, Option<usize>)>,
        methods: Vec<Rc<str>>,
    },
    /// a trait: its abstract methods (which every `impl` must provide)
    Trait {
        required: Vec<Rc<str>>,
    },
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
    /// names other modules may import (`pub` declarations, `export`ed names, and names
    /// the module itself imports)
    pub exports: std::cell::RefCell<HashSet<Rc<str>>>,
}

/// Finds (loading, parsing and resolving as needed) the module an `import` names.
pub trait ModuleLoader {
    /// `Ok(None)` when no module has that path (the caller may then try the parent
    /// module and an item of it: `use a.b.Item`).
    fn load(
        &mut self,
        path: &[Ident],
        span: Span,
        table: &mut GlobalTable,
    ) -> Result<Option<Rc<ModuleScope>>, Vec<Diagnostic>>;
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
    /// module-level declarations seen so far in this pass: name → where (duplicates)
    declared_at: HashMap<Rc<str>, Span>,
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
        declared_at: HashMap::new(),
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
    r.declared_at.clear();
    r.run_pass(program);
    r.errors
}

impl Resolver<'_> {
    fn run_pass(&mut self, program: &mut Program) {
        self.fns = vec![FnScope::new(scope::ScopeKind::TopLevel)];
        self.hoist_top_level(&mut program.stmts);
        for stmt in &mut program.stmts {
            self.stmt(stmt);
        }
        program.main_slots = self.fns.pop().map(|t| t.n_slots).unwrap_or(0);
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.errors.push(Diagnostic::resolve(message, span));
    }

    fn global_kind(&self, slot: Slot) -> Option<GlobalKind> {
        match slot {
            Slot::Global(g) => self.globals.info.get(g as usize).map(|i| i.kind.clone()),
            _ => None,
        }
    }
}
