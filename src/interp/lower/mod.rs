//! The evaluation tree: a synchronous function's body lowered, on its first call, to a
//! tree of closures (`Node`, `Cond`, `Exec`), each specialised for the shape it was
//! made from — a local read is a slot index, `n < 2` on a local int is one compare,
//! `x.f` on a local reads through the site's inline cache, a call evaluates its
//! arguments straight into the callee's frame. This is still a tree-walker: each node
//! calls its children directly; what it saves over walking the syntax tree is the
//! `match` on every node's kind, the shape tests the syntax-tree fast paths repeat on
//! every evaluation, and the big stack frames of the general evaluator functions.
//!
//! Lowering never decides meaning. A specialised node handles the case it was made
//! for and hands anything else (an int operand that turns out to be a float, a call
//! with named arguments) to the same function the syntax-tree evaluator uses; a node
//! kind not specialised here lowers to a closure that runs the syntax tree itself
//! (`expr::fallback`, `stmt::fallback`), so every construct is covered and both
//! evaluators share one frame layout, one error-stamping rule (an error gets the span
//! of the innermost node it leaves: the same nodes stamp as in `eval_node`) and one
//! control-flow protocol (`Ctrl`).
//!
//! Invariant (why the raw pointers in `Ptr` are sound): a function's evaluation tree
//! lives in its `FnDecl` (`FnInfo::lowered`) and points only into that same `FnDecl`,
//! which sits in an `Rc`, is never mutated after resolution, and drops its tree with
//! itself. Cloning an `FnInfo` gives an empty cell (the clone lowers itself anew).
//!
//! Async bodies: their await points need the syntax-tree evaluator's futures
//! (`eval_async`), so an async body is not lowered whole. What cannot suspend in it is:
//! on its first call, `async_body::prepare` lowers every await-free statement and
//! every await-free block that a suspending statement runs (a `match` arm, a loop
//! body) into the `tree` cell of that statement or block, which the async evaluator
//! runs instead of walking the syntax. These cells are inside the same `FnDecl`, so
//! the invariant holds; only bodies of `FnDecl`s are prepared (a top-level statement
//! may move after it ran, so its cells stay empty and it walks the syntax). An async
//! body without any `await` is lowered whole, as a synchronous one.

mod async_body;
mod collections;
mod expr;
mod ops;
mod stmt;

use super::call::{ArgSource, Args as Evaluated};
use super::value::Value;
use super::{Frame, Interp, R};
use crate::syntax::ast::FnDecl;
use std::cell::OnceCell;
use std::rc::Rc;

/// An expression: evaluates to a value.
pub type Node = Box<dyn Fn(&Interp, &mut Frame) -> R<Value>>;
/// A condition: evaluates to a truth value (no `Bool` in between).
pub type Cond = Box<dyn Fn(&Interp, &mut Frame) -> R<bool>>;
/// A statement or block.
pub type Exec = Box<dyn Fn(&Interp, &mut Frame) -> R<()>>;

/// A function lowered for calling.
pub struct Lowered {
    /// the body: its value by the implicit-return rule, a tail `return` directly
    pub body: Node,
    /// `self` (if the function has it) and the parameters are slots `0..`, in order,
    /// and none is captured: a call can push its arguments into a new frame
    pub params_in_place: bool,
}

/// The evaluation tree of a function body, made on its first call.
#[derive(Default)]
pub struct LoweredCell(OnceCell<Lowered>);

/// `Clone` and `Debug` for a cell that holds a tree in the syntax: a copy starts empty
/// and lowers itself anew (a tree points into its own declaration, not the copy).
macro_rules! tree_cell_impls {
    ($cell:ident) => {
        impl Clone for $cell {
            fn clone(&self) -> Self {
                $cell::default()
            }
        }

        impl std::fmt::Debug for $cell {
            fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let state = if self.0.get().is_some() { "lowered" } else { "empty" };
                write!(out, "{}({state})", stringify!($cell))
            }
        }
    };
}

tree_cell_impls!(LoweredCell);

/// The evaluation tree of a statement or block of an async body that cannot suspend
/// (see the module comment): empty until the body's first call, and in a clone.
#[derive(Default)]
pub struct TreeCell(OnceCell<Tree>);

/// What a `TreeCell` holds: a value (a statement's, or a `match` arm's or `if`
/// branch's block, as `stmt_value` and `exec_block_value` give it), an effect (a
/// loop body, as `exec_block` runs it), or the conditions of an `if` or `while` that
/// awaits in its blocks only (as `truthy` tests them).
pub enum Tree {
    Value(Node),
    Exec(Exec),
    Conds(Box<[Cond]>),
}

impl TreeCell {
    #[inline]
    pub fn value(&self) -> Option<&Node> {
        match self.0.get() {
            Some(Tree::Value(n)) => Some(n),
            _ => None,
        }
    }
    #[inline]
    pub fn exec(&self) -> Option<&Exec> {
        match self.0.get() {
            Some(Tree::Exec(e)) => Some(e),
            _ => None,
        }
    }
    #[inline]
    pub fn conds(&self) -> Option<&[Cond]> {
        match self.0.get() {
            Some(Tree::Conds(c)) => Some(c),
            _ => None,
        }
    }
    fn set(&self, tree: Tree) {
        let _ = self.0.set(tree);
    }
}

tree_cell_impls!(TreeCell);

/// `decl` lowered (now, if this is its first call).
#[inline]
pub fn lowered(decl: &FnDecl) -> &Lowered {
    decl.info.lowered.0.get_or_init(|| lower_fn(decl))
}

fn lower_fn(decl: &FnDecl) -> Lowered {
    let body = if decl.is_async && crate::interp::eval_async::block_has_await(&decl.body) {
        async_body::prepare(&decl.body);
        // (an async call runs such a body on the async evaluator, never this)
        Box::new(|_: &Interp, _: &mut Frame| {
            crate::interp::fail("internal: an async body that awaits ran as a synchronous one")
        })
    } else {
        stmt::body(&decl.body)
    };
    Lowered { body, params_in_place: params_in_place(decl) }
}

/// Whether `self` (if the function has it) and the parameters are slots `0..`, in
/// order, and none is captured. (`args_in_place!` writes them below `n_slots`
/// unchecked: the bound is part of the condition.)
fn params_in_place(decl: &FnDecl) -> bool {
    let first = decl.has_self() as u32;
    decl.info.cell_params.is_empty()
        && first as usize + decl.params.len() <= decl.info.n_slots as usize
        && (decl.params.iter().enumerate()).all(|(k, p)| p.slot == crate::syntax::ast::Slot::Local(first + k as u32))
}

/// Runs one statement lowered (a top-level loop): the tree is dropped before `s` can be,
/// so it may point into it.
pub fn run_once(interp: &Interp, s: &crate::syntax::ast::Stmt, f: &mut Frame) -> R<()> {
    let tree = stmt::stmt(s);
    tree(interp, f)
}

/// A pointer into the `FnDecl` that owns the evaluation tree holding it (see the
/// module invariant): the syntax a node falls back to, a site cache, a name.
pub struct Ptr<T>(*const T);

impl<T> Ptr<T> {
    fn new(r: &T) -> Ptr<T> {
        Ptr(r)
    }
    #[inline]
    fn get(&self) -> &T {
        // SAFETY: the pointee lives in the same `Rc<FnDecl>` as this node, is never
        // mutated or moved after resolution, and outlives the node (module invariant).
        unsafe { &*self.0 }
    }
}

/// Call arguments as evaluation-tree nodes.
pub struct Args {
    nodes: Vec<Node>,
    /// the name of each named argument (`None` for positional ones)
    names: Vec<Option<Rc<str>>>,
    positional: bool,
}

impl ArgSource for Args {
    #[inline]
    fn count(&self) -> usize {
        self.nodes.len()
    }
    #[inline]
    fn all_positional(&self) -> bool {
        self.positional
    }
    #[inline]
    fn value(&self, k: usize, interp: &Interp, f: &mut Frame) -> R<Value> {
        self.nodes[k](interp, f)
    }
    fn collect(&self, interp: &Interp, f: &mut Frame) -> R<Evaluated> {
        let mut out = Evaluated { positional: Vec::with_capacity(self.nodes.len()), named: Vec::new() };
        for (node, name) in self.nodes.iter().zip(&self.names) {
            let v = node(interp, f)?;
            match name {
                None => out.positional.push(v),
                Some(n) => out.named.push((n.clone(), v)),
            }
        }
        Ok(out)
    }
}
