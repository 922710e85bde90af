//! Where to send a user after logging in: a strict grammar of same-site paths, so no
//! `next` value can lead to another site or break the `Location` header.
//!
//! Accepted: at most 1024 printable ASCII characters, starting with one `/` (never `//`),
//! with no backslash, no `.`/`..` segment, and — after percent-decoding, repeated until
//! nothing changes — still no control character, whitespace, backslash, leading `//`
//! or dot segment. Browsers strip tabs and newlines and treat `\` like `/`, which is
//! how `/%09/evil.example` became `//evil.example`; none of that can pass here.

use percent_encoding::percent_decode_str;

const MAX_LEN: usize = 1024;

/// `next` when it is a safe local path, `/` otherwise.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_safe(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

fn is_safe(path: &str) -> bool {
    if path.len() > MAX_LEN || !path.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    let mut text = path.to_owned();
    // Each round undoes one layer of percent-encoding; a few rounds cover any nesting a
    // browser or proxy would apply, and more layers than that are refused.
    for _ in 0..4 {
        if !shape_is_safe(&text) {
            return false;
        }
        let decoded = match percent_decode_str(&text).decode_utf8() {
            Ok(decoded) => decoded.into_owned(),
            Err(_) => return false,
        };
        if decoded == text {
            return true;
        }
        text = decoded;
    }
    false
}

/// One layer's check: a single leading slash, nothing a browser would strip or turn
/// into a slash, and no dot segments in the path part.
fn shape_is_safe(text: &str) -> bool {
    let path = text.split(['?', '#']).next().unwrap_or_default();
    text.starts_with('/')
        && !text.starts_with("//")
        && !text
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn local_paths_pass() {
        for good in [
            "/",
            "/events/3",
            "/bookings?page=2",
            "/login?next=%2Fbookings",
            "/events/caf%C3%A9",
            "/a:b@c",
        ] {
            assert_eq!(safe_next(Some(good)), good, "{good:?}");
        }
    }

    #[test]
    fn anything_else_falls_back_to_the_front_page() {
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/%09/evil.example",
            "/%0d/evil.example",
            "/%0a/evil.example",
            "/%00/evil.example",
            "/%5c/evil.example",
            "/%2f/evil.example",
            "/%252f/evil.example",
            "/%25252525252f/evil.example",
            "/\t/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/a\u{7f}",
            "/a b",
            "/./evil",
            "/../evil",
            "/%2e%2e/evil",
            "/%ff",
            "/é",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(2000)))), "/");
    }
}
