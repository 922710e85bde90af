//! The Prometheus registry this instance exposes: request counts and latencies (filled
//! by the web layer's middleware), pool checkouts (filled by the pool's event handler),
//! and the shop's gauges (seats, payments, outbox lag, pool state), read at scrape time.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use diesel::r2d2::HandleEvent;
use diesel::r2d2::event::{CheckoutEvent, TimeoutEvent};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use super::AppState;
use crate::db;
use crate::error::AppError;

/// The `Content-Type` of what `scrape` returns (Prometheus text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// One kind of request: the matched route pattern (never the raw path, so the number
/// of series stays bounded), the method and the status class (`2xx`…).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

/// One of the shared limits, by its stored name.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabel {
    limit: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms … ~16 s
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The pool's checkouts: how long each waited, and how many gave up.
#[derive(Debug, Clone)]
pub struct PoolWaits {
    waits: Histogram,
    timeouts: Counter,
}

impl HandleEvent for PoolWaits {
    fn handle_checkout(&self, event: CheckoutEvent) {
        self.waits.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: TimeoutEvent) {
        self.timeouts.inc();
    }
}

/// Every metric of this instance, and the registry that encodes them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    pool_waits: PoolWaits,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pool_size: Gauge,
    seats_held: Gauge,
    seats_sold: Gauge,
    payments: Family<StateLabel, Gauge>,
    outbox_lag: Gauge<f64, AtomicU64>,
    /// Requests this instance refused, per limit.
    limit_refusals: Family<LimitLabel, Counter>,
    /// Subjects counted in a live window, per limit (shared: read from the database).
    limit_subjects: Family<LimitLabel, Gauge>,
    /// Password hashing's own pool (`app::password_hashing`).
    hashing: super::password_hashing::HashingMetrics,
    /// Two scrapes at once must not interleave refilling the gauges and encoding them
    /// (the payments family is cleared and refilled).
    scrape_lock: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("boxoffice");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let pool_waits = PoolWaits {
            waits: Histogram::new(exponential_buckets(0.0001, 4.0, 10)),
            timeouts: Counter::default(),
        };
        let mut metrics = Metrics {
            requests,
            latency,
            pool_waits,
            pool_connections: Gauge::default(),
            pool_idle: Gauge::default(),
            pool_size: Gauge::default(),
            seats_held: Gauge::default(),
            seats_sold: Gauge::default(),
            payments: Family::default(),
            outbox_lag: Gauge::default(),
            limit_refusals: Family::default(),
            limit_subjects: Family::default(),
            hashing: Default::default(),
            scrape_lock: Mutex::new(()),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status class",
            metrics.requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, by route pattern, method and status class",
            Unit::Seconds,
            metrics.latency.clone(),
        );
        registry.register_with_unit(
            "db_pool_wait",
            "Time spent waiting for a pooled database connection",
            Unit::Seconds,
            metrics.pool_waits.waits.clone(),
        );
        registry.register(
            "db_pool_timeouts",
            "Checkouts that gave up waiting for a connection (answered 503)",
            metrics.pool_waits.timeouts.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Connections the pool holds open",
            metrics.pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Open connections not checked out",
            metrics.pool_idle.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "The pool's size (DB_POOL_SIZE)",
            metrics.pool_size.clone(),
        );
        registry.register(
            "seats_held",
            "Seats on hold (reserved, not yet paid)",
            metrics.seats_held.clone(),
        );
        registry.register("seats_sold", "Seats paid for", metrics.seats_sold.clone());
        registry.register(
            "payments",
            "Checkout attempts by state",
            metrics.payments.clone(),
        );
        registry.register_with_unit(
            "outbox_lag",
            "Age of the oldest message waiting in the outbox (0: none waits)",
            Unit::Seconds,
            metrics.outbox_lag.clone(),
        );
        registry.register(
            "limit_refusals",
            "Requests this instance refused, by limit",
            metrics.limit_refusals.clone(),
        );
        registry.register(
            "limit_subjects",
            "Subjects (addresses, accounts, tokens, users) counted in a live window, by limit; \
             the same on every instance",
            metrics.limit_subjects.clone(),
        );
        registry.register(
            "password_hashes",
            "Password hashes and checks run on the hashing pool",
            metrics.hashing.done.clone(),
        );
        registry.register(
            "password_hashing_refusals",
            "Password hashes refused because the hashing pool and its queue were full (503)",
            metrics.hashing.refused.clone(),
        );
        registry.register(
            "password_hashing_waiting",
            "Password hashes waiting for a thread of the hashing pool",
            metrics.hashing.waiting.clone(),
        );
        registry.register(
            "password_hashing_running",
            "Password hashes running on the hashing pool",
            metrics.hashing.running.clone(),
        );
        metrics.registry = registry;
        metrics
    }

    /// The counts the password hashing pool keeps (`app::password_hashing`).
    pub fn hashing(&self) -> super::password_hashing::HashingMetrics {
        self.hashing.clone()
    }

    /// The handler the pool reports its checkouts to (`db::connect_with`).
    pub fn pool_events(&self) -> Box<dyn HandleEvent> {
        Box::new(self.pool_waits.clone())
    }

    /// Counts a request refused by the limit named `limit`.
    pub fn count_limit_refusal(&self, limit: &str) {
        self.limit_refusals
            .get_or_create(&LimitLabel {
                limit: limit.to_owned(),
            })
            .inc();
    }

    /// Counts one answered request and how long it took.
    pub fn observe_request(&self, labels: &RequestLabels, took: Duration) {
        self.requests.get_or_create(labels).inc();
        self.latency
            .get_or_create(labels)
            .observe(took.as_secs_f64());
    }
}

/// Reads the gauges from the database and the pool, then encodes every metric.
pub async fn scrape(state: &AppState) -> Result<String, AppError> {
    let now = state.clock.now();
    let (gauges, limit_subjects) = state
        .db(move |conn| {
            let gauges = db::gauges::read(conn)?;
            let limit_subjects = db::limit_counters::live_subjects(conn, now)?;
            Ok((gauges, limit_subjects))
        })
        .await?;
    let metrics = &state.metrics;
    // A poisoned lock only means another scrape panicked; the gauges are refilled anyway.
    let _one_at_a_time = metrics
        .scrape_lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let pool = state.pool.state();
    metrics.pool_connections.set(i64::from(pool.connections));
    metrics.pool_idle.set(i64::from(pool.idle_connections));
    metrics.pool_size.set(i64::from(state.pool.max_size()));
    metrics.seats_held.set(gauges.seats_held);
    metrics.seats_sold.set(gauges.seats_sold);
    metrics.payments.clear();
    for (state, count) in gauges.payments_by_state {
        metrics
            .payments
            .get_or_create(&StateLabel { state })
            .set(count);
    }
    let lag = gauges.oldest_pending_outbox.map_or(0.0, |oldest| {
        (state.clock.now() - oldest)
            .to_std()
            .map_or(0.0, |age| age.as_secs_f64())
    });
    metrics.outbox_lag.set(lag);
    metrics.limit_subjects.clear();
    for limit in state.settings.limits.all() {
        let live = limit_subjects
            .iter()
            .find(|(name, _)| name == limit.name)
            .map_or(0, |(_, count)| *count);
        metrics
            .limit_subjects
            .get_or_create(&LimitLabel {
                limit: limit.name.to_owned(),
            })
            .set(live);
    }
    let mut body = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut body, &metrics.registry)
        .map_err(|error| AppError::Internal(format!("encoding the metrics: {error}")))?;
    Ok(body)
}
