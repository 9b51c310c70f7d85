//! Turns [`Error`] into the JS `Error` subclasses of `errors.js` (declared in `errors.d.ts`): every rejection and
//! throw of the surface, and every error a download stream gives, goes through here.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::Error;

#[wasm_bindgen(module = "/src/bindings/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeBrokerError)]
    fn make_broker_error(fields: &Object, cause: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = makeNetworkError)]
    fn make_network_error(message: &str, cause: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = makeTimeoutError)]
    fn make_timeout_error(kind: &str, timeout_ms: f64, message: &str) -> JsValue;
    #[wasm_bindgen(js_name = makeAbortError)]
    fn make_abort_error(message: &str, cause: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = makeChecksumMismatchError)]
    fn make_checksum_mismatch_error(expected: &str, actual: &str, message: &str) -> JsValue;
    #[wasm_bindgen(js_name = makeTransferFailedError)]
    fn make_transfer_failed_error(id: &str, status: &str, text: &str, message: &str) -> JsValue;
    #[wasm_bindgen(js_name = makeUnsupportedError)]
    fn make_unsupported_error(message: &str) -> JsValue;
    #[wasm_bindgen(js_name = makeSubscriptionError)]
    fn make_subscription_error(fields: &Object) -> JsValue;
    #[wasm_bindgen(js_name = makeInvalidEventError)]
    fn make_invalid_event_error(message: &str) -> JsValue;
    #[wasm_bindgen(js_name = makeClientError)]
    fn make_client_error(message: &str, cause: &JsValue) -> JsValue;
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        to_js(e)
    }
}

fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
}

fn opt(s: Option<&str>) -> JsValue {
    s.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

/// Builds the JS error for `e`.
fn to_js(e: Error) -> JsValue {
    let message = e.to_string();
    match e {
        Error::Broker { status, problem, body } => {
            let o = Object::new();
            set(&o, "status", status);
            if let Some(p) = &problem {
                set(&o, "code", opt(p.code.as_deref()));
                set(&o, "title", opt(p.title.as_deref()));
                set(&o, "detail", opt(p.detail.as_deref()));
                set(&o, "traceId", opt(p.trace_id.as_deref()));
                set(&o, "errors", errors_object(&p.errors));
            } else {
                set(&o, "title", altinn_broker_core::problem::reason_phrase(status));
            }
            set(&o, "body", opt(body.as_deref()));
            make_broker_error(&o, &JsValue::UNDEFINED)
        }
        Error::Validation(errors) => {
            let o = Object::new();
            set(&o, "status", 400);
            set(&o, "title", altinn_broker_core::problem::VALIDATION_TITLE);
            set(&o, "errors", errors_object(&errors));
            set(&o, "local", true);
            // The first message makes a useful `message` for logs.
            let first = errors.values().flatten().next().cloned();
            set(&o, "detail", opt(first.as_deref()));
            make_broker_error(&o, &JsValue::UNDEFINED)
        }
        Error::Refused(code) => {
            let o = Object::new();
            set(&o, "status", code.status());
            set(&o, "code", code.code());
            set(&o, "title", altinn_broker_core::problem::type_and_title(code.status()).1);
            set(&o, "detail", code.message());
            set(&o, "local", true);
            make_broker_error(&o, &JsValue::UNDEFINED)
        }
        Error::Network { message, cause } => make_network_error(&message, &cause),
        Error::Timeout { kind, ms } => make_timeout_error(kind.as_str(), ms, &message),
        Error::Aborted { reason } => make_abort_error("The operation was aborted", &reason),
        Error::ChecksumMismatch { expected, actual } => make_checksum_mismatch_error(&expected, &actual, &message),
        Error::TransferFailed { id, status, text } => make_transfer_failed_error(&id, &status, &text, &message),
        Error::Unsupported(m) => make_unsupported_error(&m),
        Error::Subscription { status, message, local } => {
            let o = Object::new();
            set(&o, "status", status);
            set(&o, "detail", message.as_str());
            // The body the service sends (or would send) for this refusal: the message as a JSON string literal.
            set(&o, "body", serde_json::to_string(&message).unwrap_or_default());
            set(&o, "local", local);
            make_subscription_error(&o)
        }
        Error::InvalidEvent(m) => make_invalid_event_error(&m),
        Error::Client { message, cause } => make_client_error(&message, &cause.unwrap_or(JsValue::UNDEFINED)),
    }
}

fn errors_object(errors: &altinn_broker_core::problem::ValidationErrors) -> JsValue {
    let o = Object::new();
    for (k, msgs) in errors {
        let arr: js_sys::Array = msgs.iter().map(|m| JsValue::from_str(m)).collect();
        set(&o, k, arr);
    }
    o.into()
}
