//! Reading one variable: the error that names it, and the parse with a default.

/// A configuration problem, naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

pub(super) fn bad(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

pub(super) fn parse_or<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Option<T>,
) -> Result<T, ConfigError> {
    match get(name) {
        Some(raw) => raw.trim().parse().map_err(|_| {
            bad(
                name,
                format!("cannot read {raw:?} as a value of this setting"),
            )
        }),
        None => default.ok_or_else(|| bad(name, "is required")),
    }
}
