//! What the upload handle asks of the tus engine, in plain Rust: the settings of a start or resume, the shared
//! state of one run, a run inside another call (`send`), finding resume records, checking a resumed file, and
//! termination.

use std::cell::RefCell;
use std::rc::Rc;

use altinn_broker_core::FileTransferId;
use js_sys::Function;
use web_sys::AbortSignal;

use crate::client::Client;
use crate::error::Error;
use crate::http::guard::{CallGuard, Timeouts};
use crate::js::runtime::now_ms;
use crate::resume::record::{endpoint_of, ResumeRecord};
use crate::resume::{fingerprint, Store};
use crate::upload::source::Source;
use crate::upload::tus::protocol;
use crate::upload::tus::session::{Expiry, Gate, Progress, Session};
use crate::upload::tus::transfer::{self, Settings, Upload};

/// Consecutive failed requests before a resumable upload gives up (it can still be resumed later).
pub const DEFAULT_RETRIES: u32 = 10;

/// Attempts at a DELETE the service could not take yet.
const DELETE_ATTEMPTS: u32 = 8;

/// The settings of `startUpload` and `resume` (and of `send` with `resumable: true`).
pub struct StartOptions {
    pub settings: Settings,
    /// Where the upload is remembered; `None`: nowhere.
    pub store: Option<Store>,
    pub progress: Option<Function>,
    /// The caller's signal: aborting it pauses the upload.
    pub signal: Option<AbortSignal>,
    pub deadline_ms: Option<f64>,
    pub stall_ms: Option<f64>,
    pub retries: u32,
    /// The declared size of a stream source.
    pub size: Option<f64>,
}

/// The shared state of one upload run: its session (guard, idle timer, pause gate, progress) and its store.
pub fn new_upload(
    client: Rc<Client>,
    id: FileTransferId,
    guard: CallGuard,
    source: &Source,
    o: &mut StartOptions,
    progress: Option<Function>,
) -> Rc<Upload> {
    let total = source.size().unwrap_or(0.0) as u64;
    let session = Session {
        client,
        id,
        guard,
        stall_ms: o.stall_ms,
        retries: o.retries,
        gate: Gate::default(),
        progress: Progress::new(total, progress),
        expiry: Expiry::default(),
    };
    Rc::new(Upload { session, store: o.store.take(), record: RefCell::new(None) })
}

/// A resumable upload inside another call (`send`): it ends with `parent` (its signal, deadline), reports to
/// `progress`, and gives its outcome rather than a handle.
pub async fn upload_within(
    client: Rc<Client>,
    id: FileTransferId,
    source: Source,
    mut o: StartOptions,
    progress: Option<Function>,
    parent: &CallGuard,
) -> Result<transfer::Outcome, Error> {
    let guard = CallGuard::new(Some(parent.signal()), Timeouts { stall_ms: None, deadline_ms: None })?;
    let upload = new_upload(client, id, guard, &source, &mut o, progress);
    match transfer::run(upload, source, o.settings, None).await {
        Ok(out) => Ok(out),
        Err(e) => {
            // The caller's abort or deadline explains the failure better than the aborted request.
            parent.check()?;
            Err(e)
        }
    }
}

/// The live resume records of `source` in `store` for this client's service, newest first.
pub async fn find(c: &Client, store: &Store, source: &Source, hint: Option<&str>) -> Result<Vec<ResumeRecord>, Error> {
    match fingerprint::of_source(source, hint).await? {
        Some(fp) => store.find(&fp, &endpoint_of(&c.transport.base_url), now_ms()).await,
        None => Ok(Vec::new()),
    }
}

/// The record to resume `id` from: the newest record of `source` for that transfer.
pub async fn find_by_id(c: &Client, o: &StartOptions, source: &Source, id: &str) -> Result<ResumeRecord, Error> {
    let store = o.store.as_ref().ok_or_else(|| Error::client("resuming by id needs a resume store"))?;
    find(c, store, source, o.settings.fingerprint_hint.as_deref())
        .await?
        .into_iter()
        .find(|r| r.file_transfer_id.eq_ignore_ascii_case(id))
        .ok_or_else(|| Error::client(format!("no resumable upload of this file for transfer {id}")))
}

/// Refuses another file before anything is sent (the upload checks again as it starts).
pub async fn check_same_file(record: &ResumeRecord, source: &Source, hint: Option<&str>) -> Result<(), Error> {
    let fp = fingerprint::of_source(source, hint).await?;
    if source.size().map(|n| n as u64) != Some(record.size)
        || fp.is_some_and(|fp| !record.fingerprint.is_empty() && fp != record.fingerprint)
    {
        return Err(Error::client("the file differs from the one whose upload was interrupted"));
    }
    Ok(())
}

/// Deletes the uploads of a stopped upload on the service (tus termination) and forgets its resume record.
pub async fn terminate(u: &Upload) -> Result<(), Error> {
    let client = u.session.client.clone();
    let g = CallGuard::new(None, client.transport.timeouts)?;
    let record = u.record.borrow().clone();
    if let Some(r) = record {
        let mut paths: Vec<String> = r.uploads.iter().map(|x| x.path.clone()).collect();
        paths.extend(r.final_path.clone());
        for p in paths {
            delete(&client, &p, &g).await?;
        }
    }
    u.forget().await
}

/// Deletes one upload. A request the stopped upload left running may still hold the service's lock on it
/// (423), so that answer, 429/503 and network errors are tried again after a backoff.
async fn delete(client: &Client, path: &str, g: &CallGuard) -> Result<(), Error> {
    let mut attempt = 0;
    loop {
        let f = match protocol::delete(&client.transport, path, g).await {
            Ok(()) => return Ok(()),
            Err(f) => f,
        };
        let again = matches!(f.error, Error::Broker { status: 423 | 429 | 503, .. } | Error::Network { .. });
        match f.error {
            // Already gone: expired, or deleted by an earlier terminate.
            Error::Broker { status: 404 | 410, .. } => return Ok(()),
            e if !again || attempt + 1 >= DELETE_ATTEMPTS => return Err(e),
            _ => {}
        }
        let wait = client.transport.retry.delay_ms(attempt, js_sys::Math::random(), f.retry_after_ms).max(100.0);
        g.sleep(wait).await?;
        attempt += 1;
    }
}
