//! SQLite's query planner stability guarantee (QPSG), turned on for every SQLite
//! connection the process opens.
//!
//! SQLite 3.53 (the bundled one) compiles a `LIMIT` that is a bound parameter with a
//! note to compile the statement again whenever that parameter is bound anew, and diesel
//! binds every `LIMIT` (`.first()`, `.limit(n)`). So a statement diesel had prepared once
//! and cached was parsed and planned again on every execution: 22% of the event page's
//! CPU before this (`bench/flame-event-before.svg`, under `sqlite3Reprepare`). With the
//! guarantee, no plan depends on the values bound, and nothing is compiled again. The
//! shop's queries never counted on such plans: the partial index `events_on_sale` is
//! matched by a bare `published`, not a bound `true`, and no statistics are gathered
//! outside `seed-scale`.

use std::ffi::{c_char, c_int};
use std::sync::Once;

use libsqlite3_sys as ffi;

/// The entry point SQLite calls for each new connection (`sqlite3_auto_extension`).
unsafe extern "C" fn stable_plans(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: SQLite passes the connection being opened, valid for this call; the
    // option takes an int (1: on) and an optional out-pointer (none).
    unsafe {
        ffi::sqlite3_db_config(
            db,
            ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as c_int,
            std::ptr::null_mut::<c_int>(),
        );
    }
    ffi::SQLITE_OK
}

/// Makes every SQLite connection opened from now on (in this process) keep stable
/// plans. Idempotent; call before the first connection opens.
pub fn stable_plans_everywhere() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: registers a function with the signature SQLite expects; it stays
        // valid for the life of the process.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(stable_plans)) };
        if rc != ffi::SQLITE_OK {
            log::warn!("could not turn on SQLite's stable query plans (error {rc})");
        }
    });
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;

    use super::*;

    /// A statement with a bound `LIMIT`, run three times with new values on a new
    /// connection (`turn_off`: with the guarantee turned off on it first): whether the
    /// connection kept stable plans, and how many times SQLite compiled it again.
    fn reprepares_of_a_bound_limit(turn_off: bool) -> (c_int, c_int) {
        unsafe {
            let mut db = std::ptr::null_mut();
            let name = CString::new(":memory:").unwrap();
            assert_eq!(ffi::sqlite3_open(name.as_ptr(), &mut db), ffi::SQLITE_OK);
            if turn_off {
                let off: c_int = 0;
                ffi::sqlite3_db_config(
                    db,
                    ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                    off,
                    std::ptr::null_mut::<c_int>(),
                );
            }
            let mut qpsg: c_int = -1;
            ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, -1, &mut qpsg);
            let sql = CString::new("SELECT ?1 LIMIT ?2").unwrap();
            let mut stmt = std::ptr::null_mut();
            let prepared =
                ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut());
            assert_eq!(prepared, ffi::SQLITE_OK);
            for round in 0..3 {
                ffi::sqlite3_bind_int(stmt, 1, round);
                ffi::sqlite3_bind_int(stmt, 2, 1);
                assert_eq!(ffi::sqlite3_step(stmt), ffi::SQLITE_ROW);
                ffi::sqlite3_reset(stmt);
            }
            let reprepared = ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_REPREPARE, 0);
            ffi::sqlite3_finalize(stmt);
            ffi::sqlite3_close(db);
            (qpsg, reprepared)
        }
    }

    #[test]
    fn a_bound_limit_is_compiled_once_with_stable_plans() {
        stable_plans_everywhere();
        let (qpsg, reprepared) = reprepares_of_a_bound_limit(false);
        assert_eq!(qpsg, 1, "new connections keep stable plans");
        assert_eq!(
            reprepared, 0,
            "the statement was compiled again on rebinding"
        );
    }

    /// The control: without the guarantee, the same statement is compiled again on
    /// every run (what every cached diesel query with a `LIMIT` did).
    #[test]
    fn without_stable_plans_a_bound_limit_is_compiled_again_on_each_run() {
        stable_plans_everywhere();
        let (qpsg, reprepared) = reprepares_of_a_bound_limit(true);
        assert_eq!(qpsg, 0);
        assert!(reprepared >= 2, "compiled again {reprepared} times");
    }
}
