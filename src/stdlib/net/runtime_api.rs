//! Natives of std/net/runtime.spl: the Runtime handle, statistics, ring size, cores.

use crate::interp::dict::Dict;
use crate::interp::value::Value;
use crate::interp::{Interp, R, fail};
use crate::registry::Registry;
use std::cell::RefCell;
use std::rc::Rc;

pub fn register(r: &mut Registry) {
    r.sync("init_runtime", init_runtime);
    r.sync("configure_entries", configure_entries);
    r.sync("get_num_cores", |_, _| Ok(Value::Int(num_cpus::get() as i64)));
    r.sync("Runtime::num_cores", |_, _| Ok(Value::Int(num_cpus::get() as i64)));
    r.sync("Runtime::stats", stats);
    r.sync("Runtime::reset_stats", reset_stats);
    r.sync("Runtime::shutdown", shutdown);
}

/// Starts (or returns) the thread's runtime: `Ok(Runtime { driver: ... })`.
fn init_runtime(interp: &Interp, _: &[Value]) -> R<Value> {
    if let Err(e) = interp.rt.ensure() {
        return Ok(interp.err(Value::str(e)));
    }
    let ty = interp.std_global("net.runtime", "Runtime")?;
    let field = |name: &str| crate::syntax::ast::Ident { name: Rc::from(name), span: Default::default() };
    let fields =
        vec![(field("driver"), Value::str(interp.rt.driver_name.get())), (field("is_global"), Value::Bool(true))];
    let rt = interp.make_struct(ty, fields)?;
    Ok(interp.ok(rt))
}

fn configure_entries(interp: &Interp, a: &[Value]) -> R<Value> {
    let n = match a.first() {
        Some(Value::Int(n)) => *n,
        Some(other) => return fail(format!("configure_entries() needs an int, got {}", other.type_name())),
        None => return fail("configure_entries() takes 1 argument but 0 were given"),
    };
    if !(8..=32768).contains(&n) {
        return Ok(interp.err(Value::str(format!("ring entries must be in 8..=32768, got {n}"))));
    }
    if interp.rt.is_started() {
        return Ok(interp.err(Value::str("the runtime has already started; configure_entries must come first")));
    }
    interp.rt.entries.set(n as u32);
    Ok(interp.ok(Value::Nil))
}

fn stats(interp: &Interp, _: &[Value]) -> R<Value> {
    let _ = interp.rt.ensure();
    let s = &interp.rt.stats;
    let mut d = Dict::new();
    let mut put = |k: &str, v: Value| {
        d.insert(Value::str(k), v);
    };
    put("driver", Value::str(interp.rt.driver_name.get()));
    put("ring_entries", Value::Int(interp.rt.entries.get() as i64));
    for (k, c) in [
        ("tasks_spawned", &s.tasks_spawned),
        ("tasks_completed", &s.tasks_completed),
        ("tasks_alive", &s.tasks_alive),
        ("connections_accepted", &s.connections_accepted),
        ("bytes_read", &s.bytes_read),
        ("bytes_written", &s.bytes_written),
        ("datagrams_sent", &s.datagrams_sent),
        ("datagrams_received", &s.datagrams_received),
    ] {
        put(k, Value::Int(c.get() as i64));
    }
    Ok(Value::Dict(Rc::new(RefCell::new(d))))
}

/// Zeroes the counters; `tasks_alive` is a level, not a count, and is kept.
fn reset_stats(interp: &Interp, _: &[Value]) -> R<Value> {
    let s = &interp.rt.stats;
    for c in [
        &s.tasks_spawned,
        &s.tasks_completed,
        &s.connections_accepted,
        &s.bytes_read,
        &s.bytes_written,
        &s.datagrams_sent,
        &s.datagrams_received,
    ] {
        c.set(0);
    }
    Ok(Value::Nil)
}

fn shutdown(interp: &Interp, _: &[Value]) -> R<Value> {
    interp.cancel_all_tasks();
    crate::stdlib::net::close_all_sockets(interp);
    Ok(Value::Nil)
}
