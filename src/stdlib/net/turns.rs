//! One operation at a time per direction of a socket, the others waiting their turn.
//!
//! monoio's epoll driver keeps one waker per direction of a descriptor, and a socket's
//! canceller belongs to its direction (`socket::Inflight`): with several accepts on one
//! listener, or several sends on one UDP socket, in flight at once, all but one would
//! sleep forever under epoll, and cancelling one would cancel them all under io_uring.
//! So later operations wait here, in FIFO order, each with its own waker; a waiter that
//! is dropped (its task cancelled, a `timeout`) leaves the queue without touching the
//! others, and a turn granted to a waiter that is gone passes on to the next.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
pub struct Turns {
    busy: Cell<bool>,
    queue: RefCell<VecDeque<Rc<Waiter>>>,
}

#[derive(Default)]
struct Waiter {
    waker: RefCell<Option<Waker>>,
    granted: Cell<bool>,
}

impl Turns {
    /// Waits for this direction to be free; the operation holds the `Turn` while it runs.
    pub fn wait(self: &Rc<Self>) -> TurnWait {
        TurnWait { turns: self.clone(), me: None }
    }

    /// Hands the turn to the next waiter (or frees the direction).
    fn release(&self) {
        let next = self.queue.borrow_mut().pop_front();
        match next {
            Some(w) => {
                w.granted.set(true);
                if let Some(waker) = w.waker.borrow_mut().take() {
                    waker.wake();
                }
            }
            None => self.busy.set(false),
        }
    }
}

/// The right to run one operation; dropping it lets the next one run.
pub struct Turn(Rc<Turns>);

impl Drop for Turn {
    fn drop(&mut self) {
        self.0.release();
    }
}

pub struct TurnWait {
    turns: Rc<Turns>,
    me: Option<Rc<Waiter>>,
}

impl Future for TurnWait {
    type Output = Turn;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Turn> {
        match &self.me {
            None if !self.turns.busy.get() => {
                self.turns.busy.set(true);
                Poll::Ready(Turn(self.turns.clone()))
            }
            None => {
                let w = Rc::new(Waiter { waker: RefCell::new(Some(cx.waker().clone())), granted: Cell::new(false) });
                self.turns.queue.borrow_mut().push_back(w.clone());
                self.me = Some(w);
                Poll::Pending
            }
            Some(w) if w.granted.get() => {
                self.me = None;
                Poll::Ready(Turn(self.turns.clone()))
            }
            Some(w) => {
                *w.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for TurnWait {
    fn drop(&mut self) {
        let Some(me) = self.me.take() else { return };
        if me.granted.get() {
            self.turns.release();
        } else {
            self.turns.queue.borrow_mut().retain(|w| !Rc::ptr_eq(w, &me));
        }
    }
}
