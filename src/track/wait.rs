//! Waiting for a transfer to reach a status, by polling the overview with a growing interval.
//!
//! A status target fails fast: once the transfer is in a status from which none of the targets can be reached
//! (contract §3.1, e.g. `Failed` after a malware scan while waiting for `Published`), the wait rejects with the
//! status and its text instead of polling until the timeout.

use altinn_broker_core::actions::can_reach;
use altinn_broker_core::model::FileTransferOverview;
use altinn_broker_core::{FileTransferId, FileTransferStatus};
use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::client::Client;
use crate::error::{Error, TimeoutKind};
use crate::http::guard::CallGuard;
use crate::js::runtime::now_ms;
use crate::js::value::to_js;

pub enum Target {
    /// Any of these statuses.
    Statuses(Vec<FileTransferStatus>),
    /// A JS predicate called with each overview.
    Predicate(Function),
}

pub struct WaitOptions {
    pub timeout_ms: Option<f64>,
    pub interval_ms: f64,
    pub max_interval_ms: f64,
    /// The interval stays `interval_ms` for this long before it grows.
    pub hold_ms: f64,
}

/// `waitFor`'s defaults: the overview at once, then every 50 ms for a second (`hold_ms`), then growing ×1.5
/// up to 5 s. A wait usually follows an upload, and the service publishes within moments of it: a 256 MiB tus
/// upload ~0.1 s after its last PATCH in the emulator (its scan), a parallel one ~0.3 s after the final POST (the
/// join). Starting at 200 ms noticed the first up to 200 ms late; growing from the start (50, 75, 112, 168 ms)
/// noticed the second ~150 ms late, an eighth of the whole upload (issue 12, row 6, against tus-js-client
/// followed by 50 ms polls).
impl Default for WaitOptions {
    fn default() -> Self {
        Self { timeout_ms: None, interval_ms: 50.0, max_interval_ms: 5_000.0, hold_ms: STEADY_MS }
    }
}

impl WaitOptions {
    /// `send`'s wait for `Published` right after its upload: the service is working on this transfer now
    /// (scanning, publishing), so the end is noticed within 50 ms during the first second and within a second
    /// later (the general defaults grow to 5 s). With the former defaults (200 ms ×1.5 up to 5 s) a publish that
    /// took 1 s was seen up to 0.5 s late, a third of `send`'s overhead over the same steps by hand for 1 GiB;
    /// growing ×1.5 from 50 ms at once (polls at 50, 125, 237, 406, 659 ms) still saw the emulator's publish of a
    /// 1 GiB upload, 0.25-0.45 s after the upload's answer, 0.1-0.2 s late. Holding 50 ms for a second costs at
    /// most 20 overview requests.
    pub fn after_upload() -> Self {
        Self { timeout_ms: None, interval_ms: 50.0, max_interval_ms: 1_000.0, hold_ms: STEADY_MS }
    }
}

/// How long the first interval is kept before it starts to grow: the service finishes what follows an upload
/// (publishing, a scan, a parallel upload's join) within this in most waits, so they are noticed within one
/// interval; a long wait then backs off as before (20 polls more in its first second at the 50 ms default).
pub const STEADY_MS: f64 = 1_000.0;

/// Whether `status` can still become one of `targets`.
pub fn still_reachable(status: FileTransferStatus, targets: &[FileTransferStatus]) -> bool {
    targets.iter().any(|t| can_reach(status, *t))
}

impl Client {
    pub async fn wait_for(
        &self,
        id: FileTransferId,
        target: &Target,
        opts: &WaitOptions,
        guard: &CallGuard,
    ) -> Result<FileTransferOverview, Error> {
        self.wait_observed(id, target, opts, guard, |_| {}).await
    }

    /// [`Client::wait_for`], telling `observe` each overview polled (`send`'s progress phases).
    pub async fn wait_observed(
        &self,
        id: FileTransferId,
        target: &Target,
        opts: &WaitOptions,
        guard: &CallGuard,
        mut observe: impl FnMut(&FileTransferOverview),
    ) -> Result<FileTransferOverview, Error> {
        let start = now_ms();
        let mut interval = opts.interval_ms.max(1.0);
        loop {
            let o = self.overview(id, guard).await?;
            observe(&o);
            let status = o.summary.file_transfer_status;
            match target {
                Target::Statuses(ts) => {
                    if ts.contains(&status) {
                        return Ok(o);
                    }
                    if !still_reachable(status, ts) {
                        return Err(Error::TransferFailed {
                            id: id.to_string(),
                            status: status.as_str().to_owned(),
                            text: o.summary.file_transfer_status_text.clone(),
                        });
                    }
                }
                Target::Predicate(f) => {
                    let v = f
                        .call1(&JsValue::UNDEFINED, &to_js(&o)?)
                        .map_err(|e| Error::client_caused("the waitFor predicate threw", e))?;
                    if v.is_truthy() {
                        return Ok(o);
                    }
                }
            }
            if let Some(t) = opts.timeout_ms {
                if now_ms() - start + interval > t {
                    return Err(Error::Timeout { kind: TimeoutKind::Wait, ms: t });
                }
            }
            guard.sleep(interval).await?;
            if now_ms() - start >= opts.hold_ms {
                interval = (interval * 1.5).min(opts.max_interval_ms.max(interval));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FileTransferStatus::*;

    #[test]
    fn fails_fast_only_when_hopeless() {
        assert!(still_reachable(UploadProcessing, &[Published]));
        assert!(!still_reachable(Failed, &[Published]));
        assert!(!still_reachable(AllConfirmedDownloaded, &[Published]));
        assert!(still_reachable(AllConfirmedDownloaded, &[Published, AllConfirmedDownloaded]));
        assert!(still_reachable(Failed, &[Purged]));
    }
}
