//! The migrations of the engine under test run up, down and up again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use boxoffice::db::{connect, migrations};
use std::time::Duration;
use support::TestDatabase;

#[test]
fn migrations_run_up_down_and_up_again() {
    let database = TestDatabase::create();
    let pool = connect(&database.url, 1, Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().unwrap();
    assert!(migrations::run_pending(&mut conn).unwrap() >= 1);
    assert_eq!(
        migrations::run_pending(&mut conn).unwrap(),
        0,
        "nothing left to run"
    );
    assert!(migrations::revert_all(&mut conn).unwrap() >= 1);
    assert!(migrations::run_pending(&mut conn).unwrap() >= 1);
}
