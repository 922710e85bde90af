//! (f) The API rush: `BENCH_RUSH_BUYERS` (2000) token holders, each registered and
//! holding a bearer token (not timed), release their `POST /api/v1/events/{id}/bookings`
//! (with an `Idempotency-Key`) at once on `BENCH_RUSH_SEATS` (500) seats. The invariant:
//! exactly the seats held, in distinct bookings; everyone else answered `sold_out`.
//! The server runs with the API's per-address limit off (`scripts/bench.sh`): the whole
//! crowd comes from one address here.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::{
    Admin, Config, Fail, PASSWORD, PREPARE_CONCURRENCY, Row, Tally, Visitor, failed, millis,
};

/// A buyer's answer.
enum Booked {
    Held(i64),
    SoldOut,
}

pub(super) async fn run(config: &Config, admin: &Admin) -> Result<Row, Fail> {
    let sale = admin
        .create_sale("Bench: the API rush", "API rush", config.rush_seats)
        .await?;
    eprintln!(
        "load: preparing {} API token holders for the API rush on event {} type {}",
        config.rush_buyers, sale.event_id, sale.ticket_type_id
    );
    let holders = prepare(config).await?;
    let count = holders.len();
    let path = format!("/api/v1/events/{}/bookings", sale.event_id);
    let body = format!("{{\"ticket_type_id\":{}}}", sale.ticket_type_id);
    let gate = Arc::new(Barrier::new(count + 1));
    let mut tasks = JoinSet::new();
    for (n, (visitor, token)) in holders.into_iter().enumerate() {
        let (gate, path, body) = (gate.clone(), path.clone(), body.clone());
        tasks.spawn(async move {
            gate.wait().await;
            let outcome = book(&visitor, &token, &path, &body, n).await;
            (Instant::now(), outcome)
        });
    }
    gate.wait().await;
    let released = Instant::now();
    let (mut held, mut sold_out, mut last_hold) = (Vec::new(), 0_usize, Duration::ZERO);
    let mut tally = Tally::default();
    while let Some(joined) = tasks.join_next().await {
        let (answered, outcome) = joined.map_err(|e| format!("API rush task: {e}"))?;
        let waited = answered.duration_since(released);
        let outcome = match outcome {
            Ok(Booked::Held(id)) => {
                held.push(id);
                last_hold = last_hold.max(waited);
                Ok(())
            }
            Ok(Booked::SoldOut) => {
                sold_out += 1;
                Ok(())
            }
            Err(fail) => Err(fail),
        };
        tally.record(waited, outcome);
    }
    let wall = released.elapsed();
    let holds = held.len();
    held.sort_unstable();
    held.dedup();
    let right = holds == config.rush_seats.min(count) && held.len() == holds;
    let notes = format!(
        "{}: {holds} held of {} seats ({} distinct bookings), {sold_out} sold_out; {:.0} holds/s (last hold at {})",
        if right { "OK" } else { "WRONG" },
        config.rush_seats,
        held.len(),
        holds as f64 / last_hold.as_secs_f64().max(1e-9),
        millis(last_hold),
    );
    let mut row = tally.row(
        "(f) the API rush: book".into(),
        count,
        wall,
        "answers",
        notes,
    );
    row.wrong = !right;
    Ok(row)
}

async fn book(
    visitor: &Visitor,
    token: &str,
    path: &str,
    body: &str,
    n: usize,
) -> Result<Booked, Fail> {
    let response = visitor
        .http
        .post(format!("{}{path}", visitor.base))
        .bearer_auth(token)
        .header("Idempotency-Key", format!("api-rush-{n}"))
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| failed("API book", &e))?;
    let status = response.status();
    let answer: Value = response.json().await.map_err(|e| failed("API book", &e))?;
    match (status, answer["code"].as_str()) {
        (StatusCode::CREATED, _) => answer["id"]
            .as_i64()
            .map(Booked::Held)
            .ok_or_else(|| "API book: 201 without an id".into()),
        (StatusCode::CONFLICT, Some("sold_out")) => Ok(Booked::SoldOut),
        (status, code) => Err(format!(
            "API book: HTTP {} {}",
            status.as_u16(),
            code.unwrap_or("")
        )),
    }
}

/// Registers the buyers and gets each a token, a few at a time (not timed).
async fn prepare(config: &Config) -> Result<Vec<(Visitor, String)>, Fail> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..PREPARE_CONCURRENCY.min(config.rush_buyers) {
        let next = next.clone();
        let (total, tag, base) = (config.rush_buyers, config.run_tag, config.base.clone());
        tasks.spawn(async move {
            let mut holders = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return Ok::<_, Fail>(holders);
                }
                let email = format!("api-rush-{tag}-{n}@bench.example.com");
                let visitor = Visitor::at(&base, false)?;
                visitor.register(&email).await?;
                let response = visitor
                    .http
                    .post(format!("{base}/api/v1/tokens"))
                    .json(&serde_json::json!({"email": email, "password": PASSWORD}))
                    .send()
                    .await
                    .map_err(|e| failed("API token", &e))?;
                if response.status() != StatusCode::CREATED {
                    return Err(format!("API token: HTTP {}", response.status().as_u16()));
                }
                let answer: Value = response.json().await.map_err(|e| failed("API token", &e))?;
                let token = answer["token"]
                    .as_str()
                    .ok_or("API token: no token")?
                    .to_owned();
                holders.push((visitor, token));
            }
        });
    }
    let mut holders = Vec::with_capacity(config.rush_buyers);
    while let Some(joined) = tasks.join_next().await {
        let prepared = joined.map_err(|e| format!("prepare task: {e}"))?;
        holders.extend(prepared.map_err(|e| format!("preparing the API rush: {e}"))?);
    }
    Ok(holders)
}
