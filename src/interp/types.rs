//! Declared types as values: a `struct`/`class`, `enum` or `trait` declaration becomes a
//! `TypeDef` (its methods closures over where it was declared, its field defaults
//! evaluated once into functions), and an `impl` adds methods to one — for module-level
//! declarations (`module::declare_items`) and for those inside functions alike.

use super::value::{TypeDef, TypeKind, Value};
use super::{Frame, Interp, R, fail};
use crate::syntax::ast::*;
use std::rc::Rc;

impl Interp {
    pub fn struct_type(&self, decl: &Rc<StructDecl>, frame: &mut Frame) -> R<Rc<TypeDef>> {
        let mut defaults = Vec::with_capacity(decl.fields.len());
        for field in &decl.fields {
            defaults.push(match &field.default {
                Some(e) => Some(self.eval(e, frame)?),
                None => None,
            });
        }
        let fields = decl.fields.iter().map(|f| f.name.name.clone()).collect();
        let def =
            TypeDef::new(decl.name.name.clone(), TypeKind::Struct(Some(decl.clone())), fields, defaults, Vec::new());
        self.with_methods(def, &decl.methods, frame)
    }

    pub fn enum_type(&self, decl: &Rc<EnumDecl>, frame: &mut Frame) -> R<Rc<TypeDef>> {
        let variants =
            decl.variants.iter().map(|v| (v.name.name.clone(), v.fields.as_ref().map(|f| f.len()))).collect();
        let def =
            TypeDef::new(decl.name.name.clone(), TypeKind::Enum(Some(decl.clone())), Vec::new(), Vec::new(), variants);
        self.with_methods(def, &decl.methods, frame)
    }

    /// A trait as a value: its members are its default methods.
    pub fn trait_type(&self, decl: &Rc<TraitDecl>, frame: &mut Frame) -> R<Rc<TypeDef>> {
        let def = TypeDef::new(decl.name.name.clone(), TypeKind::Trait, Vec::new(), Vec::new(), Vec::new());
        let defaults: Vec<Rc<FnDecl>> = decl.methods.iter().filter(|m| !m.is_abstract).cloned().collect();
        self.with_methods(def, &defaults, frame)
    }

    fn with_methods(&self, def: TypeDef, methods: &[Rc<FnDecl>], frame: &mut Frame) -> R<Rc<TypeDef>> {
        let def = Rc::new(def);
        self.add_methods(&def, methods, frame)?;
        Ok(def)
    }

    fn add_methods(&self, def: &Rc<TypeDef>, methods: &[Rc<FnDecl>], frame: &mut Frame) -> R<()> {
        for m in methods {
            let v = self.function_value(m, super::module::Owner::Type(&def.name), frame)?;
            def.set_member(m.name.name.clone(), v);
        }
        Ok(())
    }

    /// `impl [Trait for] Type`: the methods join the type; a trait's default methods
    /// join it too where the type does not define its own.
    pub fn apply_impl(&self, target: &Value, imp: &ImplDecl, trait_def: Option<Value>, frame: &mut Frame) -> R<()> {
        let Value::Type(def) = target else {
            return fail(format!("`impl` target `{}` is not a type", imp.target.name));
        };
        self.add_methods(def, &imp.methods, frame)?;
        if let Some(Value::Type(t)) = trait_def {
            let defaults: Vec<(Rc<str>, Value)> =
                t.members.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let mut members = def.members.borrow_mut();
            for (name, m) in defaults {
                members.insert_if_absent(name, m);
            }
        }
        Ok(())
    }

    /// A type declared (or an `impl` written) inside a function, when execution reaches it.
    pub fn declare_local_type(&self, stmt: &Stmt, f: &mut Frame) -> R<()> {
        match &stmt.kind {
            StmtKind::Struct(d) if d.local != Slot::Unresolved => {
                let t = self.struct_type(d, f)?;
                self.assign(d.local, Value::Type(t), f);
            }
            StmtKind::Enum(d) if d.local != Slot::Unresolved => {
                let t = self.enum_type(d, f)?;
                self.assign(d.local, Value::Type(t), f);
            }
            StmtKind::Trait(d) if d.local != Slot::Unresolved => {
                let t = self.trait_type(d, f)?;
                self.assign(d.local, Value::Type(t), f);
            }
            StmtKind::Impl(d) if d.target_local != Slot::Unresolved => {
                let target = self.load(d.target_local, f);
                let trait_def = (d.trait_local != Slot::Unresolved).then(|| self.load(d.trait_local, f));
                self.apply_impl(&target, d, trait_def, f)?;
            }
            _ => {} // module-level: declared when the module was loaded
        }
        Ok(())
    }
}
