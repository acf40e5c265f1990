//! Running a whole program: parse, resolve (nothing runs if either reports errors),
//! run imported modules, the top level, then `main`, then every remaining task.
//! Returns the process exit code (0, 1 runtime error, 2 syntax/resolve/usage error).
//!
//! This is the one program driver: `run_source`/`run_file` (`simple run`, `-e`),
//! `check_source` (`simple check`), `run_file_threads` (`--threads N`) and
//! `run_sandboxed` (the fuzz test) all go through `new_interp`, and so does the REPL's
//! session. `registry` assembles, once per process, the one registry of built-ins from
//! the core, the runtime, the std library and the spec DSL; it is the only place that
//! names them all.
//!
//! A run, step by step: `new_interp` (`Interp::new` installs the prelude from the
//! registry); `prepare` parses (`module::parse_source`) and resolves (imports are loaded,
//! parsed and resolved recursively, and only queued to run); if anything was reported,
//! every diagnostic is printed (at most `MAX_REPORTED`) and the exit code is 2.
//! `run_prepared` then runs the queued modules (dependencies first), the top level, and
//! `main` if the file declares one (an async `main` is driven by `Interp::block_on`
//! directly; it is not a Task), then `run_until_idle` waits until no task is alive, then
//! the registry's `at_end` hooks run (the spec DSL's summary).
//!
//! Exit codes: 1 if a runtime error escaped, if a `?` left the top level, or if a task
//! failed with nobody awaiting it; `main` returning `Err(e)` prints `error: e` and gives 1
//! at once, without running the remaining tasks. `exit(n)` ends the process itself.
//!
//! `run_file_threads`: N OS threads (`simple-0`, ...), each with the big stack, each
//! running `run_file` with its own `thread_index`, interpreter and runtime; with N > 1
//! listeners and UDP sockets are bound with SO_REUSEPORT (`RuntimeState::reuse_port`).
//! The exit code is the first non-zero one in thread order (101 for a panicked thread).
//!
//! `run_sandboxed(src, steps)`: untrusted source in-process. The `sandbox` flag makes
//! `block_on` (so all async code) and `exit()` runtime errors, `step_budget` allows
//! `steps` loop iterations and calls before `step limit exceeded`, the value nesting
//! limit drops to 10,000, and output is captured: stdout, or stdout + diagnostics.

use crate::interp::call::Args;
use crate::interp::eval_async::is_async_callable;
use crate::interp::module::parse_source;
use crate::interp::value::Value;
use crate::interp::{Ctrl, Interp};
use crate::resolve::ModuleScope;
use crate::runtime::DriverChoice;
use std::path::{Path, PathBuf};
use std::rc::Rc;

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub color: bool,
    pub driver: DriverChoice,
    pub args: Vec<String>,
    /// `--threads N`: how many OS threads run the program (0 or 1: just this one)
    pub threads: usize,
    /// which of those threads this is (`thread_index()`)
    pub thread_index: usize,
    /// the process ends with this program: when it finishes, exit at once instead of
    /// tearing down the interpreter (freeing every object it still holds), its runtime
    /// and its thread, work the process's exit does anyway
    pub exit_when_done: bool,
}

/// Everything built in, registered once per process: the core built-ins, the runtime's
/// async built-ins, and every std module.
pub fn registry() -> &'static crate::registry::Registry {
    static REGISTRY: std::sync::LazyLock<crate::registry::Registry> = std::sync::LazyLock::new(|| {
        let mut r = crate::registry::Registry::default();
        crate::interp::builtins::register(&mut r);
        crate::runtime::register(&mut r);
        crate::stdlib::register(&mut r);
        crate::testing::spec::register(&mut r);
        r
    });
    &REGISTRY
}

pub fn new_interp(opts: &RunOptions) -> Rc<Interp> {
    let interp = Interp::new(registry(), opts.args.clone(), opts.color);
    interp.rt.driver_choice.set(opts.driver);
    interp.rt.reuse_port.set(opts.threads > 1);
    interp.rt.thread_index.set(opts.thread_index);
    interp
}

/// `--threads N`: N OS threads, each with its own runtime and interpreter heap, run the
/// same program; listeners share their port (SO_REUSEPORT) so the kernel spreads
/// connections. The exit code is the first non-zero one.
pub fn run_file_threads(path: &str, opts: &RunOptions, stack_size: usize) -> i32 {
    let handles: Vec<_> = (0..opts.threads.max(1))
        .map(|i| {
            let mut o = opts.clone();
            o.thread_index = i;
            // the process ends when the last thread does
            o.exit_when_done = false;
            let path = path.to_string();
            std::thread::Builder::new()
                .name(format!("simple-{i}"))
                .stack_size(stack_size)
                .spawn(move || run_file(&path, &o))
        })
        .collect();
    let mut code = 0;
    for h in handles {
        let c = match h.map(|h| h.join()) {
            Ok(Ok(c)) => c,
            _ => 101,
        };
        if code == 0 {
            code = c;
        }
    }
    code
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("error: cannot read `{path}`: {e}"))
}

fn dir_of(path: &str) -> PathBuf {
    Path::new(path).parent().map(Path::to_path_buf).unwrap_or_default()
}

pub fn run_file(path: &str, opts: &RunOptions) -> i32 {
    match read(path) {
        Ok(src) => run_source(path, &src, opts),
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

pub fn check_file(path: &str, color: bool) -> i32 {
    match read(path) {
        Ok(src) => check_source(path, &src, color),
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

/// Reports syntax and resolve errors without running anything.
pub fn check_source(name: &str, src: &str, color: bool) -> i32 {
    let interp = new_interp(&RunOptions { color, ..Default::default() });
    match prepare(&interp, name, src) {
        Ok(_) => 0,
        Err(code) => code,
    }
}

/// Parses and resolves; on errors prints them all and returns exit code 2.
fn prepare(interp: &Interp, name: &str, src: &str) -> Result<(crate::syntax::ast::Program, Rc<ModuleScope>), i32> {
    let (mut program, errors) = parse_source(interp, name, src);
    let errors = if errors.is_empty() {
        let scope = Rc::new(ModuleScope { name: "main".into(), ..Default::default() });
        let errors = interp.resolve(&mut program, scope.clone(), dir_of(name), false);
        if errors.is_empty() {
            return Ok((program, scope));
        }
        errors
    } else {
        errors
    };
    report_all(interp, &errors);
    Err(2)
}

/// Most static errors a run reports (each rendering re-reads its file's source; a file
/// of nothing but errors should not take minutes to complain).
const MAX_REPORTED: usize = 100;

fn report_all(interp: &Interp, errors: &[crate::diag::Diagnostic]) {
    for e in errors.iter().take(MAX_REPORTED) {
        interp.eprint(&interp.render(e));
    }
    if errors.len() > MAX_REPORTED {
        interp.eprint(&format!("note: {} more errors not shown\n", errors.len() - MAX_REPORTED));
    }
}

/// Runs untrusted source in-process: no runtime, no `exit()`, at most `steps` loop
/// iterations and calls, output captured. Ok(stdout) or Err(stdout + diagnostics).
pub fn run_sandboxed(src: &str, steps: u64) -> Result<String, String> {
    let interp = new_interp(&RunOptions::default());
    interp.sandbox.set(true);
    interp.step_budget.set(steps);
    crate::interp::value::set_nesting_limit(10_000);
    let captured = Rc::new(std::cell::RefCell::new(Vec::new()));
    *interp.out.borrow_mut() = crate::interp::Output::Capture(captured.clone());
    let (mut program, mut errors) = parse_source(&interp, "<fuzz>", src);
    let scope = Rc::new(ModuleScope { name: "main".into(), ..Default::default() });
    if errors.is_empty() {
        errors = interp.resolve(&mut program, scope.clone(), PathBuf::new(), false);
    }
    let mut report = String::new();
    for e in errors.iter().take(MAX_REPORTED) {
        report.push_str(&interp.render(e));
    }
    if errors.is_empty()
        && let Err(c) = run_prepared(&interp, &program, &scope)
    {
        if let Ctrl::Error(e) = c {
            report.push_str(&interp.render(&e.diag));
        } else {
            report.push_str("error: `?` left the top level\n");
        }
    }
    let out = String::from_utf8_lossy(&captured.borrow()).into_owned();
    if report.is_empty() { Ok(out) } else { Err(out + &report) }
}

pub fn run_source(name: &str, src: &str, opts: &RunOptions) -> i32 {
    let interp = new_interp(opts);
    let (program, scope) = match prepare(&interp, name, src) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let code = match run_prepared(&interp, &program, &scope) {
        Ok(code) => code,
        Err(c) => report(&interp, c),
    };
    interp.flush();
    if opts.exit_when_done {
        exit_now(code);
    }
    code
}

/// Ends the process with `code` at once, after writing out what stdout still buffers.
/// Nothing else is torn down: no destructor, no allocator clean-up, no thread join.
pub fn exit_now(code: i32) -> ! {
    use std::io::Write;
    let _ = crate::interp::flush_stdout();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: _exit ends the process; everything still held is the kernel's to reclaim
    unsafe { libc::_exit(code) }
}

fn run_prepared(interp: &Interp, program: &crate::syntax::ast::Program, scope: &ModuleScope) -> Result<i32, Ctrl> {
    interp.run_loaded_modules()?;
    interp.run_module(program, scope)?;
    if let Some(code) = run_main(interp, scope)? {
        return Ok(code); // at once, even with tasks alive (LANGUAGE.md 6.2)
    }
    interp.run_until_idle()?;
    let mut code = if interp.task_failed.get() { 1 } else { 0 };
    for hook in &interp.registry.at_end {
        if let Some(c) = hook(interp)
            && code == 0
        {
            code = c;
        }
    }
    Ok(code)
}

/// Calls the module's `main`, if it declares one; `Some(1)` when it returned `Err`
/// (printed as `error: ...`). Programs and piped REPL input end this way.
pub(crate) fn run_main(interp: &Interp, scope: &ModuleScope) -> Result<Option<i32>, Ctrl> {
    let main = scope.names.borrow().get("main").map(|&g| interp.global(g));
    if let Some(f @ Value::Func(_)) = main {
        let result = call_main(interp, &f)?;
        return Ok(main_failure(interp, &result));
    }
    Ok(None)
}

/// Calls `main` (implicitly: no call site, so the stack ends at `main` itself).
fn call_main(interp: &Interp, f: &Value) -> Result<Value, Ctrl> {
    if is_async_callable(f) {
        interp.block_on(async {
            let (_, fut) = interp.async_call(f, None, Args::default(), 0)?;
            fut.await
        })
    } else {
        interp.call_value(f, Args::default(), Default::default())
    }
}

/// `main` returning `Err(e)`: prints `error: e`, exit code 1.
fn main_failure(interp: &Interp, v: &Value) -> Option<i32> {
    if let Value::Enum(e) = v
        && Rc::ptr_eq(&e.def, &interp.types.result)
        && e.variant == 1
    {
        let shown = e.fields.first().map(|f| f.display()).unwrap_or_default();
        interp.eprint(&format!("error: {shown}\n"));
        return Some(1);
    }
    None
}

/// Prints a runtime error (or a `?` that left the top level) and gives the exit code.
fn report(interp: &Interp, c: Ctrl) -> i32 {
    match c {
        Ctrl::Error(e) => {
            interp.eprint(&interp.render(&e.diag));
            1
        }
        Ctrl::Return => {
            let v = interp.take_ret();
            main_failure(interp, &v).unwrap_or_else(|| {
                interp.eprint(&format!("error: {}\n", v.display()));
                1
            })
        }
        Ctrl::Break | Ctrl::Continue => 1,
    }
}
