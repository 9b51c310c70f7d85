//! Error bodies (contract §2): the service's ProblemDetails, ASP.NET's ValidationProblemDetails, and a lenient
//! reader for both.
//!
//! The real service very likely writes `traceId` twice in one object, so bodies are read through
//! `serde_json::Value` (last value wins) rather than a struct that would reject the duplicate.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error_codes::BrokerErrorCode;

/// `type` and `title` for a status, as Altinn.Authorization.ProblemDetails writes them.
pub fn type_and_title(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("https://tools.ietf.org/html/rfc9110#section-15.5.1", "Bad Request"),
        401 => ("https://tools.ietf.org/html/rfc9110#section-15.5.2", "Unauthorized"),
        403 => ("https://tools.ietf.org/html/rfc9110#section-15.5.4", "Forbidden"),
        404 => ("https://tools.ietf.org/html/rfc9110#section-15.5.5", "Not Found"),
        405 => ("https://tools.ietf.org/html/rfc9110#section-15.5.6", "Method Not Allowed"),
        409 => ("https://tools.ietf.org/html/rfc9110#section-15.5.10", "Conflict"),
        415 => ("https://tools.ietf.org/html/rfc9110#section-15.5.16", "Unsupported Media Type"),
        416 => ("https://tools.ietf.org/html/rfc9110#section-15.5.17", "Range Not Satisfiable"),
        502 => ("https://tools.ietf.org/html/rfc9110#section-15.6.3", "Bad Gateway"),
        503 => ("https://tools.ietf.org/html/rfc9110#section-15.6.4", "Service Unavailable"),
        _ => ("https://tools.ietf.org/html/rfc9110#section-15.6.1", "Internal Server Error"),
    }
}

/// The reason phrase of any HTTP status (`423` → `Locked`), for answers without a problem body (empty 401/403,
/// plain-text tus errors); `type_and_title` only knows the statuses the service's own problems use.
pub fn reason_phrase(status: u16) -> &'static str {
    http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Unknown Status")
}

/// The `statusDescription` the library adds (the reason phrase; a generic sentence for 500).
pub fn status_description(status: u16) -> &'static str {
    match status {
        500 => "An error occurred while processing your request.",
        _ => type_and_title(status).1,
    }
}

/// Title of ASP.NET's automatic model-validation answer.
pub const VALIDATION_TITLE: &str = "One or more validation errors occurred.";

/// Validation messages keyed as the service keys them (C# property names, JSON paths, or `""`).
pub type ValidationErrors = BTreeMap<String, Vec<String>>;

/// Writes the body of a Broker error exactly as the service does, `traceId` twice included.
pub fn broker_problem_json(error: BrokerErrorCode, trace_id: &str) -> String {
    let (ty, title) = type_and_title(error.status());
    // Built by hand to repeat `traceId` as the service does; every value is escaped by serde_json.
    let s = |v: &str| Value::String(v.to_owned()).to_string();
    format!(
        "{{\"type\":{},\"title\":{},\"status\":{},\"detail\":{},\"code\":{},\"traceId\":{},\"statusDescription\":{},\"traceId\":{}}}",
        s(ty),
        s(title),
        error.status(),
        s(error.message()),
        s(&error.code()),
        s(trace_id),
        s(status_description(error.status())),
        s(trace_id),
    )
}

/// Writes a ValidationProblemDetails body (400).
pub fn validation_problem_json(errors: &ValidationErrors, trace_id: &str) -> String {
    let mut m = Map::new();
    m.insert("type".into(), type_and_title(400).0.into());
    m.insert("title".into(), VALIDATION_TITLE.into());
    m.insert("status".into(), 400.into());
    m.insert("errors".into(), serde_json::to_value(errors).unwrap_or(Value::Null));
    m.insert("traceId".into(), trace_id.into());
    Value::Object(m).to_string()
}

/// Writes the client-error ProblemDetails ASP.NET produces for routing and framework failures (404/405/415 ...).
pub fn client_error_json(status: u16, trace_id: &str) -> String {
    let (ty, title) = type_and_title(status);
    let mut m = Map::new();
    m.insert("type".into(), ty.into());
    m.insert("title".into(), title.into());
    m.insert("status".into(), status.into());
    m.insert("traceId".into(), trace_id.into());
    Value::Object(m).to_string()
}

/// Everything a problem body may say, read leniently: every field optional, unknown fields kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problem {
    pub problem_type: Option<String>,
    pub title: Option<String>,
    pub status: Option<u16>,
    pub detail: Option<String>,
    /// `BRO-000NN` for the service's own errors; absent on validation and framework errors.
    pub code: Option<String>,
    pub trace_id: Option<String>,
    pub status_description: Option<String>,
    pub errors: ValidationErrors,
    /// Members not listed above.
    pub extensions: Map<String, Value>,
}

impl Problem {
    /// Reads a body; `None` when it is not a JSON object (empty 401/403 bodies, plain-text tus errors).
    pub fn parse(body: &str) -> Option<Self> {
        match serde_json::from_str::<Value>(body).ok()? {
            Value::Object(m) => Some(Self::from_map(m)),
            _ => None,
        }
    }

    fn from_map(mut m: Map<String, Value>) -> Self {
        let mut take_str = |k: &str| match m.remove(k) {
            Some(Value::String(s)) => Some(s),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let problem_type = take_str("type");
        let title = take_str("title");
        let detail = take_str("detail");
        let code = take_str("code");
        let trace_id = take_str("traceId");
        let status_description = take_str("statusDescription");
        let status = match m.remove("status") {
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let mut errors = ValidationErrors::new();
        if let Some(Value::Object(errs)) = m.remove("errors") {
            for (k, v) in errs {
                let msgs = match v {
                    Value::Array(a) => {
                        a.into_iter().map(|x| x.as_str().map(str::to_owned).unwrap_or_else(|| x.to_string())).collect()
                    }
                    Value::String(s) => vec![s],
                    other => vec![other.to_string()],
                };
                errors.insert(k, msgs);
            }
        }
        Self { problem_type, title, status, detail, code, trace_id, status_description, errors, extensions: m }
    }

    /// The Broker error this problem names, when its `code` is one the table knows.
    pub fn broker_error(&self) -> Option<BrokerErrorCode> {
        self.code.as_deref().and_then(BrokerErrorCode::from_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_problem_round_trips_despite_duplicate_trace_id() {
        let body = broker_problem_json(BrokerErrorCode::FileTransferNotFound, "00-abc-def-01");
        assert_eq!(body.matches("\"traceId\"").count(), 2);
        let p = Problem::parse(&body).unwrap();
        assert_eq!(p.status, Some(404));
        assert_eq!(p.title.as_deref(), Some("Not Found"));
        assert_eq!(p.code.as_deref(), Some("BRO-00001"));
        assert_eq!(p.detail.as_deref(), Some("The requested file transfer was not found"));
        assert_eq!(p.status_description.as_deref(), Some("Not Found"));
        assert_eq!(p.broker_error(), Some(BrokerErrorCode::FileTransferNotFound));
    }

    #[test]
    fn validation_problem() {
        let mut errs = ValidationErrors::new();
        errs.insert("PropertyList".into(), vec!["PropertyList can contain at most 10 properties".into()]);
        let p = Problem::parse(&validation_problem_json(&errs, "t")).unwrap();
        assert_eq!(p.title.as_deref(), Some(VALIDATION_TITLE));
        assert_eq!(p.code, None);
        assert_eq!(p.errors, errs);
    }

    #[test]
    fn reason_phrases_cover_every_status() {
        assert_eq!(reason_phrase(423), "Locked");
        assert_eq!(reason_phrase(460), "Unknown Status");
        assert_eq!(reason_phrase(401), "Unauthorized");
    }

    #[test]
    fn lenient() {
        assert!(Problem::parse("").is_none());
        assert!(Problem::parse("File size exceeds maximum").is_none());
        let p = Problem::parse(r#"{"status":"409","errors":{"x":"one"},"extra":1}"#).unwrap();
        assert_eq!(p.status, Some(409));
        assert_eq!(p.errors["x"], vec!["one".to_string()]);
        assert!(p.extensions.contains_key("extra"));
    }
}
