//! The shared state lives in the use-case layer (`app::state`); this name remains for
//! the handlers not yet moved.

pub use crate::app::AppState;
