//! Cross-thread plumbing of the REPL. The interpreter (and its monoio runtime) stays on
//! the main thread; input is read on another thread. This module holds:
//!
//! - [`Events`]: the queue from the input thread to the interpreter. The interpreter
//!   waits on it *inside* the runtime ([`Events::recv`] is a future woken from the
//!   other thread; monoio's `sync` feature unparks the driver), so tasks keep running
//!   while the prompt waits;
//! - Ctrl-C while an entry runs: a signal handler that sets [`crate::interp::INTERRUPT`]
//!   and wakes [`Interruptible`], which drops the entry's future (its pending awaits);
//! - [`ReplSink`]: the interpreter's output while the prompt is shown goes through the
//!   line editor's external printer (so it does not garble the line being edited), and
//!   straight to stdout/stderr while an entry runs.

use crate::interp::{Ctrl, INTERRUPT, OutputSink, R};
use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// What the input thread reports.
pub enum Event {
    Line(String),
    /// Ctrl-C at the prompt
    Interrupted,
    /// Ctrl-D on an empty line, or end of piped input
    Eof,
    /// Tab: the completer asks the interpreter for candidates
    Complete {
        line: String,
        pos: usize,
        reply: mpsc::Sender<(usize, Vec<String>)>,
    },
}

#[derive(Default)]
struct Queue {
    events: VecDeque<Event>,
    waker: Option<Waker>,
}

#[derive(Clone, Default)]
pub struct Events(Arc<(Mutex<Queue>, Condvar)>);

impl Events {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.0.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// From any thread.
    pub fn send(&self, ev: Event) {
        let waker = {
            let mut q = self.lock();
            q.events.push_back(ev);
            q.waker.take()
        };
        self.0.1.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Waits without the runtime (nothing async is alive).
    pub fn recv_blocking(&self) -> Event {
        let mut q = self.lock();
        loop {
            if let Some(ev) = q.events.pop_front() {
                return ev;
            }
            q = self.0.1.wait(q).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Waits inside the runtime (tasks run meanwhile).
    pub fn recv(&self) -> Recv<'_> {
        Recv(self)
    }
}

pub struct Recv<'a>(&'a Events);

impl Future for Recv<'_> {
    type Output = Event;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Event> {
        let mut q = self.0.lock();
        match q.events.pop_front() {
            Some(ev) => {
                q.waker = None;
                Poll::Ready(ev)
            }
            None => {
                q.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for Recv<'_> {
    fn drop(&mut self) {
        self.0.lock().waker = None;
    }
}

// ----- Ctrl-C while an entry runs ----------------------------------------------------------

/// Shared with the signal handler thread.
#[derive(Default)]
pub struct Interrupts {
    waker: Mutex<Option<Waker>>,
    /// presses since the current entry started; the third one exits (a runaway that
    /// cannot be interrupted, e.g. a background task spinning without awaiting)
    presses: AtomicU32,
}

impl Interrupts {
    /// Installs the REPL's SIGINT handler (instead of the exit-130 one of `simple run`).
    pub fn install() -> Arc<Interrupts> {
        let state = Arc::new(Interrupts::default());
        let s = state.clone();
        let _ = ctrlc::set_handler(move || {
            if s.presses.fetch_add(1, Ordering::SeqCst) >= 2 {
                let _ = std::io::stderr().write_all(b"\nsimple: interrupted three times; exiting\n");
                std::process::exit(130);
            }
            INTERRUPT.store(true, Ordering::SeqCst);
            if let Some(w) = s.waker.lock().unwrap_or_else(|p| p.into_inner()).take() {
                w.wake();
            }
        });
        state
    }

    /// A new entry starts: forget earlier presses.
    pub fn reset(&self) {
        self.presses.store(0, Ordering::SeqCst);
        INTERRUPT.store(false, Ordering::SeqCst);
    }

    /// Consumes a pending Ctrl-C.
    pub fn take(&self) -> bool {
        INTERRUPT.swap(false, Ordering::SeqCst)
    }
}

/// Runs `fut` unless Ctrl-C comes first; then `fut` is dropped (its pending awaits with
/// it) and the result is the error `interrupted`.
pub struct Interruptible<'a, F> {
    pub fut: Pin<Box<F>>,
    pub state: &'a Interrupts,
}

impl<T, F: Future<Output = R<T>>> Future for Interruptible<'_, F> {
    type Output = R<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R<T>> {
        *self.state.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(cx.waker().clone());
        if self.state.take() {
            return Poll::Ready(Err(Ctrl::error_of(crate::interp::ErrorKind::Interrupt, "interrupted")));
        }
        self.fut.as_mut().poll(cx)
    }
}

impl<F> Drop for Interruptible<'_, F> {
    fn drop(&mut self) {
        self.state.waker.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

// ----- output ------------------------------------------------------------------------------

/// Output of the interpreter in an interactive session. While `at_prompt` is set, text
/// goes (on flush) to the printer thread, which hands it to rustyline's external printer;
/// otherwise to stdout/stderr directly.
pub struct ReplSink {
    pub at_prompt: Rc<Cell<bool>>,
    buf: String,
    printer: mpsc::Sender<String>,
}

impl ReplSink {
    pub fn new(at_prompt: Rc<Cell<bool>>, printer: mpsc::Sender<String>) -> ReplSink {
        ReplSink { at_prompt, buf: String::new(), printer }
    }
}

impl OutputSink for ReplSink {
    fn write_out(&mut self, s: &str) {
        self.buf.push_str(s);
        // at the prompt, task output is line-buffered (a task may end right after a
        // `print`, and nothing else would flush it before the next entry)
        if self.buf.len() > 1 << 16 || (self.at_prompt.get() && s.ends_with('\n')) {
            self.flush();
        }
    }
    fn write_err(&mut self, s: &str) {
        if self.at_prompt.get() {
            self.buf.push_str(s);
            self.flush();
        } else {
            self.flush();
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(s.as_bytes());
            let _ = err.flush();
        }
    }
    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.buf);
        if self.at_prompt.get() {
            let _ = self.printer.send(text);
        } else {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }
}
