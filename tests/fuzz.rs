//! Seeded fuzzing of the whole pipeline (lex → layout → parse → resolve → run) through
//! `simple::program::run_sandboxed`, with a step budget: every generated or mutated
//! program must give a result or a diagnostic — never a panic, a crash or a hang.
//!
//! Generators (xorshift, no extra crates; the seed is printed, `SIMPLE_FUZZ_SEED=N` replays):
//! - mutations of the golden programs under tests/golden/**/*.spl: byte flips, deleted /
//!   duplicated / swapped lines and tokens, truncation, inserted keywords / brackets /
//!   operators / edge-case literals, re-indented lines;
//! - random token streams (keywords, names, literals, operators, newlines, indentation);
//! - random bytes, including invalid UTF-8 (fed through `String::from_utf8_lossy`);
//! - fixed extreme inputs: 10,000 nested brackets, 500 nested `if true:` blocks, long
//!   operator chains (100,000 `**`, 100,000 nested lambdas), huge literals, 10,000
//!   syntax errors, cyclic and very deep data, and (in their own test) 100,000 nested
//!   brackets.
//!
//! Default: 5,000 generated programs (3,000 mutations, 1,000 token streams, 1,000 byte
//! strings) plus the fixed cases (some at reduced size); `SIMPLE_STRESS=1`: 100,000
//! (60,000 / 20,000 / 20,000) and the fixed cases at full size. `SIMPLE_FUZZ_COUNT=N`
//! sets the total; `SIMPLE_FUZZ_VERBOSE=1` prints the time of every program. Each test
//! prints how many programs it ran, how many ended in a diagnostic, and its three
//! slowest cases (run with `--nocapture` to see them).
//!
//! How: each test runs its programs in a child process (this test binary again, test
//! `fuzz_child_process`, told what to run by `FUZZ_CHILD`/`FUZZ_FROM`), on a thread with
//! a 512 MiB stack, each program inside `catch_unwind`. A panic is caught there and
//! minimised (lines, then characters). A crash that is not a panic (stack overflow,
//! allocation failure: the process aborts) or a program running longer than 10 s (60 s
//! under SIMPLE_STRESS=1) is seen by the parent, which records the program (written to
//! `$CARGO_TARGET_TMPDIR/fuzz-<batch>.case` before each run), and starts a new child at
//! the next program. So a crash costs one program, not the run, and a per-program time
//! limit is enforced after all (`SIMPLE_FUZZ_CASE_LIMIT=SECS` changes it). The minimised
//! crashes live on as golden tests under tests/golden/regressions/ (and are run here in
//! the sandbox too); so does a check that the sandbox writes nothing to stderr.
//!
//! The command line is tested with invalid UTF-8 too: in the program file (a clear
//! error, exit 2), in a script argument, in `-e` code and in the file name.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

fn stress() -> bool {
    std::env::var_os("SIMPLE_STRESS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Programs for one generator: `default` normally, `stressed` under SIMPLE_STRESS=1,
/// scaled by SIMPLE_FUZZ_COUNT (the total over the three generators, 5,000 by default).
fn count(default: usize, stressed: usize) -> usize {
    if let Some(total) = std::env::var("SIMPLE_FUZZ_COUNT").ok().and_then(|v| v.parse::<usize>().ok()) {
        return (default * total).div_ceil(5000);
    }
    if stress() { stressed } else { default }
}

fn seed() -> u64 {
    std::env::var("SIMPLE_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED_0007)
}

// ----- random numbers -------------------------------------------------------------------

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// 0..n (n > 0)
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ----- vocabulary -----------------------------------------------------------------------

const KEYWORDS: &[&str] = &[
    "fn", "async", "await", "let", "val", "var", "mut", "if", "elif", "else", "while", "for", "in", "loop", "break",
    "continue", "return", "match", "case", "struct", "enum", "impl", "import", "pub", "extern", "true", "false", "nil",
    "and", "or", "not", "self", "Self",
];
const BRACKETS: &[&str] = &["(", ")", "[", "]", "{", "}"];
const OPERATORS: &[&str] = &[
    ",", ":", ";", ".", "::", "->", "=>", "?", "\\", "=", "+=", "-=", "*=", "/=", "%=", "==", "!=", "<", "<=", ">",
    ">=", "+", "-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>", "!", "&&", "||", "..", "@", "$", "`", "#", "'",
    "\"", "b\"", "r\"",
];
/// Names the programs can reach (built-ins, methods, types) and some that do not exist.
const NAMES: &[&str] = &[
    "x",
    "y",
    "n",
    "f",
    "g",
    "s",
    "xs",
    "print",
    "len",
    "str",
    "int",
    "float",
    "range",
    "type_of",
    "assert",
    "panic",
    "args",
    "env_var",
    "exit",
    "Some",
    "None",
    "Ok",
    "Err",
    "Option",
    "Result",
    "Bytes",
    "List",
    "Dict",
    "String",
    "sleep",
    "spawn",
    "join",
    "timeout",
    "block_on",
    "Channel",
    "net",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "NetError",
    "init_runtime",
    "configure_entries",
    "map",
    "filter",
    "push",
    "pop",
    "split",
    "join",
    "repeat",
    "to_string",
    "with_capacity",
    "main",
    "i64",
    "f64",
    "bool",
    "undefined_name",
];
/// Literals, the edge cases among them.
const LITERALS: &[&str] = &[
    "0",
    "1",
    "-1",
    "42",
    "3.5",
    "1e308",
    "1e309",
    "-0.0",
    "0x7fffffffffffffff",
    "0x8000000000000000",
    "0b101",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "99999999999999999999999",
    "1_000",
    "\"\"",
    "\"text\"",
    "\"{x}\"",
    "\"{\"",
    "\"}\"",
    "\"\\u{10ffff}\"",
    "\"\\u{110000}\"",
    "\"\\q\"",
    "b\"\\xff\"",
    "r\"raw\"",
    "\"é🎉\"",
    "[]",
    "{}",
    "()",
    "[1, 2, 3]",
    "{\"a\": 1}",
    "(1,)",
    "nil",
    "true",
];

/// The golden programs (but not tests/golden/regressions), `eprint` turned into `print`:
/// `run_sandboxed` captures stdout only, and `eprint` would write straight to the test
/// process's stderr.
fn corpus() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "spl") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files = Vec::new();
    walk(&root, &mut files);
    // the regression programs run by themselves (`regressions_in_the_sandbox`): mutated,
    // they would only find the same crashes again
    files.retain(|p| !p.starts_with(root.join("regressions")));
    files.sort();
    assert!(files.len() > 50, "expected the golden programs under {}, found {}", root.display(), files.len());
    files
        .iter()
        .map(|p| {
            let src = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.strip_prefix(&root).unwrap().display().to_string(), src.replace("eprint(", "print("))
        })
        .collect()
}

// ----- generators -----------------------------------------------------------------------

/// Splits source into tokens (runs of name characters, runs of spaces, single others),
/// so that mutations can act on whole tokens.
fn tokens(src: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        if word(c) || c == ' ' {
            while let Some(&(_, d)) = chars.peek() {
                if (word(c) && word(d)) || (c == ' ' && d == ' ') {
                    chars.next();
                } else {
                    break;
                }
            }
        }
        let end = chars.peek().map(|&(j, _)| j).unwrap_or(src.len());
        let _ = i;
        out.push(&src[start..end]);
        start = end;
    }
    out
}

fn random_token(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=2 => rng.pick(KEYWORDS).to_string(),
        3 => rng.pick(BRACKETS).to_string(),
        4..=5 => rng.pick(OPERATORS).to_string(),
        6..=7 => rng.pick(NAMES).to_string(),
        _ => rng.pick(LITERALS).to_string(),
    }
}

/// 1 to 4 mutations of `src`; the result may be invalid UTF-8.
fn mutate(rng: &mut Rng, src: &str) -> Vec<u8> {
    let mut text = src.to_string();
    let rounds = 1 + rng.below(4);
    let mut bytes: Option<Vec<u8>> = None;
    for _ in 0..rounds {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let toks = tokens(&text);
        let next: String = match rng.below(12) {
            // delete a line
            0 if !lines.is_empty() => {
                let k = rng.below(lines.len());
                lines.iter().enumerate().filter(|&(i, _)| i != k).map(|(_, l)| *l).collect()
            }
            // duplicate a line
            1 if !lines.is_empty() => {
                let k = rng.below(lines.len());
                let mut v = lines.clone();
                v.insert(k, lines[k]);
                v.concat()
            }
            // swap two lines
            2 if lines.len() > 1 => {
                let mut v = lines.clone();
                let (a, b) = (rng.below(v.len()), rng.below(v.len()));
                v.swap(a, b);
                v.concat()
            }
            // delete a token
            3 if !toks.is_empty() => {
                let k = rng.below(toks.len());
                toks.iter().enumerate().filter(|&(i, _)| i != k).map(|(_, t)| *t).collect()
            }
            // duplicate a token
            4 if !toks.is_empty() => {
                let k = rng.below(toks.len());
                let mut v = toks.clone();
                v.insert(k, toks[k]);
                v.concat()
            }
            // swap two tokens
            5 if toks.len() > 1 => {
                let mut v = toks.clone();
                let (a, b) = (rng.below(v.len()), rng.below(v.len()));
                v.swap(a, b);
                v.concat()
            }
            // truncate
            6 => {
                let mut at = rng.below(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text[..at].to_string()
            }
            // insert a keyword, bracket, operator, name or literal at a token boundary
            7 | 8 => {
                let k = rng.below(toks.len() + 1);
                let mut v: Vec<String> = toks.iter().map(|t| t.to_string()).collect();
                let sep = if rng.chance(50) { " " } else { "" };
                v.insert(k, format!("{sep}{}{sep}", random_token(rng)));
                v.concat()
            }
            // replace a token
            9 if !toks.is_empty() => {
                let k = rng.below(toks.len());
                let mut v: Vec<String> = toks.iter().map(|t| t.to_string()).collect();
                v[k] = random_token(rng);
                v.concat()
            }
            // re-indent a line
            10 if !lines.is_empty() => {
                let k = rng.below(lines.len());
                let mut v: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                v[k] = match rng.below(4) {
                    0 => v[k].trim_start().to_string(),
                    1 => format!("    {}", v[k]),
                    2 => format!("\t{}", v[k]),
                    _ => format!("  {}", v[k]),
                };
                v.concat()
            }
            // flip bytes: the only mutation that can leave invalid UTF-8
            _ => {
                let mut b = bytes.take().unwrap_or_else(|| text.clone().into_bytes());
                for _ in 0..1 + rng.below(3) {
                    if b.is_empty() {
                        break;
                    }
                    let k = rng.below(b.len());
                    b[k] = match rng.below(3) {
                        0 => b[k] ^ (1 << rng.below(8)),
                        1 => rng.next() as u8,
                        _ => *rng.pick(b"()[]{}:\n \t\"\\#=,.0"),
                    };
                }
                let lossy = String::from_utf8_lossy(&b).into_owned();
                bytes = Some(b);
                lossy
            }
        };
        if bytes.as_ref().is_some_and(|b| String::from_utf8_lossy(b) != next) {
            bytes = None; // a later text mutation supersedes the raw bytes
        }
        text = next;
    }
    bytes.unwrap_or_else(|| text.into_bytes())
}

/// A random stream of tokens, newlines and indentation.
fn token_stream(rng: &mut Rng) -> String {
    let n = 1 + rng.below(200);
    let mut out = String::new();
    for _ in 0..n {
        match rng.below(12) {
            0 => {
                out.push('\n');
                out.push_str(&"    ".repeat(rng.below(4)));
            }
            1 => out.push(' '),
            _ => {
                out.push_str(&random_token(rng));
                if rng.chance(60) {
                    out.push(' ');
                }
            }
        }
    }
    out
}

/// Random bytes: uniformly random, or mostly printable ASCII with some high bytes; up to
/// 600 bytes (1,000 under SIMPLE_STRESS=1: nearly every byte is an error, and each
/// diagnostic is rendered against the whole input, so the cost grows with the square).
fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let n = rng.below(if stress() { 1000 } else { 600 });
    let printable = rng.chance(50);
    (0..n)
        .map(|_| {
            if printable && !rng.chance(3) {
                *rng.pick(b" \n\n    abcxyz_019()[]{}:=+-*/%<>!&|^,.\"'\\#\t")
            } else {
                rng.next() as u8
            }
        })
        .collect()
}

/// `default` normally, `stressed` under SIMPLE_STRESS=1 (sizes of the fixed cases).
fn size(default: usize, stressed: usize) -> usize {
    if stress() { stressed } else { default }
}

/// The fixed extreme inputs: (name, source).
fn extreme_cases() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut add = |name: String, src: String| v.push((name, src));
    let deep = 10_000;
    // brackets: `(` always 10,000 deep, the others 10,000 under SIMPLE_STRESS (each
    // 10,000-deep case takes 2-5 s in a debug build)
    let other = size(2_000, 10_000);
    add(format!("{deep} unclosed `(`"), "(".repeat(deep));
    add(format!("{deep} nested `(1)` in print"), format!("print({}1{})\n", "(".repeat(deep), ")".repeat(deep)));
    for (open, close) in [("[", "]"), ("{", "}")] {
        add(format!("{other} unclosed `{open}`"), open.repeat(other));
        add(
            format!("{other} nested `{open}1{close}` in print"),
            format!("print({}1{})\n", open.repeat(other), close.repeat(other)),
        );
    }
    for close in [")", "]", "}"] {
        add(format!("{deep} `{close}`"), close.repeat(deep));
    }
    add(format!("{other} nested `(` `[` alternating"), "([".repeat(other / 2) + "1" + &"])".repeat(other / 2));
    add(
        format!("{other} nested calls f(f(...))"),
        format!("fn f(x):\n    return x\nprint({}1{})\n", "f(".repeat(other), ")".repeat(other)),
    );
    let lambdas = 100_000;
    add(format!("{lambdas} nested lambdas"), format!("let g = {}1\n", "\\x: ".repeat(lambdas)));
    // blocks
    let ifs: String = (0..500).map(|i| format!("{}if true:\n", "    ".repeat(i))).collect();
    add("500 nested `if true:`".into(), format!("{ifs}{}print(\"deep\")\n", "    ".repeat(500)));
    let ifs1: String = (0..500).map(|i| format!("{}if true:\n", " ".repeat(i))).collect();
    add("500 nested `if true:` indented by one space".into(), format!("{ifs1}{}print(\"deep\")\n", " ".repeat(500)));
    add("500 nested `if true:` without a body".into(), ifs.clone());
    let fors: String = (0..500).map(|i| format!("{}for i{i} in range(1):\n", "    ".repeat(i))).collect();
    add("500 nested `for`".into(), format!("{fors}{}print(\"deep\")\n", "    ".repeat(500)));
    let fns: String = (0..500).map(|i| format!("{}fn f{i}():\n", "    ".repeat(i))).collect();
    add("500 nested `fn`".into(), format!("{fns}{}return 1\n", "    ".repeat(500)));
    let matches: String = (0..300).map(|i| format!("{0}match {i}:\n{0}    case _:\n", "        ".repeat(i))).collect();
    add("300 nested `match`".into(), format!("{matches}{}print(1)\n", "        ".repeat(300)));
    add("10,000 lines, each a syntax error".into(), "let = 1\n".repeat(10_000));
    let lines = size(300, 1000);
    add(
        format!("{lines} lines, each indented one space less (an error on every line)"),
        (0..lines).map(|i| format!("{}x\n", " ".repeat(lines - i))).collect(),
    );
    // long chains
    add(format!("{deep} unary minus"), format!("print({}1)\n", "-".repeat(deep)));
    add(format!("{deep} `not`"), format!("print({}true)\n", "not ".repeat(deep)));
    add(format!("{deep} `await`"), format!("print({}1)\n", "await ".repeat(deep)));
    let chain = size(20_000, 100_000);
    add(format!("{chain} additions"), format!("print(1{})\n", " + 1".repeat(chain)));
    // right-associative and right-recursive chains nest like brackets
    let right = 100_000;
    add(format!("{right} `**`"), format!("print(1{})\n", " ** 1".repeat(right)));
    let right_small = size(10_000, 100_000);
    add(format!("{right_small} `-2 **`"), format!("print({}1)\n", "-2 ** ".repeat(right_small)));
    add(format!("{right_small} `if true: 1 else:`"), format!("print({}2)\n", "if true: 1 else: ".repeat(right_small)));
    let quotes = size(1_000, 10_000);
    add(format!("{quotes} `{{\"` in a string (an error each)"), format!("print(\"{})\n", "{\"".repeat(quotes)));
    add(format!("{deep} comparisons"), format!("print(1{})\n", " < 2".repeat(deep)));
    add(format!("{deep} method calls"), format!("print(\"a\"{})\n", ".to_string()".repeat(deep)));
    add(format!("{deep} indexing"), format!("let xs = [1]\nprint(xs{})\n", "[0]".repeat(deep)));
    add(format!("{deep} `?`"), format!("print(Ok(1){})\n", "?".repeat(deep)));
    add(format!("{deep} `.field`"), format!("print(x{})\n", ".f".repeat(deep)));
    // huge literals
    let mb = 1 << 20;
    let text = size(10_000, 1 << 20);
    add("1 MB string literal".into(), format!("let s = \"{}\"\nprint(len(s))\n", "x".repeat(mb)));
    add(format!("{text} `{{` in a string"), format!("print(\"{}\")\n", "{".repeat(text)));
    add(format!("{} interpolations", text / 3), format!("let x = 1\nprint(\"{}\")\n", "{x}".repeat(text / 3)));
    add("1 MB raw string".into(), format!("print(r\"{}\")\n", "\\".repeat(mb)));
    add("1 MB unterminated string".into(), format!("print(\"{}", "y".repeat(mb)));
    add("1 MB bytes literal".into(), format!("print(len(b\"{}\"))\n", "\\xff".repeat(mb / 4)));
    add("1 MB identifier".into(), format!("let {0} = 1\nprint({0})\n", "a".repeat(mb)));
    add("10,000-digit integer".into(), format!("print({})\n", "9".repeat(10_000)));
    add("10,000-digit hex".into(), format!("print(0x{})\n", "f".repeat(10_000)));
    add("10,000-digit float".into(), format!("print({}.5)\n", "9".repeat(10_000)));
    add("float exponent 1e999999999999".into(), "print(1e999999999999)\n".into());
    add("float with 10,000 fraction digits".into(), format!("print(0.{})\n", "1".repeat(10_000)));
    add("100,000 underscores in a number".into(), format!("print(1{})\n", "_".repeat(100_000)));
    let elems = size(10_000, 100_000);
    add(format!("{elems}-element list literal"), format!("print(len([{}]))\n", "0, ".repeat(elems)));
    let entries = size(5_000, 100_000);
    add(
        format!("{entries}-entry dict literal"),
        format!("print(len({{{}}}))\n", (0..entries).map(|i| format!("{i}: 0, ")).collect::<String>()),
    );
    add(format!("{entries} statements on one line"), format!("{}\n", "let a = 1; ".repeat(entries)));
    add("100,000 empty lines".into(), "\n".repeat(100_000));
    add("1 MB comment".into(), format!("#{}\nprint(1)\n", "c".repeat(mb)));
    add("1 MB of spaces".into(), " ".repeat(mb));
    add("1 MB of tabs".into(), "\t".repeat(mb));
    add("100,000 carriage returns".into(), "\r".repeat(100_000));
    add("NUL bytes".into(), "print(1)\0\0\0\n\0".into());
    add("byte order mark".into(), "\u{feff}print(1)\n".into());
    // wide definitions
    let wide = size(2_000, 10_000);
    add(
        format!("{deep} struct fields"),
        format!("struct S:\n{}\nprint(1)\n", (0..deep).map(|i| format!("    f{i}: i64\n")).collect::<String>()),
    );
    add(
        format!("{deep} parameters"),
        format!("fn f({}):\n    return 1\nprint(f())\n", (0..deep).map(|i| format!("p{i}, ")).collect::<String>()),
    );
    add(format!("{deep} call arguments"), format!("print({})\n", "1, ".repeat(deep)));
    add(
        format!("{wide} match arms"),
        format!("match 5:\n{}", (0..wide).map(|i| format!("    case {i}:\n        print({i})\n")).collect::<String>()),
    );
    add(
        format!("{wide} elif"),
        format!(
            "let x = {}\nif x == -1:\n    print(0)\n{}",
            wide - 1,
            (0..wide).map(|i| format!("elif x == {i}:\n    print({i})\n")).collect::<String>()
        ),
    );
    // running
    add(
        "string doubling in a loop".into(),
        "var s = \"x\"\nfor i in range(24):\n    s = s + s\nprint(len(s))\n".into(),
    );
    add("tail recursion".into(), "fn f(n):\n    return f(n + 1)\nf(0)\n".into());
    add(
        "non-tail recursion".into(),
        "fn f(n):\n    if n == 0:\n        return 0\n    return 1 + f(n - 1)\nprint(f(1000000))\n".into(),
    );
    add("mutual recursion".into(), "fn a(n):\n    return b(n + 1)\nfn b(n):\n    return a(n + 1)\na(0)\n".into());
    add("infinite loop".into(), "loop:\n    let a = 1\n".into());
    add("infinite while".into(), "var i = 0\nwhile true:\n    i += 1\n".into());
    add(
        "150,000-deep nested list: str".into(),
        "var x = [1]\nfor i in range(150000):\n    x = [x]\nprint(len(str(x)))\n".into(),
    );
    add(
        "150,000-deep nested lists: ==".into(),
        "var x = [1]\nvar y = [1]\nfor i in range(75000):\n    x = [x]\n    y = [y]\nprint(x == y)\n".into(),
    );
    add(
        "150,000-deep nested list dropped".into(),
        "var x = [1]\nfor i in range(150000):\n    x = [x]\nx = nil\nprint(1)\n".into(),
    );
    add("list containing itself: print".into(), "let xs = [1]\nxs.push(xs)\nprint(xs)\n".into());
    add("list containing itself: len and ==".into(), "let xs = [1]\nxs.push(xs)\nprint(len(xs), xs == xs)\n".into());
    add(
        "two cyclic lists: ==".into(),
        "let xs = [1]\nxs.push(xs)\nlet ys = [1]\nys.push(ys)\nprint(xs == ys)\n".into(),
    );
    add("two cyclic lists: <".into(), "let xs = [1]\nxs.push(xs)\nlet ys = [1]\nys.push(ys)\nprint(xs < ys)\n".into());
    add("dict containing itself: print".into(), "let d = {\"a\": 1}\nd[\"b\"] = d\nprint(d)\n".into());
    // the sandbox
    add("exit in the sandbox".into(), "exit(3)\n".into());
    add("block_on in the sandbox".into(), "async fn f():\n    return 1\nprint(block_on(f()))\n".into());
    add("top-level await in the sandbox".into(), "async fn f():\n    return 1\nprint(await f())\n".into());
    add("async main in the sandbox".into(), "async fn main():\n    await sleep(0.01)\n    print(1)\n".into());
    add("task started in the sandbox".into(), "async fn f():\n    return 1\nlet t = f()\nprint(t)\n".into());
    add("import a missing module".into(), "import nowhere::{x}\n".into());
    add(
        "import net in the sandbox".into(),
        "import net::{TcpListener, init_runtime}\nprint(TcpListener)\nprint(init_runtime())\n".into(),
    );
    v
}

/// Deeper nesting than the fixed cases: 15,000 and 100,000 brackets.
/// (Each takes 3-5 s in a debug build: two by default, all under SIMPLE_STRESS=1.)
fn deeper_cases() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = vec![
        ("15,000 unclosed `(`".into(), "(".repeat(15_000)),
        ("100,000 nested `(1)`".into(), format!("print({}1{})\n", "(".repeat(100_000), ")".repeat(100_000))),
    ];
    if stress() {
        v.push(("100,000 unclosed `(`".into(), "(".repeat(100_000)));
        v.push(("100,000 nested `[1]`".into(), format!("print({}1{})\n", "[".repeat(100_000), "]".repeat(100_000))));
        v.push(("100,000 unary minus".into(), format!("print({}1)\n", "-".repeat(100_000))));
    }
    v
}

fn regression_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "spl")).collect())
        .unwrap_or_default();
    files.sort();
    files
}

type Generator = Box<dyn FnMut(usize) -> (String, Vec<u8>) + Send>;

/// A batch of programs by name: how many, and program `i` (the same in every process).
fn batch(name: &str) -> (usize, Generator) {
    fn fixed(cases: Vec<(String, String)>) -> (usize, Generator) {
        (cases.len(), Box::new(move |i| (cases[i].0.clone(), cases[i].1.clone().into_bytes())))
    }
    match name {
        "mutations" => {
            let corpus = corpus();
            let mut rng = Rng::new(seed());
            (
                count(3000, 60_000),
                Box::new(move |_| {
                    let (name, src) = &corpus[rng.below(corpus.len())];
                    (format!("mutation of {name}"), mutate(&mut rng, src))
                }),
            )
        }
        "tokens" => {
            let mut rng = Rng::new(seed() ^ 0x70CE);
            (count(1000, 20_000), Box::new(move |i| (format!("token stream {i}"), token_stream(&mut rng).into_bytes())))
        }
        "bytes" => {
            let mut rng = Rng::new(seed() ^ 0xB17E);
            (count(1000, 20_000), Box::new(move |i| (format!("random bytes {i}"), random_bytes(&mut rng))))
        }
        "extreme" => fixed(extreme_cases()),
        "deeper" => fixed(deeper_cases()),
        "stderr" => fixed(vec![
            ("eprint".into(), "eprint(\"sandbox-stderr-leak\")\n".into()),
            ("main returning Err".into(), "fn main():\n    return Err(\"sandbox-stderr-leak\")\n".into()),
            ("a runtime error".into(), "let sandbox_stderr_leak = 1 / 0\n".into()),
        ]),
        "regressions" => {
            let files = regression_files();
            (
                files.len(),
                Box::new(move |i| {
                    let rel = files[i].strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&files[i]);
                    (rel.display().to_string(), std::fs::read(&files[i]).unwrap_or_default())
                }),
            )
        }
        other => panic!("no fuzz batch named {other}"),
    }
}

// ----- running one program (in the child) ----------------------------------------------------

/// Loop iterations plus calls allowed per program.
const STEPS: u64 = 200_000;
/// Stack of the thread that runs the programs (deep nesting is deep recursion).
const STACK: usize = 512 << 20;
/// Time spent shrinking one panicking input; inputs longer than `MINIMISE_MAX` bytes
/// (the fixed extreme cases, minimal by construction) are reported as they are.
const MINIMISE_LIMIT: Duration = Duration::from_secs(10);
const MINIMISE_MAX: usize = 5_000;

thread_local! {
    /// The panic message and location of the last panic on this thread.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics on the fuzzing thread are recorded (reported with their input), not printed.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if std::thread::current().name().is_some_and(|n| n.starts_with("fuzz-")) {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string payload)".into());
                let loc = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg} at {loc}")));
            } else {
                previous(info);
            }
        }));
    });
}

enum Outcome {
    Ok,
    Diagnostic,
    Panic(String),
}

fn run_one(src: &str) -> Outcome {
    LAST_PANIC.with(|p| p.borrow_mut().take());
    match panic::catch_unwind(AssertUnwindSafe(|| simple::program::run_sandboxed(src, STEPS))) {
        Ok(Ok(_)) => Outcome::Ok,
        Ok(Err(_)) => Outcome::Diagnostic,
        Err(_) => Outcome::Panic(LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| "(unknown)".into())),
    }
}

/// Where the panic happened (the message without run-specific details), to tell
/// whether a smaller input still shows the same crash.
fn panic_site(msg: &str) -> String {
    msg.rsplit(" at ").next().unwrap_or(msg).to_string()
}

/// Shrinks a panicking program: drops lines, then ever smaller chunks of characters,
/// while it still panics at the same place. Bounded to 3,000 runs and `MINIMISE_LIMIT`.
fn minimise(src: &str, site: &str) -> String {
    let deadline = Instant::now() + MINIMISE_LIMIT;
    let still =
        |s: &str| Instant::now() < deadline && matches!(run_one(s), Outcome::Panic(m) if panic_site(&m) == site);
    let mut budget = 3000;
    let mut lines: Vec<String> = src.split_inclusive('\n').map(str::to_string).collect();
    let mut i = 0;
    while i < lines.len() && budget > 0 {
        let mut trial = lines.clone();
        trial.remove(i);
        budget -= 1;
        if still(&trial.concat()) {
            lines = trial;
        } else {
            i += 1;
        }
    }
    let mut cur: Vec<char> = lines.concat().chars().collect();
    let mut chunk = (cur.len() / 2).max(1);
    while budget > 0 {
        let mut start = 0;
        let mut removed = false;
        while start < cur.len() && budget > 0 {
            let end = (start + chunk).min(cur.len());
            let trial: String = cur[..start].iter().chain(&cur[end..]).collect();
            budget -= 1;
            if still(&trial) {
                cur = trial.chars().collect();
                removed = true;
            } else {
                start = end;
            }
        }
        if !removed {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    cur.into_iter().collect()
}

fn scratch(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(file)
}

/// Shown in one line: escapes, at most `max` characters.
fn clip(s: &str, max: usize) -> String {
    let c: String = s.chars().take(max).collect();
    let more = s.chars().count().saturating_sub(max);
    let mut out = format!("{c:?}");
    if more > 0 {
        out.push_str(&format!(" (+{more} more chars)"));
    }
    out
}

/// The child: runs programs FUZZ_FROM.. of batch FUZZ_CHILD and prints, on stdout,
/// `FUZZ-PANIC`, `FUZZ-SLOW` and finally `FUZZ-DONE` lines for the parent. Before each
/// program it writes the program to `fuzz-<batch>.case` and `index ok diagnostics` to
/// `fuzz-<batch>.progress`.
fn child(name: &str, from: usize) {
    install_panic_hook();
    let name = name.to_string();
    std::thread::Builder::new()
        .name(format!("fuzz-{name}"))
        .stack_size(STACK)
        .spawn(move || {
            let (n, mut next) = batch(&name);
            let progress = scratch(&format!("fuzz-{name}.progress"));
            let case = scratch(&format!("fuzz-{name}.case"));
            let (mut ok, mut diagnostics) = (0usize, 0usize);
            let mut slowest: Vec<(Duration, String)> = Vec::new();
            let mut sites: Vec<String> = Vec::new();
            let verbose = std::env::var_os("SIMPLE_FUZZ_VERBOSE").is_some();
            for i in 0..n {
                let (what, bytes) = next(i);
                if i < from {
                    continue;
                }
                let _ = std::fs::write(&case, &bytes);
                let _ = std::fs::write(&progress, format!("{i} {ok} {diagnostics}\n{what}\n"));
                let src = String::from_utf8_lossy(&bytes).into_owned();
                let t = Instant::now();
                let outcome = run_one(&src);
                let dt = t.elapsed();
                if verbose {
                    println!("FUZZ-VERBOSE {name} {i}: {dt:.1?} {what}");
                }
                if dt > Duration::from_millis(100) {
                    // at once: the parent keeps these even if a later program crashes
                    println!("FUZZ-SLOW {}\t{i}\t{what} — {}", dt.as_micros(), clip(&src, 100));
                } else if slowest.len() < 3 || dt > slowest[2].0 {
                    slowest.push((dt, format!("{i}\t{what} — {}", clip(&src, 100))));
                    slowest.sort_by_key(|e| std::cmp::Reverse(e.0));
                    slowest.truncate(3);
                }
                match outcome {
                    Outcome::Ok => ok += 1,
                    Outcome::Diagnostic => diagnostics += 1,
                    Outcome::Panic(message) => {
                        let site = panic_site(&message);
                        let minimal = if sites.contains(&site) {
                            "(same place as an earlier one)".to_string()
                        } else if src.len() <= MINIMISE_MAX {
                            sites.push(site.clone());
                            // a new progress line: the parent's per-program timer restarts
                            let _ = std::fs::write(&progress, format!("{i} {ok} {diagnostics}\n{what} (minimising)\n"));
                            format!("minimised: {}", clip(&minimise(&src, &site), 2000))
                        } else {
                            sites.push(site.clone());
                            format!("not minimised ({} bytes): {}", src.len(), clip(&src, 200))
                        };
                        println!("FUZZ-PANIC {i}\t{what}\t{message}\t{minimal}");
                    }
                }
            }
            for (dt, text) in &slowest {
                println!("FUZZ-SLOW {}\t{text}", dt.as_micros());
            }
            println!("FUZZ-DONE {ok} {diagnostics}");
            let _ = std::fs::remove_file(&progress);
            let _ = std::fs::remove_file(&case);
        })
        .expect("spawn the fuzzing thread")
        .join()
        .expect("the fuzzing thread itself panicked");
}

/// Not a test by itself: the child process of the other fuzz tests (does nothing unless
/// `FUZZ_CHILD` is set).
#[test]
fn fuzz_child_process() {
    if let Ok(name) = std::env::var("FUZZ_CHILD") {
        let from = std::env::var("FUZZ_FROM").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
        child(&name, from);
    }
}

// ----- supervising the children (in the test) -----------------------------------------------

/// A program that runs longer than this is a failure (debug build: the slowest default
/// case takes about 1 s; the full-size cases of SIMPLE_STRESS=1 up to about 20 s).
/// `SIMPLE_FUZZ_CASE_LIMIT=SECS` overrides it.
fn per_case_limit() -> Duration {
    let secs = std::env::var("SIMPLE_FUZZ_CASE_LIMIT").ok().and_then(|v| v.parse().ok());
    Duration::from_secs(secs.unwrap_or(if stress() { 60 } else { 10 }))
}

fn batch_limit() -> Duration {
    Duration::from_secs(if stress() { 3 * 3600 } else { 300 })
}

#[derive(Default)]
struct Totals {
    ran: usize,
    ok: usize,
    diagnostics: usize,
    /// panics, aborts and hangs, described
    failures: Vec<String>,
    slowest: Vec<(u128, String)>,
}

/// Runs batch `name` in child processes, restarting after a crash or a hang.
fn supervise(name: &str) -> Totals {
    let (n, _) = batch(name);
    let started = Instant::now();
    let progress = scratch(&format!("fuzz-{name}.progress"));
    let case = scratch(&format!("fuzz-{name}.case"));
    let mut t = Totals::default();
    let mut from = 0;
    while from < n {
        let _ = std::fs::remove_file(&progress);
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["fuzz_child_process", "--exact", "--nocapture", "--test-threads", "1", "-q"])
            .env("FUZZ_CHILD", name)
            .env("FUZZ_FROM", from.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the fuzzing child");
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || std::io::read_to_string(out).unwrap_or_default());
        let err = std::thread::spawn(move || {
            let e = std::io::read_to_string(err).unwrap_or_default();
            let tail: Vec<&str> = e.lines().filter(|l| !l.trim().is_empty()).collect();
            tail[tail.len().saturating_sub(3)..].join(" | ")
        });
        // watch: the current program, and how long it has been running
        let mut current: Option<((usize, String), Instant)> = None;
        let mut killed: Option<String> = None;
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait for the child") {
                break st;
            }
            let now = read_progress(&progress).map(|p| (p.0, p.3));
            if now != current.as_ref().map(|c| c.0.clone()) {
                current = now.map(|p| (p, Instant::now()));
            }
            if let Some(((i, _), since)) = &current
                && since.elapsed() > per_case_limit()
            {
                killed = Some(format!("program {i} still running after {:?} (killed)", per_case_limit()));
            }
            if started.elapsed() > batch_limit() {
                killed = Some(format!("the batch took longer than {:?} (killed)", batch_limit()));
            }
            if killed.is_some() {
                let _ = child.kill();
                break child.wait().expect("reap the child");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = out.join().unwrap_or_default();
        let stderr_tail = err.join().unwrap_or_default();
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("FUZZ-VERBOSE ") {
                eprintln!("{rest}");
            } else if let Some(rest) = line.strip_prefix("FUZZ-PANIC ") {
                let f: Vec<&str> = rest.splitn(4, '\t').collect();
                t.failures.push(format!(
                    "PANIC in program {} ({}):\n  {}\n  {}",
                    f[0],
                    f.get(1).unwrap_or(&""),
                    f.get(2).unwrap_or(&""),
                    f.get(3).unwrap_or(&"")
                ));
            } else if let Some(rest) = line.strip_prefix("FUZZ-SLOW ") {
                let f: Vec<&str> = rest.splitn(3, '\t').collect();
                if f.len() == 3 {
                    t.slowest.push((f[0].parse().unwrap_or(0), format!("program {}: {}", f[1], f[2])));
                }
            }
        }
        if let Some(done) = stdout.lines().find_map(|l| l.strip_prefix("FUZZ-DONE ")) {
            let v: Vec<usize> = done.split(' ').filter_map(|x| x.parse().ok()).collect();
            t.ok += v[0];
            t.diagnostics += v[1];
            t.ran += n - from;
            break;
        }
        // the child died (or was killed) inside program i
        let Some((i, ok, diagnostics, what)) = read_progress(&progress) else {
            panic!("fuzz batch {name}: the child process failed before its first program: {status:?}: {stderr_tail}");
        };
        let src = std::fs::read(&case).unwrap_or_default();
        let why = killed.unwrap_or_else(|| format!("the process died ({status}): {stderr_tail}"));
        t.failures.push(format!(
            "CRASH in program {i} ({what}): {why}\n  input ({} bytes): {}",
            src.len(),
            clip(&String::from_utf8_lossy(&src), 300)
        ));
        t.ok += ok;
        t.diagnostics += diagnostics;
        t.ran += i + 1 - from;
        from = i + 1;
        if started.elapsed() > batch_limit() {
            break;
        }
    }
    t.slowest.sort_by_key(|e| std::cmp::Reverse(e.0));
    t.slowest.dedup_by(|a, b| a.1 == b.1);
    t.slowest.truncate(3);
    t
}

/// `index ok diagnostics` and the program's description from a progress file.
fn read_progress(path: &Path) -> Option<(usize, usize, usize, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let nums: Vec<usize> = lines.next()?.split(' ').filter_map(|x| x.parse().ok()).collect();
    let what = lines.next()?.to_string();
    (nums.len() == 3).then(|| (nums[0], nums[1], nums[2], what))
}

/// Runs a batch, prints its figures, and fails on any panic, crash or hang.
fn fuzz_test(name: &str, title: &str) {
    let started = Instant::now();
    let (n, _) = batch(name);
    let t = supervise(name);
    eprintln!(
        "{title}: {} of {n} programs in {:.1?} (seed {:#x}, {STEPS} steps each): {} ran to the end, \
         {} ended in a diagnostic, {} failed; slowest:",
        t.ran,
        started.elapsed(),
        seed(),
        t.ok,
        t.diagnostics,
        t.failures.len()
    );
    for (us, text) in &t.slowest {
        eprintln!("    {:.1?}: {text}", Duration::from_micros(*us as u64));
    }
    assert!(
        t.failures.is_empty(),
        "{title}: {} of {} programs panicked, crashed or hung:\n{}",
        t.failures.len(),
        t.ran,
        t.failures.join("\n")
    );
    assert_eq!(t.ran, n, "{title}: ran {} of {n} programs within {:?}", t.ran, batch_limit());
}

// ----- the tests --------------------------------------------------------------------------

#[test]
fn mutated_golden_programs() {
    fuzz_test("mutations", "mutated golden programs");
}

#[test]
fn random_token_streams() {
    fuzz_test("tokens", "random token streams");
}

#[test]
fn random_bytes_and_invalid_utf8() {
    fuzz_test("bytes", "random bytes (lossy UTF-8)");
}

/// The deep-nesting tests run one at a time: the parser's extra stack segments (chumsky
/// uses stacker) count against the process-wide limit on memory mappings.
static DEEP: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn extreme_nesting_and_huge_literals() {
    let _one_at_a_time = DEEP.lock().unwrap_or_else(|e| e.into_inner());
    fuzz_test("extreme", "deep nesting, huge literals, cyclic and deep data");
}

/// Deeper than the fixed cases: 15,000 and 100,000 nested brackets (more of them under
/// SIMPLE_STRESS=1). Whatever the
/// parser's limit, the result must be a diagnostic, not a crash.
#[test]
fn nesting_deeper_than_10000() {
    let _one_at_a_time = DEEP.lock().unwrap_or_else(|e| e.into_inner());
    fuzz_test("deeper", "15,000 and 100,000 nested brackets");
}

/// `run_sandboxed` captures what a program prints: nothing reaches the process's own
/// stderr (`eprint`, `main` returning `Err`, a runtime error), which the host of a
/// sandbox does not expect to be written to.
#[test]
fn sandbox_writes_nothing_to_stderr() {
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args(["fuzz_child_process", "--exact", "--nocapture", "--test-threads", "1", "-q"])
        .env("FUZZ_CHILD", "stderr")
        .env("FUZZ_FROM", "0")
        .stdin(Stdio::null())
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("FUZZ-DONE"), "the child did not finish: {stdout}\n{stderr}");
    let leaked: Vec<&str> =
        stderr.lines().filter(|l| l.contains("sandbox-stderr-leak") || l.contains("sandbox_stderr_leak")).collect();
    assert!(
        leaked.is_empty(),
        "run_sandboxed wrote to the process's stderr instead of capturing:\n{}",
        leaked.join("\n")
    );
}

/// The minimised crashes (tests/golden/regressions/*.spl) run in the sandbox too.
#[test]
fn regressions_in_the_sandbox() {
    let _one_at_a_time = DEEP.lock().unwrap_or_else(|e| e.into_inner());
    fuzz_test("regressions", "tests/golden/regressions in the sandbox");
}

// ----- invalid UTF-8 on the command line ---------------------------------------------------

/// Runs the binary with raw (possibly non-UTF-8) arguments, 20 s limit.
fn run_cli(args: &[&std::ffi::OsStr], dir: &Path) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_simple"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_COLOR", "1")
        .spawn()
        .expect("start simple");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A program file that is not UTF-8: a clear error naming the file, exit 2, no panic
/// (`run` and `check`).
#[test]
fn cli_invalid_utf8_file() {
    use std::ffi::OsStr;
    let dir = scratch_dir("fuzz-invalid-utf8-file");
    std::fs::write(dir.join("bad.spl"), b"print(1)\nlet s = \"\xff\xfe\"\nprint(s)\n").unwrap();
    for cmd in ["run", "check"] {
        let (code, stdout, stderr) = run_cli(&[OsStr::new(cmd), OsStr::new("bad.spl")], &dir);
        assert!(
            code == Some(2)
                && stdout.is_empty()
                && stderr.contains("bad.spl")
                && stderr.contains("UTF-8")
                && !stderr.contains("panicked"),
            "`simple {cmd} bad.spl` (invalid UTF-8 in the file): expected a clear error and exit 2\n\
             exit: {code:?}\nstdout: {stdout}\nstderr: {stderr}"
        );
    }
}

/// Invalid UTF-8 in a script argument, in `-e` code and in the file name: an error
/// (exit 2), or the program runs with the argument converted — never a panic.
#[test]
fn cli_invalid_utf8_arguments() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch_dir("fuzz-invalid-utf8-args");
    std::fs::write(dir.join("args.spl"), "print(len(args()))\n").unwrap();
    std::fs::write(dir.join(OsStr::from_bytes(b"bad\xff.spl")), "print(1)\n").unwrap();
    let cases: Vec<(&str, Vec<&OsStr>)> = vec![
        ("a script argument", vec![OsStr::new("run"), OsStr::new("args.spl"), OsStr::from_bytes(b"\xff\xfe")]),
        ("-e code", vec![OsStr::new("-e"), OsStr::from_bytes(b"print(1)\xff")]),
        ("the file name", vec![OsStr::new("run"), OsStr::from_bytes(b"bad\xff.spl")]),
    ];
    let mut failures = Vec::new();
    for (what, args) in cases {
        let (code, stdout, stderr) = run_cli(&args, &dir);
        if stderr.contains("panicked") || !matches!(code, Some(0..=2)) {
            failures.push(format!(
                "invalid UTF-8 in {what} (`simple {}`): exit {code:?}\nstdout: {stdout}\nstderr: {}",
                args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" "),
                stderr.lines().take(3).collect::<Vec<_>>().join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "the command line panics on non-UTF-8 arguments:\n{}", failures.join("\n\n"));
}
