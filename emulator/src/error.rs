//! The emulator's one error type. Its `IntoResponse` writes each failure the way the real service does:
//! Broker ProblemDetails (`BRO-000NN`), ASP.NET ValidationProblemDetails, empty 401/403 from the auth layer,
//! ASP.NET client errors, 406 plain text, and the plain-text bodies of the tus routes.

use altinn_broker_core::problem::{self, ValidationErrors};
use altinn_broker_core::BrokerErrorCode;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Marks a response that carries a Broker ProblemDetails, so that routes declaring `[Produces("application/json")]`
/// can relabel it `application/json` as ASP.NET does (see `extract::accept`).
#[derive(Debug, Clone, Copy)]
pub struct BrokerProblemBody;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// One of the service's own errors (contract §2.2).
    #[error("{0}")]
    Broker(BrokerErrorCode),
    /// Automatic model validation (contract §2.3).
    #[error("validation failed: {0:?}")]
    Validation(ValidationErrors),
    /// No token, bad token, expired token: 401, empty body, `WWW-Authenticate: Bearer`.
    #[error("unauthenticated")]
    Unauthenticated {
        /// The `error`/`error_description` parameters ASP.NET's JwtBearer adds, e.g. `error="invalid_token"`.
        challenge_params: Option<String>,
    },
    /// A valid token without the policy's scope: 403, empty body.
    #[error("forbidden")]
    Forbidden,
    /// `Accept` names nothing the action produces: 406 with the supported types as plain text.
    #[error("not acceptable")]
    NotAcceptable(&'static [&'static str]),
    /// A framework-level client error (404, 405, 415) as ASP.NET's client-error ProblemDetails.
    #[error("client error {0}")]
    Client(StatusCode),
    /// A plain-text error (tus routes).
    #[error("{1}")]
    PlainText(StatusCode, String),
    /// Altinn Events' `StatusCode(code, "text")` under `Produces("application/json")`: the text as a JSON string
    /// literal (events-auth contract §1.2).
    #[error("{1}")]
    JsonString(StatusCode, String),
    /// A status with an empty body (Altinn Events' `NotFound()`, `Forbid()`).
    #[error("status {0}")]
    Empty(StatusCode),
    /// An RFC 7807 ProblemDetails with the message in `detail` (Altinn Events' `Problem(...)`, §1.6).
    #[error("{1}")]
    Problem(StatusCode, String),
    /// A fault of the emulator itself (I/O, database). Logged, answered as a 500 problem.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    /// A validation failure with one message under one key.
    pub fn validation(key: &str, message: impl Into<String>) -> Self {
        let mut errors = ValidationErrors::new();
        errors.insert(key.to_owned(), vec![message.into()]);
        Self::Validation(errors)
    }

    pub fn unauthenticated() -> Self {
        Self::Unauthenticated { challenge_params: None }
    }
}

impl From<BrokerErrorCode> for AppError {
    fn from(e: BrokerErrorCode) -> Self {
        Self::Broker(e)
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Internal(format!("database: {e}"))
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        Self::Internal(format!("i/o: {e}"))
    }
}

/// A W3C trace id (`00-<32 hex>-<16 hex>-01`) like `Activity.Current.Id`.
pub fn trace_id() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("00-{a}-{}-01", &b[..16])
}

fn with_body(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn status_code(n: u16) -> StatusCode {
    StatusCode::from_u16(n).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Broker(code) => {
                let mut res = with_body(
                    status_code(code.status()),
                    PROBLEM_JSON,
                    problem::broker_problem_json(code, &trace_id()),
                );
                res.extensions_mut().insert(BrokerProblemBody);
                res
            }
            AppError::Validation(errors) => {
                with_body(StatusCode::BAD_REQUEST, PROBLEM_JSON, problem::validation_problem_json(&errors, &trace_id()))
            }
            AppError::Unauthenticated { challenge_params } => {
                let value = match challenge_params {
                    Some(p) => format!("Bearer {p}"),
                    None => "Bearer".to_owned(),
                };
                let mut res = StatusCode::UNAUTHORIZED.into_response();
                if let Ok(v) = HeaderValue::from_str(&value) {
                    res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                res
            }
            AppError::Forbidden => StatusCode::FORBIDDEN.into_response(),
            AppError::NotAcceptable(types) => {
                // `AcceptHeaderValidationMiddleware`'s wording.
                let body = format!(
                    "This endpoint does not support the requested Accept header. Supported Accept headers are: {}.",
                    types.join(", ")
                );
                with_body(StatusCode::NOT_ACCEPTABLE, "text/plain; charset=utf-8", body)
            }
            AppError::Client(status) => {
                with_body(status, PROBLEM_JSON, problem::client_error_json(status.as_u16(), &trace_id()))
            }
            AppError::PlainText(status, msg) => with_body(status, "text/plain; charset=utf-8", msg),
            AppError::Empty(status) => status.into_response(),
            AppError::JsonString(status, msg) => {
                let body = serde_json::to_string(&msg).unwrap_or_default();
                with_body(status, "application/json; charset=utf-8", body)
            }
            AppError::Problem(status, detail) => {
                let (kind, title) = problem::type_and_title(status.as_u16());
                let body = serde_json::json!({
                    "type": kind, "title": title, "status": status.as_u16(), "detail": detail, "traceId": trace_id(),
                });
                with_body(status, PROBLEM_JSON, body.to_string())
            }
            AppError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                with_body(status, PROBLEM_JSON, problem::client_error_json(500, &trace_id()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_problem_is_marked() {
        let res = AppError::Broker(BrokerErrorCode::FileTransferNotFound).into_response();
        assert_eq!(res.status(), 404);
        assert!(res.extensions().get::<BrokerProblemBody>().is_some());
        assert_eq!(res.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }

    #[test]
    fn auth_failures_have_empty_bodies() {
        let res = AppError::unauthenticated().into_response();
        assert_eq!(res.status(), 401);
        assert_eq!(res.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert!(res.headers().get(header::CONTENT_TYPE).is_none());
        assert_eq!(AppError::Forbidden.into_response().status(), 403);
    }
}
