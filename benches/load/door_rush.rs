//! (e) The door rush: a free ticket type sold out to buyers of 10 seats each until
//! `BENCH_DOOR_CODES` codes exist (not timed), then 4 gates (admin sessions, which may
//! keep every door) scan every code once plus 5% of them a second time, each gate as
//! fast as it can on one keep-alive connection. Reports scans/s and latency; the
//! invariant: exactly one ADMIT per code, every other answer ALREADY CHECKED IN.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::task::JoinSet;

use super::{Admin, Config, Fail, PREPARE_CONCURRENCY, Reservation, Row, Sale, Tally, Visitor};

const GATES: usize = 4;
/// Seats per booking (the ticket type's default cap).
const PER_BOOKING: usize = 10;
/// One repeat per this many codes (5%).
const REPEAT_EVERY: usize = 20;

pub(super) async fn run(config: &Config, admin: &Admin) -> Result<Row, Fail> {
    let codes_wanted = config.door_codes.div_ceil(PER_BOOKING) * PER_BOOKING;
    let sale = admin
        .create_sale_at("Bench: the door rush", "Door", codes_wanted, "0")
        .await?;
    eprintln!(
        "load: preparing {codes_wanted} codes for the door rush on event {}",
        sale.event_id
    );
    let codes = prepare_codes(config, sale, codes_wanted / PER_BOOKING).await?;
    let mut scans: Vec<String> = codes.clone();
    scans.extend(codes.iter().step_by(REPEAT_EVERY).cloned());
    let mut gates = Vec::new();
    for _ in 0..GATES {
        gates.push(Admin::log_in(config).await?);
    }
    let path = format!("/door/events/{}/scan", sale.event_id);
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for (n, gate) in gates.into_iter().enumerate() {
        let mine: Vec<String> = scans.iter().skip(n).step_by(GATES).cloned().collect();
        let path = path.clone();
        tasks.spawn(async move { scan_all(gate, n, &path, mine).await });
    }
    let mut tally = Tally::default();
    let mut admits: HashMap<String, usize> = HashMap::new();
    let mut already = 0_usize;
    while let Some(joined) = tasks.join_next().await {
        let (gate_tally, answers) = joined.map_err(|e| format!("door task: {e}"))?;
        tally.merge(gate_tally);
        for (code, headline) in answers {
            match headline.as_str() {
                "ADMIT" => *admits.entry(code).or_default() += 1,
                "ALREADY CHECKED IN" => already += 1,
                _ => {}
            }
        }
    }
    let wall = start.elapsed();
    let repeats = scans.len() - codes.len();
    let right =
        admits.len() == codes.len() && admits.values().all(|&n| n == 1) && already == repeats;
    let notes = format!(
        "{}: {} codes admitted once of {}, {already} ALREADY CHECKED IN of {repeats} repeats; {:.0} scans/s",
        if right { "OK" } else { "WRONG" },
        admits.values().filter(|&&n| n == 1).count(),
        codes.len(),
        scans.len() as f64 / wall.as_secs_f64().max(1e-9),
    );
    let mut row = tally.row(
        "(e) the door rush: 4 gates scan".into(),
        GATES,
        wall,
        "scans",
        notes,
    );
    row.wrong = !right;
    Ok(row)
}

/// One gate scanning its share in turn; the tally and (code, headline) per scan.
async fn scan_all(
    gate: Admin,
    n: usize,
    path: &str,
    codes: Vec<String>,
) -> (Tally, Vec<(String, String)>) {
    let mut tally = Tally::default();
    let mut answers = Vec::with_capacity(codes.len());
    let name = format!("Gate {n}");
    for (i, code) in codes.into_iter().enumerate() {
        let nonce = format!("g{n}s{i}");
        let form = [
            ("csrf_token", gate.token.as_str()),
            ("code", code.as_str()),
            ("gate", name.as_str()),
            ("nonce", nonce.as_str()),
        ];
        let sent = Instant::now();
        let outcome = scan(&gate.visitor, path, &form).await;
        let outcome = outcome.map(|headline| answers.push((code, headline)));
        tally.record(sent.elapsed(), outcome);
    }
    (tally, answers)
}

async fn scan(visitor: &Visitor, path: &str, form: &[(&str, &str)]) -> Result<String, Fail> {
    let response = visitor
        .http
        .post(format!("{}{path}", visitor.base))
        .form(form)
        .send()
        .await
        .map_err(|e| super::failed("scan", &e))?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .map_err(|e| super::failed("scan", &e))?;
    if status != 200 {
        return Err(format!("scan: HTTP {status}"));
    }
    body.split("id=\"answer-headline\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .map(str::to_owned)
        .ok_or_else(|| "scan: no answer on the page".into())
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
