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

/// "2", "2 and 3", "1, 2 and 4".
pub fn list_and<T: std::fmt::Display>(items: &[T]) -> String {
    list(items, "and")
}

/// "2", "2 or 4", "2, 4 or 6".
pub fn list_or<T: std::fmt::Display>(items: &[T]) -> String {
    list(items, "or")
}

fn list<T: std::fmt::Display>(items: &[T], last_word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!(
            "{} {last_word} {last}",
            rest.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(list_and(&[2]), "2");
        assert_eq!(list_and(&[2, 3]), "2 and 3");
        assert_eq!(list_and(&[1, 2, 4]), "1, 2 and 4");
        assert_eq!(list_or(&[2, 4, 6]), "2, 4 or 6");
        assert_eq!(list_or::<i32>(&[]), "");
    }

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(seats(1), "1 seat");
        assert_eq!(seats(3), "3 seats");
        assert_eq!(seats(0), "0 seats");
        assert_eq!(count(1, "hold", "holds"), "1 hold");
        assert_eq!(count(2, "hold", "holds"), "2 holds");
    }
}
