//! NetError values: built from OS errors (by errno) or by name, as the std/net enum
//! declared in std/net/__init__.spl.

use crate::interp::value::Value;
use crate::interp::{Interp, R};
use std::io;

/// Builds `NetError::<variant>(payload...)`.
pub fn net_error(interp: &Interp, variant: &str, payload: Option<String>) -> R<Value> {
    crate::stdlib::std_variant(interp, "net", "NetError", variant, payload)
}

pub fn timed_out(interp: &Interp) -> R<Value> {
    net_error(interp, "TimedOut", None)
}

/// Maps an OS error to its NetError (LANGUAGE.md §7).
pub fn from_io(interp: &Interp, e: &io::Error) -> R<Value> {
    use io::ErrorKind::*;
    let variant = match e.raw_os_error() {
        Some(code) if code == libc_code::ECONNREFUSED => "ConnectionRefused",
        Some(code) if code == libc_code::ECONNRESET || code == libc_code::EPIPE => "ConnectionReset",
        Some(code) if code == libc_code::ETIMEDOUT => "TimedOut",
        Some(code) if code == libc_code::EAGAIN => "WouldBlock",
        Some(code) if code == libc_code::ENOTCONN => "NotConnected",
        Some(code) if code == libc_code::EISCONN => "AlreadyConnected",
        Some(_) => "IoError",
        None => match e.kind() {
            ConnectionRefused => "ConnectionRefused",
            ConnectionReset | BrokenPipe | UnexpectedEof => "ConnectionReset",
            TimedOut => "TimedOut",
            WouldBlock => "WouldBlock",
            NotConnected => "NotConnected",
            _ => "IoError",
        },
    };
    let payload = (variant == "IoError").then(|| os_message(e));
    net_error(interp, variant, payload)
}

/// The OS's message without Rust's " (os error N)" suffix.
fn os_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Linux errno values (stable ABI; avoids a libc dependency for six constants).
mod libc_code {
    pub const EPIPE: i32 = 32;
    pub const EAGAIN: i32 = 11;
    pub const ECONNRESET: i32 = 104;
    pub const ENOTCONN: i32 = 107;
    pub const EISCONN: i32 = 106;
    pub const ETIMEDOUT: i32 = 110;
    pub const ECONNREFUSED: i32 = 111;
}
