//! Limits shared by every instance: how many times a subject (an address, an account, a
//! token, a user, everyone) may do something per window, counted in the database the
//! instances already share, so N instances never multiply a budget and a restart resets
//! nothing.
//!
//! - `client_address`: which address a request counts against (trusted proxies, IPv6
//!   networks);
//! - `limit`: a limit's name, allowance and window, and where a subject stands (`Quota`);
//! - `subject`: the bounded, normalised key a count is kept under;
//! - `shared`: counting against the `limit_counters` table, usable inside a transaction
//!   (a hold's count rolls back with the hold).
//!
//! May import: `db`. Nothing of `app` or `web`.

pub mod client_address;
pub mod limit;
pub mod shared;
pub mod subject;

pub use limit::{Limit, Quota};
pub use subject::Subject;
