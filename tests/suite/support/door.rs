//! The door in tests: paid bookings with their seat codes, door staff granted through
//! the admin's form, and scans sent as the check-in page sends them.

use std::future::Future;

use super::visitor::{csrf_token_in, location};
use super::{TestApp, Visitor};

/// A scan's answer as the page shows it: status, headline, the page's text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headline: String,
    pub body: String,
}

impl Answer {
    fn read(status: u16, body: String) -> Answer {
        let headline = body
            .split("id=\"answer-headline\">")
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .unwrap_or_default()
            .to_owned();
        Answer {
            status,
            headline,
            body,
        }
    }
}

/// The nonce of a check-in page.
pub fn nonce_in(html: &str) -> String {
    let at = html
        .find("name=\"nonce\" value=\"")
        .expect("a nonce on the page");
    let rest = &html[at + "name=\"nonce\" value=\"".len()..];
    rest[..rest.find('"').expect("the nonce ends")].to_owned()
}

impl TestApp {
    /// A buyer (`email`) who booked `quantity` seats of a type and paid on the test
    /// provider: (the buyer, the ticket id, the seats' codes by position).
    pub async fn paid_booking(
        &self,
        email: &str,
        event_id: i32,
        ticket_type_id: i32,
        quantity: i32,
    ) -> (Visitor, i32, Vec<String>) {
        let buyer = self.registered(email).await;
        let reserved = buyer
            .reserve_n(event_id, ticket_type_id, &quantity.to_string())
            .await;
        let booking_id: i32 = location(&reserved)
            .trim_start_matches("/bookings/")
            .parse()
            .expect("reserving leads to the booking");
        let checkout = buyer.path_of(&location(&buyer.pay(booking_id).await));
        let paid = buyer.post(&format!("{checkout}/pay"), &[]).await;
        buyer.get(&buyer.path_of(&location(&paid))).await;
        let mut seats: Vec<_> = self
            .admissions()
            .await
            .into_iter()
            .filter(|a| a.booking_id == booking_id)
            .collect();
        seats.sort_by_key(|a| a.position);
        assert_eq!(seats.len(), quantity as usize, "{email}'s booking is paid");
        (
            buyer,
            booking_id,
            seats.into_iter().map(|a| a.code).collect(),
        )
    }

    /// How many admits the audit trail holds: of the seat with `code`, or of every seat.
    pub async fn admits_logged(&self, code: Option<String>) -> i64 {
        use boxoffice::db::schema::{admissions, checkin_log};
        use diesel::prelude::*;
        self.with_db(move |conn| {
            let admits = checkin_log::table
                .inner_join(admissions::table)
                .filter(checkin_log::action.eq("admit"))
                .into_boxed();
            match code {
                Some(code) => admits.filter(admissions::code.eq(code)),
                None => admits,
            }
            .count()
            .get_result(conn)
            .unwrap()
        })
        .await
    }

    /// Registers `email` and has `admin` grant it the door of `event` ("all" or an id).
    pub async fn door_staff(&self, admin: &Visitor, email: &str, event: &str) -> Visitor {
        let staff = self.registered(email).await;
        let response = admin
            .post("/admin/door-staff", &[("email", email), ("event", event)])
            .await;
        assert_eq!(location(&response), "/admin/door-staff");
        staff
    }
}

impl Visitor {
    /// Opens the check-in page and scans `code` at `gate` with the page's nonce.
    pub async fn scan(&self, event_id: i32, code: &str, gate: &str) -> Answer {
        let page = self.page(&format!("/door/events/{event_id}")).await;
        self.scan_with(event_id, code, gate, &nonce_in(&page)).await
    }

    /// Scans with this nonce (a retried request resends the same one).
    pub async fn scan_with(&self, event_id: i32, code: &str, gate: &str, nonce: &str) -> Answer {
        let scan = self.scan_later(event_id, code, gate, nonce).await;
        let (status, body) = scan.await;
        Answer::read(status, body)
    }

    /// A scan ready to send (its CSRF token fetched now), for races.
    pub async fn scan_later(
        &self,
        event_id: i32,
        code: &str,
        gate: &str,
        nonce: &str,
    ) -> impl Future<Output = (u16, String)> + Send + 'static {
        let token = csrf_token_in(&self.page("/login").await).expect("a csrf token");
        let request = self
            .client
            .post(self.url(&format!("/door/events/{event_id}/scan")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("code", code),
                ("gate", gate),
                ("nonce", nonce),
            ]);
        async move {
            let response = request.send().await.expect("POST a scan");
            let status = response.status().as_u16();
            (status, response.text().await.expect("a body"))
        }
    }
}

/// The headline of a scan's page (for race results).
pub fn headline(body: &str) -> String {
    Answer::read(200, body.to_owned()).headline
}
