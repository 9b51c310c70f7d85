//! What can be uploaded: a `Blob`/`File` (streamed from disk by the runtime), a `ReadableStream<Uint8Array>`
//! (one-shot), or bytes already in memory (`Uint8Array`/`ArrayBuffer`). One enum, so every upload path (streamed,
//! multipart, tus) reads sources the same way.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::upload::md5::Hasher;

/// Blob slices read per step while hashing a Blob.
const HASH_SLICE: f64 = 4.0 * 1024.0 * 1024.0;

#[derive(Clone)]
pub enum Source {
    Blob(web_sys::Blob),
    Stream { stream: web_sys::ReadableStream, size: Option<f64> },
    Bytes(Uint8Array),
}

impl Source {
    /// Reads a JS value; `size` is the declared length of a stream.
    pub fn from_js(v: JsValue, size: Option<f64>) -> Result<Self, Error> {
        if v.is_instance_of::<web_sys::Blob>() {
            return Ok(Source::Blob(v.unchecked_into()));
        }
        if v.is_instance_of::<Uint8Array>() {
            return Ok(Source::Bytes(v.unchecked_into()));
        }
        if v.is_instance_of::<ArrayBuffer>() {
            return Ok(Source::Bytes(Uint8Array::new(&v)));
        }
        if v.is_instance_of::<web_sys::ReadableStream>() {
            return Ok(Source::Stream { stream: v.unchecked_into(), size });
        }
        Err(Error::client_caused(
            "the file must be a Blob, File, ReadableStream<Uint8Array>, Uint8Array or ArrayBuffer",
            v,
        ))
    }

    /// The size in bytes when known up front.
    pub fn size(&self) -> Option<f64> {
        match self {
            Source::Blob(b) => Some(b.size()),
            Source::Bytes(b) => Some(f64::from(b.length())),
            Source::Stream { size, .. } => *size,
        }
    }

    /// Whether it can be read twice (hashed first, then sent).
    pub fn rereadable(&self) -> bool {
        !matches!(self, Source::Stream { .. })
    }

    /// MD5 of a re-readable source, reading a Blob in slices. `progress(loaded)` after each step.
    pub async fn hash(&self, guard: &CallGuard, mut progress: impl FnMut(f64)) -> Result<String, Error> {
        let mut h = Hasher::new();
        match self {
            Source::Bytes(b) => {
                h.update_js(b);
                progress(f64::from(b.length()));
            }
            Source::Blob(blob) => {
                let size = blob.size();
                let read = |at: f64| -> Result<JsFuture, Error> {
                    let end = (at + HASH_SLICE).min(size);
                    let slice = blob
                        .slice_with_f64_and_f64(at, end)
                        .map_err(|e| Error::client_caused("cannot slice the Blob", e))?;
                    Ok(JsFuture::from(slice.array_buffer()))
                };
                progress(0.0);
                // One slice read ahead: the runtime reads the next slice from disk (off the JS thread) while this
                // one is hashed, so the pass costs about the MD5 alone rather than reading plus hashing.
                let mut at = 0.0;
                let mut next = (size > 0.0).then(|| read(0.0)).transpose()?;
                while let Some(pending) = next.take() {
                    guard.check()?;
                    let buf = pending.await.map_err(|e| Error::client_caused("cannot read the Blob", e))?;
                    at = (at + HASH_SLICE).min(size);
                    if at < size {
                        next = Some(read(at)?);
                    }
                    h.update_js(&Uint8Array::new(&buf));
                    progress(at);
                }
            }
            Source::Stream { .. } => {
                return Err(Error::client("a stream can be read only once; it is hashed while it uploads"))
            }
        }
        guard.check()?;
        Ok(h.finish_hex())
    }
}
