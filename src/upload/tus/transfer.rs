//! One resumable upload from start to finish: plan it (or take the plan of a stored record), create its tus
//! uploads and remember them in the resume store, send the parts, join them, and forget the record once the
//! service holds the whole file.

use std::cell::RefCell;
use std::rc::Rc;

use altinn_broker_core::FileTransferStatus;
use futures_util::future::try_join_all;

use crate::error::Error;
use crate::js::runtime::now_ms;
use crate::resume::record::{endpoint_of, ResumeRecord, UploadRef, UPLOAD_EXPIRATION_MS};
use crate::resume::{fingerprint, Store};
use crate::upload::source::Source;
use crate::upload::tus::chunks::Chunks;
use crate::upload::tus::plan::{plan, Part};
use crate::upload::tus::protocol::{self, Created};
use crate::upload::tus::session::{http_date_ms, Kind, Session};
use crate::upload::tus::{parallel, single::Worker};

/// What the caller asked for.
#[derive(Default)]
pub struct Settings {
    pub chunk_size: Option<u64>,
    pub parallel: u32,
    /// The caller's key for a stream (the only way to resume one).
    pub fingerprint_hint: Option<String>,
    /// Hash a stream source while sending it (`Outcome::md5`).
    pub hash: bool,
}

/// A finished upload: the service holds every byte (a parallel upload's final is created; see `finish`).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub file_transfer_id: String,
    pub size: u64,
    pub chunk_size: u64,
    /// 1 for a single upload, the number of partials otherwise.
    pub parts: usize,
    /// True when the transfer had already moved past uploading (a resumed upload that had in fact finished).
    pub already_complete: bool,
    /// True when `parallel` asked for partials but the server has no `concatenation` extension, so the file went
    /// as one upload (`parts` is then 1).
    pub fallback: bool,
    /// The MD5 of a stream source hashed while it was sent (`hash`), read from its first byte to its last.
    pub md5: Option<String>,
}

/// The live state of an upload, shared with its handle.
pub struct Upload {
    pub session: Session,
    pub store: Option<Store>,
    /// The record as stored (or as it would be, without a store): the handle's `terminate` deletes its uploads.
    pub record: RefCell<Option<ResumeRecord>>,
}

impl Upload {
    /// Keeps `r` as the upload's record, and stores it when something identifies the file again (a stream
    /// without a `fingerprint` key is kept in memory only).
    async fn save(&self, r: ResumeRecord) -> Result<(), Error> {
        if let (Some(st), false) = (&self.store, r.fingerprint.is_empty()) {
            st.save(&r).await?;
        }
        *self.record.borrow_mut() = Some(r);
        Ok(())
    }

    /// Forgets the record (the upload finished, failed for good, or was terminated).
    pub async fn forget(&self) -> Result<(), Error> {
        let key = self.record.borrow().as_ref().map(|r| r.key.clone());
        if let (Some(st), Some(key)) = (&self.store, key) {
            st.remove(&key).await?;
        }
        Ok(())
    }
}

fn expires_ms(c: &Created) -> f64 {
    c.expires.as_deref().and_then(http_date_ms).unwrap_or_else(|| now_ms() + UPLOAD_EXPIRATION_MS)
}

async fn create(s: &Session, length: u64, partial: bool) -> Result<Created, Error> {
    let mut failures = 0;
    loop {
        s.gate.wait(&s.guard).await?;
        let g = s.request_guard()?;
        match protocol::create(s.transport(), s.id, length, partial, &g).await {
            Ok(c) => return Ok(c),
            Err(f) => {
                s.recover(Kind::Create, f, &mut failures).await?;
            }
        }
    }
}

/// Runs the upload; `resume` continues a stored one. When it stops early (paused, failed), the stored record
/// takes the service's latest expiry, which slides with every chunk.
pub async fn run(
    u: Rc<Upload>,
    source: Source,
    settings: Settings,
    resume: Option<ResumeRecord>,
) -> Result<Outcome, Error> {
    let r = attempt(&u, source, settings, resume).await;
    if r.is_err() {
        let stored = u.record.borrow().clone();
        if let Some(mut rec) = stored {
            if let Some(at) = u.session.expiry.earliest(rec.uploads.len()).filter(|at| *at > rec.expires) {
                rec.expires = at;
                // Best effort: the upload's own failure is the one to report.
                let _ = u.save(rec).await;
            }
        }
    }
    r
}

async fn attempt(
    u: &Rc<Upload>,
    source: Source,
    settings: Settings,
    resume: Option<ResumeRecord>,
) -> Result<Outcome, Error> {
    let s = &u.session;
    let size = source.size().ok_or_else(|| Error::client("a resumable upload of a stream needs its `size`"))? as u64;
    let chunks = Chunks::new(&source, settings.hash)?;
    // Needed to store the upload, and to check that a resumed upload gets the same file.
    let fp = if u.store.is_some() || resume.is_some() {
        fingerprint::of_source(&source, settings.fingerprint_hint.as_deref()).await?
    } else {
        None
    };
    let endpoint = endpoint_of(&s.transport().base_url);
    let id = s.id.to_string();

    let (record, mut offsets) = match resume {
        Some(r) => {
            if r.size != size || r.file_transfer_id != id || r.endpoint != endpoint {
                return Err(Error::client("this record belongs to another file, transfer or service"));
            }
            if let (Some(a), b) = (&fp, &r.fingerprint) {
                if !b.is_empty() && a != b {
                    return Err(Error::client("the file differs from the one whose upload was interrupted"));
                }
            }
            *u.record.borrow_mut() = Some(r.clone());
            let o = s.client.overview(s.id, &s.guard).await?;
            match o.summary.file_transfer_status {
                FileTransferStatus::UploadStarted => {}
                FileTransferStatus::UploadProcessing if r.final_path.is_some() => {}
                FileTransferStatus::Initialized => {
                    // Nothing reached the service: start over with the stored plan.
                    u.forget().await?;
                    return fresh(u, chunks, size, r.chunk_size, r.uploads.len() as u32, fp, settings).await;
                }
                FileTransferStatus::UploadProcessing
                | FileTransferStatus::Published
                | FileTransferStatus::AllConfirmedDownloaded => {
                    u.forget().await?;
                    return Ok(outcome(&r, true));
                }
                other => {
                    u.forget().await?;
                    return Err(Error::TransferFailed {
                        id,
                        status: other.as_str().to_owned(),
                        text: o.summary.file_transfer_status_text.clone(),
                    });
                }
            }
            let offsets = vec![None; r.uploads.len()];
            (r, offsets)
        }
        None => {
            return fresh(u, chunks, size, settings.chunk_size.unwrap_or(0), settings.parallel, fp, settings).await;
        }
    };

    if record.final_path.is_none() {
        // Uploads the service forgot (expired, terminated) are created again and sent from the start.
        let mut r = record.clone();
        let mut changed = false;
        for (i, up) in record.uploads.iter().enumerate() {
            let g = s.request_guard()?;
            match protocol::head(s.transport(), &up.path, &g).await {
                Err(f) if matches!(f.error, Error::Broker { status: 404 | 410, .. }) => {
                    let c = create(s, up.length, record.is_parallel()).await?;
                    r.uploads[i].path = c.path.clone();
                    r.expires = expires_ms(&c);
                    offsets[i] = Some(0);
                    changed = true;
                }
                _ => {}
            }
        }
        if changed {
            u.save(r).await?;
        }
    }
    finish(u, chunks, offsets).await
}

fn outcome(r: &ResumeRecord, already_complete: bool) -> Outcome {
    Outcome {
        file_transfer_id: r.file_transfer_id.clone(),
        size: r.size,
        chunk_size: r.chunk_size,
        parts: r.uploads.len(),
        already_complete,
        fallback: false,
        md5: None,
    }
}

/// Whether the server joins partial uploads (tus `concatenation`): its `OPTIONS` answer, asked once per client
/// (the client has one endpoint) and kept. The service's own tus has the extension; a standard server may not
/// (`@tus/server` with its file store answers a partial with 501), and then a parallel upload goes as one. An
/// answer that says nothing (a failed OPTIONS, headers CORS hides) is taken as yes, as before the client asked,
/// and asked again next time.
async fn concatenation(s: &Session) -> Result<bool, Error> {
    if let Some(c) = s.client.tus_capabilities.get() {
        return Ok(c.concatenation);
    }
    s.gate.wait(&s.guard).await?;
    let g = s.request_guard()?;
    match protocol::options(s.transport(), s.id, &g).await {
        Ok(Some(c)) => {
            s.client.tus_capabilities.set(Some(c));
            Ok(c.concatenation)
        }
        Ok(None) => Ok(true),
        Err(_) => {
            // A pause, terminate or deadline during the OPTIONS ends the upload; anything else says nothing.
            s.guard.check()?;
            Ok(true)
        }
    }
}

/// A new upload: plan, create, remember, send.
async fn fresh(
    u: &Rc<Upload>,
    chunks: Chunks,
    size: u64,
    chunk_size: u64,
    parallel: u32,
    fp: Option<String>,
    settings: Settings,
) -> Result<Outcome, Error> {
    let s = &u.session;
    let requested = if chunk_size > 0 { Some(chunk_size) } else { settings.chunk_size };
    let mut p = plan(size, requested, parallel.max(1)).map_err(|e| Error::client(e.to_string()))?;
    let fallback = p.is_parallel() && !concatenation(s).await?;
    if fallback {
        p = plan(size, requested, 1).map_err(|e| Error::client(e.to_string()))?;
    }
    if p.is_parallel() && !chunks.random_access() {
        return Err(Error::Unsupported(
            "a parallel upload reads the file at many places at once: pass a Blob, or upload the stream with parallel: 1"
                .into(),
        ));
    }
    // The partials are created side by side: one after another, four creations took 86 ms of a 256 MiB upload's
    // 0.8 s (tus-js-client sends them at once too).
    let created = try_join_all(p.parts.iter().map(|part| create(s, part.length, p.is_parallel()))).await?;
    let mut uploads = Vec::with_capacity(p.parts.len());
    let mut expires = f64::INFINITY;
    for (part, c) in p.parts.iter().zip(created) {
        expires = expires.min(expires_ms(&c));
        uploads.push(UploadRef { path: c.path, start: part.start, length: part.length });
    }
    let id = s.id.to_string();
    let fingerprint = fp.unwrap_or_default();
    let record = ResumeRecord {
        key: ResumeRecord::key_for(&fingerprint, &id),
        fingerprint: fingerprint.clone(),
        endpoint: endpoint_of(&s.transport().base_url),
        file_transfer_id: id,
        size,
        chunk_size: p.chunk_size,
        uploads,
        final_path: None,
        created: now_ms(),
        expires,
    };
    u.save(record).await?;
    let offsets = vec![Some(0); p.parts.len()];
    let out = finish(u, chunks, offsets).await?;
    Ok(Outcome { fallback, ..out })
}

/// Sends what is left, joins a parallel upload, and forgets the record.
async fn finish(u: &Rc<Upload>, chunks: Chunks, offsets: Vec<Option<u64>>) -> Result<Outcome, Error> {
    let s = &u.session;
    let digest = chunks.digest();
    let r = u.record.borrow().clone().ok_or_else(|| Error::client("the upload has no plan"))?;
    if r.final_path.is_none() {
        let parts: Vec<(String, Part, Option<u64>)> = r
            .uploads
            .iter()
            .zip(offsets)
            .map(|(up, o)| (up.path.clone(), Part { start: up.start, length: up.length }, o))
            .collect();
        if let [(path, part, offset)] = parts.as_slice() {
            Worker { session: s, index: 0, path: path.clone(), part: *part, chunk_size: r.chunk_size, chunks }
                .run(*offset)
                .await?;
        } else {
            parallel::send_parts(s, &parts, r.chunk_size, &chunks).await?;
        }
    }
    if r.is_parallel() {
        match &r.final_path {
            // The service took the final: its creation is the upload's completion (contract §5: the transfer moves
            // to `UploadProcessing` at once, and the service joins the parts in the background, as it processes a
            // streamed upload; a failed join ends the transfer `Failed`, which a wait for `Published` reports). Waiting
            // for HEAD on the final to show the joined length (polled 100 ms ×1.5) came on top of the wait for
            // `Published`, and noticed the join up to half its duration late.
            None => {
                let paths: Vec<String> = r.uploads.iter().map(|up| up.path.clone()).collect();
                let p = parallel::join(s, &paths).await?;
                let mut saved = r.clone();
                saved.final_path = Some(p);
                u.save(saved).await?;
            }
            // Resumed after the final was created: the service may still be joining.
            Some(p) => parallel::wait_joined(s, p, r.size).await?,
        }
    }
    u.forget().await?;
    let md5 = digest.and_then(|d| d.borrow().clone());
    Ok(Outcome { md5, ..outcome(&r, false) })
}
