//! Reading the option objects a JS caller passes: plain data through serde, functions and signals by hand.

use js_sys::{Function, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::Error;

/// `obj[key]`, with `undefined` and `null` read as absent.
pub fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    if obj.is_undefined() || obj.is_null() {
        return None;
    }
    Reflect::get(obj, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

pub fn function(obj: &JsValue, key: &str) -> Result<Option<Function>, Error> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v
            .dyn_into::<Function>()
            .map(Some)
            .map_err(|v| Error::client_caused(format!("`{key}` must be a function"), v)),
    }
}

pub fn signal(obj: &JsValue) -> Result<Option<web_sys::AbortSignal>, Error> {
    match get(obj, "signal") {
        None => Ok(None),
        Some(v) => v
            .dyn_into::<web_sys::AbortSignal>()
            .map(Some)
            .map_err(|v| Error::client_caused("`signal` must be an AbortSignal", v)),
    }
}

pub fn number(obj: &JsValue, key: &str) -> Result<Option<f64>, Error> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 => Ok(Some(n)),
            _ => Err(Error::client_caused(format!("`{key}` must be a non-negative number"), v)),
        },
    }
}

pub fn string(obj: &JsValue, key: &str) -> Result<Option<String>, Error> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v.as_string().map(Some).ok_or_else(|| Error::client_caused(format!("`{key}` must be a string"), v)),
    }
}

pub fn boolean(obj: &JsValue, key: &str) -> Result<Option<bool>, Error> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v.as_bool().map(Some).ok_or_else(|| Error::client_caused(format!("`{key}` must be a boolean"), v)),
    }
}

/// A plain-data value through serde.
pub fn data<T: DeserializeOwned>(v: JsValue, what: &str) -> Result<T, Error> {
    serde_wasm_bindgen::from_value(v.clone()).map_err(|e| Error::client_caused(format!("invalid {what}: {e}"), v))
}

/// Rust value to a JS value: maps become plain objects, `None` becomes `null`.
pub fn to_js<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue, Error> {
    let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    v.serialize(&ser).map_err(|e| Error::client(format!("cannot convert a result for JS: {e}")))
}

/// Calls an optional progress callback; a throwing callback must not break the transfer, so its error is dropped.
pub fn notify(cb: Option<&Function>, event: &JsValue) {
    if let Some(f) = cb {
        let _ = f.call1(&JsValue::UNDEFINED, event);
    }
}
