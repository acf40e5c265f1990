//! Global async built-ins: `sleep`, `spawn`, `join`, `timeout`, `block_on`, `Channel`.
//! `sleep`, `join` and `timeout` always create Tasks (they count in `tasks_spawned`).

use super::task::{Outcome, TaskState, WaitTask, wait};
use crate::interp::call::Args;
use crate::interp::value::Value;
use crate::interp::{Interp, R, fail};
use crate::registry::{Callable, Registry};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// The async built-ins and `Channel` (LANGUAGE.md §6).
pub fn register(reg: &mut Registry) {
    reg.function("sleep(seconds: num)", "A Task that finishes after `seconds` (int or float).", sleep);
    reg.function("spawn(task)", "Starts a Task (or an async function of no arguments); returns the Task.", spawn);
    reg.function("join(tasks: Iterable)", "A Task giving the List of the tasks' results, in order.", join);
    reg.function(
        "timeout(seconds: num, task: Task)",
        "A Task giving `Ok(result)`, or `Err(TimedOut)` and cancelling the task.",
        timeout,
    );
    reg.function("block_on(task)", "Runs the runtime until the task is done and gives its result.", block_on);
    reg.module_function(
        "Channel",
        "new()",
        "An unbounded channel between tasks of one thread.",
        Callable::Sync(super::channel::new),
    );
    reg.method("Channel", "send(value)", "Queues a value (an error once closed).", super::channel::send);
    reg.async_method(
        "Channel",
        "recv()",
        "Waits for a value: `Some(value)`, or `None` once closed and drained.",
        super::channel::recv,
    );
    reg.method(
        "Channel",
        "close()",
        "No more values can be sent; receivers drain what is queued.",
        super::channel::close,
    );
    reg.method("Channel", "len()", "The number of queued values.", super::channel::len);
}

/// Also importable from `net` (the std module re-exports them by these names).
pub const REEXPORTED: &[&str] = &["sleep", "spawn", "join", "timeout", "block_on", "Channel"];

pub fn seconds(v: &Value, what: &str) -> R<Duration> {
    let secs = match v {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        other => return fail(format!("{what} needs a number of seconds, got {}", other.type_name())),
    };
    if !secs.is_finite() || secs < 0.0 {
        return fail(format!("{what} needs a non-negative number of seconds, got {secs:?}"));
    }
    Ok(Duration::from_secs_f64(secs.min(1e9)))
}

fn task_arg(v: &Value, what: &str) -> R<Rc<TaskState>> {
    match v {
        Value::Task(t) => Ok(t.clone()),
        other => fail(format!("{what} needs a Task, got {}", other.type_name())),
    }
}

fn sleep(interp: &Interp, a: &[Value]) -> R<Value> {
    let d = seconds(a.first().unwrap_or(&Value::Nil), "sleep()")?;
    let me = interp.rc();
    Ok(interp.spawn_task(
        Rc::from("sleep"),
        Box::pin(async move {
            super::timers::sleep(&me.rt.timers, d).await;
            Ok(Value::Nil)
        }),
    ))
}

fn spawn(interp: &Interp, a: &[Value]) -> R<Value> {
    match a.first() {
        Some(t @ Value::Task(_)) => Ok(t.clone()),
        Some(f) if crate::interp::eval_async::is_async_callable(f) => {
            interp.start_task_value(f.clone(), Args::default())
        }
        Some(other) => fail(format!("spawn() needs a Task, got {}", other.type_name())),
        None => fail("spawn() takes 1 argument but 0 were given"),
    }
}

fn join(interp: &Interp, a: &[Value]) -> R<Value> {
    let list = match a.first() {
        Some(Value::List(l)) => l.borrow().clone(),
        Some(Value::Tuple(t)) => t.to_vec(),
        Some(other) => return fail(format!("join() needs a List of Tasks, got {}", other.type_name())),
        None => return fail("join() takes 1 argument but 0 were given"),
    };
    for v in &list {
        if let Value::Task(t) = v {
            t.observed.set(true);
        }
    }
    let me = interp.rc();
    Ok(interp.spawn_task(
        Rc::from("join"),
        Box::pin(async move {
            let mut out = Vec::with_capacity(list.len());
            for v in list {
                out.push(me.await_value(v).await?);
            }
            Ok(Value::list(out))
        }),
    ))
}

fn timeout(interp: &Interp, a: &[Value]) -> R<Value> {
    let d = seconds(a.first().unwrap_or(&Value::Nil), "timeout()")?;
    let task = task_arg(a.get(1).unwrap_or(&Value::Nil), "timeout()")?;
    task.observed.set(true);
    let me = interp.rc();
    Ok(interp.spawn_task(
        Rc::from("timeout"),
        Box::pin(async move {
            let sleep = monoio::time::sleep(d);
            let armed = me.rt.timers.arm(d);
            let race = Race { task: WaitTask::raced(task.clone(), &me), timer: Box::pin(sleep) };
            let outcome = race.await;
            drop(armed);
            match outcome {
                Some(_) => {
                    let v = wait(&me, &task).await?;
                    Ok(me.ok(v))
                }
                None => {
                    task.cancel();
                    let err = match me.registry.timeout_error {
                        Some(make) => make(&me)?,
                        None => Value::str("timed out"),
                    };
                    Ok(me.err(err))
                }
            }
        }),
    ))
}

/// The task's outcome, or `None` when the timer fires first.
struct Race<'a> {
    task: WaitTask<'a>,
    timer: Pin<Box<monoio::time::Sleep>>,
}

impl Future for Race<'_> {
    type Output = Option<Outcome>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Outcome>> {
        if let Poll::Ready(o) = Pin::new(&mut self.task).poll(cx) {
            return Poll::Ready(Some(o));
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}

fn block_on(interp: &Interp, a: &[Value]) -> R<Value> {
    let v = a.first().cloned().unwrap_or_default();
    if interp.rt.in_runtime() {
        return fail("block_on() cannot be called from async code; use `await` instead");
    }
    match v {
        Value::Task(t) => interp.block_on(async { wait(interp, &t).await }),
        other => Ok(other),
    }
}
