//! The caller's token callback. It is asked for a token before every request, and once more with
//! `{ refresh: true }` after a 401, so a caller can cache tokens and still recover from an expired one.
//! Tokens are never logged, stored or put in a URL.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::js::runtime::is_thenable;

pub struct TokenProvider(Function);

impl TokenProvider {
    pub fn new(f: Function) -> Self {
        Self(f)
    }

    /// A bearer token from the callback; `refresh` tells it the previous one was refused.
    pub async fn token(&self, refresh: bool, guard: &CallGuard) -> Result<String, Error> {
        let ctx = Object::new();
        let _ = Reflect::set(&ctx, &JsValue::from_str("refresh"), &JsValue::from_bool(refresh));
        let v =
            self.0.call1(&JsValue::UNDEFINED, &ctx).map_err(|e| Error::client_caused("the token callback threw", e))?;
        let v = if is_thenable(&v) {
            // The callback's own failure is the caller's error to see, unless the call was aborted meanwhile.
            let r = JsFuture::from(Promise::resolve(&v)).await;
            guard.check()?;
            r.map_err(|e| Error::client_caused("the token callback rejected", e))?
        } else {
            v
        };
        match v.as_string() {
            Some(t) if !t.trim().is_empty() => Ok(t.trim().to_owned()),
            _ => Err(Error::client("the token callback must return (or resolve to) a non-empty string")),
        }
    }
}
