//! `Channel`: an unbounded FIFO between tasks of one thread. `send` never blocks,
//! `await ch.recv()` gives `Some(v)`, or `None` once the channel is closed and drained.

use crate::interp::value::Value;
use crate::interp::{BoxFut, Interp, R, fail};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
pub struct Channel {
    queue: RefCell<VecDeque<Value>>,
    closed: Cell<bool>,
    /// waiting receivers, with their deadlock-detection registrations
    receivers: RefCell<VecDeque<(Waker, Rc<super::deadlock::Flag>)>>,
}

crate::native_object!(Channel, "Channel", |c| {
    format!("<Channel {} queued{}>", c.queue.borrow().len(), if c.closed.get() { ", closed" } else { "" })
});

/// The channel `v` holds, borrowed (no reference count touched).
fn channel_of(v: &Value) -> R<&Channel> {
    match v {
        Value::Object(o) if let Some(ch) = o.downcast_ref::<Channel>() => Ok(ch),
        other => fail(format!("expected a Channel, got {}", other.type_name())),
    }
}

pub fn new(_: &Interp, _: &[Value]) -> R<Value> {
    Ok(Value::object(Rc::new(Channel::default())))
}

pub fn send(interp: &Interp, ch: &Value, a: &[Value]) -> R<Value> {
    let c = channel_of(ch)?;
    if c.closed.get() {
        return fail("send on a closed channel");
    }
    c.queue.borrow_mut().push_back(a[0].clone());
    let woken = c.receivers.borrow_mut().pop_front();
    if let Some((w, flag)) = woken {
        flag.release(&interp.rt.watch);
        w.wake();
    }
    Ok(Value::Nil)
}

pub fn close(interp: &Interp, ch: &Value, _: &[Value]) -> R<Value> {
    let c = channel_of(ch)?;
    c.closed.set(true);
    let woken: Vec<_> = c.receivers.borrow_mut().drain(..).collect();
    for (w, flag) in woken {
        flag.release(&interp.rt.watch);
        w.wake();
    }
    Ok(Value::Nil)
}

pub fn len(_: &Interp, ch: &Value, _: &[Value]) -> R<Value> {
    Ok(Value::Int(channel_of(ch)?.queue.borrow().len() as i64))
}

/// `await ch.recv()`: the receive is the native's future itself (no async block
/// around it, one fewer level on every poll of the waiting task).
pub fn recv(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    let ch = match a.first() {
        Some(Value::Object(o)) => o.downcast_rc::<Channel>(),
        _ => None,
    };
    match ch {
        Some(ch) => Box::pin(Recv { interp, ch, blocked: None }),
        // not a Channel: `channel_of`'s error
        None => Box::pin(std::future::ready(channel_of(a.first().unwrap_or(&Value::Nil)).and(Ok(Value::Nil)))),
    }
}

/// Waits for the next value. The deadlock registration is made when the receive first
/// has to wait (most receives of a busy channel never do).
struct Recv {
    interp: Rc<Interp>,
    ch: Rc<Channel>,
    blocked: Option<super::deadlock::Blocked>,
}

impl Future for Recv {
    type Output = R<Value>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R<Value>> {
        let Recv { interp, ch: c, blocked } = &mut *self;
        let ready = match c.queue.borrow_mut().pop_front() {
            Some(v) => Some(Some(v)),
            None if c.closed.get() => Some(None),
            None => None,
        };
        if let Some(item) = ready {
            if let Some(b) = blocked {
                b.done();
            }
            return Poll::Ready(Ok(interp.option(item)));
        }
        let b = blocked.get_or_insert_with(|| super::deadlock::Blocked::new(interp, true));
        c.receivers.borrow_mut().push_back((cx.waker().clone(), b.flag.clone()));
        interp.flush();
        b.waiting();
        Poll::Pending
    }
}
