//! The bare reference page for the load tool: the shop's stack with nothing else on it.
//!
//! actix-web, an askama template and diesel with an r2d2 pool on SQLite (WAL), one
//! route, `GET /events/{id}`, that reads one row with a query diesel caches and renders
//! as much HTML as the shop's event page for the demo's three ticket types (4.6 KB). `scripts/bench.sh` starts it
//! beside the shop and the load tool reports each page as a ratio to it (rate and the
//! server's CPU per request), so the shop's own cost stands apart from the stack's.
//!
//! `BARE_BIND=127.0.0.1:<port> BARE_DATABASE=<file> <this binary>`; without `BARE_BIND`
//! it says so and exits (so a plain `cargo bench` does not start a server).

use actix_web::{App, HttpResponse, HttpServer, web};
use askama::Template;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};

diesel::table! {
    events (id) {
        id -> Integer,
        title -> Text,
        venue -> Text,
        description -> Text,
    }
}

type DbPool = Pool<ConnectionManager<SqliteConnection>>;

#[derive(Queryable)]
struct Event {
    id: i32,
    title: String,
    venue: String,
    description: String,
}

/// The shop's per-connection pragmas.
#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// A page shaped like the shop's event page: a layout, a heading, a table of three
/// ticket types.
#[derive(Template)]
#[template(
    ext = "html",
    source = r##"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ event.title }} · boxoffice</title>
  <link rel="stylesheet" href="/static/app.css">
</head>
<body>
  <a class="skip-link" href="#main">Skip to content</a>
  <header>
  <div class="site-header">
    <a class="brand" href="/">boxoffice</a>
    <nav aria-label="Main">
      <ul>
        <li><a href="/">Events</a></li>
        <li><a href="/login">Log in</a></li>
        <li><a href="/register">Register</a></li>
      </ul>
    </nav>
  </div>
  </header>
  <main id="main">
<article class="event">
  <h1>{{ event.title }}</h1>
  <p class="meta"><time datetime="2027-02-05T19:00Z">Fri 5 Feb 2027, 19:00 UTC</time>
    until <time datetime="2027-02-05T23:00Z">Fri 5 Feb 2027, 23:00 UTC</time></p>
  <p class="meta">{{ event.venue }}</p>
  <div class="description"><p>{{ event.description }}</p></div>
  <h2>Tickets</h2>
  <table class="ticket-types">
    <caption class="visually-hidden">Ticket types for {{ event.title }}</caption>
    <thead><tr><th scope="col">Type</th><th scope="col">Price per seat</th><th scope="col">Availability</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>
    {% for (n, name) in ["Standing", "Seated", "Front row"].iter().enumerate() %}
      <tr>
        <th scope="row">{{ name }}</th>
        <td>€{{ 25 + n * 20 }}.00</td>
        <td class="availability">{{ 100 - n * 30 }} left</td>
        <td>
          <form method="get" action="/events/{{ event.id }}/reserve" class="reserve">
            <input type="hidden" name="ticket_type_id" value="{{ n }}">
            <label for="quantity-{{ n }}">Seats<span class="visually-hidden"> of {{ name }}</span></label>
            <select id="quantity-{{ n }}" name="quantity">
              {% for q in 1..11 %}<option value="{{ q }}">{{ q }}</option>{% endfor %}
            </select>
            <button type="submit">Log in to reserve<span class="visually-hidden"> {{ name }}</span></button>
          </form>
        </td>
      </tr>
    {% endfor %}
    </tbody>
  </table>
</article>
  </main>
  <footer class="site-footer">
    <p>boxoffice · tickets sold fairly, one booking per person per event.</p>
  </footer>
</body>
</html>
"##
)]
struct EventPage {
    event: Event,
}

async fn event_page(pool: web::Data<DbPool>, id: web::Path<i32>) -> HttpResponse {
    let id = id.into_inner();
    let pool = pool.into_inner();
    let found = web::block(move || {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        events::table
            .find(id)
            .first::<Event>(&mut conn)
            .optional()
            .map_err(|e| e.to_string())
    })
    .await;
    match found {
        Ok(Ok(Some(event))) => match (EventPage { event }).render() {
            Ok(body) => HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(body),
            Err(error) => HttpResponse::InternalServerError().body(error.to_string()),
        },
        Ok(Ok(None)) => HttpResponse::NotFound().finish(),
        Ok(Err(error)) => HttpResponse::ServiceUnavailable().body(error),
        Err(error) => HttpResponse::InternalServerError().body(error.to_string()),
    }
}

/// The database: the one row, in a fresh file.
fn open(path: &str, size: u32) -> Result<DbPool, String> {
    let mut conn = SqliteConnection::establish(path).map_err(|e| e.to_string())?;
    conn.batch_execute(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY NOT NULL, title TEXT NOT NULL,
             venue TEXT NOT NULL, description TEXT NOT NULL);
         INSERT OR REPLACE INTO events VALUES (1, 'Jazz night at the Loopback', 'Loopback Hall',
             'An evening of big-band jazz in the old foundry hall. Doors open one hour before \
              the show. Three sets of standards and new tunes from the house band and its \
              guests, with a short break between each; the bar stays open throughout and \
              the cloakroom is free. Seats are unnumbered within each ticket type: come \
              early for the best view. The hall is step-free from the side entrance.');",
    )
    .map_err(|e| e.to_string())?;
    Pool::builder()
        .max_size(size)
        .min_idle(Some(size.min(4)))
        .connection_customizer(Box::new(Pragmas))
        .build(ConnectionManager::new(path))
        .map_err(|e| e.to_string())
}

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let Some(bind) = std::env::var("BARE_BIND").ok() else {
        eprintln!("bare: BARE_BIND is not set (scripts/bench.sh starts this server)");
        return std::process::ExitCode::SUCCESS;
    };
    let path = std::env::var("BARE_DATABASE").unwrap_or_else(|_| "bare.db".into());
    // The shop's defaults: workers = cores, pool = 2 × cores (at least 4), blocking
    // threads = 2 × pool.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let size = u32::try_from(cores * 2).unwrap_or(4).max(4);
    let pool = match open(&path, size) {
        Ok(pool) => web::Data::new(pool),
        Err(error) => {
            eprintln!("bare: {path}: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(pool.clone())
            .route("/events/{id}", web::get().to(event_page))
    })
    .workers(cores)
    .worker_max_blocking_threads(size as usize * 2)
    .bind(&bind);
    match server {
        Ok(server) => match server.run().await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bare: {error}");
                std::process::ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("bare: cannot listen on {bind}: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
