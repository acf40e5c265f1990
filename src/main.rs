//! The `simple` command line: argument parsing only; everything else is in the library.
//!
//! Everything runs on a thread with a 4 GiB stack (Simple recursion is Rust recursion;
//! only touched pages cost memory); the main thread waits for it and exits with its code,
//! or 101 if it panicked (always a bug). Usage errors exit with 2. Programs get a Ctrl-C
//! handler that writes out the stdout buffer and exits with 130 (the REPL installs its
//! own). mimalloc is the global allocator: the interpreter allocates and frees many
//! small short-lived objects (frames, enum payloads, strings, boxed futures).

use simple::RunOptions;
use simple::runtime::DriverChoice;
use std::io::IsTerminal;

const USAGE: &str = "\
simple — an interpreter for the Simple language (async on monoio, native TCP/UDP)

usage:
  simple                          start the interactive REPL (reads stdin when piped)
  simple repl                     start the REPL
  simple run [options] FILE [ARGS...]
  simple FILE [ARGS...]           same as `simple run FILE`
  simple check FILE...            report syntax and resolve errors, run nothing
  simple test [PATH...]           run spec files (*_spec.spl) and golden programs
                                  (NAME.spl with NAME.out) under PATH (default: .)
  simple -e CODE [ARGS...]        run CODE
  simple - [ARGS...]              run the program read from stdin
  simple doc                      print the reference of every built-in (Markdown;
                                  docs/builtins.md is this output)

options:
  --color never|always|auto       colour in diagnostics (auto: on a terminal, unless
                                  NO_COLOR is set or TERM=dumb); `--color=always` too
  --driver auto|io_uring|epoll    the monoio driver (default auto: io_uring, else epoll)
  --threads N                     run on N threads, each with its own runtime (0: one per
                                  core); listeners share their port (SO_REUSEPORT)
  -h, --help                      this text
  -V, --version                   the version

exit codes: 0 ok, 1 runtime error, 2 syntax/resolve/usage error, 130 Ctrl-C";

/// Stack of every interpreter thread: deep Simple recursion is deep Rust recursion.
/// (Only touched pages cost memory; debug builds need the room for 1,000,000-deep values.)
const STACK_SIZE: usize = 4 << 30;

struct Cli {
    opts: RunOptions,
    color: Option<bool>,
}

fn usage_error(msg: &str) -> i32 {
    eprintln!("error: {msg}\n\n{USAGE}");
    2
}

fn main() {
    // Arguments that are not UTF-8 are passed on lossily rather than panicking.
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    // Deep recursion in Simple code becomes deep Rust recursion: run on a big stack.
    let child = std::thread::Builder::new().name("simple".into()).stack_size(STACK_SIZE).spawn(move || dispatch(args));
    let code = match child.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => 101,
    };
    std::process::exit(code);
}

/// mimalloc's first arena: 64 MiB of address space instead of its default 1 GiB.
/// Reserving costs nothing, but setting up the arena's bitmaps for 1 GiB wrote 36 pages
/// (a tenth of the page faults of `simple run hello.spl`). Later arenas grow
/// exponentially, so a large heap still ends up in few arenas. `MIMALLOC_ARENA_RESERVE`
/// still overrides this default.
#[used]
#[unsafe(link_section = ".init_array")]
static SMALL_FIRST_ARENA: extern "C" fn() = small_first_arena;

extern "C" fn small_first_arena() {
    /// `mi_option_arena_reserve` in mimalloc v3's option enum (libmimalloc-sys names
    /// only some options); its value is in KiB
    const ARENA_RESERVE: libmimalloc_sys::mi_option_t = 23;
    // SAFETY: sets an option's default before the allocator's first use (constructors
    // run before `main`; mimalloc reads its options when it first allocates)
    unsafe { libmimalloc_sys::mi_option_set_default(ARENA_RESERVE, 64 * 1024) };
}

/// mimalloc asks for transparent huge pages on its arenas (MADV_HUGEPAGE), so each 2 MiB
/// region the heap touches becomes resident whole: an idle server held 10 MiB of heap
/// in five huge pages for about 2 MiB of data. Turned off for the process (measured in
/// `cargo bench --bench memory`; the interpreter benches do not change measurably),
/// from a constructor: the heap's first pages are touched before `main` runs.
#[used]
#[unsafe(link_section = ".init_array")]
static NO_THP_AT_START: extern "C" fn() = no_transparent_huge_pages;

extern "C" fn no_transparent_huge_pages() {
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integer arguments and only
    // sets a flag on this process; a kernel without it returns an error we ignore.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// The option at the front of `rest` (`--name value` or `--name=value`), applied to
/// `cli`: how many arguments it took (0: `rest` does not start with one of these
/// options), or the usage error's exit code. `--threads` only where `threads`.
fn take_option(cli: &mut Cli, rest: &[String], threads: bool) -> Result<usize, i32> {
    let Some(first) = rest.first() else { return Ok(0) };
    let (name, inline) = match first.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (first.as_str(), None),
    };
    let known = matches!(name, "--color" | "--driver") || (threads && name == "--threads");
    if !known {
        return Ok(0);
    }
    let (value, used) = match inline {
        Some(v) => (Some(v), 1),
        None => (rest.get(1).map(String::as_str), 2),
    };
    if name == "--threads" {
        let Some(n) = value.and_then(|v| v.parse::<usize>().ok()) else {
            return Err(usage_error("--threads needs a number (0: one per core)"));
        };
        cli.opts.threads = if n == 0 { num_cpus::get() } else { n };
        return Ok(used);
    }
    let Some(value) = value else { return Err(usage_error(&format!("{name} needs a value"))) };
    apply_option(cli, name, value).map_err(|e| usage_error(&e))?;
    Ok(used)
}

fn dispatch(args: Vec<String>) -> i32 {
    let mut cli = Cli { opts: RunOptions::default(), color: None };
    let mut rest = args.as_slice();
    while let Some(first) = rest.first() {
        match first.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            "-V" | "--version" => {
                println!("simple {}", env!("CARGO_PKG_VERSION"));
                return 0;
            }
            _ => match take_option(&mut cli, rest, false) {
                Ok(0) => break,
                Ok(used) => rest = &rest[used..],
                Err(code) => return code,
            },
        }
    }
    let Some(command) = rest.first() else {
        return repl(&cli);
    };
    match command.as_str() {
        "repl" => repl(&cli),
        "test" => {
            let driver = match cli.opts.driver {
                DriverChoice::Auto => Vec::new(),
                DriverChoice::IoUring => vec!["--driver".to_string(), "io_uring".to_string()],
                DriverChoice::Epoll => vec!["--driver".to_string(), "epoll".to_string()],
            };
            simple::testing::runner::run(&rest[1..], &driver)
        }
        "run" => run(&mut cli, &rest[1..]),
        "doc" => {
            print!("{}", simple::program::registry().markdown());
            0
        }
        "check" => {
            let files = &rest[1..];
            if files.is_empty() {
                return usage_error("`check` needs a file");
            }
            // every file is checked; the exit code is the worst
            files.iter().map(|f| simple::check_file(f, color(&cli))).max().unwrap_or(0)
        }
        "-e" => {
            let Some(code) = rest.get(1) else { return usage_error("`-e` needs code") };
            cli.opts.args = rest[2..].to_vec();
            cli.opts.color = color(&cli);
            start_program(&mut cli.opts);
            simple::run_source("<-e>", code, &cli.opts)
        }
        "-" => run_stdin(&mut cli, &rest[1..]),
        flag if flag.starts_with('-') => usage_error(&format!("unknown option `{flag}`")),
        _ => run(&mut cli, rest),
    }
}

fn apply_option(cli: &mut Cli, name: &str, value: &str) -> Result<(), String> {
    match (name, value) {
        ("--color", "never") => cli.color = Some(false),
        ("--color", "always") => cli.color = Some(true),
        ("--color", "auto") => cli.color = None,
        ("--driver", "auto") => cli.opts.driver = DriverChoice::Auto,
        ("--driver", "io_uring" | "iouring" | "uring") => cli.opts.driver = DriverChoice::IoUring,
        ("--driver", "epoll" | "legacy") => cli.opts.driver = DriverChoice::Epoll,
        _ => return Err(format!("invalid value `{value}` for {name}")),
    }
    Ok(())
}

/// Colour in diagnostics: `--color`, else only on a terminal, with `NO_COLOR` unset or
/// empty (no-color.org) and `TERM` not `dumb`.
fn color(cli: &Cli) -> bool {
    cli.color.unwrap_or_else(|| {
        std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
    })
}

/// `simple - [ARGS...]`: the program is read from stdin (as `python -`).
fn run_stdin(cli: &mut Cli, args: &[String]) -> i32 {
    let mut src = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut src) {
        eprintln!("error: cannot read the program from stdin: {e}");
        return 2;
    }
    cli.opts.args = args.to_vec();
    cli.opts.color = color(cli);
    start_program(&mut cli.opts);
    simple::run_source("<stdin>", &src, &cli.opts)
}

fn run(cli: &mut Cli, rest: &[String]) -> i32 {
    let mut rest = rest;
    while let Some(first) = rest.first() {
        match take_option(cli, rest, true) {
            Ok(0) if first.starts_with("--") => return usage_error(&format!("unknown option `{first}`")),
            Ok(0) => break,
            Ok(used) => rest = &rest[used..],
            Err(code) => return code,
        }
    }
    let Some(file) = rest.first() else { return usage_error("`run` needs a file") };
    if file == "-" {
        return run_stdin(cli, &rest[1..]);
    }
    cli.opts.args = rest[1..].to_vec();
    cli.opts.color = color(cli);
    start_program(&mut cli.opts);
    if cli.opts.threads > 1 {
        // a file that cannot be read, parsed or resolved is reported once, not per thread
        let code = simple::check_file(file, cli.opts.color);
        if code != 0 {
            return code;
        }
        return simple::program::run_file_threads(file, &cli.opts, STACK_SIZE);
    }
    simple::run_file(file, &cli.opts)
}

/// A program run is the whole process: it ends the process when it finishes
/// (`exit_when_done`), and Ctrl-C ends it at once with exit code 130.
fn start_program(opts: &mut RunOptions) {
    opts.exit_when_done = true;
    install_interrupt_handler();
}

/// SIGINT writes out the stdout buffer and ends the process with exit code 130. A plain
/// signal handler rather than a handler thread (the `ctrlc` crate, which the REPL uses
/// to interrupt an entry instead): a thread would cost every run its creation.
fn install_interrupt_handler() {
    extern "C" fn on_interrupt(_signal: libc::c_int) {
        simple::interp::flush_stdout_in_signal_handler();
        // SAFETY: _exit is async-signal-safe
        unsafe { libc::_exit(130) }
    }
    // SAFETY: installs a handler that does only async-signal-safe work; the sigaction
    // struct is zeroed (no flags, empty mask) before the handler is set
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
}

/// The REPL installs its own Ctrl-C handling (interrupt the running entry, not exit).
fn repl(cli: &Cli) -> i32 {
    let opts = RunOptions { color: color(cli), ..cli.opts.clone() };
    simple::repl::run(&opts, cli.color)
}

/// The interpreter allocates many small, short-lived objects (values, frames, futures);
/// mimalloc serves them markedly faster than the system allocator (see README, Performance).
#[global_allocator]
static GLOBAL: simple::allocator::MiMalloc = simple::allocator::MiMalloc;
