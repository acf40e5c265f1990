//! Tasks: the state shared between a running task body (a monoio task) and the `Task`
//! values that refer to it — result, waiters, cancellation — and the futures that run
//! and await them.

use crate::interp::value::Value;
use crate::interp::{BoxFut, Ctrl, Interp, R, RtError};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Clone)]
pub enum Outcome {
    Value(Value),
    Failed(Box<RtError>),
    Cancelled,
}

/// A task's state: what a `Task` value holds (and its runner, and its waiters).
pub struct TaskState {
    pub name: Rc<str>,
    pub id: u64,
    outcome: RefCell<Option<Outcome>>,
    cancelled: Cell<bool>,
    /// someone awaits (or joins, or times) this task: failures are theirs to report
    pub observed: Cell<bool>,
    /// who awaits the task, with their deadlock-detection registrations
    waiters: RefCell<Vec<(Waker, Option<Rc<super::deadlock::Flag>>)>>,
    /// the task's own waker, so that `cancel()` can make it run (and stop) at once
    own_waker: RefCell<Option<Waker>>,
    /// the accept or UDP operation in flight for this task: cancelled through monoio's
    /// Canceller (not dropped), so that what already arrived is kept (a TcpStream's
    /// operations are not tracked: dropped, they stay in flight for the stream)
    inflight: RefCell<Option<std::rc::Weak<OpCancel>>>,
}

/// The canceller of one direction of a socket (reads, or writes): a socket has at most
/// one operation in flight per direction, so one canceller, reused, serves them all.
pub type OpCancel = RefCell<Option<monoio::io::Canceller>>;

thread_local! {
    /// monoio cancels an operation only from inside its runtime (the driver is a scoped
    /// thread-local). Cancellers fired while this thread's runtime is not running — from
    /// top-level code, a plain `fn main` between `block_on`s, the REPL between entries —
    /// wait here and are cancelled first thing on the next entry; nothing in flight can
    /// complete before then anyway.
    static DEFERRED: RefCell<Vec<monoio::io::Canceller>> = const { RefCell::new(Vec::new()) };
    /// inside `Runtime::block_on` on this thread
    static ENTERED: Cell<bool> = const { Cell::new(false) };
}

/// Cancels the operation in flight on this slot (if any); the slot gets a fresh canceller.
pub fn fire(op: &OpCancel) {
    let c = op.borrow_mut().take();
    if let Some(c) = c {
        if ENTERED.get() {
            *op.borrow_mut() = Some(c.cancel());
        } else {
            DEFERRED.with_borrow_mut(|d| d.push(c));
            *op.borrow_mut() = Some(monoio::io::Canceller::new());
        }
    }
}

/// Inside `Runtime::block_on` on this thread (async code is running).
pub fn entered() -> bool {
    ENTERED.get()
}

/// Marks this thread as inside its runtime while alive (see `DEFERRED`).
pub struct Entered(());

impl Entered {
    pub fn enter() -> Entered {
        ENTERED.set(true);
        Entered(())
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        ENTERED.set(false);
    }
}

/// Cancels what `fire` deferred; called from inside the runtime.
pub fn fire_deferred() {
    let deferred = DEFERRED.with_borrow_mut(std::mem::take);
    for c in deferred {
        c.cancel();
    }
}

impl TaskState {
    pub fn new(name: Rc<str>, id: u64) -> TaskState {
        TaskState {
            name,
            id,
            outcome: RefCell::new(None),
            cancelled: Cell::new(false),
            observed: Cell::new(false),
            waiters: RefCell::new(Vec::new()),
            own_waker: RefCell::new(None),
            inflight: RefCell::new(None),
        }
    }
    pub fn is_done(&self) -> bool {
        self.outcome.borrow().is_some()
    }
    /// Stops the task at its next suspension point (its pending operations are dropped).
    pub fn cancel(&self) {
        if self.is_done() {
            return;
        }
        self.cancelled.set(true);
        if let Some(w) = self.own_waker.borrow_mut().take() {
            w.wake();
        }
    }
    pub fn cancel_requested(&self) -> bool {
        self.cancelled.get()
    }
    /// Registers the accept or UDP operation this task now waits for (a task waits for one
    /// thing at a time).
    pub fn track(&self, op: &Rc<OpCancel>) {
        *self.inflight.borrow_mut() = Some(Rc::downgrade(op));
    }
    pub fn untrack(&self) {
        self.inflight.borrow_mut().take();
    }
    /// Fires the canceller of the operation in flight; true if there is one.
    fn cancel_inflight(&self) -> bool {
        let op = self.inflight.borrow().as_ref().and_then(|w| w.upgrade());
        match op {
            Some(op) => {
                fire(&op);
                true
            }
            None => false,
        }
    }
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.borrow().clone()
    }
}

/// Drives a task body; completes the shared state exactly once.
pub struct TaskRunner {
    pub body: Option<BoxFut<'static>>,
    pub state: Rc<TaskState>,
    pub interp: Rc<Interp>,
}

impl Future for TaskRunner {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.state.cancelled.get() && !this.state.cancel_inflight() {
            // nothing in flight: stop here (dropping the body drops its timers/waits)
            this.body = None;
            this.interp.finish_task(&this.state, Outcome::Cancelled);
            return Poll::Ready(());
        }
        // (when cancelled with an accept or UDP operation in flight, the body runs on
        // until it returns: it ends the task with a "task cancelled" error)
        let Some(body) = this.body.as_mut() else { return Poll::Ready(()) };
        let watch = &this.interp.rt.watch;
        watch.polls.set(watch.polls.get() + 1);
        let outer = this.interp.rt.current_task.replace(Some(this.state.clone()));
        // A panic in native code is a bug, but it must not take down the other tasks:
        // it ends this task as an internal error.
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body.as_mut().poll(cx)))
            .unwrap_or_else(|panic| Poll::Ready(Err(internal_error(&this.state, panic))));
        this.interp.rt.current_task.replace(outer);
        match polled {
            Poll::Ready(r) => {
                this.body = None;
                let outcome = match r {
                    _ if this.state.cancelled.get() => Outcome::Cancelled,
                    Ok(v) => Outcome::Value(v),
                    Err(Ctrl::Return) => Outcome::Value(this.interp.take_ret()),
                    Err(Ctrl::Error(e)) => Outcome::Failed(e),
                    Err(Ctrl::Break) | Err(Ctrl::Continue) => Outcome::Value(Value::Nil),
                };
                this.interp.finish_task(&this.state, outcome);
                // what the task printed last must not wait for some other task to suspend
                this.interp.flush();
                Poll::Ready(())
            }
            Poll::Pending if this.state.cancelled.get() => {
                // re-check soon: once the cancelled operations are back, stop
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Pending => {
                let mut own = this.state.own_waker.borrow_mut();
                if !own.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *own = Some(cx.waker().clone());
                }
                drop(own);
                this.interp.flush();
                Poll::Pending
            }
        }
    }
}

impl Interp {
    /// Records a task's outcome, wakes its awaiters, reports an unobserved failure.
    pub fn finish_task(&self, state: &Rc<TaskState>, outcome: Outcome) {
        if state.is_done() {
            return;
        }
        if let Outcome::Failed(e) = &outcome
            && !state.observed.get()
        {
            self.eprint(&self.render(&e.diag));
            self.task_failed.set(true);
        }
        *state.outcome.borrow_mut() = Some(outcome);
        state.own_waker.borrow_mut().take();
        // (taken whole, not copied: a finished task gets no new waiters)
        let waiters = std::mem::take(&mut *state.waiters.borrow_mut());
        for (w, flag) in waiters {
            if let Some(f) = flag {
                f.release(&self.rt.watch);
            }
            w.wake();
        }
        self.rt.task_finished();
    }
}

/// Waits for a task and returns its result (a failure propagates as the same error).
pub async fn wait(interp: &Interp, state: &Rc<TaskState>) -> R<Value> {
    state.observed.set(true);
    let outcome = WaitTask::new(state.clone(), interp).await;
    match outcome {
        Outcome::Value(v) => Ok(v),
        Outcome::Failed(e) => {
            Err(Ctrl::Error(Box::new(RtError { diag: e.diag.clone(), cur_span: None, kind: e.kind })))
        }
        Outcome::Cancelled => Err(Ctrl::error("task cancelled")),
    }
}

/// Waits for a task. Dropped while still waiting (the awaiting task was cancelled or
/// timed out), it cancels the awaited task too when nobody else waits for it, as
/// asyncio does: `timeout(1, f())` must not leave `f`'s inner `sleep` running.
pub struct WaitTask<'a> {
    pub state: Rc<TaskState>,
    pub interp: &'a Interp,
    finished: bool,
    waker: Option<Waker>,
    /// whether to register as waiting on a task (not when a timer races it: `timeout`)
    watched: bool,
    /// the registration, made when the wait first has to wait (a task awaited after
    /// it finished, as in spawn-all-then-await-each, never needs one)
    blocked: Option<super::deadlock::Blocked>,
}

impl<'a> WaitTask<'a> {
    pub fn new(state: Rc<TaskState>, interp: &'a Interp) -> WaitTask<'a> {
        WaitTask { state, interp, finished: false, waker: None, watched: true, blocked: None }
    }

    /// A wait that something else (a timer) may end: not a deadlock suspect.
    pub fn raced(state: Rc<TaskState>, interp: &'a Interp) -> WaitTask<'a> {
        WaitTask { state, interp, finished: false, waker: None, watched: false, blocked: None }
    }
}

impl Drop for WaitTask<'_> {
    fn drop(&mut self) {
        if self.finished || self.state.is_done() {
            return;
        }
        let mut waiters = self.state.waiters.borrow_mut();
        if let Some(w) = &self.waker {
            waiters.retain(|(x, _)| !x.will_wake(w));
        }
        let nobody_else = waiters.is_empty();
        drop(waiters);
        if nobody_else {
            self.state.cancel();
        }
    }
}

impl Future for WaitTask<'_> {
    type Output = Outcome;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        if let Some(o) = self.state.outcome() {
            self.finished = true;
            if let Some(b) = &mut self.blocked {
                b.done();
            }
            return Poll::Ready(o);
        }
        self.waker = Some(cx.waker().clone());
        if self.watched && self.blocked.is_none() {
            self.blocked = Some(super::deadlock::Blocked::new(self.interp, false));
        }
        let mut waiters = self.state.waiters.borrow_mut();
        if !waiters.iter().any(|(w, _)| w.will_wake(cx.waker())) {
            let flag = self.blocked.as_ref().map(|b| b.flag.clone());
            waiters.push((cx.waker().clone(), flag));
        }
        drop(waiters);
        self.interp.flush();
        if let Some(b) = &mut self.blocked {
            b.waiting();
        }
        Poll::Pending
    }
}

/// The error a task ends with when its body panicked.
fn internal_error(state: &TaskState, panic: Box<dyn std::any::Any + Send>) -> Ctrl {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    Ctrl::error(format!("internal error in task `{}`: {what} (this is a bug in simple)", state.name))
}
