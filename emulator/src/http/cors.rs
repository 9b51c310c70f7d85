//! CORS for browser clients (`--cors-origin`, off by default like the real service). Preflights are answered here,
//! before any authentication.

use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

const ALLOW_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "accept",
    "range",
    "ocp-apim-subscription-key",
    "tus-resumable",
    "upload-length",
    "upload-offset",
    "upload-metadata",
    "upload-concat",
    "upload-defer-length",
    "upload-checksum",
    "x-http-method-override",
];

const EXPOSE_HEADERS: &[&str] = &[
    "content-range",
    "content-disposition",
    "content-length",
    "location",
    "retry-after",
    "accept-ranges",
    "www-authenticate",
    "tus-resumable",
    "tus-version",
    "tus-extension",
    "tus-checksum-algorithm",
    "tus-max-size",
    "upload-offset",
    "upload-length",
    "upload-expires",
    "upload-concat",
];

/// The layer for `origins`, or `None` when CORS is off. `*` allows any origin.
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()))
    };
    let names = |list: &[&'static str]| list.iter().map(|h| HeaderName::from_static(h)).collect::<Vec<_>>();
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
                Method::HEAD,
                Method::OPTIONS,
            ])
            .allow_headers(names(ALLOW_HEADERS))
            .expose_headers(names(EXPOSE_HEADERS))
            .max_age(std::time::Duration::from_secs(3600)),
    )
}
