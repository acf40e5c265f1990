//! Files and JSON bench (LANGUAGE.md section 12), each contender run alternately
//! BENCH_RUNS times (default 3), medians shown side by side:
//!
//! 1. reading a BENCH_FILE_MB (default 1024) MiB file to its end: benches/files/read.spl
//!    (1 MiB `File.read` calls) under io_uring and under epoll, against `cat FILE`
//!    into /dev/null;
//! 2. copying it: benches/files/copy.spl (read + write_all, 1 MiB, both drivers) and
//!    benches/files/fs_copy.spl (`fs::copy`), against `cp` and CPython's
//!    `shutil.copyfile`; MB/s and the ratio to `cp`;
//! 3. JSON: a BENCH_JSON_MB (default 50) MB document (benches/files/make_json.py)
//!    parsed and written back compactly, by benches/files/json.spl and its CPython twin
//!    json_twin.py; each program times its own parse and stringify (no startup, no file
//!    reading), and both must find the same number of items.
//!
//! The file is in the page cache after it is made, so these measure the I/O path, not
//! the disk. Scratch files live in a temporary directory removed at the end.
//!
//!     cargo bench --bench files
//!     BENCH_FILE_MB=256 BENCH_JSON_MB=10 BENCH_RUNS=1 cargo bench --bench files

mod common;

use common::{Table, env_num, median, python3_bin, ratio, root, simple_bin};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One way of doing the job: a label and a command line (the program, then arguments).
struct Contender {
    label: String,
    argv: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
}

impl Contender {
    fn new(label: &str, argv: &[&str]) -> Contender {
        Contender { label: label.to_string(), argv: argv.iter().map(|s| s.to_string()).collect(), env: Vec::new() }
    }
    /// `simple run benches/files/PROGRAM ARGS...`
    fn simple(label: &str, program: &str, args: &[&str]) -> Contender {
        let mut argv =
            vec![simple_bin().to_string_lossy().into_owned(), "run".into(), format!("benches/files/{program}")];
        argv.extend(args.iter().map(|s| s.to_string()));
        Contender { label: label.to_string(), argv, env: Vec::new() }
    }
    fn epoll(mut self) -> Contender {
        self.env.push(("MONOIO_FORCE_LEGACY_DRIVER", "1"));
        self
    }

    /// Runs once from the repository root: (seconds, stdout). `stdout_to` sends stdout
    /// to a file instead (cat into /dev/null).
    fn run(&self, stdout_to: Option<&Path>) -> (f64, String) {
        let mut cmd = Command::new(&self.argv[0]);
        cmd.args(&self.argv[1..]).current_dir(root()).stdin(Stdio::null()).stderr(Stdio::inherit());
        cmd.env_remove("MONOIO_FORCE_LEGACY_DRIVER");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        match stdout_to {
            Some(p) => cmd.stdout(std::fs::File::create(p).expect("stdout file")),
            None => cmd.stdout(Stdio::piped()),
        };
        let start = Instant::now();
        let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", self.argv[0]));
        let secs = start.elapsed().as_secs_f64();
        assert!(out.status.success(), "{} failed: {}", self.label, out.status);
        (secs, String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

fn make_file(path: &Path, mib: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create the test file"));
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunk = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for b in chunk.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b.copy_from_slice(&x.to_le_bytes()[..b.len()]);
        }
        f.write_all(&chunk).expect("write the test file");
    }
    f.flush().expect("flush the test file");
}

/// Runs every contender `runs` times, alternating; the median seconds of each.
fn race(contenders: &[Contender], runs: usize, before_each: impl Fn(), stdout_to: Option<&Path>) -> Vec<f64> {
    let mut times = vec![Vec::new(); contenders.len()];
    for _ in 0..runs {
        for (c, t) in contenders.iter().zip(times.iter_mut()) {
            before_each();
            t.push(c.run(stdout_to).0);
        }
    }
    times.into_iter().map(median).collect()
}

fn main() {
    let runs: usize = env_num("BENCH_RUNS", 3usize).max(1);
    let mib: usize = env_num("BENCH_FILE_MB", 1024usize).max(1);
    let json_mb: f64 = env_num("BENCH_JSON_MB", 50.0f64);
    let dir = Scratch(std::env::temp_dir().join(format!("simple_bench_files_{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).expect("scratch dir");
    let src = dir.0.join("src.bin");
    let dst = dir.0.join("dst.bin");
    let (src_s, dst_s) = (src.to_string_lossy().into_owned(), dst.to_string_lossy().into_owned());
    make_file(&src, mib);
    let mb = (mib << 20) as f64 / 1e6;
    let python = python3_bin();

    println!("\n== Files: reading a {mib} MiB file ({runs} runs each, median; MB/s) ==");
    let readers = [
        Contender::simple("simple File.read, io_uring", "read.spl", &[&src_s]),
        Contender::simple("simple File.read, epoll", "read.spl", &[&src_s]).epoll(),
        Contender::new("cat FILE > /dev/null", &["cat", &src_s]),
    ];
    for c in &readers[..2] {
        assert_eq!(c.run(None).1.trim(), (mib << 20).to_string(), "{} read the wrong number of bytes", c.label);
    }
    let secs = race(&readers, runs, || {}, Some(Path::new("/dev/null")));
    let cat = secs[2];
    let mut table = Table::new(&["reader", "seconds", "MB/s", "vs cat"]);
    for (c, s) in readers.iter().zip(&secs) {
        table.row(vec![c.label.clone(), format!("{s:.3}"), format!("{:.0}", mb / s), ratio(cat / s)]);
    }
    table.print();

    println!("\n== Files: copying a {mib} MiB file ({runs} runs each, median; MB/s) ==");
    let args = [src_s.as_str(), dst_s.as_str()];
    let copiers = [
        Contender::simple("simple read+write_all, io_uring", "copy.spl", &args),
        Contender::simple("simple read+write_all, epoll", "copy.spl", &args).epoll(),
        Contender::simple("simple fs::copy", "fs_copy.spl", &args),
        Contender::new("cp", &["cp", &src_s, &dst_s]),
        Contender::new(
            "python3 shutil.copyfile",
            &[&python, "-c", "import shutil, sys; shutil.copyfile(sys.argv[1], sys.argv[2])", &src_s, &dst_s],
        ),
    ];
    let original = std::fs::read(&src).expect("read the source back");
    for c in &copiers {
        let _ = std::fs::remove_file(&dst);
        c.run(None);
        assert!(std::fs::read(&dst).expect("the copy") == original, "{} made a wrong copy", c.label);
    }
    drop(original);
    let secs = race(&copiers, runs, || drop(std::fs::remove_file(&dst)), None);
    let cp = secs[3];
    let mut table = Table::new(&["copier", "seconds", "MB/s", "vs cp"]);
    for (c, s) in copiers.iter().zip(&secs) {
        table.row(vec![c.label.clone(), format!("{s:.3}"), format!("{:.0}", mb / s), ratio(cp / s)]);
    }
    table.print();
    let _ = std::fs::remove_file(&dst);
    let _ = std::fs::remove_file(&src);

    println!("\n== JSON: parse and stringify a {json_mb} MB document ({runs} runs each, median seconds) ==");
    let doc = dir.0.join("doc.json");
    let doc_s = doc.to_string_lossy().into_owned();
    let made = Command::new(&python)
        .args(["benches/files/make_json.py", &doc_s, &json_mb.to_string()])
        .current_dir(root())
        .status()
        .expect("run make_json.py");
    assert!(made.success(), "make_json.py failed");
    let simple_json = Contender::simple("simple", "json.spl", &[&doc_s]);
    let python_json = Contender::new("python3", &[&python, "benches/files/json_twin.py", &doc_s]);
    let field = |out: &str, name: &str| -> f64 {
        out.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().parse::<f64>().expect("a number")))
            .unwrap_or_else(|| panic!("no `{name}` line in {out}"))
    };
    let (mut sp, mut ss, mut pp, mut ps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let s = simple_json.run(None).1;
        let p = python_json.run(None).1;
        assert_eq!(field(&s, "items"), field(&p, "items"), "the two parsed different numbers of items");
        sp.push(field(&s, "parse"));
        ss.push(field(&s, "stringify"));
        pp.push(field(&p, "parse"));
        ps.push(field(&p, "stringify"));
    }
    let mut table = Table::new(&["step", "simple s", "python3 s", "simple/python3"]);
    for (step, s, p) in [("parse", median(sp), median(pp)), ("stringify", median(ss), median(ps))] {
        table.row(vec![step.to_string(), format!("{s:.3}"), format!("{p:.3}"), ratio(s / p)]);
    }
    table.print();
}
