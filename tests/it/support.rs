//! Shared helpers of the tests: the emulator's URL (fixed at build time by scripts/test.sh), clients for the
//! seeded organisations, the runtime the tests run in, and bindings to `support.js` beside this file.

use altinn_broker_client::BrokerClient;
use js_sys::{Object, Promise, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

// The seed world and the scopes, as the emulator knows them (core holds them once for both sides).
pub use altinn_broker_core::scopes::{READ, SERVICE_OWNER, WRITE};
pub use altinn_broker_core::seed::{DIGDIR, OTHER_RECIPIENT, RECIPIENT, RESOURCE};

#[wasm_bindgen(module = "/tests/it/support.js")]
extern "C" {
    pub type TokenSource;
    #[wasm_bindgen(js_name = tokenSource)]
    pub fn token_source(base_url: &str, org: &str, scopes: &str) -> TokenSource;
    #[wasm_bindgen(js_name = constantTokens)]
    pub fn constant_tokens(value: &str) -> TokenSource;
    #[wasm_bindgen(js_name = tokenFn)]
    pub fn token_fn(s: &TokenSource) -> js_sys::Function;
    #[wasm_bindgen(js_name = tokenCalls)]
    pub fn token_calls(s: &TokenSource) -> u32;
    #[wasm_bindgen(js_name = tokenRefreshes)]
    pub fn token_refreshes(s: &TokenSource) -> u32;
    #[wasm_bindgen(js_name = poisonTokens)]
    pub fn poison_tokens(s: &TokenSource, n: u32);

    #[wasm_bindgen(js_name = isFirefox)]
    pub fn is_firefox() -> bool;
    pub type RecordingFetch;
    #[wasm_bindgen(js_name = recordingFetch)]
    pub fn recording_fetch() -> RecordingFetch;
    #[wasm_bindgen(js_name = recordingFetchFn)]
    pub fn recording_fetch_fn(r: &RecordingFetch) -> js_sys::Function;
    #[wasm_bindgen(js_name = recordedAuthorizations)]
    pub fn recorded_authorizations(r: &RecordingFetch) -> String;

    #[wasm_bindgen(js_name = generatedBytes)]
    pub fn generated_bytes(size: u32) -> js_sys::Uint8Array;
    #[wasm_bindgen(js_name = generatedBlob)]
    pub fn generated_blob(size: u32) -> web_sys::Blob;
    pub type Generated;
    #[wasm_bindgen(js_name = generatedStream)]
    pub fn generated_stream(size: f64, chunk: u32) -> Generated;
    #[wasm_bindgen(js_name = streamOf)]
    pub fn stream_of(g: &Generated) -> web_sys::ReadableStream;
    #[wasm_bindgen(js_name = streamCancelled)]
    pub fn stream_cancelled(g: &Generated) -> bool;
    #[wasm_bindgen(js_name = streamPulled)]
    pub fn stream_pulled(g: &Generated) -> f64;
    #[wasm_bindgen(js_name = slowThenStuckStream)]
    pub fn slow_then_stuck_stream(first: u32) -> web_sys::ReadableStream;

    #[wasm_bindgen(js_name = readAll)]
    fn read_all_js(stream: &JsValue, offset: f64) -> Promise;
    #[wasm_bindgen(js_name = readSome)]
    pub fn read_some(stream: &JsValue, n: f64) -> Promise;
    #[wasm_bindgen(js_name = readRest)]
    pub fn read_rest(reader: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = hook)]
    fn hook_js(base_url: &str, method: &str, path: &str, body: JsValue) -> Promise;
    #[wasm_bindgen(js_name = memoryBytes)]
    pub fn memory_bytes(memory: &JsValue) -> f64;
    #[wasm_bindgen(js_name = describeError)]
    fn describe_error(e: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = abortAfter)]
    pub fn abort_after(ms: u32) -> web_sys::AbortSignal;
    #[wasm_bindgen(js_name = rawInitialize)]
    fn raw_initialize_js(base_url: &str, token: &str, body: JsValue) -> Promise;
    #[wasm_bindgen(js_name = issueToken)]
    fn issue_token_js(base_url: &str, org: &str, scopes: &str) -> Promise;
    #[wasm_bindgen(js_name = inBrowser)]
    pub fn in_browser() -> bool;
}

/// The emulator the test command started.
pub fn url() -> &'static str {
    match option_env!("BROKER_EMULATOR_URL") {
        Some(url) => url,
        None => {
            panic!("BROKER_EMULATOR_URL must be set when the tests are built (scripts/test.sh starts the emulator)")
        }
    }
}

/// A client for `org` with `scopes`, plus its token source (to count calls). Retries wait little in tests.
pub fn client_with(org: &str, scopes: &str, extra: serde_json::Value) -> (BrokerClient, TokenSource) {
    let tokens = token_source(url(), org, scopes);
    let mut o = serde_json::json!({ "baseUrl": url(), "retry": { "baseDelayMs": 20 } });
    if let (Some(m), serde_json::Value::Object(e)) = (o.as_object_mut(), extra) {
        m.extend(e);
    }
    let opts = json(o);
    Reflect::set(&opts, &"token".into(), &token_fn(&tokens)).unwrap();
    (BrokerClient::new(opts).unwrap(), tokens)
}

/// Whether `fetch` here can send a `ReadableStream` request body to the emulator: Node can, Chromium only over
/// HTTP/2, which the emulator's plain http is not (README "Uploading without loading the file"), Firefox never (ESR
/// 153 sends the text "[object ReadableStream]" instead). Where it cannot, a streamed `upload`/`send` rejects with
/// `UnsupportedError` before reading the stream.
pub fn stream_bodies_supported() -> bool {
    !in_browser() || (url().starts_with("https://") && !is_firefox())
}

pub fn client(org: &str, scopes: &str) -> BrokerClient {
    client_with(org, scopes, serde_json::json!({})).0
}

pub fn sender() -> BrokerClient {
    client(DIGDIR, WRITE)
}

pub fn recipient() -> BrokerClient {
    client(RECIPIENT, READ)
}

pub fn owner() -> BrokerClient {
    client(DIGDIR, SERVICE_OWNER)
}

pub fn json(v: serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).unwrap()
}

pub fn obj(v: serde_json::Value) -> Option<Object> {
    Some(json(v).unchecked_into())
}

pub fn none() -> Option<Object> {
    None
}

/// An initialize body from the seeded sender to the seeded recipient.
pub fn meta(file_name: &str) -> JsValue {
    json(serde_json::json!({
        "fileName": file_name,
        "resourceId": RESOURCE,
        "sendersFileTransferReference": format!("test-{file_name}"),
        "sender": format!("0192:{DIGDIR}"),
        "recipients": [format!("0192:{RECIPIENT}")],
    }))
}

pub async fn call(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

pub async fn ok(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("expected success, got {:?}", err_info(&e)),
    }
}

pub async fn fails(p: Promise) -> ErrInfo {
    match JsFuture::from(p).await {
        Ok(v) => panic!("expected a failure, got {v:?}"),
        Err(e) => err_info(&e),
    }
}

pub fn get<T: for<'de> Deserialize<'de>>(v: &JsValue, key: &str) -> T {
    let x = Reflect::get(v, &key.into()).unwrap();
    serde_wasm_bindgen::from_value(x.clone()).unwrap_or_else(|e| panic!("{key}: {e} in {x:?}"))
}

pub fn field(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrInfo {
    pub name: Option<String>,
    pub is_error: bool,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub kind: Option<String>,
    pub local: Option<bool>,
    pub detail: Option<String>,
    #[serde(default)]
    pub errors: Option<std::collections::BTreeMap<String, Vec<String>>>,
    pub status_text: Option<String>,
    pub transfer_status: Option<String>,
    /// Read only through `Debug`, in the assertion messages.
    #[allow(dead_code)]
    pub message: Option<String>,
}

pub fn err_info(e: &JsValue) -> ErrInfo {
    serde_wasm_bindgen::from_value(describe_error(e)).unwrap_or_default()
}

pub async fn hook(method: &str, path: &str, body: Option<serde_json::Value>) {
    let b = body.map(json).unwrap_or(JsValue::UNDEFINED);
    JsFuture::from(hook_js(url(), method, path, b)).await.unwrap();
}

#[derive(Debug)]
pub struct ReadResult {
    pub length: f64,
    pub ok: bool,
}

pub async fn read_all(stream: &JsValue, offset: f64) -> Result<ReadResult, JsValue> {
    let v = JsFuture::from(read_all_js(stream, offset)).await?;
    Ok(ReadResult { length: get(&v, "length"), ok: get(&v, "ok") })
}

/// A token for `org` with `scopes` straight from the emulator's test issuer.
pub async fn issue_token(org: &str, scopes: &str) -> String {
    JsFuture::from(issue_token_js(url(), org, scopes)).await.unwrap().as_string().unwrap()
}

pub async fn raw_initialize(org: &str, body: serde_json::Value) -> (u16, JsValue) {
    let token = issue_token(org, WRITE).await;
    let r = JsFuture::from(raw_initialize_js(url(), &token, json(body))).await.unwrap();
    (get(&r, "status"), field(&r, "body"))
}

pub fn wasm_memory_bytes() -> f64 {
    memory_bytes(&wasm_bindgen::memory())
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}
