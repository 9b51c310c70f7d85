//! What can be uploaded: a `Blob`/`File` (streamed from disk by the runtime), a `ReadableStream<Uint8Array>`
//! (one-shot), or bytes already in memory (`Uint8Array`/`ArrayBuffer`). One enum, so every upload path (streamed,
//! multipart, tus) reads sources the same way.

use js_sys::{ArrayBuffer, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::js::value::{notify, Fields};
use crate::upload::body::progress_event;
use crate::upload::md5::{ChunkHook, Hasher};

#[wasm_bindgen(module = "/src/js/streams.js")]
extern "C" {
    /// Resolves with the bytes read once `blob` is read to its end (or `signal` aborted); see src/js/streams.js.
    #[wasm_bindgen(js_name = hashBlob)]
    fn hash_blob(blob: &web_sys::Blob, signal: &web_sys::AbortSignal, hooks: &Object) -> js_sys::Promise;
}

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

    /// MD5 of a re-readable source, a Blob read once through its stream (src/js/streams.js `hashBlob`).
    /// `progress`: the caller's `onProgress`, told `{ phase: 'hash', loaded, total }`.
    pub async fn hash(&self, guard: &CallGuard, progress: Option<&Function>) -> Result<String, Error> {
        let digest = match self {
            Source::Bytes(b) => {
                let mut h = Hasher::new();
                h.update_js(b);
                let n = f64::from(b.length());
                notify(progress, &progress_event("hash", n, Some(n)));
                h.finish_hex()
            }
            Source::Blob(blob) => {
                let hasher = ChunkHook::new();
                let hooks = Fields::new();
                hooks
                    .set("chunk", hasher.hook())
                    .set_some("progress", progress.map(|p| p.as_ref()))
                    .set("total", &JsValue::from(blob.size()));
                let out = JsFuture::from(hash_blob(blob, &guard.signal(), hooks.object())).await.map_err(|e| {
                    guard.check().err().unwrap_or_else(|| Error::client_caused("cannot read the Blob", e))
                })?;
                // hashBlob resolves early once the call was aborted: say why before looking at what it read.
                guard.check()?;
                // A runtime that hashes off the JS thread (Node) answers the digest itself; the hook saw nothing.
                match Reflect::get(&out, &JsValue::from_str("md5")).ok().and_then(|v| v.as_string()) {
                    Some(md5) if is_md5_hex(&md5) => md5,
                    Some(md5) => return Err(Error::client(format!("the off-thread hash is not an MD5: {md5:?}"))),
                    None => {
                        // Without a digest from elsewhere the hook saw the whole Blob.
                        if hasher.len() as f64 != blob.size() {
                            return Err(Error::client(format!(
                                "the Blob was hashed over {} of its {} bytes",
                                hasher.len(),
                                blob.size()
                            )));
                        }
                        hasher.finish_hex()
                    }
                }
            }
            Source::Stream { .. } => {
                return Err(Error::client("a stream can be read only once; it is hashed while it uploads"))
            }
        };
        Ok(digest)
    }
}

/// Lower-case hex of 16 bytes: what an off-thread hasher must answer.
fn is_md5_hex(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
