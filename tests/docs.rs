//! docs/builtins.md is exactly what `simple doc` prints (the registry's own listing of
//! every built-in function, method, module and constant), so the reference cannot drift
//! from the signatures calls are checked against. `BLESS=1 cargo test --test docs`
//! rewrites the file.

use std::path::Path;
use std::process::Command;

#[test]
fn builtins_reference_is_up_to_date() {
    let out = Command::new(env!("CARGO_BIN_EXE_simple")).arg("doc").output().expect("run simple doc");
    assert!(out.status.success(), "simple doc failed: {}", String::from_utf8_lossy(&out.stderr));
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    assert!(generated.contains("## Functions") && generated.contains("## Module `math`"), "{generated}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/builtins.md");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/builtins.md");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    if on_disk != generated {
        let diff = simple::testing::diff(&on_disk, &generated);
        panic!("docs/builtins.md is out of date; run `BLESS=1 cargo test --test docs`\n{diff}");
    }
}
