//! One REPL session: a persistent interpreter and module scope. Each entry is parsed as
//! its own source file (so diagnostics show the entry), resolved against the session
//! (`repl = true`: names persist, top-level `let`s are globals), and run statement by
//! statement; the value of a trailing expression statement is echoed. Statements that
//! await run inside the runtime and can be interrupted with Ctrl-C; an error leaves
//! everything defined so far in place.

use super::bridge::{Interruptible, Interrupts};
use crate::interp::module::parse_source;
use crate::interp::value::Value;
use crate::interp::{Ctrl, Frame, Interp, R};
use crate::program::{RunOptions, new_interp};
use crate::resolve::{GlobalInfo, ModuleScope};
use crate::syntax::ast::{Stmt, StmtKind};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

pub struct Session {
    pub interp: Rc<Interp>,
    pub scope: Rc<ModuleScope>,
    interrupts: Arc<Interrupts>,
}

/// How an entry failed: the exit code a program would have had (1 runtime, 2 static).
pub type Failure = i32;

/// The session's names before an entry is resolved (restored if it does not resolve).
struct Snapshot {
    names: HashMap<Rc<str>, u32>,
    exports: HashSet<Rc<str>>,
    info: Vec<GlobalInfo>,
}

fn new_scope() -> Rc<ModuleScope> {
    Rc::new(ModuleScope { name: "main".into(), ..Default::default() })
}

impl Session {
    pub fn new(opts: &RunOptions, interrupts: Arc<Interrupts>) -> Session {
        Session { interp: new_interp(opts), scope: new_scope(), interrupts }
    }

    /// Runs one entry. `echo`: print the value of a trailing expression statement.
    pub fn run_entry(&self, name: &str, src: &str, dir: PathBuf, echo: bool) -> Result<(), Failure> {
        let interp = &*self.interp;
        let (mut program, errors) = parse_source(interp, name, src);
        if !errors.is_empty() {
            self.report_all(&errors);
            return Err(2);
        }
        let snapshot = self.snapshot();
        let errors = interp.resolve(&mut program, self.scope.clone(), dir, true);
        if !errors.is_empty() {
            self.restore(snapshot);
            self.report_all(&errors);
            return Err(2);
        }
        self.interrupts.reset();
        let result = (|| {
            interp.run_loaded_modules()?;
            let mut frame = Frame::new(program.main_slots as usize);
            interp.declare_items(&program.stmts, &self.scope, &mut frame)?;
            self.run_statements(&program.stmts, &mut frame)
        })();
        self.interrupts.reset();
        let outcome = match result {
            Ok(v) => {
                if echo && !matches!(v, Value::Nil) {
                    interp.print(&format!("{}\n", v.repr()));
                }
                Ok(())
            }
            Err(c) => Err(self.report(c)),
        };
        interp.flush();
        outcome
    }

    /// The top-level statements in order; returns the value of the last one if it is an
    /// expression statement (nil otherwise).
    fn run_statements(&self, stmts: &[Stmt], frame: &mut Frame) -> R<Value> {
        let interp = &*self.interp;
        let mut last = Value::Nil;
        for (i, stmt) in stmts.iter().enumerate() {
            last = Value::Nil;
            if matches!(
                stmt.kind,
                StmtKind::Fn(_) | StmtKind::Struct(_) | StmtKind::Enum(_) | StmtKind::Impl(_) | StmtKind::Import(_)
            ) {
                continue; // declared already
            }
            let is_last = i + 1 == stmts.len();
            let r = if stmt.has_await {
                let fut = Box::pin(interp.exec_async(stmt, frame));
                interp.block_on(Interruptible { fut, state: &self.interrupts })
            } else if let (true, StmtKind::Expr(e)) = (is_last, &stmt.kind) {
                interp.eval(e, frame)
            } else {
                interp.exec(stmt, frame).map(|_| Value::Nil)
            };
            match r {
                Ok(v) => {
                    if is_last && matches!(stmt.kind, StmtKind::Expr(_)) {
                        last = v;
                    }
                }
                Err(Ctrl::Error(mut e)) => {
                    e.leave(&Rc::from("<main>"), stmt.span);
                    return Err(Ctrl::Error(e));
                }
                Err(other) => return Err(other),
            }
        }
        Ok(last)
    }

    fn report_all(&self, errors: &[crate::diag::Diagnostic]) {
        for e in errors {
            self.interp.eprint(&self.interp.render(e));
        }
    }

    /// Prints a runtime error (or a `?` that left the top level); returns the exit code.
    fn report(&self, c: Ctrl) -> Failure {
        let interp = &*self.interp;
        match c {
            Ctrl::Error(e) => {
                if e.kind == crate::interp::ErrorKind::Interrupt {
                    interp.eprint("\n"); // after the terminal's `^C`
                }
                interp.eprint(&interp.render(&e.diag))
            }
            Ctrl::Return => {
                // `?` on Err(e) / None at the top level of an entry
                let v = interp.take_ret();
                let shown = match &v {
                    Value::Enum(e) if Rc::ptr_eq(&e.def, &interp.types.result) => {
                        e.fields.first().map(|f| f.display()).unwrap_or_default()
                    }
                    other => other.display(),
                };
                interp.eprint(&format!("error: {shown}\n"));
            }
            Ctrl::Break | Ctrl::Continue => {}
        }
        1
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            names: self.scope.names.borrow().clone(),
            exports: self.scope.exports.borrow().clone(),
            info: self.interp.table.borrow().info.clone(),
        }
    }

    fn restore(&self, s: Snapshot) {
        *self.scope.names.borrow_mut() = s.names;
        *self.scope.exports.borrow_mut() = s.exports;
        let mut table = self.interp.table.borrow_mut();
        for (i, info) in s.info.into_iter().enumerate() {
            if let Some(slot) = table.info.get_mut(i) {
                *slot = info;
            }
        }
    }

    /// Lets the runtime run ready tasks for a moment (after an entry: a task it started
    /// prints its first lines before the next prompt; after `:reset`: cancelled tasks end).
    pub fn settle(&self) {
        let interp = &*self.interp;
        if interp.rt.stats.tasks_alive.get() == 0 {
            return;
        }
        let _ = interp.block_on(async {
            YieldTimes(8).await;
            Ok(())
        });
        interp.flush();
    }

    /// `:reset`: cancels every task, closes every socket, forgets every name.
    pub fn reset(&mut self) {
        let interp = &*self.interp;
        if interp.rt.is_started() {
            // sockets must be closed inside the runtime (their drivers need it)
            let _ = interp.block_on(async {
                interp.cancel_all_tasks();
                crate::stdlib::net::close_all_sockets(interp);
                YieldTimes(8).await;
                Ok(())
            });
        } else {
            interp.cancel_all_tasks();
        }
        self.settle();
        self.scope = new_scope();
        self.interp.task_failed.set(false);
    }

    /// `:tasks`
    pub fn describe_tasks(&self) -> String {
        let tasks = self.interp.live_tasks();
        if tasks.is_empty() {
            return "no live tasks\n".into();
        }
        let mut out = String::new();
        for (id, name) in tasks {
            out.push_str(&format!("  task #{id}  {name}\n"));
        }
        out
    }

    /// Whether waiting for input must run the runtime (tasks are alive or it has started).
    pub fn runtime_active(&self) -> bool {
        self.interp.rt.is_started() || self.interp.rt.stats.tasks_alive.get() > 0
    }
}

/// Yields to the executor `n` times.
struct YieldTimes(u32);

impl Future for YieldTimes {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
