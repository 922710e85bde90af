//! The door: who may check tickets in (`access`), what a scan's fields may hold
//! (`input`), the answers (`answer`), admitting a seat exactly once (`check_in`),
//! an admin's undo (`undo`), the counts of admitted against expected (`counts`), and
//! how check-ins and refunds of one booking exclude each other (`refunds`).

pub mod access;
pub mod answer;
pub mod check_in;
pub mod counts;
pub mod input;
pub mod refunds;
pub mod undo;
