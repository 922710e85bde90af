//! The box office: staff (granted per event or for every event, like door staff) and
//! admins sell seats to a named customer, through the same reservation as a web booking,
//! paid by a mailed pay link or recorded at the counter.

pub mod access;
pub mod counter;
pub mod order;
pub mod pay_link;
