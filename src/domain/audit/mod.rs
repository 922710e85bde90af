//! The audit behind `boxoffice check`: do the seats and the money add up?

pub mod books;
pub mod resale;
