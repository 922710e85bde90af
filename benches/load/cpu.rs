//! A server's CPU time, read from `/proc/<pid>/stat` (user + system), so a measurement
//! can say what each request cost the server whatever the load tool itself used.

use std::time::Duration;

/// The process's CPU time so far (utime + stime), or `None` when it cannot be read.
pub(super) fn used(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = ticks_per_second()?;
    Some(Duration::from_micros((utime + stime) * 1_000_000 / ticks))
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`, 100 on Linux).
fn ticks_per_second() -> Option<u64> {
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0)
}

/// CPU time spent by `pid` while `work` ran.
pub(super) async fn during<T>(
    pid: Option<u32>,
    work: impl Future<Output = T>,
) -> (T, Option<Duration>) {
    let before = pid.and_then(used);
    let out = work.await;
    let after = pid.and_then(used);
    let spent = before.zip(after).map(|(b, a)| a.saturating_sub(b));
    (out, spent)
}
