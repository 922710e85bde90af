//! An endpoint as an admin gives it (URL, description, event types), checked once into
//! the fields stored, and the signing secret each endpoint gets.

use rand::RngCore;

use super::{address_policy, event_types};
use crate::db::webhook_endpoints::EndpointFields;
use crate::error::AppError;

/// The longest description kept.
pub const MAX_DESCRIPTION: usize = 200;

/// Checks an admin's input; `allow_private` is `WEBHOOK_ALLOW_PRIVATE_URLS`.
pub fn parse(
    url: &str,
    description: &str,
    types: &[String],
    allow_private: bool,
) -> Result<EndpointFields, AppError> {
    let url = address_policy::check_url(url, allow_private).map_err(|message| {
        AppError::Unprocessable {
            field: "url",
            message: format!("The URL {message}."),
        }
    })?;
    let description = description.trim();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(AppError::Unprocessable {
            field: "description",
            message: format!("The description must be at most {MAX_DESCRIPTION} characters."),
        });
    }
    Ok(EndpointFields {
        url: url.to_string(),
        description: description.to_owned(),
        event_types: parse_types(types)?,
    })
}

/// The stored spelling of a list of types: `*` for every type (also when none is
/// named), otherwise the known types named, comma-separated, in the docs' order.
pub fn parse_types(types: &[String]) -> Result<String, AppError> {
    let named: Vec<&str> = types
        .iter()
        .flat_map(|t| t.split([',', ' ', '\n']))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if named.is_empty() || named.contains(&"*") {
        return Ok("*".into());
    }
    if let Some(unknown) = named.iter().find(|t| !event_types::ALL.contains(t)) {
        return Err(AppError::Unprocessable {
            field: "event_types",
            message: format!(
                "{unknown:?} is not an event type; the types are {}, or * for all.",
                event_types::ALL.join(", ")
            ),
        });
    }
    Ok(event_types::ALL
        .iter()
        .filter(|t| named.contains(t))
        .copied()
        .collect::<Vec<_>>()
        .join(","))
}

/// A new signing secret: `whsec_` and 32 random bytes in hex.
pub fn new_secret() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn types_are_checked_ordered_and_star_means_all() {
        let types = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_types(&[]).unwrap(), "*");
        assert_eq!(
            parse_types(&types(&["checkin.created", "booking.paid"])).unwrap(),
            "booking.paid,checkin.created"
        );
        assert_eq!(parse_types(&types(&["booking.paid", "*"])).unwrap(), "*");
        assert!(parse_types(&types(&["booking.exploded"])).is_err());
    }
}
