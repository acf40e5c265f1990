//! The async evaluator's expressions: `await` itself, and every expression kind that
//! can contain one (the rest go to the synchronous evaluator).

use super::call::Args;
use super::eval::stamp;
use super::eval_async::{await_inner, await_shapes, eval_b, eval_m};
use super::value::Value;
use super::{BoxFut, Frame, Interp, R};
use crate::syntax::ast::*;

impl Interp {
    /// `await x` and `(await x)?` — the shapes almost every await has — without boxing
    /// a future per level; anything else goes through `eval_async`.
    pub(super) async fn eval_awaitish(&self, e: &Expr, f: &mut Frame) -> R<Value> {
        await_shapes!(self, e, f)
    }

    pub fn eval_async<'a>(&'a self, e: &'a Expr, f: &'a mut Frame) -> BoxFut<'a> {
        Box::pin(async move { self.eval_async_inner(e, f).await.map_err(|c| stamp(c, e.span)) })
    }

    pub(super) async fn eval_args_async(&self, args: &[Arg], f: &mut Frame) -> R<Args> {
        let mut out = Args::default();
        for a in args {
            let v = eval_b!(self, &a.value, f)?;
            match &a.name {
                None => out.positional.push(v),
                Some(n) => out.named.push((n.name.clone(), v)),
            }
        }
        Ok(out)
    }

    async fn eval_async_inner(&self, e: &Expr, f: &mut Frame) -> R<Value> {
        Ok(match &e.kind {
            ExprKind::Await(inner) => return self.eval_await(inner, f).await,
            ExprKind::Call { callee, args } => {
                let fv = eval_m!(self, callee, f)?;
                let argv = self.eval_args_async(args, f).await?;
                self.call_value(&fv, argv, e.span)?
            }
            ExprKind::MethodCall { recv, method, args, .. } => {
                let r = eval_m!(self, recv, f)?;
                let argv = self.eval_args_async(args, f).await?;
                self.call_method(r, method, argv, e.span)?
            }
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let short = *op == BinOp::Or;
                if self.truthy_async(a, f).await? == short {
                    return Ok(Value::Bool(short));
                }
                Value::Bool(self.truthy_async(b, f).await?)
            }
            ExprKind::Binary(BinOp::Coalesce, a, b) => {
                let x = eval_m!(self, a, f)?;
                match self.coalesce(x, || Ok(Value::Nil))? {
                    Value::Nil => eval_m!(self, b, f)?,
                    v => v,
                }
            }
            ExprKind::Binary(op, a, b) => {
                let x = eval_m!(self, a, f)?;
                let y = eval_m!(self, b, f)?;
                self.binary(*op, x, y)?
            }
            ExprKind::Unary(op, x) => {
                let v = eval_m!(self, x, f)?;
                self.unary(*op, v)?
            }
            ExprKind::Try(x) => {
                let v = eval_m!(self, x, f)?;
                self.try_unwrap(v)?
            }
            ExprKind::Ref { inner, .. } => eval_m!(self, inner, f)?,
            ExprKind::Field(x, name, cache) => {
                let v = eval_m!(self, x, f)?;
                self.field_at(&v, name, cache)?
            }
            ExprKind::Member { base, name } => {
                let v = eval_m!(self, base, f)?;
                self.member(&v, name)?
            }
            ExprKind::Index(x, i) => {
                let v = eval_m!(self, x, f)?;
                let i = eval_m!(self, i, f)?;
                self.index(&v, &i)?
            }
            ExprKind::Interp(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        InterpPart::Lit(s) => out.push_str(s),
                        InterpPart::Expr(x, None) => eval_m!(self, x, f)?.write_display(&mut out, false),
                        InterpPart::Expr(x, Some(spec)) => {
                            let v = eval_m!(self, x, f)?;
                            out.push_str(&super::format::format_value(&v, spec).map_err(|c| stamp(c, x.span))?);
                        }
                    }
                }
                Value::str(out)
            }
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    out.push(eval_m!(self, x, f)?);
                }
                if matches!(e.kind, ExprKind::List(_)) { Value::list(out) } else { Value::tuple(out) }
            }
            ExprKind::Dict(pairs) => {
                let mut entries = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let k = eval_m!(self, k, f)?;
                    entries.push((k, eval_m!(self, v, f)?));
                }
                self.make_dict(entries)?
            }
            ExprKind::StructNew { ty, fields } => {
                let t = eval_m!(self, ty, f)?;
                let mut values = Vec::with_capacity(fields.len());
                for (name, x) in fields {
                    values.push((name.clone(), eval_m!(self, x, f)?));
                }
                self.make_struct(t, values)?
            }
            ExprKind::If { branches, else_ } => {
                for (c, v) in branches {
                    if self.truthy_async(c, f).await? {
                        return eval_m!(self, v, f);
                    }
                }
                eval_m!(self, else_, f)?
            }
            ExprKind::Set(items) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    out.push(eval_m!(self, x, f)?);
                }
                self.make_set(out)?
            }
            ExprKind::Slice(base, parts) => {
                let v = eval_m!(self, base, f)?;
                let (a, b, c) = self.slice_parts_async(parts, f).await?;
                self.slice(&v, &a, &b, &c)?
            }
            ExprKind::Range { start, end, inclusive } => {
                let a = eval_m!(self, start, f)?;
                let b = eval_m!(self, end, f)?;
                self.make_range(a, b, *inclusive)?
            }
            ExprKind::Compare(first, rest) => {
                let mut left = eval_m!(self, first, f)?;
                for (op, x) in rest {
                    let right = eval_m!(self, x, f)?;
                    if !super::ops::truthy_value(&self.binary(*op, left, right.clone())?) {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Value::Bool(true)
            }
            ExprKind::Cast(x, ty) => {
                let v = eval_m!(self, x, f)?;
                self.cast(v, ty)?
            }
            ExprKind::Exists(x) => Value::Bool(super::ops::exists_value(&eval_m!(self, x, f)?)),
            ExprKind::Block(stmt) => return self.exec_async(stmt, f).await,
            ExprKind::LetCond { .. } => Value::Bool(self.truthy_async(e, f).await?),
            ExprKind::Comprehension(c) => return self.comprehension_async(c, f).await,
            // no `await` can hide in the remaining kinds
            _ => self.eval(e, f)?,
        })
    }

    pub(super) async fn slice_parts_async(&self, parts: &SliceParts, f: &mut Frame) -> R<(Value, Value, Value)> {
        let mut out = [Value::Nil, Value::Nil, Value::Nil];
        for (slot, p) in out.iter_mut().zip([&parts.start, &parts.end, &parts.step]) {
            if let Some(e) = p {
                *slot = eval_m!(self, e, f)?;
            }
        }
        let [a, b, c] = out;
        Ok((a, b, c))
    }

    /// A comprehension that awaits: the clauses run as nested loops, one level per
    /// clause, each element evaluated in turn (the same semantics as the synchronous one).
    async fn comprehension_async(&self, c: &Comprehension, f: &mut Frame) -> R<Value> {
        let mut keys = Vec::new();
        let mut values = Vec::new();
        let r = self.comp_level_async(c, 0, f, &mut keys, &mut values).await;
        super::eval::clear_slots(&c.scope_slots, f);
        r?;
        match &c.kind {
            CompKind::List(_) => Ok(Value::list(keys)),
            CompKind::Set(_) => self.make_set(keys),
            CompKind::Dict(..) => self.make_dict(keys.into_iter().zip(values).collect()),
        }
    }

    fn comp_level_async<'a>(
        &'a self,
        c: &'a Comprehension,
        i: usize,
        f: &'a mut Frame,
        keys: &'a mut Vec<Value>,
        values: &'a mut Vec<Value>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = R<()>> + 'a>> {
        Box::pin(async move {
            match c.clauses.get(i) {
                None => match &c.kind {
                    CompKind::List(e) | CompKind::Set(e) => keys.push(eval_b!(self, e, f)?),
                    CompKind::Dict(k, v) => {
                        keys.push(eval_b!(self, k, f)?);
                        values.push(eval_b!(self, v, f)?);
                    }
                },
                Some(CompClause::If(cond)) => {
                    if self.truthy_async(cond, f).await? {
                        self.comp_level_async(c, i + 1, f, keys, values).await?;
                    }
                }
                Some(CompClause::For { pat, iter, shorthand }) => {
                    let iterable = eval_b!(self, iter, f)?;
                    let mut it = self.iterate(iterable).map_err(|e| stamp(e, iter.span))?;
                    let mut index = 0;
                    while let Some(item) = it.next_value(self) {
                        self.bind_for_item(pat, *shorthand, index, item, f)?;
                        self.comp_level_async(c, i + 1, f, keys, values).await?;
                        index += 1;
                    }
                }
            }
            Ok(())
        })
    }
}
