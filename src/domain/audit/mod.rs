//! The audit behind `boxoffice check`: do the seats and the money add up?

pub mod books;
pub mod box_office;
pub mod resale;
