//! What typed text may contain: no NUL or other control characters (PostgreSQL refuses
//! NUL in text, and no field of the shop has a use for the others).

/// The message for a field that holds a control character.
pub const CONTROL_CHARACTER: &str =
    "Remove the invisible control characters from this field (tabs, NUL and the like).";

/// Whether one line of text (a name, a title, an email) is free of control characters.
pub fn is_clean_line(value: &str) -> bool {
    !value.chars().any(char::is_control)
}

/// Whether multi-line text (a description) is free of control characters other than
/// line breaks and tabs.
pub fn is_clean_block(value: &str) -> bool {
    !value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused() {
        assert!(is_clean_line("Winter Gala — Café"));
        for bad in ["a\0b", "a\tb", "a\nb", "a\u{7f}b", "a\u{1b}[31m", "\u{85}"] {
            assert!(!is_clean_line(bad), "{bad:?}");
        }
        assert!(is_clean_block("line one\r\nline two\twith a tab"));
        assert!(!is_clean_block("nul\0inside"));
        assert!(!is_clean_block("bell\u{7}"));
    }
}
