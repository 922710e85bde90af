//! Load tool: drives a running boxoffice over real HTTP and prints a markdown table.
//!
//! Start it through `scripts/bench.sh`, which builds release, starts the server on a
//! fresh database, creates the admin and sets:
//!
//! - `BOXOFFICE_URL` (default `http://127.0.0.1:8080`), only 127.0.0.1 is accepted;
//! - `BENCH_ADMIN_EMAIL`, `BENCH_ADMIN_PASSWORD`: an admin made with `create-admin`;
//! - `BOXOFFICE_PID` (optional): the server's pid, to read its peak RSS;
//! - `BENCH_ENGINE` (a label), `BENCH_SECONDS` (10), `BENCH_RUSH_BUYERS` (2000),
//!   `BENCH_RUSH_SEATS` (500);
//! - `BENCH_ONLY=rush` (optional): run only (c), the rush (memory and answers under it);
//!   `BENCH_ONLY=flood`: run only (g), the login flood (`load/login_flood.rs`);
//!   `BENCH_ONLY=pages`: run only (a), the page views; `BENCH_ONLY=door`: only (e);
//! - `BENCH_BARE_URL`, `BENCH_BARE_PID` (optional): the bare reference page
//!   (`benches/bare.rs`), which (a) measures first and compares every page with;
//! - `BOXOFFICE_URL_2` (optional): a second instance on the same database; the rush's
//!   buyers are split half and half between the two (`scripts/bench.sh postgres-2`).
//!
//! Scenarios: (a) anonymous page views at 16 and 64 connections (the event page also
//! with `Accept-Encoding: gzip`), each with the server's CPU per request and as a ratio
//! to the bare reference page (`load/pages.rs`), (b) fresh buyers
//! registering and reserving at 16 and 64 concurrent users, (c) the rush: 2000
//! prepared buyers release their reserve POSTs at once on 500 seats, (d) the mixed
//! rush: the same with each buyer asking 1–4 seats in one booking (group bookings),
//! (e) the door rush: `BENCH_DOOR_GATES` (40) gates scanning `BENCH_DOOR_CODES`
//! (10,000) distinct codes plus 5% repeats through the scanners' API, each with its own
//! door token, as fast as they can (`load/door_rush.rs`), (f) the API rush: 2000 token
//! holders booking through `POST /api/v1/events/{id}/bookings` at once on 500 seats
//! (`load/api_rush.rs`); scenario (a) also reads `GET /api/v1/events/{id}`; (g) the
//! login flood, alone (`BENCH_ONLY=flood`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{ACCEPT_ENCODING, HeaderMap, HeaderValue, LOCATION};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

#[path = "load/api_rush.rs"]
mod api_rush;
#[path = "load/cpu.rs"]
mod cpu;
#[path = "load/door_rush.rs"]
mod door_rush;
#[path = "load/login_flood.rs"]
mod login_flood;
#[path = "load/pages.rs"]
mod pages;

/// A failed step, already phrased for the error breakdown ("reserve: HTTP 503").
type Fail = String;

const PASSWORD: &str = "bench-password-4-load";
/// How many buyers are prepared at once before the rush (not timed).
const PREPARE_CONCURRENCY: usize = 32;
/// The most journeys one scenario (b) run may start, whatever the duration.
const MAX_JOURNEYS: usize = 200_000;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("load: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Fail> {
    let config = Config::from_env()?;
    let admin = Admin::log_in(&config).await?;
    let demo = admin.event_with_ticket_types(3).await?;
    let big = admin
        .create_sale("Bench: buyer loop", "General admission", 1_000_000)
        .await?;
    let rush = admin
        .create_sale("Bench: the rush", "Rush", config.rush_seats)
        .await?;
    eprintln!(
        "load: event {demo} (three ticket types), buyer loop on event {} type {}, rush on event {} type {}",
        big.event_id, big.ticket_type_id, rush.event_id, rush.ticket_type_id
    );

    let mut report = Report::default();
    if config.only == Only::Flood {
        for row in login_flood::run(&config, &format!("/events/{demo}")).await? {
            report.push(row);
        }
        report.rss("after the login flood", &config);
        report.print(&config);
        return report.verdict();
    }
    if config.only == Only::Door {
        report.push(door_rush::run(&config, &admin).await?);
        report.rss("after the door rush", &config);
        report.print(&config);
        return report.verdict();
    }
    if config.only == Only::Rush {
        eprintln!(
            "load: BENCH_ONLY=rush: preparing {} buyers",
            config.rush_buyers
        );
        report.push(the_rush(&config, rush).await?);
        report.rss("after the rush", &config);
        report.print(&config);
        return report.verdict();
    }
    for row in pages::run(&config, demo).await? {
        report.push(row);
    }
    report.rss("after page views", &config);
    if config.only == Only::Pages {
        report.print(&config);
        return report.verdict();
    }
    for users in [16, 64] {
        eprintln!("load: buyer journeys at {users} users");
        report.push(buyers(&config, big, users).await?);
    }
    report.rss("after buyer journeys", &config);
    eprintln!("load: preparing {} buyers for the rush", config.rush_buyers);
    report.push(the_rush(&config, rush).await?);
    report.rss("after the rush", &config);
    let mixed = admin
        .create_sale("Bench: the mixed rush", "Groups", config.rush_seats)
        .await?;
    eprintln!(
        "load: preparing {} buyers of 1–4 seats for the mixed rush on event {} type {}",
        config.rush_buyers, mixed.event_id, mixed.ticket_type_id
    );
    report.push(the_mixed_rush(&config, mixed).await?);
    report.rss("after the mixed rush", &config);
    report.push(api_rush::run(&config, &admin).await?);
    report.rss("after the API rush", &config);
    report.push(door_rush::run(&config, &admin).await?);
    report.rss("after the door rush", &config);
    report.print(&config);
    report.verdict()
}

/// Which scenarios run (`BENCH_ONLY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    Everything,
    /// (c) the rush.
    Rush,
    /// (g) the login flood.
    Flood,
    /// (a) the page views.
    Pages,
    /// (e) the door rush.
    Door,
}

/// The settings the script passes in.
struct Config {
    base: String,
    /// A second instance on the same database: the rush's odd buyers go there.
    base_2: Option<String>,
    /// `BENCH_ONLY`: one scenario alone.
    only: Only,
    /// The bare reference page's server (`benches/bare.rs`) and its pid.
    bare: Option<String>,
    bare_pid: Option<u32>,
    admin_email: String,
    admin_password: String,
    server_pid: Option<u32>,
    engine: String,
    duration: Duration,
    rush_buyers: usize,
    rush_seats: usize,
    /// Distinct codes the door rush scans.
    door_codes: usize,
    /// Gates (scanners, each with its own door token) the door rush scans with.
    door_gates: usize,
    /// Makes this run's emails unique, so the tool can run twice on one database.
    run_tag: u128,
}

impl Config {
    fn from_env() -> Result<Config, Fail> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let number = |name: &str, default: usize| -> Result<usize, Fail> {
            var(name).map_or(Ok(default), |v| {
                v.trim()
                    .parse()
                    .map_err(|_| format!("{name}: not a number: {v}"))
            })
        };
        let local = |name: &str, base: String| -> Result<String, Fail> {
            let base = base.trim_end_matches('/').to_owned();
            if base.starts_with("http://127.0.0.1:") {
                Ok(base)
            } else {
                Err(format!(
                    "{name}: only http://127.0.0.1:<port> is load-tested, got {base}"
                ))
            }
        };
        let base = local(
            "BOXOFFICE_URL",
            var("BOXOFFICE_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into()),
        )?;
        let base_2 = match var("BOXOFFICE_URL_2") {
            Some(url) => Some(local("BOXOFFICE_URL_2", url)?),
            None => None,
        };
        let only = match var("BENCH_ONLY").as_deref() {
            None => Only::Everything,
            Some("rush") => Only::Rush,
            Some("flood") => Only::Flood,
            Some("pages") => Only::Pages,
            Some("door") => Only::Door,
            Some(other) => {
                return Err(format!(
                    "BENCH_ONLY: `rush`, `flood`, `pages` or `door` are known, got {other}"
                ));
            }
        };
        let bare = match var("BENCH_BARE_URL") {
            Some(url) => Some(local("BENCH_BARE_URL", url)?),
            None => None,
        };
        Ok(Config {
            base,
            base_2,
            only,
            bare,
            bare_pid: var("BENCH_BARE_PID").and_then(|p| p.trim().parse().ok()),
            admin_email: var("BENCH_ADMIN_EMAIL").ok_or("BENCH_ADMIN_EMAIL: not set")?,
            admin_password: var("BENCH_ADMIN_PASSWORD").ok_or("BENCH_ADMIN_PASSWORD: not set")?,
            server_pid: var("BOXOFFICE_PID").and_then(|p| p.trim().parse().ok()),
            engine: var("BENCH_ENGINE").unwrap_or_else(|| "unknown engine".into()),
            duration: Duration::from_secs(number("BENCH_SECONDS", 10)?.clamp(1, 120) as u64),
            rush_buyers: number("BENCH_RUSH_BUYERS", 2000)?.clamp(1, 10_000),
            rush_seats: number("BENCH_RUSH_SEATS", 500)?.clamp(1, 1_000_000),
            door_codes: number("BENCH_DOOR_CODES", 10_000)?.clamp(10, 100_000),
            door_gates: number("BENCH_DOOR_GATES", 40)?.clamp(1, 200),
            run_tag: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis()),
        })
    }
}

/// One simulated browser: its own cookie jar, redirects not followed.
struct Visitor {
    http: Client,
    base: String,
}

impl Visitor {
    /// `keep_alive: false` opens a fresh connection per request (the rush buyers,
    /// whose idle connections the server would have closed while they waited).
    fn new(config: &Config, keep_alive: bool) -> Result<Visitor, Fail> {
        Visitor::at(&config.base, keep_alive)
    }

    fn at(base: &str, keep_alive: bool) -> Result<Visitor, Fail> {
        Visitor::build(base, keep_alive, HeaderMap::new())
    }

    /// A browser asking for gzip, as every real one does. This client does not decode
    /// bodies: use it only with `fetch`.
    fn asking_gzip(base: &str) -> Result<Visitor, Fail> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        Visitor::build(base, true, headers)
    }

    fn build(base: &str, keep_alive: bool, headers: HeaderMap) -> Result<Visitor, Fail> {
        let mut builder = Client::builder()
            .default_headers(headers)
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30));
        if !keep_alive {
            builder = builder.pool_max_idle_per_host(0);
        }
        Ok(Visitor {
            http: builder.build().map_err(|e| format!("HTTP client: {e}"))?,
            base: base.to_owned(),
        })
    }

    /// GET `path`, expecting 200; the body.
    async fn page(&self, step: &str, path: &str) -> Result<String, Fail> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| failed(step, &e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| failed(step, &e))?;
        if status == StatusCode::OK {
            Ok(body)
        } else {
            Err(format!("{step}: HTTP {}", status.as_u16()))
        }
    }

    /// GET `path`, expecting 200; the body is read and dropped.
    async fn fetch(&self, step: &str, path: &str) -> Result<(), Fail> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| failed(step, &e))?;
        let status = response.status();
        response.bytes().await.map_err(|e| failed(step, &e))?;
        if status == StatusCode::OK {
            Ok(())
        } else {
            Err(format!("{step}: HTTP {}", status.as_u16()))
        }
    }

    /// GET `path`, expecting 200, and the CSRF token on it.
    async fn token(&self, step: &str, path: &str) -> Result<String, Fail> {
        let body = self.page(step, path).await?;
        csrf_token(&body).ok_or_else(|| format!("{step}: no csrf_token on the page"))
    }

    /// POST a form; the status and the Location header (empty when absent).
    async fn post(
        &self,
        step: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<(StatusCode, String), Fail> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .map_err(|e| failed(step, &e))?;
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        response.bytes().await.map_err(|e| failed(step, &e))?;
        Ok((status, location))
    }

    /// POST a form that must answer 303 to a Location starting with `to`.
    async fn post_see_other(
        &self,
        step: &str,
        path: &str,
        fields: &[(&str, &str)],
        to: &str,
    ) -> Result<String, Fail> {
        let (status, location) = self.post(step, path, fields).await?;
        if status != StatusCode::SEE_OTHER {
            return Err(format!("{step}: HTTP {}", status.as_u16()));
        }
        if !location.starts_with(to) {
            return Err(format!("{step}: 303 to {}", strip_digits(&location)));
        }
        Ok(location)
    }

    async fn register(&self, email: &str) -> Result<(), Fail> {
        let token = self.token("register page", "/register").await?;
        let form = [
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ];
        self.post_see_other("register", "/register", &form, "/login")
            .await?;
        // Registering does not log in (it must answer a taken email alike): log in.
        let token = self.token("login page", "/login").await?;
        let form = [
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ];
        self.post_see_other("log in", "/login", &form, "/")
            .await
            .map(drop)
    }

    /// POST the reserve form with the token in hand (no quantity field: one seat).
    async fn reserve(&self, sale: Sale, token: &str) -> Result<Reservation, Fail> {
        self.reserve_n(sale, token, None).await
    }

    /// POST the reserve form asking for `quantity` seats in one booking.
    async fn reserve_n(
        &self,
        sale: Sale,
        token: &str,
        quantity: Option<usize>,
    ) -> Result<Reservation, Fail> {
        let ticket_type = sale.ticket_type_id.to_string();
        let quantity = quantity.map(|q| q.to_string());
        let mut form = vec![
            ("ticket_type_id", ticket_type.as_str()),
            ("csrf_token", token),
        ];
        if let Some(quantity) = &quantity {
            form.push(("quantity", quantity.as_str()));
        }
        let path = format!("/events/{}/reserve", sale.event_id);
        let (status, location) = self.post("reserve", &path, &form).await?;
        if status != StatusCode::SEE_OTHER {
            return Err(format!("reserve: HTTP {}", status.as_u16()));
        }
        if let Some(booking) = location.strip_prefix("/bookings/") {
            return booking
                .parse()
                .map(Reservation::Held)
                .map_err(|_| format!("reserve: 303 to {location}"));
        }
        if location == format!("/events/{}", sale.event_id) {
            return Ok(Reservation::SoldOut);
        }
        Err(format!("reserve: 303 to {}", strip_digits(&location)))
    }
}

/// How a reserve POST ended when the server answered as designed.
enum Reservation {
    Held(i64),
    /// Sent back to the event page: sold out, or (a quantity) refused by the rules.
    SoldOut,
}

/// A ticket type on sale, as the buyers target it.
#[derive(Debug, Clone, Copy)]
struct Sale {
    event_id: i32,
    ticket_type_id: i32,
}

/// The admin's session, used to set up the sales (not timed).
struct Admin {
    visitor: Visitor,
    token: String,
}

impl Admin {
    async fn log_in(config: &Config) -> Result<Admin, Fail> {
        let visitor = Visitor::new(config, true)?;
        let token = visitor.token("login page", "/login").await?;
        let form = [
            ("email", config.admin_email.as_str()),
            ("password", config.admin_password.as_str()),
            ("csrf_token", token.as_str()),
        ];
        visitor
            .post_see_other("admin login", "/login", &form, "/")
            .await?;
        let token = visitor.token("admin dashboard", "/admin").await?;
        Ok(Admin { visitor, token })
    }

    /// The first listed event with exactly `count` ticket types (the demo's jazz night).
    async fn event_with_ticket_types(&self, count: usize) -> Result<i32, Fail> {
        let home = self.visitor.page("home", "/").await?;
        for event in ids_after(&home, "href=\"/events/") {
            let edit = self
                .visitor
                .page("admin edit", &format!("/admin/events/{event}/edit"))
                .await?;
            if ids_after(&edit, "/admin/ticket-types/").len() == count {
                return Ok(event);
            }
        }
        Err(format!(
            "no event with {count} ticket types on the home page: start the server with `serve` on an empty database"
        ))
    }

    /// Creates and publishes an event with one ticket type of `seats` seats at €25.00.
    async fn create_sale(&self, title: &str, type_name: &str, seats: usize) -> Result<Sale, Fail> {
        self.create_sale_at(title, type_name, seats, "25.00").await
    }

    /// As `create_sale`, at `price` ("0" makes a free type, confirmed without checkout).
    async fn create_sale_at(
        &self,
        title: &str,
        type_name: &str,
        seats: usize,
        price: &str,
    ) -> Result<Sale, Fail> {
        let day = (chrono::Utc::now() + chrono::TimeDelta::days(60)).format("%Y-%m-%d");
        let (starts, ends) = (format!("{day}T19:00"), format!("{day}T23:00"));
        let token = self.token.as_str();
        let event = [
            ("title", title),
            ("description", "Created by the load tool."),
            ("venue", "Loopback Hall"),
            ("starts_at", starts.as_str()),
            ("ends_at", ends.as_str()),
            ("csrf_token", token),
        ];
        let edit = self
            .visitor
            .post_see_other("create event", "/admin/events", &event, "/admin/events/")
            .await?;
        let event_id = ids_after(&edit, "/admin/events/")
            .first()
            .copied()
            .ok_or_else(|| format!("create event: unexpected Location {edit}"))?;
        let quantity = seats.to_string();
        let ticket_type = [
            ("name", type_name),
            ("price", price),
            ("currency", "EUR"),
            ("quantity", quantity.as_str()),
            ("csrf_token", token),
        ];
        let path = format!("/admin/events/{event_id}/ticket-types");
        self.visitor
            .post_see_other("add ticket type", &path, &ticket_type, "/admin/events/")
            .await?;
        let path = format!("/admin/events/{event_id}/publish");
        self.visitor
            .post_see_other("publish", &path, &[("csrf_token", token)], "/admin")
            .await?;
        let edit_page = self
            .visitor
            .page("admin edit", &format!("/admin/events/{event_id}/edit"))
            .await?;
        let ticket_type_id = ids_after(&edit_page, "/admin/ticket-types/")
            .first()
            .copied()
            .ok_or("add ticket type: the edit page lists no ticket type")?;
        Ok(Sale {
            event_id,
            ticket_type_id,
        })
    }
}

/// (a) Anonymous GETs of `path` on `connections` keep-alive connections.
async fn browse(config: &Config, path: &str, connections: usize, gzip: bool) -> Result<Row, Fail> {
    browse_at(&config.base, config.duration, path, connections, gzip).await
}

/// As `browse`, against the server at `base` (the bare reference page, say).
async fn browse_at(
    base: &str,
    duration: Duration,
    path: &str,
    connections: usize,
    gzip: bool,
) -> Result<Row, Fail> {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = JoinSet::new();
    for _ in 0..connections {
        let visitor = if gzip {
            Visitor::asking_gzip(base)?
        } else {
            Visitor::at(base, true)?
        };
        let path = path.to_owned();
        tasks.spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let outcome = visitor.fetch("GET", &path).await;
                tally.record(sent.elapsed(), outcome);
            }
            tally
        });
    }
    let tally = Tally::join(tasks).await?;
    let (label, notes) = if gzip {
        (
            format!("(a) GET {path}, gzip"),
            "Accept-Encoding: gzip, as browsers send".to_owned(),
        )
    } else {
        (format!("(a) GET {path}"), String::new())
    };
    Ok(tally.row(label, connections, start.elapsed(), "req", notes))
}

/// (b) Fresh buyers: register, load the event page, reserve; `users` at a time.
async fn buyers(config: &Config, sale: Sale, users: usize) -> Result<Row, Fail> {
    let start = Instant::now();
    let deadline = start + config.duration;
    let started = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for user in 0..users {
        let started = started.clone();
        let event_page = format!("/events/{}", sale.event_id);
        let email_prefix = format!("b{users}-{}-{user}", config.run_tag);
        let base = config.base.clone();
        tasks.spawn(async move {
            let mut tally = Tally::default();
            let mut n = 0;
            while Instant::now() < deadline
                && started.fetch_add(1, Ordering::Relaxed) < MAX_JOURNEYS
            {
                n += 1;
                let email = format!("{email_prefix}-{n}@bench.example.com");
                let began = Instant::now();
                let outcome = journey(&base, &email, &event_page, sale).await;
                tally.record(began.elapsed(), outcome);
            }
            tally
        });
    }
    let tally = Tally::join(tasks).await?;
    Ok(tally.row(
        "(b) buyer journey".into(),
        users,
        start.elapsed(),
        "journeys",
        "register + log in + event page + reserve; 6 requests each, new connection per journey"
            .into(),
    ))
}

/// One buyer's journey with a new browser (cookie jar and connection).
async fn journey(base: &str, email: &str, event_page: &str, sale: Sale) -> Result<(), Fail> {
    let visitor = Visitor::at(base, true)?;
    visitor.register(email).await?;
    let token = visitor.token("event page", event_page).await?;
    match visitor.reserve(sale, &token).await? {
        Reservation::Held(_) => Ok(()),
        Reservation::SoldOut => Err("reserve: sold out".into()),
    }
}

/// A buyer waiting for the sale: logged in, event page loaded, token in hand.
struct Buyer {
    visitor: Visitor,
    token: String,
}

/// (c) The rush: prepare every buyer (not timed), then release all reserve POSTs at once.
async fn the_rush(config: &Config, sale: Sale) -> Result<Row, Fail> {
    let buyers = prepare_buyers(config, sale).await?;
    let count = buyers.len();
    let gate = Arc::new(Barrier::new(count + 1));
    let mut tasks = JoinSet::new();
    for buyer in buyers {
        let gate = gate.clone();
        tasks.spawn(async move {
            gate.wait().await;
            let outcome = buyer.visitor.reserve(sale, &buyer.token).await;
            (Instant::now(), outcome)
        });
    }
    gate.wait().await;
    let released = Instant::now();
    let (mut held, mut sold_out) = (Vec::new(), 0_u64);
    let mut last_hold = Duration::ZERO;
    let mut tally = Tally::default();
    while let Some(joined) = tasks.join_next().await {
        let (answered, outcome) = joined.map_err(|e| format!("rush task: {e}"))?;
        let waited = answered.duration_since(released);
        let outcome = match outcome {
            Ok(Reservation::Held(booking)) => {
                held.push(booking);
                last_hold = last_hold.max(waited);
                Ok(())
            }
            Ok(Reservation::SoldOut) => {
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
    let holds_per_s = holds as f64 / last_hold.as_secs_f64().max(1e-9);
    let sold_out_page = Visitor::new(config, true)?
        .page("rush event page", &format!("/events/{}", sale.event_id))
        .await
        .map(|body| body.contains("Sold out"))
        .unwrap_or(false);
    let right = holds == config.rush_seats.min(count) && held.len() == holds;
    let notes = format!(
        "{}: {holds} held of {} seats ({} distinct tickets), {sold_out} sold out; \
         {holds_per_s:.0} holds/s (last hold at {}); page shows sold out: {}",
        if right { "OK" } else { "WRONG" },
        config.rush_seats,
        held.len(),
        millis(last_hold),
        if sold_out_page { "yes" } else { "no" },
    );
    let mut row = tally.row(
        "(c) the rush: reserve".into(),
        count,
        wall,
        "answers",
        notes,
    );
    row.wrong = !right;
    Ok(row)
}

/// How many seats mixed-rush buyer `n` asks for: 1, 2, 3, 4, 1, 2, …
fn mixed_quantity(n: usize) -> usize {
    n % 4 + 1
}

/// (d) The mixed rush: like (c), each buyer asking 1–4 seats in one booking. Every
/// request is judged by the ticket type's rule (here `any`, cap 10) against the seats
/// left, inside the batch's transaction; exactly the seats on sale must end up held
/// (fewer only if every refused request asked for more than was left).
async fn the_mixed_rush(config: &Config, sale: Sale) -> Result<Row, Fail> {
    let buyers = prepare_buyers(config, sale).await?;
    let count = buyers.len();
    let gate = Arc::new(Barrier::new(count + 1));
    let mut tasks = JoinSet::new();
    for (n, buyer) in buyers.into_iter().enumerate() {
        let gate = gate.clone();
        let quantity = mixed_quantity(n);
        tasks.spawn(async move {
            gate.wait().await;
            let outcome = buyer
                .visitor
                .reserve_n(sale, &buyer.token, Some(quantity))
                .await;
            (Instant::now(), quantity, outcome)
        });
    }
    gate.wait().await;
    let released = Instant::now();
    let (mut held, mut refused) = (Vec::new(), Vec::new());
    let mut held_seats = 0_usize;
    let mut last_hold = Duration::ZERO;
    let mut tally = Tally::default();
    while let Some(joined) = tasks.join_next().await {
        let (answered, quantity, outcome) = joined.map_err(|e| format!("mixed rush task: {e}"))?;
        let waited = answered.duration_since(released);
        let outcome = match outcome {
            Ok(Reservation::Held(booking)) => {
                held.push(booking);
                held_seats += quantity;
                last_hold = last_hold.max(waited);
                Ok(())
            }
            Ok(Reservation::SoldOut) => {
                refused.push(quantity);
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
    let seats = config.rush_seats;
    let left = seats.saturating_sub(held_seats);
    let demand: usize = (0..count).map(mixed_quantity).sum();
    let right = held.len() == holds
        && held_seats <= seats
        && (held_seats == seats.min(demand) || refused.iter().all(|&q| q > left));
    let last = last_hold.as_secs_f64().max(1e-9);
    let notes = format!(
        "{}: {held_seats} seats held of {seats} in {holds} bookings, {} refused or sold out;          {:.0} holds/s, {:.0} seats/s (last hold at {})",
        if right && held_seats == seats.min(demand) {
            "OK"
        } else if right {
            "OK (the seats left fit no refused request)"
        } else {
            "WRONG"
        },
        refused.len(),
        holds as f64 / last,
        held_seats as f64 / last,
        millis(last_hold),
    );
    let mut row = tally.row(
        "(d) the mixed rush: reserve 1–4 seats".into(),
        count,
        wall,
        "answers",
        notes,
    );
    row.wrong = !right;
    Ok(row)
}

/// Registers the rush buyers and loads the event page for each, a few at a time.
async fn prepare_buyers(config: &Config, sale: Sale) -> Result<Vec<Buyer>, Fail> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..PREPARE_CONCURRENCY.min(config.rush_buyers) {
        let next = next.clone();
        let total = config.rush_buyers;
        let tag = config.run_tag;
        let base = config.base.clone();
        let base_2 = config.base_2.clone();
        let event_page = format!("/events/{}", sale.event_id);
        tasks.spawn(async move {
            let mut buyers = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return Ok::<_, Fail>(buyers);
                }
                // With a second instance, every other buyer is its customer.
                let instance = match &base_2 {
                    Some(second) if n % 2 == 1 => second,
                    _ => &base,
                };
                let visitor = Visitor::at(instance, false)?;
                visitor
                    .register(&format!("rush-{tag}-{n}@bench.example.com"))
                    .await?;
                let page = visitor.page("rush event page", &event_page).await?;
                if !page.contains(&format!(
                    "name=\"ticket_type_id\" value=\"{}\"",
                    sale.ticket_type_id
                )) {
                    return Err("rush event page: no reserve form for the rush type".into());
                }
                let token = csrf_token(&page).ok_or("rush event page: no csrf_token")?;
                buyers.push(Buyer { visitor, token });
            }
        });
    }
    let mut buyers = Vec::with_capacity(config.rush_buyers);
    while let Some(joined) = tasks.join_next().await {
        let prepared = joined.map_err(|e| format!("prepare task: {e}"))?;
        buyers.extend(prepared.map_err(|e| format!("preparing the rush: {e}"))?);
    }
    Ok(buyers)
}

/// Latencies, successes and failures of one scenario.
#[derive(Default)]
struct Tally {
    micros: Vec<u64>,
    ok: u64,
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn record(&mut self, took: Duration, outcome: Result<(), Fail>) {
        self.micros
            .push(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
        match outcome {
            Ok(()) => self.ok += 1,
            Err(fail) => *self.errors.entry(fail).or_default() += 1,
        }
    }

    fn merge(&mut self, other: Tally) {
        self.micros.extend(other.micros);
        self.ok += other.ok;
        for (fail, n) in other.errors {
            *self.errors.entry(fail).or_default() += n;
        }
    }

    async fn join(mut tasks: JoinSet<Tally>) -> Result<Tally, Fail> {
        let mut all = Tally::default();
        while let Some(joined) = tasks.join_next().await {
            all.merge(joined.map_err(|e| format!("load task: {e}"))?);
        }
        Ok(all)
    }

    fn row(
        mut self,
        scenario: String,
        users: usize,
        wall: Duration,
        unit: &'static str,
        notes: String,
    ) -> Row {
        self.micros.sort_unstable();
        Row {
            scenario,
            users,
            wall,
            completed: self.ok,
            unit,
            p50: percentile(&self.micros, 50.0),
            p99: percentile(&self.micros, 99.0),
            max: self.micros.last().copied().unwrap_or(0),
            errors: self.errors,
            notes,
            wrong: false,
        }
    }
}

/// Nearest-rank percentile of sorted microseconds.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One line of the table.
struct Row {
    scenario: String,
    users: usize,
    wall: Duration,
    completed: u64,
    unit: &'static str,
    p50: u64,
    p99: u64,
    max: u64,
    errors: BTreeMap<String, u64>,
    notes: String,
    /// An invariant of the scenario was broken (the rush sold other than its seats).
    wrong: bool,
}

/// The table and the server's memory, printed at the end.
#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    rss: Vec<String>,
}

impl Report {
    fn push(&mut self, row: Row) {
        let errors: u64 = row.errors.values().sum();
        eprintln!(
            "load:   {} done, {errors} errors, p50 {}, p99 {}",
            row.completed,
            millis_us(row.p50),
            millis_us(row.p99)
        );
        self.rows.push(row);
    }

    /// Notes the server's peak resident memory so far (VmHWM) when its pid is known.
    fn rss(&mut self, when: &str, config: &Config) {
        let Some(pid) = config.server_pid else { return };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            self.rss.push(format!("{} MiB {when}", (kib + 512) / 1024));
        }
    }

    /// Fails when any request failed or the rush sold other than exactly its seats.
    fn verdict(&self) -> Result<(), Fail> {
        let errors: u64 = self.rows.iter().flat_map(|r| r.errors.values()).sum();
        let wrong = self.rows.iter().any(|r| r.wrong);
        match (errors, wrong) {
            (0, false) => Ok(()),
            (_, true) => Err("a rush did not sell exactly its seats".into()),
            (n, false) => Err(format!("{n} requests or journeys failed")),
        }
    }

    fn print(&self, config: &Config) {
        println!("### {}\n", config.engine);
        println!(
            "| Scenario | Concurrency | Wall time | Completed | Rate | p50 | p99 | max | Errors | Notes |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for row in &self.rows {
            let errors: u64 = row.errors.values().sum();
            let rate = row.completed as f64 / row.wall.as_secs_f64().max(1e-9);
            println!(
                "| {} | {} | {:.1} s | {} {} | {:.0} /s | {} | {} | {} | {} | {} |",
                row.scenario,
                row.users,
                row.wall.as_secs_f64(),
                row.completed,
                row.unit,
                rate,
                millis_us(row.p50),
                millis_us(row.p99),
                millis_us(row.max),
                errors,
                row.notes,
            );
        }
        if !self.rss.is_empty() {
            println!("\nServer peak RSS (VmHWM): {}.", self.rss.join(", "));
        }
        let breakdown: Vec<String> = self
            .rows
            .iter()
            .flat_map(|row| {
                row.errors
                    .iter()
                    .map(move |(fail, n)| format!("- {}: {n} × {fail}", row.scenario))
            })
            .collect();
        if !breakdown.is_empty() {
            println!("\nErrors:\n{}", breakdown.join("\n"));
        }
    }
}

fn millis(d: Duration) -> String {
    millis_us(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

fn millis_us(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// A reqwest failure as a short, groupable reason.
fn failed(step: &str, error: &reqwest::Error) -> Fail {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect error"
    } else if error.is_body() || error.is_decode() {
        "body error"
    } else {
        "request error"
    };
    let mut cause: &dyn std::error::Error = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    format!("{step}: {kind} ({cause})")
}

/// The value of the first `csrf_token` hidden input.
fn csrf_token(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_owned()).filter(|t| !t.is_empty())
}

/// The numbers right after each occurrence of `prefix`, first-seen order, no repeats.
fn ids_after(html: &str, prefix: &str) -> Vec<i32> {
    let mut ids = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(prefix) {
        rest = &rest[at + prefix.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(id) = digits.parse()
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// A Location with its ids replaced by `N`, so errors group.
fn strip_digits(location: &str) -> String {
    let mut out = String::new();
    for c in location.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('N') {
                out.push('N');
            }
        } else {
            out.push(c);
        }
    }
    out
}
