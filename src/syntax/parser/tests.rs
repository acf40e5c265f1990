//! Parser tests: a compact S-expression rendering of the AST, and assertions on it.

use super::*;
use crate::syntax::ast::*;

// ---- a compact S-expression rendering of the AST, for assertions ----

fn args(a: &[Arg]) -> String {
    a.iter()
        .map(|a| match &a.name {
            Some(n) => format!(" {}={}", n.name, ex(&a.value)),
            None => format!(" {}", ex(&a.value)),
        })
        .collect()
}

fn list(items: &[Expr]) -> String {
    items.iter().map(ex).collect::<Vec<_>>().join(" ")
}

fn path(p: &[Ident]) -> String {
    p.iter().map(|i| i.name.to_string()).collect::<Vec<_>>().join("::")
}

fn op(o: BinOp) -> &'static str {
    crate::interp::ops::op_symbol(o)
}

fn ex(e: &Expr) -> String {
    use ExprKind::*;
    match &e.kind {
        Nil => "nil".into(),
        Bool(b) => b.to_string(),
        Int(v) => v.to_string(),
        Float(f) => format!("{f:?}"),
        Str(s) => format!("{s:?}"),
        Bytes(b) => format!("b{:?}", String::from_utf8_lossy(b)),
        Interp(parts) => {
            let ps: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    InterpPart::Lit(s) => format!("{s:?}"),
                    InterpPart::Expr(e, _) => ex(e),
                })
                .collect();
            format!("(interp {})", ps.join(" "))
        }
        Var(v) => v.name.to_string(),
        Path(p) => path(p),
        List(items) => format!("[{}]", list(items)),
        Tuple(items) => format!("(tuple {})", list(items)),
        Dict(entries) => {
            let es: Vec<String> = entries.iter().map(|(k, v)| format!("{}: {}", ex(k), ex(v))).collect();
            format!("{{{}}}", es.join(", "))
        }
        StructLit { path: p, fields } => {
            let fs: String = fields.iter().map(|(n, v)| format!(" {}={}", n.name, ex(v))).collect();
            format!("(struct {}{})", path(p), fs)
        }
        Unary(UnOp::Neg, e) => format!("(neg {})", ex(e)),
        Unary(UnOp::Not, e) => format!("(not {})", ex(e)),
        Unary(UnOp::BitNot, e) => format!("(~ {})", ex(e)),
        Binary(o, a, b) => format!("({} {} {})", op(*o), ex(a), ex(b)),
        Call { callee, args: a } => format!("(call {}{})", ex(callee), args(a)),
        MethodCall { recv, method, args: a } => format!("(.{} {}{})", method.name, ex(recv), args(a)),
        Field(e, n) => format!("(field {} {})", ex(e), n.name),
        Index(a, i) => format!("(index {} {})", ex(a), ex(i)),
        Try(e) => format!("(? {})", ex(e)),
        Await(e) => format!("(await {})", ex(e)),
        Ref { mutable, inner } => format!("({} {})", if *mutable { "&mut" } else { "&" }, ex(inner)),
        Lambda(f) => format!("(lambda {})", func(f)),
        If { branches, else_ } => {
            let bs: String = branches.iter().map(|(c, v)| format!(" {} {}", ex(c), ex(v))).collect();
            format!("(if{} else {})", bs, ex(else_))
        }
        AsyncBlock(f) => format!("(async {})", block(&f.body)),
        Set(items) => format!("{{set {}}}", list(items)),
        Slice(b, p) => {
            let part = |x: &Option<Expr>| x.as_ref().map(ex).unwrap_or_else(|| "_".into());
            format!("(slice {} {} {} {})", ex(b), part(&p.start), part(&p.end), part(&p.step))
        }
        Range { start, end, inclusive } => {
            format!("({} {} {})", if *inclusive { "..=" } else { ".." }, ex(start), ex(end))
        }
        Compare(first, rest) => {
            let r: String = rest.iter().map(|(o, e)| format!(" {} {}", op(*o), ex(e))).collect();
            format!("(chain {}{})", ex(first), r)
        }
        Cast(x, t) => format!("(as {} {})", ex(x), ty(t)),
        Exists(x) => format!("(exists {})", ex(x)),
        Block(s) => format!("(block {})", st(s)),
        LetCond { pat: p, value } => format!("(let? {} {})", pat(p), ex(value)),
        Comprehension(c) => {
            let kind = match &c.kind {
                CompKind::List(e) => format!("list {}", ex(e)),
                CompKind::Set(e) => format!("set {}", ex(e)),
                CompKind::Dict(k, v) => format!("dict {}: {}", ex(k), ex(v)),
            };
            let clauses: String = c
                .clauses
                .iter()
                .map(|cl| match cl {
                    CompClause::For { pat: p, iter, .. } => format!(" for {} in {}", pat(p), ex(iter)),
                    CompClause::If(c) => format!(" if {}", ex(c)),
                })
                .collect();
            format!("[{kind}{clauses}]")
        }
        other => format!("<{other:?}>"),
    }
}

fn pat(p: &Pattern) -> String {
    match &p.kind {
        PatKind::Wild => "_".into(),
        PatKind::Bind(v) => v.name.to_string(),
        PatKind::Lit(e) => ex(e),
        PatKind::Tuple(ps) => format!("(tuple {})", ps.iter().map(pat).collect::<Vec<_>>().join(" ")),
        PatKind::List(ps) => format!("[{}]", ps.iter().map(pat).collect::<Vec<_>>().join(" ")),
        PatKind::Variant { path: p, args: None } => format!("(variant {})", path(p)),
        PatKind::Variant { path: p, args: Some(a) } => {
            format!("(variant {} {})", path(p), a.iter().map(pat).collect::<Vec<_>>().join(" "))
        }
        PatKind::Or(ps) => format!("(or {})", ps.iter().map(pat).collect::<Vec<_>>().join(" ")),
        other => format!("<{other:?}>"),
    }
}

fn ty(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Named { path: p, args } if args.is_empty() => path(p),
        TypeExpr::Named { path: p, args } => {
            format!("{}[{}]", path(p), args.iter().map(ty).collect::<Vec<_>>().join(", "))
        }
        TypeExpr::Ref { mutable, inner } => format!("&{}{}", if *mutable { "mut " } else { "" }, ty(inner)),
        TypeExpr::Tuple(ts) => format!("({})", ts.iter().map(ty).collect::<Vec<_>>().join(", ")),
        TypeExpr::Func { params, ret } => format!(
            "fn({}){}",
            params.iter().map(ty).collect::<Vec<_>>().join(", "),
            ret.as_ref().map(|r| format!(" -> {}", ty(r))).unwrap_or_default()
        ),
        TypeExpr::Optional(t) => format!("{}?", ty(t)),
    }
}

fn block(b: &Block) -> String {
    format!("{{{}}}", b.stmts.iter().map(st).collect::<Vec<_>>().join("; "))
}

fn func(f: &FnDecl) -> String {
    let mut s = String::new();
    if f.is_pub {
        s.push_str("pub ");
    }
    if f.is_async {
        s.push_str("async ");
    }
    if f.is_extern {
        s.push_str("extern ");
    }
    s.push_str(&f.name.name);
    s.push('(');
    let mut ps: Vec<String> = Vec::new();
    if f.self_mode == SelfMode::Explicit {
        ps.push("self".into());
    }
    for p in &f.params {
        let mut x = p.name.name.to_string();
        if let Some(t) = &p.ty {
            x.push_str(&format!(": {}", ty(t)));
        }
        if let Some(d) = &p.default {
            x.push_str(&format!(" = {}", ex(d)));
        }
        ps.push(x);
    }
    s.push_str(&ps.join(", "));
    s.push(')');
    if let Some(r) = &f.ret {
        s.push_str(&format!(" -> {}", ty(r)));
    }
    s.push(' ');
    s.push_str(&block(&f.body));
    s
}

fn st(s: &Stmt) -> String {
    use StmtKind::*;
    match &s.kind {
        Let { pat: p, mutable, ty: t, value, .. } => format!(
            "(let{} {}{} {})",
            if *mutable { " mut" } else { "" },
            pat(p),
            t.as_ref().map(|t| format!(": {}", ty(t))).unwrap_or_default(),
            ex(value)
        ),
        Assign { target, op: None, value } => format!("(= {} {})", ex(target), ex(value)),
        Assign { target, op: Some(o), value } => format!("({}= {} {})", op(*o), ex(target), ex(value)),
        Expr(e) => ex(e),
        If { branches, else_ } => {
            let bs: String = branches.iter().map(|(c, b)| format!(" {} {}", ex(c), block(b))).collect();
            format!("(if{}{})", bs, else_.as_ref().map(|b| format!(" else {}", block(b))).unwrap_or_default())
        }
        While { cond, body } => format!("(while {} {})", ex(cond), block(body)),
        For { pat: p, iter, body, .. } => format!("(for {} {} {})", pat(p), ex(iter), block(body)),
        Loop { body } => format!("(loop {})", block(body)),
        Break => "break".into(),
        Continue => "continue".into(),
        Return(None) => "(return)".into(),
        Return(Some(e)) => format!("(return {})", ex(e)),
        Match { scrutinee, arms } => {
            let a: String = arms
                .iter()
                .map(|a| {
                    format!(
                        " (case {}{} {})",
                        pat(&a.pat),
                        a.guard.as_ref().map(|g| format!(" if {}", ex(g))).unwrap_or_default(),
                        block(&a.body)
                    )
                })
                .collect();
            format!("(match {}{})", ex(scrutinee), a)
        }
        Fn(f) => format!("(fn {})", func(f)),
        Struct(d) => {
            let fs: String = d
                .fields
                .iter()
                .map(|f| format!(" {}: {}", f.name.name, f.ty.as_ref().map(ty).unwrap_or_default()))
                .collect();
            let ms: String = d.methods.iter().map(|m| format!(" (fn {})", func(m))).collect();
            format!("(struct{} {}{}{})", if d.is_pub { " pub" } else { "" }, d.name.name, fs, ms)
        }
        Enum(d) => {
            let vs: String = d
                .variants
                .iter()
                .map(|v| match &v.fields {
                    None => format!(" {}", v.name.name),
                    Some(fs) => {
                        let f: Vec<String> = fs
                            .iter()
                            .map(|(n, t)| {
                                format!(
                                    "{}{}",
                                    n.as_ref().map(|n| format!("{}: ", n.name)).unwrap_or_default(),
                                    t.as_ref().map(ty).unwrap_or_default()
                                )
                            })
                            .collect();
                        format!(" {}({})", v.name.name, f.join(", "))
                    }
                })
                .collect();
            let ms: String = d.methods.iter().map(|m| format!(" (fn {})", func(m))).collect();
            format!("(enum {}{}{})", d.name.name, vs, ms)
        }
        Impl(d) => {
            let ms: String = d.methods.iter().map(|m| format!(" (fn {})", func(m))).collect();
            let tr = d.trait_name.as_ref().map(|t| format!("{} for ", t.name)).unwrap_or_default();
            format!("(impl {tr}{}{})", d.target.name, ms)
        }
        Trait(d) => {
            let ms: String = d.methods.iter().map(|m| format!(" (fn {})", func(m))).collect();
            format!("(trait {}{})", d.name.name, ms)
        }
        With { items, body } => {
            let is: Vec<String> = items
                .iter()
                .map(|(e, p)| format!("{}{}", ex(e), p.as_ref().map(|p| format!(" as {}", pat(p))).unwrap_or_default()))
                .collect();
            format!("(with {} {})", is.join(", "), block(body))
        }
        Export(names) => {
            format!("(export {})", names.iter().map(|n| n.name.to_string()).collect::<Vec<_>>().join(" "))
        }
        Import(i) => format!(
            "(import {}{})",
            i.module.iter().map(|m| m.name.to_string()).collect::<Vec<_>>().join("."),
            i.items
                .as_ref()
                .map(|it| format!(" {{{}}}", it.iter().map(|m| m.name.to_string()).collect::<Vec<_>>().join(", ")))
                .unwrap_or_default()
        ),
    }
}

// ---- helpers ----

fn parse(src: &str) -> (Program, Vec<Diagnostic>) {
    crate::syntax::parse(0, src)
}

/// Parses a program that must be valid; renders its statements one per line.
fn ok(src: &str) -> String {
    let (p, errs) = parse(src);
    let msgs: Vec<String> = errs.iter().map(|e| format!("{} at {:?}", e.message, e.span.map(|s| s.range()))).collect();
    assert!(errs.is_empty(), "unexpected errors for {src:?}: {msgs:#?}");
    p.stmts.iter().map(st).collect::<Vec<_>>().join("\n")
}

/// One expression, through the statement parser.
fn e(src: &str) -> String {
    ok(src)
}

/// Syntax error messages with the source text they point at.
fn errs(src: &str) -> Vec<String> {
    let (_, errs) = parse(src);
    errs.iter()
        .map(|e| {
            let r = e.span.map(|s| s.range()).unwrap_or(0..0);
            format!("{} @{:?}", e.message, &src[r])
        })
        .collect()
}

// ---- expressions ----

#[test]
fn literals() {
    assert_eq!(e("42"), "42");
    assert_eq!(e("1_000"), "1000");
    assert_eq!(e("2.5"), "2.5");
    assert_eq!(e("true"), "true");
    assert_eq!(e("nil"), "nil");
    assert_eq!(e("()"), "nil");
    assert_eq!(e("\"hi\""), "\"hi\"");
    assert_eq!(e("r\"a{b}\""), "\"a{b}\"");
    assert_eq!(e("b\"ab\""), "b\"ab\"");
    assert_eq!(e("\"\""), "\"\"");
}

#[test]
fn interpolation() {
    assert_eq!(e("\"x = {x + 1}!\""), "(interp \"x = \" (+ x 1) \"!\")");
    assert_eq!(e("\"{d[\"k\"]}\""), "(interp (index d \"k\"))");
    let src = "\"a {b.c} d\"";
    let (p, errs) = parse(src);
    assert!(errs.is_empty());
    let StmtKind::Expr(Expr { kind: ExprKind::Interp(parts), .. }) = &p.stmts[0].kind else { panic!() };
    let InterpPart::Expr(inner, _) = &parts[1] else { panic!() };
    assert_eq!(&src[inner.span.range()], "b.c");
}

#[test]
fn interpolation_errors_point_into_the_string() {
    let src = "print(\"a {1 +} b\")\n";
    assert_eq!(errs(src), vec!["expected expression, found `}` @\"}\"".to_string()]);
    let (_, es) = parse(src);
    assert_eq!(es[0].span.unwrap().start as usize, src.find('}').unwrap());
}

#[test]
fn precedence() {
    assert_eq!(e("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(e("1 - 2 - 3"), "(- (- 1 2) 3)");
    assert_eq!(e("a or b and not c"), "(or a (and b (not c)))");
    assert_eq!(e("a || b && !c"), "(or a (and b (not c)))");
    assert_eq!(e("not a == b"), "(not (== a b))");
    assert_eq!(e("!a == b"), "(== (not a) b)");
    assert_eq!(e("a | b ^ c & d << 1 + 2"), "(| a (^ b (& c (<< d (+ 1 2)))))");
    assert_eq!(e("-2 ** 2"), "(neg (** 2 2))");
    assert_eq!(e("2 ** 3 ** 2"), "(** 2 (** 3 2))");
    assert_eq!(e("2 ** -1"), "(** 2 (neg 1))");
    assert_eq!(e("a % b * c"), "(* (% a b) c)");
    assert_eq!(e("x >= 1 and x <= 2"), "(and (>= x 1) (<= x 2))");
    assert_eq!(e("&mut buf"), "(&mut buf)");
    assert_eq!(e("f(&x)"), "(call f (& x))");
}

#[test]
fn comparisons_chain() {
    assert_eq!(e("a < b <= c"), "(chain a < b <= c)");
    assert_eq!(e("a < b"), "(< a b)");
    assert_eq!(e("x in xs and y not in ys"), "(and (in x xs) (not in y ys))");
    assert_eq!(e("a is nil or b is not c"), "(or (is a nil) (is not b c))");
}

#[test]
fn postfix() {
    assert_eq!(e("f(1, 2)"), "(call f 1 2)");
    assert_eq!(e("f(1, c: 3,)"), "(call f 1 c=3)");
    assert_eq!(e("a.b.c(1)[2]?"), "(? (index (.c (field a b) 1) 2))");
    assert_eq!(e("t.0"), "(field t 0)");
    assert_eq!(e("t.0.1"), "(field (field t 0) 1)");
    assert_eq!(e("net::TcpStream::connect(a)"), "(call net::TcpStream::connect a)");
    assert_eq!(e("Self::new()"), "(call Self::new)");
    assert_eq!(e("self.x"), "(field self x)");
    assert_eq!(e("f()()"), "(call (call f))");
}

#[test]
fn await_binds_the_postfix_chain() {
    assert_eq!(e("await s.read(&mut buf, 4096)?"), "(? (await (.read s (&mut buf) 4096)))");
    assert_eq!(e("await f()?.len()"), "(.len (? (await (call f))))");
    assert_eq!(e("await TcpListener::bind(addr)?"), "(? (await (call TcpListener::bind addr)))");
    assert_eq!(e("-await x"), "(neg (await x))");
    assert_eq!(e("await a + await b"), "(+ (await a) (await b))");
}

#[test]
fn collections() {
    assert_eq!(e("[1, 2,]"), "[1 2]");
    assert_eq!(e("[]"), "[]");
    assert_eq!(e("(1,)"), "(tuple 1)");
    assert_eq!(e("(1, \"a\")"), "(tuple 1 \"a\")");
    assert_eq!(e("(1)"), "1");
    assert_eq!(e("{}"), "{}");
    assert_eq!(e("{\"a\": 1, 2: [3],}"), "{\"a\": 1, 2: [3]}");
    assert_eq!(e("Point { x: 1, y: 2 }"), "(struct Point x=1 y=2)");
    assert_eq!(e("Point { x, y, }"), "(struct Point x=x y=y)");
    assert_eq!(e("geo::Point {}"), "(struct geo::Point)");
    assert_eq!(e("Shape::Circle(1.0)"), "(call Shape::Circle 1.0)");
    assert_eq!(e("Color::Red"), "Color::Red");
}

#[test]
fn lambdas_and_if_expressions() {
    assert_eq!(e("\\x: x + 1"), "(lambda lambda(x) {(+ x 1)})");
    assert_eq!(e("\\a, b: a * b"), "(lambda lambda(a, b) {(* a b)})");
    assert_eq!(e("\\: 0"), "(lambda lambda() {0})");
    assert_eq!(e("xs.map(\\x: x * 2)"), "(.map xs (lambda lambda(x) {(* x 2)}))");
    assert_eq!(e("y = if b: 1 else: 0"), "(= y (if b 1 else 0))");
    assert_eq!(e("y = if a: 1 elif b: 2 else: 3"), "(= y (if a 1 b 2 else 3))");
    assert_eq!(e("f(if a: 1 else: 2, 3)"), "(call f (if a 1 else 2) 3)");
}

#[test]
fn async_blocks() {
    assert_eq!(e("t = async { 1 }"), "(= t (async {1}))");
    assert_eq!(e("t = async { a; b }"), "(= t (async {a; b}))");
    assert_eq!(e("t = async {}"), "(= t (async {}))");
    assert_eq!(
        ok("let t = async {\n    let x = 1\n    if x > 0:\n        print(x)\n    x\n}\nprint(t)\n"),
        "(let t (async {(let x 1); (if (> x 0) {(call print x)}); x}))\n(call print t)"
    );
    assert_eq!(
        ok("spawn(async {\n  await sleep(1)\n  print(\"done\")\n})\n"),
        "(call spawn (async {(await (call sleep 1)); (call print \"done\")}))"
    );
    let (p, _) = parse("t = async { 1 }");
    let StmtKind::Assign { value, .. } = &p.stmts[0].kind else { panic!() };
    let ExprKind::AsyncBlock(f) = &value.kind else { panic!() };
    assert!(f.is_async && f.kind == FnKind::AsyncBlock && &*f.name.name == "async" && f.params.is_empty());
}

// ---- statements ----

#[test]
fn bindings_and_assignments() {
    assert_eq!(ok("let x = 1"), "(let x 1)");
    assert_eq!(ok("val x = 1"), "(let x 1)");
    assert_eq!(ok("let mut x: i64 = 1"), "(let mut x: i64 1)");
    assert_eq!(ok("var x = 1"), "(let mut x 1)");
    assert_eq!(ok("let (n, peer) = r"), "(let (tuple n peer) r)");
    assert_eq!(ok("let [a, b] = xs"), "(let [a b] xs)");
    assert_eq!(ok("let _ = f()"), "(let _ (call f))");
    assert_eq!(ok("pub let x = 1"), "(let x 1)");
    assert_eq!(
        ok("x = 1\nxs[0] = 2\np.x = 3\na.b[1].c += 4"),
        "(= x 1)\n(= (index xs 0) 2)\n(= (field p x) 3)\n(+= (field (index (field a b) 1) c) 4)"
    );
    assert_eq!(ok("x -= 1; x *= 2; x /= 3; x %= 4"), "(-= x 1)\n(*= x 2)\n(/= x 3)\n(%= x 4)");
}

#[test]
fn bad_assignment_target() {
    let es = errs("f() = 1\n");
    assert_eq!(es.len(), 1);
    assert!(es[0].starts_with("cannot assign"), "{es:?}");
}

#[test]
fn control_flow() {
    assert_eq!(
        ok("if a:\n    x = 1\nelif b:\n    x = 2\nelse:\n    x = 3\n"),
        "(if a {(= x 1)} b {(= x 2)} else {(= x 3)})"
    );
    assert_eq!(ok("if n == 0: break"), "(if (== n 0) {break})");
    assert_eq!(ok("if b: x = 1 else: x = 2\ny"), "(if b {(= x 1)} else {(= x 2)})\ny");
    assert_eq!(ok("if b: x = 1\nelse: x = 2\n"), "(if b {(= x 1)} else {(= x 2)})");
    assert_eq!(ok("if b: a; b\n"), "(if b {a; b})");
    assert_eq!(ok("while i < 10:\n    i += 1\n    continue\n"), "(while (< i 10) {(+= i 1); continue})");
    assert_eq!(ok("for (k, v) in d.items():\n    print(k)\n"), "(for (tuple k v) (.items d) {(call print k)})");
    assert_eq!(ok("for x in range(3): print(x)"), "(for x (call range 3) {(call print x)})");
    assert_eq!(ok("for i, (a, b) in xs: pass"), "(for (tuple i (tuple a b)) xs {nil})");
    assert_eq!(ok("loop:\n    break\n"), "(loop {break})");
    assert_eq!(ok("fn f():\n    return\n"), "(fn f() {(return)})");
    assert_eq!(ok("while a: pass\npass = 1\nprint(pass)"), "(while a {nil})\n(= pass 1)\n(call print pass)");
    assert_eq!(ok("fn f(): return 1"), "(fn f() {(return 1)})");
    assert_eq!(ok("if a:\n    if b:\n        c\n    else:\n        d\ne\n"), "(if a {(if b {c} else {d})})\ne");
}

#[test]
fn match_statement() {
    let src = "match v:
    case 0: print(\"zero\")
    case 1 | 2:
        print(\"small\")
    case -1: x
    case \"s\": x
    case (a, [b, _]): x
    case Some(x) if x > 0: x
    case None: x
    case Ok(()): x
    case Err(e): x
    case Shape::Circle(r): x
    case Color::Red: x
    case n: x
";
    assert_eq!(
        ok(src),
        "(match v (case 0 {(call print \"zero\")}) (case (or 1 2) {(call print \"small\")}) (case -1 {x}) \
             (case \"s\" {x}) (case (tuple a [b _]) {x}) (case (variant Some x) if (> x 0) {x}) \
             (case (variant None) {x}) (case (variant Ok nil) {x}) (case (variant Err e) {x}) \
             (case (variant Shape::Circle r) {x}) (case (variant Color::Red) {x}) (case n {x}))"
    );
    assert_eq!(ok("match p:\n    case -2.5 | true | nil: x\n"), "(match p (case (or -2.5 true nil) {x}))");
}

#[test]
fn functions() {
    assert_eq!(
        ok("pub async fn f(a, b: i64, c = 10, d: String = \"x\",) -> Result[i64, NetError]:\n    return a\n"),
        "(fn pub async f(a, b: i64, c = 10, d: String = \"x\") -> Result[i64, NetError] {(return a)})"
    );
    assert_eq!(ok("extern fn now_ms() -> f64\nx"), "(fn extern now_ms() -> f64 {})\nx");
    assert_eq!(ok("pub extern fn tcp_bind(addr: String) -> i64"), "(fn pub extern tcp_bind(addr: String) -> i64 {})");
    assert_eq!(ok("fn g(self, x): pass"), "(fn g(self, x) {nil})");
    assert_eq!(ok("fn g(&self): pass"), "(fn g(self) {nil})");
    assert_eq!(ok("fn g(&mut self, y: &mut Bytes): pass"), "(fn g(self, y: &mut Bytes) {nil})");
    assert_eq!(ok("fn g(self: Point): pass"), "(fn g(self) {nil})");
    assert_eq!(
        ok("fn f(cb: fn(i64) -> bool, t: (i64, String), u: (), l: [i64], p: net::Addr): pass"),
        "(fn f(cb: fn(i64) -> bool, t: (i64, String), u: (), l: List[i64], p: net::Addr) {nil})"
    );
    let (p, _) = parse("fn outer():\n    fn inner(x): return x\n    return inner\n");
    let StmtKind::Fn(f) = &p.stmts[0].kind else { panic!() };
    assert!(matches!(f.body.stmts[0].kind, StmtKind::Fn(_)));
    assert_eq!(f.kind, FnKind::Named);
}

#[test]
fn self_must_be_first() {
    let es = errs("fn f(x, self): pass\n");
    assert_eq!(es, vec!["`self` must be the first parameter @\"self\"".to_string()]);
}

#[test]
fn structs_enums_impls() {
    let src = "pub struct Point:
    x: i64
    pub y: i64

    fn norm(self) -> f64:
        return 0.0
    fn origin() -> Point:
        return Point { x: 0, y: 0 }
";
    assert_eq!(
        ok(src),
        "(struct pub Point x: i64 y: i64 (fn norm(self) -> f64 {(return 0.0)}) \
             (fn origin() -> Point {(return (struct Point x=0 y=0))}))"
    );
    let src = "enum Shape:\n    Circle(r: f64)\n    Pair(i64, i64)\n    Unit\n    fn area(self):\n        return 1\n";
    assert_eq!(ok(src), "(enum Shape Circle(r: f64) Pair(i64, i64) Unit (fn area(self) {(return 1)}))");
    assert_eq!(ok("enum Color:\n    Red, Green,\n    Blue\n"), "(enum Color Red Green Blue)");
    assert_eq!(ok("impl Point:\n    pub fn len(&self): return 1\n"), "(impl Point (fn pub len(self) {(return 1)}))");
    assert_eq!(ok("struct Marker\nx"), "(struct Marker)\nx");
    assert_eq!(ok("struct Empty:\n    pass\nimpl Empty:\n    pass\n"), "(struct Empty)\n(impl Empty)");
}

#[test]
fn imports() {
    assert_eq!(ok("import net::{TcpListener, TcpStream}"), "(import net {TcpListener, TcpStream})");
    assert_eq!(ok("import net.tcp::{TcpListener,}"), "(import net.tcp {TcpListener})");
    assert_eq!(ok("import net::TcpStream"), "(import net {TcpStream})");
    assert_eq!(ok("import net"), "(import net)");
    assert_eq!(ok("import core.io"), "(import core.io)");
}

#[test]
fn spans_cover_the_source() {
    let src = "fn f(a):\n    let x = (a + 1) * 2\n    return x\n# trailing\ny = 3  # comment\n";
    let (p, errs) = parse(src);
    assert!(errs.is_empty());
    assert_eq!(&src[p.stmts[0].span.range()], "fn f(a):\n    let x = (a + 1) * 2\n    return x");
    assert_eq!(&src[p.stmts[1].span.range()], "y = 3");
    let StmtKind::Fn(f) = &p.stmts[0].kind else { panic!() };
    let StmtKind::Let { value, .. } = &f.body.stmts[0].kind else { panic!() };
    assert_eq!(&src[value.span.range()], "(a + 1) * 2");
    let ExprKind::Binary(_, lhs, _) = &value.kind else { panic!() };
    assert_eq!(&src[lhs.span.range()], "(a + 1)");
}

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
