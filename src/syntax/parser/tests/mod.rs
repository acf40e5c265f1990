//! Parser tests: a compact S-expression rendering of the AST, and assertions on it.

use super::*;
use crate::syntax::ast::*;

mod recovery;

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
    o.symbol()
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
        MethodCall { recv, method, args: a, .. } => format!("(.{} {}{})", method.name, ex(recv), args(a)),
        Field(e, n, _) => format!("(field {} {})", ex(e), n.name),
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

/// The operators of the flattened levels (arithmetic to `|`, and `and`/`or`) grouped by
/// precedence climbing: tighter after looser, looser again, equal ones to the left.
#[test]
fn precedence_climbing() {
    assert_eq!(e("a * b + c * d"), "(+ (* a b) (* c d))");
    assert_eq!(e("a + b * c - d"), "(- (+ a (* b c)) d)");
    assert_eq!(e("1 << 2 + 3 * 4 | 5"), "(| (<< 1 (+ 2 (* 3 4))) 5)");
    assert_eq!(e("a & b | c ^ d & e"), "(| (& a b) (^ c (& d e)))");
    assert_eq!(e("a - b * c / d % e - f"), "(- (- a (% (/ (* b c) d) e)) f)");
    assert_eq!(e("a >> 1 >> 2"), "(>> (>> a 1) 2)");
    assert_eq!(e("a > b >> 1"), "(> a (>> b 1))");
    assert_eq!(e("a or b and c or d"), "(or (or a (and b c)) d)");
    assert_eq!(e("a and b or c and d"), "(or (and a b) (and c d))");
    assert_eq!(e("a and b and c"), "(and (and a b) c)");
    assert_eq!(e("x + 1 .. y * 2"), "(.. (+ x 1) (* y 2))");
    assert_eq!(e("a + b == c | d"), "(== (+ a b) (| c d))");
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
