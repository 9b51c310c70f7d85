//! `POST .../{fileTransferId}/confirmdownload` (contract §1.9): 204 on success.

use altinn_broker_core::paths;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::parse_id;
use crate::error::AppError;
use crate::extract::AsRecipient;
use crate::routes::openapi::{self, Auth, NotAcceptable, ProblemDetails, ValidationProblemDetails};
use crate::service;
use crate::state::AppState;

#[utoipa::path(
    post,
    path = paths::CONFIRM_DOWNLOAD,
    tag = openapi::TAG_TRANSFER,
    summary = "Confirm the download",
    extensions(("x-altinn-policy" = json!("Recipient"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id")),
    responses(
        (status = 204, description = "Confirmed"),
        (status = 400, description = "A malformed id (validation), or BRO-00003/10/19", content(
            (ProblemDetails = "application/json"),
            (ValidationProblemDetails = "application/problem+json"),
        )),
        Auth,
        (status = 404, description = "BRO-00001", body = ProblemDetails, content_type = "application/json"),
        NotAcceptable,
    ),
)]
pub async fn confirm(
    AsRecipient(caller): AsRecipient,
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = parse_id(&raw_id)?;
    service::confirm::confirm(&state, &caller, id)?;
    Ok(StatusCode::NO_CONTENT)
}
