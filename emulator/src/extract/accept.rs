//! The Accept check of actions marked `[Produces(...)]` (contract §0), as
//! `src/Altinn.Broker.API/Helpers/AcceptHeaderValidationMiddleware.cs` (Altinn/altinn-broker @161ba12) does it. It
//! runs before authentication. A missing `Accept` passes; otherwise some `Accept` header line must hold, among its
//! comma-separated items, one whose media type (everything before the first `;`, trimmed, lower-cased with
//! `ToLowerInvariant`) is a produced type or `*/*`: the middleware adds `*/*` to the produced types, so
//! `text/plain, */*`, `*/*;q=0.8` and `Application/JSON` pass, while `application/*` does not (no wildcard matching).
//! Its 406 names the produced types and then `*/*`. Such actions also write their Broker ProblemDetails as
//! `application/json` (contract §2.1).

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, BrokerProblemBody};

/// `[Produces("application/json")]`, then the `*/*` the middleware adds: the list its 406 text names.
pub const JSON: &[&str] = &["application/json", "*/*"];

/// `[Produces("text/csv")]` (monthly statistics), then `*/*`.
pub const CSV: &[&str] = &["text/csv", "*/*"];

/// `IsValidAcceptHeader` over every header line (`Request.Headers.Accept`, one value per line). `valid` is the
/// produced types with `*/*`, all lower case. A line that is not visible ASCII cannot be read and never matches.
fn acceptable(values: &[&str], valid: &[&str]) -> bool {
    values.iter().any(|line| {
        line.split(',').map(str::trim).filter(|item| !item.is_empty()).any(|item| {
            let media = item.split(';').next().unwrap_or_default().trim().to_lowercase();
            valid.contains(&media.as_str())
        })
    })
}

fn accept_lines(req: &Request) -> Vec<&str> {
    req.headers().get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect()
}

/// The middleware for `[Produces("application/json")]` routes.
pub async fn produces_json(req: Request, next: Next) -> Response {
    let values = accept_lines(&req);
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

/// The middleware for `[Produces("text/csv")]` routes: the same Accept rule with `text/csv` as the produced type.
pub async fn produces_csv(req: Request, next: Next) -> Response {
    let values = accept_lines(&req);
    if !values.is_empty() && !acceptable(&values, CSV) {
        return AppError::NotAcceptable(CSV).into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `AcceptHeaderValidationMiddleware.cs`: parameters stripped, lower-cased, `*/*` anywhere in the list.
    #[test]
    fn accept_rules_of_accept_header_validation_middleware() {
        assert!(acceptable(&["application/json"], JSON));
        assert!(acceptable(&["*/*"], JSON));
        assert!(acceptable(&["*/*;q=0.8"], JSON));
        assert!(acceptable(&["text/plain, */*"], JSON));
        assert!(acceptable(&["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"], JSON));
        assert!(acceptable(&["Application/JSON"], JSON));
        assert!(acceptable(&[" application/json ; charset=utf-8 "], JSON));
        assert!(acceptable(&["text/plain;q=0.9, application/json;q=0.5"], JSON));
        assert!(acceptable(&["text/plain", "application/json"], JSON));
        assert!(acceptable(&["TEXT/CSV"], CSV));
        assert!(!acceptable(&["application/*"], JSON));
        assert!(!acceptable(&["application/problem+json"], JSON));
        assert!(!acceptable(&["application/octet-stream"], JSON));
        assert!(!acceptable(&["", " , "], JSON));
        assert!(!acceptable(&["application/json"], CSV));
    }
}
