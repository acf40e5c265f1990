//! Building collections: dict and set literals, set algebra, comprehensions
//! (`[e for x in it if c]`, `{k: v for ...}`, `{e for ...}`), and the `for a, b in it`
//! shorthand shared by `for` loops and comprehensions.

use super::dict::{Dict, check_key};
use super::eval::clear_slots;
use super::value::*;
use super::{Ctrl, Frame, Interp, R};
use crate::syntax::ast::{BinOp, CompClause, CompKind, Comprehension, PatKind, Pattern, Span};
use std::cell::RefCell;
use std::rc::Rc;

/// `|`, `&`, `-`, `^` on two sets (`None` for other operators). Results keep the order
/// of the left operand, then the right.
pub fn set_op(op: BinOp, x: &Shared<Dict>, y: &Shared<Dict>) -> Option<Value> {
    let (a, b) = (x.borrow(), y.borrow());
    let mut out = Dict::new();
    match op {
        BinOp::BitOr => {
            for (k, _) in a.iter().chain(b.iter()) {
                out.insert(k.clone(), Value::Nil);
            }
        }
        BinOp::BitAnd => a.iter().filter(|(k, _)| b.contains_key(k)).for_each(|(k, _)| {
            out.insert(k.clone(), Value::Nil);
        }),
        BinOp::Sub => a.iter().filter(|(k, _)| !b.contains_key(k)).for_each(|(k, _)| {
            out.insert(k.clone(), Value::Nil);
        }),
        BinOp::BitXor => {
            for (k, _) in
                a.iter().filter(|(k, _)| !b.contains_key(k)).chain(b.iter().filter(|(k, _)| !a.contains_key(k)))
            {
                out.insert(k.clone(), Value::Nil);
            }
        }
        _ => return None,
    }
    Some(Value::Set(Rc::new(RefCell::new(out))))
}

/// What a comprehension is building (shared by both evaluators).
pub enum Building {
    List(Vec<Value>),
    Set(Dict),
    Dict(Dict),
}

impl Building {
    pub fn new(kind: &CompKind) -> Building {
        match kind {
            CompKind::List(_) => Building::List(Vec::new()),
            CompKind::Set(_) => Building::Set(Dict::new()),
            CompKind::Dict(..) => Building::Dict(Dict::new()),
        }
    }

    /// Makes room for `n` more elements, at most `MAX_RESERVE` (a filter may keep few
    /// of a long range's values).
    pub fn reserve(&mut self, n: Option<usize>) {
        const MAX_RESERVE: usize = 1 << 12;
        let n = n.unwrap_or(0).min(MAX_RESERVE);
        match self {
            Building::List(items) => items.reserve(n),
            Building::Set(d) | Building::Dict(d) => d.reserve(n),
        }
    }

    /// Adds an element of a list or set comprehension (`span`: the element's).
    pub fn push(&mut self, v: Value, span: Span) -> R<()> {
        match self {
            Building::List(items) => items.push(v),
            Building::Set(d) => {
                check_key(&v)
                    .map_err(|m| super::eval::stamp(Ctrl::error(m.replace("Dict key", "Set element")), span))?;
                d.insert(v, Value::Nil);
            }
            Building::Dict(_) => return super::fail("internal error: comprehension kind mismatch"),
        }
        Ok(())
    }

    /// Checks a dict comprehension's key before its value is evaluated (`span`: the key's).
    pub fn check_key(key: &Value, span: Span) -> R<()> {
        check_key(key).map_err(|m| super::eval::stamp(Ctrl::error(m), span))
    }

    /// Adds an entry of a dict comprehension (its key checked with `check_key`).
    pub fn insert(&mut self, key: Value, value: Value) -> R<()> {
        let Building::Dict(d) = self else { return super::fail("internal error: comprehension kind mismatch") };
        d.insert(key, value);
        Ok(())
    }

    pub fn finish(self) -> Value {
        match self {
            Building::List(items) => Value::list(items),
            Building::Set(d) => Value::Set(Rc::new(RefCell::new(d))),
            Building::Dict(d) => Value::Dict(Rc::new(RefCell::new(d))),
        }
    }
}

impl Interp {
    pub fn make_dict(&self, entries: Vec<(Value, Value)>) -> R<Value> {
        let mut d = Dict::new();
        for (k, v) in entries {
            check_key(&k).map_err(Ctrl::error)?;
            d.insert(k, v);
        }
        Ok(Value::Dict(Rc::new(RefCell::new(d))))
    }

    pub fn make_set(&self, items: Vec<Value>) -> R<Value> {
        let mut d = Dict::new();
        for k in items {
            check_key(&k).map_err(|e| Ctrl::error(e.replace("Dict key", "Set element")))?;
            d.insert(k, Value::Nil);
        }
        Ok(Value::Set(Rc::new(RefCell::new(d))))
    }

    /// Binds one item of a `for` loop or comprehension clause. With the shorthand
    /// `for a, b in it`, an item that is not a pair gives `a` its index and `b` itself.
    pub fn bind_for_item(&self, pat: &Pattern, shorthand: bool, index: i64, item: Value, f: &mut Frame) -> R<()> {
        let item = match (&pat.kind, shorthand) {
            (PatKind::Tuple(parts), true) if parts.len() == 2 && !is_pair(&item) => {
                Value::tuple(vec![Value::Int(index), item])
            }
            _ => item,
        };
        self.bind_pattern(pat, item, f, pat.span)
    }

    pub fn eval_comprehension(&self, c: &Comprehension, f: &mut Frame, span: Span) -> R<Value> {
        let mut out = Building::new(&c.kind);
        let r = self.comp_clause(c, 0, f, &mut out);
        clear_slots(&c.scope_slots, f);
        r.map_err(|e| super::eval::stamp(e, span))?;
        Ok(out.finish())
    }

    fn comp_clause(&self, c: &Comprehension, i: usize, f: &mut Frame, out: &mut Building) -> R<()> {
        let Some(clause) = c.clauses.get(i) else {
            return self.comp_element(&c.kind, f, out);
        };
        match clause {
            CompClause::If(cond) => {
                if self.truthy(cond, f)? {
                    self.comp_clause(c, i + 1, f, out)?;
                }
            }
            CompClause::For { pat, iter, shorthand } => {
                let iterable = self.eval(iter, f)?;
                let mut it = self.iterate(iterable).map_err(|e| super::eval::stamp(e, iter.span))?;
                let mut index = 0;
                while let Some(item) = it.next_value(self) {
                    self.spend_step()?;
                    self.bind_for_item(pat, *shorthand, index, item, f)?;
                    self.comp_clause(c, i + 1, f, out)?;
                    index += 1;
                }
            }
        }
        Ok(())
    }

    fn comp_element(&self, kind: &CompKind, f: &mut Frame, out: &mut Building) -> R<()> {
        match kind {
            CompKind::List(e) | CompKind::Set(e) => out.push(self.eval(e, f)?, e.span),
            CompKind::Dict(k, v) => {
                let key = self.eval(k, f)?;
                Building::check_key(&key, k.span)?;
                let value = self.eval(v, f)?;
                out.insert(key, value)
            }
        }
    }
}

fn is_pair(v: &Value) -> bool {
    matches!(v, Value::Tuple(t) if t.len() == 2)
}
