//! `POST .../{fileTransferId}/confirmdownload` (contract §1.9): 204 on success.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::parse_id;
use crate::error::AppError;
use crate::extract::AsRecipient;
use crate::service;
use crate::state::AppState;

pub async fn confirm(
    AsRecipient(caller): AsRecipient,
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = parse_id(&raw_id)?;
    service::confirm::confirm(&state, &caller, id)?;
    Ok(StatusCode::NO_CONTENT)
}
