//! Mail and outbox helpers: a booking paid through the test provider (the success page
//! seen twice, as a buyer who reloads it would), delivering everything due, and reading
//! the outbox and the dev mailbox.

use boxoffice::app::dispatcher;
use boxoffice::db::mailbox::{self, StoredMail};
use boxoffice::db::outbox::{self, OutboxRow};

use super::fixtures::EventSpec;
use super::visitor::{csrf_token_in, location};
use super::{TestApp, Visitor};

/// Holds `quantity` seats of a new event for `buyer` and pays through the test
/// provider; returns the ticket id.
pub async fn paid_booking(app: &TestApp, buyer: &Visitor, title: &str, quantity: &str) -> i32 {
    let show = app
        .create_event(EventSpec::new(title).seats("Stalls", 2500, 20))
        .await;
    let reserved = buyer
        .reserve_n(show.event_id, show.ticket_type_ids[0], quantity)
        .await;
    assert_eq!(reserved.status(), 303, "reserving for {title}");
    let booking_id: i32 = location(&reserved)
        .trim_start_matches("/bookings/")
        .parse()
        .expect("the ticket page");
    pay(buyer, booking_id).await;
    booking_id
}

/// Pays a hold through the test provider's page and comes back to the success page
/// twice (each visit confirms the payment again).
pub async fn pay(buyer: &Visitor, booking_id: i32) {
    let checkout = buyer.path_of(&location(&buyer.pay(booking_id).await));
    let page = buyer.page(&checkout).await;
    let token = csrf_token_in(&page).expect("a CSRF token");
    let paid = buyer
        .post_raw(&format!("{checkout}/pay"), &[("csrf_token", &token)])
        .await;
    assert_eq!(paid.status(), 303, "paying");
    let success = buyer.path_of(&location(&paid));
    for _ in 0..2 {
        let back = buyer.get(&success).await;
        assert_eq!(location(&back), format!("/bookings/{booking_id}"));
    }
}

impl TestApp {
    /// Runs this instance's dispatcher until nothing is due (bounded).
    pub async fn deliver_all(&self) -> dispatcher::Round {
        let mut total = dispatcher::Round::default();
        for _ in 0..100 {
            let round = dispatcher::dispatch_once(&self.state).await;
            total.claimed += round.claimed;
            total.delivered += round.delivered;
            total.failed += round.failed;
            total.deferred += round.deferred;
            if round.claimed == 0 {
                break;
            }
        }
        total
    }

    /// Every outbox message, oldest first.
    pub async fn outbox(&self) -> Vec<OutboxRow> {
        self.with_db(|conn| outbox::all(conn).expect("messages"))
            .await
    }

    /// The outbox messages of one kind.
    pub async fn outbox_of(&self, kind: &'static str) -> Vec<OutboxRow> {
        self.with_db(move |conn| outbox::of_kind(conn, kind).expect("messages"))
            .await
    }

    /// The dev mailbox's mails to `email`, oldest first.
    pub async fn mails_to(&self, email: &str) -> Vec<StoredMail> {
        let email = email.to_owned();
        self.with_db(move |conn| mailbox::to_recipient(conn, &email).expect("mails"))
            .await
    }
}

impl TestApp {
    /// Delivers what is due, then the first link to the shop in the newest mail to
    /// `email` whose subject starts with `subject`, as a path (`/account/verify?…`).
    pub async fn link_in_mail(&self, email: &str, subject: &str) -> String {
        self.links_in_mail(email, subject).await.remove(0)
    }

    /// As `link_in_mail`, every link to the shop in that mail's text, in order.
    pub async fn links_in_mail(&self, email: &str, subject: &str) -> Vec<String> {
        self.deliver_all().await;
        let mail = self
            .mails_to(email)
            .await
            .into_iter()
            .rev()
            .find(|m| m.subject.starts_with(subject))
            .unwrap_or_else(|| panic!("a mail {subject:?} to {email}"));
        let links: Vec<String> = mail
            .body_text
            .split_whitespace()
            .filter_map(|word| word.strip_prefix(self.address.as_str()))
            .map(str::to_owned)
            .collect();
        assert!(
            !links.is_empty(),
            "a link to the shop in {:?}",
            mail.body_text
        );
        links
    }
}
