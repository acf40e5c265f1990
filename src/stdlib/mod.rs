//! The standard library's native side: each module registers its functions, natives
//! (the targets of `extern fn` in its Simple source) and embedded std/ sources in the
//! registry. Nothing in the core names this module; the program driver asks it to
//! register (`program::registry`).

pub mod math;
pub mod net;

use crate::registry::{ModuleEntry, Registry};

/// Registers every std module.
pub fn register(r: &mut Registry) {
    let net_reexports = crate::runtime::builtins::REEXPORTED;
    r.module(ModuleEntry {
        name: "net",
        doc: "TCP, UDP and the runtime API (module `net.runtime`), re-exported together.",
        source: Some(include_str!("../../std/net/__init__.spl")),
        reexports: net_reexports,
    });
    r.module(ModuleEntry {
        name: "net.runtime",
        doc: "The thread's monoio runtime: `init_runtime`, statistics, ring size.",
        source: Some(include_str!("../../std/net/runtime.spl")),
        reexports: net_reexports,
    });
    r.module(ModuleEntry {
        name: "net.tcp",
        doc: "`TcpListener` and `TcpStream`.",
        source: Some(include_str!("../../std/net/tcp.spl")),
        reexports: &[],
    });
    r.module(ModuleEntry {
        name: "net.udp",
        doc: "`UdpSocket`.",
        source: Some(include_str!("../../std/net/udp.spl")),
        reexports: &[],
    });
    // the language's `core.*` modules have no Simple surface here: importing them is
    // accepted and binds an empty module
    for name in ["core", "core.io", "core.time", "core.sync", "core.decorators"] {
        r.module(ModuleEntry { name, doc: "Accepted for compatibility; empty.", source: Some(""), reexports: &[] });
    }
    net::register(r);
    math::register(r);
    r.timeout_error = Some(net::error::timed_out);
}
