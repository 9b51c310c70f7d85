//! How ASP.NET writes an action's `string` result (`Ok(token)`, `BadRequest(text)`, `OkObjectResult(token)`): the
//! string formatter's raw `text/plain; charset=utf-8`, or the JSON formatter's quoted string when `Accept` prefers
//! JSON (events-auth contract §3.1, §4).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The JSON formatter when the most preferred `Accept` type it can write is `application/json` (or
/// `application/*`), else the string formatter (`text/plain`), which also answers a missing `Accept` and `*/*` (it
/// comes first among the formatters).
pub fn wants_json(headers: &HeaderMap) -> bool {
    let mut items: Vec<(f32, usize, String)> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(','))
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!media.is_empty() && q > 0.0).then_some((q, i, media))
        })
        .collect();
    items.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    items
        .iter()
        .find_map(|(_, _, m)| match m.as_str() {
            "application/json" | "application/*" => Some(true),
            "text/plain" | "text/*" | "*/*" => Some(false),
            _ => None,
        })
        .unwrap_or(false)
}

/// A `string` result with `status`.
pub fn string_result(status: StatusCode, text: &str, headers: &HeaderMap) -> Response {
    let (content_type, body) = if wants_json(headers) {
        ("application/json; charset=utf-8", serde_json::Value::String(text.to_owned()).to_string())
    } else {
        ("text/plain; charset=utf-8", text.to_owned())
    };
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// An object result (a `Dictionary`), written by the JSON formatter.
pub fn json_result(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut res = (status, value.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn negotiation_of_a_string_result() {
        assert!(!wants_json(&HeaderMap::new()));
        assert!(!wants_json(&accept("*/*")));
        assert!(!wants_json(&accept("text/plain")));
        assert!(wants_json(&accept("application/json")));
        assert!(wants_json(&accept("Application/JSON; charset=utf-8")));
        assert!(wants_json(&accept("text/plain;q=0.5, application/json")));
        assert!(!wants_json(&accept("application/json;q=0.5, text/plain")));
        assert!(wants_json(&accept("application/xml, application/json")));
        assert!(!wants_json(&accept("application/json;q=0")));
    }
}
