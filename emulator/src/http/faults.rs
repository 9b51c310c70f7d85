//! Fault injection (test hook): `POST /emulator/api/faults` arms a rule, the next `count` matching requests get
//! it. A rule answers with a status (ProblemDetails body and `Retry-After`), stalls (`delayMs`), or cuts the
//! connection after `dropAfterBytes` bytes of the request body (when the request has one) or else of the response.
//! Faults apply before authentication and never to `/emulator/api/` itself.

use std::sync::Mutex;
use std::time::Duration;

use altinn_broker_core::problem;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;

use super::conn::ConnHandle;
use crate::error::trace_id;
use crate::state::AppState;

/// The body of `POST /emulator/api/faults`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// HTTP method to match (any when absent), case-insensitive.
    #[serde(default)]
    pub method: Option<String>,
    /// Glob over the request path (`/broker/api/v1/filetransfer/*/upload`, `**/download`).
    pub path: String,
    /// How many matching requests get the fault.
    #[serde(default = "one")]
    pub count: u32,
    /// Answer with this status instead of handling the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` value (seconds) sent with `status`.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Stall this long (real milliseconds) before going on.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Cut the connection after this many bytes of the request body, or of the response body when the request
    /// has none.
    #[serde(default)]
    pub drop_after_bytes: Option<u64>,
}

fn one() -> u32 {
    1
}

struct Rule {
    spec: FaultSpec,
    glob: GlobMatcher,
    remaining: u32,
}

#[derive(Default)]
pub struct Faults {
    rules: Mutex<Vec<Rule>>,
}

#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    #[error("invalid path glob: {0}")]
    Glob(#[from] globset::Error),
    #[error("status must be between 100 and 599")]
    Status,
    #[error("count must be at least 1")]
    Count,
    #[error("a fault needs status, delayMs or dropAfterBytes")]
    Nothing,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec) -> Result<(), FaultError> {
        if spec.status.is_some_and(|s| !(100..=599).contains(&s)) {
            return Err(FaultError::Status);
        }
        if spec.count == 0 {
            return Err(FaultError::Count);
        }
        if spec.status.is_none() && spec.delay_ms.is_none() && spec.drop_after_bytes.is_none() {
            return Err(FaultError::Nothing);
        }
        // `*` stays within one path segment, `**` crosses segments.
        let glob = GlobBuilder::new(&spec.path).literal_separator(true).build()?.compile_matcher();
        let remaining = spec.count;
        self.lock().push(Rule { spec, glob, remaining });
        Ok(())
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Rule>> {
        // A poisoned lock only means a panic elsewhere while holding it; the rule list itself stays consistent.
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Consumes one use of the first rule matching this request.
    fn take(&self, method: &str, path: &str) -> Option<FaultSpec> {
        let mut rules = self.lock();
        let i = rules.iter().position(|r| {
            r.spec.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && r.glob.is_match(path)
        })?;
        rules[i].remaining -= 1;
        let spec = rules[i].spec.clone();
        if rules[i].remaining == 0 {
            rules.remove(i);
        }
        Some(spec)
    }
}

pub async fn inject(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/emulator/api/") {
        return next.run(req).await;
    }
    let Some(fault) = state.faults.take(req.method().as_str(), &path) else {
        return next.run(req).await;
    };
    tracing::info!(method = %req.method(), %path, ?fault, "injecting fault");
    if let Some(ms) = fault.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if let Some(status) = fault.status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, problem::client_error_json(status.as_u16(), &trace_id())).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(crate::error::PROBLEM_JSON));
        if let Some(secs) = fault.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        return res;
    }
    let Some(limit) = fault.drop_after_bytes else {
        return next.run(req).await;
    };
    let conn = req.extensions().get::<ConnectInfo<ConnHandle>>().map(|c| c.0.clone());
    if has_body(&req) {
        // The handler sees the body break off after `limit` bytes and finishes as it would after a dropped
        // connection; then the connection is cut so the client never gets an answer.
        let (parts, body) = req.into_parts();
        let res = next.run(Request::from_parts(parts, cut_after(body, limit))).await;
        if let Some(c) = &conn {
            c.kill();
        }
        res
    } else {
        // A response body that fails makes hyper close the connection after what it already sent.
        let res = next.run(req).await;
        let (parts, body) = res.into_parts();
        Response::from_parts(parts, cut_after(body, limit))
    }
}

fn has_body(req: &Request) -> bool {
    let length: Option<u64> =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    match length {
        Some(n) => n > 0,
        None => req.headers().contains_key(header::TRANSFER_ENCODING),
    }
}

/// Passes `limit` bytes of `body` through, then fails the stream without reading further.
fn cut_after(body: Body, limit: u64) -> Body {
    let cut = || std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection cut by an injected fault");
    let stream = futures_util::stream::unfold(
        (body.into_data_stream(), limit, false),
        move |(mut inner, left, done)| async move {
            if done {
                return None;
            }
            if left == 0 {
                // Pending once first: hyper flushes what it holds (headers and the permitted prefix) while it waits.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                return Some((Err(cut()), (inner, 0, true)));
            }
            match inner.next().await {
                None => None,
                Some(Err(e)) => Some((Err(std::io::Error::other(e)), (inner, 0, true))),
                Some(Ok(chunk)) => {
                    let keep = usize::try_from(left).unwrap_or(usize::MAX).min(chunk.len());
                    let left = left - keep as u64;
                    Some((Ok::<Bytes, std::io::Error>(chunk.slice(..keep)), (inner, left, false)))
                }
            }
        },
    );
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn rules_match_and_count_down() {
        let f = Faults::default();
        f.add(spec(r#"{"method":"get","path":"/broker/api/v1/filetransfer/*","count":2,"status":503}"#)).unwrap();
        assert!(f.take("POST", "/broker/api/v1/filetransfer/x").is_none());
        assert!(f.take("GET", "/broker/api/v1/filetransfer/x").is_some());
        assert!(f.take("GET", "/broker/api/v1/filetransfer/y").is_some());
        assert!(f.take("GET", "/broker/api/v1/filetransfer/y").is_none());
        assert!(f.add(spec(r#"{"path":"/x","count":1}"#)).is_err());
        assert!(f.add(spec(r#"{"path":"/x","count":0,"status":500}"#)).is_err());
        f.add(spec(r#"{"path":"**/download","count":1,"delayMs":5}"#)).unwrap();
        f.add(spec(r#"{"path":"/broker/api/v1/filetransfer/*","count":1,"status":500}"#)).unwrap();
        assert!(f.take("GET", "/broker/api/v1/filetransfer/x/details").is_none(), "`*` stays within a segment");
        assert!(f.take("GET", "/a/b/download").is_some(), "`**` crosses segments");
        f.clear();
        assert!(f.take("GET", "/a/download").is_none());
    }
}
