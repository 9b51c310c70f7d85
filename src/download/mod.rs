//! Download without buffering (contract §1.8): the response body is handed to the caller as a stream, chunk by
//! chunk, optionally hashed on the way and checked against the transfer's checksum when the whole file was read.
//! With `resume`, a body cut by the network (or stalled) is continued with a ranged request from the last byte
//! received, so the caller sees one uninterrupted stream.

pub mod headers;

use std::rc::Rc;

use altinn_broker_core::paths;
use altinn_broker_core::FileTransferId;
use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{AbortSignal, Response};

use crate::client::Client;
use crate::error::{Error, TimeoutKind};
use crate::http::guard::CallGuard;
use crate::http::transport::Request;
use crate::js::runtime::now_ms;
use crate::js::value::{number_or_null, Fields};
use crate::upload::md5::Hasher;
use headers::{parse_content_range, parse_file_name, resume_range, ContentRange, RangeSpec};

pub struct DownloadOptions {
    pub range: Option<RangeSpec>,
    /// How many times an interrupted body may be continued.
    pub resume_attempts: u32,
    pub verify: bool,
    pub signal: Option<AbortSignal>,
    pub deadline_ms: Option<f64>,
    pub progress: Option<Function>,
}

pub struct Download {
    pub stream: web_sys::ReadableStream,
    /// Bytes the stream will deliver, when the service said.
    pub size: Option<f64>,
    pub file_name: Option<String>,
    /// The `Content-Range` of a 206 answer.
    pub range: Option<ContentRange>,
    pub status: u16,
    /// The checksum the stream is checked against, when verifying.
    pub checksum: Option<String>,
}

struct Reading {
    client: Rc<Client>,
    id: FileTransferId,
    signal: Option<AbortSignal>,
    deadline_at: Option<f64>,
    /// The current request's guard (a resumed request gets its own).
    guard: CallGuard,
    original: Option<RangeSpec>,
    first: Option<ContentRange>,
    expected: Option<u64>,
    resumes_left: u32,
    hasher: Option<Hasher>,
    checksum: Option<String>,
    finished: bool,
}

impl Drop for Reading {
    fn drop(&mut self) {
        if !self.finished {
            // The caller cancelled the stream (or dropped it): stop the request.
            self.guard.cancel();
        }
    }
}

/// The Rust side of the stream `src/js/streams.js` makes: JS moves the chunks, the pump decides.
#[wasm_bindgen(skip_typescript)]
pub struct DownloadPump {
    state: Rc<RefCell<Reading>>,
}

#[wasm_bindgen(module = "/src/js/streams.js")]
extern "C" {
    #[wasm_bindgen(js_name = downloadStream)]
    fn download_stream(
        body: Option<web_sys::ReadableStream>,
        pump: DownloadPump,
        hooks: &Object,
    ) -> web_sys::ReadableStream;
}

#[wasm_bindgen]
impl DownloadPump {
    /// Hashes a chunk (`verify`).
    pub fn chunk(&self, chunk: Uint8Array) {
        if let Ok(mut r) = self.state.try_borrow_mut() {
            if let Some(h) = &mut r.hasher {
                h.update_js(&chunk);
            }
        }
    }

    /// The JS stall timer fired while a read was pending: the request stops as stalled.
    pub fn stall(&self) {
        if let Ok(r) = self.state.try_borrow() {
            r.guard.stalled();
        }
    }

    /// The stream gave something that is not bytes: the error to surface.
    #[wasm_bindgen(js_name = notBytes)]
    pub fn not_bytes(&self, value: JsValue) -> JsValue {
        if let Ok(mut r) = self.state.try_borrow_mut() {
            r.finished = true;
        }
        Error::client_caused("the response body gave something that is not bytes", value).into()
    }

    /// The body ended complete after `received` bytes: `undefined`, or the error to surface (a checksum that
    /// differs).
    pub fn finish(&self, received: f64) -> JsValue {
        let _ = received;
        let Ok(mut r) = self.state.try_borrow_mut() else { return JsValue::UNDEFINED };
        r.finished = true;
        if let (Some(h), Some(expected)) = (r.hasher.take(), r.checksum.clone()) {
            let actual = h.finish_hex();
            if !actual.eq_ignore_ascii_case(&expected) {
                return Error::ChecksumMismatch { expected, actual }.into();
            }
        }
        JsValue::UNDEFINED
    }

    /// The body failed (`error`), or ended before its length (`error` undefined), after `received` bytes: a
    /// promise of the body continuing it, or rejecting with the error to surface.
    pub fn failed(&self, error: JsValue, received: f64) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let received = received as u64;
            let failure = {
                let r = state.borrow();
                if error.is_undefined() {
                    let of = r.expected.map(|e| format!(" of {e}")).unwrap_or_default();
                    Error::Network { message: format!("the body ended after {received}{of} bytes"), cause: error }
                } else {
                    r.guard.map_js_error(error)
                }
            };
            let resumable = matches!(failure, Error::Network { .. } | Error::Timeout { kind: TimeoutKind::Stall, .. });
            let left = state.borrow().resumes_left;
            if !resumable || left == 0 {
                state.borrow_mut().finished = true;
                return Err(failure.into());
            }
            state.borrow_mut().resumes_left -= 1;
            match resume(&state, received).await {
                Ok(body) => Ok(body.into()),
                Err(e) => {
                    state.borrow_mut().finished = true;
                    Err(e.into())
                }
            }
        })
    }

    /// The caller cancelled the stream: stop the request.
    pub fn cancel(&self) {
        if let Ok(r) = self.state.try_borrow() {
            r.guard.cancel();
        }
    }
}

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers().get(name).ok().flatten()
}

impl Client {
    async fn download_request(
        &self,
        id: FileTransferId,
        range: Option<&RangeSpec>,
        guard: &CallGuard,
    ) -> Result<Response, Error> {
        let mut req = Request::get(paths::fill(paths::DOWNLOAD, &[&id.to_string()]));
        req.accept = None;
        req.range = range.map(RangeSpec::header);
        self.transport.send(&req, guard).await
    }
}

/// `guard` is the call's, made from `opts.signal` and `opts.deadline_ms`; a resumed request gets a new one from them.
pub async fn download(
    client: Rc<Client>,
    id: FileTransferId,
    opts: DownloadOptions,
    guard: CallGuard,
) -> Result<Download, Error> {
    let deadline_at = opts.deadline_ms.or(client.transport.timeouts.deadline_ms).map(|d| now_ms() + d);
    let verify = opts.verify && opts.range.is_none();
    let overview = if verify { Some(client.overview(id, &guard).await?) } else { None };
    let checksum = overview.as_ref().and_then(|o| o.summary.checksum.clone());
    if verify && checksum.is_none() {
        return Err(Error::client("the transfer has no checksum yet, so the download cannot be verified"));
    }
    let resp = client.download_request(id, opts.range.as_ref(), &guard).await?;
    let status = resp.status();
    let first =
        if status == 206 { header(&resp, "content-range").as_deref().and_then(parse_content_range) } else { None };
    let length = header(&resp, "content-length").and_then(|v| v.trim().parse::<u64>().ok());
    let expected = length.or(first.map(|c| c.end - c.start + 1));
    let file_name = header(&resp, "content-disposition")
        .as_deref()
        .and_then(parse_file_name)
        .or_else(|| overview.as_ref().map(|o| o.summary.file_name.clone()));
    let reading = Reading {
        client,
        id,
        signal: opts.signal,
        deadline_at,
        guard,
        original: opts.range,
        first,
        expected,
        resumes_left: opts.resume_attempts,
        hasher: verify.then(Hasher::new),
        checksum: checksum.clone(),
        finished: false,
    };
    let hooks = Fields::new();
    hooks
        .set("hash", &JsValue::from_bool(verify))
        .set_some("progress", opts.progress.as_ref().map(|p| p.as_ref()))
        .set("total", &number_or_null(expected.map(|n| n as f64)))
        .set("stallMs", &JsValue::from(reading.guard.stall_ms().unwrap_or(0.0)));
    let pump = DownloadPump { state: Rc::new(RefCell::new(reading)) };
    Ok(Download {
        stream: download_stream(resp.body(), pump, hooks.object()),
        size: expected.map(|n| n as f64),
        file_name,
        range: first,
        status,
        checksum,
    })
}

/// Asks for the rest of the file with a fresh request (a stalled request's signal has fired and cannot be reused);
/// the new body. No borrow of the state is held across a wait: the caller may cancel meanwhile.
async fn resume(state: &Rc<RefCell<Reading>>, received: u64) -> Result<web_sys::ReadableStream, Error> {
    let (client, id, signal, deadline_at, range) = {
        let r = state.borrow();
        let range = resume_range(r.original.as_ref(), r.first.as_ref(), received);
        (r.client.clone(), r.id, r.signal.clone(), r.deadline_at, range)
    };
    let remaining = deadline_at.map(|at| (at - now_ms()).max(0.0));
    if remaining == Some(0.0) {
        return Err(Error::Timeout {
            kind: TimeoutKind::Deadline,
            ms: client.transport.timeouts.deadline_ms.unwrap_or_default(),
        });
    }
    let guard = client.transport.guard(signal, remaining)?;
    let resp = client.download_request(id, Some(&range), &guard).await?;
    let want_start = match range {
        RangeSpec::From { start, .. } => start,
        RangeSpec::Suffix(_) => 0,
    };
    let cr = header(&resp, "content-range").as_deref().and_then(parse_content_range);
    if resp.status() != 206 || cr.map(|c| c.start) != Some(want_start) {
        return Err(Error::client(format!(
            "cannot resume the download: asked for bytes from {want_start}, got status {} {:?}",
            resp.status(),
            cr
        )));
    }
    let body = match resp.body() {
        Some(b) => b,
        None => web_sys::ReadableStream::new().map_err(|v| Error::client_caused("cannot create an empty stream", v))?,
    };
    state.borrow_mut().guard = guard;
    Ok(body)
}
