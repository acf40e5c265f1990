//! The parser's error type: what was expected (tokens and named things such as
//! "expression"), what was found, or a custom message; and how a list of them becomes
//! diagnostics ("expected X, Y or Z, found W", sorted, without duplicates).

use crate::diag::Diagnostic;
use crate::syntax::ast::Span;
use crate::syntax::token::{Kind, Token};

pub(super) fn to_diagnostics(errors: Vec<PError>) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> = errors.iter().map(|e| Diagnostic::syntax(e.message(), e.span)).collect();
    diags.sort_by_key(|d| d.span.map(|s| (s.start, s.end)));
    diags.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    diags
}

impl chumsky::Span for Span {
    type Context = u32;
    type Offset = u32;
    fn new(file: u32, range: std::ops::Range<u32>) -> Span {
        Span { file, start: range.start, end: range.end.max(range.start) }
    }
    fn context(&self) -> u32 {
        self.file
    }
    fn start(&self) -> u32 {
        self.start
    }
    fn end(&self) -> u32 {
        self.end
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// The parser's error type: what was expected (tokens and named things such as
/// "expression"), what was found, or a custom message.
///
/// The grammar builds, moves and merges an error for every alternative it tries, so an
/// error is small and free of allocations until it has a custom message: what was expected
/// is a set of token kinds (expected tokens never carry payloads that matter) and a set
/// of labels from `LABELS`. Messages list them in declaration order.
#[derive(Clone, Debug)]
pub struct PError {
    pub(super) span: Span,
    expected: KindSet,
    labels: u16,
    pub(super) found: Option<Token>,
    custom: Option<Box<str>>,
}

/// Every name the grammar gives to what it expects, in the order messages list them.
const LABELS: [&str; 10] = [
    "statement",
    "expression",
    "pattern",
    "type",
    "identifier",
    "field name",
    "literal",
    "number",
    "an indented block",
    "indented `case` arms",
];

/// The bit of a label in `PError::labels`. Labels are fixed when the grammar is built (or
/// at compile time), so an unknown one is a bug in the grammar, found by any parse.
pub(super) const fn label_bit(label: &str) -> u16 {
    let mut i = 0;
    while i < LABELS.len() {
        if same(LABELS[i].as_bytes(), label.as_bytes()) {
            return 1 << i;
        }
        i += 1;
    }
    panic!("parser label missing from LABELS")
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Labels of the errors built by hand (`PError::expected_thing`).
pub(super) const IDENTIFIER: u16 = label_bit("identifier");
pub(super) const FIELD_NAME: u16 = label_bit("field name");
pub(super) const EXPRESSION: u16 = label_bit("expression");
pub(super) const LITERAL: u16 = label_bit("literal");
pub(super) const NUMBER: u16 = label_bit("number");

/// A set of token kinds; bit `END` stands for the end of input.
#[derive(Clone, Copy, Debug, Default)]
struct KindSet([u64; 2]);

impl KindSet {
    const END: u8 = 127;

    fn add(&mut self, t: &Option<Token>) {
        let code = t.as_ref().map_or(Self::END, |t| t.kind() as u8);
        self.0[(code >> 6) as usize] |= 1 << (code & 63);
    }

    fn union(&mut self, other: KindSet) {
        self.0[0] |= other.0[0];
        self.0[1] |= other.0[1];
    }

    fn tokens(&self) -> Vec<Option<Token>> {
        (0..=Self::END)
            .filter(|c| self.0[(c >> 6) as usize] & (1 << (c & 63)) != 0)
            .map(|c| if c == Self::END { None } else { Some(Token::of_kind(kind_from_code(c))) })
            .collect()
    }
}

fn kind_from_code(code: u8) -> Kind {
    const { assert!(std::mem::size_of::<Kind>() == 1 && (Kind::Bytes as u8) < KindSet::END) };
    // SAFETY: `Kind` is a fieldless `repr(u8)` enum numbered from 0 up to `Kind::Bytes`
    // (its last variant), and every code in a `KindSet` other than `END` came from
    // `kind as u8`.
    unsafe { std::mem::transmute::<u8, Kind>(code) }
}

impl PError {
    pub(super) fn custom(span: Span, message: impl Into<String>) -> PError {
        PError {
            span,
            expected: KindSet::default(),
            labels: 0,
            found: None,
            custom: Some(message.into().into_boxed_str()),
        }
    }

    /// `label`: one of the constants above (a bit from `label_bit`)
    pub(super) fn expected_thing(span: Span, label: u16, found: Option<Token>) -> PError {
        PError { span, expected: KindSet::default(), labels: label, found, custom: None }
    }

    /// Replaces what was expected by one name (a bit from `label_bit`).
    pub(super) fn relabel(mut self, label: u16) -> PError {
        if self.custom.is_none() {
            self.expected = KindSet::default();
            self.labels = label;
        }
        self
    }

    fn label_names(&self) -> Vec<&'static str> {
        LABELS.iter().enumerate().filter(|(i, _)| self.labels & (1 << i) != 0).map(|(_, l)| *l).collect()
    }

    /// "expected X, Y or Z, found W", leaving out tokens that would merely have continued
    /// the construct before the error (operators, `.`, `(` ...) when something more telling
    /// was expected too.
    pub(super) fn message(&self) -> String {
        if let Some(m) = &self.custom {
            return m.to_string();
        }
        let found = describe_found(&self.found);
        let is_continuation = |t: &Option<Token>| t.as_ref().is_some_and(is_continuation_token);
        let tokens = self.expected.tokens();
        let mut expected: Vec<&Option<Token>> = tokens.iter().collect();
        let labels = self.label_names();
        if !labels.is_empty() || expected.iter().any(|t| !is_continuation(t)) {
            expected.retain(|t| !is_continuation(t));
        }
        // "end of line" first, the rest in the order the parser tried them
        expected.sort_by_key(|t| !matches!(t, Some(Token::Newline)));
        let wants_line_end = expected.iter().any(|t| matches!(t, Some(Token::Newline)));
        if wants_line_end || labels.contains(&"statement") {
            expected.retain(|t| !matches!(t, None | Some(Token::Semi | Token::RBrace | Token::Dedent | Token::Indent)));
        }
        let mut items: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        for t in expected {
            let d = match t {
                None => "end of input".to_string(),
                Some(Token::Newline) => "end of line".to_string(),
                Some(Token::Dedent) => "end of block".to_string(),
                Some(Token::Indent) => "an indented block".to_string(),
                Some(t) => t.describe(),
            };
            if !items.contains(&d) {
                items.push(d);
            }
        }
        match items.len() {
            0 => format!("unexpected {found}"),
            1..=6 => {
                let list = match items.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => items[0].clone(),
                };
                format!("expected {list}, found {found}")
            }
            _ => format!("unexpected {found}"),
        }
    }
}

fn describe_found(found: &Option<Token>) -> String {
    match found {
        None => "end of input".into(),
        Some(Token::Dedent) => "end of block".into(),
        Some(Token::Indent) => "unexpected indentation".into(),
        Some(t) => t.describe(),
    }
}

/// Tokens that would only have continued an expression or statement that was already
/// complete; they clutter "expected ..." lists.
fn is_continuation_token(t: &Token) -> bool {
    use Token::*;
    matches!(
        t,
        Plus | Minus
            | Star
            | Slash
            | Percent
            | StarStar
            | EqEq
            | NotEq
            | Lt
            | Le
            | Gt
            | Ge
            | Amp
            | Pipe
            | Caret
            | Shl
            | AmpAmp
            | PipePipe
            | And
            | Or
            | Dot
            | LParen
            | LBracket
            | LBrace
            | Question
            | ColonColon
            | PlusAssign
            | MinusAssign
            | StarAssign
            | SlashAssign
            | PercentAssign
            | DotDot
            | DotDotEq
            | In
            | Not
            | Tilde
            | AmpAssign
            | PipeAssign
            | CaretAssign
            | ShlAssign
            | ShrAssign
            | StarStarAssign
            | QuestionQuestion
            | DotQuestion
            | PipeGt
    )
}

impl chumsky::Error<Token> for PError {
    type Span = Span;
    type Label = &'static str;

    fn expected_input_found<Iter: IntoIterator<Item = Option<Token>>>(
        span: Span,
        expected: Iter,
        found: Option<Token>,
    ) -> PError {
        let mut e = PError { span, expected: KindSet::default(), labels: 0, found, custom: None };
        for t in expected {
            e.expected.add(&t);
        }
        e
    }

    fn unclosed_delimiter(
        unclosed_span: Span,
        unclosed: Token,
        _span: Span,
        expected: Token,
        found: Option<Token>,
    ) -> PError {
        PError::custom(
            unclosed_span,
            format!(
                "unclosed {}: expected {} to close it, found {}",
                unclosed.describe(),
                expected.describe(),
                describe_found(&found)
            ),
        )
    }

    fn with_label(mut self, label: &'static str) -> PError {
        if self.labels == 0 {
            self.labels = label_bit(label);
        }
        self
    }

    fn merge(mut self, other: PError) -> PError {
        self.expected.union(other.expected);
        self.labels |= other.labels;
        if self.custom.is_none() {
            self.custom = other.custom;
        }
        self
    }
}
