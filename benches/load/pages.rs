//! (a) Page views: anonymous GETs of the front page, the event page (also asking gzip)
//! and the API's event at 16 and 64 keep-alive connections. With the bare reference
//! page running (`benches/bare.rs`, `BENCH_BARE_URL`), it is measured first at the same
//! connections, and every row says the server's CPU per request (from `/proc`) and its
//! rate and CPU as ratios to the bare page's: the shop's own cost, apart from the
//! stack's and the load tool's. `BENCH_PAGES` picks some of them (`wanted`).

use std::time::Duration;

use super::{Config, Fail, Row, browse, browse_at, cpu};

/// The bare page's rate and CPU per request at one connection count.
struct Reference {
    connections: usize,
    rate: f64,
    cpu_per_request: Option<Duration>,
}

/// The pages measured, by name (`BENCH_PAGES`, a comma-separated subset of
/// `bare,front,event,gzip,api`; all by default): one page alone for a profile, say.
fn wanted(name: &str) -> bool {
    match std::env::var("BENCH_PAGES") {
        Ok(list) if !list.trim().is_empty() => list.split(',').any(|n| n.trim() == name),
        _ => true,
    }
}

pub(super) async fn run(config: &Config, demo: i32) -> Result<Vec<Row>, Fail> {
    let mut rows = Vec::new();
    let mut references = Vec::new();
    if let Some(bare) = config.bare.as_ref().filter(|_| wanted("bare")) {
        for connections in [16, 64] {
            eprintln!("load: GET the bare reference page at {connections} connections");
            let (row, spent) = cpu::during(
                config.bare_pid,
                browse_at(bare, config.duration, "/events/1", connections, false),
            )
            .await;
            let mut row = row?;
            let per_request = per_request(spent, &row);
            row.scenario = "(a) the bare reference page (`benches/bare.rs`)".into();
            row.notes = per_request.map_or_else(String::new, |cpu| {
                format!("server CPU {} µs/req", cpu.as_micros())
            });
            references.push(Reference {
                connections,
                rate: rate(&row),
                cpu_per_request: per_request,
            });
            rows.push(row);
        }
    }
    let event_page = format!("/events/{demo}");
    let api_event = format!("/api/v1/events/{demo}");
    let page_views = [
        ("front", "/", false),
        ("event", event_page.as_str(), false),
        ("gzip", event_page.as_str(), true),
        ("api", api_event.as_str(), false),
    ];
    for (_, path, gzip) in page_views.into_iter().filter(|(name, ..)| wanted(name)) {
        for connections in [16, 64] {
            eprintln!("load: GET {path} at {connections} connections (gzip: {gzip})");
            let (row, spent) =
                cpu::during(config.server_pid, browse(config, path, connections, gzip)).await;
            let mut row = row?;
            let reference = references.iter().find(|r| r.connections == connections);
            let compared = compare(per_request(spent, &row), rate(&row), reference);
            if !compared.is_empty() {
                row.notes = if row.notes.is_empty() {
                    compared
                } else {
                    format!("{}; {compared}", row.notes)
                };
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

fn rate(row: &Row) -> f64 {
    row.completed as f64 / row.wall.as_secs_f64().max(1e-9)
}

/// The server's CPU time per completed request.
fn per_request(spent: Option<Duration>, row: &Row) -> Option<Duration> {
    let spent = spent?;
    let completed = u32::try_from(row.completed).ok().filter(|&n| n > 0)?;
    Some(spent / completed)
}

/// "server CPU 52 µs/req (2.9× bare); rate 0.36× bare".
fn compare(cpu: Option<Duration>, rate: f64, reference: Option<&Reference>) -> String {
    let mut parts = Vec::new();
    if let Some(cpu) = cpu {
        let mut part = format!("server CPU {} µs/req", cpu.as_micros());
        if let Some(bare) = reference.and_then(|r| r.cpu_per_request) {
            let ratio = cpu.as_secs_f64() / bare.as_secs_f64().max(1e-9);
            part.push_str(&format!(" ({ratio:.2}× bare)"));
        }
        parts.push(part);
    }
    if let Some(reference) = reference {
        parts.push(format!("rate {:.2}× bare", rate / reference.rate.max(1e-9)));
    }
    parts.join("; ")
}
