//! The handle of a resumable upload (`client.startUpload`, `client.resume`): `done`, `progress`, `record`,
//! `pause()` and `terminate()`. The upload itself runs in `upload::tus`.

use std::cell::RefCell;
use std::rc::Rc;

use altinn_broker_core::FileTransferId;
use gloo_events::EventListener;
use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortController;

use crate::client::Client;
use crate::error::Error;
use crate::http::guard::{CallGuard, Timeouts};
use crate::js::events::on_abort;
use crate::js::value::to_js;
use crate::resume::record::ResumeRecord;
use crate::upload::source::Source;
use crate::upload::tus::start::{self, StartOptions};
use crate::upload::tus::transfer::{self, Upload};

#[wasm_bindgen(typescript_custom_section)]
const TUS_UPLOAD: &'static str = r#"
export interface TusUploadResult {
  fileTransferId: string;
  size: number;
  chunkSize: number;
  /** 1 for a single upload, the number of partials otherwise: the parallelism actually used. */
  parts: number;
  /**
   * True when `parallel` asked for partials but the server's `Tus-Extension` (asked with OPTIONS once per client)
   * has no `concatenation`: the file went as one upload instead (`parts` is 1).
   */
  fallback: boolean;
  /** The transfer had already moved past uploading when a resumed upload started. */
  alreadyComplete: boolean;
  /** The MD5 of a stream source read from its first byte to its last, when `hash` was set. */
  md5: string | null;
}

export interface UploadProgress {
  /** Bytes the service acknowledged. */
  loaded: number;
  total: number;
}
"#;

#[derive(Serialize)]
struct UploadProgress {
    loaded: f64,
    total: f64,
}

/// The state a handle shares with its running upload.
struct Live {
    upload: Rc<Upload>,
    ctl: AbortController,
    /// The caller's signal pausing the upload; removed from the signal when the upload ends.
    on_user_abort: RefCell<Option<EventListener>>,
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
    /// Resolves when the service holds the whole file (a parallel upload: once the service took the final
    /// concatenation; it joins the partials in the background, so wait for `Published` to read the file back);
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
        // Two numbers always convert.
        to_js(&UploadProgress { loaded: p.loaded() as f64, total: p.total() as f64 }).unwrap_or(JsValue::NULL)
    }

    /// The resume record (null for a source nothing identifies, such as a stream without `fingerprint`).
    #[wasm_bindgen(getter, unchecked_return_type = "ResumeRecord | null")]
    pub fn record(&self) -> Result<JsValue, JsValue> {
        Ok(to_js(&*self.live.upload.record.borrow())?)
    }

    /// Stops sending; the upload stays resumable (`client.resume`). Resolves once it has stopped.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn pause(&self) -> Promise {
        self.stop("paused", |_| async { Ok(()) })
    }

    /// Stops sending, deletes the uploads on the service (tus termination) and forgets the resume record. The
    /// transfer itself stays `UploadStarted`: the service has no way to cancel a transfer.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn terminate(&self) -> Promise {
        self.stop("terminated", |live| async move { start::terminate(&live.upload).await })
    }
}

impl TusUpload {
    /// Aborts the upload with `reason`, waits until it has stopped, then runs `then`.
    fn stop<F, Fut>(&self, reason: &str, then: F) -> Promise
    where
        F: FnOnce(Rc<Live>) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<(), Error>> + 'static,
    {
        self.live.ctl.abort_with_reason(&JsValue::from_str(reason));
        let (done, live) = (self.done.clone(), self.live.clone());
        future_to_promise(async move {
            let _ = JsFuture::from(done).await;
            then(live).await?;
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// Starts (or resumes, with `record`) an upload and gives its handle.
pub fn launch(
    client: Rc<Client>,
    id: FileTransferId,
    source: Source,
    mut o: StartOptions,
    record: Option<ResumeRecord>,
) -> Result<TusUpload, Error> {
    let ctl = AbortController::new().map_err(|e| Error::client_caused("AbortController is missing", e))?;
    let guard = CallGuard::new(Some(ctl.signal()), Timeouts { stall_ms: None, deadline_ms: o.deadline_ms })?;
    let progress = o.progress.clone();
    let upload = start::new_upload(client, id, guard, &source, &mut o, progress);
    let live = Rc::new(Live { upload: upload.clone(), ctl: ctl.clone(), on_user_abort: RefCell::new(None) });
    // The caller's signal pauses the upload, with the signal's reason.
    if let Some(sig) = &o.signal {
        if sig.aborted() {
            ctl.abort_with_reason(&sig.reason());
        } else {
            let s = sig.clone();
            let listener = on_abort(sig, move || ctl.abort_with_reason(&s.reason()));
            *live.on_user_abort.borrow_mut() = Some(listener);
        }
    }
    let l = live.clone();
    let done = future_to_promise(async move {
        let r = transfer::run(l.upload.clone(), source, o.settings, record).await;
        l.on_user_abort.borrow_mut().take();
        Ok(to_js(&r?)?)
    });
    Ok(TusUpload { live, done, id: id.to_string() })
}
