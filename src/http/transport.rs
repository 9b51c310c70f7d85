//! Sends one logical request: asks for a token, calls `fetch`, refreshes the token once after a 401, retries
//! what may be retried with backoff and jitter (honouring `Retry-After`), and turns error answers into
//! [`Error::Broker`] with the problem body read leniently.

use altinn_broker_core::problem::Problem;
use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Response};

use crate::error::Error;
use crate::http::auth::TokenProvider;
use crate::http::body::Body;
use crate::http::guard::{CallGuard, Timeouts};
use crate::http::retry::{parse_retry_after, Outcome, Replay, RetryPolicy};
use crate::http::url;
use crate::js::value::Fields;

#[wasm_bindgen]
extern "C" {
    /// `fetch` of the global scope: window, worker, Node ≥ 18, workerd and Deno all have one.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &Object) -> Result<Promise, JsValue>;
}

/// Everything a client instance needs to talk to one Broker.
pub struct Transport {
    pub base_url: String,
    pub tokens: TokenProvider,
    /// Sent as `Ocp-Apim-Subscription-Key` when set (an API Management gateway in front of the service).
    pub subscription_key: Option<String>,
    /// The caller's `fetch`, or `None` for the global one.
    pub fetch: Option<Function>,
    pub retry: RetryPolicy,
    pub timeouts: Timeouts,
    /// Send every request with `redirect: 'error'` (where the runtime takes it; see `fetch_once`).
    pub refuse_redirects: bool,
}

/// One request as the API modules describe it.
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    /// `Accept`; only set where the action has `[Produces]` (contract §0), `None` elsewhere.
    pub accept: Option<&'static str>,
    pub content_type: Option<&'static str>,
    pub body: Body,
    pub replay: Replay,
    /// A `Range` header value.
    pub range: Option<String>,
    /// Further headers (the tus protocol's `Tus-Resumable`, `Upload-*`).
    pub headers: Vec<(&'static str, String)>,
}

impl Request {
    pub fn new(method: &'static str, path: impl Into<String>, replay: Replay) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            accept: Some("application/json"),
            content_type: None,
            body: Body::Empty,
            replay,
            range: None,
            headers: Vec::new(),
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new("GET", path, Replay::Idempotent)
    }

    pub fn json(mut self, body: String) -> Self {
        self.content_type = Some("application/json");
        self.body = Body::Json(body);
        self
    }
}

impl Transport {
    /// A guard for one call with this client's timeouts.
    pub fn guard(&self, signal: Option<web_sys::AbortSignal>, deadline_ms: Option<f64>) -> Result<CallGuard, Error> {
        let mut t = self.timeouts;
        if deadline_ms.is_some() {
            t.deadline_ms = deadline_ms;
        }
        CallGuard::new(signal, t)
    }

    /// Sends `req` until it succeeds (2xx) or fails for good.
    pub async fn send(&self, req: &Request, guard: &CallGuard) -> Result<Response, Error> {
        let url = url::build(&self.base_url, &req.path, &req.query);
        let mut attempt = 0;
        // The token callback hears `refresh: true` once, right after the service refused its token.
        let mut refreshed = false;
        let mut refresh_now = false;
        loop {
            guard.check()?;
            let token = self.tokens.token(std::mem::take(&mut refresh_now), guard).await?;
            let result = self.fetch_once(&url, req, token.as_deref(), guard).await;
            let response = match result {
                Ok(r) => r,
                Err(Error::Network { message, cause }) => {
                    if req.body.replayable() && self.retry.should_retry(req.replay, Outcome::NetworkError, attempt) {
                        guard.sleep(self.retry.delay_ms(attempt, js_sys::Math::random(), None)).await?;
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::Network { message, cause });
                }
                Err(e) => return Err(e),
            };
            let status = response.status();
            if (200..300).contains(&status) {
                return Ok(response);
            }
            if status == 401 && !refreshed && req.body.replayable() && self.tokens.can_refresh() {
                refreshed = true;
                refresh_now = true;
                discard(&response);
                continue;
            }
            if req.body.replayable() && self.retry.should_retry(req.replay, Outcome::Status(status), attempt) {
                let retry_after =
                    response.headers().get("retry-after").ok().flatten().and_then(|v| parse_retry_after(&v, now()));
                discard(&response);
                guard.sleep(self.retry.delay_ms(attempt, js_sys::Math::random(), retry_after)).await?;
                attempt += 1;
                continue;
            }
            return Err(read_error(response, guard).await);
        }
    }

    /// One attempt, with the token refresh after a 401, answering whatever status came back: for protocols that
    /// decide themselves what a failure means and when to try again (tus resyncs with HEAD and shares one pause
    /// across parallel requests after a 429).
    pub async fn send_once(&self, req: &Request, guard: &CallGuard) -> Result<Response, Error> {
        let url = url::build(&self.base_url, &req.path, &req.query);
        let mut refreshed = false;
        loop {
            guard.check()?;
            let token = self.tokens.token(refreshed, guard).await?;
            let response = self.fetch_once(&url, req, token.as_deref(), guard).await?;
            if response.status() == 401 && !refreshed && req.body.replayable() && self.tokens.can_refresh() {
                refreshed = true;
                discard(&response);
                continue;
            }
            return Ok(response);
        }
    }

    async fn fetch_once(
        &self,
        url: &str,
        req: &Request,
        token: Option<&str>,
        guard: &CallGuard,
    ) -> Result<Response, Error> {
        let headers = Headers::new().map_err(|e| Error::client_caused("Headers is missing", e))?;
        let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| Error::client_caused(format!("bad {k} header"), e));
        if let Some(token) = token {
            set("Authorization", &format!("Bearer {token}"))?;
        }
        if let Some(a) = req.accept {
            set("Accept", a)?;
        }
        if let Some(c) = req.content_type {
            set("Content-Type", c)?;
        }
        if let Some(k) = &self.subscription_key {
            set("Ocp-Apim-Subscription-Key", k)?;
        }
        if let Some(r) = &req.range {
            set("Range", r)?;
        }
        for (k, v) in &req.headers {
            set(k, v)?;
        }
        let init = Fields::new();
        let put = |k: &str, v: &JsValue| {
            init.set(k, v);
        };
        put("method", &JsValue::from_str(req.method));
        put("headers", &headers);
        put("signal", &guard.signal());
        if self.refuse_redirects {
            // Broker never answers an API call with a redirect (no endpoint of contract §1 or §5 has a 3xx among its
            // answers, nor does §2's error table), so following one would only hide a misconfigured base URL. And
            // Node's fetch (undici) keeps a request body in memory until the request ends, in case a redirect makes
            // it send the body again, unless redirects are refused (nodejs/undici#4058): with `redirect: 'error'`
            // an upload's memory stays flat (tests/edge/node_memory.mjs). workerd refuses the value (the probe).
            put("redirect", &JsValue::from_str("error"));
        }
        if let Some(body) = req.body.to_js()? {
            if matches!(req.body, Body::Stream(_)) {
                // Required by the fetch standard for a stream body; Node refuses a stream body without it.
                put("duplex", &JsValue::from_str("half"));
            }
            put("body", &body);
        }
        let promise = match &self.fetch {
            Some(f) => {
                f.call2(&JsValue::UNDEFINED, &JsValue::from_str(url), init.object()).map(|v| Promise::resolve(&v))
            }
            None => global_fetch(url, init.object()),
        }
        .map_err(|e| guard.map_js_error(e))?;
        let waiting = req.body.small().then(|| guard.waiting());
        let r = JsFuture::from(promise).await;
        drop(waiting);
        let r = r.map_err(|e| guard.map_js_error(e))?;
        r.dyn_into::<Response>()
            .map_err(|v| Error::client_caused("fetch resolved to something that is not a Response", v))
    }
}

/// Lets the runtime release a response we will not read.
fn discard(response: &Response) {
    if let Some(body) = response.body() {
        crate::js::stream::discard(body);
    }
}

/// Reads an error answer into [`Error::Broker`].
pub async fn read_error(response: Response, guard: &CallGuard) -> Error {
    let status = response.status();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()),
        Err(_) => None,
    };
    if let Err(e) = guard.check() {
        return e;
    }
    let problem = text.as_deref().and_then(Problem::parse).map(Box::new);
    let body = if problem.is_none() { text.filter(|t| !t.is_empty()) } else { None };
    Error::Broker { status, problem, body }
}

/// Reads a 2xx body as JSON into `T`.
pub async fn read_json<T: serde::de::DeserializeOwned>(response: Response, guard: &CallGuard) -> Result<T, Error> {
    let text = read_text(response, guard).await?;
    serde_json::from_str(&text).map_err(|e| Error::client(format!("unexpected answer from the service: {e}")))
}

/// Reads a 2xx body as text.
pub async fn read_text(response: Response, guard: &CallGuard) -> Result<String, Error> {
    let p = response.text().map_err(|e| guard.map_js_error(e))?;
    let waiting = guard.waiting();
    let v = JsFuture::from(p).await;
    drop(waiting);
    let v = v.map_err(|e| guard.map_js_error(e))?;
    v.as_string().ok_or_else(|| Error::client("response body is not text"))
}

fn now() -> time::OffsetDateTime {
    let ms = crate::js::runtime::now_ms();
    time::OffsetDateTime::from_unix_timestamp_nanos((ms * 1_000_000.0) as i128)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
