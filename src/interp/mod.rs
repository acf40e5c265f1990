//! The interpreter: its state (`Interp`), frames, control flow (`Ctrl`) and runtime
//! errors. Evaluation itself lives in `eval` (synchronous fast path), `eval_async` (the
//! await-containing spine), `call` (function application), `ops` (operators),
//! `access` (fields, indexes, slices), `iter`, `collections` (sets, comprehensions),
//! `format` (format specs), `builtins` and `methods` (registered in the registry).
//!
//! `Ctrl` is non-local control flow on `Result`'s error side: `Break`, `Continue`,
//! `Return` (a `return`, or a `?` leaving early) and `Error(Box<RtError>)`. The value
//! being returned waits in `Interp::ret` (`ret(v)` stores it, `take_ret` takes it at the
//! function boundary), which keeps `Ctrl` and every `R<T>` small. `RtError` is a
//! diagnostic plus the innermost span reached (`stamp`: first stamp wins) and its kind;
//! each function an error leaves adds a stack line (`leave`). A `Frame` is one
//! activation's slots, in a `Vec` reused from `spare_slots` (`take_slots`; a finished
//! frame gives its vector back emptied in `give_frame`).
//!
//! Output: `print` builds its whole line and appends it, in one locked write, to
//! `STDOUT`, one buffer per process (so `--threads` interpreters never split a line),
//! written out at 64 KiB, whenever the program is about to wait (see `flush`), before
//! anything goes to stderr (`eprint`), in `exit()`, at program end, and by the Ctrl-C
//! handler (`flush_stdout`, any thread). `Interp::flush` is called at every one of those
//! points and does nothing unless this interpreter printed since (`out_dirty`). Tests
//! capture output (`Output::Capture`); the REPL installs a sink (`OutputSink`).

pub mod access;
pub mod builtins;
pub mod byte_pool;
pub mod call;
pub mod collections;
pub mod dict;
pub mod display;
pub mod eval;
pub mod eval_async;
pub mod eval_async_expr;
pub mod eval_expr;
pub mod format;
mod global_slots;
pub mod iter;
pub mod lower;
pub mod methods;
pub mod module;
pub mod ops;
pub mod pattern;
mod slot_pool;
pub mod types;
pub mod value;

use crate::diag::{Diagnostic, SourceMap, StackEntry};
use crate::resolve::GlobalTable;
use crate::syntax::ast::Span;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::rc::Rc;
use value::{Closure, TypeDef, Value};

/// Maximum nesting of Simple calls (LANGUAGE.md §9 asks for at least 10,000).
pub const MAX_DEPTH: u32 = 12_000;

pub type BoxFut<'a> = Pin<Box<dyn Future<Output = R<Value>> + 'a>>;
pub type R<T> = Result<T, Ctrl>;

/// Non-local control flow, threaded through `Result`'s error side.
pub enum Ctrl {
    Break,
    Continue,
    /// `return` (and `?`): the value waits in `Interp::ret` until the function boundary
    /// takes it. Keeping it out of `Ctrl` keeps results small and their copies cheap.
    Return,
    Error(Box<RtError>),
}

/// What kind of runtime error: the program's own, or one the runtime raised to stop it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// a runtime error in the program (the default)
    User,
    /// Ctrl-C in the REPL stopped the entry
    Interrupt,
    /// a limit was hit: recursion depth, the sandbox's step budget
    Limit,
    /// a bug in the interpreter itself (a broken invariant, a caught panic)
    Internal,
    /// a spec's expectation failed (`expect`): ends the example, which reports it
    Expectation,
}

#[derive(Clone)]
pub struct RtError {
    pub diag: Diagnostic,
    /// where execution had got to in the innermost function not yet on the stack
    pub cur_span: Option<Span>,
    pub kind: ErrorKind,
}

impl Ctrl {
    pub fn error(message: impl Into<String>) -> Ctrl {
        Ctrl::error_of(ErrorKind::User, message)
    }
    pub fn error_of(kind: ErrorKind, message: impl Into<String>) -> Ctrl {
        Ctrl::Error(Box::new(RtError { diag: Diagnostic::runtime(message), cur_span: None, kind }))
    }
    /// Calls (or comparisons of nested values) went deeper than `MAX_DEPTH`.
    #[cold]
    pub fn recursion_limit() -> Ctrl {
        Ctrl::error_of(ErrorKind::Limit, "maximum recursion depth exceeded")
    }
    /// `Interp::step_budget` is spent.
    #[cold]
    pub fn step_limit() -> Ctrl {
        Ctrl::error_of(ErrorKind::Limit, "step limit exceeded")
    }
    /// The kind of error this is, if it is one.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        match self {
            Ctrl::Error(e) => Some(e.kind),
            _ => None,
        }
    }
}

/// Shorthand for `Err(Ctrl::error(..))`.
pub fn fail<T>(message: impl Into<String>) -> R<T> {
    Err(Ctrl::error(message))
}

impl RtError {
    /// Records the innermost expression position (only the first call counts).
    pub fn stamp(&mut self, span: Span) {
        if self.cur_span.is_none() {
            self.cur_span = Some(span);
        }
        if self.diag.span.is_none() {
            self.diag.span = Some(span);
        }
    }
    /// The error leaves function `name`: its position joins the stack.
    pub fn leave(&mut self, name: &Rc<str>, fallback: Span) {
        let span = self.cur_span.take().unwrap_or(fallback);
        if self.diag.span.is_none() {
            self.diag.span = Some(span);
        }
        self.diag.stack.push(StackEntry { func: name.clone(), span });
    }
}

/// One activation: the slots of a function (or of the top-level code).
pub struct Frame {
    pub slots: Vec<Value>,
    pub closure: Option<Rc<Closure>>,
    /// nesting of inline-awaited async calls (sync calls use `Interp::depth`)
    pub async_depth: u32,
}

impl Frame {
    pub fn new(n_slots: usize) -> Frame {
        Frame { slots: vec![Value::Nil; n_slots], closure: None, async_depth: 0 }
    }
}

/// Where `print` goes: stdout (buffered, flushed whenever the program waits), a
/// capture buffer (tests), or an embedder's sink (the REPL: its line editor's external
/// printer while the prompt is shown).
pub enum Output {
    /// the process's stdout, through the shared buffer `STDOUT`
    Stdout,
    Capture(Rc<RefCell<Vec<u8>>>),
    Sink(Box<dyn OutputSink>),
}

/// An embedder's destination for `print` and `eprint` (and task failure reports).
pub trait OutputSink {
    fn write_out(&mut self, s: &str);
    /// stderr text; the sink flushes its stdout text first, so the two stay in order
    fn write_err(&mut self, s: &str);
    fn flush(&mut self);
}

impl Output {
    pub fn write_str(&mut self, s: &str) {
        self.write_bytes(s.as_bytes())
    }
    /// Bytes that are not UTF-8 reach an embedder's sink lossily (stdout and captures
    /// get them as they are).
    pub fn write_bytes(&mut self, b: &[u8]) {
        match self {
            Output::Stdout => {
                let mut buf = STDOUT.lock().unwrap_or_else(|p| p.into_inner());
                buf.extend_from_slice(b);
                // a terminal gets every complete line at once (line-buffered, as in
                // Python and Node: progress shows during a long loop); a pipe or file
                // gets 64 KiB blocks
                if buf.len() >= 1 << 16 || (*STDOUT_IS_TERMINAL && b.contains(&b'\n')) {
                    let _ = write_stdout(&mut buf);
                }
            }
            Output::Capture(buf) => buf.borrow_mut().extend_from_slice(b),
            Output::Sink(sink) => sink.write_out(&String::from_utf8_lossy(b)),
        }
    }
    pub fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout => flush_stdout(),
            Output::Sink(sink) => {
                sink.flush();
                Ok(())
            }
            Output::Capture(_) => Ok(()),
        }
    }
}

/// What `print` wrote and stdout has not received yet. One buffer per process, so that
/// the Ctrl-C handler can flush it before exiting and `--threads` never splits a line.
pub static STDOUT: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

static STDOUT_IS_TERMINAL: std::sync::LazyLock<bool> =
    std::sync::LazyLock::new(|| std::io::IsTerminal::is_terminal(&std::io::stdout()));

/// Writes the buffer out and empties it (also when the write fails: the bytes are
/// reported lost, not retried forever).
fn write_stdout(buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let r = out.write_all(buf).and_then(|_| out.flush());
    buf.clear();
    r
}

/// Writes out everything `print` has buffered (any thread may call it).
pub fn flush_stdout() -> std::io::Result<()> {
    let mut buf = STDOUT.lock().unwrap_or_else(|p| p.into_inner());
    if !buf.is_empty() {
        return write_stdout(&mut buf);
    }
    Ok(())
}

/// For a signal handler that is about to end the process: writes out what `print` has
/// buffered, with write(2), unless the buffer stays locked (the interrupted code is in
/// the middle of changing it, or of writing it out). Only async-signal-safe steps: lock
/// attempts (an atomic compare-exchange), sched_yield and write(2); nothing allocates.
pub fn flush_stdout_in_signal_handler() {
    for _ in 0..1000 {
        let mut guard = match STDOUT.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                // another thread may be about to let go of it
                // SAFETY: sched_yield has no preconditions
                unsafe { libc::sched_yield() };
                continue;
            }
        };
        let mut rest: &[u8] = &guard;
        while !rest.is_empty() {
            // SAFETY: writes from a live slice to the process's stdout descriptor
            let n = unsafe { libc::write(1, rest.as_ptr().cast(), rest.len()) };
            if n > 0 {
                rest = &rest[n as usize..];
            } else if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            } else {
                break; // stdout is gone: nothing more to save
            }
        }
        // emptied without freeing: nothing else runs after the handler
        guard.truncate(0);
        return;
    }
}

/// Ctrl-C in the REPL while an entry runs. Set only by the REPL's signal handler (a plain
/// program exits on Ctrl-C instead); consumed by `Interp::check_interrupt`, or by the REPL,
/// which also cancels the entry's pending awaits.
pub static INTERRUPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Built-in enum types the evaluator constructs directly.
pub struct BuiltinTypes {
    pub option: Rc<TypeDef>,
    pub result: Rc<TypeDef>,
}

pub struct Interp {
    pub sources: SourceMap,
    pub globals: global_slots::GlobalSlots,
    pub table: RefCell<GlobalTable>,
    pub modules: RefCell<module::ModuleCache>,
    /// nesting of synchronous Simple calls
    pub depth: Cell<u32>,
    pub out: RefCell<Output>,
    pub types: BuiltinTypes,
    pub none: Value,
    /// `Ok(nil)`, shared (every `write_all`, `close`, `send` returns it; an enum value
    /// is never changed in place)
    ok_nil: Value,
    pub script_args: Vec<String>,
    /// everything built in: prelude, methods, std modules, natives
    pub registry: &'static crate::registry::Registry,
    /// registered methods of native types as values (`find_method`), made on first use
    pub method_values: RefCell<Vec<Option<Value>>>,
    /// this interpreter's own `Rc` (`rc()`), set at construction
    me: std::rc::Weak<Interp>,
    pub color: bool,
    pub rt: crate::runtime::RuntimeState,
    /// a task failed without anyone awaiting it (exit code 1 at the end)
    pub task_failed: Cell<bool>,
    /// steps since the running task last yielded (fairness)
    pub steps: Cell<u32>,
    /// loop iterations and calls left before `step limit exceeded` (fuzzing, sandboxes)
    pub step_budget: Cell<u64>,
    /// emptied slot vectors of finished frames, reused by the next calls (a call then
    /// costs no allocation)
    spare_slots: slot_pool::SlotPool,
    /// no runtime, no `exit()`: for running untrusted programs in-process (the fuzz test)
    pub sandbox: Cell<bool>,
    /// `print` wrote something since the last flush
    out_dirty: Cell<bool>,
    /// one-character ASCII strings (see `char_value`)
    pub ascii: Vec<Value>,
    /// the value of the `Ctrl::Return` being propagated
    ret: Cell<Value>,
}

/// See `Interp::global_callee`.
pub enum GlobalCallee {
    Closure(Rc<Closure>),
    Native(Rc<value::NativeFn>),
    Other,
}

impl Interp {
    pub fn new(registry: &'static crate::registry::Registry, script_args: Vec<String>, color: bool) -> Rc<Interp> {
        let types = builtins::builtin_types();
        let none = builtins::make_variant(&types.option, 0, Vec::new());
        let ok_nil = builtins::make_variant1(&types.result, 0, Value::Nil);
        let interp = Rc::new_cyclic(|me| Interp {
            sources: SourceMap::default(),
            globals: Default::default(),
            table: RefCell::new(GlobalTable { info: Vec::new(), prelude: HashMap::new() }),
            modules: RefCell::new(module::ModuleCache::default()),
            depth: Cell::new(0),
            out: RefCell::new(Output::Stdout),
            types,
            none,
            ok_nil,
            script_args,
            registry,
            method_values: RefCell::new(vec![None; registry.methods.len()]),
            me: me.clone(),
            color,
            rt: crate::runtime::RuntimeState::default(),
            task_failed: Cell::new(false),
            steps: Cell::new(0),
            step_budget: Cell::new(u64::MAX),
            spare_slots: slot_pool::SlotPool::default(),
            sandbox: Cell::new(false),
            out_dirty: Cell::new(false),
            ascii: iter::ascii_table(),
            ret: Cell::new(Value::Nil),
        });
        builtins::install_prelude(&interp);
        interp
    }

    pub fn print(&self, s: &str) {
        self.out_dirty.set(true);
        self.out.borrow_mut().write_str(s);
    }

    /// Called whenever the program is about to wait: cheap when nothing was printed.
    /// (Write errors of `print` are ignored, as Python's at exit; `io::stdout().flush()`
    /// reports them through `flush_checked`.)
    pub fn flush(&self) {
        if self.out_dirty.replace(false) {
            let _ = self.out.borrow_mut().flush();
        }
    }

    pub fn flush_checked(&self) -> std::io::Result<()> {
        self.out_dirty.set(false);
        self.out.borrow_mut().flush()
    }

    /// `io::stdout().write(...)`: the same ordered buffer as `print`.
    pub fn print_bytes(&self, b: &[u8]) {
        self.out_dirty.set(true);
        self.out.borrow_mut().write_bytes(b);
    }

    /// Writes to stderr after flushing stdout, so the two streams stay in order.
    pub fn eprint(&self, s: &str) {
        let _ = self.eprint_bytes(s.as_bytes());
    }

    /// `eprint` for any bytes, with the write's outcome (`io::stderr().write(...)`).
    pub fn eprint_bytes(&self, b: &[u8]) -> std::io::Result<()> {
        match &mut *self.out.borrow_mut() {
            Output::Sink(sink) => {
                sink.write_err(&String::from_utf8_lossy(b));
                return Ok(());
            }
            // captured runs (tests, the sandbox) keep stderr text with the output
            Output::Capture(buf) => {
                buf.borrow_mut().extend_from_slice(b);
                return Ok(());
            }
            Output::Stdout => {}
        }
        self.flush();
        let mut err = std::io::stderr().lock();
        err.write_all(b).and_then(|_| err.flush())
    }

    pub fn render(&self, diag: &Diagnostic) -> String {
        crate::diag::render(diag, &self.sources, self.color)
    }

    /// Checked at the back-edges of synchronous loops: after Ctrl-C in the REPL, the
    /// entry being run (not a background task) stops with the runtime error `interrupted`.
    #[inline]
    pub fn check_interrupt(&self) -> R<()> {
        use std::sync::atomic::Ordering::Relaxed;
        self.spend_step()?;
        if INTERRUPT.load(Relaxed) && self.rt.current_task.borrow().is_none() {
            INTERRUPT.store(false, Relaxed);
            return Err(Ctrl::error_of(ErrorKind::Interrupt, "interrupted"));
        }
        Ok(())
    }

    /// Counts one loop iteration or call against `step_budget`.
    #[inline]
    pub fn spend_step(&self) -> R<()> {
        let left = self.step_budget.get();
        if left == 0 {
            return Err(Ctrl::step_limit());
        }
        self.step_budget.set(left - 1);
        Ok(())
    }

    #[inline]
    pub fn global(&self, g: u32) -> Value {
        self.globals.get(g)
    }

    /// What a call of global `g` goes to: a closure, or a built-in function (only the
    /// `Rc`s are cloned, in one look at the globals).
    #[inline]
    pub fn global_callee(&self, g: u32) -> GlobalCallee {
        self.globals.callee(g)
    }

    /// `g op= y` when global `g` holds an int (`None` otherwise).
    #[inline]
    pub fn update_global_int(&self, g: u32, op: crate::syntax::ast::BinOp, y: i64) -> Option<R<()>> {
        self.globals.update_int(g, op, y)
    }

    pub fn set_global(&self, g: u32, v: Value) {
        self.globals.set(g, v);
    }

    /// A frame of `n_slots` nils, its vector a spare one if there is one (`take_slots`).
    pub fn take_frame(&self, n_slots: usize, closure: Option<Rc<Closure>>) -> Frame {
        let mut slots = self.take_slots(n_slots);
        slots.resize(n_slots, Value::Nil);
        Frame { slots, closure, async_depth: 0 }
    }

    /// An empty slot vector with room for `n` values: a spare one if there is one.
    #[inline]
    pub fn take_slots(&self, n: usize) -> Vec<Value> {
        if n == 0 {
            return Vec::new(); // allocates nothing
        }
        self.spare_slots.take(n)
    }

    /// Ends a frame: its values are dropped now and its slot vector kept for reuse
    /// (`SlotPool::keep`; deep recursion's extra ones are freed).
    #[inline(always)]
    pub fn give_frame(&self, frame: Frame) {
        let Frame { mut slots, closure, .. } = frame;
        drop(closure);
        if slots.capacity() != 0 {
            // (a function without locals has an unallocated vector: nothing to keep)
            slot_pool::clear(&mut slots);
            self.spare_slots.keep(slots);
        }
    }

    /// Starts returning `v` from the current function.
    #[inline]
    pub fn ret(&self, v: Value) -> Ctrl {
        self.ret.set(v);
        Ctrl::Return
    }

    /// The value of the `Ctrl::Return` that reached its function boundary.
    #[inline]
    pub fn take_ret(&self) -> Value {
        self.ret.take()
    }

    pub fn some(&self, v: Value) -> Value {
        builtins::make_variant1(&self.types.option, 1, v)
    }
    pub fn ok(&self, v: Value) -> Value {
        if let Value::Nil = v {
            return self.ok_nil.clone();
        }
        builtins::make_variant1(&self.types.result, 0, v)
    }
    pub fn err(&self, v: Value) -> Value {
        builtins::make_variant1(&self.types.result, 1, v)
    }
    pub fn option(&self, v: Option<Value>) -> Value {
        match v {
            Some(v) => self.some(v),
            None => self.none.clone(),
        }
    }
}
