//! The closed-loop load driver the network benches share: runs a generator future on
//! its own monoio runtime in one thread (pinned to a core when asked), measures the
//! server's and the generator's CPU use around it, and returns what it measured.

use std::future::Future;
use std::io;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::{Server, monoio_runtime_entries, pin_current_thread, process_cpu_secs, thread_cpu_secs};

/// What a generator reports: requests done, the seconds they took, every request's
/// latency in ns, and datagrams resent (UDP; 0 elsewhere).
pub struct Generated {
    pub requests: u64,
    pub secs: f64,
    pub lat_ns: Vec<u64>,
    pub lost: u64,
}

/// What one load run measured.
pub struct Load {
    pub requests: u64,
    pub secs: f64,
    /// per-request latencies in ns, sorted
    pub lat_ns: Vec<u64>,
    /// generator thread CPU use, 0..1
    pub gen_cpu: f64,
    /// server process CPU use over the run (1.0 = one core)
    pub srv_cpu: f64,
    /// UDP datagrams resent after a timeout
    pub lost: u64,
}

impl Load {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.secs
    }

    pub fn p99_us(&self) -> f64 {
        if self.lat_ns.is_empty() {
            return f64::NAN;
        }
        let i = ((self.lat_ns.len() as f64 * 0.99).ceil() as usize).clamp(1, self.lat_ns.len()) - 1;
        self.lat_ns[i] as f64 / 1e3
    }

    /// The runs of one side of an interleaved comparison as one: requests and time
    /// added, latencies pooled, CPU use averaged over the time.
    pub fn merge(runs: Vec<Load>) -> Load {
        let secs: f64 = runs.iter().map(|l| l.secs).sum();
        let weighted = |f: fn(&Load) -> f64| runs.iter().map(|l| f(l) * l.secs).sum::<f64>() / secs;
        let (gen_cpu, srv_cpu) = (weighted(|l| l.gen_cpu), weighted(|l| l.srv_cpu));
        let mut lat_ns: Vec<u64> = runs.iter().flat_map(|l| l.lat_ns.iter().copied()).collect();
        lat_ns.sort_unstable();
        Load {
            requests: runs.iter().map(|l| l.requests).sum(),
            secs,
            lat_ns,
            gen_cpu,
            srv_cpu,
            lost: runs.iter().map(|l| l.lost).sum(),
        }
    }

    /// "server%/generator%"
    pub fn cpu(&self) -> String {
        format!("{:.0}/{:.0}", self.srv_cpu * 100.0, self.gen_cpu * 100.0)
    }
}

/// Runs `generate()` against `server` on a generator thread (pinned to `gen_core` if
/// given). `secs` is the run's length, used only to bound the wait: connecting hundreds
/// of clients takes a while under an interpreter, so a minute more is allowed.
pub fn drive<F, Fut>(server: &mut Server, secs: f64, gen_core: Option<usize>, generate: F) -> Load
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = io::Result<Generated>>,
{
    let (tx, rx) = mpsc::channel();
    let generator = thread::spawn(move || {
        if let Some(c) = gen_core {
            pin_current_thread(c);
        }
        let mut rt = monoio_runtime_entries(1024);
        let cpu0 = thread_cpu_secs();
        let r = rt.block_on(generate());
        let cpu = thread_cpu_secs() - cpu0;
        let _ = tx.send(r.map(|g| (g, cpu)));
    });
    let pid = server.pid();
    let (c0, t0) = (process_cpu_secs(pid).unwrap_or(0.0), Instant::now());
    let res = match rx.recv_timeout(Duration::from_secs_f64(secs + 60.0)) {
        Ok(r) => r,
        Err(_) => {
            let _ = server.child.kill(); // resets the connections, so the generator ends
            let _ = generator.join();
            panic!("{}: the load generator did not finish", server.name);
        }
    };
    let wall = t0.elapsed().as_secs_f64();
    let srv_cpu = (process_cpu_secs(pid).unwrap_or(0.0) - c0) / wall;
    let _ = generator.join();
    let (g, cpu) = res.unwrap_or_else(|e| panic!("{}: load failed: {e}", server.name));
    let mut lat_ns = g.lat_ns;
    lat_ns.sort_unstable();
    // the generator's CPU time includes connecting; close enough for a bound check
    Load { requests: g.requests, secs: g.secs, lat_ns, gen_cpu: cpu / wall, srv_cpu, lost: g.lost }
}

/// A comma-separated list of numbers from the environment variable `name`.
pub fn list(name: &str, default: &str) -> Vec<usize> {
    let v = std::env::var(name).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default.to_string());
    v.split(',').map(|x| x.trim().parse().unwrap_or_else(|_| panic!("{name}: bad number {x:?}"))).collect()
}
