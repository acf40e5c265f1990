//! Frames, block scopes and name lookup: where each declared name lives (a frame slot,
//! a shared cell, a capture of the running closure, or a global), and which captures a
//! closure needs.

use super::{DeclKey, GlobalInfo, GlobalKind, Resolver, key};
use crate::syntax::ast::*;
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ScopeKind {
    TopLevel,
    Fn { is_async: bool },
    Lambda,
    AsyncBlock,
}

#[derive(Clone)]
pub(super) struct Local {
    pub slot: u32,
    pub mutable: bool,
    pub key: DeclKey,
    pub is_cell: bool,
}

pub(super) struct FnScope {
    pub kind: ScopeKind,
    pub blocks: Vec<HashMap<Rc<str>, Local>>,
    pub n_slots: u32,
    pub captures: Vec<CaptureFrom>,
    capture_index: HashMap<DeclKey, u32>,
    pub loop_depth: u32,
    /// the function's own `self` was referenced (also from a nested closure)
    pub self_used: bool,
}

impl FnScope {
    pub fn new(kind: ScopeKind) -> FnScope {
        FnScope {
            kind,
            blocks: vec![HashMap::new()],
            n_slots: 0,
            captures: Vec::new(),
            capture_index: HashMap::new(),
            loop_depth: 0,
            self_used: false,
        }
    }
    pub fn find(&self, name: &str) -> Option<Local> {
        self.blocks.iter().rev().find_map(|b| b.get(name).cloned())
    }
}

impl Resolver<'_> {
    pub(super) fn at_module_level(&self) -> bool {
        self.fns.len() == 1 && self.fns[0].blocks.len() == 1
    }

    pub(super) fn in_async_body(&self) -> bool {
        matches!(self.fns.last().map(|f| f.kind), Some(ScopeKind::Fn { is_async: true }) | Some(ScopeKind::AsyncBlock))
    }

    /// Binds a module-level name to a global slot (reusing the slot on redeclaration).
    pub(super) fn declare_global(&mut self, name: &Ident, mutable: bool, kind: GlobalKind) -> u32 {
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
    pub(super) fn declare(&mut self, name: &Ident, mutable: bool) -> Slot {
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

    pub(super) fn push_block(&mut self) {
        if let Some(f) = self.fns.last_mut() {
            f.blocks.push(HashMap::new());
        }
    }

    /// Closes a scope; returns the frame slots it declared.
    pub(super) fn pop_block(&mut self) -> Vec<u32> {
        let scope = self.fns.last_mut().and_then(|f| f.blocks.pop()).unwrap_or_default();
        let mut slots: Vec<u32> = scope.values().map(|l| l.slot).collect();
        slots.sort_unstable();
        slots
    }

    /// Finds a name from function level `level` outwards; records captures on the way.
    pub(super) fn lookup_at(&mut self, level: usize, name: &str) -> Option<(Slot, bool)> {
        if let Some(local) = self.fns[level].find(name) {
            if name == "self" {
                self.fns[level].self_used = true;
            }
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

    /// Whether `name`, seen from function level `level`, is only a prelude built-in (no
    /// local, capture or module global of that name).
    pub(super) fn is_builtin_only(&self, name: &str, level: usize) -> bool {
        self.globals.prelude.contains_key(name)
            && !self.module.names.borrow().contains_key(name)
            && (0..=level).all(|l| self.fns[l].find(name).is_none())
    }

    pub(super) fn lookup_global(&mut self, name: &str) -> Option<(Slot, bool)> {
        let g = self.module.names.borrow().get(name).copied().or_else(|| self.globals.prelude.get(name).copied())?;
        Some((Slot::Global(g), self.globals.info[g as usize].mutable))
    }

    pub(super) fn resolve_var(&mut self, var: &mut VarRef) {
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
            None => self.undefined(&var.name, var.span),
        }
    }

    /// "undefined name", with a suggestion when a known name is close.
    pub(super) fn undefined(&mut self, name: &str, span: Span) {
        let hint = self.suggest(name);
        self.error(format!("undefined name `{name}`{hint}"), span);
    }

    /// `; did you mean `x`?` for the closest visible name, or a hint for a common slip.
    fn suggest(&self, name: &str) -> String {
        let mut candidates: Vec<Rc<str>> = Vec::new();
        for f in &self.fns {
            for b in &f.blocks {
                candidates.extend(b.keys().cloned());
            }
        }
        candidates.extend(self.module.names.borrow().keys().cloned());
        candidates.extend(self.globals.prelude.keys().cloned());
        let hint = crate::diag::did_you_mean(name, candidates.iter().map(|c| &**c));
        if hint.is_empty()
            && let Some(module) = crate::program::registry().std_home(name)
        {
            return format!("; it is in the std module `{module}`: add `import {module}::{{{name}}}`");
        }
        hint
    }
}
