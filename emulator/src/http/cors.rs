//! CORS for browser clients (`--cors-origin`, off by default like the real service). Preflights are answered here,
//! before any authentication.

use std::convert::Infallible;

use altinn_broker_core::tus::header as tus;
use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::Response;
use axum::Router;
use tower::ServiceExt;
use tower_http::cors::{AllowOrigin, CorsLayer};

const ALLOW_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "accept",
    "range",
    "ocp-apim-subscription-key",
    tus::TUS_RESUMABLE,
    tus::UPLOAD_LENGTH,
    tus::UPLOAD_OFFSET,
    tus::UPLOAD_METADATA,
    tus::UPLOAD_CONCAT,
    tus::UPLOAD_DEFER_LENGTH,
    tus::UPLOAD_CHECKSUM,
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
    tus::TUS_RESUMABLE,
    tus::TUS_VERSION,
    tus::TUS_EXTENSION,
    tus::TUS_CHECKSUM_ALGORITHM,
    tus::TUS_MAX_SIZE,
    tus::UPLOAD_OFFSET,
    tus::UPLOAD_LENGTH,
    tus::UPLOAD_EXPIRES,
    tus::UPLOAD_CONCAT,
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

/// Puts `cors` in front of `router`, except for an OPTIONS request that is not a preflight (no
/// `Access-Control-Request-Method`): tower-http answers every OPTIONS as a preflight, but a tus client's OPTIONS is
/// a real request the tus handler must answer (with its `Tus-*` headers). Such a request bypasses the layer and
/// gets the CORS response headers of an actual request here.
pub fn wrap(router: Router, cors: CorsLayer, origins: Vec<String>) -> Router {
    let with_cors = router.clone().layer(cors);
    let expose = HeaderValue::from_str(&EXPOSE_HEADERS.join(",")).ok();
    Router::new().fallback_service(tower::service_fn(move |req: Request| {
        let (plain, with_cors, origins, expose) = (router.clone(), with_cors.clone(), origins.clone(), expose.clone());
        async move {
            if req.method() != Method::OPTIONS || req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
                return with_cors.oneshot(req).await;
            }
            let origin = req.headers().get(ORIGIN).cloned();
            let mut res: Response = plain.oneshot(req).await?;
            if let Some(allowed) = origin.and_then(|o| allowed_origin(&origins, o)) {
                let headers = res.headers_mut();
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
                if let Some(expose) = expose {
                    headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose);
                }
                headers.append(VARY, HeaderValue::from_static("origin"));
            }
            Ok::<_, Infallible>(res)
        }
    }))
}

/// The `Access-Control-Allow-Origin` value for a request from `origin`, or `None` when it is not allowed.
fn allowed_origin(origins: &[String], origin: HeaderValue) -> Option<HeaderValue> {
    if origins.iter().any(|o| o == "*") {
        return Some(HeaderValue::from_static("*"));
    }
    let o = origin.to_str().ok()?;
    origins.iter().any(|allowed| allowed.trim_end_matches('/') == o).then_some(origin)
}
