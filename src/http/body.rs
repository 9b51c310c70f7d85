//! Request bodies, and which of them can be sent again.

use std::cell::RefCell;

use wasm_bindgen::JsValue;

pub enum Body {
    Empty,
    Json(String),
    /// Streamed from disk by the runtime; replayable.
    Blob(web_sys::Blob),
    Bytes(js_sys::Uint8Array),
    /// Multipart; the runtime writes the boundary and the Content-Type.
    Form(web_sys::FormData),
    /// One-shot: taken by the first attempt.
    Stream(RefCell<Option<web_sys::ReadableStream>>),
}

impl Body {
    pub fn stream(s: web_sys::ReadableStream) -> Self {
        Body::Stream(RefCell::new(Some(s)))
    }

    /// Whether another attempt can send the same body again.
    pub fn replayable(&self) -> bool {
        !matches!(self, Body::Stream(_))
    }

    /// Whether the stall timer may run while the runtime sends this body: only for small bodies. A large Blob or
    /// byte array goes out with no progress visible to the client, so waiting for its answer is not a stall;
    /// a stream body reports its own progress.
    pub fn small(&self) -> bool {
        matches!(self, Body::Empty | Body::Json(_))
    }

    /// The value for `init.body`; `None` for no body. A stream body can be taken once.
    pub fn to_js(&self) -> Result<Option<JsValue>, crate::error::Error> {
        Ok(match self {
            Body::Empty => None,
            Body::Json(s) => Some(JsValue::from_str(s)),
            Body::Blob(b) => Some(b.into()),
            Body::Bytes(b) => Some(b.into()),
            Body::Form(f) => Some(f.into()),
            Body::Stream(s) => Some(
                s.borrow_mut()
                    .take()
                    .ok_or_else(|| crate::error::Error::client("a stream body cannot be sent twice"))?
                    .into(),
            ),
        })
    }
}
