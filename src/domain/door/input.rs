//! What a scan carries, parsed once: the code as the scanner typed it, the gate's name,
//! and the nonce of the form it came from (so a retried request can be recognised).

use crate::error::AppError;

/// The longest gate name kept (a name, not a story).
pub const GATE_MAX: usize = 40;
/// Longer input than this cannot be a ticket code (they are 24 symbols).
const CODE_MAX: usize = 64;
const NONCE_MAX: usize = 64;

/// A scanned code in the stored form: upper case, hyphens every four symbols. A code
/// typed without hyphens or in lower case is read the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedCode(pub String);

impl ScannedCode {
    /// `Ok(None)` for a code too long to be one (it answers UNKNOWN CODE); an empty
    /// field, or one holding NUL or another control character (which no code has, and
    /// PostgreSQL cannot even compare), is a clear 4xx.
    pub fn parse(input: &str) -> Result<Option<ScannedCode>, AppError> {
        let symbols: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if symbols.is_empty() {
            return Err(AppError::BadRequest(
                "Scan a ticket code, or type it and press Enter.".into(),
            ));
        }
        if symbols.chars().any(char::is_control) {
            return Err(AppError::BadRequest(
                "That code holds invisible control characters, which no ticket code has: scan it again, or type it."
                    .into(),
            ));
        }
        if symbols.chars().count() > CODE_MAX {
            return Ok(None);
        }
        let chars: Vec<char> = symbols.chars().collect();
        let grouped: Vec<String> = chars
            .chunks(4)
            .map(|group| group.iter().collect())
            .collect();
        Ok(Some(ScannedCode(grouped.join("-"))))
    }
}

/// The name of a gate (a door, a scanner): trimmed, 1–40 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate(pub String);

impl Gate {
    /// The gate a device scans at before anyone names one: the first scan on a new
    /// device works without typing.
    pub const DEFAULT: &'static str = "Main entrance";

    pub fn parse(input: &str) -> Result<Gate, AppError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(AppError::BadRequest(
                "Name this gate (for example “North door”) before scanning.".into(),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::BadRequest(
                "A gate name cannot hold invisible control characters (NUL, tabs and the like): type it again."
                    .into(),
            ));
        }
        if name.chars().count() > GATE_MAX {
            return Err(AppError::BadRequest(format!(
                "A gate name is at most {GATE_MAX} characters, letters, digits and spaces."
            )));
        }
        Ok(Gate(name.to_owned()))
    }
}

/// The nonce of the check-in form a scan came from. Missing means the request cannot be
/// recognised as a retry; anything but 1–64 letters, digits, `-` or `_` is a 400.
pub fn parse_nonce(input: &str) -> Result<Option<String>, AppError> {
    let nonce = input.trim();
    if nonce.is_empty() {
        return Ok(None);
    }
    if nonce.len() > NONCE_MAX
        || !nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::BadRequest(
            "The scan form is damaged (its nonce). Reload the check-in page.".into(),
        ));
    }
    Ok(Some(nonce.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_however_they_were_typed() {
        let stored = "7K3M-AB12-CD34-EF56-GH78";
        for typed in [
            stored,
            "7k3m-ab12-cd34-ef56-gh78",
            "7K3MAB12CD34EF56GH78",
            " 7K3M AB12 CD34-EF56GH78\n",
        ] {
            assert_eq!(
                ScannedCode::parse(typed).unwrap(),
                Some(ScannedCode(stored.into()))
            );
        }
        assert!(ScannedCode::parse("  - ").is_err());
        assert_eq!(ScannedCode::parse(&"A".repeat(65)).unwrap(), None);
        for control in [
            "7K3M\0AB12",
            "\0",
            "7K3M\u{7f}",
            "\u{1b}[A",
            &format!("{}\0", "A".repeat(80)),
        ] {
            assert!(
                matches!(ScannedCode::parse(control), Err(AppError::BadRequest(_))),
                "{control:?}"
            );
        }
    }

    #[test]
    fn gates_and_nonces_are_checked() {
        assert_eq!(
            Gate::parse("  North door ").unwrap(),
            Gate("North door".into())
        );
        assert!(Gate::parse("").is_err());
        assert!(Gate::parse(&"x".repeat(41)).is_err());
        assert!(Gate::parse("a\u{7}b").is_err());
        assert!(Gate::parse("North\0").is_err());
        assert_eq!(parse_nonce("").unwrap(), None);
        assert_eq!(parse_nonce("ab-12_Z").unwrap().as_deref(), Some("ab-12_Z"));
        assert!(parse_nonce("a b").is_err());
        assert!(parse_nonce(&"a".repeat(65)).is_err());
    }
}
