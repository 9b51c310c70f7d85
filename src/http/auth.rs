//! The caller's token callback. It is asked for a token before every request, and once more with
//! `{ refresh: true }` after a 401, so a caller can cache tokens and still recover from an expired one.
//! Without a callback no `Authorization` is sent: a page behind a same-origin proxy that adds the token
//! server-side has none to give. Tokens are never logged, stored or put in a URL.

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::js::runtime::is_thenable;
use crate::js::value::Fields;

pub struct TokenProvider(Option<Function>);

impl TokenProvider {
    /// The caller's callback, or `None` to send requests without `Authorization`.
    pub fn new(f: Option<Function>) -> Self {
        Self(f)
    }

    /// Whether there is a callback to ask again after a 401 (without one, a 401 is the caller's answer).
    pub fn can_refresh(&self) -> bool {
        self.0.is_some()
    }

    /// A bearer token from the callback (`None` without one); `refresh` tells it the previous one was refused.
    pub async fn token(&self, refresh: bool, guard: &CallGuard) -> Result<Option<String>, Error> {
        let Some(f) = &self.0 else { return Ok(None) };
        let ctx = Fields::new();
        ctx.set("refresh", &JsValue::from_bool(refresh));
        let v = f
            .call1(&JsValue::UNDEFINED, ctx.object())
            .map_err(|e| Error::client_caused("the token callback threw", e))?;
        let v = if is_thenable(&v) {
            // The callback's own failure is the caller's error to see, unless the call was aborted meanwhile.
            let r = JsFuture::from(Promise::resolve(&v)).await;
            guard.check()?;
            r.map_err(|e| Error::client_caused("the token callback rejected", e))?
        } else {
            v
        };
        match v.as_string() {
            Some(t) if !t.trim().is_empty() => Ok(Some(t.trim().to_owned())),
            _ => Err(Error::client("the token callback must return (or resolve to) a non-empty string")),
        }
    }
}
