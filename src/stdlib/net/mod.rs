//! std/net natives: runtime control, TCP and UDP on monoio, and NetError mapping.

pub mod detach;
pub mod error;
pub mod runtime_api;
pub mod socket;
pub mod tcp;
pub mod turns;
pub mod udp;

use crate::registry::Registry;

pub fn register(r: &mut Registry) {
    runtime_api::register(r);
    tcp::register(r);
    udp::register(r);
}

/// Closes every socket the program has open (runtime shutdown).
pub fn close_all_sockets(_interp: &crate::interp::Interp) {
    socket::close_all();
}
