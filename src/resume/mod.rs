//! Resuming uploads across page reloads and process restarts: a pluggable store of [`record::ResumeRecord`]s
//! keyed by a [`fingerprint`] of the file. The stores themselves are small JS objects (`bindings/resume_stores.js`):
//! IndexedDB in a browser page, one JSON file per record in a directory the caller names in Node, memory
//! elsewhere. A caller may pass any object with the same three methods.

pub mod fingerprint;
pub mod record;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::Error;
use crate::js::value::to_js;
use record::ResumeRecord;

/// A store of resume records: any JS object with `find`, `save` and `remove`.
#[derive(Clone)]
pub struct Store(JsValue);

impl Store {
    pub fn from_js(v: JsValue) -> Result<Self, Error> {
        for m in ["find", "save", "remove"] {
            let f = Reflect::get(&v, &JsValue::from_str(m)).unwrap_or(JsValue::UNDEFINED);
            if !f.is_function() {
                return Err(Error::client_caused(format!("a resume store needs a `{m}` method"), v));
            }
        }
        Ok(Self(v))
    }

    async fn call(&self, method: &str, arg: &JsValue) -> Result<JsValue, Error> {
        let f: Function = Reflect::get(&self.0, &JsValue::from_str(method))
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| Error::client(format!("the resume store has no `{method}` method")))?;
        let v =
            f.call1(&self.0, arg).map_err(|e| Error::client_caused(format!("the resume store's {method} threw"), e))?;
        JsFuture::from(Promise::resolve(&v))
            .await
            .map_err(|e| Error::client_caused(format!("the resume store's {method} failed"), e))
    }

    /// The live records of `fingerprint` for `endpoint`. Expired ones are removed on the way (cleanup).
    pub async fn find(&self, fingerprint: &str, endpoint: &str, now_ms: f64) -> Result<Vec<ResumeRecord>, Error> {
        let v = self.call("find", &JsValue::from_str(fingerprint)).await?;
        let mut out = Vec::new();
        for item in js_sys::Array::from(&v).iter() {
            // A record another version wrote, or a damaged one, is skipped rather than failing the lookup.
            let Ok(r) = crate::js::value::data::<ResumeRecord>(item, "resume record") else { continue };
            if r.fingerprint != fingerprint {
                continue;
            }
            if r.is_expired(now_ms) {
                self.remove(&r.key).await?;
                continue;
            }
            if r.endpoint == endpoint {
                out.push(r);
            }
        }
        altinn_broker_core::small::sort_by(&mut out, |a, b| b.created.total_cmp(&a.created));
        Ok(out)
    }

    pub async fn save(&self, r: &ResumeRecord) -> Result<(), Error> {
        self.call("save", &to_js(r)?).await.map(|_| ())
    }

    pub async fn remove(&self, key: &str) -> Result<(), Error> {
        self.call("remove", &JsValue::from_str(key)).await.map(|_| ())
    }
}
