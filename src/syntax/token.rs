//! Tokens and the logos lexer. String literals are scanned by hand (a callback) because
//! interpolation lets `"{d["k"]}"` nest quotes; their escapes are decoded here and the
//! `{...}` pieces are kept as source text with their offset, parsed later as expressions.

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

#[derive(Logos, Clone, Debug, PartialEq, Eq, Hash)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\f]+")]
#[logos(skip(r"#[^\n]*", allow_greedy = true))]
pub enum Token {
    #[token("\n")]
    Newline,
    /// produced by the layout pass only
    Indent,
    /// produced by the layout pass only
    Dedent,

    #[token("fn")]
    Fn,
    #[token("async")]
    Async,
    #[token("await")]
    Await,
    #[token("let")]
    Let,
    #[token("val")]
    Val,
    #[token("var")]
    Var,
    #[token("mut")]
    Mut,
    #[token("if")]
    If,
    #[token("elif")]
    Elif,
    #[token("else")]
    Else,
    #[token("while")]
    While,
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("loop")]
    Loop,
    #[token("break")]
    Break,
    #[token("continue")]
    Continue,
    #[token("return")]
    Return,
    #[token("match")]
    Match,
    #[token("case")]
    Case,
    #[token("struct")]
    Struct,
    #[token("enum")]
    Enum,
    #[token("impl")]
    Impl,
    #[token("import")]
    Import,
    #[token("pub")]
    Pub,
    #[token("extern")]
    Extern,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("nil")]
    Nil,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("self")]
    SelfLower,
    #[token("Self")]
    SelfUpper,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |lex| Rc::<str>::from(lex.slice()))]
    Ident(Rc<str>),
    #[regex(r"[0-9][0-9_]*", lex_decimal)]
    #[regex(r"0x[0-9a-fA-F_]+", |lex| lex_radix(lex, 16))]
    #[regex(r"0b[01_]+", |lex| lex_radix(lex, 2))]
    Int(i64),
    /// the f64's bits, so that tokens can be `Eq + Hash`
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9]+)?", lex_float)]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9]+", lex_float)]
    Float(u64),
    #[token("\"", lex_string)]
    Str(Rc<Vec<StrPart>>),
    #[regex(r#"r"[^"]*""#, allow_greedy = true, callback =  |lex| { let s = lex.slice(); Rc::<str>::from(&s[2..s.len() - 1]) })]
    RawStr(Rc<str>),
    #[token("b\"", lex_bytes)]
    Bytes(Rc<Vec<u8>>),

    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token(".")]
    Dot,
    #[token("::")]
    ColonColon,
    #[token("->")]
    Arrow,
    #[token("=>")]
    FatArrow,
    #[token("?")]
    Question,
    #[token("\\")]
    Backslash,
    #[token("=")]
    Assign,
    #[token("+=")]
    PlusAssign,
    #[token("-=")]
    MinusAssign,
    #[token("*=")]
    StarAssign,
    #[token("/=")]
    SlashAssign,
    #[token("%=")]
    PercentAssign,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("**")]
    StarStar,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token("!")]
    Bang,
    #[token("&&")]
    AmpAmp,
    #[token("||")]
    PipePipe,
}

fn lex_decimal(lex: &mut logos::Lexer<Token>) -> Result<i64, LexError> {
    let digits: String = lex.slice().chars().filter(|c| *c != '_').collect();
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
    let digits: String = lex.slice().chars().filter(|c| *c != '_').collect();
    digits
        .parse::<f64>()
        .map(f64::to_bits)
        .map_err(|_| LexError::Message(format!("invalid float literal `{}`", lex.slice())))
}

/// Scans a `"..."` literal after its opening quote: decodes escapes, splits out `{code}`.
fn lex_string(lex: &mut logos::Lexer<Token>) -> Result<Rc<Vec<StrPart>>, LexError> {
    let start = lex.span().end; // offset just after the opening quote
    let rest = lex.remainder();
    let (parts, consumed) = scan_string(rest, start, true)?;
    lex.bump(consumed);
    Ok(Rc::new(parts))
}

fn lex_bytes(lex: &mut logos::Lexer<Token>) -> Result<Rc<Vec<u8>>, LexError> {
    let start = lex.span().end;
    let rest = lex.remainder();
    let (parts, consumed) = scan_string(rest, start, false)?;
    lex.bump(consumed);
    let mut out = Vec::new();
    for part in parts {
        if let StrPart::Text(t) = part {
            // `\xNN` in a byte string is one raw byte; it was kept as char U+00NN.
            for c in t.chars() {
                if (c as u32) < 256 && !c.is_ascii() {
                    out.push(c as u32 as u8);
                } else {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }
    Ok(Rc::new(out))
}

/// Returns the parts and the number of bytes consumed (including the closing quote).
/// `interpolate` is false for byte strings, where `\xNN` is allowed and `{` is plain.
fn scan_string(rest: &str, base: usize, interpolate: bool) -> Result<(Vec<StrPart>, usize), LexError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                if !text.is_empty() || parts.is_empty() {
                    parts.push(StrPart::Text(text));
                }
                return Ok((parts, i + 1));
            }
            '\n' => break,
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    '\\' => text.push('\\'),
                    '"' => text.push('"'),
                    '\'' => text.push('\''),
                    '0' => text.push('\0'),
                    '{' => text.push('{'),
                    '}' => text.push('}'),
                    'u' => text.push(scan_unicode_escape(&mut chars)?),
                    'x' if !interpolate => text.push(scan_hex_escape(&mut chars)?),
                    other => {
                        return Err(LexError::Message(format!("unknown escape sequence `\\{other}` in string")));
                    }
                }
            }
            '{' if interpolate => {
                if !text.is_empty() {
                    parts.push(StrPart::Text(std::mem::take(&mut text)));
                }
                let code_start = i + 1;
                let code_len = scan_code(&rest[code_start..])?;
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
                return Err(LexError::Message("unmatched `}` in string (write `\\}` for a literal brace)".into()));
            }
            _ => text.push(c),
        }
    }
    Err(LexError::Message("unterminated string literal".into()))
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
                let (_, used) = scan_string(&code[i + 1..], 0, true)?;
                i += used;
            }
            b'\n' => break,
            _ => {}
        }
        i += 1;
    }
    Err(LexError::Message("unterminated `{` interpolation in string".into()))
}

fn scan_unicode_escape(chars: &mut std::iter::Peekable<std::str::CharIndices>) -> Result<char, LexError> {
    let bad = || LexError::Message("invalid unicode escape (expected `\\u{XXXX}`)".into());
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

fn scan_hex_escape(chars: &mut std::iter::Peekable<std::str::CharIndices>) -> Result<char, LexError> {
    let mut v = 0u32;
    for _ in 0..2 {
        match chars.next() {
            Some((_, c)) if c.is_ascii_hexdigit() => v = v * 16 + c.to_digit(16).unwrap_or(0),
            _ => return Err(LexError::Message("invalid `\\x` escape (expected two hex digits)".into())),
        }
    }
    Ok(char::from_u32(v).unwrap_or('\0'))
}

/// Lexes a whole file. Errors are collected, never fatal: the bad text is skipped.
pub fn lex(src: &str, file: u32) -> (Vec<(Token, Span)>, Vec<Diagnostic>) {
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    let mut lexer = Token::lexer(src);
    while let Some(result) = lexer.next() {
        let r = lexer.span();
        let span = Span::new(file, r.start, r.end);
        match result {
            Ok(tok) => tokens.push((tok, span)),
            Err(err) => {
                let message = match err {
                    LexError::Message(m) => m,
                    LexError::Unexpected => {
                        let c = src[r.start..].chars().next().unwrap_or(' ');
                        format!("unexpected character `{}`", c.escape_default())
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

    /// Source spelling of keyword and punctuation tokens.
    pub fn text(&self) -> &'static str {
        use Token::*;
        match self {
            Fn => "fn",
            Async => "async",
            Await => "await",
            Let => "let",
            Val => "val",
            Var => "var",
            Mut => "mut",
            If => "if",
            Elif => "elif",
            Else => "else",
            While => "while",
            For => "for",
            In => "in",
            Loop => "loop",
            Break => "break",
            Continue => "continue",
            Return => "return",
            Match => "match",
            Case => "case",
            Struct => "struct",
            Enum => "enum",
            Impl => "impl",
            Import => "import",
            Pub => "pub",
            Extern => "extern",
            True => "true",
            False => "false",
            Nil => "nil",
            And => "and",
            Or => "or",
            Not => "not",
            SelfLower => "self",
            SelfUpper => "Self",
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            LBrace => "{",
            RBrace => "}",
            Comma => ",",
            Colon => ":",
            Semi => ";",
            Dot => ".",
            ColonColon => "::",
            Arrow => "->",
            FatArrow => "=>",
            Question => "?",
            Backslash => "\\",
            Assign => "=",
            PlusAssign => "+=",
            MinusAssign => "-=",
            StarAssign => "*=",
            SlashAssign => "/=",
            PercentAssign => "%=",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            StarStar => "**",
            Amp => "&",
            Pipe => "|",
            Caret => "^",
            Shl => "<<",
            Shr => ">>",
            Bang => "!",
            AmpAmp => "&&",
            PipePipe => "||",
            Newline => "\\n",
            Indent => "<indent>",
            Dedent => "<dedent>",
            Ident(_) | Int(_) | Float(_) | Str(_) | RawStr(_) | Bytes(_) => "<literal>",
        }
    }

    pub fn is_keyword(&self) -> bool {
        let t = self.text();
        t.chars().all(|c| c.is_ascii_alphabetic()) && !matches!(self, Token::Ident(_))
    }
}

/// All keywords, for the REPL's completion.
pub const KEYWORDS: &[&str] = &[
    "fn", "async", "await", "let", "val", "var", "mut", "if", "elif", "else", "while", "for", "in", "loop", "break",
    "continue", "return", "match", "case", "struct", "enum", "impl", "import", "pub", "extern", "true", "false", "nil",
    "and", "or", "not", "self", "Self",
];
