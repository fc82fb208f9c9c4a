//! Column arithmetic on display width: what a line occupies on a fixed grid of character
//! cells, where Hangul and other East Asian wide characters take two cells and Latin one.
//!
//! Every layout function works in cells, never in `char`s or bytes, so a Korean item name
//! lines up with the amounts beside it on a 32-column slip exactly as an English one does.

use unicode_width::UnicodeWidthChar;

/// Cells `c` occupies: 2 for wide characters (Hangul, CJK), 0 for controls and combining
/// marks, 1 otherwise.
pub fn char_width(c: char) -> usize {
    if c.is_control() {
        return 0;
    }
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Cells a string occupies.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Replaces control characters (tabs, newlines from a terminal's notice) with spaces, so a
/// line never breaks the grid.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The longest prefix of `s` that fits in `max` cells (a wide character that would straddle
/// the edge is left out).
pub fn truncate(s: &str, max: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = char_width(c);
        if used + w > max {
            return &s[..i];
        }
        used += w;
    }
    s
}

/// `s` followed by spaces up to `cells` (cut to `cells` if longer).
pub fn pad_right(s: &str, cells: usize) -> String {
    let s = truncate(s, cells);
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', cells - width(s)));
    out
}

/// `s` preceded by spaces up to `cells` (cut to `cells` if longer).
pub fn pad_left(s: &str, cells: usize) -> String {
    let s = truncate(s, cells);
    let mut out: String = std::iter::repeat_n(' ', cells - width(s)).collect();
    out.push_str(s);
    out
}

/// `s` centred in `cells`, without trailing spaces; the odd cell goes to the right.
pub fn center(s: &str, cells: usize) -> String {
    let s = truncate(s, cells);
    let left = (cells - width(s)) / 2;
    let mut out: String = std::iter::repeat_n(' ', left).collect();
    out.push_str(s);
    out
}

/// Splits `text` into lines of at most `cells` cells, breaking at spaces where it can and
/// inside a word (Korean has no hyphenation) where a word alone is too long. Control
/// characters become spaces; an empty text gives no lines.
pub fn wrap(text: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(2);
    let text = clean(text);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let sep = usize::from(!line.is_empty());
        if width(&line) + sep + width(word) <= cells {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word;
        while width(rest) > cells {
            let head = truncate(rest, cells);
            lines.push(head.to_string());
            rest = &rest[head.len()..];
        }
        line.push_str(rest);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A label on the left and a value on the right of a `cells`-wide line, with at least one
/// space between. When both do not fit, the label takes its own line(s) and the value is
/// right-aligned on the next (wrapped too if it is longer than a line).
pub fn label_value(label: &str, value: &str, cells: usize) -> Vec<String> {
    let (label, value) = (clean(label), clean(value));
    let (lw, vw) = (width(&label), width(&value));
    if lw + 1 + vw <= cells {
        let mut line = label.clone();
        line.extend(std::iter::repeat_n(' ', cells - lw - vw));
        line.push_str(&value);
        return vec![line];
    }
    let mut out = wrap(&label, cells);
    for part in wrap(&value, cells) {
        out.push(pad_left(&part, cells));
    }
    out
}

/// A line of `c` repeated across `cells`.
pub fn rule(c: char, cells: usize) -> String {
    std::iter::repeat_n(c, cells).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_counts_two_cells_latin_one() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("아메리카노"), 10);
        assert_eq!(width("Latte 라떼"), 10);
        assert_eq!(width("a\tb"), 2, "controls take no cell");
    }

    #[test]
    fn truncation_never_splits_a_wide_character() {
        assert_eq!(truncate("가나다", 5), "가나");
        assert_eq!(truncate("ab가", 3), "ab");
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(pad_right("가나다", 5), "가나 ");
        assert_eq!(pad_left("12", 5), "   12");
        assert_eq!(center("가", 6), "  가");
    }

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let text = "카드 결제가 정상적으로 승인되었습니다 Thank you for your visit";
        for cells in [8, 13, 32] {
            let lines = wrap(text, cells);
            assert!(
                lines.iter().all(|l| width(l) <= cells),
                "{cells}: {lines:?}"
            );
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let original: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(joined, original, "no character is lost");
        }
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert!(wrap("   ", 10).is_empty());
    }

    #[test]
    fn label_and_value_share_a_line_when_they_fit() {
        assert_eq!(label_value("Total", "9,000", 12), vec!["Total  9,000"]);
        assert_eq!(label_value("합계", "9,000", 12), vec!["합계   9,000"]);
        let long = label_value("Receipt no.", "O20261121101530ST0100000007", 32);
        assert_eq!(
            long,
            vec!["Receipt no.", "     O20261121101530ST0100000007"]
        );
        assert!(long.iter().all(|l| width(l) <= 32));
    }
}
