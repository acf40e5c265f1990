//! Tokens and the logos lexer. Every keyword and punctuation token is spelled once, in
//! the `tokens!` list below, which generates the enum (with its logos patterns), the
//! spelling table `Token::text` and `KEYWORDS`. String literals are scanned by hand (a
//! callback) because interpolation lets `"{d["k"]}"` nest quotes; their escapes are
//! decoded here and the `{...}` pieces are kept as source text with their offset,
//! parsed later as expressions. `"""..."""` strings may span lines and do not
//! interpolate; `'...'` and `r"..."` are raw.

use crate::diag::Diagnostic;
use crate::syntax::ast::Span;
use logos::Logos;
use std::rc::Rc;

/// One piece of a string literal: decoded text, or the source of an interpolated expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StrPart {
    Text(String),
    /// expression source and its byte offset in the file
    Code(String, usize),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum LexError {
    #[default]
    Unexpected,
    Message(String),
}

/// Generates `Token` from one list of spellings: the logos pattern of each keyword and
/// punctuation token, `Token::text` and `KEYWORDS` all come from it.
macro_rules! tokens {
    (
        keywords { $($kw:ident = $kw_text:tt,)* }
        punctuation { $($p:ident = $p_text:tt,)* }
    ) => {
        /// `>>` is two `>` tokens (so `List<List<i64>>` closes two generics); the parser reads
/// adjacent ones as the shift.
        #[derive(Logos, Clone, Debug, PartialEq, Eq, Hash)]
        #[logos(error = LexError)]
        #[logos(extras = Vec<(String, usize, usize)>)]
        #[logos(skip r"[ \t\r\f]+")]
        #[logos(skip(r"#[^\n]*", allow_greedy = true))]
        #[logos(skip(r"//[^\n]*", allow_greedy = true))]
        pub enum Token {
            #[token("\n")]
            Newline,
            /// produced by the layout pass only
            Indent,
            /// produced by the layout pass only
            Dedent,
            $( #[token($kw_text)] $kw, )*
            $( #[token($p_text)] $p, )*

            #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |lex| Rc::<str>::from(lex.slice()))]
            Ident(Rc<str>),
            #[regex(r"[0-9][0-9_]*", lex_decimal)]
            #[regex(r"[0-9][0-9_]*_?(i8|i16|i32|i64|u8|u16|u32|u64|isize|usize)", lex_decimal)]
            #[regex(r"0x[0-9a-fA-F_]+", |lex| lex_radix(lex, 16))]
            #[regex(r"0o[0-7_]+", |lex| lex_radix(lex, 8))]
            #[regex(r"0b[01_]+", |lex| lex_radix(lex, 2))]
            Int(i64),
            /// the f64's bits, so that tokens can be `Eq + Hash`
            #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9]+)?", lex_float)]
            #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9]+", lex_float)]
            #[regex(r"[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9]+)?_?(f32|f64)", lex_float)]
            Float(u64),
            #[token("\"", lex_string)]
            #[token("f\"", lex_string)]
            #[token("\"\"\"", lex_triple)]
            #[token("f\"\"\"", lex_triple_interpolated)]
            Str(Rc<Vec<StrPart>>),
            #[regex(r#"r"[^"\n]*""#, allow_greedy = true, callback = |lex| { let s = lex.slice(); Rc::<str>::from(&s[2..s.len() - 1]) })]
            #[regex(r#"'[^'\n]*'"#, allow_greedy = true, callback = |lex| { let s = lex.slice(); Rc::<str>::from(&s[1..s.len() - 1]) })]
            #[token("r\"\"\"", lex_raw_triple)]
            RawStr(Rc<str>),
            #[token("b\"", lex_bytes)]
            Bytes(Rc<Vec<u8>>),
        }

        /// The kind of a token, without its payload (a small number: error messages keep
        /// sets of expected kinds).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Kind {
            Newline,
            Indent,
            Dedent,
            $( $kw, )*
            $( $p, )*
            Ident,
            Int,
            Float,
            Str,
            RawStr,
            Bytes,
        }

        impl Token {
            pub fn kind(&self) -> Kind {
                match self {
                    Token::Newline => Kind::Newline,
                    Token::Indent => Kind::Indent,
                    Token::Dedent => Kind::Dedent,
                    $( Token::$kw => Kind::$kw, )*
                    $( Token::$p => Kind::$p, )*
                    Token::Ident(_) => Kind::Ident,
                    Token::Int(_) => Kind::Int,
                    Token::Float(_) => Kind::Float,
                    Token::Str(_) => Kind::Str,
                    Token::RawStr(_) => Kind::RawStr,
                    Token::Bytes(_) => Kind::Bytes,
                }
            }

            /// A token of the kind (literals and names with an empty payload): what an
            /// error message describes when it lists expected kinds.
            pub fn of_kind(kind: Kind) -> Token {
                match kind {
                    Kind::Newline => Token::Newline,
                    Kind::Indent => Token::Indent,
                    Kind::Dedent => Token::Dedent,
                    $( Kind::$kw => Token::$kw, )*
                    $( Kind::$p => Token::$p, )*
                    Kind::Ident => Token::Ident(Rc::from("")),
                    Kind::Int => Token::Int(0),
                    Kind::Float => Token::Float(0),
                    Kind::Str => Token::Str(Rc::new(Vec::new())),
                    Kind::RawStr => Token::RawStr(Rc::from("")),
                    Kind::Bytes => Token::Bytes(Rc::new(Vec::new())),
                }
            }

            /// Source spelling of keyword and punctuation tokens.
            pub fn text(&self) -> &'static str {
                match self {
                    $( Token::$kw => $kw_text, )*
                    $( Token::$p => $p_text, )*
                    Token::Newline => "\\n",
                    Token::Indent => "<indent>",
                    Token::Dedent => "<dedent>",
                    Token::Ident(_) | Token::Int(_) | Token::Float(_) | Token::Str(_) | Token::RawStr(_)
                    | Token::Bytes(_) => "<literal>",
                }
            }

            /// Keywords (`fn`, `if`, ...), as opposed to names, literals and punctuation.
            pub fn is_keyword(&self) -> bool {
                matches!(self, $( Token::$kw )|*)
            }
        }

        /// All keywords, for the REPL's completion.
        pub const KEYWORDS: &[&str] = &[$($kw_text),*];
    };
}

tokens! {
    keywords {
        Fn = "fn", Async = "async", Await = "await", Let = "let", Val = "val", Var = "var", Mut = "mut",
        If = "if", Elif = "elif", Else = "else", While = "while", For = "for", In = "in", Loop = "loop",
        Break = "break", Continue = "continue", Return = "return", Match = "match", Case = "case",
        Struct = "struct", Enum = "enum", Impl = "impl", Import = "import", Pub = "pub", Extern = "extern",
        True = "true", False = "false", Nil = "nil", And = "and", Or = "or", Not = "not",
        SelfLower = "self", SelfUpper = "Self",
    }
    punctuation {
        LParen = "(", RParen = ")", LBracket = "[", RBracket = "]", LBrace = "{", RBrace = "}",
        Comma = ",", Colon = ":", Semi = ";", Dot = ".", DotDot = "..", DotDotEq = "..=",
        ColonColon = "::", Arrow = "->", FatArrow = "=>", Question = "?", Backslash = "\\", At = "@",
        Assign = "=", PlusAssign = "+=", MinusAssign = "-=", StarAssign = "*=", SlashAssign = "/=",
        PercentAssign = "%=", AmpAssign = "&=", PipeAssign = "|=", CaretAssign = "^=", ShlAssign = "<<=",
        ShrAssign = ">>=", StarStarAssign = "**=",
        EqEq = "==", NotEq = "!=", Lt = "<", Le = "<=", Gt = ">", Ge = ">=",
        Plus = "+", Minus = "-", Star = "*", Slash = "/", Percent = "%", StarStar = "**",
        Amp = "&", Pipe = "|", Caret = "^", Tilde = "~", Shl = "<<", Bang = "!",
        AmpAmp = "&&", PipePipe = "||", QuestionQuestion = "??", DotQuestion = ".?", PipeGt = "|>",
        Ellipsis = "...",
    }
}

/// The digits of a number literal without `_` separators and without a type suffix
/// (`42_u64`, `3.5f32`: the suffix is accepted and not enforced).
fn number_digits(slice: &str) -> String {
    let body = match slice.find(['i', 'u', 'f']) {
        Some(at) => &slice[..at],
        None => slice,
    };
    body.chars().filter(|c| *c != '_').collect()
}

fn lex_decimal(lex: &mut logos::Lexer<Token>) -> Result<i64, LexError> {
    let digits = number_digits(lex.slice());
    digits
        .parse::<i64>()
        .map_err(|_| LexError::Message(format!("integer literal `{}` does not fit in i64", lex.slice())))
}

fn lex_radix(lex: &mut logos::Lexer<Token>, radix: u32) -> Result<i64, LexError> {
    let digits: String = lex.slice()[2..].chars().filter(|c| *c != '_').collect();
    if digits.is_empty() {
        return Err(LexError::Message(format!("integer literal `{}` has no digits", lex.slice())));
    }
    // Hex and binary literals may spell the full 64-bit pattern (0xffff_ffff_ffff_ffff).
    u64::from_str_radix(&digits, radix)
        .map(|v| v as i64)
        .map_err(|_| LexError::Message(format!("integer literal `{}` does not fit in i64", lex.slice())))
}

fn lex_float(lex: &mut logos::Lexer<Token>) -> Result<u64, LexError> {
    let digits = number_digits(lex.slice());
    digits
        .parse::<f64>()
        .map(f64::to_bits)
        .map_err(|_| LexError::Message(format!("invalid float literal `{}`", lex.slice())))
}

/// A problem inside a string literal: the message and its byte range relative to the
/// text after the opening quote.
type StrError = (String, usize, usize);

/// What scanning one string literal found. A bad escape does not stop the scan: the
/// literal still ends at its closing quote, so one mistake gives one error.
struct Scanned {
    parts: Vec<StrPart>,
    /// the literal's bytes, for `b"..."` (UTF-8 for characters, raw for `\xNN`)
    bytes: Vec<u8>,
    /// bytes consumed after the opening quote, closing quote(s) included
    consumed: usize,
    error: Option<StrError>,
}

/// Consumes the literal. A problem inside it is recorded in the lexer's extras (as
/// absolute byte ranges) and the literal is still a token, so the parser goes on as if it
/// were fine: one mistake, one error.
fn finish_token<T>(lex: &mut logos::Lexer<Token>, scanned: Scanned, value: T) -> Result<T, LexError> {
    let token_start = lex.span().start;
    let body_start = lex.span().end;
    lex.bump(scanned.consumed);
    if let Some((m, a, b)) = scanned.error {
        let (start, end) =
            if a == usize::MAX { (token_start, token_start + 1) } else { (body_start + a, body_start + b) };
        lex.extras.push((m, start, end));
    }
    Ok(value)
}

/// `"..."`: escapes decoded, `{code}` pieces split out.
fn lex_string(lex: &mut logos::Lexer<Token>) -> Result<Rc<Vec<StrPart>>, LexError> {
    let scanned = scan_string(lex.remainder(), lex.span().end, Quote::Single);
    let parts = Rc::new(scanned.parts.clone());
    finish_token(lex, scanned, parts)
}

/// `"""..."""`: may span lines; escapes decoded, braces literal.
fn lex_triple(lex: &mut logos::Lexer<Token>) -> Result<Rc<Vec<StrPart>>, LexError> {
    let scanned = scan_string(lex.remainder(), lex.span().end, Quote::Triple);
    let parts = Rc::new(scanned.parts.clone());
    finish_token(lex, scanned, parts)
}

/// `f"""..."""`: may span lines, and interpolates.
fn lex_triple_interpolated(lex: &mut logos::Lexer<Token>) -> Result<Rc<Vec<StrPart>>, LexError> {
    let scanned = scan_string(lex.remainder(), lex.span().end, Quote::TripleInterpolated);
    let parts = Rc::new(scanned.parts.clone());
    finish_token(lex, scanned, parts)
}

/// `r"""..."""`: may span lines; no escapes, no interpolation.
fn lex_raw_triple(lex: &mut logos::Lexer<Token>) -> Result<Rc<str>, LexError> {
    let rest = lex.remainder();
    match rest.find("\"\"\"") {
        Some(end) => {
            let text = Rc::from(&rest[..end]);
            lex.bump(end + 3);
            Ok(text)
        }
        None => {
            lex.bump(rest.len());
            Err(LexError::Message("unterminated `r\"\"\"` string".into()))
        }
    }
}

/// `b"..."`: characters are UTF-8 encoded, `\xNN` is one raw byte.
fn lex_bytes(lex: &mut logos::Lexer<Token>) -> Result<Rc<Vec<u8>>, LexError> {
    let scanned = scan_string(lex.remainder(), lex.span().end, Quote::Bytes);
    let bytes = Rc::new(scanned.bytes.clone());
    finish_token(lex, scanned, bytes)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// `"..."`: one line, interpolated
    Single,
    /// `"""..."""`: any number of lines, not interpolated
    Triple,
    /// `f"""..."""`: any number of lines, interpolated
    TripleInterpolated,
    /// `b"..."`: one line, `\xNN` allowed, not interpolated
    Bytes,
}

impl Quote {
    fn is_triple(self) -> bool {
        matches!(self, Quote::Triple | Quote::TripleInterpolated)
    }
}

/// Scans a literal after its opening quote. `base` is the file offset of `rest`.
fn scan_string(rest: &str, base: usize, quote: Quote) -> Scanned {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut bytes = Vec::new();
    let mut error: Option<StrError> = None;
    let mut chars = rest.char_indices().peekable();
    let interpolate = matches!(quote, Quote::Single | Quote::TripleInterpolated);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' if !quote.is_triple() || rest[i..].starts_with("\"\"\"") => {
                if !text.is_empty() || parts.is_empty() {
                    parts.push(StrPart::Text(text));
                }
                let consumed = if quote.is_triple() { i + 3 } else { i + 1 };
                return Scanned { parts, bytes, consumed, error };
            }
            '\n' if !quote.is_triple() => break,
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match decode_escape(e, &mut chars, quote) {
                    Ok(Some(Decoded::Char(decoded))) => {
                        text.push(decoded);
                        push_utf8(&mut bytes, decoded);
                    }
                    Ok(Some(Decoded::Byte(b))) => bytes.push(b),
                    Ok(None) => {}
                    Err(m) => {
                        let end = chars.peek().map(|&(j, _)| j).unwrap_or(rest.len());
                        error.get_or_insert((m, i, end));
                    }
                }
            }
            '{' if interpolate => {
                if !text.is_empty() {
                    parts.push(StrPart::Text(std::mem::take(&mut text)));
                }
                let code_start = i + 1;
                let code_len = match scan_code(&rest[code_start..]) {
                    Ok(n) => n,
                    Err(e) => {
                        // the literal cannot be delimited: it ends with its line (one
                        // error, and no rescanning of what follows, which would be
                        // exponential in nested quotes)
                        let m = match e {
                            LexError::Message(m) => m,
                            LexError::Unexpected => "invalid interpolation".to_string(),
                        };
                        let consumed = rest.find('\n').unwrap_or(rest.len());
                        return Scanned { parts, bytes, consumed, error: Some((m, i, i + 1)) };
                    }
                };
                parts.push(StrPart::Code(rest[code_start..code_start + code_len].to_string(), base + code_start));
                // skip the code and its closing brace
                while let Some(&(j, _)) = chars.peek() {
                    if j > code_start + code_len {
                        break;
                    }
                    chars.next();
                }
            }
            '}' if interpolate => {
                error.get_or_insert(("unmatched `}` in string (write `\\}` for a literal brace)".into(), i, i + 1));
            }
            _ => {
                text.push(c);
                if quote == Quote::Bytes {
                    push_utf8(&mut bytes, c);
                }
            }
        }
    }
    // unterminated: report at the opening quote, consume to the end of the line
    let consumed = rest.find('\n').unwrap_or(rest.len());
    let consumed = if quote.is_triple() { rest.len() } else { consumed };
    let message = if quote.is_triple() { "unterminated `\"\"\"` string" } else { "unterminated string literal" };
    Scanned { parts, bytes, consumed, error: Some((message.into(), usize::MAX, usize::MAX)) }
}

fn push_utf8(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// What an escape sequence stands for.
enum Decoded {
    Char(char),
    /// `\xNN` in a byte string
    Byte(u8),
}

/// What an escape stands for (`None` for a line continuation in `"""`).
fn decode_escape(
    e: char,
    chars: &mut std::iter::Peekable<std::str::CharIndices>,
    quote: Quote,
) -> Result<Option<Decoded>, String> {
    Ok(Some(Decoded::Char(match e {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '\\' => '\\',
        '"' => '"',
        '\'' => '\'',
        '0' => '\0',
        '{' => '{',
        '}' => '}',
        'u' => scan_unicode_escape(chars)?,
        'x' if quote == Quote::Bytes => return Ok(Some(Decoded::Byte(scan_hex_escape(chars)?))),
        '\n' if quote.is_triple() => return Ok(None),
        other => return Err(format!("unknown escape sequence `\\{}` in string", other.escape_default())),
    })))
}

/// Length of the interpolated code up to (not including) its closing `}`; skips nested
/// brackets and string literals.
fn scan_code(code: &str) -> Result<usize, LexError> {
    let mut depth = 0usize;
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > crate::syntax::layout::MAX_NESTING {
                    return Err(LexError::Message("nesting too deep in string interpolation".into()));
                }
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' if depth == 0 => {
                if i == 0 {
                    return Err(LexError::Message("empty `{}` in string (write `\\{` for a literal brace)".into()));
                }
                return Ok(i);
            }
            b'}' => depth -= 1,
            b'"' => {
                let scanned = scan_string(&code[i + 1..], 0, Quote::Single);
                if let Some((m, _, _)) = scanned.error {
                    return Err(LexError::Message(m));
                }
                i += scanned.consumed;
            }
            b'\n' => break,
            _ => {}
        }
        i += 1;
    }
    Err(LexError::Message("unterminated `{` interpolation in string".into()))
}

fn scan_unicode_escape(chars: &mut std::iter::Peekable<std::str::CharIndices>) -> Result<char, String> {
    let bad = || "invalid unicode escape (expected `\\u{XXXX}`)".to_string();
    if chars.next().map(|(_, c)| c) != Some('{') {
        return Err(bad());
    }
    let mut hex = String::new();
    loop {
        match chars.next() {
            Some((_, '}')) => break,
            Some((_, c)) if c.is_ascii_hexdigit() && hex.len() < 6 => hex.push(c),
            _ => return Err(bad()),
        }
    }
    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).ok_or_else(bad)
}

fn scan_hex_escape(chars: &mut std::iter::Peekable<std::str::CharIndices>) -> Result<u8, String> {
    let mut v = 0u32;
    for _ in 0..2 {
        match chars.next() {
            Some((_, c)) if c.is_ascii_hexdigit() => v = v * 16 + c.to_digit(16).unwrap_or(0),
            _ => return Err("invalid `\\x` escape (expected two hex digits)".into()),
        }
    }
    Ok(v as u8)
}

/// Lexes a whole file. Errors are collected, never fatal: the bad text is skipped.
pub fn lex(src: &str, file: u32) -> (Vec<(Token, Span)>, Vec<Diagnostic>) {
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    let mut lexer = Token::lexer(src);
    while let Some(result) = lexer.next() {
        let r = lexer.span();
        let span = Span::new(file, r.start, r.end);
        for (m, a, b) in lexer.extras.drain(..) {
            errors.push(Diagnostic::syntax(m, Span::new(file, a, b)));
        }
        match result {
            Ok(tok) => tokens.push((tok, span)),
            Err(err) => {
                let (message, span) = match err {
                    LexError::Message(m) => (m, span),
                    LexError::Unexpected => {
                        let c = src[r.start..].chars().next().unwrap_or(' ');
                        (format!("unexpected character `{}`", c.escape_default()), span)
                    }
                };
                errors.push(Diagnostic::syntax(message, span));
            }
        }
    }
    (tokens, errors)
}

impl Token {
    /// How a token is named in "expected ..." messages.
    pub fn describe(&self) -> String {
        match self {
            Token::Newline => "end of line".into(),
            Token::Indent => "indentation".into(),
            Token::Dedent => "dedent".into(),
            Token::Ident(n) => format!("identifier `{n}`"),
            Token::Int(v) => format!("integer `{v}`"),
            Token::Float(b) => format!("float `{:?}`", f64::from_bits(*b)),
            Token::Str(_) | Token::RawStr(_) => "string literal".into(),
            Token::Bytes(_) => "byte string literal".into(),
            other => format!("`{}`", other.text()),
        }
    }
}
