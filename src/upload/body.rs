//! A streamed request body that counts (and optionally hashes) the bytes as the runtime pulls them from the
//! source. Counting gives upload progress and drives the stall timer: the time between two pulls is time the
//! runtime spends sending, so a pull that does not come is a stalled connection.
//!
//! The stream itself is JS (`src/js/streams.js`): a chunk reaches `fetch` without entering wasm unless it is hashed
//! (through wasm-streams every chunk cost ~16 µs of client CPU, and `upload` of a Blob ran at 0.6× raw fetch).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::http::guard::{CallGuard, Waiting};
use crate::js::stream::ReadError;
use crate::js::value::{number_or_null, Fields};
use crate::upload::md5::ChunkHook;

#[wasm_bindgen(module = "/src/js/streams.js")]
extern "C" {
    /// `{ stream, tally }` (see src/js/streams.js); throws when the source is locked.
    #[wasm_bindgen(js_name = countingBody, catch)]
    fn counting_body_js(source: &web_sys::ReadableStream, hooks: &Object) -> Result<Object, JsValue>;
}

/// What the body saw, read after the request.
pub struct Tally {
    /// countingBody's tally object (src/js/streams.js).
    js: JsValue,
    /// The `chunk` hook, when hashing.
    hasher: Option<ChunkHook>,
    /// The wait for the service's answer once the whole body went out: it ends when the request returns.
    answer: Rc<RefCell<Option<Waiting>>>,
    // The other hooks countingBody calls, alive until the request returned.
    _stall: Closure<dyn FnMut()>,
    _end: Closure<dyn FnMut()>,
}

impl Tally {
    fn get(&self, key: &str) -> JsValue {
        Reflect::get(&self.js, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    /// Bytes handed to the runtime.
    pub fn bytes(&self) -> f64 {
        self.get("bytes").as_f64().unwrap_or(0.0)
    }

    /// The request returned: the wait for its answer is over; after a failure, a source not read to its end is
    /// cancelled. Returns a failure inside the body (a chunk that is not bytes, a failing source), which `fetch`
    /// would otherwise report only as a generic network error.
    pub fn request_returned(&self, failed: bool) -> Option<Error> {
        self.answer.borrow_mut().take();
        if failed {
            if let Ok(cancel) = self.get("cancel").dyn_into::<Function>() {
                let _ = cancel.call0(&self.js);
            }
        }
        if !self.get("failed").is_truthy() {
            return None;
        }
        let failure = self.get("failure");
        let e =
            if self.get("notBytes").is_truthy() { ReadError::NotBytes(failure) } else { ReadError::Failed(failure) };
        Some(e.into_source_error())
    }

    /// The MD5 of every byte sent, once the source ended (when hashing).
    pub fn md5(&mut self) -> Option<String> {
        if !self.get("ended").is_truthy() {
            return None;
        }
        Some(self.hasher.take()?.finish_hex())
    }
}

/// Wraps `source` into a new stream for `fetch`.
pub fn counting_body(
    source: &web_sys::ReadableStream,
    hash: bool,
    total: Option<f64>,
    guard: &CallGuard,
    progress: Option<Function>,
) -> Result<(web_sys::ReadableStream, Tally), Error> {
    let hooks = Fields::new();
    let hasher = hash.then(ChunkHook::new);
    hooks
        .set_some("chunk", hasher.as_ref().map(ChunkHook::hook))
        .set_some("progress", progress.as_ref().map(|p| p.as_ref()))
        .set("total", &number_or_null(total))
        .set("stallMs", &JsValue::from(guard.stall_ms().unwrap_or(0.0)));
    let g = guard.clone();
    let stall = Closure::<dyn FnMut()>::new(move || g.stalled());
    hooks.set("stall", stall.as_ref());
    let answer: Rc<RefCell<Option<Waiting>>> = Rc::default();
    let (a, g) = (answer.clone(), guard.clone());
    // Read to the end: now the service answers, and waiting for it is network time again.
    let end = Closure::<dyn FnMut()>::new(move || *a.borrow_mut() = Some(g.waiting()));
    hooks.set("end", end.as_ref());
    let out = counting_body_js(source, hooks.object())
        .map_err(|e| Error::client_caused("cannot read the stream (is it locked?)", e))?;
    let stream = Reflect::get(&out, &JsValue::from_str("stream"))
        .ok()
        .and_then(|s| s.dyn_into::<web_sys::ReadableStream>().ok())
        .ok_or_else(|| Error::client("the counting body made no stream"))?;
    let js = Reflect::get(&out, &JsValue::from_str("tally")).unwrap_or(JsValue::UNDEFINED);
    Ok((stream, Tally { js, hasher, answer, _stall: stall, _end: end }))
}

/// `{ phase, loaded, total }` for progress callbacks.
pub fn progress_event(phase: &str, loaded: f64, total: Option<f64>) -> JsValue {
    let event = Fields::new();
    event.set("phase", &phase.into()).set("loaded", &loaded.into()).set("total", &number_or_null(total));
    event.into_value()
}
