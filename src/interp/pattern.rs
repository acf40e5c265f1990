//! Pattern matching: `let`/`for` destructuring, `match` arms with guards, and `?`.

use super::value::{TypeDef, Value};
use super::{Ctrl, Frame, Interp, R, fail};
use crate::syntax::ast::*;
use std::rc::Rc;

impl Interp {
    /// Binds an irrefutable pattern (`let (a, b) = ...`); a mismatch is a runtime error.
    pub fn bind_pattern(&self, pat: &Pattern, v: Value, f: &mut Frame, span: Span) -> R<()> {
        if let PatKind::Bind(var) = &pat.kind {
            self.bind(var.slot, v, f);
            return Ok(());
        }
        if self.match_pattern(pat, &v, f)? {
            Ok(())
        } else {
            Err(super::eval::stamp(Ctrl::error(format!("pattern does not match {}", v.repr())), span))
        }
    }

    /// Drops what a pattern bound (a loop variable once its loop is over).
    pub fn clear_bindings(&self, pat: &Pattern, f: &mut Frame) {
        match &pat.kind {
            PatKind::Bind(v) => {
                if let Slot::Local(s) | Slot::LocalCell(s) = v.slot
                    && let Some(slot) = f.slots.get_mut(s as usize)
                {
                    *slot = Value::Nil;
                }
            }
            PatKind::Tuple(ps) | PatKind::List(ps) | PatKind::Or(ps) => {
                ps.iter().for_each(|p| self.clear_bindings(p, f))
            }
            PatKind::EnumVariant { args: Some(ps), .. } => ps.iter().for_each(|p| self.clear_bindings(p, f)),
            PatKind::Struct { fields, .. } => fields.iter().for_each(|(_, p)| self.clear_bindings(p, f)),
            _ => {}
        }
    }

    pub fn match_arm(&self, arm: &MatchArm, v: &Value, f: &mut Frame) -> R<bool> {
        if !self.match_pattern(&arm.pat, v, f)? {
            return Ok(false);
        }
        match &arm.guard {
            None => Ok(true),
            Some(g) => self.truthy(g, f),
        }
    }

    /// Whether the variable `slot` holds the type `def` (a module-level type is looked
    /// at where it lies).
    #[inline]
    pub fn holds_type(&self, slot: Slot, def: &Rc<TypeDef>, f: &Frame) -> bool {
        match slot {
            Slot::Global(g) => self.globals.holds_type(g, def),
            _ => matches!(self.load(slot, f), Value::Type(t) if Rc::ptr_eq(&t, def)),
        }
    }

    /// Tests a pattern, binding its names on success.
    pub fn match_pattern(&self, pat: &Pattern, v: &Value, f: &mut Frame) -> R<bool> {
        Ok(match &pat.kind {
            PatKind::Wild => true,
            PatKind::Bind(var) => {
                self.bind(var.slot, v.clone(), f);
                true
            }
            PatKind::Lit(e) => {
                let lit = self.eval(e, f)?;
                super::value::values_equal(&lit, v)
            }
            PatKind::Tuple(ps) => match v {
                Value::Tuple(items) => self.match_all(ps, items, f)?,
                _ => false,
            },
            PatKind::List(ps) => match v {
                Value::List(items) => {
                    let items = items.borrow().clone();
                    self.match_all(ps, &items, f)?
                }
                _ => false,
            },
            PatKind::EnumVariant { ty, variant, args, .. } => {
                let Value::Enum(e) = v else { return Ok(false) };
                // another variant cannot match, whatever the type: skip loading the type
                if e.variant != *variant {
                    return Ok(false);
                }
                if !self.holds_type(*ty, &e.def, f) {
                    return Ok(false);
                }
                match args {
                    None => true,
                    // `Some(x)`, `Ok(v)`, `Err(e)`: one plain name, the commonest arm
                    Some(ps)
                        if let [Pattern { kind: PatKind::Bind(var), .. }] = &ps[..]
                            && let [field] = &e.fields[..] =>
                    {
                        self.bind(var.slot, field.clone(), f);
                        true
                    }
                    Some(ps) => self.match_all(ps, &e.fields, f)?,
                }
            }
            PatKind::Or(ps) => {
                for p in ps {
                    if self.match_pattern(p, v, f)? {
                        return Ok(true);
                    }
                }
                false
            }
            PatKind::Struct { ty, fields } => {
                let (Value::Struct(s), Value::Type(def)) = (v, self.load(ty.slot, f)) else { return Ok(false) };
                if !std::rc::Rc::ptr_eq(&s.def, &def) {
                    return Ok(false);
                }
                for (name, p) in fields {
                    let Some(i) = def.field_index(&name.name) else {
                        return fail(format!("`{}` has no field `{}`", def.name, name.name));
                    };
                    let field = s.fields.borrow()[i].clone();
                    if !self.match_pattern(p, &field, f)? {
                        return Ok(false);
                    }
                }
                true
            }
            PatKind::Variant { .. } => return fail("internal error: unresolved variant pattern"),
        })
    }

    fn match_all(&self, ps: &[Pattern], items: &[Value], f: &mut Frame) -> R<bool> {
        if ps.len() != items.len() {
            return Ok(false);
        }
        for (p, item) in ps.iter().zip(items) {
            if !self.match_pattern(p, item, f)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Postfix `?`: unwraps `Some`/`Ok`, returns `None`/`Err(e)` from the function.
    /// (`take_payload`: a value the `?` alone holds, as a native's result is, gives its
    /// payload up without a copy.)
    pub fn try_unwrap(&self, v: Value) -> R<Value> {
        if let Value::Enum(e) = &v {
            let is_option = std::rc::Rc::ptr_eq(&e.def, &self.types.option);
            let is_result = std::rc::Rc::ptr_eq(&e.def, &self.types.result);
            match (is_option, is_result, e.variant) {
                (true, _, 1) | (_, true, 0) => return Ok(take_payload(v)),
                (true, _, 0) | (_, true, 1) => return Err(self.ret(v.clone())),
                _ => {}
            }
        }
        let hint = if matches!(v, Value::Task(_)) { "; did you forget `await`? (`await f()?`)" } else { "" };
        fail(format!("`?` needs an Option or a Result, got {}{hint}", v.type_name()))
    }
}

/// The first payload value of `Some(x)`/`Ok(x)`: moved out when nothing else holds the
/// enum value, cloned otherwise.
fn take_payload(v: Value) -> Value {
    let Value::Enum(e) = v else { return Value::Nil };
    match std::rc::Rc::try_unwrap(e) {
        Ok(owned) => match owned.fields {
            crate::interp::value::Payload::One(x) => x,
            other => other.first().cloned().unwrap_or_default(),
        },
        Err(shared) => shared.fields.first().cloned().unwrap_or_default(),
    }
}
