//! The spec DSL's matchers: `eq`, `be`, `gt`, `include`, `be_empty`, ... as values for
//! `expect(x).to(m)` / `.not_to(m)` and `expect x to m y`, and the method forms
//! (`expect(x).to_equal(y)`, `.to_contain(z)`, ...). Messages name the expected and the
//! actual value, as the language's spec library words them.

use super::spec::{Expectation, verdict};
use crate::interp::call::Args;
use crate::interp::ops::truthy_value;
use crate::interp::value::{Value, compare, values_equal};
use crate::interp::{Interp, R, fail};
use crate::registry::Registry;
use std::cmp::Ordering;
use std::rc::Rc;

/// A matcher: which test, and the values it compares with.
pub struct Matcher {
    pub kind: &'static str,
    pub args: Vec<Value>,
}
crate::native_object!(Matcher, "Matcher", |m| format!("<matcher {}>", m.kind));

/// (matcher name, signature) of every matcher function.
const MATCHERS: &[(&str, &str)] = &[
    ("eq", "eq(expected)"),
    ("eq", "to_equal(expected)"),
    ("be", "be(expected)"),
    ("be_nil", "be_nil()"),
    ("be_none", "be_none()"),
    ("be_some", "be_some()"),
    ("be_ok", "be_ok()"),
    ("be_err", "be_err()"),
    ("be_true", "be_true()"),
    ("be_false", "be_false()"),
    ("be_truthy", "be_truthy()"),
    ("be_falsy", "be_falsy()"),
    ("gt", "gt(expected)"),
    ("gt", "be_gt(expected)"),
    ("gt", "be_greater_than(expected)"),
    ("lt", "lt(expected)"),
    ("lt", "be_lt(expected)"),
    ("lt", "be_less_than(expected)"),
    ("gte", "gte(expected)"),
    ("gte", "be_gte(expected)"),
    ("lte", "lte(expected)"),
    ("lte", "be_lte(expected)"),
    ("include", "include(expected)"),
    ("include", "contain(expected)"),
    ("include", "include_string(expected)"),
    ("start_with", "start_with(prefix)"),
    ("end_with", "end_with(suffix)"),
    ("be_empty", "be_empty()"),
    ("have_length", "have_length(n: i64)"),
    ("have_length", "have_size(n: i64)"),
    ("be_blank", "be_blank()"),
    ("be_close_to", "be_close_to(expected: num, epsilon: num = nil)"),
    ("be_a", "be_a(type)"),
    ("be_a", "be_an(type)"),
    ("be_a", "be_instance_of(type)"),
];

/// The matcher functions' names, aliases included.
pub fn names() -> impl Iterator<Item = &'static str> {
    MATCHERS.iter().map(|(_, sig)| sig.split('(').next().unwrap_or(sig))
}

pub fn register(reg: &mut Registry) {
    for (kind, sig) in MATCHERS {
        reg.function(sig, "A matcher for `expect(x).to(...)`.", matcher_fn(kind));
    }
    reg.method(
        "Expectation",
        "to(matcher)",
        "Passes when the matcher matches (a plain value: equality).",
        |i, e, a| run(i, e, &a[0], false),
    );
    for name in ["not_to(matcher)", "to_not(matcher)"] {
        reg.method("Expectation", name, "Passes when the matcher does not match.", |i, e, a| run(i, e, &a[0], true));
    }
    for (sig, kind, negate) in METHOD_FORMS {
        reg.method("Expectation", sig, "A matcher as a method of the expectation.", method_form(kind, *negate));
    }
}

/// `expect(x).to_equal(y)` and friends: (signature, matcher, negated).
const METHOD_FORMS: &[(&str, &str, bool)] = &[
    ("to_equal(expected)", "eq", false),
    ("to_be(expected)", "eq", false),
    ("to_not_equal(expected)", "eq", true),
    ("to_contain(item)", "include", false),
    ("to_include(item)", "include", false),
    ("to_not_contain(item)", "include", true),
    ("to_not_include(item)", "include", true),
    ("to_be_truthy()", "be_truthy", false),
    ("to_be_falsy()", "be_falsy", false),
    ("to_be_true()", "be_true", false),
    ("to_be_false()", "be_false", false),
    ("to_be_nil()", "be_nil", false),
    ("to_be_none()", "be_nil", false),
    ("to_not_be_nil()", "be_nil", true),
    ("to_be_some()", "be_some", false),
    ("to_be_ok()", "be_ok", false),
    ("to_be_err()", "be_err", false),
    ("to_be_greater_than(expected)", "gt", false),
    ("to_be_less_than(expected)", "lt", false),
    ("to_be_greater_than_or_equal(expected)", "gte", false),
    ("to_be_gte(expected)", "gte", false),
    ("to_be_less_than_or_equal(expected)", "lte", false),
    ("to_be_lte(expected)", "lte", false),
    ("to_start_with(prefix)", "start_with", false),
    ("to_end_with(suffix)", "end_with", false),
    ("to_be_empty()", "be_empty", false),
    ("to_have_length(n: i64)", "have_length", false),
    ("to_be_close_to(expected: num, epsilon: num = nil)", "be_close_to", false),
    ("to_match(pattern)", "include", false),
];

/// A registered function can only be a plain `fn`: one per matcher kind, by name.
fn matcher_fn(kind: &str) -> crate::interp::value::SyncNative {
    macro_rules! kinds {
        ($($k:literal),*) => {
            match kind {
                $($k => |_, a| Ok(make($k, a.to_vec())),)*
                _ => |_, _| fail("internal error: unknown matcher"),
            }
        };
    }
    kinds!(
        "eq",
        "be",
        "be_nil",
        "be_none",
        "be_some",
        "be_ok",
        "be_err",
        "be_true",
        "be_false",
        "be_truthy",
        "be_falsy",
        "gt",
        "lt",
        "gte",
        "lte",
        "include",
        "start_with",
        "end_with",
        "be_empty",
        "have_length",
        "be_blank",
        "be_close_to",
        "be_a"
    )
}

fn method_form(kind: &str, negate: bool) -> crate::registry::MethodImpl {
    macro_rules! forms {
        ($($k:literal),*) => {
            match (kind, negate) {
                $(($k, false) => |i, e, a| run_matcher(i, e, &Matcher { kind: $k, args: a.to_vec() }, false),
                  ($k, true) => |i, e, a| run_matcher(i, e, &Matcher { kind: $k, args: a.to_vec() }, true),)*
                _ => |_, _, _| fail("internal error: unknown matcher"),
            }
        };
    }
    forms!(
        "eq",
        "include",
        "be_truthy",
        "be_falsy",
        "be_true",
        "be_false",
        "be_nil",
        "be_some",
        "be_ok",
        "be_err",
        "gt",
        "lt",
        "gte",
        "lte",
        "start_with",
        "end_with",
        "be_empty",
        "have_length",
        "be_close_to"
    )
}

fn make(kind: &'static str, args: Vec<Value>) -> Value {
    Value::object(Rc::new(Matcher { kind, args }))
}

/// `.to(m)` / `.not_to(m)`: `m` is a matcher, a matcher function of no arguments
/// (`expect x to be_empty`), or a plain value (equality).
fn run(i: &Interp, e: &Value, m: &Value, negate: bool) -> R<Value> {
    let m = match m {
        Value::Native(_) | Value::Func(_) => i.call_value(m, Args::default(), Default::default())?,
        other => other.clone(),
    };
    match &m {
        Value::Object(o) if let Some(matcher) = o.downcast_ref::<Matcher>() => run_matcher(i, e, matcher, negate),
        plain => run_matcher(i, e, &Matcher { kind: "eq", args: vec![plain.clone()] }, negate),
    }
}

fn run_matcher(i: &Interp, e: &Value, m: &Matcher, negate: bool) -> R<Value> {
    let actual = Expectation::of(e)?;
    let (ok, message) = test(i, m, &actual)?;
    let ok = ok != negate;
    verdict(i, ok, || if negate { format!("{message} (negated: expected it not to)") } else { message })
}

fn arg(m: &Matcher, k: usize) -> Value {
    m.args.get(k).cloned().unwrap_or_default()
}

fn ordered(a: &Value, b: &Value, want: &[Ordering]) -> R<bool> {
    match compare(a, b) {
        Some(o) => Ok(want.contains(&o)),
        None => fail(format!("cannot compare {} and {}", a.type_name(), b.type_name())),
    }
}

fn len_of(v: &Value) -> R<usize> {
    crate::interp::builtins::len_of(v)
}

/// Whether `actual` passes matcher `m`, and the failure message.
fn test(i: &Interp, m: &Matcher, actual: &Value) -> R<(bool, String)> {
    let a = actual.repr();
    let x = arg(m, 0);
    let e = x.repr();
    let variant = |name: &str| matches!(actual, Value::Enum(en) if &*en.def.variants[en.variant as usize].0 == name);
    Ok(match m.kind {
        "eq" => (values_equal(actual, &x), format!("expected {a} to equal {e}")),
        "be" => {
            (crate::interp::ops::is_same(actual, &x) || values_equal(actual, &x), format!("expected {a} to be {e}"))
        }
        "be_nil" | "be_none" => (matches!(actual, Value::Nil) || variant("None"), format!("expected {a} to be nil")),
        "be_some" => (variant("Some"), format!("expected {a} to be Some(...)")),
        "be_ok" => (variant("Ok"), format!("expected {a} to be Ok(...)")),
        "be_err" => (variant("Err"), format!("expected {a} to be Err(...)")),
        "be_true" => (matches!(actual, Value::Bool(true)), format!("expected true, got {a}")),
        "be_false" => (matches!(actual, Value::Bool(false)), format!("expected false, got {a}")),
        "be_truthy" => (truthy_value(actual), format!("expected {a} to be truthy")),
        "be_falsy" => (!truthy_value(actual), format!("expected {a} to be falsy")),
        "gt" => (ordered(actual, &x, &[Ordering::Greater])?, format!("expected {a} to be greater than {e}")),
        "lt" => (ordered(actual, &x, &[Ordering::Less])?, format!("expected {a} to be less than {e}")),
        "gte" => (ordered(actual, &x, &[Ordering::Greater, Ordering::Equal])?, format!("expected {a} to be >= {e}")),
        "lte" => (ordered(actual, &x, &[Ordering::Less, Ordering::Equal])?, format!("expected {a} to be <= {e}")),
        "include" => (i.contains(actual, &x)?, format!("expected {a} to include {e}")),
        "start_with" => (starts(actual, &x, true), format!("expected {a} to start with {e}")),
        "end_with" => (starts(actual, &x, false), format!("expected {a} to end with {e}")),
        "be_empty" => {
            let n = len_of(actual)?;
            (n == 0, format!("expected {a} to be empty, but it has {n} items"))
        }
        "have_length" => {
            let n = len_of(actual)?;
            (values_equal(&Value::Int(n as i64), &x), format!("expected length {e} but got {n}"))
        }
        "be_blank" => (actual.display().trim().is_empty(), format!("expected {a} to be blank")),
        "be_close_to" => {
            let eps = match arg(m, 1) {
                Value::Float(f) => f,
                Value::Int(n) => n as f64,
                _ => 0.001,
            };
            let num = |v: &Value| match v {
                Value::Int(n) => Some(*n as f64),
                Value::Float(f) => Some(*f),
                _ => None,
            };
            let ok = matches!((num(actual), num(&x)), (Some(p), Some(q)) if (p - q).abs() <= eps);
            (ok, format!("expected {a} to be close to {e} (within {eps})"))
        }
        "be_a" => {
            let name = match &x {
                Value::Type(t) => t.name.to_string(),
                other => other.display(),
            };
            (actual.type_name() == name, format!("expected {a} to be a {name}, but it is a {}", actual.type_name()))
        }
        other => return fail(format!("internal error: matcher `{other}`")),
    })
}

fn starts(actual: &Value, x: &Value, prefix: bool) -> bool {
    match (actual, x) {
        (Value::Str(s), Value::Str(p)) => {
            if prefix {
                s.s.starts_with(&p.s)
            } else {
                s.s.ends_with(&p.s)
            }
        }
        (Value::List(l), v) => {
            let l = l.borrow();
            let item = if prefix { l.first() } else { l.last() };
            item.is_some_and(|i| values_equal(i, v))
        }
        _ => false,
    }
}
