//! Testing support shared by `simple test` and the project's own test harnesses.

pub mod diff;
pub mod matchers;
pub mod runner;
pub mod spec;

pub use diff::diff;
