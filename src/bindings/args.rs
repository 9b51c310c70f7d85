//! Positional string arguments read from JS. wasm-bindgen's own `String` parameters trust the TypeScript types: a
//! number or an object there fails inside its glue with a `RuntimeError: memory access out of bounds` or a
//! `TypeError` about `length` (seen when a `SendResult` was passed where its `fileTransferId` belongs). Taken as
//! `JsValue` and read here, a value that is not a string is a `ClientError` that names the argument, and the call's
//! promise rejects like any other refusal.

use altinn_broker_core::FileTransferId;
use wasm_bindgen::JsValue;

use crate::error::Error;

/// A string argument, or a `ClientError` naming `what` (its `cause` is the value given).
pub fn text(v: &JsValue, what: &str) -> Result<String, Error> {
    v.as_string().ok_or_else(|| Error::client_caused(format!("the {what} must be a string"), v.clone()))
}

/// A transfer id argument: a string (else a `ClientError`; an object with a `fileTransferId` gets a hint), then
/// parsed as the service's route binding does (a malformed one is refused with its message).
pub fn transfer_id(v: &JsValue) -> Result<FileTransferId, Error> {
    if v.is_object() && js_sys::Reflect::has(v, &JsValue::from_str("fileTransferId")).unwrap_or(false) {
        return Err(Error::client_caused(
            "the fileTransferId must be a string: pass the result's fileTransferId, not the result",
            v.clone(),
        ));
    }
    crate::api::transfer_id(&text(v, "fileTransferId")?)
}
