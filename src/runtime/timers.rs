//! The deadlines of the timers Simple code waits on (`sleep`, `timeout`, the HTTP
//! server's accept back-off), so that a busy task's fairness point steps aside for the
//! timer wheel only when one of them is due.
//!
//! Why: monoio fires timers only when it parks, and it parks only when no task is
//! runnable. A task that is always runnable (a loaded server) must therefore wait on a
//! timer itself now and then so that due timers fire — but that wait lasts until the
//! wheel's next 1 ms tick. Doing it blindly every 10 ms cost a loaded UDP echo server
//! a tenth of its throughput and put 1.2 ms into its p99 latency; doing it only when a
//! deadline has passed costs nothing when no timer is due.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::{Duration, Instant};

type Set = Rc<RefCell<BTreeSet<(Instant, u64)>>>;

/// The armed deadlines of one runtime.
#[derive(Default)]
pub struct Deadlines {
    set: Set,
    next_id: Cell<u64>,
}

/// One armed deadline; disarmed when dropped (the timer fired or was abandoned).
pub struct Armed {
    set: Set,
    key: (Instant, u64),
}

impl Drop for Armed {
    fn drop(&mut self) {
        self.set.borrow_mut().remove(&self.key);
    }
}

impl Deadlines {
    /// Records a timer that will fire `after` from now.
    pub fn arm(&self, after: Duration) -> Armed {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let when = Instant::now().checked_add(after).unwrap_or_else(|| Instant::now() + Duration::from_secs(1 << 32));
        let key = (when, id);
        self.set.borrow_mut().insert(key);
        Armed { set: self.set.clone(), key }
    }

    /// Whether some armed timer's deadline has passed.
    pub fn any_due(&self, now: Instant) -> bool {
        self.set.borrow().first().is_some_and(|(when, _)| *when <= now)
    }
}

/// `monoio::time::sleep`, with its deadline armed while it waits.
pub async fn sleep(deadlines: &Deadlines, d: Duration) {
    let _armed = deadlines.arm(d);
    monoio::time::sleep(d).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_is_due_once_passed_and_gone_once_dropped() {
        let d = Deadlines::default();
        let now = Instant::now();
        let later = d.arm(Duration::from_secs(60));
        assert!(!d.any_due(now));
        let soon = d.arm(Duration::ZERO);
        assert!(d.any_due(Instant::now()));
        drop(soon);
        assert!(!d.any_due(Instant::now()));
        drop(later);
        assert!(d.set.borrow().is_empty());
    }
}
