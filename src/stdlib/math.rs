//! `import math`: constants and functions on numbers, as in Python's `math` module.
//! Results are floats except `floor`, `ceil`, `trunc`, `gcd`, `lcm` and `factorial`,
//! which give ints (as Python's do).

use crate::interp::value::Value;
use crate::interp::{R, fail};
use crate::registry::{Callable, Const, ModuleEntry, Registry};

fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        _ => f64::NAN,
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        _ => 0,
    }
}

/// A float that must become an int (`floor`, `ceil`, `trunc`).
fn to_int(x: f64, what: &str) -> R<Value> {
    if !x.is_finite() || x.abs() >= 9.2e18 {
        return fail(format!("math.{what}(): {x:?} does not fit in an int"));
    }
    Ok(Value::Int(x as i64))
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// (signature, doc, f64 -> f64) for a one-argument float function.
type Unary = (&'static str, &'static str, fn(f64) -> f64);

const UNARY: &[Unary] = &[
    ("sqrt(x: num)", "Square root.", f64::sqrt),
    ("cbrt(x: num)", "Cube root.", f64::cbrt),
    ("sin(x: num)", "Sine (radians).", f64::sin),
    ("cos(x: num)", "Cosine (radians).", f64::cos),
    ("tan(x: num)", "Tangent (radians).", f64::tan),
    ("asin(x: num)", "Arc sine.", f64::asin),
    ("acos(x: num)", "Arc cosine.", f64::acos),
    ("atan(x: num)", "Arc tangent.", f64::atan),
    ("sinh(x: num)", "Hyperbolic sine.", f64::sinh),
    ("cosh(x: num)", "Hyperbolic cosine.", f64::cosh),
    ("tanh(x: num)", "Hyperbolic tangent.", f64::tanh),
    ("exp(x: num)", "e to the power x.", f64::exp),
    ("log2(x: num)", "Base-2 logarithm.", f64::log2),
    ("log10(x: num)", "Base-10 logarithm.", f64::log10),
    ("fabs(x: num)", "Absolute value as a float.", f64::abs),
    ("degrees(x: num)", "Radians to degrees.", f64::to_degrees),
    ("radians(x: num)", "Degrees to radians.", f64::to_radians),
];

pub fn register(r: &mut Registry) {
    r.module(ModuleEntry { name: "math", doc: "Mathematical constants and functions.", source: None, reexports: &[] });
    r.constant("math", "pi", "π", Const::Float(std::f64::consts::PI));
    r.constant("math", "e", "Euler's number", Const::Float(std::f64::consts::E));
    r.constant("math", "tau", "2π", Const::Float(std::f64::consts::TAU));
    r.constant("math", "inf", "Positive infinity", Const::Float(f64::INFINITY));
    r.constant("math", "nan", "Not a number", Const::Float(f64::NAN));
    for (i, (sig, doc, _)) in UNARY.iter().enumerate() {
        r.module_function("math", sig, doc, Callable::Sync(unary_fn(i)));
    }
    let f = |r: &mut Registry, sig, doc, imp| r.module_function("math", sig, doc, Callable::Sync(imp));
    f(r, "atan2(y: num, x: num)", "The angle of (x, y).", |_, a| Ok(Value::Float(num(&a[0]).atan2(num(&a[1])))));
    f(r, "log(x: num, base?: num)", "Natural logarithm, or in `base`.", |_, a| {
        let x = num(&a[0]);
        Ok(Value::Float(if matches!(a[1], Value::Nil) { x.ln() } else { x.ln() / num(&a[1]).ln() }))
    });
    f(r, "pow(x: num, y: num)", "x to the power y (a float).", |_, a| Ok(Value::Float(num(&a[0]).powf(num(&a[1])))));
    f(r, "floor(x: num)", "The largest int not above x.", |_, a| to_int(num(&a[0]).floor(), "floor"));
    f(r, "ceil(x: num)", "The smallest int not below x.", |_, a| to_int(num(&a[0]).ceil(), "ceil"));
    f(r, "trunc(x: num)", "x without its fraction, as an int.", |_, a| to_int(num(&a[0]).trunc(), "trunc"));
    f(r, "hypot(*values: num)", "The Euclidean norm √(x² + y² + ...).", |_, a| {
        Ok(Value::Float(a.iter().map(|v| num(v) * num(v)).sum::<f64>().sqrt()))
    });
    f(r, "is_nan(x: num)", "Whether x is NaN.", |_, a| Ok(Value::Bool(num(&a[0]).is_nan())));
    f(r, "is_inf(x: num)", "Whether x is infinite.", |_, a| Ok(Value::Bool(num(&a[0]).is_infinite())));
    f(r, "is_finite(x: num)", "Whether x is neither infinite nor NaN.", |_, a| Ok(Value::Bool(num(&a[0]).is_finite())));
    f(r, "gcd(a: i64, b: i64)", "Greatest common divisor (non-negative).", |_, a| {
        Ok(Value::Int(gcd(int(&a[0]), int(&a[1]))))
    });
    f(r, "lcm(a: i64, b: i64)", "Least common multiple (non-negative).", |_, a| {
        let (x, y) = (int(&a[0]), int(&a[1]));
        if x == 0 || y == 0 {
            return Ok(Value::Int(0));
        }
        (x / gcd(x, y))
            .checked_mul(y)
            .map(|v| Value::Int(v.abs()))
            .ok_or_else(|| crate::interp::Ctrl::error("integer overflow"))
    });
    f(r, "factorial(n: i64)", "n! (an int; an error past 20!).", |_, a| {
        let n = int(&a[0]);
        if n < 0 {
            return fail("math.factorial() of a negative number");
        }
        (1..=n)
            .try_fold(1i64, |acc, k| acc.checked_mul(k))
            .map(Value::Int)
            .ok_or_else(|| crate::interp::Ctrl::error("integer overflow"))
    });
}

/// A registered function must be a plain `fn`: one per entry of `UNARY`, by index.
fn unary_fn(i: usize) -> crate::interp::value::SyncNative {
    macro_rules! by_index {
        ($($n:literal),*) => {
            match i {
                $($n => |_, a| Ok(Value::Float((UNARY[$n].2)(num(&a[0])))),)*
                _ => |_, _| fail("internal error: unknown math function"),
            }
        };
    }
    by_index!(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
}
