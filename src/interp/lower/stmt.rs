//! Lowering statements and blocks, in the two modes of the syntax-tree evaluator:
//! `stmt`/`block` run for effect (`exec`, `exec_block`), `value`/`body` give the
//! value of the last statement (`stmt_value_at`, `branch_value`; in tail position a
//! `return` gives its value directly instead of unwinding as `Ctrl::Return`).

use super::expr::{at, cond, expr};
use super::{Cond, Exec, Node, Ptr};
use crate::interp::eval::{clear_slots, local_slot, loop_step, no_arm_matched, stamp};
use crate::interp::value::Value;
use crate::interp::{Ctrl, Frame, Interp, R};
use crate::syntax::ast::*;

/// A function body: its value by the implicit-return rule, tail `return`s direct.
pub fn body(b: &Block) -> Node {
    block_value(b, true)
}

/// A statement run by the syntax-tree evaluator.
fn fallback(s: &Stmt) -> Exec {
    let s = Ptr::new(s);
    Box::new(move |i, f| i.exec(s.get(), f))
}

/// A block's value (`branch_value`): its variables are cleared however it is left.
pub(super) fn block_value(b: &Block, tail: bool) -> Node {
    let Some((last, rest)) = b.stmts.split_last() else { return Box::new(|_, _| Ok(Value::Nil)) };
    let rest: Vec<Exec> = rest.iter().map(stmt).collect();
    let last = value(last, tail);
    let scope: Box<[u32]> = b.scope_slots.clone().into();
    match (rest.is_empty(), scope.is_empty()) {
        (true, true) => last,
        (false, true) => Box::new(move |i, f| {
            for s in &rest {
                s(i, f)?;
            }
            last(i, f)
        }),
        _ => Box::new(move |i, f| {
            let r = (|| {
                for s in &rest {
                    s(i, f)?;
                }
                last(i, f)
            })();
            clear_slots(&scope, f);
            r
        }),
    }
}

/// A statement's value (`stmt_value_at`): nil for statements that have none.
pub(super) fn value(s: &Stmt, tail: bool) -> Node {
    match &s.kind {
        StmtKind::Expr(e) => expr(e),
        StmtKind::Return(Some(e)) if tail => expr(e),
        StmtKind::Return(None) if tail => Box::new(|_, _| Ok(Value::Nil)),
        StmtKind::If { branches, else_ } => if_node(branches, else_, |b| block_value(b, tail)),
        StmtKind::Match { scrutinee, arms } => match_node(scrutinee, arms, |b| block_value(b, tail)),
        _ => {
            let s = stmt(s);
            Box::new(move |i, f| {
                s(i, f)?;
                Ok(Value::Nil)
            })
        }
    }
}

/// A node running a closure of type `T` (a value or `()`).
type Run<T> = Box<dyn Fn(&Interp, &mut Frame) -> R<T>>;

/// `if`/`elif`/`else`: the first branch whose condition holds runs, lowered by `branch`
/// (nil or nothing when none does and there is no `else`).
fn if_node<T: Default + 'static>(
    branches: &[(Expr, Block)],
    else_: &Option<Block>,
    branch: impl Fn(&Block) -> Run<T>,
) -> Run<T> {
    let branches: Vec<(Cond, Run<T>)> = branches.iter().map(|(c, b)| (cond(c), branch(b))).collect();
    let else_ = else_.as_ref().map(branch);
    Box::new(move |i, f| {
        for (c, b) in &branches {
            if c(i, f)? {
                return b(i, f);
            }
        }
        match &else_ {
            Some(b) => b(i, f),
            None => Ok(T::default()),
        }
    })
}

/// `match`: the first arm whose pattern (and guard) matches runs, lowered by `arm`.
fn match_node<T: 'static>(scrutinee: &Expr, arms: &[MatchArm], arm: impl Fn(&Block) -> Run<T>) -> Run<T> {
    let arms: Vec<(ArmTest, Run<T>)> = arms.iter().map(|a| (ArmTest::new(a), arm(&a.body))).collect();
    let span = scrutinee.span;
    let scrutinee = expr(scrutinee);
    if let Some(table) = VariantTable::new(&arms) {
        return Box::new(move |i, f| {
            let v = scrutinee(i, f)?;
            match table.arm(i, &v, f) {
                Some(k) => (arms[k].1)(i, f),
                None => Err(no_arm_matched(&v, span)),
            }
        });
    }
    Box::new(move |i, f| {
        let v = scrutinee(i, f)?;
        for (test, body) in &arms {
            if test.matches(i, &v, f)? {
                return body(i, f);
            }
        }
        Err(no_arm_matched(&v, span))
    })
}

/// A `match` whose arms are all unit variants of one enum (`case Kind::A | Kind::B`),
/// perhaps ending in `case _`: the arm is found by the variant's index, with the type
/// tested once (the arms in turn would each test their variants, and the type of the
/// one that has it: the same answer).
struct VariantTable {
    ty: Slot,
    /// per variant index, the first arm listing it (`NO_ARM`: none does)
    arm_of: Box<[u32]>,
    /// the `case _` arm, if the match ends with one
    otherwise: Option<usize>,
}

const NO_ARM: u32 = u32::MAX;

impl VariantTable {
    fn new<T>(arms: &[(ArmTest, Run<T>)]) -> Option<VariantTable> {
        let (otherwise, listed) = match arms.split_last()? {
            ((ArmTest::Always, _), rest) => (Some(arms.len() - 1), rest),
            _ => (None, arms),
        };
        let mut ty = None;
        let mut arm_of: Vec<u32> = Vec::new();
        for (k, (test, _)) in listed.iter().enumerate() {
            let ArmTest::Variants { ty: t, variants } = test else { return None };
            if *ty.get_or_insert(*t) != *t {
                return None;
            }
            for &v in variants.iter() {
                let v = v as usize;
                if v >= arm_of.len() {
                    arm_of.resize(v + 1, NO_ARM);
                }
                if arm_of[v] == NO_ARM {
                    arm_of[v] = k as u32;
                }
            }
        }
        Some(VariantTable { ty: ty?, arm_of: arm_of.into(), otherwise })
    }

    /// The index of the arm that matches `v`.
    #[inline]
    fn arm(&self, i: &Interp, v: &Value, f: &Frame) -> Option<usize> {
        if let Value::Enum(e) = v
            && let Some(&k) = self.arm_of.get(e.variant as usize)
            && k != NO_ARM
            && i.holds_type(self.ty, &e.def, f)
        {
            return Some(k as usize);
        }
        self.otherwise
    }
}

/// How a `match` arm is tested: the two common shapes without a guard directly,
/// anything else by `match_arm`.
enum ArmTest {
    /// `case _`
    Always,
    /// `case Kind::A` or `case Kind::A | Kind::B`: variants without payload of the type
    /// in `ty`
    Variants {
        ty: Slot,
        variants: Box<[u32]>,
    },
    Arm(Ptr<MatchArm>),
}

impl ArmTest {
    fn new(arm: &MatchArm) -> ArmTest {
        if arm.guard.is_some() {
            return ArmTest::Arm(Ptr::new(arm));
        }
        let unit_variant = |p: &Pattern| match p.kind {
            PatKind::EnumVariant { ty, variant, args: None, .. } => Some((ty, variant)),
            _ => None,
        };
        let alternatives = match &arm.pat.kind {
            PatKind::Wild => return ArmTest::Always,
            PatKind::Or(ps) => ps.iter().map(unit_variant).collect::<Option<Vec<_>>>(),
            _ => unit_variant(&arm.pat).map(|v| vec![v]),
        };
        match alternatives {
            Some(vs) if !vs.is_empty() && vs.iter().all(|(ty, _)| *ty == vs[0].0) => {
                ArmTest::Variants { ty: vs[0].0, variants: vs.iter().map(|(_, v)| *v).collect() }
            }
            _ => ArmTest::Arm(Ptr::new(arm)),
        }
    }

    #[inline]
    fn matches(&self, i: &Interp, v: &Value, f: &mut Frame) -> R<bool> {
        match self {
            ArmTest::Always => Ok(true),
            ArmTest::Variants { ty, variants } => Ok(match v {
                Value::Enum(e) => variants.contains(&e.variant) && i.holds_type(*ty, &e.def, f),
                _ => false,
            }),
            ArmTest::Arm(arm) => i.match_arm(arm.get(), v, f),
        }
    }
}

/// A block run for effect (`exec_block`).
pub(super) fn block(b: &Block) -> Exec {
    let mut stmts: Vec<Exec> = b.stmts.iter().map(stmt).collect();
    let scope: Box<[u32]> = b.scope_slots.clone().into();
    if scope.is_empty() {
        if stmts.len() == 1
            && let Some(only) = stmts.pop()
        {
            return only;
        }
        return Box::new(move |i, f| {
            for s in &stmts {
                s(i, f)?;
            }
            Ok(())
        });
    }
    Box::new(move |i, f| {
        let r = stmts.iter().try_for_each(|s| s(i, f));
        clear_slots(&scope, f);
        r
    })
}

pub fn stmt(s: &Stmt) -> Exec {
    match &s.kind {
        StmtKind::Expr(e) => {
            let e = expr(e);
            // an expression statement's value is nearly always nil (a call of a method
            // that returns nothing): dropped with the scalar test inline
            Box::new(move |i, f| e(i, f).map(Value::release))
        }
        StmtKind::Let { pat, value, .. } => {
            let value = expr(value);
            if let PatKind::Bind(VarRef { slot: Slot::Local(s), .. }) = pat.kind {
                return store_local(s, value);
            }
            if let PatKind::Bind(var) = &pat.kind {
                let slot = var.slot;
                return Box::new(move |i, f| {
                    let v = value(i, f)?;
                    i.bind(slot, v, f);
                    Ok(())
                });
            }
            let (pat, span) = (Ptr::new(pat), s.span);
            Box::new(move |i, f| {
                let v = value(i, f)?;
                i.bind_pattern(pat.get(), v, f, span)
            })
        }
        StmtKind::Assign { target, op, value } => assign(target, *op, value).unwrap_or_else(|| fallback(s)),
        StmtKind::If { branches, else_ } => if_node(branches, else_, block),
        StmtKind::While { cond: c, body } => {
            let (c, body) = (cond(c), block(body));
            Box::new(move |i, f| {
                while c(i, f)? {
                    i.check_interrupt()?;
                    if !loop_step(body(i, f))? {
                        break;
                    }
                }
                Ok(())
            })
        }
        StmtKind::Loop { body } => {
            let body = block(body);
            Box::new(move |i, f| {
                loop {
                    i.check_interrupt()?;
                    if !loop_step(body(i, f))? {
                        return Ok(());
                    }
                }
            })
        }
        StmtKind::For { pat, iter, body, shorthand: false }
            if matches!(pat.kind, PatKind::Wild | PatKind::Bind(VarRef { slot: Slot::Local(_), .. })) =>
        {
            let s = if let PatKind::Bind(VarRef { slot: Slot::Local(s), .. }) = pat.kind { Some(s) } else { None };
            let (iter, body, span) = (expr(iter), block(body), iter.span);
            Box::new(move |i, f| {
                let iterable = iter(i, f)?;
                i.for_local(s, iterable, &*body, f, span)
            })
        }
        StmtKind::For { pat, iter, body, shorthand } => {
            let (pat, shorthand, span) = (Ptr::new(pat), *shorthand, iter.span);
            let (iter, body) = (expr(iter), block(body));
            Box::new(move |i, f| {
                let iterable = iter(i, f)?;
                i.exec_for(pat.get(), shorthand, iterable, &*body, f, span)
            })
        }
        StmtKind::Break => Box::new(|_, _| Err(Ctrl::Break)),
        StmtKind::Continue => Box::new(|_, _| Err(Ctrl::Continue)),
        StmtKind::Return(v) => {
            let v = v.as_ref().map(expr);
            Box::new(move |i, f| {
                let v = match &v {
                    Some(e) => e(i, f)?,
                    None => Value::Nil,
                };
                Err(i.ret(v))
            })
        }
        StmtKind::Match { scrutinee, arms } => match_node(scrutinee, arms, block),
        _ => fallback(s),
    }
}

/// `x = v` and `let x = v` into local `s`: the value stored in the slot.
fn store_local(s: u32, value: Node) -> Exec {
    Box::new(move |i, f| {
        let v = value(i, f)?;
        Value::put(&mut f.slots[s as usize], v);
        Ok(())
    })
}

/// `target = value`, `target op= value` for a variable, a local's field or an index;
/// `None` for the other targets (the syntax-tree evaluator runs those).
fn assign(target: &Expr, op: Option<BinOp>, value: &Expr) -> Option<Exec> {
    let (target_span, value_span) = (target.span, value.span);
    Some(match &target.kind {
        ExprKind::Var(v) => {
            let (slot, value, span) = (v.slot, expr(value), target_span.to(value_span));
            match (slot, op) {
                (Slot::Local(s), None) => store_local(s, value),
                (Slot::Local(s), Some(op)) => super::ops::update_local(op, s, value, span),
                (Slot::Global(g), Some(op)) => super::ops::update_global(op, g, value, span),
                _ => Box::new(move |i, f| {
                    let v = value(i, f)?;
                    i.assign_var_op(slot, op, v, f, span)
                }),
            }
        }
        ExprKind::Index(base, index) => {
            let (base, index, value) = (expr(base), expr(index), expr(value));
            Box::new(move |i, f| {
                let container = base(i, f)?;
                let k = index(i, f)?;
                let v = value(i, f)?;
                i.assign_index_op(&container, k, op, v, target_span, value_span)
            })
        }
        ExprKind::Field(base, name, cache) => {
            let (name, cache, value) = (Ptr::new(name), Ptr::new(cache), expr(value));
            if let Some(s) = local_slot(base) {
                if op.is_none() {
                    // `self.input = p`: the store alone (its cache hit inline)
                    return Some(Box::new(move |i, f| {
                        let v = value(i, f)?;
                        at(target_span, i.set_field_at(&f.slots[s as usize], name.get(), cache.get(), v))
                    }));
                }
                return Some(Box::new(move |i, f| {
                    let v = value(i, f)?;
                    i.assign_field_op(&f.slots[s as usize], name.get(), cache.get(), op, v, target_span, value_span)
                }));
            }
            // `sched.count += 1`, `a.b.c = v`: the object first, then the value (as `exec_assign`)
            let base = expr(base);
            Box::new(move |i, f| {
                let obj = base(i, f)?;
                let v = value(i, f)?;
                i.assign_field_op(&obj, name.get(), cache.get(), op, v, target_span, value_span)
            })
        }
        ExprKind::Slice(base, parts) if op.is_none() => {
            // the container, the bounds, then the value (as `exec_assign`)
            let (base, parts, value) = (expr(base), super::collections::Slice::new(parts), expr(value));
            Box::new(move |i, f| {
                let container = base(i, f)?;
                let (a, b, c) = parts.bounds(i, f)?;
                let v = value(i, f)?;
                i.set_slice(&container, &a, &b, &c, v).map_err(|e| stamp(e, target_span))
            })
        }
        _ => return None,
    })
}
