//! The parts of an async body that cannot suspend, lowered into the `tree` cells of
//! its statements and blocks (see the module invariant in `lower`): the async
//! evaluator runs a statement or block whose cell is filled as its evaluation tree and
//! walks the syntax only where it can suspend. A statement of an async body whose
//! block awaits (`while`, `match`, ... with an `await` inside) is not lowered itself,
//! but its blocks are visited: every await-free block in it is lowered whole, in the
//! mode the async evaluator runs it in, and the conditions of an `if` or `while` that
//! cannot suspend are lowered into the statement's cell.

use super::Tree;
use super::expr::cond;
use super::stmt::{block, block_value, value};
use crate::interp::eval_async::block_has_await;
use crate::syntax::ast::*;

/// Lowers what cannot suspend in the body of an async function or block that awaits
/// (once, from its `FnDecl`'s first call).
pub fn prepare(body: &Block) {
    for s in &body.stmts {
        statement(s);
    }
}

fn statement(s: &Stmt) {
    if !s.has_await {
        // its value, as `stmt_value` gives it (the statement runner keeps the last)
        s.tree.set(Tree::Value(value(s, false)));
        return;
    }
    match &s.kind {
        StmtKind::If { branches, else_ } => {
            if branches.iter().all(|(c, _)| !c.has_await) {
                s.tree.set(Tree::Conds(branches.iter().map(|(c, _)| cond(c)).collect()));
            }
            for (_, b) in branches {
                branch(b);
            }
            if let Some(b) = else_ {
                branch(b);
            }
        }
        StmtKind::Match { arms, .. } => {
            for arm in arms {
                branch(&arm.body);
            }
        }
        StmtKind::With { body, .. } => branch(body),
        StmtKind::While { cond: c, body } if !c.has_await && block_has_await(body) => {
            s.tree.set(Tree::Conds(Box::new([cond(c)])));
            prepare(body);
        }
        StmtKind::While { body, .. } | StmtKind::Loop { body } | StmtKind::For { body, .. } => {
            if block_has_await(body) {
                prepare(body);
            } else {
                // a loop body the async evaluator runs for effect (`exec_block`)
                body.tree.set(Tree::Exec(block(body)));
            }
        }
        _ => {}
    }
}

/// A branch of `if`, `match` or `with`: its value, as `exec_block_value` gives it,
/// when it cannot suspend.
fn branch(b: &Block) {
    if block_has_await(b) {
        prepare(b);
    } else {
        b.tree.set(Tree::Value(block_value(b, false)));
    }
}
