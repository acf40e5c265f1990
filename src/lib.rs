//! `simple`: an interpreter for a subset of the Simple language, with async code on a
//! per-thread monoio runtime and a native standard library (TCP/UDP, files and streams,
//! TLS, HTTP, JSON). ARCHITECTURE.md maps the modules.
//!
//! Entry points: [`run_file`], [`run_source`], [`check_file`], [`check_source`],
//! `program::run_file_threads`, `program::run_sandboxed`, and the REPL in [`repl`].

pub mod allocator;
pub mod diag;
pub mod interp;
pub mod program;
pub mod registry;
pub mod repl;
pub mod resident;
pub mod resolve;
pub mod runtime;
pub mod stdlib;
pub mod syntax;
pub mod testing;
pub mod text;

pub use program::{RunOptions, check_file, check_source, run_file, run_source};
