//! Small values every feature uses: the clock, time zones, text rules, form errors and
//! counted words.

pub mod clock;
pub mod date_text;
pub mod form_errors;
pub mod text;
pub mod time_zone;
pub mod wording;
