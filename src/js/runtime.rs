//! Bindings to `runtime.js`: probes of the JS runtime and an abortable sleep.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    /// Whether `fetch` here can send a `ReadableStream` body (a capability probe; see runtime.js).
    #[wasm_bindgen(js_name = requestStreamsSupported)]
    pub fn request_streams_supported() -> bool;
    /// Whether `fetch` here accepts `redirect: 'error'` (workerd does not).
    #[wasm_bindgen(js_name = redirectErrorSupported)]
    pub fn redirect_error_supported() -> bool;
    /// Node, Deno, Bun or workerd: runtimes whose fetch streams request bodies over HTTP/1.1.
    #[wasm_bindgen(js_name = isServerRuntime)]
    pub fn is_server_runtime() -> bool;
    #[wasm_bindgen(js_name = nowMs)]
    pub fn now_ms() -> f64;
    /// A promise that resolves after `ms` or rejects with the signal's reason when it aborts.
    pub fn sleep(ms: f64, signal: &web_sys::AbortSignal) -> js_sys::Promise;
    #[wasm_bindgen(js_name = isThenable)]
    pub fn is_thenable(value: &JsValue) -> bool;
}
