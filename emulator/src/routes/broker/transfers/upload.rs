//! `POST /broker/api/v1/filetransfer/{fileTransferId}/upload` (contract §1.3): the body streamed into
//! [`crate::service::upload`].

use altinn_broker_core::model::InitializeResponse;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::Json;

use super::{media_type, parse_id, unsupported_media_type};
use crate::error::AppError;
use crate::extract::AsSender;
use crate::service::upload::receive;
use crate::state::AppState;

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
