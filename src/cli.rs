//! The command line: `serve` (the default), `migrate`, `create-admin`, `seed-demo`,
//! `seed-scale`, `check`.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::refunds;
use crate::config::Settings;
use crate::domain::payments::money::Money;
use crate::domain::{
    accounts::account, audit::books, common::clock::Clock, seed::demo, seed::scale_seed,
};
use crate::startup::{Application, command_state, open_database};

#[derive(Debug, Parser)]
#[command(
    name = "boxoffice",
    version,
    about = "A server-rendered ticket shop. Settings come from the environment (see README)."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the shop (the default). Seeds the demo events into an empty database.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Make EMAIL an admin, creating the account if needed (password read from stdin).
    CreateAdmin { email: String },
    /// Add the two demo events with their ticket types.
    SeedDemo,
    /// Add a large generated data set (events, ticket types, users, bookings in every
    /// state) after what the database holds; every user's password is `scale-password`.
    SeedScale {
        #[arg(long, default_value_t = 10_000)]
        events: u32,
        #[arg(long, default_value_t = 5)]
        types_per_event: u32,
        #[arg(long, default_value_t = 200_000)]
        users: u32,
        #[arg(long, default_value_t = 1_000_000)]
        bookings: u32,
    },
    /// Audit the books; exits non-zero on any violation.
    Check {
        /// First refund, through the payment provider, money kept without a ticket (a
        /// payment for a ticket that is not paid, a second payment of a paid ticket).
        #[arg(long)]
        repair: bool,
    },
}

pub fn main() -> ExitCode {
    crate::startup::limit_malloc_arenas();
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,actix_server=warn"),
    )
    .init();
    let cli = Cli::parse();
    let mut settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("boxoffice: configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            settings.seed_demo_on_empty = true;
            serve(settings)
        }
        Command::Migrate => open_database(&settings)
            .map(|_| println!("migrations applied"))
            .map_err(|e| e.to_string()),
        Command::CreateAdmin { email } => create_admin(&settings, &email),
        Command::SeedDemo => seed_demo(&settings),
        Command::SeedScale {
            events,
            types_per_event,
            users,
            bookings,
        } => seed_scale(
            &settings,
            scale_seed::ScaleSize {
                events,
                types_per_event,
                users,
                bookings,
            },
        ),
        Command::Check { repair } => {
            let repaired = if repair {
                repair_books(settings.clone())
            } else {
                Ok(())
            };
            repaired.and_then(|()| check(&settings))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("boxoffice: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    let bind = settings.bind;
    let public_url = settings.public_url.clone();
    let test_mode = settings.stripe.is_none();
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).map_err(|e| e.to_string())?;
        log::info!("boxoffice listening on http://{bind} (public URL {public_url})");
        if test_mode {
            log::warn!(
                "payments: built-in TEST provider (no STRIPE_SECRET_KEY); no real money moves"
            );
        }
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn create_admin(settings: &Settings, email: &str) -> Result<(), String> {
    let pool = open_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Password for {email} (used only if the account is new), then Enter:");
    }
    let mut password = String::new();
    stdin
        .lock()
        .read_line(&mut password)
        .map_err(|e| e.to_string())?;
    let password = password.trim_end_matches(['\r', '\n']);
    let outcome = account::create_admin(
        &mut conn,
        email,
        password,
        settings.bcrypt_cost,
        Clock::default().now(),
    )?;
    match outcome {
        account::AdminOutcome::Created => println!("created admin {email}"),
        account::AdminOutcome::Promoted => println!("{email} is now an admin"),
    }
    Ok(())
}

fn seed_demo(settings: &Settings) -> Result<(), String> {
    let pool = open_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let added = demo::seed(&mut conn, Clock::default().now()).map_err(|e| e.to_string())?;
    println!("added {added} demo events");
    Ok(())
}

fn seed_scale(settings: &Settings, size: scale_seed::ScaleSize) -> Result<(), String> {
    let pool = open_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    // One hash for every user: bcrypt is slow on purpose.
    let hash = account::hash_password(scale_seed::PASSWORD, settings.bcrypt_cost)
        .map_err(|e| e.to_string())?;
    let report = scale_seed::seed(
        &mut conn,
        size,
        Clock::default().now(),
        &hash,
        &mut |line| println!("seed-scale: {line}"),
    )
    .map_err(|e| e.to_string())?;
    let [paid, checked_in, held, expired, refunded, cancelled] = report.states;
    println!(
        "seeded {} events, {} ticket types, {} users, {} bookings ({paid} paid, {checked_in} checked in, {held} held, {expired} expired, {refunded} refunded, {cancelled} cancelled), {} payments, {} refunds, {} admissions in {:.1} s",
        report.events,
        report.ticket_types,
        report.users,
        report.bookings,
        report.payments,
        report.refunds,
        report.admissions,
        report.seconds
    );
    Ok(())
}

/// Refunds money kept without a ticket and prints one line per payment.
fn repair_books(settings: Settings) -> Result<(), String> {
    let state = command_state(settings).map_err(|e| e.to_string())?;
    let repairs = actix_web::rt::System::new()
        .block_on(async move { refunds::repair_kept_money(&state).await })
        .map_err(|e| e.to_string())?;
    for repair in &repairs {
        let kept = &repair.kept;
        let what = format!(
            "payment {} of booking {} ({}): {}",
            kept.payment_id,
            kept.booking_id,
            Money::from_stored(kept.amount_pennies, &kept.currency),
            kept.reason
        );
        match &repair.error {
            None => println!("repaired: {what}: refunded"),
            Some(error) => println!("repair pending: {what}: refund not made yet ({error})"),
        }
    }
    println!("repair: {} payment(s) sent back", repairs.len());
    Ok(())
}

fn check(settings: &Settings) -> Result<(), String> {
    let pool = open_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let mut report = books::audit(&mut conn).map_err(|e| e.to_string())?;
    let now = crate::domain::common::clock::Clock::default().now();
    let outbox = crate::domain::outbox::problems(&mut conn, now, settings.outbox.pending_alert)
        .map_err(|e| e.to_string())?;
    report.violations.extend(outbox);
    let webhooks = crate::domain::webhooks::problems(&mut conn).map_err(|e| e.to_string())?;
    report.violations.extend(webhooks);
    for line in &report.summaries {
        println!("{line}");
    }
    if report.is_clean() {
        println!("books: clean");
        Ok(())
    } else {
        for violation in &report.violations {
            println!("VIOLATION: {violation}");
        }
        Err(format!("books: {} violation(s)", report.violations.len()))
    }
}
