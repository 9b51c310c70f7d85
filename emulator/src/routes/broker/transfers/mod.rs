//! The file-transfer endpoints of contract §1.2–§1.9.
//!
//! Every handler follows the service's order: the Accept check (a layer), authentication and scope (the `As*`
//! extractor, before anything is read), then Content-Type (415), then model validation (400), then the handler's
//! own checks in the order the contract lists them.

pub mod confirm;
pub mod download;
pub mod initialize;
pub mod multipart;
pub mod overview;
pub mod search;
pub mod upload;

use altinn_broker_core::FileTransferId;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::extract::accept::produces_json;
use crate::state::AppState;

/// Each handler is mounted where its `#[utoipa::path]` says (an `altinn_broker_core::paths` template), which is
/// also where the OpenAPI document lists it: the route and its documentation are one declaration.
pub fn router() -> OpenApiRouter<AppState> {
    // Actions marked `[Produces("application/json")]`: everything but download.
    let json = OpenApiRouter::new()
        .routes(routes!(initialize::initialize, search::search))
        .routes(routes!(multipart::initialize_and_upload))
        .routes(routes!(overview::overview))
        .routes(routes!(overview::details))
        .routes(routes!(upload::upload))
        .routes(routes!(confirm::confirm))
        .route_layer(middleware::from_fn(produces_json));
    OpenApiRouter::new()
        .merge(json)
        .routes(routes!(download::download))
        .route_layer(middleware::from_fn(no_head))
        // Uploads stream to disk: no body size limit, as in the service (Kestrel has none).
        .layer(DefaultBodyLimit::disable())
}

/// ASP.NET's `[HttpGet]` does not match HEAD, while axum's `get` answers it by running the handler (a HEAD on
/// download would record `DownloadStarted`): HEAD gets 405 here, as from the service's routing.
async fn no_head(req: Request, next: Next) -> Response {
    if req.method() == Method::HEAD {
        return AppError::Client(StatusCode::METHOD_NOT_ALLOWED).into_response();
    }
    next.run(req).await
}

/// Parses the `{fileTransferId}` route value; ASP.NET's model binding rejects a non-GUID with 400 validation.
fn parse_id(raw: &str) -> Result<FileTransferId, AppError> {
    FileTransferId::parse(raw)
        .map_err(|_| AppError::validation("fileTransferId", format!("The value '{raw}' is not valid.")))
}

/// The media type of the request (`type/subtype`, lower-case), if any.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

fn unsupported_media_type() -> AppError {
    AppError::Client(StatusCode::UNSUPPORTED_MEDIA_TYPE)
}
