//! The async evaluator: the spine of statements and expressions that contain `await`
//! (the resolver marks them). Everything await-free inside is handed to the synchronous
//! evaluator, so async code pays for boxed futures only where it can suspend. Loops in
//! async bodies also come here, to yield to other tasks now and then (fairness).
//!
//! Boxes: a statement list (`exec_stmts_async`, with `exec_leaf_async` for the rarer
//! kinds) runs inline, in its own future, every await statement whose own blocks cannot
//! suspend — `await e`, `x = await e`, `return await e`, a `match`/`if` on an await
//! with await-free arms — and a `match`, or an `if` on conditions that cannot suspend,
//! whose taken arm awaits boxes only that arm (`exec_block_async`); it hands the rest
//! (loops, `with`) to the boxed `exec_async`. So a loop body costs no allocation per
//! iteration for its awaits; the box is per loop, per async call and per nested block
//! that awaits and runs.
//!
//! What cannot suspend runs as evaluation trees when the body was prepared
//! (`lower::async_body`): statements, blocks and conditions (`*_in_async`).
//!
//! Loops: an await-free loop (a `while` whose condition and body, a `loop` or `for`
//! whose body contain no `await`) runs on the synchronous evaluator in bursts of up to
//! 1,024 iterations (`sync_burst`) with a `fairness_yield` between bursts; any other loop
//! calls `fairness_point` at its back-edge (a yield on every 1,024th call, counted per
//! interpreter). Expressions are in `eval_async_expr`.
//!
//! Two macros pick the evaluator for a sub-expression: `eval_m!` goes through
//! `eval_awaitish`, which evaluates `await x` and `(await x)?` — the shapes almost every
//! await has — without boxing a future per level, and anything else through the boxed
//! `eval_async`; `eval_b!` always uses `eval_async`, where `eval_awaitish` would contain
//! itself (callees and arguments inside `eval_await`). `eval_await`: an async function,
//! method or native called directly under `await` runs inline (no Task); anything else is
//! evaluated and, if it is a Task, waited for (`await_value`); other values are returned.

use super::call::Args;
use super::eval::{loop_step, stamp};
use super::value::{NativeKind, Value};
use super::{BoxFut, Ctrl, Frame, Interp, R};
use crate::syntax::ast::*;

/// Evaluates `e` synchronously unless it contains `await`.
/// Like `eval_m!` but through the boxed `eval_async` (breaks the async recursion).
macro_rules! eval_b {
    ($self:ident, $e:expr, $f:ident) => {
        if $e.has_await { $self.eval_async($e, $f).await } else { $self.eval($e, $f) }
    };
}

macro_rules! eval_m {
    ($self:ident, $e:expr, $f:ident) => {
        if $e.has_await { $self.eval_awaitish($e, $f).await } else { $self.eval($e, $f) }
    };
}
pub(super) use {eval_b, eval_m};

/// `eval_await(inner)`, with a cached async native method's future awaited right here
/// when `ready_native_future` can make it.
macro_rules! await_inner {
    ($self:ident, $inner:expr, $f:ident) => {
        match $self.ready_native_future($inner, $f) {
            Some(Ok(fut)) => fut.await.map_err(|c| stamp(c, $inner.span)),
            Some(Err(c)) => Err(stamp(c, $inner.span)),
            None => $self.eval_await($inner, $f).await,
        }
    };
}
pub(super) use await_inner;

/// `await x` and `(await x)?` — the shapes almost every await has — straight through
/// `eval_await`; anything else through the boxed `eval_async`. The body of
/// `eval_awaitish`, and expanded in `exec_stmts_async` for a statement's own expression
/// (`eval_stmt_expr!`), where it saves a future level on every poll of the task.
macro_rules! await_shapes {
    ($self:ident, $e:expr, $f:ident) => {
        match &$e.kind {
            ExprKind::Await(inner) => await_inner!($self, inner, $f).map_err(|c| stamp(c, $e.span)),
            ExprKind::Try(x) if matches!(x.kind, ExprKind::Await(_)) => {
                let ExprKind::Await(inner) = &x.kind else { unreachable!("matched above") };
                match await_inner!($self, inner, $f) {
                    Ok(v) => $self.try_unwrap(v).map_err(|c| stamp(c, $e.span)),
                    Err(c) => Err(stamp(c, x.span)),
                }
            }
            _ => $self.eval_async($e, $f).await,
        }
    };
}
pub(super) use await_shapes;

macro_rules! eval_stmt_expr {
    ($self:ident, $e:expr, $f:ident) => {
        if $e.has_await { await_shapes!($self, $e, $f) } else { $self.eval($e, $f) }
    };
}

/// The statement loop of `exec_stmts_async` and `exec_body_async`: each statement's
/// value in turn, the last one the result; `$extra` arms come first (`$stmt` names
/// the statement in them).
macro_rules! run_stmts_async {
    ($self:ident, $stmts:expr, $f:ident, $stmt:ident, { $($extra:tt)* }) => {{
        let mut last = Value::Nil;
        for $stmt in $stmts {
            last = if !$stmt.has_await {
                $self.stmt_value_in_async($stmt, $f)?
            } else {
                match &$stmt.kind {
                    $($extra)*
                    StmtKind::Expr(e) => eval_stmt_expr!($self, e, $f)?,
                    StmtKind::Let { pat, value, .. } => {
                        let v = eval_stmt_expr!($self, value, $f)?;
                        $self.bind_pattern(pat, v, $f, $stmt.span)?;
                        Value::Nil
                    }
                    // `x = await e`, `total += await t`
                    StmtKind::Assign { target, op, value } if let ExprKind::Var(v) = &target.kind => {
                        let rhs = eval_stmt_expr!($self, value, $f)?;
                        $self.assign_var_value(v, *op, rhs, target, value, $f)?;
                        Value::Nil
                    }
                    // an arm that awaits gets a boxed future only when it is taken
                    StmtKind::Match { scrutinee, arms } => {
                        let v = eval_stmt_expr!($self, scrutinee, $f)?;
                        let arm = if arms.iter().any(|a| a.guard.as_ref().is_some_and(|g| g.has_await)) {
                            $self.select_arm(arms, &v, scrutinee.span, $f).await?
                        } else {
                            $self.select_arm_now(arms, &v, scrutinee.span, $f)?
                        };
                        if block_has_await(&arm.body) {
                            $self.exec_block_async(&arm.body, $f).await?
                        } else {
                            $self.block_value_in_async(&arm.body, $f)?
                        }
                    }
                    // `if` on conditions that cannot suspend: a block that awaits gets a
                    // boxed future only when its branch is taken (not on every pass of a
                    // loop that tests `if i % 1000 == 0: await flush()`)
                    StmtKind::If { branches, else_ } if branches.iter().all(|(c, _)| !c.has_await) => {
                        match $self.taken_branch($stmt, branches, else_.as_ref(), $f)? {
                            Some(b) if block_has_await(b) => $self.exec_block_async(b, $f).await?,
                            Some(b) => $self.block_value_in_async(b, $f)?,
                            None => Value::Nil,
                        }
                    }
                    // loops and `with` get their boxed future straight away
                    StmtKind::Loop { .. } | StmtKind::While { .. } | StmtKind::For { .. } | StmtKind::With { .. } => {
                        $self.exec_async($stmt, $f).await?
                    }
                    _ => $self.exec_leaf_async($stmt, $f).await?,
                }
            };
        }
        Ok(last)
    }};
}

/// `loop:` whose body can suspend (in `exec_async`, and inline in `exec_body_async`).
macro_rules! suspending_loop {
    ($self:ident, $f:ident, $body:expr) => {
        loop {
            let r = $self.exec_stmts_async(&$body.stmts, $f).await;
            if !Self::end_of_body($body, $f, r)? {
                break;
            }
            $self.fairness_point().await;
        }
    };
}

/// `while cond:` whose body can suspend (in `exec_async`, and inline in
/// `exec_body_async`); a condition that cannot suspend is tested synchronously.
macro_rules! suspending_while {
    ($self:ident, $f:ident, $stmt:expr, $cond:expr, $body:expr) => {
        loop {
            let go = if $cond.has_await {
                $self.truthy_async($cond, $f).await?
            } else {
                $self.while_cond($stmt, $cond, $f)?
            };
            if !go {
                break;
            }
            let r = $self.exec_stmts_async(&$body.stmts, $f).await;
            if !Self::end_of_body($body, $f, r)? {
                break;
            }
            $self.fairness_point().await;
        }
    };
}

/// `for pat in iter:` whose body can suspend (in `exec_async`, and inline in
/// `exec_body_async`).
macro_rules! suspending_for {
    ($self:ident, $f:ident, $pat:expr, $iter:expr, $body:expr, $shorthand:expr) => {{
        let iterable = eval_m!($self, $iter, $f)?;
        let mut it = $self.iterate(iterable).map_err(|e| stamp(e, $iter.span))?;
        let mut index = 0;
        while let Some(item) = it.next_value($self) {
            $self.bind_for_item($pat, *$shorthand, index, item, $f)?;
            index += 1;
            let r = $self.exec_stmts_async(&$body.stmts, $f).await;
            if !Self::end_of_body($body, $f, r)? {
                break;
            }
            $self.fairness_point().await;
        }
        $self.clear_bindings($pat, $f);
    }};
}

pub(super) fn block_has_await(b: &Block) -> bool {
    b.stmts.iter().any(|s| s.has_await)
}

/// Whether calling `v` produces a future (async fn, async native, or bound async method).
pub fn is_async_callable(v: &Value) -> bool {
    match v {
        Value::Func(c) => c.decl.is_async,
        Value::Native(n) => matches!(n.kind, NativeKind::Async(_)),
        Value::Bound(b) => is_async_callable(&b.1),
        _ => false,
    }
}

impl Interp {
    /// Runs a block; its value is that of its last statement if it is an expression
    /// (the result of an `async { }` block).
    pub fn exec_block_async<'a>(&'a self, block: &'a Block, f: &'a mut Frame) -> BoxFut<'a> {
        Box::pin(async move {
            let r = self.exec_body_async(&block.stmts, f).await;
            super::eval::clear_scope(block, f);
            r
        })
    }

    /// A block inside async code, without a box of its own: synchronously when nothing
    /// in it can suspend. (Recursion goes through `exec_async`, which is boxed.)
    async fn run_block(&self, block: &Block, f: &mut Frame) -> R<Value> {
        if !block_has_await(block) {
            return self.block_value_in_async(block, f);
        }
        let r = self.exec_stmts_async(&block.stmts, f).await;
        super::eval::clear_scope(block, f);
        r
    }

    /// An await-free statement's value, through its evaluation tree when its body was
    /// prepared (`lower::async_body`), else walking the syntax (a top-level statement).
    #[inline]
    fn stmt_value_in_async(&self, stmt: &Stmt, f: &mut Frame) -> R<Value> {
        match stmt.tree.value() {
            Some(tree) => tree(self, f),
            None => self.stmt_value(stmt, f),
        }
    }

    /// `exec_block_value` of an await-free block of async code, as `stmt_value_in_async`.
    #[inline]
    fn block_value_in_async(&self, block: &Block, f: &mut Frame) -> R<Value> {
        match block.tree.value() {
            Some(tree) => tree(self, f),
            None => self.exec_block_value(block, f),
        }
    }

    /// `exec_block` of an await-free loop body in async code, as `stmt_value_in_async`.
    #[inline]
    fn loop_body_in_async(&self, body: &Block, f: &mut Frame) -> R<()> {
        match body.tree.exec() {
            Some(tree) => tree(self, f),
            None => self.exec_block(body, f),
        }
    }

    /// Runs the statements; the value is that of the last one (implicit return). The
    /// commonest await statements (`await e`, `val x = await e`, `match await e`, an
    /// `if` on conditions that cannot suspend) run right here, not in an
    /// `exec_leaf_async` future (an arm that awaits is boxed when taken): every poll
    /// of a suspended task passes through each future level between it and the
    /// operation it waits for, and back. (`exec_async` runs a lone such statement as a
    /// list of one.)
    async fn exec_stmts_async(&self, stmts: &[Stmt], f: &mut Frame) -> R<Value> {
        run_stmts_async!(self, stmts, f, stmt, {})
    }

    /// `exec_stmts_async` for a function's body (or an async block's), where a `loop` or
    /// `for` whose body can suspend runs right here, not in a boxed `exec_async` future: the
    /// serving loop of a connection or a consumer task is one future level nearer to its
    /// task on every poll. (Only here: the inline loop makes the future larger. Its body
    /// runs in `exec_stmts_async`, which boxes loops, so the recursion ends.)
    async fn exec_body_async(&self, stmts: &[Stmt], f: &mut Frame) -> R<Value> {
        run_stmts_async!(self, stmts, f, stmt, {
            StmtKind::Loop { body } if block_has_await(body) => {
                suspending_loop!(self, f, body);
                Value::Nil
            }
            StmtKind::For { pat, iter, body, shorthand } if block_has_await(body) => {
                suspending_for!(self, f, pat, iter, body, shorthand);
                Value::Nil
            }
            StmtKind::While { cond, body } if block_has_await(body) => {
                suspending_while!(self, f, stmt, cond, body);
                Value::Nil
            }
        })
    }

    /// After a pass of a loop body run by `exec_stmts_async` directly (no `run_block`
    /// future around it): its scope cleared, and whether to go on.
    fn end_of_body(body: &Block, f: &mut Frame, r: R<Value>) -> R<bool> {
        super::eval::clear_scope(body, f);
        loop_step(r.map(|_| ()))
    }

    /// An await statement of the kinds `exec_stmts_async` leaves out, inline (no boxed
    /// future of its own) when no block in it can suspend: `x = await e`, `return await
    /// e`, `if await e` with await-free arms. A box per statement per loop iteration was
    /// a large part of a Channel message's cost. Anything else goes to the boxed
    /// `exec_async`, which breaks the recursion.
    async fn exec_leaf_async(&self, stmt: &Stmt, f: &mut Frame) -> R<Value> {
        match &stmt.kind {
            StmtKind::Assign { target, op, value } => self.assign_async(target, *op, value, f).await?,
            StmtKind::Return(v) => {
                let v = match v {
                    Some(e) => eval_m!(self, e, f)?,
                    None => Value::Nil,
                };
                return Err(self.ret(v));
            }
            StmtKind::If { branches, else_ }
                if branches.iter().all(|(_, b)| !block_has_await(b))
                    && else_.as_ref().is_none_or(|b| !block_has_await(b)) =>
            {
                for (cond, body) in branches {
                    if self.truthy_async(cond, f).await? {
                        return self.block_value_in_async(body, f);
                    }
                }
                if let Some(b) = else_ {
                    return self.block_value_in_async(b, f);
                }
            }
            _ => return self.exec_async(stmt, f).await,
        }
        Ok(Value::Nil)
    }

    /// The block an `if` whose conditions cannot suspend takes (`None`: no branch).
    /// (`stmt` is the `if`: its cell has the conditions lowered, once prepared.)
    fn taken_branch<'b>(
        &self,
        stmt: &Stmt,
        branches: &'b [(Expr, Block)],
        else_: Option<&'b Block>,
        f: &mut Frame,
    ) -> R<Option<&'b Block>> {
        if let Some(conds) = stmt.tree.conds() {
            for (cond, (_, body)) in conds.iter().zip(branches) {
                if cond(self, f)? {
                    return Ok(Some(body));
                }
            }
            return Ok(else_);
        }
        for (cond, body) in branches {
            if self.truthy(cond, f)? {
                return Ok(Some(body));
            }
        }
        Ok(else_)
    }

    /// A `while` condition that cannot suspend (`stmt`, the `while`, has it lowered
    /// once prepared).
    #[inline]
    fn while_cond(&self, stmt: &Stmt, cond: &Expr, f: &mut Frame) -> R<bool> {
        match stmt.tree.conds() {
            Some([lowered]) => lowered(self, f),
            _ => self.truthy(cond, f),
        }
    }

    /// The first arm whose pattern matches `v` (binding it) and whose guard holds.
    async fn select_arm<'b>(&self, arms: &'b [MatchArm], v: &Value, at: Span, f: &mut Frame) -> R<&'b MatchArm> {
        for arm in arms {
            if !self.match_pattern(&arm.pat, v, f)? {
                continue;
            }
            let take = match &arm.guard {
                None => true,
                Some(g) => self.truthy_async(g, f).await?,
            };
            if take {
                return Ok(arm);
            }
        }
        Err(super::eval::no_arm_matched(v, at))
    }

    /// `select_arm` when no guard can suspend (no future of its own).
    fn select_arm_now<'b>(&self, arms: &'b [MatchArm], v: &Value, at: Span, f: &mut Frame) -> R<&'b MatchArm> {
        for arm in arms {
            if self.match_arm(arm, v, f)? {
                return Ok(arm);
            }
        }
        Err(super::eval::no_arm_matched(v, at))
    }

    /// Up to `BURST` iterations of an await-free loop; true if the loop is not finished.
    fn sync_burst(&self, f: &mut Frame, mut cond: impl FnMut(&Interp, &mut Frame) -> R<bool>, body: &Block) -> R<bool> {
        const BURST: u32 = 1024;
        for _ in 0..BURST {
            if !cond(self, f)? {
                return Ok(false);
            }
            self.check_interrupt()?;
            if !loop_step(self.loop_body_in_async(body, f))? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub(super) async fn truthy_async(&self, cond: &Expr, f: &mut Frame) -> R<bool> {
        if !cond.has_await {
            return self.truthy(cond, f);
        }
        if let ExprKind::LetCond { pat, value } = &cond.kind {
            let v = eval_b!(self, value, f)?;
            return self.match_pattern(pat, &v, f);
        }
        Ok(super::ops::truthy_value(&self.eval_async(cond, f).await?))
    }

    pub fn exec_async<'a>(&'a self, stmt: &'a Stmt, f: &'a mut Frame) -> BoxFut<'a> {
        Box::pin(async move {
            match &stmt.kind {
                StmtKind::If { branches, else_ } => {
                    for (cond, body) in branches {
                        if self.truthy_async(cond, f).await? {
                            return self.run_block(body, f).await;
                        }
                    }
                    if let Some(b) = else_ {
                        return self.run_block(b, f).await;
                    }
                }
                StmtKind::While { cond, body } if !cond.has_await && !block_has_await(body) => {
                    // await-free loop: synchronous bursts between fairness yields, as
                    // fast as the same loop in a plain function
                    while self.sync_burst(f, |me, f| me.truthy(cond, f), body)? {
                        self.fairness_yield().await;
                    }
                }
                StmtKind::Loop { body } if !block_has_await(body) => {
                    while self.sync_burst(f, |_, _| Ok(true), body)? {
                        self.fairness_yield().await;
                    }
                }
                StmtKind::While { cond, body } if block_has_await(body) => suspending_while!(self, f, stmt, cond, body),
                StmtKind::While { cond, body } => {
                    // (the condition awaits, the body cannot)
                    while self.truthy_async(cond, f).await? {
                        if !loop_step(self.loop_body_in_async(body, f))? {
                            break;
                        }
                        self.fairness_point().await;
                    }
                }
                // (the body can suspend: the await-free loop is the arm above)
                StmtKind::Loop { body } => suspending_loop!(self, f, body),
                StmtKind::For { pat, iter, body, shorthand } if !block_has_await(body) => {
                    let iterable = eval_m!(self, iter, f)?;
                    let mut it = self.iterate(iterable).map_err(|e| stamp(e, iter.span))?;
                    let mut index = 0;
                    let next = |me: &Interp, f: &mut Frame| match it.next_value(me) {
                        Some(item) => {
                            index += 1;
                            me.bind_for_item(pat, *shorthand, index - 1, item, f).map(|_| true)
                        }
                        None => Ok(false),
                    };
                    let mut next = next;
                    let r = loop {
                        match self.sync_burst(f, &mut next, body) {
                            Ok(true) => self.fairness_yield().await,
                            other => break other,
                        }
                    };
                    self.clear_bindings(pat, f);
                    r?;
                }
                StmtKind::For { pat, iter, body, shorthand } => suspending_for!(self, f, pat, iter, body, shorthand),
                StmtKind::With { items, body } => {
                    let mut entered = Vec::with_capacity(items.len());
                    for (value, name) in items {
                        let v = eval_m!(self, value, f)?;
                        let bound = self.with_enter(&v, value.span)?;
                        entered.push(v);
                        if let Some(p) = name {
                            self.bind_pattern(p, bound, f, p.span)?;
                        }
                    }
                    let r = self.run_block(body, f).await;
                    self.with_exit(entered, stmt.span)?;
                    return r;
                }
                // (the statement runner handles every `match` itself)
                StmtKind::Expr(_)
                | StmtKind::Let { .. }
                | StmtKind::Assign { .. }
                | StmtKind::Return(_)
                | StmtKind::Match { .. } => {
                    return self.exec_stmts_async(std::slice::from_ref(stmt), f).await;
                }
                _ => self.exec(stmt, f)?,
            }
            Ok(Value::Nil)
        })
    }

    /// `x = rhs` or `x op= rhs` once the right side is known (an await statement's).
    fn assign_var_value(
        &self,
        v: &VarRef,
        op: Option<BinOp>,
        rhs: Value,
        target: &Expr,
        value: &Expr,
        f: &mut Frame,
    ) -> R<()> {
        let rhs = match op {
            Some(op) => self.assign_op(op, self.load(v.slot, f), rhs, target, value)?,
            None => rhs,
        };
        self.assign(v.slot, rhs, f);
        Ok(())
    }

    /// `old op rhs` for `target op= value`; an error points at the whole assignment.
    fn assign_op(&self, op: BinOp, old: Value, rhs: Value, target: &Expr, value: &Expr) -> R<Value> {
        self.binary(op, old, rhs).map_err(|e| stamp(e, target.span.to(value.span)))
    }

    async fn assign_async(&self, target: &Expr, op: Option<BinOp>, value: &Expr, f: &mut Frame) -> R<()> {
        match &target.kind {
            ExprKind::Var(v) => {
                let rhs = eval_m!(self, value, f)?;
                self.assign_var_value(v, op, rhs, target, value, f)
            }
            ExprKind::Index(base, idx) => {
                let container = eval_m!(self, base, f)?;
                let index = eval_m!(self, idx, f)?;
                let rhs = eval_m!(self, value, f)?;
                let rhs = match op {
                    Some(op) => {
                        let old = self.index(&container, &index).map_err(|e| stamp(e, target.span))?;
                        self.assign_op(op, old, rhs, target, value)?
                    }
                    None => rhs,
                };
                self.set_index(&container, index, rhs).map_err(|e| stamp(e, target.span))
            }
            ExprKind::Field(base, name, cache) => {
                let obj = eval_m!(self, base, f)?;
                let rhs = eval_m!(self, value, f)?;
                let rhs = match op {
                    Some(op) => {
                        let old = self.field_at(&obj, name, cache).map_err(|e| stamp(e, target.span))?;
                        self.assign_op(op, old, rhs, target, value)?
                    }
                    None => rhs,
                };
                self.set_field_at(&obj, name, cache, rhs).map_err(|e| stamp(e, target.span))
            }
            ExprKind::Tuple(targets) if op.is_none() => {
                let rhs = eval_m!(self, value, f)?;
                self.assign_tuple(targets, rhs, f).map_err(|e| stamp(e, target.span))
            }
            ExprKind::Slice(base, parts) if op.is_none() => {
                let container = eval_m!(self, base, f)?;
                let (a, b, c) = self.slice_parts_async(parts, f).await?;
                let rhs = eval_m!(self, value, f)?;
                self.set_slice(&container, &a, &b, &c, rhs).map_err(|e| stamp(e, target.span))
            }
            _ => Err(stamp(Ctrl::error("invalid assignment target"), target.span)),
        }
    }

    /// `await x`: an async call runs inline (no Task); a Task is waited for; any other
    /// value is the result itself.
    pub(super) async fn eval_await(&self, inner: &Expr, f: &mut Frame) -> R<Value> {
        let depth = f.async_depth;
        match &inner.kind {
            ExprKind::Call { callee, args } => {
                let fv = eval_b!(self, callee, f)?;
                if let Some(c) = Self::async_in_place(&fv, &args[..])
                    && args.iter().all(|a| !a.value.has_await)
                {
                    let fut = self.async_call_in_place(c, &args[..], f, depth).map_err(|c| stamp(c, inner.span))?;
                    return fut.await.map_err(|c| stamp(c, inner.span));
                }
                let argv = self.eval_args_async(args, f).await?;
                if is_async_callable(&fv) {
                    let (_, fut) = self.async_call(&fv, None, argv, depth).map_err(|c| stamp(c, inner.span))?;
                    return fut.await.map_err(|c| stamp(c, inner.span));
                }
                let v = self.call_value(&fv, argv, inner.span).map_err(|c| stamp(c, inner.span))?;
                self.await_value(v).await
            }
            ExprKind::MethodCall { recv, method, args, cache } => {
                let r = eval_b!(self, recv, f)?;
                if let Some((fun, sig)) = self.async_native_hit(&r, cache)
                    && args.iter().all(|a| a.name.is_none())
                {
                    // an async native method, cached: the receiver and the arguments go
                    // in one vector, as the native takes them (no `Args`, no method value)
                    let mut argv = Vec::with_capacity(args.len() + 1);
                    argv.push(r);
                    for a in args {
                        argv.push(eval_b!(self, &a.value, f)?);
                    }
                    let fut = self.native_method_future(fun, sig, argv, method, cache, depth, inner.span)?;
                    return fut.await.map_err(|c| stamp(c, inner.span));
                }
                let argv = self.eval_args_async(args, f).await?;
                if let Some(m) = self.method_at(&r, &method.name, cache)
                    && is_async_callable(&m)
                {
                    let (_, fut) = self.async_call(&m, Some(r), argv, depth).map_err(|c| stamp(c, inner.span))?;
                    return fut.await.map_err(|c| stamp(c, inner.span));
                }
                let v = self.call_method(r, method, argv, inner.span).map_err(|c| stamp(c, inner.span))?;
                self.await_value(v).await
            }
            _ => {
                let v = eval_b!(self, inner, f)?;
                self.await_value(v).await
            }
        }
    }

    /// `await v.m(args)` where the site's cache knows `m` as an async native method, `v`
    /// is a variable and no argument awaits: the native's future, made here without
    /// suspending, for the statement to await itself (no `eval_await` future level on
    /// every poll of a socket read or a channel receive). `None` when the call is not of
    /// that shape; then only the variable has been read, which `eval_await` repeats.
    #[inline]
    pub(super) fn ready_native_future(&self, inner: &Expr, f: &mut Frame) -> Option<R<BoxFut<'static>>> {
        let ExprKind::MethodCall { recv, method, args, cache } = &inner.kind else { return None };
        if !matches!(recv.kind, ExprKind::Var(_)) || args.iter().any(|a| a.value.has_await || a.name.is_some()) {
            return None;
        }
        let r = match self.eval(recv, f) {
            Ok(r) => r,
            Err(c) => return Some(Err(c)),
        };
        let (fun, sig) = self.async_native_hit(&r, cache)?;
        let mut argv = Vec::with_capacity(args.len() + 1);
        argv.push(r);
        for a in args {
            match self.eval(&a.value, f) {
                Ok(v) => argv.push(v),
                Err(c) => return Some(Err(c)),
            }
        }
        Some(self.native_method_future(fun, sig, argv, method, cache, f.async_depth, inner.span))
    }

    /// The future of a cached async native method call (`argv`: the receiver, then the
    /// arguments): the native's own when the arguments fit its signature as they are,
    /// otherwise bound through `async_call` (which also rejects them).
    #[allow(clippy::too_many_arguments)]
    fn native_method_future(
        &self,
        fun: super::value::AsyncNative,
        sig: Option<&'static crate::registry::Sig>,
        mut argv: Vec<Value>,
        method: &Ident,
        cache: &SiteCache,
        depth: u32,
        span: Span,
    ) -> R<BoxFut<'static>> {
        if sig.is_none_or(|sig| sig.fits_exactly(&argv[1..])) {
            return Ok(fun(self.rc(), argv));
        }
        let r = argv.remove(0);
        let m = self
            .method_at(&r, &method.name, cache)
            .ok_or_else(|| stamp(Ctrl::error(format!("no method `{}`", method.name)), span))?;
        Ok(self.async_call(&m, Some(r), Args::new(argv), depth).map_err(|c| stamp(c, span))?.1)
    }

    /// Waits for a Task's result (marking it observed); other values are returned as is.
    pub async fn await_value(&self, v: Value) -> R<Value> {
        match v {
            Value::Task(t) => crate::runtime::task::wait(self, &t).await,
            other => Ok(other),
        }
    }
}
