//! Fault injection (test hook): the middleware applying the rules `POST /emulator/api/faults` armed
//! ([`crate::state::faults`]). A rule answers with a status (ProblemDetails body and `Retry-After`), stalls
//! (`delayMs`), or cuts the connection after `dropAfterBytes` bytes of the request body (when the request has one)
//! or else of the response. Faults apply before authentication and never to `/emulator/api/` itself.

use std::time::Duration;

use altinn_broker_core::problem;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;

use super::conn::ConnHandle;
use crate::error::trace_id;
use crate::state::AppState;

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
        if has_body(&req) {
            drain(req.into_body()).await;
        }
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

/// Reads what is left of a request body before a fault status is answered. Answering first and dropping the body
/// makes hyper close the connection while the client is still sending, and a browser (Firefox, measured) then reports
/// a network error instead of the status; the service's server (Kestrel) and its front door consume the body of a
/// request they refuse. Bounded, so a fault on a huge upload cannot keep a connection reading forever.
async fn drain(body: Body) {
    const MAX_DRAIN_BYTES: usize = 256 << 20;
    let mut stream = body.into_data_stream();
    let mut read = 0;
    while let Some(Ok(chunk)) = stream.next().await {
        read += chunk.len();
        if read > MAX_DRAIN_BYTES {
            break;
        }
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
