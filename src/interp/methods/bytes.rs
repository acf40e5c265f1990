//! Methods of Bytes (a growable byte buffer; sockets read into it and write from it).

use super::super::access::byte_of;
use super::super::value::*;
use super::super::{Interp, R};
use super::{bytes_of, recv};
use crate::registry::Registry;

pub fn register(reg: &mut Registry) {
    const B: &str = "Bytes";
    reg.method(B, "len()", "The number of bytes.", |_, b, _| Ok(Value::Int(recv!(b, Bytes).borrow().len() as i64)));
    reg.method(B, "is_empty()", "Whether there are no bytes.", |_, b, _| {
        Ok(Value::Bool(recv!(b, Bytes).borrow().is_empty()))
    });
    reg.method(B, "capacity()", "Bytes the buffer can hold before it grows.", |_, b, _| {
        Ok(Value::Int(recv!(b, Bytes).borrow().capacity() as i64))
    });
    reg.method(B, "push(byte: i64)", "Appends one byte (0..=255).", |_, b, a| {
        let byte = byte_of(&a[0])?;
        recv!(b, Bytes).borrow_mut().push(byte);
        Ok(Value::Nil)
    });
    reg.method(B, "extend(data)", "Appends the bytes of Bytes, a String (UTF-8) or a List of ints.", |_, b, a| {
        let more = bytes_of(&a[0])?;
        recv!(b, Bytes).borrow_mut().extend_from_slice(&more);
        Ok(Value::Nil)
    });
    reg.method(B, "slice(start: i64, end?: i64)", "A copy of bytes `start..end` (clamped).", |i, b, a| {
        i.slice(b, &a[0], &a[1], &Value::Nil)
    });
    reg.method(B, "clear()", "Removes every byte (the capacity stays).", |_, b, _| {
        recv!(b, Bytes).borrow_mut().clear();
        Ok(Value::Nil)
    });
    reg.method(B, "to_string()", "The bytes as UTF-8 text (invalid sequences replaced).", |_, b, _| {
        Ok(Value::str(String::from_utf8_lossy(&recv!(b, Bytes).borrow()).into_owned()))
    });
    reg.method(B, "decode()", "`Ok(text)`, or `Err(message)` for invalid UTF-8.", decode);
    reg.method(B, "as_bytes()", "The bytes themselves.", |_, b, _| Ok(b.clone()));
    reg.method(B, "to_list()", "A List of the byte values.", |_, b, _| {
        Ok(Value::list(recv!(b, Bytes).borrow().iter().map(|x| Value::Int(*x as i64)).collect()))
    });
    reg.method(B, "hex()", "Lower-case hexadecimal digits, two per byte.", |_, b, _| {
        Ok(Value::str(recv!(b, Bytes).borrow().iter().map(|x| format!("{x:02x}")).collect::<String>()))
    });
}

fn decode(i: &Interp, b: &Value, _: &[Value]) -> R<Value> {
    Ok(match String::from_utf8(recv!(b, Bytes).borrow().clone()) {
        Ok(s) => i.ok(Value::str(s)),
        Err(e) => i.err(Value::str(format!("invalid UTF-8: {e}"))),
    })
}
