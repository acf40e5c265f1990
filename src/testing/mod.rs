//! Testing support shared by `simple test` and the project's own test harnesses.

pub mod diff;

pub use diff::diff;
