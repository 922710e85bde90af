//! Counted words for the copy a person reads (pages and mails): "1 seat", "3 seats".
//! One place, so a translation later has one place to change.

/// "1 seat" / "3 seats": the number with the word that fits it.
pub fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "1 seat" / "3 seats".
pub fn seats(n: i64) -> String {
    count(n, "seat", "seats")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(seats(1), "1 seat");
        assert_eq!(seats(3), "3 seats");
        assert_eq!(seats(0), "0 seats");
        assert_eq!(count(1, "hold", "holds"), "1 hold");
        assert_eq!(count(2, "hold", "holds"), "2 holds");
    }
}
