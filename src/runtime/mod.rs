//! The per-thread monoio runtime behind async code: building it (io_uring with an
//! epoll fallback, timers on), entering it (`block_on`), spawning tasks in FIFO order,
//! statistics, fairness yields, and the global async built-ins (`sleep`, `spawn`,
//! `join`, `timeout`, `block_on`, `Channel`).

pub mod builtins;
pub mod channel;
pub mod deadlock;
pub mod task;
pub mod timers;

use crate::interp::value::Value;
use crate::interp::{BoxFut, Interp, R, fail};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use task::{TaskRunner, TaskState};

pub type MonoioRuntime = monoio::FusionRuntime<
    monoio::time::TimeDriver<monoio::IoUringDriver>,
    monoio::time::TimeDriver<monoio::LegacyDriver>,
>;

pub use builtins::register;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DriverChoice {
    #[default]
    Auto,
    IoUring,
    Epoll,
}

/// Counters reported by `runtime.stats()`.
#[derive(Default)]
pub struct Stats {
    pub tasks_spawned: Cell<u64>,
    pub tasks_completed: Cell<u64>,
    pub tasks_alive: Cell<u64>,
    pub connections_accepted: Cell<u64>,
    pub bytes_read: Cell<u64>,
    pub bytes_written: Cell<u64>,
    pub datagrams_sent: Cell<u64>,
    pub datagrams_received: Cell<u64>,
}

impl Stats {
    pub fn add(cell: &Cell<u64>, n: u64) {
        cell.set(cell.get().wrapping_add(n));
    }
}

pub struct RuntimeState {
    pub started: Instant,
    runtime: RefCell<Option<MonoioRuntime>>,
    pub driver_name: Cell<&'static str>,
    pub driver_choice: Cell<DriverChoice>,
    pub entries: Cell<u32>,
    /// `--threads N`: listeners share their port (SO_REUSEPORT)
    pub reuse_port: Cell<bool>,
    /// `--threads N`: which thread this runtime belongs to
    pub thread_index: Cell<usize>,
    /// new tasks wait in `pending` (outside the runtime, and during the first poll of a
    /// `block_on` root, so that FIFO order holds across entries into the runtime)
    defer_spawns: Cell<bool>,
    pending: RefCell<Vec<Pin<Box<dyn Future<Output = ()>>>>>,
    pub stats: Stats,
    next_task_id: Cell<u64>,
    /// the task being polled (None: top-level code)
    pub current_task: RefCell<Option<Rc<TaskState>>>,
    /// every task ever started that may still be alive (for shutdown and `:tasks`)
    pub tasks: RefCell<Vec<Weak<TaskState>>>,
    idle_waiters: RefCell<Vec<Waker>>,
    /// deadlines of the timers Simple code waits on (see `timers`)
    pub timers: timers::Deadlines,
    /// what is waiting on channels and tasks (deadlock detection)
    pub watch: deadlock::Watch,
}

impl Default for RuntimeState {
    fn default() -> Self {
        RuntimeState {
            started: Instant::now(),
            runtime: RefCell::new(None),
            driver_name: Cell::new(""),
            driver_choice: Cell::new(DriverChoice::Auto),
            entries: Cell::new(256),
            reuse_port: Cell::new(false),
            thread_index: Cell::new(0),
            defer_spawns: Cell::new(true),
            pending: RefCell::new(Vec::new()),
            stats: Stats::default(),
            next_task_id: Cell::new(1),
            current_task: RefCell::new(None),
            tasks: RefCell::new(Vec::new()),
            idle_waiters: RefCell::new(Vec::new()),
            watch: deadlock::Watch::default(),
            timers: timers::Deadlines::default(),
        }
    }
}

impl RuntimeState {
    pub fn task_finished(&self) {
        Stats::add(&self.stats.tasks_completed, 1);
        let alive = self.stats.tasks_alive.get().saturating_sub(1);
        self.stats.tasks_alive.set(alive);
        if alive == 0 {
            for w in self.idle_waiters.borrow_mut().drain(..) {
                w.wake();
            }
        }
    }

    /// Inside `block_on` (async code is running): the thread-wide flag that cancellation
    /// also reads (`task::entered`; one runtime per thread).
    pub fn in_runtime(&self) -> bool {
        task::entered()
    }

    pub fn is_started(&self) -> bool {
        self.runtime.borrow().is_some() || self.in_runtime()
    }

    /// Builds the thread's runtime (once): io_uring unless told otherwise, epoll when
    /// io_uring is missing or its ring cannot be built.
    fn build(&self) -> Result<MonoioRuntime, String> {
        let entries = self.entries.get();
        let legacy = || -> Result<MonoioRuntime, String> {
            let rt = monoio::RuntimeBuilder::<monoio::LegacyDriver>::new()
                .enable_timer()
                .attach_thread_pool(Box::new(BlockingPool))
                .build()
                .map_err(|e| format!("cannot start the epoll runtime: {e}"))?;
            Ok(rt.into())
        };
        let uring = || -> std::io::Result<MonoioRuntime> {
            let rt = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
                .with_entries(entries)
                .enable_timer()
                .attach_thread_pool(Box::new(BlockingPool))
                .build()?;
            Ok(rt.into())
        };
        let forced_legacy = std::env::var("MONOIO_FORCE_LEGACY_DRIVER").is_ok_and(|v| !v.is_empty() && v != "0");
        let choice = self.driver_choice.get();
        let (rt, name) = match choice {
            DriverChoice::Epoll => (legacy()?, "epoll"),
            DriverChoice::Auto if forced_legacy => (legacy()?, "epoll"),
            DriverChoice::IoUring => match uring() {
                Ok(rt) => (rt, "io_uring"),
                Err(e) => return Err(format!("cannot start the io_uring runtime: {e}")),
            },
            DriverChoice::Auto => match uring() {
                Ok(rt) => (rt, "io_uring"),
                Err(_) => (legacy()?, "epoll"),
            },
        };
        self.driver_name.set(name);
        Ok(rt)
    }

    /// Makes sure the runtime exists (so its driver is known before anything runs).
    pub fn ensure(&self) -> Result<(), String> {
        if self.is_started() {
            return Ok(());
        }
        let rt = self.build()?;
        *self.runtime.borrow_mut() = Some(rt);
        Ok(())
    }
}

/// The process's pool for blocking work (`monoio::spawn_blocking`): directory operations
/// and metadata under both drivers, file reads and writes and stdin under the epoll
/// driver, so that a slow disk or a quiet terminal never stalls the sockets. Its threads
/// start on first use, shared by every runtime thread.
struct BlockingPool;

static POOL: std::sync::LazyLock<monoio::blocking::DefaultThreadPool> =
    std::sync::LazyLock::new(|| monoio::blocking::DefaultThreadPool::new(4));

impl monoio::blocking::ThreadPool for BlockingPool {
    fn schedule_task(&self, task: monoio::blocking::BlockingTask) {
        POOL.schedule_task(task);
    }
}

/// Yields once to the executor: the task goes to the back of the run queue, behind
/// every task that is ready now.
///
/// monoio puts a task that wakes itself while it is being polled at the *front* of its
/// queue, so a plain self-wake would run the same task again at once. Instead the waker
/// is parked in the thread's `YieldQueue` and the queue's pump task, woken from here (it
/// is not running, so it goes to the back), wakes every parked task when its turn comes.
#[derive(Default)]
pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        YIELDS.with(|q| q.park(cx.waker()));
        Poll::Pending
    }
}

/// Tasks that yielded and the pump that wakes them (one per thread and runtime).
#[derive(Default)]
struct YieldQueue {
    parked: RefCell<Vec<Waker>>,
    /// the pump's waker while it waits; None when no pump runs on this runtime
    pump: RefCell<Option<Waker>>,
    pump_running: Cell<bool>,
}

thread_local! {
    static YIELDS: Rc<YieldQueue> = Rc::new(YieldQueue::default());
}

impl YieldQueue {
    fn park(self: &Rc<Self>, waker: &Waker) {
        self.parked.borrow_mut().push(waker.clone());
        if let Some(pump) = self.pump.borrow_mut().take() {
            pump.wake();
        } else if !self.pump_running.replace(true) {
            monoio::spawn(Pump(self.clone()));
        }
    }
}

/// Wakes the parked tasks, in the order they yielded, each time it is polled. It never
/// finishes: it lives as long as the monoio runtime, which drops it on shutdown.
struct Pump(Rc<YieldQueue>);

impl Future for Pump {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let parked = std::mem::take(&mut *self.0.parked.borrow_mut());
        for w in parked {
            w.wake();
        }
        *self.0.pump.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        self.0.pump.borrow_mut().take();
        self.0.pump_running.set(false);
        // the tasks still parked belong to the runtime being dropped too
        self.0.parked.borrow_mut().clear();
    }
}

/// Resolves when no task is alive.
struct Idle<'a>(&'a Interp, deadlock::Blocked);

impl Future for Idle<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.rt.stats.tasks_alive.get() == 0 {
            self.1.done();
            return Poll::Ready(());
        }
        self.0.rt.idle_waiters.borrow_mut().push(cx.waker().clone());
        self.0.flush();
        self.1.waiting();
        Poll::Pending
    }
}

/// The root future of a `block_on`: after its first poll, the tasks created before
/// and during that poll are handed to monoio, in creation order.
struct Root<'a, F> {
    fut: Pin<Box<F>>,
    interp: &'a Interp,
    first: bool,
}

impl<T, F: Future<Output = R<T>>> Future for Root<'_, F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let watch = &self.interp.rt.watch;
        watch.polls.set(watch.polls.get() + 1);
        if watch.deadlocked.replace(false) {
            self.interp.flush();
            return Poll::Ready(Err(crate::interp::Ctrl::error("deadlock: every task is waiting on a channel")));
        }
        *watch.root_waker.borrow_mut() = Some(cx.waker().clone());
        if self.first {
            task::fire_deferred();
        }
        let r = self.fut.as_mut().poll(cx);
        if self.first {
            self.first = false;
            self.interp.rt.defer_spawns.set(false);
            let pending = std::mem::take(&mut *self.interp.rt.pending.borrow_mut());
            for task in pending {
                monoio::spawn(task);
            }
        }
        if r.is_pending() {
            self.interp.flush();
        }
        r
    }
}

impl Interp {
    /// Runs the runtime until `fut` completes (the top level's way into async code).
    pub fn block_on<T>(&self, fut: impl Future<Output = R<T>>) -> R<T> {
        if self.rt.in_runtime() {
            return fail("block_on() cannot be called from async code; use `await` instead");
        }
        if self.sandbox.get() {
            return fail("async code does not run in this sandbox");
        }
        if let Err(e) = self.rt.ensure() {
            return fail(e);
        }
        let Some(mut rt) = self.rt.runtime.borrow_mut().take() else {
            return fail("the runtime has been shut down");
        };
        self.rt.defer_spawns.set(true);
        let entered = task::Entered::enter();
        let out = rt.block_on(Root { fut: Box::pin(fut), interp: self, first: true });
        drop(entered);
        self.rt.defer_spawns.set(true);
        *self.rt.runtime.borrow_mut() = Some(rt);
        self.flush();
        out
    }

    /// Runs every remaining task to completion (program end).
    pub fn run_until_idle(&self) -> R<()> {
        if self.rt.stats.tasks_alive.get() == 0 && self.rt.pending.borrow().is_empty() {
            return Ok(());
        }
        self.block_on(async {
            Idle(self, deadlock::Blocked::new(self, false)).await;
            Ok(())
        })
    }

    /// Starts a task running `fut`; returns the Task value.
    pub fn spawn_task(&self, name: Rc<str>, fut: BoxFut<'static>) -> Value {
        let id = self.rt.next_task_id.get();
        self.rt.next_task_id.set(id + 1);
        let state = Rc::new(TaskState::new(name, id));
        Stats::add(&self.rt.stats.tasks_spawned, 1);
        Stats::add(&self.rt.stats.tasks_alive, 1);
        {
            let mut tasks = self.rt.tasks.borrow_mut();
            if tasks.len() > 64 && tasks.len().is_power_of_two() {
                tasks.retain(|t| t.upgrade().is_some_and(|t| !t.is_done()));
            }
            tasks.push(Rc::downgrade(&state));
        }
        let runner = TaskRunner { body: Some(fut), state: state.clone(), interp: self.rc() };
        self.spawn_local(runner);
        Value::Task(state)
    }

    /// (Generic: monoio's task cell holds the runner itself, one allocation per task
    /// instead of a box inside a cell.)
    fn spawn_local(&self, fut: impl Future<Output = ()> + 'static) {
        if self.rt.defer_spawns.get() {
            self.rt.pending.borrow_mut().push(Box::pin(fut));
        } else {
            monoio::spawn(fut);
        }
    }

    /// Called at loop back-edges in async bodies: every so often let other tasks run
    /// (and due timers fire, see `fairness_yield`).
    pub async fn fairness_point(&self) {
        let steps = self.steps.get().wrapping_add(1);
        self.steps.set(steps);
        if steps.is_multiple_of(1024) {
            self.fairness_yield().await;
        }
    }

    /// Lets other tasks run. When a timer Simple code waits on is due, waits on a timer
    /// instead, so that the runtime parks and fires it even while this task is busy
    /// (monoio fires timers only when nothing is runnable; see `timers`).
    pub async fn fairness_yield(&self) {
        if !self.rt.in_runtime() {
            return;
        }
        if self.rt.timers.any_due(Instant::now()) {
            // boxed: monoio's timer entry is aligned to 128 bytes, which would otherwise
            // raise the alignment (and the padding) of every evaluator future that
            // contains this one inline, and send their boxes down the allocator's slow
            // aligned path; this branch is rare
            Box::pin(monoio::time::sleep(Duration::from_micros(1))).await;
        } else {
            YieldNow(false).await;
        }
    }

    /// Cancels every live task (runtime shutdown, REPL reset).
    pub fn cancel_all_tasks(&self) {
        let tasks: Vec<_> = self.rt.tasks.borrow().iter().filter_map(|t| t.upgrade()).collect();
        for t in tasks {
            t.cancel();
        }
    }

    /// Live tasks, for the REPL's `:tasks`.
    pub fn live_tasks(&self) -> Vec<(u64, Rc<str>)> {
        self.rt
            .tasks
            .borrow()
            .iter()
            .filter_map(|t| t.upgrade())
            .filter(|t| !t.is_done())
            .map(|t| (t.id, t.name.clone()))
            .collect()
    }
}
