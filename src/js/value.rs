//! Values handed to JS from the layers below the surface: serialised results, progress callbacks, and the plain
//! objects of hooks and settings our JS helpers (`streams.js`) take.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::error::Error;

/// Rust value to a JS value: maps become plain objects, `None` becomes `null`. Through JSON text and
/// `JSON.parse` rather than serde-wasm-bindgen's serializer: the Serialize impls are then instantiated once (for
/// serde_json, which writes the Broker's request bodies anyway) instead of twice — 8 KB less wasm after gzip
/// (measured on the release package). Results are small (ids, overviews, progress events).
pub fn to_js<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue, Error> {
    let text = serde_json::to_string(v).map_err(|e| Error::client(format!("cannot convert a result for JS: {e}")))?;
    js_sys::JSON::parse(&text).map_err(|e| Error::client_caused("cannot convert a result for JS", e))
}

/// A plain JS object built key by key: the hooks and settings handed to `streams.js`, progress events. Setting a
/// property of a fresh plain object cannot throw, so what `Reflect::set` returns is not looked at.
pub struct Fields(Object);

impl Default for Fields {
    fn default() -> Self {
        Self::new()
    }
}

impl Fields {
    pub fn new() -> Self {
        Self(Object::new())
    }

    pub fn set(&self, key: &str, value: &JsValue) -> &Self {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), value);
        self
    }

    /// Sets `key` only when there is a value (an absent hook stays absent, not `undefined`).
    pub fn set_some(&self, key: &str, value: Option<&JsValue>) -> &Self {
        if let Some(v) = value {
            self.set(key, v);
        }
        self
    }

    pub fn object(&self) -> &Object {
        &self.0
    }

    pub fn into_value(self) -> JsValue {
        self.0.into()
    }
}

/// A number, or `null` when there is none (a total that is not known).
pub fn number_or_null(n: Option<f64>) -> JsValue {
    n.map(JsValue::from).unwrap_or(JsValue::NULL)
}

/// Calls an optional progress callback; a throwing callback must not break the transfer, so its error is dropped.
pub fn notify(cb: Option<&Function>, event: &JsValue) {
    if let Some(f) = cb {
        let _ = f.call1(&JsValue::UNDEFINED, event);
    }
}

/// A plain-data argument (a request body, a query, a record, a status) read as `JSON.stringify` writes it, through
/// serde_json (the wasm's one deserializer), with serde's message: `Date`s as their ISO text, `undefined` members
/// absent, own enumerable properties only (a `Map` is `{}`), `NaN` as `null`. What makes no JSON at all (`undefined`,
/// a function) is refused as missing rather than with a parser's "EOF".
pub fn data<T: serde::de::DeserializeOwned>(v: JsValue, what: &str) -> Result<T, Error> {
    let Some(text) = json_text(&v, what)? else {
        return Err(Error::client_caused(format!("the {what} is missing"), v));
    };
    serde_json::from_str(&text)
        .map_err(|e| Error::client_caused(format!("invalid {what}: {}", without_position(&e)), v))
}

/// serde_json's message without its " at line 1 column 9": the text it counts in is one the caller never saw.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) if e.line() > 0 => text[..i].to_string(),
        _ => text,
    }
}

/// The text `JSON.stringify` makes of `v`: the body a JS caller's `fetch` would send for it (`toJSON` called,
/// `undefined` members and functions left out, `NaN` as `null`, lone surrogates escaped). `None` when it makes
/// nothing (`undefined`, a function, a symbol): no body at all. A value JSON cannot hold (a `BigInt`, a cycle)
/// or a throwing `toJSON` is a `ClientError` naming `what`, the exception as its cause.
pub fn json_text(v: &JsValue, what: &str) -> Result<Option<String>, Error> {
    js_sys::JSON::stringify(v).map(|s| JsValue::from(s).as_string()).map_err(|e| {
        Error::client_caused(
            format!("the {what} cannot be written as JSON (a BigInt, a cycle, a throwing toJSON or getter)"),
            e,
        )
    })
}
