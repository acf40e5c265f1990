//! Core prelude functions: output, `len`, `type_of`, `range`, `Some`/`Ok`/`Err`,
//! assertions and panics, the script's arguments and environment, `exit`.

use super::super::value::*;
use super::super::{Interp, R, fail};
use crate::registry::Registry;
use std::rc::Rc;

pub fn register(reg: &mut Registry) {
    reg.function("print(*values)", "Prints the display forms, separated by spaces, and a newline.", print);
    reg.function("println(*values)", "Same as `print`.", print);
    reg.function("eprint(*values)", "Like `print`, on standard error.", eprint);
    reg.function("eprintln(*values)", "Same as `eprint`.", eprint);
    reg.function("len(x: Iterable)", "The number of characters, elements, entries or bytes.", |_, a| {
        super::len_of(&a[0]).map(|n| Value::Int(n as i64))
    });
    reg.function("type_of(x)", "The name of a value's type: `i64`, `String`, `Point`, ...", |_, a| {
        Ok(Value::str(a[0].type_name()))
    });
    reg.function("repr(x)", "The display form a value has inside containers (strings quoted).", |_, a| {
        Ok(Value::str(a[0].repr()))
    });
    reg.function(
        "range(a: i64, b?: i64, step: i64 = 1)",
        "`range(n)`, `range(a, b)`, `range(a, b, step)`: lazy ints.",
        range,
    );
    reg.function("Some(value)", "The `Option` variant holding a value.", |i, a| Ok(i.some(a[0].clone())));
    reg.function("Ok(value = nil)", "The successful `Result` variant.", |i, a| Ok(i.ok(a[0].clone())));
    reg.function("Err(error = nil)", "The failed `Result` variant.", |i, a| Ok(i.err(a[0].clone())));
    reg.function("assert(condition, message?)", "A runtime error unless the condition is truthy.", assert);
    reg.function("panic(message = nil)", "Stops with a runtime error.", |_, a| {
        fail(format!("panic: {}", if matches!(a[0], Value::Nil) { String::new() } else { a[0].display() }))
    });
    reg.function("args()", "The script's arguments as a List of String.", |i, _| {
        Ok(Value::list(i.script_args.iter().map(|s| Value::str(s.clone())).collect()))
    });
    reg.function("env_var(name: String)", "An environment variable as an Option.", |i, a| {
        Ok(i.option(std::env::var(a[0].display()).ok().map(Value::str)))
    });
    reg.function("exit(code: i64 = 0)", "Ends the program at once with an exit code.", exit);
    reg.function("thread_index()", "Which `--threads` thread runs this interpreter (0 based).", |i, _| {
        Ok(Value::Int(i.rt.thread_index.get() as i64))
    });
    reg.function("now_ms()", "Monotonic milliseconds since the program started, as a float.", |i, _| {
        Ok(Value::Float(i.rt.started.elapsed().as_secs_f64() * 1000.0))
    });
}

fn join_display(a: &[Value]) -> String {
    let mut out = String::new();
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        v.write_display(&mut out, false);
    }
    out
}

fn print(i: &Interp, a: &[Value]) -> R<Value> {
    let mut line = join_display(a);
    line.push('\n');
    i.print(&line);
    Ok(Value::Nil)
}

fn eprint(i: &Interp, a: &[Value]) -> R<Value> {
    i.eprint(&(join_display(a) + "\n"));
    Ok(Value::Nil)
}

fn range(_: &Interp, a: &[Value]) -> R<Value> {
    let int = |v: &Value| match v {
        Value::Int(i) => *i,
        _ => 0,
    };
    let (start, end, step) = match &a[1] {
        Value::Nil => (0, int(&a[0]), int(&a[2])),
        b => (int(&a[0]), int(b), int(&a[2])),
    };
    if step == 0 {
        return fail("range() step must not be zero");
    }
    Ok(Value::Range(Rc::new((start, end, step))))
}

fn assert(_: &Interp, a: &[Value]) -> R<Value> {
    if super::super::ops::truthy_value(&a[0]) {
        return Ok(Value::Nil);
    }
    match &a[1] {
        Value::Nil => fail("assertion failed"),
        msg => fail(format!("assertion failed: {}", msg.display())),
    }
}

fn exit(i: &Interp, a: &[Value]) -> R<Value> {
    let Value::Int(code) = a[0] else { return fail("exit() needs an int code") };
    if i.sandbox.get() {
        return fail(format!("exit({code}) is not allowed in this sandbox"));
    }
    i.flush();
    let _ = super::super::flush_stdout(); // other `--threads` threads' lines too
    std::process::exit(code as i32)
}
