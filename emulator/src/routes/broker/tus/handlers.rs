//! The tus handlers: each binds its URL's ids and hands the request to the tus engine ([`crate::service::tus`]),
//! whose answer (success or tusdotnet's plain-text failure) is the response.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, Method};
use axum::response::{IntoResponse, Response};

use crate::service::tus::{self, header_str, protocol, termination, TusFailure, TusResult};
use crate::state::AppState;

pub fn respond(result: TusResult) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn options(State(state): State<AppState>, Path(_id): Path<String>, headers: HeaderMap) -> Response {
    respond(protocol::options(&state, &headers))
}

pub async fn options_partial(
    State(state): State<AppState>,
    Path(_ids): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    respond(protocol::options(&state, &headers))
}

pub async fn head(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    respond(protocol::head(&state, &headers, &id, None))
}

pub async fn head_partial(
    State(state): State<AppState>,
    Path((id, pid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    respond(protocol::head(&state, &headers, &id, Some(&pid)))
}

pub async fn patch(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Response {
    respond(protocol::patch(&state, &headers, &id, None, body).await)
}

pub async fn patch_partial(
    State(state): State<AppState>,
    Path((id, pid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(protocol::patch(&state, &headers, &id, Some(&pid), body).await)
}

pub async fn create(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Response {
    respond(match method_override(&headers) {
        Some(m) => overridden(&state, &headers, &id, None, m, body).await,
        None => tus::create(&state, &headers, &id, body).await,
    })
}

/// A POST to a partial upload's URL: only meaningful with `X-HTTP-Method-Override`.
pub async fn post_partial(
    State(state): State<AppState>,
    Path((id, pid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(match method_override(&headers) {
        Some(m) => overridden(&state, &headers, &id, Some(&pid), m, body).await,
        None => Err(TusFailure::NotTus),
    })
}

/// Serves a POST as the method `X-HTTP-Method-Override` names.
async fn overridden(
    state: &AppState,
    headers: &HeaderMap,
    raw_id: &str,
    raw_pid: Option<&str>,
    method: Method,
    body: Body,
) -> TusResult {
    match method {
        Method::PATCH => protocol::patch(state, headers, raw_id, raw_pid, body).await,
        Method::HEAD => protocol::head(state, headers, raw_id, raw_pid),
        Method::DELETE => termination::terminate(state, headers, raw_id, raw_pid),
        Method::OPTIONS => protocol::options(state, headers),
        Method::POST if raw_pid.is_none() => tus::create(state, headers, raw_id, body).await,
        _ => Err(TusFailure::NotTus),
    }
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    respond(termination::terminate(&state, &headers, &id, None))
}

pub async fn delete_partial(
    State(state): State<AppState>,
    Path((id, pid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    respond(termination::terminate(&state, &headers, &id, Some(&pid)))
}

/// tusdotnet takes the method from `X-HTTP-Method-Override` when present (tus clients send PATCH and DELETE as
/// POST through proxies that drop them). axum routes by the real method, so POST handlers look at it.
pub fn method_override(headers: &HeaderMap) -> Option<Method> {
    header_str(headers, &HeaderName::from_static("x-http-method-override"))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| Method::from_bytes(v.to_ascii_uppercase().as_bytes()).ok())
}
