//! Lowering the expressions that build values: struct literals, tuples, dicts,
//! comprehensions, interpolated strings, slices and comparison chains. Each does what
//! its branch of `eval_rare` does, with the parts as nodes.

use super::expr::{at, cond, expr};
use super::{Cond, Node, Ptr};
use crate::interp::collections::Building;
use crate::interp::eval::clear_slots;
use crate::interp::ops::truthy_value;
use crate::interp::value::{StructValue, Value};
use crate::interp::{Frame, Interp, R};
use crate::syntax::ast::*;
use std::cell::Cell;
use std::rc::Rc;

/// `T { a: x, b: y }`. A type whose fields are written in declaration order (and that
/// has no defaults) is built without name lookups; the check is made once per type
/// (`in_order` holds the id of the last type that passed it: ids are never reused).
pub fn struct_new(ty: &Expr, fields: &[(Ident, Expr)], span: Span) -> Node {
    let ty = expr(ty);
    let names: Vec<Ident> = fields.iter().map(|(n, _)| n.clone()).collect();
    let values: Vec<Node> = fields.iter().map(|(_, x)| expr(x)).collect();
    let in_order = Cell::new(0u64);
    Box::new(move |i, f| {
        let t = ty(i, f)?;
        if let Value::Type(def) = &t {
            let fits = in_order.get() == def.id || Interp::fields_in_order(def, names.iter());
            if fits {
                in_order.set(def.id);
                let mut out = Vec::with_capacity(values.len());
                for x in &values {
                    out.push(x(i, f)?);
                }
                return Ok(Value::Struct(Rc::new(StructValue::new(def.clone(), out))));
            }
        }
        let mut out = Vec::with_capacity(values.len());
        for (n, x) in names.iter().zip(&values) {
            out.push((n.clone(), x(i, f)?));
        }
        at(span, i.make_struct(t, out))
    })
}

/// Evaluates nodes in order into a vector.
fn all(nodes: &[Node], i: &Interp, f: &mut Frame) -> R<Vec<Value>> {
    let mut out = Vec::with_capacity(nodes.len());
    for x in nodes {
        out.push(x(i, f)?);
    }
    Ok(out)
}

pub fn list(items: &[Expr]) -> Node {
    let items: Vec<Node> = items.iter().map(expr).collect();
    Box::new(move |i, f| Ok(Value::list(all(&items, i, f)?)))
}

pub fn tuple(items: &[Expr]) -> Node {
    let items: Vec<Node> = items.iter().map(expr).collect();
    Box::new(move |i, f| Ok(Value::tuple(all(&items, i, f)?)))
}

pub fn dict(pairs: &[(Expr, Expr)], span: Span) -> Node {
    let pairs: Vec<(Node, Node)> = pairs.iter().map(|(k, v)| (expr(k), expr(v))).collect();
    Box::new(move |i, f| {
        let mut entries = Vec::with_capacity(pairs.len());
        for (k, v) in &pairs {
            entries.push((k(i, f)?, v(i, f)?));
        }
        at(span, i.make_dict(entries))
    })
}

/// `"a {x} b {y:>4}"`.
pub fn interpolated(parts: &[InterpPart]) -> Node {
    enum Part {
        Lit(Rc<str>),
        Shown(Node),
        Formatted(Node, Rc<crate::syntax::format_spec::FormatSpec>, Span),
    }
    let parts: Vec<Part> = parts
        .iter()
        .map(|p| match p {
            InterpPart::Lit(s) => Part::Lit(s.clone()),
            InterpPart::Expr(x, None) => Part::Shown(expr(x)),
            InterpPart::Expr(x, Some(spec)) => Part::Formatted(expr(x), spec.clone(), x.span),
        })
        .collect();
    Box::new(move |i, f| {
        let mut out = String::new();
        for p in &parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Shown(x) => x(i, f)?.write_display(&mut out, false),
                Part::Formatted(x, spec, span) => {
                    let v = x(i, f)?;
                    out.push_str(&at(*span, crate::interp::format::format_value(&v, spec))?);
                }
            }
        }
        Ok(Value::str(out))
    })
}

/// `xs[a:b:c]`.
pub fn slice(base: &Expr, parts: &SliceParts, span: Span) -> Node {
    let (base, parts) = (expr(base), Slice::new(parts));
    Box::new(move |i, f| {
        let v = base(i, f)?;
        let (a, b, c) = parts.bounds(i, f)?;
        at(span, i.slice(&v, &a, &b, &c))
    })
}

/// The bounds of `[start:end:step]` as nodes (`slice_parts`'s twin).
pub struct Slice {
    start: Option<Node>,
    end: Option<Node>,
    step: Option<Node>,
}

impl Slice {
    pub fn new(parts: &SliceParts) -> Slice {
        let part = |p: &Option<Expr>| p.as_ref().map(expr);
        Slice { start: part(&parts.start), end: part(&parts.end), step: part(&parts.step) }
    }

    /// start, end and step, in that order (`nil` for one left out). Inline: the three
    /// values were built in a tuple and copied out of it again (`xs[i:i + k]`).
    #[inline(always)]
    pub fn bounds(&self, i: &Interp, f: &mut Frame) -> R<(Value, Value, Value)> {
        let start = bound(&self.start, i, f)?;
        let end = bound(&self.end, i, f)?;
        Ok((start, end, bound(&self.step, i, f)?))
    }
}

#[inline(always)]
fn bound(part: &Option<Node>, i: &Interp, f: &mut Frame) -> R<Value> {
    match part {
        Some(x) => x(i, f),
        None => Ok(Value::Nil),
    }
}

/// `a < b <= c`: each operand evaluated once, stopping at the first false link.
pub fn compare_chain(first: &Expr, rest: &[(BinOp, Expr)], span: Span) -> Node {
    let first = expr(first);
    let rest: Vec<(BinOp, Node)> = rest.iter().map(|(op, e)| (*op, expr(e))).collect();
    Box::new(move |i, f| {
        let r = (|| {
            let mut left = first(i, f)?;
            for (op, e) in &rest {
                let right = e(i, f)?;
                if !truthy_value(&i.binary(*op, left, right.clone())?) {
                    return Ok(Value::Bool(false));
                }
                left = right;
            }
            Ok(Value::Bool(true))
        })();
        at(span, r)
    })
}

enum Clause {
    If(Cond),
    For {
        pat: Ptr<Pattern>,
        shorthand: bool,
        /// the pattern's slot when it is a plain local (the item is stored directly)
        slot: Option<u32>,
        iter: Node,
        span: Span,
    },
}

enum Element {
    Item(Node, Span),
    Entry(Node, Span, Node),
}

struct Comp {
    kind: Ptr<CompKind>,
    element: Element,
    clauses: Vec<Clause>,
    scope: Box<[u32]>,
}

/// `[e for x in it if c]`, `{e for ...}`, `{k: v for ...}` (as `eval_comprehension`).
pub fn comprehension(c: &Comprehension, span: Span) -> Node {
    let element = match &c.kind {
        CompKind::List(e) | CompKind::Set(e) => Element::Item(expr(e), e.span),
        CompKind::Dict(k, v) => Element::Entry(expr(k), k.span, expr(v)),
    };
    let clauses = (c.clauses.iter())
        .map(|cl| match cl {
            CompClause::If(c) => Clause::If(cond(c)),
            CompClause::For { pat, iter, shorthand } => {
                let slot = match pat.kind {
                    PatKind::Bind(VarRef { slot: Slot::Local(s), .. }) if !*shorthand => Some(s),
                    _ => None,
                };
                Clause::For { pat: Ptr::new(pat), shorthand: *shorthand, slot, iter: expr(iter), span: iter.span }
            }
        })
        .collect();
    let comp = Comp { kind: Ptr::new(&c.kind), element, clauses, scope: c.scope_slots.clone().into() };
    Box::new(move |i, f| {
        let mut out = Building::new(comp.kind.get());
        let r = comp.clause(0, i, f, &mut out);
        clear_slots(&comp.scope, f);
        at(span, r)?;
        Ok(out.finish())
    })
}

impl Comp {
    fn clause(&self, k: usize, i: &Interp, f: &mut Frame, out: &mut Building) -> R<()> {
        let Some(clause) = self.clauses.get(k) else { return self.element(i, f, out) };
        match clause {
            Clause::If(c) => {
                if c(i, f)? {
                    self.clause(k + 1, i, f, out)?;
                }
            }
            Clause::For { pat, shorthand, slot, iter, span } => {
                let iterable = iter(i, f)?;
                let mut it = at(*span, i.iterate(iterable))?;
                if k == 0 {
                    // the outer loop's length sizes the result once (a set or dict
                    // otherwise rehashes as it grows)
                    out.reserve(it.known_len());
                }
                let mut index = 0;
                while let Some(item) = it.next_value(i) {
                    i.spend_step()?;
                    match slot {
                        Some(s) => f.slots[*s as usize] = item,
                        None => i.bind_for_item(pat.get(), *shorthand, index, item, f)?,
                    }
                    self.clause(k + 1, i, f, out)?;
                    index += 1;
                }
            }
        }
        Ok(())
    }

    fn element(&self, i: &Interp, f: &mut Frame, out: &mut Building) -> R<()> {
        match &self.element {
            Element::Item(e, span) => out.push(e(i, f)?, *span),
            Element::Entry(k, span, v) => {
                let key = k(i, f)?;
                Building::check_key(&key, *span)?;
                let value = v(i, f)?;
                out.insert(key, value)
            }
        }
    }
}
