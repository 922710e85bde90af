//! (g) The login flood (`BENCH_ONLY=flood`, run by `scripts/bench.sh … flood` with the
//! production bcrypt cost): the event page at 16 connections alone, then again while one
//! client sends wrong passwords for ever-new emails at `BENCH_FLOOD_PER_SECOND` (20)
//! logins a second from the same address. Reports both page rows, the flood's answers
//! by status, and the ratio of the two p99s: what one client's login flood does to
//! everyone's page views.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Config, Fail, Row, Tally, Visitor, browse};

pub(super) async fn run(config: &Config, event_page: &str) -> Result<Vec<Row>, Fail> {
    eprintln!("load: GET {event_page} at 16 connections, no flood");
    let mut quiet = browse(config, event_page, 16, false).await?;
    quiet.scenario = format!("(g) GET {event_page}, no flood");

    let per_second = flood_rate();
    let attacker = Visitor::new(config, true)?;
    let token = attacker.token("flood: login page", "/login").await?;
    let stop = Arc::new(AtomicBool::new(false));
    let flood = {
        let stop = stop.clone();
        let tag = config.run_tag;
        tokio::spawn(async move { flood(attacker, token, per_second, tag, stop).await })
    };
    eprintln!("load: GET {event_page} at 16 connections during a {per_second}/s login flood");
    let mut loud = browse(config, event_page, 16, false).await?;
    stop.store(true, Ordering::Relaxed);
    let (tally, statuses) = flood.await.map_err(|e| format!("flood task: {e}"))?;
    let ratio = loud.p99 as f64 / quiet.p99.max(1) as f64;
    loud.scenario = format!("(g) GET {event_page}, during the flood");
    loud.notes = format!(
        "p99 {ratio:.2}× the quiet run; the flood's answers: {}",
        statuses
            .iter()
            .map(|(status, n)| format!("{n} × {status}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let flood_row = tally.row(
        format!("(g) the flood: wrong passwords, {per_second}/s"),
        1,
        config.duration,
        "login",
        "one client, one address".to_owned(),
    );
    Ok(vec![quiet, loud, flood_row])
}

fn flood_rate() -> u64 {
    std::env::var("BENCH_FLOOD_PER_SECOND")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(20_u64)
        .clamp(1, 1000)
}

/// Sends one wrong login every 1/`per_second` s (each on its own task, so a slow answer
/// does not slow the flood) until `stop`; the answers' statuses.
async fn flood(
    attacker: Visitor,
    token: String,
    per_second: u64,
    tag: u128,
    stop: Arc<AtomicBool>,
) -> (Tally, BTreeMap<u16, u64>) {
    let attacker = Arc::new(attacker);
    let token = Arc::new(token);
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / per_second));
    let mut sent = tokio::task::JoinSet::new();
    let mut n = 0_u64;
    while !stop.load(Ordering::Relaxed) {
        ticker.tick().await;
        n += 1;
        let (attacker, token) = (attacker.clone(), token.clone());
        sent.spawn(async move {
            let email = format!("flood-{tag}-{n}@bench.example.com");
            let form = [
                ("email", email.as_str()),
                ("password", "not the password"),
                ("csrf_token", token.as_str()),
            ];
            let began = Instant::now();
            let answer = attacker.post("flood login", "/login", &form).await;
            (began.elapsed(), answer.map(|(status, _)| status.as_u16()))
        });
    }
    let mut tally = Tally::default();
    let mut statuses = BTreeMap::new();
    while let Some(joined) = sent.join_next().await {
        let Ok((took, answer)) = joined else { continue };
        match answer {
            Ok(status) => {
                *statuses.entry(status).or_default() += 1;
                tally.record(took, Ok(()));
            }
            Err(fail) => tally.record(took, Err(fail)),
        }
    }
    (tally, statuses)
}
