//! Books broken the way the unguarded confirmation used to break them, for the control
//! and for the repair tests: a stale decision written without the ticket's lock.

use boxoffice::db::status::{BookingStatus, PaymentStatus};
use boxoffice::db::{bookings, payment_attempts};
use boxoffice::domain::bookings::reservation;
use diesel::Connection;

use super::TestApp;

/// The confirmation reads the ticket (reserved) and decides to confirm; the owner's
/// cancel commits in between; the confirmation then writes on its stale decision and
/// ignores its guarded update: the cancelled ticket's payment is marked paid with
/// `reference`. Returns the payment's id.
pub async fn keep_money_for_cancelled_ticket(
    app: &TestApp,
    booking_id: i32,
    reference: &str,
) -> i32 {
    let now = app.clock.now();
    let reference = reference.to_owned();
    app.with_db(move |c| {
        let seen = bookings::find(c, booking_id).unwrap().unwrap();
        assert_eq!(seen.status, "reserved", "the confirmation's read");
        let payment = payment_attempts::for_booking(c, booking_id)
            .unwrap()
            .remove(0);
        reservation::cancel(c, seen.user_id, booking_id, now).unwrap();
        c.transaction::<_, diesel::result::Error, _>(|c| {
            let _ =
                bookings::mark_paid(c, seen.id, seen.hold_number, BookingStatus::Reserved, now)?;
            let _ = payment_attempts::mark_paid(
                c,
                payment.id,
                &[PaymentStatus::Creating, PaymentStatus::Open],
                PaymentStatus::Paid,
                Some(&reference),
                None,
                now,
            )?;
            Ok(())
        })
        .unwrap();
        payment.id
    })
    .await
}

/// A second attempt of a paid ticket marked paid as well, as two confirmations racing
/// without the lock left it. Returns the payment's id.
pub async fn keep_a_second_payment(app: &TestApp, payment_id: i32, reference: &str) -> i32 {
    let now = app.clock.now();
    let reference = reference.to_owned();
    app.with_db(move |c| {
        let _ = payment_attempts::mark_paid(
            c,
            payment_id,
            &PaymentStatus::UNSETTLED,
            PaymentStatus::Paid,
            Some(&reference),
            None,
            now,
        )
        .unwrap();
        payment_id
    })
    .await
}
