//! (e) The door rush: a free ticket type sold out to buyers of 10 seats each until
//! `BENCH_DOOR_CODES` codes exist (not timed), then `BENCH_DOOR_GATES` (40) gates scan
//! every code once plus 5% of them a second time through the scanners' API,
//! `POST /api/v1/events/{id}/checkins`, each gate as fast as it can on one keep-alive
//! connection with its own door-scoped personal token (each gate's account is door staff
//! of the event, granted by the admin over the API). Reports scans/s and latency; the
//! invariant: exactly one `admit` per code, every other answer `already_checked_in` (the
//! run fails otherwise). The server runs with the door token's own limit off
//! (`API_DOOR_REQUESTS_PER_MINUTE=0`, `scripts/bench.sh`).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::{
    Admin, Config, Fail, PASSWORD, PREPARE_CONCURRENCY, Reservation, Row, Sale, Tally, Visitor,
    failed,
};

/// Seats per booking (the ticket type's default cap).
const PER_BOOKING: usize = 10;
/// One repeat per this many codes (5%).
const REPEAT_EVERY: usize = 20;

/// One gate's scanner: its connection and its door token.
struct Gate {
    visitor: Visitor,
    token: String,
}

pub(super) async fn run(config: &Config, admin: &Admin) -> Result<Row, Fail> {
    let codes_wanted = config.door_codes.div_ceil(PER_BOOKING) * PER_BOOKING;
    let sale = admin
        .create_sale_at("Bench: the door rush", "Door", codes_wanted, "0")
        .await?;
    eprintln!(
        "load: preparing {codes_wanted} codes and {} gates for the door rush on event {}",
        config.door_gates, sale.event_id
    );
    let codes = prepare_codes(config, sale, codes_wanted / PER_BOOKING).await?;
    let gates = prepare_gates(config, sale.event_id).await?;
    let mut scans: Vec<String> = codes.clone();
    scans.extend(codes.iter().step_by(REPEAT_EVERY).cloned());
    let count = gates.len();
    let path = format!("/api/v1/events/{}/checkins", sale.event_id);
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for (n, gate) in gates.into_iter().enumerate() {
        let mine: Vec<String> = scans.iter().skip(n).step_by(count).cloned().collect();
        let path = path.clone();
        tasks.spawn(async move { scan_all(gate, n, &path, mine).await });
    }
    let mut tally = Tally::default();
    let mut admits: HashMap<String, usize> = HashMap::new();
    let mut already = 0_usize;
    while let Some(joined) = tasks.join_next().await {
        let (gate_tally, answers) = joined.map_err(|e| format!("door task: {e}"))?;
        tally.merge(gate_tally);
        for (code, result) in answers {
            match result.as_str() {
                "admit" => *admits.entry(code).or_default() += 1,
                "already_checked_in" => already += 1,
                _ => {}
            }
        }
    }
    let wall = start.elapsed();
    let repeats = scans.len() - codes.len();
    let right =
        admits.len() == codes.len() && admits.values().all(|&n| n == 1) && already == repeats;
    let notes = format!(
        "{}: {} codes admitted once of {}, {already} already_checked_in of {repeats} repeats; {:.0} scans/s",
        if right { "OK" } else { "WRONG" },
        admits.values().filter(|&&n| n == 1).count(),
        codes.len(),
        scans.len() as f64 / wall.as_secs_f64().max(1e-9),
    );
    let mut row = tally.row(
        format!("(e) the door rush: {count} gates scan (API)"),
        count,
        wall,
        "scans",
        notes,
    );
    row.wrong = !right;
    Ok(row)
}

/// One gate scanning its share in turn; the tally and (code, result) per scan.
async fn scan_all(
    gate: Gate,
    n: usize,
    path: &str,
    codes: Vec<String>,
) -> (Tally, Vec<(String, String)>) {
    let mut tally = Tally::default();
    let mut answers = Vec::with_capacity(codes.len());
    let name = format!("Gate {n}");
    for (i, code) in codes.into_iter().enumerate() {
        let body = json!({"code": code, "gate": name, "nonce": format!("g{n}s{i}")});
        let sent = Instant::now();
        let outcome = scan(&gate, path, &body).await;
        let outcome = outcome.map(|result| answers.push((code, result)));
        tally.record(sent.elapsed(), outcome);
    }
    (tally, answers)
}

/// One scan: the answer's `result` (`admit`, `already_checked_in`, …).
async fn scan(gate: &Gate, path: &str, body: &Value) -> Result<String, Fail> {
    let response = gate
        .visitor
        .http
        .post(format!("{}{path}", gate.visitor.base))
        .bearer_auth(&gate.token)
        .json(body)
        .send()
        .await
        .map_err(|e| failed("scan", &e))?;
    let status = response.status().as_u16();
    let answer: Value = response.json().await.map_err(|e| failed("scan", &e))?;
    if status != 200 {
        return Err(format!(
            "scan: HTTP {status} {}",
            answer["code"].as_str().unwrap_or("")
        ));
    }
    answer["result"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "scan: no result in the answer".into())
}

/// POSTs JSON with a bearer token (or none); the answer when it is `expected`.
async fn api_post(
    visitor: &Visitor,
    step: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
    expected: &[StatusCode],
) -> Result<Value, Fail> {
    let mut request = visitor
        .http
        .post(format!("{}/api/v1{path}", visitor.base))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| failed(step, &e))?;
    let status = response.status();
    let answer: Value = response.json().await.map_err(|e| failed(step, &e))?;
    if expected.contains(&status) {
        Ok(answer)
    } else {
        Err(format!(
            "{step}: HTTP {} {}",
            status.as_u16(),
            answer["code"].as_str().unwrap_or("")
        ))
    }
}

/// A password log-in's API token for `email`.
async fn password_token(
    visitor: &Visitor,
    step: &str,
    email: &str,
    password: &str,
) -> Result<String, Fail> {
    let answer = api_post(
        visitor,
        step,
        "/tokens",
        None,
        &json!({"email": email, "password": password}),
        &[StatusCode::CREATED],
    )
    .await?;
    answer["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{step}: no token"))
}

/// `config.door_gates` accounts made door staff of the event, each holding a personal
/// `door` token (not timed).
async fn prepare_gates(config: &Config, event_id: i32) -> Result<Vec<Gate>, Fail> {
    let desk = Visitor::new(config, true)?;
    let admin_token = password_token(
        &desk,
        "admin API token",
        &config.admin_email,
        &config.admin_password,
    )
    .await?;
    let mut gates = Vec::with_capacity(config.door_gates);
    for n in 0..config.door_gates {
        let email = format!("gate-{}-{n}@bench.example.com", config.run_tag);
        let visitor = Visitor::new(config, true)?;
        visitor.register(&email).await?;
        api_post(
            &desk,
            "door staff grant",
            "/admin/door-staff",
            Some(&admin_token),
            &json!({"email": email, "event_id": event_id}),
            &[StatusCode::CREATED, StatusCode::OK],
        )
        .await?;
        let login = password_token(&visitor, "gate API token", &email, PASSWORD).await?;
        let made = api_post(
            &visitor,
            "gate door token",
            "/tokens/personal",
            Some(&login),
            &json!({"name": format!("Gate {n}"), "scope": "door", "expires_in_days": 7}),
            &[StatusCode::CREATED],
        )
        .await?;
        let token = made["token"]
            .as_str()
            .ok_or("gate door token: no token")?
            .to_owned();
        gates.push(Gate { visitor, token });
    }
    Ok(gates)
}

/// Buyers of `PER_BOOKING` free seats each, a few at a time: their codes.
async fn prepare_codes(config: &Config, sale: Sale, buyers: usize) -> Result<Vec<String>, Fail> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..PREPARE_CONCURRENCY.min(buyers) {
        let next = next.clone();
        let tag = config.run_tag;
        let base = config.base.clone();
        tasks.spawn(async move {
            let mut codes = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= buyers {
                    return Ok::<_, Fail>(codes);
                }
                let visitor = Visitor::at(&base, true)?;
                visitor
                    .register(&format!("door-{tag}-{n}@bench.example.com"))
                    .await?;
                codes.extend(book_and_read(&visitor, sale).await?);
            }
        });
    }
    let mut codes = Vec::with_capacity(buyers * PER_BOOKING);
    while let Some(joined) = tasks.join_next().await {
        let prepared = joined.map_err(|e| format!("prepare task: {e}"))?;
        codes.extend(prepared.map_err(|e| format!("preparing the door rush: {e}"))?);
    }
    Ok(codes)
}

/// Books `PER_BOOKING` free seats, confirms them, and reads their codes.
async fn book_and_read(visitor: &Visitor, sale: Sale) -> Result<Vec<String>, Fail> {
    let token = visitor
        .token("door event page", &format!("/events/{}", sale.event_id))
        .await?;
    let booking = match visitor.reserve_n(sale, &token, Some(PER_BOOKING)).await? {
        Reservation::Held(booking) => booking,
        Reservation::SoldOut => return Err("door rush: sold out while preparing".into()),
    };
    let path = format!("/bookings/{booking}");
    visitor
        .post_see_other(
            "confirm free",
            &format!("{path}/pay"),
            &[("csrf_token", &token)],
            &path,
        )
        .await?;
    let page = visitor.page("ticket page", &path).await?;
    let marker = "aria-label=\"QR code of ticket ";
    let codes: Vec<String> = page
        .split(marker)
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    if codes.len() != PER_BOOKING {
        return Err(format!("ticket page: {} codes", codes.len()));
    }
    Ok(codes)
}
