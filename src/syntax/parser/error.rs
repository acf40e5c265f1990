//! The parser's error type: what was expected (tokens and named things such as
//! "expression"), what was found, or a custom message; and how a list of them becomes
//! diagnostics ("expected X, Y or Z, found W", sorted, without duplicates).

use crate::diag::Diagnostic;
use crate::syntax::ast::Span;
use crate::syntax::token::Token;

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
#[derive(Clone, Debug)]
pub struct PError {
    pub(super) span: Span,
    expected: Vec<Option<Token>>,
    labels: Vec<&'static str>,
    pub(super) found: Option<Token>,
    custom: Option<String>,
}

impl PError {
    pub(super) fn custom(span: Span, message: impl Into<String>) -> PError {
        PError { span, expected: Vec::new(), labels: Vec::new(), found: None, custom: Some(message.into()) }
    }

    pub(super) fn expected_thing(span: Span, label: &'static str, found: Option<Token>) -> PError {
        PError { span, expected: Vec::new(), labels: vec![label], found, custom: None }
    }

    /// Replaces what was expected by one name ("expression", "statement", ...).
    pub(super) fn relabel(mut self, label: &'static str) -> PError {
        if self.custom.is_none() {
            self.expected.clear();
            self.labels = vec![label];
        }
        self
    }

    fn add_expected(&mut self, t: Option<Token>) {
        // expected tokens never carry payloads that matter, so comparing kinds is enough
        let kind = t.as_ref().map(std::mem::discriminant);
        if !self.expected.iter().any(|e| e.as_ref().map(std::mem::discriminant) == kind) {
            self.expected.push(t);
        }
    }

    /// "expected X, Y or Z, found W", leaving out tokens that would merely have continued
    /// the construct before the error (operators, `.`, `(` ...) when something more telling
    /// was expected too.
    pub(super) fn message(&self) -> String {
        if let Some(m) = &self.custom {
            return m.clone();
        }
        let found = describe_found(&self.found);
        let is_continuation = |t: &Option<Token>| t.as_ref().is_some_and(is_continuation_token);
        let mut expected: Vec<&Option<Token>> = self.expected.iter().collect();
        if !self.labels.is_empty() || expected.iter().any(|t| !is_continuation(t)) {
            expected.retain(|t| !is_continuation(t));
        }
        // "end of line" first, the rest in the order the parser tried them
        expected.sort_by_key(|t| !matches!(t, Some(Token::Newline)));
        let wants_line_end = expected.iter().any(|t| matches!(t, Some(Token::Newline)));
        if wants_line_end || self.labels.contains(&"statement") {
            expected.retain(|t| !matches!(t, None | Some(Token::Semi | Token::RBrace | Token::Dedent | Token::Indent)));
        }
        let mut items: Vec<String> = self.labels.iter().map(|l| l.to_string()).collect();
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
        let mut e = PError { span, expected: Vec::new(), labels: Vec::new(), found, custom: None };
        for t in expected {
            e.add_expected(t);
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
        if self.labels.is_empty() {
            self.labels.push(label);
        }
        self
    }

    fn merge(mut self, other: PError) -> PError {
        for t in other.expected {
            self.add_expected(t);
        }
        for l in other.labels {
            if !self.labels.contains(&l) {
                self.labels.push(l);
            }
        }
        if self.custom.is_none() {
            self.custom = other.custom;
        }
        self
    }
}
