//! The Accept check of actions marked `[Produces("application/json")]` (`AcceptHeaderValidationMiddleware`,
//! contract §0). It runs before authentication. A missing `Accept` passes; otherwise one of the comma-separated
//! media types (parameters ignored) must be a produced type, or the whole header must be `*/*`.
//! Such actions also write their Broker ProblemDetails as `application/json` (contract §2.1).

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, BrokerProblemBody};

pub const JSON: &[&str] = &["application/json"];

fn acceptable(values: &[&str], produced: &[&str]) -> bool {
    values.iter().any(|v| {
        v.trim() == "*/*" || v.split(',').any(|m| produced.contains(&m.split(';').next().unwrap_or_default().trim()))
    })
}

/// The middleware for `[Produces("application/json")]` routes.
pub async fn produces_json(req: Request, next: Next) -> Response {
    let values: Vec<&str> = req.headers().get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect();
    if !values.is_empty() && !acceptable(&values, JSON) {
        return AppError::NotAcceptable(JSON).into_response();
    }
    let mut res = next.run(req).await;
    // ASP.NET's JSON output formatter names the charset; Broker problems are relabelled as JSON (contract §2.1).
    let plain_json = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v == "application/json");
    if plain_json || res.extensions().get::<BrokerProblemBody>().is_some() {
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    }
    res
}

/// `[Produces("text/csv")]` (monthly statistics).
pub const CSV: &[&str] = &["text/csv"];

/// The middleware for `[Produces("text/csv")]` routes: the same Accept rule with `text/csv` as the produced type.
pub async fn produces_csv(req: Request, next: Next) -> Response {
    let values: Vec<&str> = req.headers().get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect();
    if !values.is_empty() && !acceptable(&values, CSV) {
        return AppError::NotAcceptable(CSV).into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_rules() {
        assert!(acceptable(&["application/json"], JSON));
        assert!(acceptable(&["*/*"], JSON));
        assert!(acceptable(&["text/plain;q=0.9, application/json;q=0.5"], JSON));
        assert!(acceptable(&["text/plain", "application/json"], JSON));
        assert!(!acceptable(&["application/*"], JSON));
        assert!(!acceptable(&["application/problem+json"], JSON));
        assert!(!acceptable(&["application/octet-stream"], JSON));
    }
}
