//! Building the application: the pool, migrations, the demo seed, the background tasks
//! and the HTTP server. `main` and the tests both start the shop through `Application`.

use std::net::{SocketAddr, TcpListener};

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Server;
use actix_web::middleware::{Condition, Logger, from_fn};
use actix_web::{App, HttpServer, web};

use crate::app::AppState;
use crate::app::batch_line::BatchLine;
use crate::app::metrics::Metrics;
use crate::app::reserve::RESERVE_BATCH;
use crate::config::Settings;
use crate::db::{self, DbPool, migrations};
use crate::domain::common::clock::Clock;
use crate::domain::seed::demo;
use crate::web::{error_pages, head, headers, metrics as request_metrics, request_id, routes};

/// A failure to start, with what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Connect(#[from] db::connection::ConnectError),
    #[error("database migration failed: {0}")]
    Migrate(String),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

/// A built application, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

/// Opens the pool and applies the migrations (shared by `serve` and the commands).
pub fn open_database(settings: &Settings) -> Result<DbPool, StartError> {
    open_database_observed(settings, Box::new(diesel::r2d2::NopEventHandler))
}

/// As `open_database`, with the pool's checkouts reported to `events` (the metrics).
fn open_database_observed(
    settings: &Settings,
    events: Box<dyn diesel::r2d2::HandleEvent>,
) -> Result<DbPool, StartError> {
    let pool = db::connect_with(
        &settings.database_url,
        settings.db_pool_size,
        settings.db_checkout_timeout,
        events,
    )?;
    let mut conn = pool
        .get()
        .map_err(|e| StartError::Other(format!("database connection: {e}")))?;
    migrations::run_pending(&mut conn).map_err(|e| StartError::Migrate(e.to_string()))?;
    Ok(pool)
}

/// The shared state for an open pool: the payment provider, the gates, the clock.
fn new_state(
    settings: Settings,
    pool: DbPool,
    clock: Clock,
    metrics: Metrics,
) -> Result<AppState, StartError> {
    let provider = crate::providers::provider_from(&settings).map_err(StartError::Other)?;
    let mailer = crate::mail::Mailer::from_settings(&settings).map_err(StartError::Other)?;
    let hashing = crate::app::password_hashing::PasswordHashing::start(
        settings.password_hashing.threads,
        settings.password_hashing.queue,
        metrics.hashing(),
    )
    .map_err(|e| StartError::Other(format!("cannot start the password hashing threads: {e}")))?;
    Ok(AppState {
        hashing,
        mailer,
        instance: instance_name(),
        engine: crate::config::Engine::of_url(&settings.database_url),
        pool,
        refusals: Default::default(),
        settings,
        clock,
        seat_line: BatchLine::new(RESERVE_BATCH),
        door_line: BatchLine::new(crate::app::door::SCAN_BATCH),
        next_lane: Default::default(),
        provider,
        metrics,
    })
}

/// A name for this instance's outbox claims: the host, the process and a random part
/// (two instances in one process, as in the tests, differ too).
fn instance_name() -> String {
    use rand::RngCore;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::rng().next_u32()
    )
}

/// The state a command needs to do what a request would (a repair's refunds), without
/// a server.
pub fn command_state(settings: Settings) -> Result<AppState, StartError> {
    let pool = open_database(&settings)?;
    new_state(settings, pool, Clock::default(), Metrics::new())
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and builds everything.
    pub fn build(settings: Settings) -> Result<Application, StartError> {
        Application::build_with_clock(settings, Clock::default())
    }

    /// As `build`, with a clock the caller can move (tests).
    pub fn build_with_clock(
        mut settings: Settings,
        clock: Clock,
    ) -> Result<Application, StartError> {
        let metrics = Metrics::new();
        let pool = open_database_observed(&settings, metrics.pool_events())?;
        if settings.seed_demo_on_empty {
            let mut conn = pool
                .get()
                .map_err(|e| StartError::Other(format!("database connection: {e}")))?;
            let added = demo::seed_if_empty(&mut conn, clock.now())
                .map_err(|e| StartError::Other(e.to_string()))?;
            if added > 0 {
                log::info!("seeded {added} demo events into the empty database");
            }
        }
        let listener =
            listen(settings.bind, settings.http.backlog).map_err(|source| StartError::Bind {
                address: settings.bind.to_string(),
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|e| StartError::Other(e.to_string()))?
            .port();
        if settings.public_url.ends_with(":0") {
            // The default public URL follows BIND; with port 0 it is the port we got.
            settings.public_url = format!("http://{}:{port}", settings.bind.ip());
        }
        let session_key = Key::from(settings.session_key.expose().as_bytes());
        let state = web::Data::new(new_state(settings, pool, clock, metrics)?);
        let server = run(listener, state.clone(), session_key)?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests use it to drive the sweeper and read the clock).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Runs the server and its background tasks (the sweeper, the outbox's dispatcher,
    /// the webhooks' deliverer) until stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let sweeper = actix_web::rt::spawn(crate::sweeper::run(
            self.state.clone().into_inner(),
            self.state.settings.sweep_interval,
        ));
        let dispatcher = actix_web::rt::spawn(crate::app::dispatcher::run(
            self.state.clone().into_inner(),
            self.state.settings.outbox.interval,
        ));
        let webhooks = actix_web::rt::spawn(crate::app::webhooks::deliverer::run(
            self.state.clone().into_inner(),
            self.state.settings.outbox.interval,
        ));
        let result = self.server.await;
        sweeper.abort();
        dispatcher.abort();
        webhooks.abort();
        result
    }

    /// Runs the server without the background tasks (tests drive sweeps and deliveries
    /// themselves).
    pub fn into_server(self) -> Server {
        self.server
    }
}

/// Binds `address` with a listen backlog of `backlog` (std's `TcpListener::bind` asks
/// for 128, and actix's `backlog()` applies only to the addresses it binds itself):
/// under a rush of 2000 buyers a short queue overflows and the kernel refuses or resets
/// connections instead of letting them wait their turn.
fn listen(address: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
    Ok(socket.into())
}

/// Caps glibc's malloc arenas at two. By default glibc gives each thread that contends
/// for the heap an arena of its own (up to 8 per core), and every arena keeps the memory
/// it once held: with the blocking threads of a rush that was most of the peak RSS
/// (README, Memory). Call it once at start, before the threads start. An operator's
/// own `MALLOC_ARENA_MAX` (which glibc reads itself) is left alone.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only changes an allocator parameter; it is called before the
        // server's threads exist. A 0 result (not applied) only costs memory.
        let applied = unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
        if applied == 0 {
            log::warn!("could not limit malloc arenas (mallopt M_ARENA_MAX)");
        }
    }
}

fn run(listener: TcpListener, state: web::Data<AppState>, key: Key) -> Result<Server, StartError> {
    let secure = state.settings.cookies_secure();
    let state_pool_threads = (state.settings.db_pool_size as usize * 2).max(4);
    let http = state.settings.http.clone();
    let access_log = log::log_enabled!(target: "actix_web::middleware::logger", log::Level::Info);
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
            .cookie_name("boxoffice".into())
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(PersistentSession::default().session_ttl(CookieDuration::days(14)))
            .build();
        App::new()
            .app_data(state.clone())
            // Innermost: the log line and metrics still say HEAD.
            .wrap(from_fn(head::as_get))
            .wrap(from_fn(error_pages::with_user))
            .wrap(sessions)
            .wrap(headers::security_headers(secure))
            .wrap(from_fn(request_id::tag))
            // The access log costs every request its formatting (the request line,
            // the address) even when the level drops the line: only when it is shown.
            .wrap(Condition::new(
                access_log,
                Logger::new("%a \"%r\" %s %b %Dms id=%{x-request-id}o"),
            ))
            .wrap(from_fn(request_metrics::track))
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    // Every blocking task needs a pooled connection (bcrypt has its own threads, see
    // app::password_hashing): more threads than that only wait, and cost memory.
    .worker_max_blocking_threads(state_pool_threads)
    .workers(http.workers)
    // Per worker: beyond it, connections wait in the listen backlog (bounded memory).
    .max_connections(http.max_connections)
    .backlog(http.backlog)
    .listen(listener)
    .map_err(|e| StartError::Other(format!("cannot serve: {e}")))?
    .run();
    Ok(server)
}
