//! std/json.spl natives on serde_json: `parse` deserializes straight into interpreter
//! values (no intermediate tree), `stringify`/`pretty` serialize them. Errors are
//! `JsonError` objects with `message`, `line` and `column` fields.

use crate::interp::dict::Dict;
use crate::interp::value::{NativeObject, Value};
use crate::interp::{Interp, R, fail};
use crate::registry::Registry;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

pub fn register(r: &mut Registry) {
    r.sync("json::parse", parse);
    r.sync("json::stringify", |i, a| write(i, a, false));
    r.sync("json::pretty", |i, a| write(i, a, true));
}

/// Values nested deeper than this are an error when writing (a self-containing list
/// would otherwise recurse forever); parsing has serde_json's own limit of 128.
const MAX_WRITE_DEPTH: u32 = 512;

// ----- JsonError -------------------------------------------------------------------------

pub struct JsonError {
    message: String,
    /// 1-based; 0 for errors that are not at a place in a text (writing)
    line: usize,
    column: usize,
}

impl NativeObject for JsonError {
    fn type_name(&self) -> &'static str {
        "JsonError"
    }
    fn describe(&self) -> String {
        if self.line == 0 {
            return self.message.clone();
        }
        format!("{} at line {} column {}", self.message, self.line, self.column)
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "message" => Some(Value::str(self.message.clone())),
            "line" => Some(Value::Int(self.line as i64)),
            "column" => Some(Value::Int(self.column as i64)),
            _ => None,
        }
    }
}

fn json_err(interp: &Interp, message: String, line: usize, column: usize) -> Value {
    interp.err(Value::object(Rc::new(JsonError { message, line, column })))
}

// ----- parse -----------------------------------------------------------------------------

fn parse(interp: &Interp, a: &[Value]) -> R<Value> {
    let parsed = match a.first() {
        Some(Value::Str(s)) => from_slice(s.s.as_bytes()),
        Some(Value::Bytes(b)) => from_slice(&b.borrow()),
        Some(other) => return fail(format!("json::parse() needs a String or Bytes, got {}", other.type_name())),
        None => return fail("json::parse() takes 1 argument but 0 were given"),
    };
    match parsed {
        Ok(v) => Ok(interp.ok(v)),
        Err(e) => {
            // serde_json's Display adds " at line L column C"; the fields carry those
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
            Ok(json_err(interp, message, e.line(), e.column()))
        }
    }
}

fn from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = ValueSeed.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Builds interpreter values as serde_json reads the document.
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::str(v))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::str(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(ValueSeed)? {
            items.push(v);
        }
        Ok(Value::list(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut dict = Dict::new();
        while let Some(key) = map.next_key::<String>()? {
            let v = map.next_value_seed(ValueSeed)?;
            // a repeated key keeps its first place and its last value, as in Python
            dict.insert(Value::str(key), v);
        }
        Ok(Value::Dict(Rc::new(RefCell::new(dict))))
    }
}

// ----- stringify / pretty ----------------------------------------------------------------

fn write(interp: &Interp, a: &[Value], pretty: bool) -> R<Value> {
    let Some(v) = a.first() else { return fail("json::stringify() takes 1 argument but 0 were given") };
    let depth = Cell::new(0);
    let json = Json { v, depth: &depth };
    let mut out = Vec::with_capacity(128);
    let written = if pretty {
        let fmt = Floats(serde_json::ser::PrettyFormatter::new());
        json.serialize(&mut serde_json::Serializer::with_formatter(&mut out, fmt))
    } else {
        json.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Floats(serde_json::ser::CompactFormatter)))
    };
    match written {
        // serde_json writes only valid UTF-8
        Ok(()) => Ok(interp.ok(Value::str(String::from_utf8_lossy(&out).into_owned()))),
        Err(e) => Ok(json_err(interp, e.to_string(), 0, 0)),
    }
}

/// serde_json's formatter `F`, except that floats are written in their display form
/// (Rust's shortest round-trip `{:?}`: `1e20`, `1e-7`, `0.1`), as `print` shows them.
struct Floats<F>(F);

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $name<W: ?Sized + std::io::Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> std::io::Result<()> {
            self.0.$name(w $(, $arg)*)
        }
    )*};
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Floats<F> {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, value: f64) -> std::io::Result<()> {
        write!(w, "{value:?}")
    }
    // what PrettyFormatter changes (CompactFormatter changes nothing)
    delegate! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        begin_object_value();
        end_object_value();
    }
}

/// A value being written, with the nesting depth so far.
struct Json<'a> {
    v: &'a Value,
    depth: &'a Cell<u32>,
}

impl Json<'_> {
    fn nested<'b>(&'b self, v: &'b Value) -> Json<'b> {
        Json { v, depth: self.depth }
    }
}

fn cannot<E: ser::Error>(what: &str) -> E {
    E::custom(format!("{what} cannot be written as JSON"))
}

impl Serialize for Json<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.depth.get() >= MAX_WRITE_DEPTH {
            return Err(ser::Error::custom(format!(
                "nesting deeper than {MAX_WRITE_DEPTH} levels (or a value that contains itself)"
            )));
        }
        self.depth.set(self.depth.get() + 1);
        let r = self.serialize_value(s);
        self.depth.set(self.depth.get() - 1);
        r
    }
}

impl Json<'_> {
    fn serialize_value<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.v {
            Value::Nil => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(n) => s.serialize_i64(*n),
            Value::Float(f) if f.is_finite() => s.serialize_f64(*f),
            Value::Float(f) => Err(cannot(&format!("the float {}", Value::Float(*f).display()))),
            Value::Str(t) => s.serialize_str(&t.s),
            Value::List(items) => self.seq(s, &items.borrow()),
            Value::Tuple(items) => self.seq(s, items),
            Value::Set(set) => self.seq(s, &set.borrow().keys()),
            Value::Range(r) => {
                let (a, b, step) = **r;
                let items: Vec<Value> = range_items(a, b, step).map(Value::Int).collect();
                self.seq(s, &items)
            }
            Value::Dict(d) => {
                let d = d.borrow();
                let mut m = s.serialize_map(Some(d.len()))?;
                for (k, v) in d.iter() {
                    m.serialize_entry(&key_text(k)?, &self.nested(v))?;
                }
                m.end()
            }
            Value::Struct(st) => {
                let fields = st.fields.borrow();
                let mut m = s.serialize_map(Some(fields.len()))?;
                for (name, v) in st.def.fields.iter().zip(fields.iter()) {
                    m.serialize_entry(&**name, &self.nested(v))?;
                }
                m.end()
            }
            Value::Enum(e) => self.variant(s, e),
            other => Err(cannot(&format!("a {}", other.type_name()))),
        }
    }

    fn seq<S: ser::Serializer>(&self, s: S, items: &[Value]) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(items.len()))?;
        for v in items {
            q.serialize_element(&self.nested(v))?;
        }
        q.end()
    }

    /// `Some(x)` is x and `None` null; a unit variant of a user enum is its name, one
    /// with a payload `{"Variant": payload}` (serde's external tagging). Result values
    /// are an error: unwrap them first.
    fn variant<S: ser::Serializer>(&self, s: S, e: &crate::interp::value::EnumValue) -> Result<S::Ok, S::Error> {
        let name = &e.def.variants[e.variant as usize].0;
        match (&*e.def.name, &**name, &*e.fields) {
            ("Option", "Some", [x]) => self.nested(x).serialize(s),
            ("Option", "None", []) => s.serialize_unit(),
            ("Result", ..) => Err(cannot(&format!("a Result ({name}(...))"))),
            (_, _, []) => s.serialize_str(name),
            (_, _, [x]) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(&**name, &self.nested(x))?;
                m.end()
            }
            (_, _, many) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(&**name, &Many(self, many))?;
                m.end()
            }
        }
    }
}

/// A variant's several payload values, written as an array.
struct Many<'a, 'b>(&'a Json<'b>, &'a [Value]);

impl Serialize for Many<'_, '_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.seq(s, self.1)
    }
}

fn range_items(a: i64, b: i64, step: i64) -> impl Iterator<Item = i64> {
    let mut next = Some(a);
    std::iter::from_fn(move || {
        let v = next?;
        if (step > 0 && v >= b) || (step < 0 && v <= b) || step == 0 {
            return None;
        }
        next = v.checked_add(step);
        Some(v)
    })
}

/// Object keys are strings; ints, bools and nil are written as Python writes them.
fn key_text<E: ser::Error>(k: &Value) -> Result<String, E> {
    match k {
        Value::Str(s) => Ok(s.s.clone()),
        Value::Int(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Nil => Ok("null".into()),
        other => Err(E::custom(format!("a {} cannot be a JSON object key", other.type_name()))),
    }
}
