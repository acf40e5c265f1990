//! The abstract syntax tree. Every node carries a `Span`; the resolver fills in the
//! `Slot`s and the `FnInfo`/`has_await` facts in place, so the evaluator never looks a
//! name up by string on the hot path.

use std::rc::Rc;

/// A byte range inside one source file (`file` indexes the loaded-file table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: u32, start: usize, end: usize) -> Span {
        Span { file, start: start as u32, end: end as u32 }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

#[derive(Clone, Debug)]
pub struct Ident {
    pub name: Rc<str>,
    pub span: Span,
}

/// Where a variable lives at run time; decided by the resolver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Slot {
    #[default]
    Unresolved,
    /// A plain value in the current frame.
    Local(u32),
    /// A frame slot holding a shared cell, because a closure captures it.
    LocalCell(u32),
    /// The n-th captured cell of the running closure.
    Capture(u32),
    /// A module-level binding in the interpreter's global table.
    Global(u32),
}

#[derive(Clone, Debug)]
pub struct VarRef {
    pub name: Rc<str>,
    pub span: Span,
    pub slot: Slot,
}

#[derive(Clone, Debug)]
pub enum TypeExpr {
    /// `i64`, `net::TcpStream`, `Result[T, E]`
    Named { path: Vec<Ident>, args: Vec<TypeExpr> },
    /// `&T` / `&mut T`
    Ref { mutable: bool, inner: Box<TypeExpr> },
    /// `(A, B)`; `()` is the empty tuple
    Tuple(Vec<TypeExpr>),
    /// `fn(A, B) -> C`
    Func { params: Vec<TypeExpr>, ret: Option<Box<TypeExpr>> },
    /// `T?`
    Optional(Box<TypeExpr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    /// floor division, as Python's `//` (used by `divmod`; in Simple `//` starts a comment)
    FloorDiv,
    /// `x in c`, `x not in c`
    In,
    NotIn,
    /// `a is b`, `a is not b`: identity
    Is,
    IsNot,
    /// `a ?? b`: `b` when `a` is nil or `None`, else `a` (unwrapping `Some`)
    Coalesce,
}

impl BinOp {
    /// `<`, `<=`, `>`, `>=`, `==`, `!=`: gives a truth value (conditions skip the `Bool`).
    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne)
    }

    /// How the operator is written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Rem => "%",
            BinOp::Pow => "**",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Is => "is",
            BinOp::IsNot => "is not",
            BinOp::Coalesce => "??",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    /// `~x`
    BitNot,
}

/// The optional parts of `xs[start:end:step]`.
#[derive(Clone, Debug)]
pub struct SliceParts {
    pub start: Option<Expr>,
    pub end: Option<Expr>,
    pub step: Option<Expr>,
}

/// What a comprehension builds.
#[derive(Clone, Debug)]
pub enum CompKind {
    List(Expr),
    Set(Expr),
    Dict(Expr, Expr),
}

/// One `for pat in iter` or `if cond` clause of a comprehension.
#[derive(Clone, Debug)]
pub enum CompClause {
    For { pat: Pattern, iter: Expr, shorthand: bool },
    If(Expr),
}

#[derive(Clone, Debug)]
pub struct Comprehension {
    pub kind: CompKind,
    pub clauses: Vec<CompClause>,
    /// frame slots of the comprehension's variables (filled by the resolver), cleared
    /// when it is done
    pub scope_slots: Vec<u32>,
}

/// A per-site inline cache for `e.name` and `e.name(...)`, filled in by the interpreter:
/// the key of the user type last seen at this site (its unique id and what `name` is in
/// it: field or method) and the slot it was found at. Type ids are never reused and a
/// type's slots never move, so a matching key is always right (see `interp::types`).
#[derive(Clone, Debug)]
pub struct SiteCache {
    pub key: std::cell::Cell<u64>,
    pub slot: std::cell::Cell<u32>,
    /// For a method call site: the address of the method's closure when the call can go
    /// straight to it (null otherwise), valid while `key` matches and no type has
    /// replaced a member since `epoch` (setting `key` clears it).
    pub callee: std::cell::Cell<*const ()>,
    pub epoch: std::cell::Cell<u32>,
}

impl Default for SiteCache {
    fn default() -> Self {
        SiteCache {
            key: Default::default(),
            slot: Default::default(),
            callee: std::cell::Cell::new(std::ptr::null()),
            epoch: Default::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// Set by the resolver: an `await` occurs inside (not counting nested fns).
    pub has_await: bool,
}

#[derive(Clone, Debug)]
pub enum InterpPart {
    Lit(Rc<str>),
    /// `{e}` or `{e:spec}`
    Expr(Expr, Option<Rc<crate::syntax::format_spec::FormatSpec>>),
}

#[derive(Clone, Debug)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<crate::text::Str>),
    Bytes(Rc<[u8]>),
    /// `"a {b} c"`: literal pieces and expressions, in order.
    Interp(Vec<InterpPart>),
    Var(VarRef),
    /// `A::b`, `net::TcpStream`, `Color::Red` (two or more segments).
    Path(Vec<Ident>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    /// `{1, 2}`
    Set(Vec<Expr>),
    /// `[e for x in it if c]`, `{k: v for ...}`, `{e for ...}`
    Comprehension(Box<Comprehension>),
    StructLit {
        path: Vec<Ident>,
        fields: Vec<(Ident, Expr)>,
    },
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    MethodCall {
        recv: Box<Expr>,
        method: Ident,
        args: Vec<Arg>,
        cache: SiteCache,
    },
    /// `e.name`; `t.0` is a field whose name is the digits.
    Field(Box<Expr>, Ident, SiteCache),
    Index(Box<Expr>, Box<Expr>),
    /// `xs[a:b:c]`
    Slice(Box<Expr>, Box<SliceParts>),
    /// `a..b`, `a..=b`
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
    },
    /// `a < b <= c`: each operand evaluated once, left to right
    Compare(Box<Expr>, Vec<(BinOp, Expr)>),
    /// `x as T`
    Cast(Box<Expr>, TypeExpr),
    /// `x.?`: present (not nil, not `None`, not empty)
    Exists(Box<Expr>),
    /// An `if` or `match` statement (with indented blocks) used as an expression: its
    /// value is the value of the chosen block's last statement.
    Block(Box<Stmt>),
    /// `let pat = e` as the condition of `if`/`elif`/`while`: true when `e` matches,
    /// binding the pattern's names for the body
    LetCond {
        pat: Box<Pattern>,
        value: Box<Expr>,
    },
    /// postfix `?`
    Try(Box<Expr>),
    Await(Box<Expr>),
    /// `&e` / `&mut e`: evaluates to `e`, kept for tooling.
    Ref {
        mutable: bool,
        inner: Box<Expr>,
    },
    /// `\x, y: body`, `fn(x): body`, `|x| body` (an expression body is a block holding
    /// one expression statement; its value is returned)
    Lambda(Rc<FnDecl>),
    /// `if a: x elif b: y else: z` used as an expression
    If {
        branches: Vec<(Expr, Expr)>,
        else_: Box<Expr>,
    },
    /// `async { ... }`: an anonymous zero-parameter async function, called at once
    AsyncBlock(Rc<FnDecl>),
    /// Produced by the resolver from a `Path` whose head is a type (or a value):
    /// `Point::origin`, `Color::Red`, `Shape::Circle`.
    Member {
        base: Box<Expr>,
        name: Ident,
    },
    /// Produced by the resolver from a `StructLit`: `ty` evaluates to the struct type.
    StructNew {
        ty: Box<Expr>,
        fields: Vec<(Ident, Expr)>,
    },
}

#[derive(Clone, Debug)]
pub struct Pattern {
    pub kind: PatKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PatKind {
    Wild,
    /// a name that binds the value
    Bind(VarRef),
    /// literal: int, float, string, bool, nil (negative numbers included)
    Lit(Expr),
    Tuple(Vec<Pattern>),
    List(Vec<Pattern>),
    /// `None`, `Some(p)`, `Ok(p)`, `Err(p)`, `Enum::Variant`, `Enum::Variant(p, q)`
    Variant {
        path: Vec<Ident>,
        args: Option<Vec<Pattern>>,
    },
    /// `p | q`
    Or(Vec<Pattern>),
    /// `Point { x: px, y }`: a struct of that type whose fields match (a field without a
    /// pattern binds its own name)
    Struct {
        ty: VarRef,
        fields: Vec<(Ident, Pattern)>,
    },
    /// Produced by the resolver from `Variant`: `ty` is the enum type's global slot.
    EnumVariant {
        ty: Slot,
        name: Rc<str>,
        variant: u32,
        args: Option<Vec<Pattern>>,
    },
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
    /// Frame slots of the variables declared in this block (filled by the resolver):
    /// cleared when the block is left, so a block's objects (sockets!) do not outlive it.
    pub scope_slots: Vec<u32>,
    /// in an async body, when the block cannot suspend: its evaluation tree
    /// (`interp::lower::async_body`)
    pub tree: crate::interp::lower::TreeCell,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
    /// Set by the resolver: this statement contains an `await` (outside nested fns)
    /// or is a loop inside an async body (loops yield for fairness).
    pub has_await: bool,
    /// in an async body, when the statement has no `await`: its evaluation tree
    /// (`interp::lower::async_body`)
    pub tree: crate::interp::lower::TreeCell,
}

#[derive(Clone, Debug)]
pub struct MatchArm {
    pub pat: Pattern,
    pub guard: Option<Expr>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Let {
        pat: Pattern,
        mutable: bool,
        ty: Option<TypeExpr>,
        value: Expr,
        /// `pub let`: importable from other modules
        is_pub: bool,
    },
    /// `target = value` or `target op= value`
    Assign {
        target: Expr,
        op: Option<BinOp>,
        value: Expr,
    },
    Expr(Expr),
    If {
        branches: Vec<(Expr, Block)>,
        else_: Option<Block>,
    },
    While {
        cond: Expr,
        body: Block,
    },
    For {
        pat: Pattern,
        iter: Expr,
        body: Block,
        /// `for a, b in it` (no brackets): tuples of two are split, anything else gives
        /// (index, item) — the language's enumerate shorthand
        shorthand: bool,
    },
    Loop {
        body: Block,
    },
    Break,
    Continue,
    Return(Option<Expr>),
    Match {
        scrutinee: Expr,
        arms: Vec<MatchArm>,
    },
    Fn(Rc<FnDecl>),
    Struct(Rc<StructDecl>),
    Enum(Rc<EnumDecl>),
    Impl(Rc<ImplDecl>),
    Trait(Rc<TraitDecl>),
    Import(ImportDecl),
    /// `export a, b`: makes module-level names importable
    Export(Vec<Ident>),
    /// `with e as x, f as y:` — each value's `__enter__()` (if it has one) gives what is
    /// bound; when the body is left, however it is left, each one's `__exit__()` (or
    /// `close()`) is called, last first
    With {
        items: Vec<(Expr, Option<Pattern>)>,
        body: Block,
    },
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub default: Option<Expr>,
    /// frame slot of the parameter (filled by the resolver)
    pub slot: Slot,
}

/// Where a closure gets each captured cell from when it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFrom {
    /// a `LocalCell` slot of the enclosing frame
    Local(u32),
    /// a capture of the enclosing closure
    Capture(u32),
}

/// Where a function's `self` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfMode {
    /// no `self`: a plain function or an associated function
    None,
    /// `fn m(self, ...)`: a method
    Explicit,
    /// a `fn`/`me` in a type body without a `self` parameter: the parser marks it
    /// `Implicit`; the resolver keeps that only if the body uses `self` (a method), and
    /// otherwise turns it into `None` (an associated function, callable on the type)
    Implicit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FnKind {
    /// `fn` at module level, in a body, or a method/associated fn
    Named,
    Lambda,
    AsyncBlock,
}

#[derive(Debug)]
pub struct FnDecl {
    pub name: Ident,
    pub kind: FnKind,
    pub is_pub: bool,
    pub is_async: bool,
    /// `extern fn`: no body, bound to a native by name
    pub is_extern: bool,
    /// a trait's method signature without a body
    pub is_abstract: bool,
    /// a lambda whose body is an indented block (not one expression)
    pub block_body: bool,
    /// how the function gets `self`; `self` is never in `params`
    pub self_mode: SelfMode,
    /// `static fn`: an associated function even inside a type body
    pub is_static: bool,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: Block,
    pub span: Span,
    /// Filled by the resolver (through `Rc::get_mut` while the tree is unshared).
    pub info: FnInfo,
}

#[derive(Clone, Debug, Default)]
pub struct FnInfo {
    /// frame size (parameters first, `self` at slot 0 for methods)
    pub n_slots: u32,
    /// captured cells, in `Capture(i)` order
    pub captures: Vec<CaptureFrom>,
    /// parameters (and `self`) whose slot must be turned into a cell on entry
    pub cell_params: Vec<u32>,
    /// for the name slot of a nested `fn` declared in a body
    pub self_slot: Slot,
    /// the body refers to `self` (decides how a `SelfMode::Implicit` method is called)
    pub uses_self: bool,
    /// the body's evaluation tree, made on the first call (`interp::lower`)
    pub lowered: crate::interp::lower::LoweredCell,
}

#[derive(Clone, Debug)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    /// `x: i64 = 0`: used when a constructor leaves the field out; the parser wraps the
    /// expression in a lambda of no arguments, evaluated at each such construction
    pub default: Option<Expr>,
}

#[derive(Debug)]
pub struct StructDecl {
    pub name: Ident,
    pub is_pub: bool,
    /// declared with `class` (the same thing as a struct here)
    pub is_class: bool,
    pub fields: Vec<FieldDecl>,
    pub methods: Vec<Rc<FnDecl>>,
    pub span: Span,
    /// where a type declared inside a function lives (the resolver sets it);
    /// `Unresolved` for a module-level declaration (a global)
    pub local: Slot,
}

#[derive(Debug)]
pub struct VariantDecl {
    pub name: Ident,
    /// `None` for a unit variant; payload fields may be unnamed (`Some(T)` style)
    pub fields: Option<Vec<(Option<Ident>, Option<TypeExpr>)>>,
    pub span: Span,
}

#[derive(Debug)]
pub struct EnumDecl {
    pub name: Ident,
    pub is_pub: bool,
    pub variants: Vec<VariantDecl>,
    pub methods: Vec<Rc<FnDecl>>,
    pub span: Span,
    /// see `StructDecl::local`
    pub local: Slot,
}

#[derive(Debug)]
pub struct ImplDecl {
    pub target: Ident,
    /// `impl Trait for Type`: the trait's default methods are added to the type
    pub trait_name: Option<Ident>,
    pub methods: Vec<Rc<FnDecl>>,
    pub span: Span,
    /// inside a function: where the target type and the trait live (set by the resolver)
    pub target_local: Slot,
    pub trait_local: Slot,
}

/// `trait Name:` with method signatures (`is_abstract`) and default methods.
#[derive(Debug)]
pub struct TraitDecl {
    pub name: Ident,
    pub is_pub: bool,
    pub methods: Vec<Rc<FnDecl>>,
    pub span: Span,
    /// see `StructDecl::local`
    pub local: Slot,
}

#[derive(Clone, Debug)]
pub struct ImportDecl {
    /// `net.tcp` → [net, tcp]
    pub module: Vec<Ident>,
    /// `::{A, B}` or `::A`; `None` for `import net`
    pub items: Option<Vec<Ident>>,
    /// `use a.b.*`: every exported name of the module
    pub glob: bool,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Program {
    pub stmts: Vec<Stmt>,
    /// frame size of the top-level code (filled by the resolver)
    pub main_slots: u32,
}

impl FnDecl {
    /// Whether frame slot 0 is reserved for `self`.
    pub fn has_self(&self) -> bool {
        self.self_mode != SelfMode::None
    }

    /// A call with `n` positional arguments can bind them straight to the parameters:
    /// exactly as many as there are, no receiver, not async.
    #[inline]
    pub fn plain_call(&self, n: usize) -> bool {
        self.params.len() == n && !self.is_async && !self.takes_receiver()
    }

    /// A call through an instance with `n` positional arguments can put the instance
    /// and its arguments straight in the frame: it takes `self` and exactly `n`
    /// parameters, and is not async.
    #[inline]
    pub fn direct_method_call(&self, n: usize) -> bool {
        self.takes_receiver() && !self.is_async && self.params.len() == n
    }

    /// Whether calls through an instance pass it as `self` (an explicit `self`, or an
    /// implicit one the body uses); otherwise the function is an associated function.
    pub fn takes_receiver(&self) -> bool {
        match self.self_mode {
            SelfMode::Explicit => true,
            SelfMode::Implicit => self.info.uses_self,
            SelfMode::None => false,
        }
    }
}

impl Stmt {
    pub fn new(kind: StmtKind, span: Span) -> Stmt {
        Stmt { kind, span, has_await: false, tree: Default::default() }
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span, has_await: false }
    }
}

impl VarRef {
    pub fn new(name: Rc<str>, span: Span) -> VarRef {
        VarRef { name, span, slot: Slot::Unresolved }
    }
}

/// Integer type names `as` converts to.
pub fn is_int_type(name: &str) -> bool {
    matches!(name, "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "isize" | "usize" | "int")
}

/// Lower-case type names (`x as f64` is a conversion, `with e as f:` a binding).
pub fn is_primitive_type(name: &str) -> bool {
    is_int_type(name) || matches!(name, "f64" | "f32" | "float" | "text" | "str" | "bool")
}
