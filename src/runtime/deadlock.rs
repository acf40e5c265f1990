//! Deadlock detection, as Go does it: when the top level and every task wait on a
//! channel receive or on another task, and at least one waits on a channel, nothing can
//! ever wake any of them (no timer, socket or input is involved), so the program stops
//! with `deadlock: every task is waiting on a channel` instead of hanging.
//!
//! Waiting futures register themselves (`Blocked`) while pending, and whatever wakes
//! them releases the registration at once, so the counts are exact. A suspicion is still
//! confirmed by a checker task that goes once round the run queue without any task or
//! root being polled meanwhile (nothing else is runnable).

use super::{RuntimeState, YieldNow};
use crate::interp::Interp;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Waker;

#[derive(Default)]
pub struct Watch {
    on_channel: Cell<usize>,
    on_task: Cell<usize>,
    /// task bodies and roots polled so far: progress, as the checker sees it
    pub polls: Cell<u64>,
    checking: Cell<bool>,
    /// confirmed: the root stops with the deadlock error
    pub deadlocked: Cell<bool>,
    /// the current `block_on` root, woken when a deadlock is confirmed
    pub root_waker: RefCell<Option<Waker>>,
}

impl Watch {
    /// Everything alive waits on a channel or a task, some on a channel.
    fn suspicious(&self, rt: &RuntimeState) -> bool {
        let waiting = self.on_channel.get() + self.on_task.get();
        rt.in_runtime() && self.on_channel.get() > 0 && waiting > rt.stats.tasks_alive.get() as usize
    }
}

/// One waiting future's registration. The waker list that will wake it holds a clone,
/// and releases it when waking, so a woken future never counts as waiting.
#[derive(Default)]
pub struct Flag {
    counted: Cell<bool>,
    channel: bool,
}

impl Flag {
    /// No longer waiting (woken, done, or dropped); idempotent.
    pub fn release(&self, watch: &Watch) {
        if self.counted.replace(false) {
            let c = if self.channel { &watch.on_channel } else { &watch.on_task };
            c.set(c.get().saturating_sub(1));
        }
    }
}

/// A pending future's registration as waiting on a channel (or on a task). It holds
/// the interpreter by `Rc`, so that a future owning everything it needs (a channel's
/// receive) can hold it too.
pub struct Blocked {
    interp: Rc<Interp>,
    pub flag: Rc<Flag>,
}

impl Blocked {
    pub fn new(interp: &Interp, channel: bool) -> Blocked {
        Blocked { interp: interp.rc(), flag: Rc::new(Flag { counted: Cell::new(false), channel }) }
    }

    /// The future is about to return `Pending` (after putting `self.flag` in the list
    /// of whatever will wake it).
    pub fn waiting(&mut self) {
        let w = &self.interp.rt.watch;
        if !self.flag.counted.replace(true) {
            let c = if self.flag.channel { &w.on_channel } else { &w.on_task };
            c.set(c.get() + 1);
        }
        suspect(&self.interp);
    }

    /// The future is done waiting.
    pub fn done(&mut self) {
        self.flag.release(&self.interp.rt.watch);
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        self.done();
    }
}

/// Starts a checker when the registrations look like a deadlock (one at a time).
fn suspect(interp: &Interp) {
    let w = &interp.rt.watch;
    if w.checking.get() || !w.suspicious(&interp.rt) {
        return;
    }
    w.checking.set(true);
    let me = interp.rc();
    monoio::spawn(async move {
        let w = &me.rt.watch;
        loop {
            let before = w.polls.get();
            YieldNow::default().await;
            if !w.suspicious(&me.rt) {
                break;
            }
            if w.polls.get() == before {
                w.deadlocked.set(true);
                if let Some(root) = w.root_waker.borrow_mut().take() {
                    root.wake();
                }
                break;
            }
        }
        w.checking.set(false);
    });
}
