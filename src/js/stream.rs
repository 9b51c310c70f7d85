//! Reading a JS `ReadableStream` of bytes from Rust, one chunk at a time, on `wasm-streams`' `IntoStream`: the
//! stream is cancelled when its reader is dropped before the end (a paused, failed or aborted transfer), so the
//! producer learns that nobody reads on, and a cancel that rejects never becomes an unhandled rejection.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_util::StreamExt;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_streams::readable::IntoStream;

use crate::error::Error;

/// Why a read gave no chunk.
pub enum ReadError {
    /// The stream errored (the source failed, or the network under a response body).
    Failed(JsValue),
    /// The stream gave a chunk that is not a `Uint8Array`.
    NotBytes(JsValue),
}

impl ReadError {
    /// The error of an upload source (the caller's stream or a Blob's).
    pub fn into_source_error(self) -> Error {
        match self {
            ReadError::Failed(e) => Error::client_caused("the upload source failed", e),
            ReadError::NotBytes(v) => Error::client_caused("the upload stream must yield Uint8Array chunks", v),
        }
    }
}

struct Inner {
    /// `None` once the stream ended, failed or was cancelled (and while a read is in flight).
    stream: RefCell<Option<IntoStream<'static>>>,
    cancelled: Cell<bool>,
}

/// A reader of a byte stream. Clones share the reader; the stream is cancelled when the last clone is dropped
/// before the end, or at once by [`ByteReader::cancel`].
#[derive(Clone)]
pub struct ByteReader(Rc<Inner>);

impl ByteReader {
    /// Locks `stream` to a new reader; `what` names the stream in the error when it is already locked.
    pub fn new(stream: web_sys::ReadableStream, what: &str) -> Result<Self, Error> {
        let s = wasm_streams::ReadableStream::from_raw(stream)
            .try_into_stream()
            .map_err(|(e, _)| Error::client_caused(format!("cannot read {what} (is it locked?)"), e.into()))?;
        Ok(Self(Rc::new(Inner { stream: RefCell::new(Some(s)), cancelled: Cell::new(false) })))
    }

    /// The next chunk, or `None` at the end.
    pub async fn next(&self) -> Result<Option<Uint8Array>, ReadError> {
        // Taken out while the read is in flight, so no borrow is held across the await.
        let Some(mut s) = self.0.stream.borrow_mut().take() else { return Ok(None) };
        let item = s.next().await;
        if self.0.cancelled.get() {
            // Cancelled while the read was in flight: dropping the stream cancels it now.
            return Ok(None);
        }
        match item {
            None => Ok(None),
            Some(Err(e)) => Err(ReadError::Failed(e)),
            Some(Ok(v)) => {
                *self.0.stream.borrow_mut() = Some(s);
                v.dyn_into::<Uint8Array>().map(Some).map_err(ReadError::NotBytes)
            }
        }
    }

    /// Cancels the stream unless it was read to the end (at once, or when a read in flight returns).
    pub fn cancel(&self) {
        self.0.cancelled.set(true);
        let s = self.0.stream.borrow_mut().take();
        drop(s);
    }
}

/// Cancels a stream nobody will read (a response body we do not need), so the runtime can release it.
pub fn discard(stream: web_sys::ReadableStream) {
    // Dropping the reader cancels the stream (a locked one cannot be cancelled, and needs nothing from us).
    drop(wasm_streams::ReadableStream::from_raw(stream).try_into_stream());
}
