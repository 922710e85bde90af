//! An admin reverts a check-in (a mis-scan, someone who left and has to come back in),
//! with a reason kept in the audit trail beside the gate it was checked in at.

use chrono::NaiveDateTime;

use crate::db::models::NewCheckinLog;
use crate::db::{Conn, Guarded, checkin_log, checkins, write_transaction};
use crate::error::AppError;

/// The longest reason kept.
const REASON_MAX: usize = 200;

/// A reason for an undo: required, trimmed, at most 200 characters.
pub fn parse_reason(input: &str) -> Result<String, AppError> {
    let reason = input.trim();
    if reason.is_empty() {
        return Err(AppError::BadRequest(
            "Say why the check-in is undone (it is kept in the audit trail).".into(),
        ));
    }
    if reason.chars().count() > REASON_MAX || reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::BadRequest(format!(
            "A reason is at most {REASON_MAX} characters of plain text."
        )));
    }
    Ok(reason.to_owned())
}

/// Reverts the check-in of admission `admission_id` by `admin_id`; returns its event's
/// id. A seat not checked in (or checked in again since the admin's page was drawn)
/// is a conflict with a clear message, and nothing changes.
pub fn undo(
    conn: &mut Conn,
    admission_id: i32,
    admin_id: i32,
    reason: &str,
    now: NaiveDateTime,
) -> Result<i32, AppError> {
    write_transaction(conn, |conn| {
        let (admission, booking, ..) =
            checkins::seat_by_id(conn, admission_id)?.ok_or(AppError::NotFound)?;
        let Some(at) = admission.checked_in_at else {
            return Err(AppError::Conflict(
                "That seat is not checked in: there is nothing to undo.".into(),
            ));
        };
        match checkins::undo(conn, admission_id, at)? {
            Guarded::Applied => {
                checkin_log::insert(
                    conn,
                    &NewCheckinLog {
                        admission_id,
                        event_id: booking.event_id,
                        user_id: admin_id,
                        action: "undo",
                        gate: admission.gate.as_deref(),
                        reason: Some(reason),
                        at: now,
                    },
                )?;
                Ok(booking.event_id)
            }
            Guarded::Lost => Err(AppError::Conflict(
                "That check-in changed while you were looking; nothing was undone.".into(),
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::parse_reason;

    #[test]
    fn a_reason_is_required_and_short() {
        assert_eq!(parse_reason("  mis-scan ").unwrap(), "mis-scan");
        assert!(parse_reason(" ").is_err());
        assert!(parse_reason(&"x".repeat(201)).is_err());
    }
}
