//! The standard library's native side: each module registers its functions, natives
//! (the targets of `extern fn` in its Simple source) and embedded std/ sources in the
//! registry. Nothing in the core names this module; the program driver asks it to
//! register (`program::registry`).

pub mod fs;
pub mod http;
pub mod io;
pub mod json;
pub mod math;
pub mod net;
pub mod time;
pub mod tls;

use crate::interp::value::{NativeObject, Value};
use crate::interp::{Interp, R, fail};
use crate::registry::{ModuleEntry, Registry};
use std::rc::Rc;

/// Marks an object busy (one read, or one buffered operation, at a time) until dropped:
/// also when the task doing the operation is cancelled and its future dropped midway.
pub struct Busy<'a>(&'a std::cell::Cell<bool>);

impl<'a> Busy<'a> {
    /// `what`: the runtime error's text when the object is busy already.
    pub fn take(flag: &'a std::cell::Cell<bool>, what: &str) -> R<Busy<'a>> {
        if flag.replace(true) {
            return fail(what.to_string());
        }
        Ok(Busy(flag))
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// The native object inside a std struct (`TcpStream { handle: ... }`, `File`, ...).
/// Runs `work` on the runtime's blocking pool (file operations under epoll, directory
/// operations, name lookups); a panic there is a runtime error here.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> R<T> {
    match monoio::spawn_blocking(work).await {
        Ok(v) => Ok(v),
        Err(_) => crate::interp::fail("internal error: blocking work panicked on the pool"),
    }
}

/// (Sockets call this on every read and write: one type check, one reference count.)
pub fn handle<T: NativeObject>(v: &Value, type_name: &str) -> R<Rc<T>> {
    let obj = match v {
        Value::Struct(s) => match s.fields.borrow().first() {
            Some(Value::Object(o)) => o.downcast_rc::<T>(),
            _ => None,
        },
        _ => None,
    };
    obj.ok_or_else(|| crate::interp::Ctrl::error(format!("expected a {type_name}, got {}", v.type_name())))
}

/// Builds `TypeName { handle: obj }` for a std struct around a native object.
pub fn wrap(interp: &Interp, module: &str, type_name: &str, obj: Rc<dyn NativeObject>) -> R<Value> {
    let ty = interp.std_global(module, type_name)?;
    let field = crate::syntax::ast::Ident { name: Rc::from("handle"), span: Default::default() };
    interp.make_struct(ty, vec![(field, Value::object(obj))])
}

/// Builds `Type::Variant(payload)` (or the unit variant) of an enum a std module
/// declares (NetError, IoError).
pub fn std_variant(interp: &Interp, module: &str, ty: &str, variant: &str, payload: Option<String>) -> R<Value> {
    let Value::Type(def) = interp.std_global(module, ty)? else {
        return fail(format!("internal error: {ty} is not a type"));
    };
    let Some(i) = def.variant_index(variant) else {
        return fail(format!("internal error: {ty} has no variant {variant}"));
    };
    let fields = payload.map(Value::str).into_iter().collect();
    Ok(crate::interp::builtins::make_variant(&def, i as u32, fields))
}

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
    let plain = |name: &'static str, doc: &'static str, source: &'static str| ModuleEntry {
        name,
        doc,
        source: Some(source),
        reexports: &[],
    };
    r.module(plain(
        "fs",
        "Files and directories (io_uring file operations; the thread pool under epoll).",
        include_str!("../../std/fs.spl"),
    ));
    r.module(plain("io", "Standard streams, `BufReader` and `IoError`.", include_str!("../../std/io.spl")));
    r.module(plain("time", "Wall and monotonic clocks, UTC timestamps.", include_str!("../../std/time.spl")));
    r.module(plain("json", "JSON parsing and writing (`JsonError`).", include_str!("../../std/json.spl")));
    r.module(plain("tls", "TLS clients and servers (rustls).", include_str!("../../std/tls.spl")));
    r.module(plain("http", "HTTP/1.1 servers and clients.", include_str!("../../std/http.spl")));
    net::register(r);
    math::register(r);
    fs::register(r);
    io::register(r);
    time::register(r);
    json::register(r);
    tls::register(r);
    http::register(r);
    r.timeout_error = Some(net::error::timed_out);
}
