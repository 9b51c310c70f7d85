//! The whole HTTP surface as one `Router`, built from the state alone so tests can drive it in-process
//! (`tower::ServiceExt::oneshot`) exactly as the binary serves it; and the start-up work on a data dir (seed,
//! crash recovery), which belongs to the top of the layers because it runs the jobs.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use axum::Router;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::http;
use crate::routes;
use crate::state::{AppState, Settings};
use crate::world::World;

impl AppState {
    /// Opens the data dir (database, blobs, clock) and recovers from an earlier crash.
    pub fn open(settings: Settings) -> Result<Self, AppError> {
        Self::open_with_world(settings, World::default())
    }

    /// Opens the data dir with a world (`--config`); the world's Broker rows are seeded on the first start only.
    /// Then recovers what a crash interrupted (`jobs::recover`) before anything is served.
    pub fn open_with_world(settings: Settings, world: World) -> Result<Self, AppError> {
        let state = AppState::assemble(settings, world)?;
        state.world.seed(&state.store)?;
        crate::jobs::recover(&state)?;
        Ok(state)
    }
}

pub fn app(state: AppState) -> Router {
    // The document half of the routers is served by `routes::emulator::openapi` (built from the same declarations).
    let (router, _) = routes::router().split_for_parts();
    let router = router.fallback(not_found).method_not_allowed_fallback(method_not_allowed);

    // Layers run outside-in in the reverse order of `.layer` calls: security headers wrap everything, CORS answers
    // preflights before faults and authentication, faults come before any handler.
    let router = router
        .layer(middleware::from_fn_with_state(state.clone(), http::faults::inject))
        // Logs the method and path only: never headers, so a token never reaches the log.
        .layer(TraceLayer::new_for_http().make_span_with(
            |req: &Request| tracing::info_span!("request", method = %req.method(), path = %req.uri().path()),
        ));
    let origins = state.settings.cors_origins.clone();
    let clock = state.clock.clone();
    let router = router.with_state(state);
    let router = match http::cors::layer(&origins) {
        Some(cors) => http::cors::wrap(router, cors, origins),
        None => router,
    };
    router
        .layer(middleware::from_fn(http::security::security_headers))
        .layer(middleware::from_fn_with_state(clock, http::date::date_header))
}

async fn not_found() -> impl IntoResponse {
    AppError::Client(StatusCode::NOT_FOUND)
}

async fn method_not_allowed() -> impl IntoResponse {
    AppError::Client(StatusCode::METHOD_NOT_ALLOWED)
}

#[cfg(test)]
mod tests {
    use altinn_broker_core::{paths, seed};
    use axum::body::Body;
    use axum::http::{Method, Request};
    use tower::ServiceExt;

    use super::*;

    /// A concrete request path for a template of `altinn_broker_core::paths`.
    fn concrete(template: &str) -> String {
        let mut out = template.to_owned();
        for (name, value) in [
            ("{fileTransferId}", "8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab"),
            ("{partialId}", "0123456789abcdef0123456789abcdef"),
            ("{resourceId}", seed::RESOURCE),
        ] {
            out = out.replace(name, value);
        }
        assert!(!out.contains('{'), "{template}: a placeholder this test does not know");
        out
    }

    /// The client's paths and the emulator's routes cannot drift: every (template, method) of core's table reaches
    /// a handler, not the router's 404 (an ASP.NET client-error body, no Broker `code`) or 405 fallback.
    #[tokio::test]
    async fn routes_match_core_paths() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            base_url: "http://127.0.0.1:5096".into(),
            environment: "Production".into(),
            scan_delay: std::time::Duration::from_millis(50),
            cors_origins: Vec::new(),
            crash_at: None,
            data_dir: dir.path().to_owned(),
            jwks_base64url: false,
            allow_http_webhooks: false,
            events_time_scale: 1.0,
        };
        let router = app(AppState::open(settings).unwrap());
        let miss = router
            .clone()
            .oneshot(Request::get(format!("{}/no-such-route", paths::API)).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(miss.status(), StatusCode::NOT_FOUND, "the fallback this test tells apart");
        for (template, methods) in paths::ROUTES {
            for method in *methods {
                let req = Request::builder()
                    .method(Method::from_bytes(method.as_bytes()).unwrap())
                    .uri(concrete(template))
                    .header("tus-resumable", altinn_broker_core::tus::VERSION)
                    .body(Body::empty())
                    .unwrap();
                let res = router.clone().oneshot(req).await.unwrap();
                let status = res.status();
                let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
                let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
                let fallback = status == StatusCode::METHOD_NOT_ALLOWED
                    || (status == StatusCode::NOT_FOUND
                        && json.is_some_and(|b| b.get("title").is_some() && b.get("code").is_none()));
                assert!(!fallback, "{method} {template} is in core's paths::ROUTES but not routed ({status})");
            }
        }
    }
}
