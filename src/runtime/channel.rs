//! `Channel`: an unbounded FIFO between tasks of one thread. `send` never blocks,
//! `await ch.recv()` gives `Some(v)`, or `None` once the channel is closed and drained.

use crate::interp::value::{NativeObject, Value};
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

fn this(v: &Value) -> R<Rc<dyn NativeObject>> {
    match v {
        Value::Object(o) if o.as_any().is::<Channel>() => Ok(o.0.clone()),
        other => fail(format!("expected a Channel, got {}", other.type_name())),
    }
}

fn with_channel<T>(v: &Value, f: impl FnOnce(&Channel) -> R<T>) -> R<T> {
    let o = this(v)?;
    match o.as_any().downcast_ref::<Channel>() {
        Some(ch) => f(ch),
        None => fail("expected a Channel"),
    }
}

pub fn new(_: &Interp, _: &[Value]) -> R<Value> {
    Ok(Value::object(Rc::new(Channel::default())))
}

pub fn send(interp: &Interp, ch: &Value, a: &[Value]) -> R<Value> {
    with_channel(ch, |c| {
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
    })
}

pub fn close(interp: &Interp, ch: &Value, _: &[Value]) -> R<Value> {
    with_channel(ch, |c| {
        c.closed.set(true);
        let woken: Vec<_> = c.receivers.borrow_mut().drain(..).collect();
        for (w, flag) in woken {
            flag.release(&interp.rt.watch);
            w.wake();
        }
        Ok(Value::Nil)
    })
}

pub fn len(_: &Interp, ch: &Value, _: &[Value]) -> R<Value> {
    with_channel(ch, |c| Ok(Value::Int(c.queue.borrow().len() as i64)))
}

pub fn recv(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let ch = this(&a.into_iter().next().unwrap_or_default())?;
        let item =
            Recv { ch: ch.clone(), interp: &interp, blocked: super::deadlock::Blocked::new(&interp, true) }.await;
        Ok(interp.option(item))
    })
}

struct Recv<'a> {
    ch: Rc<dyn NativeObject>,
    interp: &'a Interp,
    blocked: super::deadlock::Blocked<'a>,
}

impl Future for Recv<'_> {
    type Output = Option<Value>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Value>> {
        let ch = self.ch.clone();
        let Some(c) = ch.as_any().downcast_ref::<Channel>() else { return Poll::Ready(None) };
        if let Some(v) = c.queue.borrow_mut().pop_front() {
            self.blocked.done();
            return Poll::Ready(Some(v));
        }
        if c.closed.get() {
            self.blocked.done();
            return Poll::Ready(None);
        }
        c.receivers.borrow_mut().push_back((cx.waker().clone(), self.blocked.flag.clone()));
        self.interp.flush();
        self.blocked.waiting();
        Poll::Pending
    }
}
