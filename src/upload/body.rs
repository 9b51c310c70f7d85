//! A streamed request body that counts (and optionally hashes) the bytes as the runtime pulls them from the
//! source. Counting gives upload progress and drives the stall timer: the time between two pulls is time the
//! runtime spends sending, so a pull that does not come is a stalled connection.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::stream::{self, StreamExt};
use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::JsValue;

use crate::error::Error;
use crate::http::guard::{CallGuard, Waiting};
use crate::js::stream::ByteReader;
use crate::js::value::notify;
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
    /// The source, to cancel it when the request fails before the body was read to the end (runtimes differ in
    /// whether an aborted `fetch` cancels its body).
    source: Option<ByteReader>,
    /// The wait for the service's answer once the whole body went out: it ends when the request returns.
    answer: Option<Waiting>,
}

impl Tally {
    /// The request returned: the wait for its answer is over; after a failure, a source not read to its end is
    /// cancelled.
    pub fn request_returned(&mut self, failed: bool) {
        self.answer = None;
        if let (true, Some(r)) = (failed, self.source.take()) {
            r.cancel();
        }
    }
}

struct Pump {
    src: ByteReader,
    hasher: Option<Hasher>,
    tally: Rc<RefCell<Tally>>,
    guard: CallGuard,
    /// The runtime is sending what it pulled last: the stall timer runs until it pulls again.
    sending: Option<Waiting>,
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
    let src = ByteReader::new(source.clone(), "the stream")?;
    let tally = Rc::new(RefCell::new(Tally { source: Some(src.clone()), ..Tally::default() }));
    let pump = Pump {
        src,
        hasher: hash.then(Hasher::new),
        tally: tally.clone(),
        guard: guard.clone(),
        sending: None,
        progress,
        total,
    };
    report(&pump, 0.0);
    let s = stream::unfold(pump, |mut p| async move {
        // The runtime asked for more: what it had was sent.
        p.sending = None;
        match next_chunk(&mut p).await {
            Ok(Some(chunk)) => {
                p.sending = Some(p.guard.waiting());
                Some((Ok(JsValue::from(chunk)), p))
            }
            Ok(None) => {
                let md5 = p.hasher.take().map(Hasher::finish_hex);
                let mut t = p.tally.borrow_mut();
                t.md5 = md5;
                // Read to the end: nothing to cancel. Now the service answers: waiting for it is network time again.
                t.source = None;
                t.answer = Some(p.guard.waiting());
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
    let Some(chunk) = p.src.next().await.map_err(|e| e.into_source_error())? else { return Ok(None) };
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
