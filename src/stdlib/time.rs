//! std/time.spl natives: the wall clock, a monotonic clock, and UTC timestamps in ISO
//! 8601 and HTTP (IMF-fixdate) form, computed without a calendar crate.

use crate::interp::value::Value;
use crate::interp::{Interp, R, fail};
use crate::registry::Registry;
use std::sync::LazyLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub fn register(r: &mut Registry) {
    r.sync("time::now", |_, _| {
        let since = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        Ok(Value::Float(since))
    });
    r.sync("time::monotonic", |_, _| Ok(Value::Float(EPOCH.elapsed().as_secs_f64())));
    r.sync("time::format_utc", |i, a| format_with(i, a, "format_utc", iso8601));
    r.sync("time::http_date", |i, a| format_with(i, a, "http_date", imf_fixdate));
}

/// The monotonic clock's zero: the first time anything asks (shared by all threads).
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Years 0 through 9999: what both formats can spell.
const MIN_SECS: i64 = -62_167_219_200;
const MAX_SECS: i64 = 253_402_300_799;

fn format_with(_: &Interp, a: &[Value], what: &str, format: fn(i64) -> String) -> R<Value> {
    let secs = match a.first() {
        Some(Value::Int(n)) => *n,
        Some(Value::Float(f)) if f.is_finite() => {
            let floor = f.floor();
            if floor < MIN_SECS as f64 || floor > MAX_SECS as f64 {
                return fail(format!("{what}(): {f:?} is outside the years 0 to 9999"));
            }
            floor as i64
        }
        Some(other) => return fail(format!("{what}() needs an int or a finite float, got {}", other.repr())),
        None => return fail(format!("{what}() takes 1 argument but 0 were given")),
    };
    if !(MIN_SECS..=MAX_SECS).contains(&secs) {
        return fail(format!("{what}(): {secs} is outside the years 0 to 9999"));
    }
    Ok(Value::str(format(secs)))
}

/// A UTC date and time broken down from seconds since the epoch.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    /// 0 = Sunday
    weekday: usize,
}

/// Howard Hinnant's `civil_from_days` (proleptic Gregorian calendar).
fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: rem / 3600,
        minute: rem % 3600 / 60,
        second: rem % 60,
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

/// `2026-11-29T21:17:03Z`
fn iso8601(secs: i64) -> String {
    let c = civil(secs);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// `Sun, 29 Nov 2026 21:17:03 GMT`
pub fn imf_fixdate(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let c = civil(secs);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[c.weekday],
        c.day,
        MONTHS[c.month as usize - 1],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(imf_fixdate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59Z");
        assert_eq!(iso8601(MAX_SECS), "9999-12-31T23:59:59Z");
        assert_eq!(iso8601(MIN_SECS), "0000-01-01T00:00:00Z");
        assert_eq!(imf_fixdate(1_796_000_000), "Mon, 30 Nov 2026 00:53:20 GMT");
    }
}
