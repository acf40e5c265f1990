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
    receivers: RefCell<VecDeque<Waker>>,
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

pub fn new(_: &Interp, _: Vec<Value>) -> R<Value> {
    Ok(Value::object(Rc::new(Channel::default())))
}

pub fn send(_: &Interp, ch: &Value, a: &[Value]) -> R<Value> {
    with_channel(ch, |c| {
        if c.closed.get() {
            return fail("send on a closed channel");
        }
        c.queue.borrow_mut().push_back(a[0].clone());
        if let Some(w) = c.receivers.borrow_mut().pop_front() {
            w.wake();
        }
        Ok(Value::Nil)
    })
}

pub fn close(_: &Interp, ch: &Value, _: &[Value]) -> R<Value> {
    with_channel(ch, |c| {
        c.closed.set(true);
        for w in c.receivers.borrow_mut().drain(..) {
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
        let item = Recv { ch: ch.clone(), interp: &interp }.await;
        Ok(interp.option(item))
    })
}

struct Recv<'a> {
    ch: Rc<dyn NativeObject>,
    interp: &'a Interp,
}

impl Future for Recv<'_> {
    type Output = Option<Value>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Value>> {
        let Some(c) = self.ch.as_any().downcast_ref::<Channel>() else { return Poll::Ready(None) };
        if let Some(v) = c.queue.borrow_mut().pop_front() {
            return Poll::Ready(Some(v));
        }
        if c.closed.get() {
            return Poll::Ready(None);
        }
        c.receivers.borrow_mut().push_back(cx.waker().clone());
        self.interp.flush();
        Poll::Pending
    }
}
