//! Modules: loading a file (or an embedded std module) through lex → layout → parse →
//! resolve, detecting import cycles, and running a module: its declarations first
//! (types, functions: visible in the whole file), then its top-level statements.
//!
//! `Loader` finds an import: a std module registered in the registry (its embedded
//! source, shown as `<std>/name.spl`, or, with no source, a scope of its registered
//! functions and constants, as for `math`), else `a/b.spl` next to the importing file.
//! A loaded module is resolved at once but only queued (`ModuleCache::to_run`); it runs
//! after the whole program has resolved cleanly (`run_loaded_modules`). A top-level
//! statement that contains `await` runs inside `Interp::block_on`.
//!
//! An `extern fn` becomes, when its module's declarations are created, the native
//! registered under `Type::name` (a method) or `module::name`, else plain `name`; a
//! missing native is a runtime error there. An async native, like an `async fn`, runs
//! inline under `await` and becomes a Task otherwise. `import net` binds `net` to a
//! `Value::Module` (paths through it are resolved statically; the value serves printing
//! and `m::X` on a module passed around). `std_global` loads a std module on demand,
//! for natives that build its values (`NetError`, `IoError`, `File`).

use super::value::Value;
use super::{Ctrl, Frame, Interp, R, fail};
use crate::diag::Diagnostic;
use crate::resolve::{GlobalTable, ModuleLoader, ModuleScope, resolve_program};
use crate::syntax::ast::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// An imported module as a value (`import net` then `net::TcpStream`).
/// Where an `extern fn` is declared, which names its native.
pub(super) enum Owner<'a> {
    Type(&'a str),
    Module(&'a str),
}

pub struct Module {
    pub name: String,
    pub scope: Rc<ModuleScope>,
}

impl Module {
    pub fn get(&self, interp: &Interp, name: &str) -> R<Value> {
        Ok(interp.global(self.global_of(name)?))
    }

    /// The global slot of exported item `name` (it never changes once loaded).
    pub fn global_of(&self, name: &str) -> R<u32> {
        let g = self.scope.names.borrow().get(name).copied();
        match g {
            Some(g) if self.scope.exports.borrow().contains(name) => Ok(g),
            _ => fail(format!("module `{}` has no item `{name}`", self.name)),
        }
    }
}

#[derive(Default)]
pub struct ModuleCache {
    loaded: HashMap<String, Rc<ModuleScope>>,
    /// modules being loaded, outermost first (for cycle reports)
    loading: Vec<String>,
    /// loaded but not yet run, dependencies first
    to_run: Vec<(Program, Rc<ModuleScope>)>,
}

/// Parses a source text into a program; all syntax errors at once.
pub fn parse_source(interp: &Interp, name: &str, src: &str) -> (Program, Vec<Diagnostic>) {
    let file = interp.sources.add(name, Rc::from(src));
    crate::syntax::parse(file, src)
}

/// Resolves imports relative to `dir`; loaded modules wait in `to_run` until the
/// importing program has resolved cleanly (nothing runs when there are errors).
pub struct Loader<'a> {
    pub interp: &'a Interp,
    pub dir: PathBuf,
}

impl ModuleLoader for Loader<'_> {
    fn load(
        &mut self,
        path: &[Ident],
        span: Span,
        table: &mut GlobalTable,
    ) -> Result<Option<Rc<ModuleScope>>, Vec<Diagnostic>> {
        let dotted: Vec<&str> = path.iter().map(|p| &*p.name).collect();
        let dotted = dotted.join(".");
        let registered = self.interp.registry.find_module(&dotted);
        // `key` identifies the module (canonical path); `shown` is the path as the user
        // would write it, relative to the importing file's directory as it was given, so
        // diagnostics do not depend on where the project is checked out.
        let (key, shown, source, dir) = match registered {
            Some(m) => match m.source {
                Some(src) => {
                    let shown = format!("<std>/{}.spl", dotted.replace('.', "/"));
                    (format!("std:{dotted}"), shown, Ok(src.to_string()), self.dir.clone())
                }
                None => return Ok(Some(self.native_module(m, table))),
            },
            None => {
                let mut file = self.dir.clone();
                for p in path {
                    file.push(&*p.name);
                }
                file.set_extension("spl");
                if !file.exists() {
                    return Ok(None);
                }
                let key = file.canonicalize().unwrap_or(file.clone()).display().to_string();
                let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
                let src = std::fs::read_to_string(&file)
                    .map_err(|e| format!("cannot import `{dotted}`: {} ({e})", file.display()));
                (key, file.display().to_string(), src, dir)
            }
        };
        if let Some(scope) = self.interp.modules.borrow().loaded.get(&key) {
            return Ok(Some(scope.clone()));
        }
        let cycle = {
            let cache = self.interp.modules.borrow();
            cache.loading.iter().position(|k| *k == key).map(|i| cache.loading[i..].to_vec())
        };
        if let Some(chain) = cycle {
            let mut names: Vec<String> = chain.iter().map(|k| short_name(k)).collect();
            names.push(short_name(&key));
            return Err(vec![Diagnostic::resolve(format!("import cycle: {}", names.join(" -> ")), span)]);
        }
        let source = source.map_err(|m| vec![Diagnostic::resolve(m, span)])?;
        self.interp.modules.borrow_mut().loading.push(key.clone());
        let result = load_module(self.interp, table, &shown, &dotted, &source, dir);
        self.interp.modules.borrow_mut().loading.pop();
        let scope = result?;
        self.interp.modules.borrow_mut().loaded.insert(key, scope.clone());
        Ok(Some(scope))
    }
}

impl Loader<'_> {
    /// A std module that is all native (`math`): a scope of its registered functions and
    /// constants, made once per interpreter.
    fn native_module(&self, m: &crate::registry::ModuleEntry, table: &mut GlobalTable) -> Rc<ModuleScope> {
        let key = format!("std:{}", m.name);
        if let Some(scope) = self.interp.modules.borrow().loaded.get(&key) {
            return scope.clone();
        }
        let scope = Rc::new(ModuleScope { name: m.name.to_string(), ..Default::default() });
        add_registered_items(self.interp, table, m, &scope);
        self.interp.modules.borrow_mut().loaded.insert(key, scope.clone());
        scope
    }
}

/// Binds a module's registered functions, constants and re-exported prelude names in
/// its scope (a std module may have a Simple source and natives both).
fn add_registered_items(
    interp: &Interp,
    table: &mut GlobalTable,
    m: &crate::registry::ModuleEntry,
    scope: &ModuleScope,
) {
    let mut bind = |name: &str, value: Value| {
        let g = table.alloc(Rc::from(name), false, crate::resolve::GlobalKind::Builtin);
        interp.set_global(g, value);
        scope.names.borrow_mut().insert(Rc::from(name), g);
        scope.exports.borrow_mut().insert(Rc::from(name));
    };
    for f in interp.registry.module_functions(m.name) {
        bind(f.sig.name, super::builtins::registered(&f.sig, f.imp));
    }
    for c in interp.registry.module_consts(m.name) {
        let v = match c.value {
            crate::registry::Const::Float(x) => Value::Float(x),
            crate::registry::Const::Int(i) => Value::Int(i),
        };
        bind(c.name, v);
    }
    for name in m.reexports {
        if let Some(&g) = table.prelude.get(*name) {
            scope.names.borrow_mut().insert(Rc::from(*name), g);
            scope.exports.borrow_mut().insert(Rc::from(*name));
        }
    }
}

fn short_name(key: &str) -> String {
    let k = key.strip_prefix("std:").unwrap_or(key);
    Path::new(k).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| k.to_string())
}

fn load_module(
    interp: &Interp,
    table: &mut GlobalTable,
    shown: &str,
    dotted: &str,
    src: &str,
    dir: PathBuf,
) -> Result<Rc<ModuleScope>, Vec<Diagnostic>> {
    let (mut program, errors) = parse_source(interp, shown, src);
    if !errors.is_empty() {
        return Err(errors);
    }
    let scope = Rc::new(ModuleScope { name: dotted.to_string(), ..Default::default() });
    if let Some(m) = interp.registry.find_module(dotted) {
        add_registered_items(interp, table, m, &scope);
    }
    let mut loader = Loader { interp, dir };
    let errors = resolve_program(&mut program, table, scope.clone(), &mut loader, false);
    if !errors.is_empty() {
        return Err(errors);
    }
    interp.modules.borrow_mut().to_run.push((program, scope.clone()));
    Ok(scope)
}

impl Interp {
    /// Resolves a parsed program against `scope` (imports load through `loader`).
    pub fn resolve(&self, program: &mut Program, scope: Rc<ModuleScope>, dir: PathBuf, repl: bool) -> Vec<Diagnostic> {
        let mut loader = Loader { interp: self, dir };
        let Ok(mut table) = self.table.try_borrow_mut() else {
            return vec![Diagnostic::runtime("internal error: nested resolution")];
        };
        resolve_program(program, &mut table, scope, &mut loader, repl)
    }

    /// Runs the modules loaded by imports, dependencies first.
    pub fn run_loaded_modules(&self) -> R<()> {
        loop {
            let next = {
                let mut cache = self.modules.borrow_mut();
                if cache.to_run.is_empty() { None } else { Some(cache.to_run.remove(0)) }
            };
            let Some((program, scope)) = next else { return Ok(()) };
            self.run_module(&program, &scope)?;
        }
    }

    /// Runs a module: declarations first, then the top-level statements in order.
    pub fn run_module(&self, program: &Program, scope: &ModuleScope) -> R<()> {
        let mut frame = Frame::new(program.main_slots as usize);
        self.declare_items(&program.stmts, scope, &mut frame)?;
        self.run_top_level(&program.stmts, &mut frame)
    }

    pub fn run_top_level(&self, stmts: &[Stmt], frame: &mut Frame) -> R<()> {
        for stmt in stmts {
            if matches!(
                stmt.kind,
                StmtKind::Fn(_) | StmtKind::Struct(_) | StmtKind::Enum(_) | StmtKind::Impl(_) | StmtKind::Import(_)
            ) {
                continue;
            }
            let r = if stmt.has_await {
                self.block_on(async { self.exec_async(stmt, frame).await })
            } else if matches!(stmt.kind, StmtKind::While { .. } | StmtKind::For { .. } | StmtKind::Loop { .. }) {
                // a top-level loop runs as an evaluation tree, as function bodies do
                super::lower::run_once(self, stmt, frame).map(|_| Value::Nil)
            } else {
                self.exec(stmt, frame).map(|_| Value::Nil)
            };
            match r {
                Ok(_) => {}
                Err(Ctrl::Error(mut e)) => {
                    e.leave(&Rc::from("<main>"), stmt.span);
                    return Err(Ctrl::Error(e));
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    /// Creates the module's types and functions (all visible before any statement runs).
    pub fn declare_items(&self, stmts: &[Stmt], scope: &ModuleScope, frame: &mut Frame) -> R<()> {
        for stmt in stmts {
            let (name, value) = match &stmt.kind {
                StmtKind::Struct(decl) => (&decl.name, Value::Type(self.struct_type(decl, frame)?)),
                StmtKind::Trait(decl) => (&decl.name, Value::Type(self.trait_type(decl, frame)?)),
                StmtKind::Enum(decl) => (&decl.name, Value::Type(self.enum_type(decl, frame)?)),
                StmtKind::Fn(decl) => (&decl.name, self.function_value(decl, Owner::Module(&scope.name), frame)?),
                StmtKind::Import(imp) if imp.items.is_none() => {
                    self.bind_module_value(imp, scope);
                    continue;
                }
                _ => continue,
            };
            if let Some(g) = global_of(scope, name) {
                self.set_global(g, value);
            }
        }
        // impl blocks add to types declared anywhere in the file
        for stmt in stmts {
            if let StmtKind::Impl(imp) = &stmt.kind {
                let Some(g) = global_of(scope, &imp.target) else { continue };
                let trait_def = imp.trait_name.as_ref().and_then(|t| global_of(scope, t)).map(|t| self.global(t));
                self.apply_impl(&self.global(g), imp, trait_def, frame)?;
            }
        }
        Ok(())
    }

    /// `import net` makes `net` a module value (paths through it resolve statically;
    /// the value is for printing and dynamic `net::X` on a passed-around module).
    fn bind_module_value(&self, imp: &ImportDecl, scope: &ModuleScope) {
        let Some(last) = imp.module.last() else { return };
        let Some(g) = global_of(scope, last) else { return };
        let module = match self.table.borrow().info.get(g as usize).map(|i| i.kind.clone()) {
            Some(crate::resolve::GlobalKind::Module(m)) => m,
            _ => return,
        };
        let name = module.name.clone();
        self.set_global(g, Value::Module(Rc::new(Module { name, scope: module })));
    }

    /// A declared function as a value: a closure, or the native an `extern fn` names:
    /// `Type::name` for a method, `module::name` (else plain `name`) for a function.
    pub(super) fn function_value(&self, decl: &Rc<FnDecl>, owner: Owner, frame: &mut Frame) -> R<Value> {
        if !decl.is_extern {
            return Ok(self.make_closure(decl, frame));
        }
        let name = &decl.name.name;
        let natives = &self.registry.natives;
        let (key, found) = match owner {
            Owner::Type(t) => {
                let key = format!("{t}::{name}");
                let found = natives.get(key.as_str());
                (key, found)
            }
            Owner::Module(m) => {
                let key = format!("{m}::{name}");
                let found = natives.get(key.as_str()).or_else(|| natives.get(&**name));
                (key, found)
            }
        };
        let short = &**name;
        match found {
            Some(crate::registry::Callable::Sync(f)) => Ok(super::builtins::native(short, *f)),
            Some(crate::registry::Callable::Async(f)) => Ok(super::builtins::async_native(short, *f)),
            None => Err(super::eval::stamp(
                Ctrl::error(format!("no native implementation for `extern fn {key}`")),
                decl.span,
            )),
        }
    }

    /// The scope of a std module (loaded on first use), for completion and docs.
    pub fn module_scope(&self, dotted: &str) -> Option<Rc<ModuleScope>> {
        let idents: Vec<Ident> =
            dotted.split('.').map(|p| Ident { name: Rc::from(p), span: Span::default() }).collect();
        let mut loader = Loader { interp: self, dir: PathBuf::new() };
        let mut table = self.table.try_borrow_mut().ok()?;
        loader.load(&idents, Span::default(), &mut table).ok().flatten()
    }

    /// A global of a std module, loading the module on first use (natives need NetError).
    pub fn std_global(&self, module: &str, name: &str) -> R<Value> {
        let idents: Vec<Ident> =
            module.split('.').map(|p| Ident { name: Rc::from(p), span: Span::default() }).collect();
        let mut loader = Loader { interp: self, dir: PathBuf::new() };
        let Ok(mut table) = self.table.try_borrow_mut() else {
            return fail(format!("internal error: std module `{module}` needed during resolution"));
        };
        let scope = loader
            .load(&idents, Span::default(), &mut table)
            .map_err(|ds| {
                let msg = ds.first().map(|d| d.message.clone()).unwrap_or_default();
                Ctrl::error(format!("cannot load std module `{module}`: {msg}"))
            })?
            .ok_or_else(|| Ctrl::error(format!("no std module `{module}`")))?;
        drop(table);
        self.run_loaded_modules()?;
        let g = scope.names.borrow().get(name).copied();
        match g {
            Some(g) => Ok(self.global(g)),
            None => fail(format!("std module `{module}` has no `{name}`")),
        }
    }
}

fn global_of(scope: &ModuleScope, name: &Ident) -> Option<u32> {
    scope.names.borrow().get(&name.name).copied()
}
