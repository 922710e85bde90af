//! Joining the provider and the books: starting a checkout, applying what the provider
//! says (from the webhook, the success page or reconciliation), refunding.
//! Provider calls happen outside database transactions; the books change only in
//! `domain::checkout`.

use chrono::TimeDelta;

use super::stripe_event::{EventAction, WebhookEvent};
use super::{CheckoutRequest, Provider, ProviderError, SessionState};
use crate::db::{Guarded, payments, webhook_events};
use crate::domain::checkout::{self, Completion, KeptMoney, PayPlan, status};
use crate::error::AppError;
use crate::web::state::AppState;

/// Where the pay button sends the user.
#[derive(Debug)]
pub enum PayOutcome {
    /// To the provider's checkout page.
    Checkout(String),
    /// A free ticket, already confirmed.
    Confirmed { ticket_id: i32 },
}

pub const UNAVAILABLE: &str = "The payment service is unavailable right now. Nothing was charged and your seat is still held; please try again.";

/// Opens (or reopens) a checkout session for the user's hold.
pub async fn start_checkout(
    state: &AppState,
    user_id: i32,
    ticket_id: i32,
) -> Result<PayOutcome, AppError> {
    let now = state.clock.now();
    let provider_name = state.provider.name();
    let plan = state
        .db(move |conn| checkout::plan_payment(conn, now, user_id, ticket_id, provider_name))
        .await?;
    let new = match plan {
        PayPlan::Reuse { url } => return Ok(PayOutcome::Checkout(url)),
        PayPlan::ConfirmedFree { ticket_id } => return Ok(PayOutcome::Confirmed { ticket_id }),
        PayPlan::Create(new) => new,
    };
    let public = &state.settings.public_url;
    let hold_ends = new.ticket.reserved_until.unwrap_or(now);
    let request = CheckoutRequest {
        payment_id: new.payment.id,
        ticket_id: new.ticket.id,
        user_id,
        event_id: new.event.id,
        hold_number: new.payment.hold_number,
        product_name: format!("{} – {}", new.event.title, new.schema.name),
        amount_pennies: new.payment.amount_pennies,
        currency: new.payment.currency.clone(),
        customer_email: new.email.clone(),
        success_url: format!("{public}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}"),
        cancel_url: format!("{public}/tickets/{}", new.ticket.id),
        expires_at: state.provider.session_expiry(now, hold_ends),
        idempotency_key: new.idempotency_key(),
    };
    let payment_id = new.payment.id;
    match state.provider.create_session(&request).await {
        Ok(session) => {
            let url = session.url.clone();
            let recorded = state
                .db(move |conn| checkout::session_created(conn, now, payment_id, &session))
                .await?;
            if recorded == Guarded::Lost {
                log::info!("payment {payment_id}: its session was recorded by another request");
            }
            Ok(PayOutcome::Checkout(url))
        }
        Err(error) => {
            log::warn!("creating a checkout session for payment {payment_id} failed: {error}");
            let recorded = error.clone();
            // Lost: a concurrent request got the session meanwhile; the attempt stays.
            let _ended: Guarded = state
                .db(move |conn| checkout::session_failed(conn, now, payment_id, &recorded))
                .await?;
            Err(AppError::Unavailable(UNAVAILABLE.into()))
        }
    }
}

/// Applies a session's state and sends back money that must go back.
pub async fn apply(state: &AppState, session: SessionState) -> Result<Completion, AppError> {
    let now = state.clock.now();
    let completion = state
        .db(move |conn| checkout::apply_session(conn, now, &session))
        .await?;
    if let Completion::NeedsRefund { payment_id, .. } = completion {
        // If the provider is down now, reconciliation retries it.
        if let Err(error) = refund(state, payment_id).await {
            log::warn!("refund of payment {payment_id} will be retried: {error}");
        }
    }
    Ok(completion)
}

/// Asks the provider about a session and applies what it says.
pub async fn complete(state: &AppState, session_id: &str) -> Result<Completion, AppError> {
    let session = state
        .provider
        .retrieve_session(session_id)
        .await
        .map_err(|error| {
            log::warn!("retrieving checkout session {session_id} failed: {error}");
            AppError::Unavailable(UNAVAILABLE.into())
        })?;
    apply(state, session).await
}

/// Refunds one payment in full at the provider (idempotently), then records it.
pub async fn refund(state: &AppState, payment_id: i32) -> Result<(), AppError> {
    let payment = state
        .db(move |conn| payments::find(conn, payment_id)?.ok_or(AppError::NotFound))
        .await?;
    if payment.status != status::REFUND_PENDING {
        return Ok(());
    }
    let refund_id = if payment.amount_pennies == 0 || payment.provider == "free" {
        "free".to_owned()
    } else {
        let reference = payment.provider_payment_id.clone().ok_or_else(|| {
            AppError::Internal(format!(
                "payment {payment_id} has no provider reference to refund"
            ))
        })?;
        let key = format!("boxoffice-refund-p{payment_id}");
        state
            .provider
            .refund(&reference, payment.amount_pennies, &key)
            .await
            .map_err(|error| {
                AppError::Unavailable(format!(
                    "The refund could not be made now ({error}); it will be retried."
                ))
            })?
    };
    let now = state.clock.now();
    state
        .db(move |conn| checkout::refund_done(conn, now, payment_id, &refund_id))
        .await
}

/// Refunds a paid ticket for an admin: the seat goes back on sale once the money does.
pub async fn refund_ticket(state: &AppState, ticket_id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    let payment = state
        .db(move |conn| checkout::request_refund(conn, now, ticket_id))
        .await?;
    refund(state, payment.id).await
}

/// Refunds one payment that kept money (an admin's button in the payments list): a
/// second payment, money kept for a cancelled or expired booking, a mismatched amount,
/// or the payment of a paid ticket (which refunds the ticket).
pub async fn refund_payment(state: &AppState, payment_id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    let payment = state
        .db(move |conn| checkout::request_payment_refund(conn, now, payment_id))
        .await?;
    refund(state, payment.id).await
}

/// What `check --repair` did about one payment that kept money without a ticket.
#[derive(Debug)]
pub struct Repair {
    pub kept: KeptMoney,
    /// `None` when the refund was made; otherwise why it is still owed (reconciliation
    /// retries it).
    pub error: Option<String>,
}

/// Finds every payment that keeps money without a ticket to show for it and refunds it
/// through the provider (idempotently, like every refund); reports each one.
pub async fn repair_kept_money(state: &AppState) -> Result<Vec<Repair>, AppError> {
    let found = state.db(checkout::money_kept_without_a_ticket).await?;
    let mut repairs = Vec::with_capacity(found.len());
    for candidate in found {
        let now = state.clock.now();
        let payment_id = candidate.payment_id;
        let Some(kept) = state
            .db(move |conn| checkout::return_kept_money(conn, now, payment_id))
            .await?
        else {
            continue;
        };
        let error = refund(state, payment_id).await.err().map(|e| e.to_string());
        repairs.push(Repair { kept, error });
    }
    Ok(repairs)
}

/// How long an attempt must sit untouched before reconciliation asks about it.
const RECONCILE_AFTER: TimeDelta = TimeDelta::minutes(2);
const RECONCILE_BATCH: i64 = 50;

/// Asks the provider about attempts that should have finished by now (a lost webhook
/// never loses a paid ticket), and retries pending refunds. Returns how many it settled.
pub async fn reconcile(state: &AppState) -> usize {
    let now = state.clock.now();
    let stale = state
        .db(move |conn| {
            Ok(payments::stale(
                conn,
                &[status::OPEN, status::CREATING, status::REFUND_PENDING],
                now - RECONCILE_AFTER,
                RECONCILE_BATCH,
            )?)
        })
        .await;
    let stale = match stale {
        Ok(stale) => stale,
        Err(error) => {
            log::warn!("reconciliation could not read payments: {error}");
            return 0;
        }
    };
    let mut settled = 0;
    for payment in stale {
        let id = payment.id;
        let outcome = match (
            payment.status.as_str(),
            payment.provider_session_id.as_deref(),
        ) {
            (status::REFUND_PENDING, _) => refund(state, id).await.map(|()| true),
            (_, Some(session_id)) if !session_id.is_empty() => {
                match state.provider.retrieve_session(session_id).await {
                    Ok(session) => apply(state, session)
                        .await
                        .map(|c| !matches!(c, Completion::NotPaid { expired: false, .. })),
                    Err(ProviderError::Refused(reason)) => {
                        let reason = format!("the provider does not know this session: {reason}");
                        state
                            .db(move |conn| {
                                Ok(payments::transition(
                                    conn,
                                    id,
                                    &[status::OPEN, status::CREATING],
                                    status::FAILED,
                                    Some(&reason),
                                    now,
                                )?
                                .applied())
                            })
                            .await
                    }
                    Err(error) => Err(AppError::Unavailable(error.to_string())),
                }
            }
            _ => Ok(false),
        };
        match outcome {
            Ok(true) => settled += 1,
            Ok(false) => {}
            Err(error) => log::warn!("reconciling payment {id}: {error}"),
        }
        // Look at it again only after another interval.
        let _ = state
            .db(move |conn| Ok(payments::touch(conn, id, now)?))
            .await;
    }
    settled
}

/// Closes, at the provider, the open sessions of holds that have ended, so they can no
/// longer be paid. A session the provider will not close (already paid, say) is left to
/// reconciliation, which asks what happened and applies it (a late payment).
pub async fn close_sessions_of_ended_holds(state: &AppState) -> usize {
    let open = match state
        .db(|conn| Ok(payments::open_for_ended_holds(conn, RECONCILE_BATCH)?))
        .await
    {
        Ok(open) => open,
        Err(error) => {
            log::warn!("could not list sessions to close: {error}");
            return 0;
        }
    };
    let mut closed = 0;
    for payment in open {
        let Some(session_id) = payment.provider_session_id.clone() else {
            continue;
        };
        let now = state.clock.now();
        let id = payment.id;
        match state.provider.expire_session(&session_id).await {
            Ok(()) => {
                let done = state
                    .db(move |conn| {
                        Ok(payments::transition(
                            conn,
                            id,
                            &[status::OPEN],
                            status::EXPIRED,
                            Some("the hold ended"),
                            now,
                        )?)
                    })
                    .await;
                // Lost: a payment or another instance settled the attempt meanwhile.
                if matches!(done, Ok(Guarded::Applied)) {
                    closed += 1;
                }
            }
            Err(error) => log::info!(
                "session {session_id} not closed ({error}); reconciliation will look at it"
            ),
        }
    }
    closed
}

/// The provider chosen by the settings.
pub fn provider_from(settings: &crate::config::Settings) -> Result<Provider, String> {
    match &settings.stripe {
        Some(stripe) => Ok(Provider::Stripe(Box::new(
            super::stripe::StripeGateway::new(stripe, settings.provider_timeout)?,
        ))),
        None => Ok(Provider::Test(super::test_provider::TestGateway::new(
            &settings.public_url,
        ))),
    }
}

/// A refund made outside the shop (Stripe's dashboard): the books follow.
pub async fn refunded_elsewhere(
    state: &AppState,
    payment_reference: &str,
    refund_id: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let (reference, refund_id) = (payment_reference.to_owned(), refund_id.to_owned());
    state
        .db(
            move |conn| match payments::find_by_provider_payment(conn, &reference)? {
                Some(payment) => checkout::refund_done(conn, now, payment.id, &refund_id),
                None => {
                    log::warn!("refund {refund_id} for unknown payment {reference}");
                    Ok(())
                }
            },
        )
        .await
}

/// Applies a verified webhook event once: a replayed event id changes nothing (its
/// effect is idempotent anyway, so parallel deliveries end the same). Returns `false`
/// for a replay.
pub async fn process_event(state: &AppState, event: WebhookEvent) -> Result<bool, AppError> {
    let id = event.id.clone();
    if state
        .db(move |conn| Ok(webhook_events::exists(conn, &id)?))
        .await?
    {
        return Ok(false);
    }
    match event.action {
        EventAction::Session(session) => {
            apply(state, session).await?;
        }
        EventAction::ChargeRefunded {
            payment_reference,
            refund_id,
            fully: true,
        } => refunded_elsewhere(state, &payment_reference, &refund_id).await?,
        EventAction::ChargeRefunded {
            payment_reference,
            refund_id,
            fully: false,
        } => log::warn!("partial refund {refund_id} of {payment_reference}: left for an admin"),
        EventAction::Ignored => {}
    }
    let now = state.clock.now();
    let (id, kind) = (event.id, event.event_type);
    state
        .db(move |conn| Ok(webhook_events::record(conn, &id, &kind, now)?))
        .await?;
    Ok(true)
}
