//! Patterns: binding their names (every alternative of `p | q` binds the same names to
//! the same slots; no name twice in one pattern) and resolving variant patterns to the
//! enum and the variant's index.

use super::{GlobalKind, Resolver};
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Every name a binding pattern introduces.
pub fn pattern_names(pat: &Pattern, out: &mut Vec<Ident>) {
    match &pat.kind {
        PatKind::Bind(v) => out.push(Ident { name: v.name.clone(), span: v.span }),
        PatKind::Tuple(ps) | PatKind::List(ps) | PatKind::Or(ps) => ps.iter().for_each(|p| pattern_names(p, out)),
        PatKind::Struct { fields, .. } => fields.iter().for_each(|(_, p)| pattern_names(p, out)),
        PatKind::Variant { args: Some(ps), .. } | PatKind::EnumVariant { args: Some(ps), .. } => {
            ps.iter().for_each(|p| pattern_names(p, out))
        }
        _ => {}
    }
}

impl Resolver<'_> {
    /// Binds a pattern's names in the innermost scope, after checking that no name is
    /// bound twice and that alternatives agree.
    pub(super) fn bind_pattern(&mut self, pat: &mut Pattern, mutable: bool) {
        self.check_pattern_names(pat);
        self.bind_pattern_inner(pat, mutable);
    }

    fn check_pattern_names(&mut self, pat: &Pattern) {
        let mut names = Vec::new();
        pattern_names_once(pat, &mut names);
        let mut seen = HashSet::new();
        for n in &names {
            if !seen.insert(n.name.clone()) {
                self.error(format!("the name `{}` is bound more than once in this pattern", n.name), n.span);
            }
        }
        self.check_alternatives(pat);
    }

    /// Every alternative of `p | q` must bind the same names.
    fn check_alternatives(&mut self, pat: &Pattern) {
        match &pat.kind {
            PatKind::Or(alts) => {
                let sets: Vec<Vec<Ident>> = alts
                    .iter()
                    .map(|p| {
                        let mut v = Vec::new();
                        pattern_names(p, &mut v);
                        v
                    })
                    .collect();
                let first: HashSet<Rc<str>> = sets[0].iter().map(|i| i.name.clone()).collect();
                for (alt, names) in alts.iter().zip(&sets).skip(1) {
                    let these: HashSet<Rc<str>> = names.iter().map(|i| i.name.clone()).collect();
                    if let Some(missing) = first.symmetric_difference(&these).min() {
                        self.error(
                            format!("every alternative of this `|` pattern must bind the same names (`{missing}` is not bound in all of them)"),
                            alt.span,
                        );
                        break;
                    }
                }
                alts.iter().for_each(|p| self.check_alternatives(p));
            }
            PatKind::Tuple(ps) | PatKind::List(ps) => ps.iter().for_each(|p| self.check_alternatives(p)),
            PatKind::Struct { fields, .. } => fields.iter().for_each(|(_, p)| self.check_alternatives(p)),
            PatKind::Variant { args: Some(ps), .. } | PatKind::EnumVariant { args: Some(ps), .. } => {
                ps.iter().for_each(|p| self.check_alternatives(p))
            }
            _ => {}
        }
    }

    fn bind_pattern_inner(&mut self, pat: &mut Pattern, mutable: bool) {
        self.resolve_variant_pattern(pat);
        match &mut pat.kind {
            PatKind::Bind(v) => {
                let name = Ident { name: v.name.clone(), span: v.span };
                v.slot = self.declare(&name, mutable);
            }
            PatKind::Tuple(ps) | PatKind::List(ps) => ps.iter_mut().for_each(|p| self.bind_pattern_inner(p, mutable)),
            PatKind::Struct { ty, fields } => {
                self.resolve_var(ty);
                fields.iter_mut().for_each(|(_, p)| self.bind_pattern_inner(p, mutable));
            }
            PatKind::EnumVariant { args: Some(ps), .. } => {
                ps.iter_mut().for_each(|p| self.bind_pattern_inner(p, mutable))
            }
            PatKind::Or(ps) => {
                // every alternative binds the same names to the same slots
                let mut first_slots: HashMap<Rc<str>, Slot> = HashMap::new();
                for p in ps.iter_mut() {
                    self.bind_pattern_inner(p, mutable);
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
    pub(super) fn resolve_variant_pattern(&mut self, pat: &mut Pattern) {
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
        let Some(GlobalKind::Enum { variants, .. }) = self.global_kind(ty_slot) else {
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
}

/// The names a pattern binds, counting each alternative of `p | q` once (its first).
fn pattern_names_once(pat: &Pattern, out: &mut Vec<Ident>) {
    match &pat.kind {
        PatKind::Bind(v) => out.push(Ident { name: v.name.clone(), span: v.span }),
        PatKind::Or(ps) => {
            if let Some(p) = ps.first() {
                pattern_names_once(p, out)
            }
        }
        PatKind::Tuple(ps) | PatKind::List(ps) => ps.iter().for_each(|p| pattern_names_once(p, out)),
        PatKind::Struct { fields, .. } => fields.iter().for_each(|(_, p)| pattern_names_once(p, out)),
        PatKind::Variant { args: Some(ps), .. } | PatKind::EnumVariant { args: Some(ps), .. } => {
            ps.iter().for_each(|p| pattern_names_once(p, out))
        }
        _ => {}
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
        PatKind::Struct { fields, .. } => fields.iter_mut().for_each(|(_, p)| unify_slots(p, slots)),
        PatKind::EnumVariant { args: Some(ps), .. } => ps.iter_mut().for_each(|p| unify_slots(p, slots)),
        _ => {}
    }
}
