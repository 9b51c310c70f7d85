//! The JS surface of resumable uploads: `client.startUpload`, `client.resume`, `client.findResumableUploads`
//! and the upload handle they give (`done`, `progress`, `pause()`, `terminate()`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortController, AbortSignal};

use crate::api::transfer_id;
use crate::client::Client;
use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::http::guard::Timeouts;
use crate::js::options::{self as opt, to_js};
use crate::js::runtime::now_ms;
use crate::resume::record::{endpoint_of, ResumeRecord};
use crate::resume::{fingerprint, Store};
use crate::upload::source::Source;
use crate::upload::tus::session::{Expiry, Gate, Progress, Session};
use crate::upload::tus::transfer::{self, Settings, Upload};
use crate::upload::tus::{plan, protocol};
use crate::BrokerClient;

/// Consecutive failed requests before a resumable upload gives up (it can still be resumed later).
const DEFAULT_RETRIES: u32 = 10;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/**
 * Where interrupted uploads are remembered. Records hold a fingerprint (a SHA-256 of the file's size, name,
 * modification time and a sample of its bytes), never the file name or a token.
 */
export interface ResumeStore {
  find(fingerprint: string): Promise<ResumeRecord[]>;
  save(record: ResumeRecord): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface ResumeUploadRef {
  /** Root-relative tus upload URL. */
  path: string;
  start: number;
  length: number;
}

export interface ResumeRecord {
  key: string;
  fingerprint: string;
  /** The base URL the upload went to. */
  endpoint: string;
  fileTransferId: string;
  size: number;
  chunkSize: number;
  /** One upload, or the partials of a parallel upload. */
  uploads: ResumeUploadRef[];
  /** Set once the final concatenation was created. */
  finalPath: string | null;
  /** Milliseconds since the epoch. */
  created: number;
  /** When the service forgets the uploads if nothing more is sent (milliseconds since the epoch). */
  expires: number;
}

export interface StartUploadOptions {
  /** Bytes per PATCH (default 8 MiB), raised when needed to stay within the service's 50,000 chunks. */
  chunkSize?: number;
  /** Partial uploads sent side by side, then joined (default 1). Needs a Blob or bytes. */
  parallel?: number;
  /** Aborting pauses the upload: it stays resumable. */
  signal?: AbortSignal;
  /** Called with the bytes the service acknowledged. */
  onProgress?: (progress: Progress) => void;
  /** Where to remember the upload; default IndexedDB in a browser page, memory elsewhere; false: nowhere. */
  resumeStore?: ResumeStore | false;
  /** Give up after this many ms overall (default: the client's `deadlineMs`, else none). */
  deadlineMs?: number;
  /** Retry a request that moves no bytes for this long (default: the client's `stallTimeoutMs`). */
  stallTimeoutMs?: number;
  /** Failed requests in a row (no chunk acknowledged between them) before giving up (default 10). */
  retries?: number;
  /** The size of a stream source. */
  size?: number;
  /** A key of your own for a stream source, so it can be found again with `findResumableUploads`. */
  fingerprint?: string;
  /** Compute the MD5 of a stream source while sending it (`TusUploadResult.md5`). Default false. */
  hash?: boolean;
}

export interface FindResumableOptions {
  /** Default: IndexedDB in a browser page, memory elsewhere. */
  store?: ResumeStore;
  /** The key a stream source was started with. */
  fingerprint?: string;
  /** The size of a stream source. */
  size?: number;
}

export interface TusUploadResult {
  fileTransferId: string;
  size: number;
  chunkSize: number;
  /** 1 for a single upload, the number of partials otherwise. */
  parts: number;
  /** The transfer had already moved past uploading when a resumed upload started. */
  alreadyComplete: boolean;
  /** The MD5 of a stream source read from its first byte to its last, when `hash` was set. */
  md5: string | null;
}

/** The options `send` takes to upload over tus (`resumable: true`) instead of one streamed POST. */
export interface ResumableSendOptions {
  /** Upload in chunks over tus: survives dropped connections, stalls, token expiry and restarts (default false). */
  resumable?: boolean;
  /** With `resumable`: bytes per PATCH (default 8 MiB). */
  chunkSize?: number;
  /** With `resumable`: partial uploads sent side by side, then joined (default 1). */
  parallel?: number;
  /** With `resumable`: where to remember the upload (see `StartUploadOptions`). */
  resumeStore?: ResumeStore | false;
  /** With `resumable`: failed requests in a row before giving up (default 10). */
  retries?: number;
}

export interface UploadProgress {
  /** Bytes the service acknowledged. */
  loaded: number;
  total: number;
}
"#;

/// The state a handle shares with its running upload.
struct Live {
    upload: Rc<Upload>,
    ctl: AbortController,
    /// The caller's signal pausing the upload; removed from the signal when the upload ends.
    on_user_abort: RefCell<Option<EventListener>>,
    terminated: Cell<bool>,
}

/// A resumable upload in progress.
#[wasm_bindgen]
pub struct TusUpload {
    live: Rc<Live>,
    done: Promise,
    id: String,
}

#[wasm_bindgen]
impl TusUpload {
    /// Resolves when the service holds the whole file (and has joined the partials of a parallel upload);
    /// rejects with an `AbortError` after `pause()`, `terminate()` or the signal, and with the failure otherwise.
    #[wasm_bindgen(getter, unchecked_return_type = "Promise<TusUploadResult>")]
    pub fn done(&self) -> Promise {
        self.done.clone()
    }

    #[wasm_bindgen(getter, js_name = fileTransferId)]
    pub fn file_transfer_id(&self) -> String {
        self.id.clone()
    }

    /// Bytes the service acknowledged so far, and the total.
    #[wasm_bindgen(getter, unchecked_return_type = "UploadProgress")]
    pub fn progress(&self) -> JsValue {
        let p = &self.live.upload.session.progress;
        let o = Object::new();
        let _ = Reflect::set(&o, &"loaded".into(), &(p.loaded() as f64).into());
        let _ = Reflect::set(&o, &"total".into(), &(p.total() as f64).into());
        o.into()
    }

    /// The resume record (null for a source nothing identifies, such as a stream without `fingerprint`).
    #[wasm_bindgen(getter, unchecked_return_type = "ResumeRecord | null")]
    pub fn record(&self) -> Result<JsValue, JsValue> {
        match self.live.upload.record.borrow().as_ref() {
            Some(r) => Ok(to_js(r)?),
            None => Ok(JsValue::NULL),
        }
    }

    /// Stops sending; the upload stays resumable (`client.resume`). Resolves once it has stopped.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn pause(&self) -> Promise {
        self.live.ctl.abort_with_reason(&JsValue::from_str("paused"));
        let done = self.done.clone();
        future_to_promise(async move {
            let _ = JsFuture::from(done).await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Stops sending, deletes the uploads on the service (tus termination) and forgets the resume record. The
    /// transfer itself stays `UploadStarted`: the service has no way to cancel a transfer.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn terminate(&self) -> Promise {
        self.live.terminated.set(true);
        self.live.ctl.abort_with_reason(&JsValue::from_str("terminated"));
        let done = self.done.clone();
        let live = self.live.clone();
        future_to_promise(async move {
            let _ = JsFuture::from(done).await;
            let u = &live.upload;
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
            u.forget().await?;
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// Attempts at a DELETE the service could not take yet.
const DELETE_ATTEMPTS: u32 = 8;

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

/// Options of `startUpload` and `resume` (and of `send` with `resumable: true`), read from JS.
pub struct StartOptions {
    pub settings: Settings,
    store: Option<Store>,
    progress: Option<js_sys::Function>,
    signal: Option<AbortSignal>,
    deadline_ms: Option<f64>,
    stall_ms: Option<f64>,
    retries: u32,
    size: Option<f64>,
}

fn int(options: &JsValue, key: &str) -> Result<Option<u64>, Error> {
    opt::number(options, key)?
        .map(
            |n| if n.fract() == 0.0 { Ok(n as u64) } else { Err(Error::client(format!("`{key}` must be an integer"))) },
        )
        .transpose()
}

fn store_option(options: &JsValue, key: &str) -> Result<Option<Store>, Error> {
    match opt::get(options, key) {
        None => Ok(Some(Store::default_for_runtime())),
        Some(v) if v.as_bool() == Some(false) => Ok(None),
        Some(v) => Store::from_js(v).map(Some),
    }
}

fn start_options(c: &Client, options: &JsValue) -> Result<StartOptions, Error> {
    let parallel = int(options, "parallel")?.unwrap_or(1);
    let parallel = u32::try_from(parallel).map_err(|_| Error::client(plan::PlanError::Parallel.to_string()))?;
    Ok(StartOptions {
        settings: Settings {
            chunk_size: int(options, "chunkSize")?,
            parallel,
            fingerprint_hint: opt::string(options, "fingerprint")?,
            hash: opt::boolean(options, "hash")?.unwrap_or(false),
        },
        store: store_option(options, "resumeStore")?,
        progress: opt::function(options, "onProgress")?,
        signal: opt::signal(options)?,
        deadline_ms: opt::number(options, "deadlineMs")?.or(c.transport.timeouts.deadline_ms),
        stall_ms: opt::number(options, "stallTimeoutMs")?.or(c.transport.timeouts.stall_ms),
        retries: int(options, "retries")?.map(|n| n.min(u64::from(u32::MAX)) as u32).unwrap_or(DEFAULT_RETRIES),
        size: opt::number(options, "size")?,
    })
}

/// Starts (or resumes, with `record`) an upload and gives its handle.
/// The shared state of one upload run: its session (guard, idle timer, pause gate, progress) and its store.
fn new_upload(
    client: Rc<Client>,
    id: altinn_broker_core::FileTransferId,
    guard: CallGuard,
    source: &Source,
    o: &mut StartOptions,
    progress: Option<js_sys::Function>,
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

fn launch(
    client: Rc<Client>,
    id: altinn_broker_core::FileTransferId,
    source: Source,
    mut o: StartOptions,
    record: Option<ResumeRecord>,
) -> Result<TusUpload, Error> {
    let ctl = AbortController::new().map_err(|e| Error::client_caused("AbortController is missing", e))?;
    let guard = CallGuard::new(Some(ctl.signal()), Timeouts { stall_ms: None, deadline_ms: o.deadline_ms })?;
    let progress = o.progress.clone();
    let upload = new_upload(client, id, guard, &source, &mut o, progress);
    let live = Rc::new(Live {
        upload: upload.clone(),
        ctl: ctl.clone(),
        on_user_abort: RefCell::new(None),
        terminated: Cell::new(false),
    });
    // The caller's signal pauses the upload, with the signal's reason.
    if let Some(sig) = &o.signal {
        if sig.aborted() {
            ctl.abort_with_reason(&sig.reason());
        } else {
            let (c, s) = (ctl.clone(), sig.clone());
            let listener = EventListener::once(sig, "abort", move |_| c.abort_with_reason(&s.reason()));
            *live.on_user_abort.borrow_mut() = Some(listener);
        }
    }
    let l = live.clone();
    let done = future_to_promise(async move {
        let r = transfer::run(l.upload.clone(), source, o.settings, record).await;
        l.on_user_abort.borrow_mut().take();
        match r {
            Ok(out) => Ok(to_js(&out)?),
            Err(e) => Err(e.into()),
        }
    });
    Ok(TusUpload { live, done, id: id.to_string() })
}

/// The tus options of `send`, or `None` unless it asked for `resumable: true`.
pub fn resumable_options(c: &Client, options: &JsValue) -> Result<Option<StartOptions>, Error> {
    if opt::boolean(options, "resumable")? != Some(true) {
        return Ok(None);
    }
    start_options(c, options).map(Some)
}

/// A resumable upload inside another call (`send`): it ends with `parent` (its signal, deadline), reports to
/// `progress`, and gives its outcome rather than a handle.
pub async fn upload_within(
    client: Rc<Client>,
    id: altinn_broker_core::FileTransferId,
    source: Source,
    mut o: StartOptions,
    progress: Option<js_sys::Function>,
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

fn source_of(file: JsValue, size: Option<f64>) -> Result<Source, Error> {
    Source::from_js(file, size)
}

#[wasm_bindgen]
impl BrokerClient {
    /// Starts a resumable (tus) upload to an initialized transfer and gives its handle at once.
    #[wasm_bindgen(js_name = startUpload)]
    pub fn start_upload(
        &self,
        #[wasm_bindgen(js_name = fileTransferId)] file_transfer_id: String,
        #[wasm_bindgen(unchecked_param_type = "Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer")]
        source: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "StartUploadOptions")] options: Option<Object>,
    ) -> Result<TusUpload, JsValue> {
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let id = transfer_id(&file_transfer_id)?;
        let o = start_options(&self.inner, &options)?;
        let source = source_of(source, o.size)?;
        Ok(launch(self.inner.clone(), id, source, o, None)?)
    }

    /// The interrupted uploads of `file` this client's service still knows of (expired records are removed).
    #[wasm_bindgen(js_name = findResumableUploads, unchecked_return_type = "Promise<ResumeRecord[]>")]
    pub fn find_resumable_uploads(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer")]
        file: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "FindResumableOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        future_to_promise(async move {
            let source = source_of(file, opt::number(&options, "size")?)?;
            let store = match opt::get(&options, "store") {
                Some(v) => Store::from_js(v)?,
                None => Store::default_for_runtime(),
            };
            let records = find(&c, &store, &source, opt::string(&options, "fingerprint")?.as_deref()).await?;
            Ok(to_js(&records)?)
        })
    }

    /// Continues an interrupted upload: a record from `findResumableUploads`, or the transfer id (looked up in the
    /// store by the file's fingerprint). `source` must be the same file.
    #[wasm_bindgen(unchecked_return_type = "Promise<TusUpload>")]
    pub fn resume(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResumeRecord | string")] record: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer")]
        source: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "StartUploadOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        future_to_promise(async move {
            let o = start_options(&c, &options)?;
            let source = source_of(source, o.size)?;
            let record: ResumeRecord = match record.as_string() {
                Some(id) => {
                    let store = o.store.clone().ok_or_else(|| Error::client("resuming by id needs a resume store"))?;
                    find(&c, &store, &source, o.settings.fingerprint_hint.as_deref())
                        .await?
                        .into_iter()
                        .find(|r| r.file_transfer_id.eq_ignore_ascii_case(&id))
                        .ok_or_else(|| Error::client(format!("no resumable upload of this file for transfer {id}")))?
                }
                None => opt::data(record, "resume record")?,
            };
            // Refuse another file before anything is sent (the upload checks again as it starts).
            let fp = fingerprint::of_source(&source, o.settings.fingerprint_hint.as_deref()).await?;
            if source.size().map(|n| n as u64) != Some(record.size)
                || fp.is_some_and(|fp| !record.fingerprint.is_empty() && fp != record.fingerprint)
            {
                return Err(Error::client("the file differs from the one whose upload was interrupted").into());
            }
            let id = transfer_id(&record.file_transfer_id)?;
            Ok(launch(c, id, source, o, Some(record))?.into())
        })
    }
}

async fn find(c: &Client, store: &Store, source: &Source, hint: Option<&str>) -> Result<Vec<ResumeRecord>, Error> {
    match fingerprint::of_source(source, hint).await? {
        Some(fp) => store.find(&fp, &endpoint_of(&c.transport.base_url), now_ms()).await,
        None => Ok(Vec::new()),
    }
}
