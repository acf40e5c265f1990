//! `simple test`: spec files (`*_spec.spl`) and golden programs (`NAME.spl` with
//! `NAME.out`) found under the paths given, each run in its own process; one report with
//! the totals; exit code 1 when anything failed, 0 otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("simple_test_cmd").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write file");
}

/// Runs `simple test ARGS...`: (exit code, stdout).
fn simple_test(args: &[&Path]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_simple")).arg("test").args(args).output().expect("run simple test");
    assert!(out.stderr.is_empty(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    (out.status.code(), String::from_utf8(out.stdout).expect("utf-8"))
}

#[test]
fn passing_specs_and_goldens() {
    let dir = scratch("passing");
    write(
        &dir,
        "math_spec.spl",
        "describe \"math\":\n    it \"adds\":\n        expect 1 + 1 == 2\n    it \"multiplies\":\n        expect 2 * 3 == 6\n",
    );
    write(&dir, "hello.spl", "print(\"hi\")\n");
    write(&dir, "hello.out", "hi\n");
    // a .spl without .out and not named *_spec is neither: ignored
    write(&dir, "helper.spl", "panic(\"never run\")\n");
    let (code, out) = simple_test(&[&dir]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("  math\n    ✓ adds\n    ✓ multiplies\n"), "{out}");
    assert!(out.ends_with("\n2 examples, 0 failures; 1 golden program, 0 failed\n"), "{out}");
    assert!(!out.contains("never run"), "{out}");
}

#[test]
fn failures_are_reported_and_counted() {
    let dir = scratch("failing");
    write(
        &dir,
        "a_spec.spl",
        "describe \"a\":\n    it \"ok\":\n        expect 1 == 1\n    it \"bad\":\n        expect 1 == 2\n",
    );
    write(&dir, "crash_spec.spl", "describe \"c\":\n    it \"x\":\n        expect 1 == 1\nlet x = [1][3]\n");
    write(&dir, "prog.spl", "print(\"x\")\n");
    write(&dir, "prog.out", "y\n");
    let (code, out) = simple_test(&[&dir]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("    ✗ bad\n      expected 1 to equal 2\n        at a_spec.spl:5:9\n"), "{out}");
    assert!(
        out.contains("prog.spl (golden): FAILED\n  stdout differs (- expected, + actual):\n  - y\n  + x\n"),
        "{out}"
    );
    assert!(out.contains("index 3 out of range"), "a spec file that crashes shows its error\n{out}");
    assert!(out.contains("failures; 1 golden program, 1 failed\n"), "{out}");
}

#[test]
fn single_files_can_be_named() {
    let dir = scratch("single");
    write(&dir, "one_spec.spl", "it \"works\":\n    expect true\n");
    write(&dir, "two_spec.spl", "it \"fails\":\n    expect false\n");
    let (code, out) = simple_test(&[&dir.join("one_spec.spl")]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.ends_with("\n1 example, 0 failures\n"), "{out}");
}
