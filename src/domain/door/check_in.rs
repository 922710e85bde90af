//! Checking scanned codes in, exactly once, a batch of scans at one event's door in one
//! transaction (the door line of `app::door` gathers them).
//!
//! The check-in locks its booking's ticket row first (`domain::bookings::locking`), then reads
//! the seat's admission, the booking and its refunds again under that lock and decides
//! on them: a booking whose refund is under way answers NOT VALID (`refunds`), and a
//! buyer's refund request, which takes the same lock and refuses a booking with a seat
//! checked in, cannot slip between the read and the admit. Of a check-in and a refund
//! request at the same instant exactly one wins, on both engines.
//!
//! Admitting is then one guarded update of the seat's admission row (`WHERE status =
//! 'valid' AND checked_in_at IS NULL`) and its count decides: two gates scanning one
//! code at the same instant queue on the lock, and the second reads the seat checked in
//! and answers ALREADY CHECKED IN. An admin's undo changes the row without the lock
//! (only `checked_in_at`, which the update's condition respects).
//!
//! A retried request from the same gate carries the nonce of the form it came from;
//! when it matches the one stored by the scan that admitted the seat, the answer is the
//! same ADMIT again.

use chrono::NaiveDateTime;
use diesel::Connection;

use super::answer::{NotValidReason, ScanAnswer, SeatFacts};
use super::input::{Gate, ScannedCode};
use super::refunds;
use crate::db::models::{Admission, Booking, NewCheckinLog};
use crate::db::status::{AdmissionStatus, BookingStatus};
use crate::db::{
    Conn, Guarded, admissions, bookings, checkin_log, checkins, events, retired_codes,
    write_transaction,
};
use crate::error::AppError;

/// One scan at a gate: `code` is `None` when the input cannot be a code at all.
#[derive(Debug, Clone)]
pub struct Scan {
    pub code: Option<ScannedCode>,
    pub gate: Gate,
    pub nonce: Option<String>,
}

/// Answers one scan at `event_id`'s door by `staff_id`: a batch of one.
pub fn check_in(
    conn: &mut Conn,
    event_id: i32,
    staff_id: i32,
    scan: &Scan,
    now: NaiveDateTime,
) -> Result<ScanAnswer, AppError> {
    let one = GateScan {
        staff_id,
        scan: scan.clone(),
        now,
    };
    check_in_batch(conn, event_id, std::slice::from_ref(&one))?
        .pop()
        .unwrap_or_else(|| Err(AppError::Internal("a scan was not answered".into())))
}

/// One scan of a batch at an event's door: who scanned what, and when.
#[derive(Debug, Clone)]
pub struct GateScan {
    pub staff_id: i32,
    pub scan: Scan,
    pub now: NaiveDateTime,
}

/// Answers a batch of scans at `event_id`'s door in one transaction, so one commit
/// serves them all (the commit is what bounds a door rush), in the order of `scans`.
///
/// Each scan is decided in a savepoint of its own: one that fails changes nothing and
/// answers its own error, and the others stand. The scans are decided in the order of
/// their bookings, the order in which their locks are taken, so the batches of two
/// instances never wait for each other in a cycle on PostgreSQL; two scans of one
/// booking in their order of arrival (the second of one code answers ALREADY CHECKED IN).
/// An `Err` of the whole (the transaction could not begin or commit) is every scan's.
pub fn check_in_batch(
    conn: &mut Conn,
    event_id: i32,
    scans: &[GateScan],
) -> Result<Vec<Result<ScanAnswer, AppError>>, AppError> {
    let mut answers: Vec<Option<Result<ScanAnswer, AppError>>> =
        scans.iter().map(|_| None).collect();
    write_transaction(conn, |conn| {
        let mut seats = Vec::with_capacity(scans.len());
        for (n, gate_scan) in scans.iter().enumerate() {
            match &gate_scan.scan.code {
                None => answers[n] = Some(Ok(ScanAnswer::UnknownCode)),
                Some(ScannedCode(code)) => {
                    let found = checkins::seat_by_code(conn, code)?;
                    let booking_id = found.as_ref().map_or(i32::MAX, |seat| seat.1.id);
                    seats.push((booking_id, n, code, found));
                }
            }
        }
        seats.sort_by_key(|(booking_id, n, ..)| (*booking_id, *n));
        for (_, n, code, found) in seats {
            let GateScan {
                staff_id,
                scan,
                now,
            } = &scans[n];
            answers[n] =
                Some(conn.transaction(|conn| {
                    decide(conn, event_id, *staff_id, scan, code, found, *now)
                }));
        }
        Ok::<_, AppError>(())
    })?;
    Ok(answers
        .into_iter()
        .map(|answer| {
            answer.unwrap_or_else(|| Err(AppError::Internal("a scan was not answered".into())))
        })
        .collect())
}

/// Decides one scan inside the caller's transaction, on the seat read for its code.
fn decide(
    conn: &mut Conn,
    event_id: i32,
    staff_id: i32,
    scan: &Scan,
    code: &str,
    found: Option<checkins::SeatRow>,
    now: NaiveDateTime,
) -> Result<ScanAnswer, AppError> {
    let Some((admission, booking, type_name, event, email)) = found else {
        return unissued(conn, event_id, code);
    };
    if event.id != event_id {
        return Ok(ScanAnswer::WrongEvent {
            event_id: event.id,
            title: event.title,
            starts_at: event.starts_at,
            time_zone: event.time_zone,
        });
    }
    // Decide on the booking as it is under its lock, never on the read above.
    let booking = bookings::lock(conn, booking.id)?.ok_or(AppError::NotFound)?;
    let admission = admissions::find(conn, admission.id)?.ok_or(AppError::NotFound)?;
    let seat = SeatFacts {
        admission_id: admission.id,
        type_name,
        position: admission.position,
        quantity: booking.quantity,
        email: admission.holder_email.clone().unwrap_or(email),
        attendee: admission.attendee_name.clone(),
    };
    if admission.status == AdmissionStatus::Valid && refunds::refund_under_way(conn, &booking)? {
        return Ok(ScanAnswer::NotValid {
            reason: NotValidReason::RefundUnderWay,
        });
    }
    if let Some(answer) = settled(&admission, &booking, &seat, scan) {
        return Ok(answer);
    }
    let nonce = scan.nonce.as_deref();
    match checkins::admit(conn, admission.id, now, &scan.gate.0, nonce)? {
        Guarded::Applied => {
            checkin_log::insert(
                conn,
                &NewCheckinLog {
                    admission_id: admission.id,
                    event_id,
                    user_id: staff_id,
                    action: "admit",
                    gate: Some(&scan.gate.0),
                    reason: None,
                    at: now,
                },
            )?;
            // The door's hot path: one insert more, for partners' feed.
            let admitted = crate::domain::outbox::Message::CheckedIn {
                admission_id: admission.id,
            };
            crate::domain::outbox::enqueue(conn, now, &admitted)?;
            Ok(ScanAnswer::Admit {
                seat,
                retried: false,
            })
        }
        Guarded::Lost => {
            // Under the lock nothing that follows the rule changed the row; answer
            // from the row as it is now all the same.
            let (admission, booking, ..) =
                checkins::seat_by_id(conn, admission.id)?.ok_or(AppError::NotFound)?;
            settled(&admission, &booking, &seat, scan).ok_or_else(|| {
                AppError::Internal(format!(
                    "admission {}: the check-in lost, yet the seat is free",
                    admission.id
                ))
            })
        }
    }
}

/// The answer for a seat that cannot be admitted now (void, or checked in already), or
/// `None` when it may enter.
fn settled(
    admission: &Admission,
    booking: &Booking,
    seat: &SeatFacts,
    scan: &Scan,
) -> Option<ScanAnswer> {
    match admission.status {
        AdmissionStatus::Valid => {}
        AdmissionStatus::Void if admission.given_back_at.is_some() => {
            return Some(ScanAnswer::NotValid {
                reason: NotValidReason::GivenBack,
            });
        }
        AdmissionStatus::Void => {
            return Some(ScanAnswer::NotValid {
                reason: void_reason(booking, admission.hold_number),
            });
        }
        AdmissionStatus::Resold => {
            return Some(ScanAnswer::NotValid {
                reason: NotValidReason::Resold,
            });
        }
        AdmissionStatus::Given => {
            return Some(ScanAnswer::NotValid {
                reason: NotValidReason::Given,
            });
        }
    }
    let at = admission.checked_in_at?;
    let gate = admission.gate.clone().unwrap_or_default();
    let same_scan =
        scan.nonce.is_some() && admission.checkin_nonce == scan.nonce && gate == scan.gate.0;
    Some(if same_scan {
        ScanAnswer::Admit {
            seat: seat.clone(),
            retried: true,
        }
    } else {
        ScanAnswer::AlreadyCheckedIn {
            seat: seat.clone(),
            at,
            gate,
        }
    })
}

/// A code no seat has now: one a seat had before it was sent to someone else, or a
/// booking's code that was never issued as a seat (never paid).
fn unissued(conn: &mut Conn, event_id: i32, code: &str) -> Result<ScanAnswer, AppError> {
    if let Some((admission_id, _reason)) = retired_codes::find(conn, code)?
        && let Some(seat) = admissions::find(conn, admission_id)?
    {
        return Ok(if seat.event_id == event_id {
            ScanAnswer::NotValid {
                reason: NotValidReason::Reissued,
            }
        } else {
            match events::find(conn, seat.event_id)? {
                Some(event) => ScanAnswer::WrongEvent {
                    event_id: event.id,
                    title: event.title,
                    starts_at: event.starts_at,
                    time_zone: event.time_zone,
                },
                None => ScanAnswer::UnknownCode,
            }
        });
    }
    Ok(match checkins::unissued_booking(conn, code)? {
        None => ScanAnswer::UnknownCode,
        Some((_, event)) if event.id != event_id => ScanAnswer::WrongEvent {
            event_id: event.id,
            title: event.title,
            starts_at: event.starts_at,
            time_zone: event.time_zone,
        },
        Some((booking, _)) => ScanAnswer::NotValid {
            reason: void_reason(&booking, booking.hold_number),
        },
    })
}

/// Why a seat of this booking does not get in.
fn void_reason(booking: &Booking, hold_number: i32) -> NotValidReason {
    match booking.status {
        BookingStatus::Refunded => NotValidReason::Refunded,
        BookingStatus::Cancelled => NotValidReason::Cancelled,
        BookingStatus::Transferred => NotValidReason::Resold,
        // A paid booking's seat that is void belongs to an earlier, refunded hold.
        BookingStatus::Paid if hold_number != booking.hold_number => NotValidReason::Refunded,
        _ => NotValidReason::NotPaid,
    }
}
