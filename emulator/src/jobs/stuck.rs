//! The recurring stuck-upload job (`*/30 * * * *`): a transfer in `UploadStarted` for more than 24 hours failed
//! mid-request and is marked `Failed` (contract §3.1, `StuckFileTransferHandler`).

use altinn_broker_core::transitions::Trigger;
use altinn_broker_core::FileTransferStatus;
use time::{Duration, OffsetDateTime};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::jobs::{self, JobKind};
use crate::store::transfers;

pub const STUCK_DETAIL: &str = "File transfer was stuck in UploadStarted as it failed upload mid-request.";
const STUCK_AFTER: Duration = Duration::hours(24);

/// The next half-hour boundary strictly after `t`.
pub fn next_run_after(t: OffsetDateTime) -> OffsetDateTime {
    let half_hour = 1800;
    let secs = t.unix_timestamp();
    let next = (secs.div_euclid(half_hour) + 1) * half_hour;
    OffsetDateTime::from_unix_timestamp(next).unwrap_or(t + Duration::minutes(30))
}

pub fn run(state: &AppState, job_id: i64, at: OffsetDateTime) -> Result<(), AppError> {
    let now = state.clock.now();
    state.store.tx(|tx| {
        jobs::remove(tx, job_id)?;
        let mut waiting = Vec::new();
        for (id, since) in transfers::in_status(tx, FileTransferStatus::UploadStarted)? {
            if at - since > STUCK_AFTER && !recent_tus_activity(tx, id, at)? {
                if let Some(t) = transfers::get(tx, id)? {
                    crate::lifecycle::apply(tx, &state.settings, &t, Trigger::UploadStuck, Some(STUCK_DETAIL), at)?;
                }
            } else {
                waiting.push(since);
            }
        }
        jobs::schedule(tx, JobKind::StuckUploads, None, next_run(at, now, waiting.into_iter().min()))?;
        Ok(())
    })
}

/// The service lets an upload with tus activity in the last hour go on (`HasRecentActivityAsync`, 1 h window).
fn recent_tus_activity(
    conn: &rusqlite::Connection,
    id: altinn_broker_core::FileTransferId,
    at: OffsetDateTime,
) -> Result<bool, AppError> {
    Ok(crate::store::tus::last_activity(conn, id)?.is_some_and(|last| at - last <= Duration::hours(1)))
}

/// When the job runs next. Normally the next half-hour boundary; while `clock/advance` catches up (`at` far
/// behind `now`), runs that could not find anything are skipped: the next run is the first boundary at which the
/// oldest waiting upload is stuck, or the last boundary before `now`, whichever comes first. The outcome (which
/// transfer fails, and at which boundary) is the same as running every half hour.
fn next_run(at: OffsetDateTime, now: OffsetDateTime, oldest_waiting: Option<OffsetDateTime>) -> OffsetDateTime {
    let regular = next_run_after(at);
    let last_before_now = next_run_after(now - Duration::minutes(30));
    let first_stuck = oldest_waiting.map(|since| next_run_after(since + STUCK_AFTER));
    let catch_up = first_stuck.map_or(last_before_now, |f| f.min(last_before_now));
    regular.max(catch_up)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn catching_up_skips_empty_runs_only() {
        let at = datetime!(2026-01-01 10:00:00 UTC);
        // Nothing waiting, clock far ahead: jump to the last boundary before now.
        assert_eq!(next_run(at, datetime!(2026-02-01 10:10:00 UTC), None), datetime!(2026-02-01 10:00:00 UTC));
        // An upload that becomes stuck on the way: stop at the first boundary after it does.
        let since = datetime!(2026-01-03 08:10:00 UTC);
        assert_eq!(next_run(at, datetime!(2026-02-01 10:10:00 UTC), Some(since)), datetime!(2026-01-04 08:30:00 UTC));
        // Normal operation (now ≈ at): the next boundary.
        assert_eq!(next_run(at, at, None), datetime!(2026-01-01 10:30:00 UTC));
        assert_eq!(next_run(at, at, Some(since)), datetime!(2026-01-01 10:30:00 UTC));
    }

    #[test]
    fn half_hour_boundaries() {
        assert_eq!(next_run_after(datetime!(2026-01-01 10:00:00 UTC)), datetime!(2026-01-01 10:30:00 UTC));
        assert_eq!(next_run_after(datetime!(2026-01-01 10:29:59.5 UTC)), datetime!(2026-01-01 10:30:00 UTC));
        assert_eq!(next_run_after(datetime!(2026-01-01 23:45:00 UTC)), datetime!(2026-01-02 00:00:00 UTC));
    }
}
