//! The standard library's native side: the registry `extern fn` declarations bind to,
//! methods of native objects, and the embedded std/ sources (parsed only on import).

pub mod net;

use crate::interp::builtins::{async_native, native};
use crate::interp::dict::FxBuild;
use crate::interp::value::{AsyncNative, SyncNative, Value};
use crate::resolve::{GlobalTable, ModuleScope};
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Default)]
pub struct NativeRegistry {
    /// `extern fn` targets by qualified name (`init_runtime`, `TcpStream::read`)
    pub by_name: HashMap<String, Value>,
    /// methods of native objects (`Channel`), by type then method name
    pub methods: HashMap<&'static str, HashMap<&'static str, Value, FxBuild>, FxBuild>,
}

impl NativeRegistry {
    pub fn sync(&mut self, name: &str, f: SyncNative) {
        let short = name.rsplit("::").next().unwrap_or(name);
        self.by_name.insert(name.to_string(), native(short, f));
    }
    pub fn async_(&mut self, name: &str, f: AsyncNative) {
        let short = name.rsplit("::").next().unwrap_or(name);
        self.by_name.insert(name.to_string(), async_native(short, f));
    }
    pub fn method(&mut self, ty: &'static str, name: &'static str, v: Value) {
        self.methods.entry(ty).or_default().insert(name, v);
    }
}

pub fn natives() -> NativeRegistry {
    let mut r = NativeRegistry::default();
    use crate::runtime::channel;
    r.method("Channel", "send", native("send", channel::send));
    r.method("Channel", "recv", async_native("recv", channel::recv));
    r.method("Channel", "close", native("close", channel::close));
    r.method("Channel", "len", native("len", channel::len));
    net::register(&mut r);
    r
}

/// Source of an embedded std module by dotted name; `core.*` modules have no Simple
/// surface and import as empty modules.
pub fn std_source(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "net" => include_str!("../../std/net/__init__.spl"),
        "net.runtime" => include_str!("../../std/net/runtime.spl"),
        "net.tcp" => include_str!("../../std/net/tcp.spl"),
        "net.udp" => include_str!("../../std/net/udp.spl"),
        "core" | "core.io" | "core.time" | "core.sync" => "",
        _ => return None,
    })
}

/// The global async built-ins are also importable from `net` and `net.runtime`.
pub fn prebind_module(table: &GlobalTable, dotted: &str, scope: &Rc<ModuleScope>) {
    if dotted != "net" && dotted != "net.runtime" {
        return;
    }
    for name in ["sleep", "spawn", "join", "timeout", "block_on", "Channel"] {
        if let Some(&g) = table.prelude.get(name) {
            scope.names.borrow_mut().insert(Rc::from(name), g);
            scope.exports.borrow_mut().insert(Rc::from(name));
        }
    }
}
