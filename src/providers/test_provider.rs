//! The built-in test payment provider: sessions kept in this process's memory and a
//! checkout page served by the app itself (`/test-checkout/{id}`), so the whole shop
//! works with no account anywhere. For demos and tests on one instance; real shops use
//! Stripe.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use rand::RngCore;

use super::{
    CheckoutRequest, CreatedSession, ProviderError, ProviderRefund, RefundState, SessionState,
    SessionStatus,
};

/// One test session, as the checkout page shows it.
#[derive(Debug, Clone)]
pub struct TestSession {
    pub id: String,
    pub request: CheckoutRequest,
    pub status: SessionStatus,
    pub paid: bool,
    pub payment_reference: Option<String>,
}

#[derive(Debug, Default)]
struct Book {
    sessions: HashMap<String, TestSession>,
    by_idempotency_key: HashMap<String, String>,
    refunds_by_key: HashMap<String, String>,
}

#[derive(Debug)]
pub struct TestGateway {
    public_url: String,
    book: Mutex<Book>,
}

fn random_id(prefix: &str) -> String {
    let mut bytes = [0_u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}

impl TestGateway {
    pub fn new(public_url: &str) -> TestGateway {
        TestGateway {
            public_url: public_url.to_owned(),
            book: Mutex::new(Book::default()),
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn create_session(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CreatedSession, ProviderError> {
        let mut book = self.book();
        let id = match book.by_idempotency_key.get(&request.idempotency_key) {
            Some(id) => id.clone(),
            None => {
                let id = random_id("cs_test");
                book.by_idempotency_key
                    .insert(request.idempotency_key.clone(), id.clone());
                book.sessions.insert(
                    id.clone(),
                    TestSession {
                        id: id.clone(),
                        request: request.clone(),
                        status: SessionStatus::Open,
                        paid: false,
                        payment_reference: None,
                    },
                );
                id
            }
        };
        let session = &book.sessions[&id];
        Ok(CreatedSession {
            url: format!("{}/test-checkout/{id}", self.public_url),
            expires_at: session.request.expires_at,
            id,
        })
    }

    pub fn retrieve_session(&self, session_id: &str) -> Result<SessionState, ProviderError> {
        let book = self.book();
        let session = book.sessions.get(session_id).ok_or_else(|| {
            ProviderError::Missing(format!("no such checkout session: {session_id}"))
        })?;
        Ok(SessionState {
            id: session.id.clone(),
            status: session.status,
            paid: session.paid,
            no_payment_required: false,
            amount_total: Some(session.request.amount_pennies),
            currency: Some(session.request.currency.clone()),
            payment_reference: session.payment_reference.clone(),
            payment_id: Some(session.request.payment_id),
        })
    }

    /// Test refunds succeed at once.
    pub fn refund(
        &self,
        payment_reference: &str,
        amount: i64,
        idempotency_key: &str,
        refund_row: i32,
    ) -> Result<ProviderRefund, ProviderError> {
        let mut book = self.book();
        if !book
            .sessions
            .values()
            .any(|s| s.payment_reference.as_deref() == Some(payment_reference))
        {
            // Test payments live in the memory of the process that serves the shop: another
            // process (`boxoffice check --repair`) cannot reach them, so the serving
            // process's reconciliation makes the refund.
            return Err(ProviderError::Unreachable(format!(
                "test payment {payment_reference} is not in this process"
            )));
        }
        let id = book
            .refunds_by_key
            .entry(idempotency_key.to_owned())
            .or_insert_with(|| random_id("re_test"))
            .clone();
        Ok(ProviderRefund {
            id,
            state: RefundState::Succeeded,
            amount,
            payment_reference: Some(payment_reference.to_owned()),
            refund_row: Some(refund_row),
            failure_reason: None,
        })
    }

    pub fn expire_session(&self, session_id: &str) -> Result<(), ProviderError> {
        let mut book = self.book();
        let session = book.sessions.get_mut(session_id).ok_or_else(|| {
            ProviderError::Missing(format!("no such checkout session: {session_id}"))
        })?;
        if session.status != SessionStatus::Open {
            return Err(ProviderError::Refused(
                "only an open session can be expired".into(),
            ));
        }
        session.status = SessionStatus::Expired;
        Ok(())
    }

    /// The session the test checkout page shows, if it exists and is still open.
    pub fn open_session(&self, session_id: &str, now: NaiveDateTime) -> Option<TestSession> {
        let mut book = self.book();
        let session = book.sessions.get_mut(session_id)?;
        if session.status == SessionStatus::Open && session.request.expires_at <= now {
            session.status = SessionStatus::Expired;
        }
        Some(session.clone())
    }

    /// The customer pays: the session completes, as Stripe's would.
    pub fn pay(&self, session_id: &str, now: NaiveDateTime) -> Option<TestSession> {
        let mut book = self.book();
        let session = book.sessions.get_mut(session_id)?;
        if session.status == SessionStatus::Open && session.request.expires_at > now {
            session.status = SessionStatus::Complete;
            session.paid = true;
            session.payment_reference = Some(random_id("pi_test"));
        }
        Some(session.clone())
    }
}
