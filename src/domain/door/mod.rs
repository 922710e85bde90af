//! The door: who may check tickets in (`access`), what a scan's fields may hold
//! (`input`), the answers (`answer`), admitting a seat exactly once (`check_in`),
//! an admin's undo (`undo`) and the counts of admitted against expected (`counts`).

pub mod access;
pub mod answer;
pub mod check_in;
pub mod counts;
pub mod input;
pub mod undo;
