//! The spec DSL, the language's built-in test framework (LANGUAGE.md §10): `describe`,
//! `context`, `it`, `skip`, `before_each`/`after_each`, `expect` in its forms (a bare
//! condition, `expect(x).to(eq(y))`, `expect(x).to_equal(y)`, `expect x to eq y`) and the
//! matchers the language's own spec files use. Registered as prelude functions, like
//! every library.
//!
//! An example (`it`) runs its hooks and body at once; the first failing expectation ends
//! it with a runtime error of kind `Expectation`, which `it` catches and reports with the
//! expected and actual values and the failing line. A file's examples are counted per
//! thread (one interpreter per thread); `summary` reports them when the program ends.

use crate::interp::call::Args;
use crate::interp::value::Value;
use crate::interp::{Ctrl, ErrorKind, Interp, R, fail};
use crate::registry::{Callable, Registry};
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Default)]
struct State {
    /// nesting of `describe`/`context`
    depth: usize,
    /// `before_each`/`after_each` hooks, one list per open group
    before: Vec<Vec<Value>>,
    after: Vec<Vec<Value>>,
    /// inside an `it` body
    in_example: bool,
    examples: usize,
    failures: usize,
    skipped: usize,
    /// the example count when `summary()` last printed (the program's end does not
    /// print the same summary again)
    summarized: Option<usize>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// How many examples ran and failed on this thread, and how many were skipped.
pub fn counts() -> (usize, usize, usize) {
    STATE.with(|s| {
        let s = s.borrow();
        (s.examples, s.failures, s.skipped)
    })
}

/// Forgets the counts (before the next file on this thread).
pub fn reset() {
    STATE.with(|s| *s.borrow_mut() = State::default());
}

fn indent() -> String {
    "  ".repeat(STATE.with(|s| s.borrow().depth))
}

pub fn register(reg: &mut Registry) {
    reg.function("describe(name, body: Function)", "A group of examples (may nest).", group);
    reg.function("context(name, body: Function)", "A nested group of examples.", group);
    reg.function("it(name, body: Function)", "An example: runs the hooks and the body, reports ✓ or ✗.", example);
    for name in ["test(name, body: Function)", "example(name, body: Function)", "specify(name, body: Function)"] {
        reg.function(name, "Same as `it`.", example);
    }
    reg.function("skip(name, body?: Function)", "An example that is not run (reported as skipped).", skip);
    reg.function("before_each(body: Function)", "Runs before every example of the group.", |_, a| hook(a, true));
    reg.function("after_each(body: Function)", "Runs after every example of the group.", |_, a| hook(a, false));
    reg.function("expect(value)", "A bare condition to check, or the value of `expect(x).to(...)`.", expect);
    reg.function("expect_that(value)", "The expectation object for `.to(...)` forms.", |_, a| {
        Ok(Value::object(Rc::new(Expectation(a[0].clone()))))
    });
    reg.function(
        "expect_compare(op: String, left, right)",
        "`expect a == b` (the parser's form, so the message can show both sides).",
        expect_compare,
    );
    reg.function("fail(message = nil)", "Fails the current example.", |_, a| {
        let m = if matches!(a[0], Value::Nil) { "failed".to_string() } else { a[0].display() };
        Err(expectation_failed(m))
    });
    super::matchers::register(reg);
    reg.at_end.push(at_end);
    // the language's spec files import the framework under several names; it is built in
    for name in ["std.spec", "spec", "spec.dsl", "sspec", "test.unit", "std.spec.matchers"] {
        reg.module(crate::registry::ModuleEntry {
            name,
            doc: "The spec DSL (built in; importing it is accepted).",
            source: Some(""),
            reexports: &SPEC_NAMES,
        });
    }
    reg.module_function("spec", "summary()", "Prints `N examples, M failures`.", Callable::Sync(|i, _| summary(i)));
}

/// What the spec modules (`std.spec`, ...) re-export: the DSL's functions and every
/// matcher function (`matchers::MATCHERS`).
static SPEC_NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let dsl = [
        "describe",
        "context",
        "it",
        "test",
        "example",
        "specify",
        "skip",
        "before_each",
        "after_each",
        "expect",
        "expect_that",
        "fail",
    ];
    dsl.into_iter().chain(super::matchers::names()).collect()
});

/// The error that ends an example whose expectation failed.
pub fn expectation_failed(message: String) -> Ctrl {
    Ctrl::error_of(ErrorKind::Expectation, message)
}

/// A group's or example's title: text as it is, a type (`describe Stack:`) by its name.
fn title(v: &Value) -> String {
    match v {
        Value::Type(t) => t.name.to_string(),
        other => other.display(),
    }
}

fn group(i: &Interp, a: &[Value]) -> R<Value> {
    i.print(&format!("{}{}\n", indent(), title(&a[0])));
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.depth += 1;
        s.before.push(Vec::new());
        s.after.push(Vec::new());
    });
    let r = i.call_value(&a[1], Args::default(), Default::default());
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.depth -= 1;
        s.before.pop();
        s.after.pop();
    });
    r.map(|_| Value::Nil)
}

fn hook(a: &[Value], before: bool) -> R<Value> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let list = if before { s.before.last_mut() } else { s.after.last_mut() };
        match list {
            Some(l) => {
                l.push(a[0].clone());
                Ok(Value::Nil)
            }
            None => fail("before_each/after_each belong inside a `describe`"),
        }
    })
}

fn skip(i: &Interp, a: &[Value]) -> R<Value> {
    i.print(&format!("{}○ {} (skipped)\n", indent(), title(&a[0])));
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.examples += 1;
        s.skipped += 1;
    });
    Ok(Value::Nil)
}

/// Runs the hooks (outer groups first), the body, then the after hooks (inner first).
fn run_example(i: &Interp, body: &Value) -> R<()> {
    let (before, after) = STATE.with(|s| {
        let s = s.borrow();
        (s.before.concat(), s.after.iter().rev().flatten().cloned().collect::<Vec<_>>())
    });
    let mut r = Ok(());
    for h in &before {
        r = i.call_value(h, Args::default(), Default::default()).map(|_| ());
        if r.is_err() {
            break;
        }
    }
    if r.is_ok() {
        r = i.call_value(body, Args::default(), Default::default()).map(|_| ());
    }
    for h in &after {
        let a = i.call_value(h, Args::default(), Default::default()).map(|_| ());
        if r.is_ok() {
            r = a;
        }
    }
    r
}

fn example(i: &Interp, a: &[Value]) -> R<Value> {
    let pad = indent();
    STATE.with(|s| s.borrow_mut().in_example = true);
    let r = run_example(i, &a[1]);
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.in_example = false;
        s.examples += 1;
    });
    match r {
        Ok(()) => i.print(&format!("{pad}✓ {}\n", title(&a[0]))),
        Err(Ctrl::Error(e)) if matches!(e.kind, ErrorKind::User | ErrorKind::Expectation) => {
            STATE.with(|s| s.borrow_mut().failures += 1);
            let what = if e.kind == ErrorKind::Expectation { "" } else { "error: " };
            let place = e.diag.span.map(|sp| format!("\n{pad}    at {}", i.sources.location(sp))).unwrap_or_default();
            i.print(&format!("{pad}✗ {}\n{pad}  {what}{}{place}\n", title(&a[0]), e.diag.message));
        }
        Err(other) => return Err(other),
    }
    Ok(Value::Nil)
}

/// A bare `expect cond`; inside an example a false condition fails it. Directly in a
/// group it is an example of its own.
fn expect(i: &Interp, a: &[Value]) -> R<Value> {
    check(i, crate::interp::ops::truthy_value(&a[0]), || "expected true, got false".to_string())
}

fn check(i: &Interp, ok: bool, message: impl FnOnce() -> String) -> R<Value> {
    let (in_example, depth) = STATE.with(|s| (s.borrow().in_example, s.borrow().depth));
    if in_example || depth == 0 {
        return if ok { Ok(Value::Bool(true)) } else { Err(expectation_failed(message())) };
    }
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.examples += 1;
        s.failures += usize::from(!ok);
    });
    let pad = indent();
    if ok {
        i.print(&format!("{pad}✓ expectation passed\n"));
    } else {
        i.print(&format!("{pad}✗ expectation failed\n{pad}  {}\n", message()));
    }
    Ok(Value::Bool(ok))
}

/// `expect a OP b`, with both sides in the message.
fn expect_compare(i: &Interp, a: &[Value]) -> R<Value> {
    let op = a[0].display();
    let (left, right) = (&a[1], &a[2]);
    let bin = match op.as_str() {
        "==" => crate::syntax::ast::BinOp::Eq,
        "!=" => crate::syntax::ast::BinOp::Ne,
        "<" => crate::syntax::ast::BinOp::Lt,
        "<=" => crate::syntax::ast::BinOp::Le,
        ">" => crate::syntax::ast::BinOp::Gt,
        ">=" => crate::syntax::ast::BinOp::Ge,
        "in" => crate::syntax::ast::BinOp::In,
        _ => crate::syntax::ast::BinOp::NotIn,
    };
    let ok = crate::interp::ops::truthy_value(&i.binary(bin, left.clone(), right.clone())?);
    check(i, ok, || match op.as_str() {
        "==" => format!("expected {} to equal {}", left.repr(), right.repr()),
        "!=" => format!("expected {} to not equal {}", left.repr(), right.repr()),
        "in" => format!("expected {} to be in {}", left.repr(), right.repr()),
        "not in" => format!("expected {} to not be in {}", left.repr(), right.repr()),
        _ => format!("expected {} {op} {}", left.repr(), right.repr()),
    })
}

/// When a program that ran examples ends: the summary, and exit code 1 on failures.
fn at_end(i: &Interp) -> Option<i32> {
    let (n, failed, _) = counts();
    if n == 0 {
        return None;
    }
    if STATE.with(|s| s.borrow().summarized) != Some(n) {
        let _ = summary(i);
    }
    (failed > 0).then_some(1)
}

/// Prints the file's `N examples, M failures` line.
pub fn summary(i: &Interp) -> R<Value> {
    let (n, failed, _) = counts();
    STATE.with(|s| s.borrow_mut().summarized = Some(n));
    let s = |k: usize, w: &str| format!("{k} {w}{}", if k == 1 { "" } else { "s" });
    i.print(&format!("\n{}, {}\n", s(n, "example"), s(failed, "failure")));
    Ok(Value::Bool(failed == 0))
}

/// `expect(x)` in the `.to(...)` forms: the value under test.
pub struct Expectation(pub Value);
crate::native_object!(Expectation, "Expectation", |e| format!("<expectation of {}>", e.0.repr()));

impl Expectation {
    pub fn of(v: &Value) -> R<Value> {
        match v {
            Value::Object(o) => match o.downcast_ref::<Expectation>() {
                Some(e) => Ok(e.0.clone()),
                None => fail("expected an expectation"),
            },
            _ => fail("expected an expectation"),
        }
    }
}

/// Whether `v` passes a check, for the matchers module.
pub fn verdict(i: &Interp, ok: bool, message: impl FnOnce() -> String) -> R<Value> {
    check(i, ok, message)
}
