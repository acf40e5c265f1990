//! Format specifications in string interpolation, as in Python's format mini-language:
//! `"{x:.2f}"`, `"{x:>8}"`, `"{n:08d}"`, `"{n:,}"`, `"{n:x}"`, `"{x:e}"`. The parser
//! checks a literal's specs (a bad one is a syntax error); the interpreter applies them
//! (`interp::format`).

/// `[[fill]align][sign][#][0][width][,|_][.precision][type]`
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FormatSpec {
    pub fill: char,
    /// `<`, `>`, `^`, `=`, or none
    pub align: Option<char>,
    /// `+`, `-`, ` `, or none
    pub sign: Option<char>,
    /// `#`: `0x`/`0b`/`0o` prefixes
    pub alternate: bool,
    pub zero: bool,
    pub width: usize,
    /// `,` or `_`
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    /// `d s f F e E g G % x X b o c n` or none
    pub ty: Option<char>,
}

/// Parses a spec (the text after the `:`); `Err` says what is wrong with it.
pub fn parse(spec: &str) -> Result<FormatSpec, String> {
    let chars: Vec<char> = spec.chars().collect();
    let mut f = FormatSpec { fill: ' ', ..Default::default() };
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    if chars.len() >= 2 && is_align(chars[1]) {
        f.fill = chars[0];
        f.align = Some(chars[1]);
        i = 2;
    } else if chars.first().is_some_and(|&c| is_align(c)) {
        f.align = Some(chars[0]);
        i = 1;
    }
    if let Some(&c) = chars.get(i).filter(|c| matches!(c, '+' | '-' | ' ')) {
        f.sign = Some(c);
        i += 1;
    }
    if chars.get(i) == Some(&'#') {
        f.alternate = true;
        i += 1;
    }
    if chars.get(i) == Some(&'0') {
        f.zero = true;
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while chars.get(*i).is_some_and(|c| c.is_ascii_digit()) {
            *i += 1;
        }
        chars[start..*i].iter().collect::<String>()
    };
    let width = digits(&mut i);
    if !width.is_empty() {
        f.width = width.parse().map_err(|_| format!("format width `{width}` is too large"))?;
    }
    if let Some(&c) = chars.get(i).filter(|c| matches!(c, ',' | '_')) {
        f.grouping = Some(c);
        i += 1;
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        let p = digits(&mut i);
        if p.is_empty() {
            return Err(format!("format spec `{spec}`: expected digits after `.`"));
        }
        f.precision = Some(p.parse().map_err(|_| format!("format precision `{p}` is too large"))?);
    }
    if let Some(&c) = chars.get(i) {
        if !"dsfFeEgGxXbocn%".contains(c) {
            return Err(format!("unknown format type `{c}` in format spec `{spec}`"));
        }
        f.ty = Some(c);
        i += 1;
    }
    if i != chars.len() {
        return Err(format!("invalid format spec `{spec}`"));
    }
    if f.width > 10_000 || f.precision.is_some_and(|p| p > 10_000) {
        return Err(format!("format spec `{spec}`: width and precision are limited to 10000"));
    }
    Ok(f)
}
