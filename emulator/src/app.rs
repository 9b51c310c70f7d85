//! The whole HTTP surface as one `Router`, built from the state alone so tests can drive it in-process
//! (`tower::ServiceExt::oneshot`) exactly as the binary serves it.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use axum::Router;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::http;
use crate::routes;
use crate::state::AppState;

pub fn app(state: AppState) -> Router {
    let router = Router::new()
        .merge(routes::hooks::router())
        .merge(routes::transfers::router())
        .merge(routes::tus::router())
        .merge(routes::openid::router())
        .merge(routes::test_tokens::router())
        .merge(routes::resources::router())
        .merge(routes::service_owner::router())
        .merge(routes::statistics::router())
        .merge(routes::openapi::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);

    // Layers run outside-in in the reverse order of `.layer` calls: security headers wrap everything, CORS answers
    // preflights before faults and authentication, faults come before any handler.
    let router = router
        .layer(middleware::from_fn_with_state(state.clone(), http::faults::inject))
        // Logs the method and path only: never headers, so a token never reaches the log.
        .layer(TraceLayer::new_for_http().make_span_with(
            |req: &Request| tracing::info_span!("request", method = %req.method(), path = %req.uri().path()),
        ));
    let origins = state.settings.cors_origins.clone();
    let router = router.with_state(state);
    let router = match http::cors::layer(&origins) {
        Some(cors) => http::cors::wrap(router, cors, origins),
        None => router,
    };
    router.layer(middleware::from_fn(http::security::security_headers))
}

async fn not_found() -> impl IntoResponse {
    AppError::Client(StatusCode::NOT_FOUND)
}

async fn method_not_allowed() -> impl IntoResponse {
    AppError::Client(StatusCode::METHOD_NOT_ALLOWED)
}
