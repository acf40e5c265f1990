//! A small line diff for test reports: `simple test` and the golden harness show what
//! differs between expected and actual output with it.

use std::fmt::Write as _;

/// Differing lines shown per diff.
const DIFF_LINES: usize = 40;

/// A unified-style line diff (LCS based), with two lines of context around changes and
/// at most `DIFF_LINES` changed lines shown.
pub fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut ops: Vec<(char, &str)> = Vec::new();
    if a.len().saturating_mul(b.len()) <= 4_000_000 {
        // lcs[i][j] = length of the LCS of a[i..] and b[j..]
        let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                ops.push((' ', a[i]));
                i += 1;
                j += 1;
            } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
                // on a tie the expected line goes first, as in `diff -u`
                ops.push(('-', a[i]));
                i += 1;
            } else {
                ops.push(('+', b[j]));
                j += 1;
            }
        }
    } else {
        for k in 0..a.len().max(b.len()) {
            match (a.get(k), b.get(k)) {
                (Some(x), Some(y)) if x == y => ops.push((' ', x)),
                (x, y) => {
                    if let Some(x) = x {
                        ops.push(('-', x));
                    }
                    if let Some(y) = y {
                        ops.push(('+', y));
                    }
                }
            }
        }
    }
    let near_change = |k: usize| {
        let lo = k.saturating_sub(2);
        let hi = (k + 2).min(ops.len().saturating_sub(1));
        (lo..=hi).any(|m| ops[m].0 != ' ')
    };
    let mut out = String::new();
    let mut shown_changes = 0;
    let mut skipped = false;
    for (k, &(tag, line)) in ops.iter().enumerate() {
        if tag == ' ' && !near_change(k) {
            skipped = true;
            continue;
        }
        if skipped {
            out.push_str("  ...\n");
            skipped = false;
        }
        if tag != ' ' {
            shown_changes += 1;
            if shown_changes > DIFF_LINES {
                let rest = ops[k..].iter().filter(|o| o.0 != ' ').count();
                let _ = writeln!(out, "  ... ({rest} more differing lines)");
                return out;
            }
        }
        let _ = writeln!(out, "{tag} {line}");
    }
    if !expected.ends_with('\n') && !expected.is_empty() || !actual.ends_with('\n') && !actual.is_empty() {
        let _ = writeln!(
            out,
            "  (final newline: expected {}, actual {})",
            if expected.ends_with('\n') || expected.is_empty() { "present" } else { "missing" },
            if actual.ends_with('\n') || actual.is_empty() { "present" } else { "missing" }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::diff;

    #[test]
    fn expected_lines_come_before_actual_ones() {
        assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), "  a\n- b\n+ x\n  c\n");
        assert_eq!(diff("a\n", "a\nb\n"), "  a\n+ b\n");
        assert_eq!(diff("", ""), "");
    }
}
