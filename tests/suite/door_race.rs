//! Two gates never both admit one seat: 20 scans of one code from 4 gates, sent as real
//! requests released together behind a barrier, for a few rounds on whichever engine
//! the suite runs on; exactly one ADMIT each round, the rest ALREADY CHECKED IN, one
//! admit in the audit trail. The control shows the race is real: the same burst of
//! updates without the guard's conditions "admits" the seat 20 times.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::schema::admissions;
use diesel::prelude::*;
use support::TestApp;
use support::door::headline;
use support::fixtures::EventSpec;
use support::race::all_together;

const GATES: usize = 4;
const SCANS: usize = 20;
const ROUNDS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_scans_from_four_gates_admit_once() {
    let app = TestApp::spawn_with(&[("DB_POOL_SIZE", "10")]).await;
    let admin = app.admin().await;
    let show = app
        .create_event(EventSpec::new("Rush").seats("GA", 2500, 100))
        .await;
    let mut gates = Vec::new();
    for gate in 0..GATES {
        gates.push(
            app.door_staff(&admin, &format!("gate{gate}@example.com"), "all")
                .await,
        );
    }
    for round in 0..ROUNDS {
        let (_, _, codes) = app
            .paid_booking(
                &format!("fan{round}@example.com"),
                show.event_id,
                show.ticket_type_ids[0],
                1,
            )
            .await;
        let mut scans = Vec::new();
        for n in 0..SCANS {
            let gate = n % GATES;
            scans.push(
                gates[gate]
                    .scan_later(
                        show.event_id,
                        &codes[0],
                        &format!("Gate {gate}"),
                        &format!("r{round}n{n}"),
                    )
                    .await,
            );
        }
        let answers = all_together(scans).await;
        let heads: Vec<String> = answers
            .iter()
            .map(|(status, body)| {
                assert_eq!(*status, 200, "round {round}: {body}");
                headline(body)
            })
            .collect();
        assert_eq!(
            heads.iter().filter(|h| *h == "ADMIT").count(),
            1,
            "round {round}: {heads:?}"
        );
        assert_eq!(
            heads.iter().filter(|h| *h == "ALREADY CHECKED IN").count(),
            SCANS - 1
        );
        let admits = app.admits_logged(Some(codes[0].clone())).await;
        assert_eq!(admits, 1, "round {round}: one admit in the audit trail");
    }
    app.assert_books_clean().await;
}

/// The control: the same burst as plain updates without `status = 'valid' AND
/// checked_in_at IS NULL` — every one of them changes the row, so every gate would
/// have said ADMIT.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_the_guard_every_gate_would_admit() {
    let app = TestApp::spawn_with(&[("DB_POOL_SIZE", "10")]).await;
    let show = app
        .create_event(EventSpec::new("Control").seats("GA", 2500, 10))
        .await;
    let (_, _, codes) = app
        .paid_booking("fan@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    let now = app.clock.now();
    let updates: Vec<_> = (0..SCANS)
        .map(|n| {
            let pool = app.state.pool.clone();
            let code = codes[0].clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    let mut conn = pool.get().unwrap();
                    diesel::update(admissions::table.filter(admissions::code.eq(code)))
                        .set((
                            admissions::checked_in_at.eq(now),
                            admissions::gate.eq(format!("Gate {}", n % GATES)),
                        ))
                        .execute(&mut conn)
                        .unwrap()
                })
                .await
                .unwrap()
            }
        })
        .collect();
    let rows: usize = all_together(updates).await.into_iter().sum();
    assert_eq!(rows, SCANS, "without the guard each update 'admits'");
}

/// The losing side of the race, made deterministic: gate A's transaction has admitted
/// the seat but not committed when gate B's check-in reads it. On PostgreSQL B reads
/// the seat as free, its guarded update waits for A's row lock (polled in
/// `pg_stat_activity`), then matches no row once A commits: B must read the row again
/// and answer ALREADY CHECKED IN at gate A, not ADMIT and not an error. (On SQLite B
/// waits at its BEGIN IMMEDIATE instead and answers the same from its first read.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_check_in_that_read_a_free_seat_loses_to_the_gate_that_committed_first() {
    use boxoffice::db::{Conn, Guarded, checkins, write_transaction};
    use boxoffice::domain::door::answer::ScanAnswer;
    use boxoffice::domain::door::check_in::{Scan, check_in};
    use boxoffice::domain::door::input::{Gate, ScannedCode};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Lost").seats("GA", 2500, 10))
        .await;
    let (_, booking_id, codes) = app
        .paid_booking("fan@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    let seat = app
        .admissions()
        .await
        .into_iter()
        .find(|s| s.booking_id == booking_id)
        .unwrap();
    let staff_id = app.bookings().await[0].user_id;
    let now = app.clock.now();
    let postgres = app.database.is_postgres();

    let (ready, is_ready) = mpsc::channel();
    let (commit, may_commit) = mpsc::channel::<()>();
    let pool = app.state.pool.clone();
    let gate_a = std::thread::spawn(move || {
        let mut conn = pool.get().unwrap();
        write_transaction(&mut conn, |conn| {
            let admitted = checkins::admit(conn, seat.id, now, "Gate A", Some("a"))?;
            ready.send(()).unwrap();
            may_commit.recv().unwrap();
            Ok::<_, diesel::result::Error>(admitted)
        })
        .unwrap()
    });
    is_ready.recv().unwrap();

    let pool = app.state.pool.clone();
    let scan = Scan {
        code: Some(ScannedCode(codes[0].clone())),
        gate: Gate("Gate B".into()),
        nonce: Some("b".into()),
    };
    let event_id = show.event_id;
    let gate_b = std::thread::spawn(move || {
        let mut conn = pool.get().unwrap();
        check_in(&mut conn, event_id, staff_id, &scan, now)
    });
    if postgres {
        let mut watcher = app.state.pool.get().unwrap();
        let Conn::Postgresql(pg) = &mut *watcher else {
            unreachable!()
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let waiting: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "(SELECT count(*) FROM pg_stat_activity \
                  WHERE wait_event_type = 'Lock' AND datname = current_database())",
            ))
            .get_result(pg)
            .unwrap();
            if waiting > 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "gate B never waited for gate A's lock"
            );
            std::thread::yield_now();
        }
    }
    commit.send(()).unwrap();
    assert_eq!(gate_a.join().unwrap(), Guarded::Applied);
    match gate_b.join().unwrap().unwrap() {
        ScanAnswer::AlreadyCheckedIn { gate, .. } => assert_eq!(gate, "Gate A"),
        other => panic!("gate B answered {other:?}"),
    }
}

/// Two instances, each deciding the scans at its door in batches (one transaction per
/// batch, each booking locked in turn): the gates of one scan every seat of four
/// bookings in one order while the gates of the other scan them in the opposite order,
/// released together, for a few rounds. Each seat is admitted exactly once and answered
/// ALREADY CHECKED IN once, and no scan fails: a batch takes its bookings' locks in
/// booking order, so two batches never wait for each other in a cycle (on PostgreSQL;
/// on SQLite the batches take turns at the write lock). The control below shows the
/// cycle is real when locks are taken in opposite orders.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_scanning_many_bookings_in_opposite_orders_admit_each_seat_once() {
    const BOOKINGS: usize = 4;
    const SEATS: i32 = 3;
    let app = TestApp::spawn_with(&[("DB_POOL_SIZE", "10")]).await;
    let other = app.another_instance().await;
    let other_base = other.address.clone();
    let admin = app.admin().await;
    let show = app
        .create_event(EventSpec::new("Two doors").seats("GA", 2500, 100))
        .await;
    let mut gates = Vec::new();
    for gate in 0..GATES {
        gates.push(
            app.door_staff(&admin, &format!("gate{gate}@example.com"), "all")
                .await,
        );
    }
    for round in 0..ROUNDS {
        let mut codes = Vec::new();
        for n in 0..BOOKINGS {
            let (_, _, seats) = app
                .paid_booking(
                    &format!("fan{round}-{n}@example.com"),
                    show.event_id,
                    show.ticket_type_ids[0],
                    SEATS,
                )
                .await;
            codes.extend(seats);
        }
        let mut scans = Vec::new();
        for (n, code) in codes.iter().enumerate() {
            let here = &gates[n % GATES];
            scans.push(
                here.scan_later(show.event_id, code, "Here", &format!("h{round}-{n}"))
                    .await,
            );
        }
        for (n, code) in codes.iter().enumerate().rev() {
            let there = gates[n % GATES].at(&other_base);
            scans.push(
                there
                    .scan_later(show.event_id, code, "There", &format!("t{round}-{n}"))
                    .await,
            );
        }
        let answers = all_together(scans).await;
        let heads: Vec<String> = answers
            .iter()
            .map(|(status, body)| {
                assert_eq!(*status, 200, "round {round}: {body}");
                headline(body)
            })
            .collect();
        let count = codes.len();
        for n in 0..count {
            // The code's scan here is answer n; there, answer 2·count − 1 − n.
            let pair = [heads[n].as_str(), heads[2 * count - 1 - n].as_str()];
            assert!(
                pair == ["ADMIT", "ALREADY CHECKED IN"] || pair == ["ALREADY CHECKED IN", "ADMIT"],
                "round {round}, seat {n}: {pair:?}"
            );
        }
        let admits = app.admits_logged(None).await;
        assert_eq!(
            admits as usize,
            (round + 1) * count,
            "round {round}: one admit per seat in the audit trail"
        );
    }
    app.assert_books_clean().await;
}

/// The control: two transactions that lock the same two bookings in opposite orders,
/// each holding its first lock until the other has taken its own. PostgreSQL finds the
/// cycle and fails one of them (a batch doing this would answer its gates "scan
/// again"). SQLite cannot interleave them at all: the second waits at its BEGIN
/// IMMEDIATE until the first has committed, and both succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn control_two_transactions_locking_bookings_in_opposite_orders_deadlock_on_postgresql() {
    use boxoffice::db::{bookings, write_transaction};
    use std::sync::mpsc;

    let app = TestApp::spawn_with(&[("DB_POOL_SIZE", "10")]).await;
    let show = app
        .create_event(EventSpec::new("Cycle").seats("GA", 2500, 10))
        .await;
    let (_, first, _) = app
        .paid_booking("one@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    let (_, second, _) = app
        .paid_booking("two@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    let postgres = app.database.is_postgres();
    // Each side tells the other when it holds its first lock, and waits to hear the same
    // (on SQLite the second side never gets its first lock while the first side waits,
    // so the first side goes on when it has not heard within a moment).
    let (a_holds, a_heard) = mpsc::channel::<()>();
    let (b_holds, b_heard) = mpsc::channel::<()>();
    let side = |pool: boxoffice::db::DbPool,
                order: [i32; 2],
                tell: mpsc::Sender<()>,
                hear: mpsc::Receiver<()>| {
        std::thread::spawn(move || {
            let mut conn = pool.get().unwrap();
            write_transaction(&mut conn, |conn| {
                bookings::lock(conn, order[0])?;
                let _ = tell.send(());
                let _ = hear.recv_timeout(std::time::Duration::from_millis(if postgres {
                    10_000
                } else {
                    200
                }));
                bookings::lock(conn, order[1])?;
                Ok::<_, diesel::result::Error>(())
            })
        })
    };
    let a = side(app.state.pool.clone(), [first, second], a_holds, b_heard);
    let b = side(app.state.pool.clone(), [second, first], b_holds, a_heard);
    let results = [a.join().unwrap(), b.join().unwrap()];
    let failed: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    if postgres {
        assert_eq!(failed.len(), 1, "{results:?}");
        assert!(failed[0].contains("deadlock"), "{failed:?}");
    } else {
        assert!(failed.is_empty(), "{results:?}");
    }
}
