//! Applying a format spec (`"{x:.2f}"`, `"{n:>8}"`, `"{n:,}"`) to a value, as Python's
//! `format()` does. The spec was parsed and checked when the literal was parsed
//! (`syntax::format_spec`); a spec that does not suit the value's type (`{s:.2f}` with a
//! String) is a runtime error here.

use super::value::*;
use super::{R, fail};
use crate::syntax::format_spec::FormatSpec;

pub fn format_value(v: &Value, spec: &FormatSpec) -> R<String> {
    let body = match (v, spec.ty) {
        (Value::Int(i), None | Some('d' | 'n')) => {
            with_sign(*i < 0, group(&i.unsigned_abs().to_string(), spec.grouping), spec)
        }
        (Value::Int(i), Some(t @ ('x' | 'X' | 'b' | 'o'))) => {
            let digits = match t {
                'x' => format!("{:x}", i.unsigned_abs()),
                'X' => format!("{:X}", i.unsigned_abs()),
                'b' => format!("{:b}", i.unsigned_abs()),
                _ => format!("{:o}", i.unsigned_abs()),
            };
            let prefix = if spec.alternate {
                match t {
                    'x' => "0x",
                    'X' => "0X",
                    'b' => "0b",
                    _ => "0o",
                }
            } else {
                ""
            };
            with_sign(*i < 0, format!("{prefix}{}", group(&digits, spec.grouping)), spec)
        }
        (Value::Int(i), Some('c')) => match u32::try_from(*i).ok().and_then(char::from_u32) {
            Some(c) => c.to_string(),
            None => return fail(format!("format `c`: {i} is not a character code")),
        },
        (Value::Int(i), Some(t @ ('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%'))) => float_body(*i as f64, t, spec),
        (Value::Float(x), None) if spec.precision.is_none() => {
            let mut s = String::new();
            write_float(&mut s, x.abs());
            with_sign(x.is_sign_negative() && !x.is_nan(), group_float(&s, spec.grouping), spec)
        }
        (Value::Float(x), None) => float_body(*x, 'g', spec),
        (Value::Float(x), Some(t @ ('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%' | 'n'))) => float_body(*x, t, spec),
        (
            Value::Bool(_)
            | Value::Nil
            | Value::Str(_)
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_),
            None | Some('s'),
        ) => {
            let mut s = v.display();
            if let Some(p) = spec.precision {
                s = s.chars().take(p).collect();
            }
            s
        }
        (_, None) if !spec.zero && spec.sign.is_none() && spec.grouping.is_none() => v.display(),
        (other, Some(t)) => {
            return fail(format!("format type `{t}` is not valid for a value of type {}", other.type_name()));
        }
        (other, None) => {
            return fail(format!("this format spec is not valid for a value of type {}", other.type_name()));
        }
    };
    Ok(pad(body, spec, matches!(v, Value::Int(_) | Value::Float(_))))
}

fn float_body(x: f64, t: char, spec: &FormatSpec) -> String {
    let p = spec.precision.unwrap_or(6);
    let neg = x.is_sign_negative() && !x.is_nan();
    let a = x.abs();
    let digits = if !a.is_finite() {
        let s = if a.is_nan() { "nan" } else { "inf" };
        if t.is_ascii_uppercase() { s.to_uppercase() } else { s.to_string() }
    } else {
        match t {
            'f' | 'F' => group_float(&format!("{a:.p$}"), spec.grouping),
            'e' | 'E' => exp_form(a, p, t == 'E'),
            '%' => format!("{}%", group_float(&format!("{:.p$}", a * 100.0), spec.grouping)),
            _ => general(a, spec.precision.unwrap_or(6).max(1), t == 'G'),
        }
    };
    with_sign(neg, digits, spec)
}

/// `1.5e+03`: Python's exponent form (at least two exponent digits).
fn exp_form(a: f64, p: usize, upper: bool) -> String {
    let s = format!("{a:.p$e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let e = if upper { 'E' } else { 'e' };
    format!("{mant}{e}{sign}{:02}", exp.abs())
}

/// `g`: fixed or exponent form by magnitude, trailing zeros removed.
fn general(a: f64, p: usize, upper: bool) -> String {
    if a == 0.0 {
        return "0".to_string();
    }
    let exp = a.log10().floor() as i32;
    if exp < -4 || exp >= p as i32 {
        let s = exp_form(a, p - 1, upper);
        let (m, e) = s.split_once(if upper { 'E' } else { 'e' }).unwrap_or((&s, ""));
        format!("{}{}{e}", trim_zeros(m), if upper { 'E' } else { 'e' })
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{a:.decimals$}"))
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s.to_string() }
}

fn with_sign(neg: bool, digits: String, spec: &FormatSpec) -> String {
    let sign = match (neg, spec.sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    };
    format!("{sign}{digits}")
}

/// Thousands separators in the integer part of a number's digits.
fn group(digits: &str, sep: Option<char>) -> String {
    let Some(sep) = sep else { return digits.to_string() };
    let bytes: Vec<char> = digits.chars().collect();
    let mut out = String::new();
    for (i, c) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(*c);
    }
    out
}

fn group_float(s: &str, sep: Option<char>) -> String {
    match s.split_once('.') {
        Some((int, frac)) => format!("{}.{frac}", group(int, sep)),
        None => group(s, sep),
    }
}

/// Width and alignment: numbers align right by default, everything else left; `0`
/// pads with zeros after the sign.
fn pad(body: String, spec: &FormatSpec, numeric: bool) -> String {
    let len = body.chars().count();
    if len >= spec.width {
        return body;
    }
    let fill_n = spec.width - len;
    if spec.zero && spec.align.is_none() && numeric {
        let (sign, rest) = match body.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), body[1..].to_string()),
            _ => (String::new(), body),
        };
        return format!("{sign}{}{rest}", "0".repeat(fill_n));
    }
    let fill = if spec.zero && spec.align.is_none() { '0' } else { spec.fill };
    let repeat = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
    match spec.align.unwrap_or(if numeric { '>' } else { '<' }) {
        '<' => format!("{body}{}", repeat(fill_n)),
        '^' => format!("{}{body}{}", repeat(fill_n / 2), repeat(fill_n - fill_n / 2)),
        '=' => {
            let (sign, rest) = match body.chars().next() {
                Some(c @ ('-' | '+' | ' ')) => (c.to_string(), body[1..].to_string()),
                _ => (String::new(), body),
            };
            format!("{sign}{}{rest}", repeat(fill_n))
        }
        _ => format!("{}{body}", repeat(fill_n)),
    }
}
