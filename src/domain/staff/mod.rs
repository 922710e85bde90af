//! Staff: an admin grants an account a role — the door (check-in pages) or the box
//! office (selling seats to named customers) — for one event or for every event, and
//! takes it back. Admins hold every role themselves. One rule for both roles
//! (`grants`); `domain::door::access` and `domain::box_office::access` name it for
//! their own callers.

pub mod grants;
