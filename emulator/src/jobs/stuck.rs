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
    state.store.tx(|tx| {
        jobs::remove(tx, job_id)?;
        for (id, since) in transfers::in_status(tx, FileTransferStatus::UploadStarted)? {
            if at - since > STUCK_AFTER {
                if let Some(t) = transfers::get(tx, id)? {
                    crate::lifecycle::apply(tx, &state.settings, &t, Trigger::UploadStuck, Some(STUCK_DETAIL), at)?;
                }
            }
        }
        jobs::schedule(tx, JobKind::StuckUploads, None, next_run_after(at))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn half_hour_boundaries() {
        assert_eq!(next_run_after(datetime!(2026-01-01 10:00:00 UTC)), datetime!(2026-01-01 10:30:00 UTC));
        assert_eq!(next_run_after(datetime!(2026-01-01 10:29:59.5 UTC)), datetime!(2026-01-01 10:30:00 UTC));
        assert_eq!(next_run_after(datetime!(2026-01-01 23:45:00 UTC)), datetime!(2026-01-02 00:00:00 UTC));
    }
}
