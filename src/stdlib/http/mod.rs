//! std/http.spl natives: an HTTP/1.1 server (`Server`) and client (`request`) on monoio.
//! `wire` reads and writes the protocol; `server` runs connections and handlers;
//! `client` makes requests (over TLS for https://).

mod client;
mod server;
pub mod wire;

use crate::interp::value::{NativeObject, TypeDef, Value};
use crate::interp::{BoxFut, Interp, R, fail};
use crate::registry::Registry;
use crate::stdlib::net::socket::Closable;
use crate::stdlib::net::tcp;
use std::rc::Rc;

pub fn register(r: &mut Registry) {
    r.async_("Server::bind", bind);
    r.sync("Server::local_addr", |_, a| Ok(Value::str(server_arg(a)?.local.to_string())));
    r.sync("Server::close", |_, a| {
        server_arg(a)?.listener.close_now_dyn();
        Ok(Value::Nil)
    });
    r.async_("Server::serve", server::serve);
    r.async_("http::request", client::request);
}

/// The native side of a `Server`: its listener.
pub struct ServerObj {
    listener: Rc<dyn NativeObject>,
    local: std::net::SocketAddr,
}

crate::native_object!(ServerObj, "ServerHandle", |s| format!("<http server {}>", s.local));

/// Closing through the listener's own `Closable` (the registry's view of it).
trait CloseDyn {
    fn close_now_dyn(&self);
}

impl CloseDyn for Rc<dyn NativeObject> {
    fn close_now_dyn(&self) {
        if let Some(l) = self.downcast_ref::<tcp::Listener>() {
            l.close_now();
        }
    }
}

fn server_arg(a: &[Value]) -> R<Rc<ServerObj>> {
    let o = crate::stdlib::handle::<ServerObj>(a.first().unwrap_or(&Value::Nil), "Server")?;
    let any: Rc<dyn std::any::Any> = o;
    any.downcast::<ServerObj>().map_err(|_| crate::interp::Ctrl::error("expected a Server"))
}

/// The default `Server.max_body`: 1 MiB.
const DEFAULT_MAX_BODY: i64 = 1 << 20;

fn bind(interp: Rc<Interp>, a: Vec<Value>) -> BoxFut<'static> {
    Box::pin(async move {
        let listener = match tcp::bind_raw(&interp, a.first().unwrap_or(&Value::Nil)).await? {
            Ok(l) => l,
            Err(e) => return Ok(e),
        };
        let Some(local) = listener.downcast_ref::<tcp::Listener>().map(|l| l.local()) else {
            return fail("internal error: the listener is not a TCP listener");
        };
        let obj = Rc::new(ServerObj { listener, local });
        let ty = interp.std_global("http", "Server")?;
        let field = |n: &str| crate::syntax::ast::Ident { name: Rc::from(n), span: Default::default() };
        let fields = vec![(field("handle"), Value::object(obj)), (field("max_body"), Value::Int(DEFAULT_MAX_BODY))];
        Ok(interp.ok(interp.make_struct(ty, fields)?))
    })
}

/// A std struct type by name (`Request`, `Response`), for building values directly.
fn struct_type(interp: &Interp, name: &str) -> R<Rc<TypeDef>> {
    match interp.std_global("http", name)? {
        Value::Type(t) => Ok(t),
        _ => fail(format!("internal error: http::{name} is not a type")),
    }
}

/// A Response struct's parts, checked.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub file: Option<String>,
}

impl Reply {
    fn from_value(v: &Value) -> Result<Reply, String> {
        let Value::Struct(s) = v else {
            return Err(format!("a handler must return a Response, got {}", v.type_name()));
        };
        if &*s.def.name != "Response" {
            return Err(format!("a handler must return a Response, got {}", s.def.name));
        }
        let get = |name: &str| s.def.field_index(name).map(|i| s.fields.borrow()[i].clone());
        let status = match get("status") {
            Some(Value::Int(n)) if (100..=999).contains(&n) => n as u16,
            other => return Err(format!("a Response's status must be an int from 100 to 999, got {}", show(other))),
        };
        let headers = match get("headers") {
            Some(Value::Dict(d)) => d.borrow().iter().map(|(k, v)| (k.display(), v.display())).collect(),
            other => return Err(format!("a Response's headers must be a Dict, got {}", show(other))),
        };
        let body = match get("body") {
            Some(Value::Bytes(b)) => b.borrow().clone(),
            Some(Value::Str(t)) => t.s.as_bytes().to_vec(),
            Some(Value::Nil) | None => Vec::new(),
            other => return Err(format!("a Response's body must be Bytes or a String, got {}", show(other))),
        };
        let file = match get("stream_file") {
            Some(Value::Enum(e)) => match &*e.fields {
                [Value::Str(p)] => Some(p.s.clone()),
                _ => None,
            },
            Some(Value::Str(p)) => Some(p.s.clone()),
            _ => None,
        };
        Ok(Reply { status, headers, body, file })
    }
}

fn show(v: Option<Value>) -> String {
    v.map(|v| v.repr()).unwrap_or_else(|| "nothing".into())
}

/// Builds a `Response` value (the client's result).
fn response_value(interp: &Interp, status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> R<Value> {
    let def = struct_type(interp, "Response")?;
    let mut dict = crate::interp::dict::Dict::new();
    for (k, v) in headers {
        let key = Value::str(k);
        let joined = match dict.get(&key) {
            Some(old) => format!("{}, {v}", old.display()),
            None => v,
        };
        dict.insert(key, Value::str(joined));
    }
    let fields = [
        ("status", Value::Int(status as i64)),
        ("headers", Value::Dict(Rc::new(std::cell::RefCell::new(dict)))),
        ("body", Value::bytes(body)),
        ("stream_file", interp.option(None)),
    ];
    let mut values = vec![None; def.fields.len()];
    for (name, v) in fields {
        if let Some(i) = def.field_index(name) {
            values[i] = Some(v);
        }
    }
    interp.finish_struct(&def, values)
}
