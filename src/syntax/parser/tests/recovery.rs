//! Parser tests: syntax errors and recovery, and the real Simple language (§10, §11).

use super::*;

// ---- errors and recovery ----

#[test]
fn two_errors_two_diagnostics() {
    let src = "let x = )\nprint(x)\nlet y = 1 +\nprint(y)\n";
    let es = errs(src);
    assert_eq!(
        es,
        vec![
            "expected expression, found `)` @\")\"".to_string(),
            "expected expression, found end of line @\"\"".to_string()
        ]
    );
    let (p, _) = parse(src);
    assert_eq!(p.stmts.len(), 2, "the good statements are kept");
}

#[test]
fn errors_in_separate_blocks() {
    let src = "fn a():\n    x = 1 +\n    return x\nfn b():\n    y = * 2\n    return y\nprint(a(), b())\n";
    let es = errs(src);
    assert_eq!(es.len(), 2, "{es:#?}");
    let (p, _) = parse(src);
    assert_eq!(p.stmts.len(), 3);
}

#[test]
fn bad_header_skips_its_block() {
    let es = errs("if x y:\n    a\n    b\nelse:\n    c\nprint(1)\nwhile:\n    d\n");
    assert_eq!(es.len(), 2, "{es:#?}");
    assert!(es[0].starts_with("expected `:`"), "{es:?}");
}

#[test]
fn messages() {
    assert_eq!(errs("x = 1 2\n"), vec!["expected end of line or `,`, found integer `2` @\"2\"".to_string()]);
    assert_eq!(errs("f(1 2)\n"), vec!["expected `)` or `,`, found integer `2` @\"2\"".to_string()]);
    assert_eq!(errs(")\n"), vec!["expected statement, found `)` @\")\"".to_string()]);
    assert_eq!(errs("if x:\ny\n"), vec!["expected an indented block, found identifier `y` @\"y\"".to_string()]);
    assert_eq!(errs("let = 3\n"), vec!["expected pattern or `mut`, found `=` @\"=\"".to_string()]);
    assert_eq!(errs("fn f(a: ) : pass\n"), vec!["expected type, found `)` @\")\"".to_string()]);
}

#[test]
fn unclosed_bracket() {
    let es = errs("print(1, 2\nx = 3\n");
    assert_eq!(es.len(), 1, "{es:#?}");
}

#[test]
fn stray_closers_and_else() {
    let es = errs("x = 1\n}\ny = 2\nelse:\n    y\nz = 2\nw = ]\n");
    assert_eq!(
        es,
        vec![
            "expected statement, found `}` @\"}\"".to_string(),
            "expected statement, found `else` @\"else\"".to_string(),
            "expected expression, found `]` @\"]\"".to_string()
        ]
    );
    // an `else` right after a bad statement belongs to it and is skipped with it
    assert_eq!(errs("if x y: a\nelse: b\n").len(), 1);
}

#[test]
fn stray_brace_in_a_block_is_skipped() {
    let es = errs("fn f():\n    }\n    x = )\n    return 1\n");
    assert_eq!(
        es,
        vec!["expected statement, found `}` @\"}\"".to_string(), "expected expression, found `)` @\")\"".to_string()]
    );
}

#[test]
fn errors_inside_async_block() {
    let src = "let t = async {\n    x = = 1\n    y\n}\nz = )\n";
    let es = errs(src);
    assert_eq!(es.len(), 2, "{es:#?}");
}

#[test]
fn bracket_errors_recover_inside_the_statement() {
    // the header's error does not hide the errors in the body
    let es = errs("fn f(a b):\n    x = )\n    y = g(1 2)\n");
    assert_eq!(
        es,
        vec![
            "expected `)`, `,`, `:` or `=`, found identifier `b` @\"b\"".to_string(),
            "expected expression, found `)` @\")\"".to_string(),
            "expected `)` or `,`, found integer `2` @\"2\"".to_string(),
        ]
    );
    let (p, _) = parse("x = [1 2]\ny = {1 2}\nz = a[1 2]\nw = (1 2)\nv = P { a b }\n");
    assert_eq!(p.stmts.len(), 5);
}

#[test]
fn unclosed_bracket_is_reported_at_the_opener() {
    assert_eq!(errs("x = 1\nprint(1, [2\ny = 3\n"), vec!["this `[` is never closed @\"[\"".to_string()]);
    assert_eq!(errs("t = async {\n    a\n"), vec!["this `{` is never closed @\"{\"".to_string()]);
}

#[test]
fn option_and_result_names_are_plain_identifiers() {
    assert_eq!(e("Some(1)"), "(call Some 1)");
    assert_eq!(e("x = None"), "(= x None)");
    assert_eq!(e("Ok(())"), "(call Ok nil)");
    assert_eq!(e("Err(NetError::TimedOut)"), "(call Err NetError::TimedOut)");
}

#[test]
fn pub_everywhere() {
    assert_eq!(ok("pub fn f(): pass"), "(fn pub f() {nil})");
    assert_eq!(ok("pub struct S:\n    x: i64\n"), "(struct pub S x: i64)");
    assert_eq!(ok("pub enum E:\n    A\n"), "(enum E A)");
    assert_eq!(ok("pub val x = 1"), "(let x 1)");
    assert_eq!(ok("pub import net"), "(import net)");
    assert_eq!(ok("pub impl S:\n    pub async fn m(self): pass\n"), "(impl S (fn pub async m(self) {nil}))");
    assert_eq!(ok("impl Display for S:\n    fn m(self): pass\n"), "(impl Display for S (fn m(self) {nil}))");
    let (p, _) = parse("pub enum E:\n    A\n");
    let StmtKind::Enum(d) = &p.stmts[0].kind else { panic!() };
    assert!(d.is_pub);
}

#[test]
fn extern_fn_has_no_body() {
    let (p, _) = parse("extern fn f(a: i64) -> i64\n");
    let StmtKind::Fn(f) = &p.stmts[0].kind else { panic!() };
    assert!(f.is_extern && f.body.stmts.is_empty() && f.kind == FnKind::Named);
    assert_eq!(errs("fn f(a)\n"), vec!["expected `:` and the body of `f` @\"\"".to_string()]);
    assert_eq!(errs("extern fn f(): pass\n"), vec!["an `extern fn` has no body @\"f\"".to_string()]);
}

#[test]
fn node_spans() {
    let src = "let f = \\x: x + 1\nlet t = async { f(1) }\nlet p = Point { x: 1 }\nlet q = await a.b()?\n";
    let (p, errs) = parse(src);
    assert!(errs.is_empty(), "{errs:?}");
    let texts: Vec<&str> = p
        .stmts
        .iter()
        .map(|s| match &s.kind {
            StmtKind::Let { value, .. } => &src[value.span.range()],
            _ => panic!(),
        })
        .collect();
    assert_eq!(texts, vec!["\\x: x + 1", "async { f(1) }", "Point { x: 1 }", "await a.b()?"]);
    let StmtKind::Let { value, .. } = &p.stmts[0].kind else { panic!() };
    let ExprKind::Lambda(f) = &value.kind else { panic!() };
    assert_eq!(f.kind, FnKind::Lambda);
    assert_eq!(&*f.name.name, "lambda");
    assert_eq!(&src[f.body.span.range()], "x + 1");
}

#[test]
fn parse_expr_source_offsets() {
    let e = parse_expr_source("a + b", 10, 3).unwrap();
    assert_eq!(e.span, Span { file: 3, start: 10, end: 15 });
    let err = parse_expr_source("a +", 10, 3).unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].span.unwrap().start, 13);
    assert!(parse_expr_source("a b", 0, 0).is_err());
}

#[test]
fn seed_examples_parse() {
    let src = r#"import net::{TcpListener, TcpStream}

async fn handle_client(mut stream: TcpStream) -> Result[(), NetError]:
    let mut buf = Bytes::with_capacity(4096)
    loop:
        let n = await stream.read(&mut buf, 4096)?
        if n == 0:
            break
        await stream.write_all(buf.slice(0, n))?
    return Ok(())

async fn main() -> Result[(), NetError]:
    let listener = await TcpListener::bind("127.0.0.1:8080")?
    print("listening on {listener.local_addr()?}")
    loop:
        let (stream, peer) = await listener.accept()?
        handle_client(stream)
"#;
    ok(src);
}

// ---- the real Simple language (LANGUAGE.md §10, §11) ----

#[test]
fn real_simple_strings_and_commands() {
    assert_eq!(e("print \"hi\""), "(call print \"hi\")");
    assert_eq!(e("expect x == 1"), "(call expect (== x 1))");
    assert_eq!(e("'raw {x} \\n'"), "\"raw {x} \\\\n\"");
    assert_eq!(e("\"\"\"two\nlines {x}\"\"\""), "\"two\\nlines {x}\"");
    assert_eq!(
        ok("describe \"math\":\n    it \"adds\":\n        expect 1 + 1 == 2\n"),
        "(call describe \"math\" (lambda block() {(call it \"adds\" (lambda block() {(call expect (== (+ 1 1) 2))}))}))"
    );
    assert_eq!(ok("before_each:\n    x = 1\n"), "(call before_each (lambda block() {(= x 1)}))");
    assert_eq!(e("expect x to eq 5"), "(.to (call expect x) (call eq 5))");
    assert_eq!(e("expect xs not_to be_empty"), "(.not_to (call expect xs) be_empty)");
    assert_eq!(e("expect s.len to eq 5"), "(.to (call expect (field s len)) (call eq 5))");
}

#[test]
fn real_simple_operators() {
    assert_eq!(e("xs[1:3]"), "(slice xs 1 3 _)");
    assert_eq!(e("xs[::-1]"), "(slice xs _ _ (neg 1))");
    assert_eq!(e("xs[k::2]"), "(slice xs k _ 2)");
    assert_eq!(e("xs[:-1]"), "(slice xs _ (neg 1) _)");
    assert_eq!(e("0..10"), "(.. 0 10)");
    assert_eq!(e("1..=n"), "(..= 1 n)");
    assert_eq!(e("~x & 3"), "(& (~ x) 3)");
    assert_eq!(e("x as i64 * 2"), "(* (as x i64) 2)");
    assert_eq!(e("a >> 2 > b"), "(> (>> a 2) b)");
    assert_eq!(e("a ?? b"), "(?? a b)");
    assert_eq!(e("x |> f"), "(call f x)");
    assert_eq!(e("opt.?"), "(exists opt)");
    assert_eq!(e("a / b // a comment"), "(/ a b)");
}

#[test]
fn real_simple_collections() {
    assert_eq!(e("[x * 2 for x in xs if x > 0]"), "[list (* x 2) for x in xs if (> x 0)]");
    assert_eq!(e("{k: v for k, v in d.items()}"), "[dict k: v for (tuple k v) in (.items d)]");
    assert_eq!(e("{x % 3 for x in xs}"), "[set (% x 3) for x in xs]");
    assert_eq!(e("{1, 2}"), "{set 1 2}");
    assert_eq!(e("{}"), "{}");
    assert_eq!(e("{\"a\": 1}"), "{\"a\": 1}");
}

#[test]
fn real_simple_declarations() {
    let src = "class Counter:\n    count: i64 = 0\n    me increment():\n        self.count += 1\n    static fn make() -> Counter:\n        Counter()\n";
    assert_eq!(
        ok(src),
        "(struct Counter count: i64 (fn increment() {(+= (field self count) 1)}) (fn make() -> Counter {(call Counter)}))"
    );
    assert_eq!(
        ok("trait Shape:\n    fn area() -> f64\n    fn describe(): \"shape\"\n"),
        "(trait Shape (fn area() -> f64 {}) (fn describe() {\"shape\"}))"
    );
    assert_eq!(ok("struct Box<T>:\n    value: T\n"), "(struct Box value: T)");
    assert_eq!(ok("fn first<T>(xs: [T]) -> T?:\n    xs[0]\n"), "(fn first(xs: List[T]) -> T? {(index xs 0)})");
    assert_eq!(ok("@deprecated(\"old\")\nfn f(): pass\n"), "(fn f() {nil})");
    assert_eq!(ok("use a.b.{x, y}\n"), "(import a.b {x, y})");
    assert_eq!(ok("export x, y\n"), "(export x y)");
}

#[test]
fn real_simple_control_flow() {
    let m = "let s = match x:\n    0 => \"zero\"\n    | 1 -> \"one\"\n    case n if n > 1: \"many\"\n    _: \"neg\"\nprint(s)\n";
    assert_eq!(
        ok(m),
        "(let s (block (match x (case 0 {\"zero\"}) (case 1 {\"one\"}) (case n if (> n 1) {\"many\"}) (case _ {\"neg\"}))))\n(call print s)"
    );
    assert_eq!(ok("if let Some(v) = f():\n    v\n"), "(if (let? (variant Some v) (call f)) {v})");
    assert_eq!(ok("while val Some(v) = it.next():\n    v\n"), "(while (let? (variant Some v) (.next it)) {v})");
    assert_eq!(ok("for i, x in xs:\n    x\n"), "(for (tuple i x) xs {x})");
    assert_eq!(ok("if a:\n    1\nelse if b:\n    2\n"), "(if a {1} b {2})");
    assert_eq!(ok("a, b = b, a\n"), "(= (tuple a b) (tuple b a))");
    assert_eq!(
        ok("let f = \\x:\n    let y = x * 2\n    y + 1\nprint(f(1))\n"),
        "(let f (lambda lambda(x) {(let y (* x 2)); (+ y 1)}))\n(call print (call f 1))"
    );
    assert_eq!(e("items.map \\x: x * 2"), "(.map items (lambda lambda(x) {(* x 2)}))");
    assert_eq!(e("fn(x): x + 1"), "(lambda lambda(x) {(+ x 1)})");
    assert_eq!(e("|a, b| a + b"), "(lambda lambda(a, b) {(+ a b)})");
    assert_eq!(e("f(x=1, y: 2)"), "(call f x=1 y=2)");
    assert_eq!(e("Point(x: 1, y: 2)"), "(call Point x=1 y=2)");
}
