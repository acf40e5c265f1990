//! Syntax highlighting of the line being edited, driven by the interpreter's own lexer
//! (`syntax::token::lex`): keywords, constants, numbers, strings, comments, lexical
//! errors, and the bracket matching the one at the cursor. Only ANSI colour codes are
//! inserted, so the text keeps its display width (rustyline requires that).

use crate::syntax::ast::Span;
use crate::syntax::token::{Token, lex};

const KEYWORD: &str = "\x1b[35m";
const CONSTANT: &str = "\x1b[36m";
const NUMBER: &str = "\x1b[33m";
const STRING: &str = "\x1b[32m";
const COMMENT: &str = "\x1b[90m";
const ERROR: &str = "\x1b[31m";
const BRACKET: &str = "\x1b[1;7m";
const RESET: &str = "\x1b[0m";

/// The prompts, coloured.
pub const PRIMARY_PROMPT: &str = "\x1b[1;32m>>> \x1b[0m";
pub const CONTINUATION_PROMPT: &str = "\x1b[1;32m... \x1b[0m";

fn style_of(t: &Token) -> Option<&'static str> {
    match t {
        Token::True | Token::False | Token::Nil => Some(CONSTANT),
        Token::Int(_) | Token::Float(_) => Some(NUMBER),
        Token::Str(_) | Token::RawStr(_) | Token::Bytes(_) => Some(STRING),
        t if t.is_keyword() => Some(KEYWORD),
        _ => None,
    }
}

/// Styled byte ranges of `src`, sorted and not overlapping.
fn styled_ranges(src: &str) -> Vec<(usize, usize, &'static str)> {
    let (tokens, errors) = lex(src, 0);
    let mut spans: Vec<(usize, usize, &'static str)> = Vec::new();
    for (t, s) in &tokens {
        if let Some(style) = style_of(t) {
            spans.push((s.start as usize, s.end as usize, style));
        }
    }
    for e in &errors {
        let Some(Span { start, end, .. }) = e.span else { continue };
        let (start, end) = (start as usize, end as usize);
        // an unterminated string: colour it to the end of its line, as a string
        let quote = src[start..].starts_with('"') || src[start..].starts_with("b\"") || src[start..].starts_with("r\"");
        if quote {
            let line_end = src[start..].find('\n').map(|i| start + i).unwrap_or(src.len());
            spans.retain(|&(a, _, _)| a < start || a >= line_end);
            spans.push((start, line_end, STRING));
        } else {
            spans.push((start, end.max(start + 1).min(src.len()), ERROR));
        }
    }
    // comments: a `#` between tokens runs to the end of its line
    let mut covered: Vec<(usize, usize)> = tokens.iter().map(|(_, s)| (s.start as usize, s.end as usize)).collect();
    covered.extend(spans.iter().map(|&(a, b, _)| (a, b)));
    covered.sort_unstable();
    let mut pos = 0;
    let mut comments = Vec::new();
    for &(a, b) in covered.iter().chain(std::iter::once(&(src.len(), src.len()))) {
        if a > pos {
            let gap = &src[pos..a];
            if let Some(h) = gap.find('#') {
                comments.push((pos + h, a, COMMENT));
            }
        }
        pos = pos.max(b);
    }
    spans.extend(comments);
    spans.sort_unstable_by_key(|&(a, b, _)| (a, b));
    let mut out: Vec<(usize, usize, &'static str)> = Vec::with_capacity(spans.len());
    for s in spans {
        if out.last().is_some_and(|l| s.0 < l.1) || s.0 >= s.1 {
            continue;
        }
        out.push(s);
    }
    out
}

/// Where the bracket matching the one at (or just before) `pos` is: (this, partner).
pub fn matching_bracket(src: &str, pos: usize) -> Option<(usize, usize)> {
    let (tokens, _) = lex(src, 0);
    let brackets: Vec<(usize, i32)> = tokens
        .iter()
        .filter_map(|(t, s)| match t {
            Token::LParen | Token::LBracket | Token::LBrace => Some((s.start as usize, 1)),
            Token::RParen | Token::RBracket | Token::RBrace => Some((s.start as usize, -1)),
            _ => None,
        })
        .collect();
    let idx = brackets
        .iter()
        .position(|&(p, _)| p == pos)
        .or_else(|| brackets.iter().position(|&(p, _)| pos > 0 && p == pos - 1))?;
    let (at, dir) = brackets[idx];
    let mut depth = 0;
    let partner = if dir > 0 {
        brackets[idx..].iter().find(|&&(_, d)| {
            depth += d;
            depth == 0
        })
    } else {
        brackets[..=idx].iter().rev().find(|&&(_, d)| {
            depth += d;
            depth == 0
        })
    };
    partner.map(|&(p, _)| (at, p))
}

/// The highlighted text; `bracket` is a position to show in reverse video.
pub fn highlight(src: &str, bracket: Option<usize>) -> String {
    let mut ranges = styled_ranges(src);
    if let Some(b) = bracket.filter(|&b| b < src.len()) {
        ranges.retain(|&(a, e, _)| !(a <= b && b < e));
        ranges.push((b, b + 1, BRACKET));
        ranges.sort_unstable_by_key(|&(a, _, _)| a);
    }
    let mut out = String::with_capacity(src.len() + ranges.len() * 10);
    let mut pos = 0;
    for (a, b, style) in ranges {
        if !src.is_char_boundary(a) || !src.is_char_boundary(b) {
            continue;
        }
        out.push_str(&src[pos..a]);
        out.push_str(style);
        out.push_str(&src[a..b]);
        out.push_str(RESET);
        pos = b;
    }
    out.push_str(&src[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn keeps_the_text() {
        for src in
            ["fn f(x): return x + 1 # done", "print(\"a {b} c\")", "let s = \"open", "x = [1, (2, 3)]", "é = 1 $ 2"]
        {
            assert_eq!(strip(&highlight(src, Some(4))), src);
        }
    }

    #[test]
    fn styles() {
        let h = highlight("if x: 1 # c", None);
        assert!(h.starts_with(&format!("{KEYWORD}if{RESET}")));
        assert!(h.contains(&format!("{NUMBER}1{RESET}")));
        assert!(h.ends_with(&format!("{COMMENT}# c{RESET}")));
        assert!(highlight("\"a # b\"", None).starts_with(STRING));
    }

    #[test]
    fn brackets() {
        assert_eq!(matching_bracket("f(a[1])", 1), Some((1, 6)));
        assert_eq!(matching_bracket("f(a[1])", 7), Some((6, 1)));
        assert_eq!(matching_bracket("f(\")\")", 1), Some((1, 5)));
        assert_eq!(matching_bracket("abc", 1), None);
    }
}
