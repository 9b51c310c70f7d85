//! A streamed request body that counts (and optionally hashes) the bytes as the runtime pulls them from the
//! source. Counting gives upload progress and drives the stall timer: the time between two pulls is time the
//! runtime spends sending, so a pull that does not come is a stalled connection.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::stream::{self, StreamExt};
use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::ReadableStreamDefaultReader;

use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::js::options::notify;
use crate::upload::md5::Hasher;

/// What the body saw, read after the request.
#[derive(Default)]
pub struct Tally {
    pub bytes: f64,
    /// The MD5 of every byte sent, once the source ended (when hashing).
    pub md5: Option<String>,
    /// A failure inside the body (a chunk that is not bytes, a failing source), which `fetch` would otherwise
    /// report only as a generic network error.
    pub error: Option<Error>,
    pub done: bool,
    /// The source's reader, to cancel the source when the request fails before the body was read to the end
    /// (runtimes differ in whether an aborted `fetch` cancels its body).
    source: Option<ReadableStreamDefaultReader>,
}

impl Tally {
    /// Cancels the source unless it was read to the end.
    pub fn cancel_source(&mut self) {
        if let (false, Some(r)) = (self.done, self.source.take()) {
            let p = r.cancel();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = JsFuture::from(p).await;
            });
        }
    }
}

/// Cancels the source if the body is dropped before it was read to the end (an aborted upload).
struct SourceReader {
    reader: ReadableStreamDefaultReader,
    finished: bool,
}

impl Drop for SourceReader {
    fn drop(&mut self) {
        if !self.finished {
            let p = self.reader.cancel();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = JsFuture::from(p).await;
            });
        }
    }
}

struct Pump {
    src: SourceReader,
    hasher: Option<Hasher>,
    tally: Rc<RefCell<Tally>>,
    guard: CallGuard,
    progress: Option<Function>,
    total: Option<f64>,
}

/// Wraps `source` into a new stream for `fetch`.
pub fn counting_body(
    source: &web_sys::ReadableStream,
    hash: bool,
    total: Option<f64>,
    guard: &CallGuard,
    progress: Option<Function>,
) -> Result<(web_sys::ReadableStream, Rc<RefCell<Tally>>), Error> {
    let reader: ReadableStreamDefaultReader = source
        .get_reader()
        .dyn_into()
        .map_err(|v| Error::client_caused("cannot read the stream (is it locked?)", v.into()))?;
    let tally = Rc::new(RefCell::new(Tally { source: Some(reader.clone()), ..Tally::default() }));
    let pump = Pump {
        src: SourceReader { reader, finished: false },
        hasher: hash.then(Hasher::new),
        tally: tally.clone(),
        guard: guard.clone(),
        progress,
        total,
    };
    report(&pump, 0.0);
    let s = stream::unfold(pump, |mut p| async move {
        // The runtime asked for more: what it had was sent.
        p.guard.end_wait();
        match next_chunk(&mut p).await {
            Ok(Some(chunk)) => {
                p.guard.begin_wait();
                Some((Ok(JsValue::from(chunk)), p))
            }
            Ok(None) => {
                p.src.finished = true;
                let md5 = p.hasher.take().map(Hasher::finish_hex);
                {
                    let mut t = p.tally.borrow_mut();
                    t.md5 = md5;
                    t.done = true;
                }
                // Now the service answers: waiting for it is network time again.
                p.guard.begin_wait();
                None
            }
            Err(e) => {
                let js = JsValue::from_str(&e.to_string());
                p.tally.borrow_mut().error = Some(e);
                Some((Err(js), p))
            }
        }
    })
    // An error ends the body.
    .scan(false, |failed, item| {
        if *failed {
            return futures_util::future::ready(None);
        }
        *failed = item.is_err();
        futures_util::future::ready(Some(item))
    });
    Ok((wasm_streams::ReadableStream::from_stream(s).into_raw(), tally))
}

async fn next_chunk(p: &mut Pump) -> Result<Option<Uint8Array>, Error> {
    let r =
        JsFuture::from(p.src.reader.read()).await.map_err(|e| Error::client_caused("the upload source failed", e))?;
    let done = Reflect::get(&r, &JsValue::from_str("done")).map(|v| v.is_truthy()).unwrap_or(true);
    if done {
        return Ok(None);
    }
    let value = Reflect::get(&r, &JsValue::from_str("value")).unwrap_or(JsValue::UNDEFINED);
    let chunk: Uint8Array =
        value.dyn_into().map_err(|v| Error::client_caused("the upload stream must yield Uint8Array chunks", v))?;
    if let Some(h) = &mut p.hasher {
        h.update_js(&chunk);
    }
    let bytes = {
        let mut t = p.tally.borrow_mut();
        t.bytes += f64::from(chunk.length());
        t.bytes
    };
    report(p, bytes);
    Ok(Some(chunk))
}

fn report(p: &Pump, loaded: f64) {
    if p.progress.is_some() {
        notify(p.progress.as_ref(), &progress_event("upload", loaded, p.total));
    }
}

/// `{ phase, loaded, total }` for progress callbacks.
pub fn progress_event(phase: &str, loaded: f64, total: Option<f64>) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &"phase".into(), &phase.into());
    let _ = Reflect::set(&o, &"loaded".into(), &loaded.into());
    let _ = Reflect::set(&o, &"total".into(), &total.map(JsValue::from).unwrap_or(JsValue::NULL));
    o.into()
}
