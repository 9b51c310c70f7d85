//! The tus handlers: each binds its URL's ids and hands the request to the tus engine ([`crate::service::tus`]),
//! whose answer (success or tusdotnet's plain-text failure) is the response.

use altinn_broker_core::paths;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, Method};
use axum::response::{IntoResponse, Response};
use utoipa::IntoResponses;

use crate::routes::openapi::{self, Auth};
use crate::service::tus::{self, header_str, protocol, termination, TusFailure, TusResult};
use crate::state::AppState;

/// What every tus request on an upload can answer besides its success (contract §5): tusdotnet's and the broker
/// hooks' plain-text failures, its bare 404, and the authentication layer's answers.
#[derive(IntoResponses)]
#[allow(dead_code)] // Documentation only: the answers are `TusFailure`s.
pub enum TusErrors {
    /// A broken tus header, or a broker check of the transfer (BRO-00002, BRO-00016, ...), as plain text.
    #[response(status = 400, content_type = "text/plain")]
    BadRequest(String),
    /// No `Tus-Resumable` (not a tus request: empty), an unknown or expired upload (empty, `Tus-Resumable`), or
    /// an unknown transfer (BRO-00001 as plain text).
    #[response(status = 404)]
    NotFound,
    /// BRO-00004 (the transfer is past its upload), an offset that does not match, an upload already completed.
    #[response(status = 409, content_type = "text/plain")]
    Conflict(String),
    /// A `Tus-Resumable` other than 1.0.0 (`Tus-Version` names the supported one).
    #[response(status = 412, content_type = "text/plain", headers(("Tus-Version" = String)))]
    PreconditionFailed(String),
    /// Another request on the same upload is running (tusdotnet's file lock).
    #[response(status = 423, content_type = "text/plain")]
    Locked(String),
}

/// A data-carrying tus request's own failures: too much data, the wrong content type, a checksum.
#[derive(IntoResponses)]
#[allow(dead_code)] // Documentation only: the answers are `TusFailure`s.
pub enum TusDataErrors {
    /// More data than `Upload-Length` (or the chunk cap).
    #[response(status = 413, content_type = "text/plain")]
    PayloadTooLarge(String),
    /// Data in another Content-Type than application/offset+octet-stream.
    #[response(status = 415, content_type = "text/plain")]
    UnsupportedMediaType(String),
    /// Any `Upload-Checksum`: the service never verifies one (contract §5).
    #[response(status = 460, content_type = "text/plain")]
    ChecksumMismatch(String),
}

pub fn respond(result: TusResult) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

#[utoipa::path(
    options,
    path = paths::TUS_UPLOAD,
    tag = openapi::TAG_TUS,
    summary = "tus discovery: Tus-Version, Tus-Extension, Tus-Checksum-Algorithm (needs a token)",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id")),
    responses((status = 204, description = "Capabilities in headers"), Auth),
)]
pub async fn options(State(state): State<AppState>, Path(_id): Path<String>, headers: HeaderMap) -> Response {
    respond(protocol::options(&state, &headers))
}

#[utoipa::path(
    options,
    path = paths::TUS_PARTIAL,
    tag = openapi::TAG_TUS,
    summary = "tus discovery at a partial upload's URL",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("partialId" = String, Path, description = "A partial upload's id (32 hex digits)")),
    responses((status = 204, description = "Capabilities in headers"), Auth),
)]
pub async fn options_partial(
    State(state): State<AppState>,
    Path(_ids): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    respond(protocol::options(&state, &headers))
}

#[utoipa::path(
    head,
    path = paths::TUS_UPLOAD,
    tag = openapi::TAG_TUS,
    summary = "tus offset of the upload",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0")),
    responses((status = 200, description = "Upload-Offset, Upload-Length"), Auth, TusErrors),
)]
pub async fn head(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    respond(protocol::head(&state, &headers, &id, None))
}

#[utoipa::path(
    head,
    path = paths::TUS_PARTIAL,
    tag = openapi::TAG_TUS,
    summary = "tus offset of a partial upload",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("partialId" = String, Path, description = "A partial upload's id (32 hex digits)"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0")),
    responses((status = 200, description = "Upload-Offset, Upload-Length"), Auth, TusErrors),
)]
pub async fn head_partial(
    State(state): State<AppState>,
    Path((id, pid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    respond(protocol::head(&state, &headers, &id, Some(&pid)))
}

#[utoipa::path(
    patch,
    path = paths::TUS_UPLOAD,
    tag = openapi::TAG_TUS,
    summary = "tus data (application/offset+octet-stream at Upload-Offset)",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0"), ("Upload-Offset" = Option<String>, Header), ("Upload-Checksum" = Option<String>, Header)),
    responses((status = 204, description = "New Upload-Offset"), Auth, TusErrors, TusDataErrors),
)]
pub async fn patch(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Response {
    respond(protocol::patch(&state, &headers, &id, None, body).await)
}

#[utoipa::path(
    patch,
    path = paths::TUS_PARTIAL,
    tag = openapi::TAG_TUS,
    summary = "tus data of a partial upload",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("partialId" = String, Path, description = "A partial upload's id (32 hex digits)"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0"), ("Upload-Offset" = Option<String>, Header), ("Upload-Checksum" = Option<String>, Header)),
    responses((status = 204, description = "New Upload-Offset"), Auth, TusErrors, TusDataErrors),
)]
pub async fn patch_partial(
    State(state): State<AppState>,
    Path((id, pid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(protocol::patch(&state, &headers, &id, Some(&pid), body).await)
}

#[utoipa::path(
    post,
    path = paths::TUS_UPLOAD,
    tag = openapi::TAG_TUS,
    summary = "tus creation (Upload-Length; Upload-Concat: partial or final; creation-with-upload)",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0"), ("Upload-Length" = Option<String>, Header), ("Upload-Concat" = Option<String>, Header), ("Upload-Metadata" = Option<String>, Header), ("X-HTTP-Method-Override" = Option<String>, Header)),
    responses((status = 201, description = "Created; root-relative Location, Upload-Expires"), (status = 200, description = "HEAD through X-HTTP-Method-Override"), (status = 204, description = "PATCH, DELETE or OPTIONS through X-HTTP-Method-Override"), Auth, TusErrors, TusDataErrors),
)]
pub async fn create(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Response {
    respond(match method_override(&headers) {
        Some(m) => overridden(&state, &headers, &id, m, body).await,
        None => tus::create(&state, &headers, &id, body).await,
    })
}

/// Serves a POST to an upload's URL as the method `X-HTTP-Method-Override` names (the partial URLs take no POST:
/// `paths::ROUTES`).
async fn overridden(state: &AppState, headers: &HeaderMap, raw_id: &str, method: Method, body: Body) -> TusResult {
    match method {
        Method::PATCH => protocol::patch(state, headers, raw_id, None, body).await,
        Method::HEAD => protocol::head(state, headers, raw_id, None),
        Method::DELETE => termination::terminate(state, headers, raw_id, None),
        Method::OPTIONS => protocol::options(state, headers),
        Method::POST => tus::create(state, headers, raw_id, body).await,
        _ => Err(TusFailure::NotTus),
    }
}

#[utoipa::path(
    delete,
    path = paths::TUS_UPLOAD,
    tag = openapi::TAG_TUS,
    summary = "tus termination (the transfer stays UploadStarted)",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0")),
    responses((status = 204, description = "Terminated"), Auth, TusErrors),
)]
pub async fn delete(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    respond(termination::terminate(&state, &headers, &id, None))
}

#[utoipa::path(
    delete,
    path = paths::TUS_PARTIAL,
    tag = openapi::TAG_TUS,
    summary = "tus termination of a partial upload",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("partialId" = String, Path, description = "A partial upload's id (32 hex digits)"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0")),
    responses((status = 204, description = "Terminated"), Auth, TusErrors),
)]
pub async fn delete_partial(
    State(state): State<AppState>,
    Path((id, pid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    respond(termination::terminate(&state, &headers, &id, Some(&pid)))
}

/// tusdotnet takes the method from `X-HTTP-Method-Override` when present (tus clients send PATCH and DELETE as
/// POST through proxies that drop them). axum routes by the real method, so POST handlers look at it.
pub fn method_override(headers: &HeaderMap) -> Option<Method> {
    header_str(headers, &HeaderName::from_static("x-http-method-override"))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| Method::from_bytes(v.to_ascii_uppercase().as_bytes()).ok())
}

// `TusPartialPathRewriteMiddleware`: `.../{fileTransferId}/{partialId}` is served as `.../partial/{partialId}`.
// Handlers of their own only because a handler declares one path.

#[utoipa::path(options, path = paths::TUS_PARTIAL_LEGACY, tag = openapi::TAG_TUS,
    summary = "Legacy partial URL (as /partial/)",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("partialId" = String, Path, description = "A partial upload's id (32 hex digits)"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0")),
    responses((status = 204, description = "Capabilities in headers"), Auth))]
pub async fn options_legacy(state: State<AppState>, ids: Path<(String, String)>, headers: HeaderMap) -> Response {
    options_partial(state, ids, headers).await
}

#[utoipa::path(head, path = paths::TUS_PARTIAL_LEGACY, tag = openapi::TAG_TUS,
    summary = "Legacy partial URL (as /partial/)",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("partialId" = String, Path, description = "A partial upload's id (32 hex digits)"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0")),
    responses((status = 200, description = "Upload-Offset, Upload-Length"), Auth, TusErrors))]
pub async fn head_legacy(state: State<AppState>, ids: Path<(String, String)>, headers: HeaderMap) -> Response {
    head_partial(state, ids, headers).await
}

#[utoipa::path(patch, path = paths::TUS_PARTIAL_LEGACY, tag = openapi::TAG_TUS,
    summary = "Legacy partial URL (as /partial/)",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("partialId" = String, Path, description = "A partial upload's id (32 hex digits)"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0")),
    responses((status = 204, description = "New Upload-Offset"), Auth, TusErrors, TusDataErrors))]
pub async fn patch_legacy(
    state: State<AppState>,
    ids: Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    patch_partial(state, ids, headers, body).await
}

#[utoipa::path(delete, path = paths::TUS_PARTIAL_LEGACY, tag = openapi::TAG_TUS,
    summary = "Legacy partial URL (as /partial/)",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"), ("partialId" = String, Path, description = "A partial upload's id (32 hex digits)"), ("Tus-Resumable" = Option<String>, Header, description = "1.0.0")),
    responses((status = 204, description = "Terminated"), Auth, TusErrors))]
pub async fn delete_legacy(state: State<AppState>, ids: Path<(String, String)>, headers: HeaderMap) -> Response {
    delete_partial(state, ids, headers).await
}
