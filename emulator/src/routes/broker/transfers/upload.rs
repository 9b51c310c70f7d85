//! `POST /broker/api/v1/filetransfer/{fileTransferId}/upload` (contract §1.3): the body streamed into
//! [`crate::service::upload`].

use altinn_broker_core::model::InitializeResponse;
use altinn_broker_core::paths;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::Json;

use super::{media_type, parse_id, unsupported_media_type};
use crate::error::AppError;
use crate::extract::AsSender;
use crate::routes::openapi::{self, Auth, Binary, NotAcceptable, ProblemDetails, ValidationProblemDetails};
use crate::service::upload::receive;
use crate::state::AppState;

#[utoipa::path(
    post,
    path = paths::UPLOAD,
    tag = openapi::TAG_TRANSFER,
    summary = "Upload the file (streamed body)",
    extensions(("x-altinn-policy" = json!("Sender"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id")),
    request_body(content = Binary, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "Uploaded", body = InitializeResponse, content_type = "application/json"),
        (status = 400, description = "A malformed id (validation), or BRO-00002/09/16", content(
            (ProblemDetails = "application/json"),
            (ValidationProblemDetails = "application/problem+json"),
        )),
        Auth,
        (status = 404, description = "BRO-00001", body = ProblemDetails, content_type = "application/json"),
        NotAcceptable,
        (status = 409, description = "BRO-00004", body = ProblemDetails, content_type = "application/json"),
        (status = 415, description = "Content-Type other than application/octet-stream", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 500, description = "BRO-00008 the upload failed", body = ProblemDetails, content_type = "application/json"),
        (status = 503, description = "BRO-00021 storage provider not ready", body = ProblemDetails, content_type = "application/json"),
    ),
)]
pub async fn upload(
    AsSender(caller): AsSender,
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<InitializeResponse>, AppError> {
    // `[Consumes("application/octet-stream")]`: another type is refused, a missing one let through.
    if media_type(&headers).is_some_and(|m| m != "application/octet-stream") {
        return Err(unsupported_media_type());
    }
    let id = parse_id(&raw_id)?;
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    receive(&state, &caller, id, length, body.into_data_stream()).await?;
    Ok(Json(InitializeResponse { file_transfer_id: id }))
}
