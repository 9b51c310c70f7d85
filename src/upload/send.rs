//! `send`: the whole sender side in one call — hash, initialize, upload, wait until `Published`.
//!
//! Checksum modes (contract §1.2, §1.3): a Blob or bytes are hashed first and the checksum goes with initialize,
//! so the service itself refuses a file that changed on disk (400, BRO-00009); a one-shot stream is hashed while it
//! uploads and compared with the checksum the service records; a checksum the caller passes is used as given.

use altinn_broker_core::model::{FileTransferOverview, InitializeRequest};
use altinn_broker_core::{FileTransferId, FileTransferStatus};
use std::rc::Rc;

use js_sys::Function;

use crate::api::transfers::prepare_initialize;
use crate::client::Client;
use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::js::value::notify;
use crate::track::wait::{Target, WaitOptions};
use crate::upload::body::progress_event;
use crate::upload::source::Source;
use crate::upload::tus::start::{upload_within, StartOptions};

pub struct Sent {
    pub id: FileTransferId,
    pub checksum: Option<String>,
    pub size: f64,
    pub overview: FileTransferOverview,
}

impl Client {
    /// `resumable`: upload over tus (chunks, resync, resume store) instead of one streamed POST.
    #[allow(clippy::too_many_arguments)]
    pub async fn send(
        self: &Rc<Self>,
        source: &Source,
        mut meta: InitializeRequest,
        hash: bool,
        progress: Option<Function>,
        wait: &WaitOptions,
        resumable: Option<StartOptions>,
        guard: &CallGuard,
    ) -> Result<Sent, Error> {
        // Refuse bad metadata before reading a byte of the file.
        meta = prepare_initialize(meta)?;
        let given = meta.checksum.clone().filter(|c| !c.trim().is_empty());
        if given.is_none() && hash && source.rereadable() {
            let sum = source.hash(guard, progress.as_ref()).await?;
            meta.checksum = Some(sum);
        }
        // A blank checksum is none to the service (`MD5ChecksumAttribute` passes it, nothing is compared); the
        // bound request carries the model's default `""` when the caller gave none.
        let checksum_at_initialize = meta.checksum.clone().filter(|c| !c.trim().is_empty());
        let id = self.initialize(meta, guard).await?;
        let hash_while_uploading = hash && checksum_at_initialize.is_none();
        let up = match resumable {
            None => self.upload(id, source, hash_while_uploading, progress.clone(), guard).await?,
            Some(mut o) => {
                // A stream is hashed as its chunks are read, and compared below like a streamed upload's.
                o.settings.hash = hash_while_uploading;
                let out = upload_within(self.clone(), id, source.clone(), o, progress.clone(), guard).await?;
                crate::upload::streamed::Uploaded { size: out.size as f64, md5: out.md5 }
            }
        };
        let progress_ref = progress.as_ref();
        // The service scans and publishes: `processing` with each new status polled, then `published`.
        let mut last: Option<FileTransferStatus> = None;
        let published = Target::Statuses(vec![FileTransferStatus::Published]);
        let overview = self
            .wait_observed(id, &published, wait, guard, |o| {
                let status = o.summary.file_transfer_status;
                if last != Some(status) && status != FileTransferStatus::Published {
                    notify(progress_ref, &status_event("processing", up.size, status));
                }
                last = Some(status);
            })
            .await?;
        notify(progress_ref, &status_event("published", up.size, overview.summary.file_transfer_status));

        let checksum = match (checksum_at_initialize, up.md5) {
            (Some(c), _) => Some(c),
            (None, Some(ours)) => {
                if let Some(theirs) = &overview.summary.checksum {
                    if !theirs.eq_ignore_ascii_case(&ours) {
                        return Err(Error::ChecksumMismatch { expected: theirs.clone(), actual: ours });
                    }
                }
                Some(ours)
            }
            (None, None) => overview.summary.checksum.clone(),
        };
        Ok(Sent { id, checksum, size: up.size, overview })
    }
}

/// `{ phase, loaded, total, status }`: a phase after the upload, with all `size` bytes sent.
fn status_event(phase: &str, size: f64, status: FileTransferStatus) -> wasm_bindgen::JsValue {
    let e = progress_event(phase, size, Some(size));
    let _ = js_sys::Reflect::set(&e, &"status".into(), &status.as_str().into());
    e
}
