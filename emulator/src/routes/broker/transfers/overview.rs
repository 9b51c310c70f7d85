//! `GET .../{fileTransferId}` and `GET .../{fileTransferId}/details` (contract §1.5, §1.6).

use altinn_broker_core::model::{
    FileTransferDetails, FileTransferOverview, FileTransferStatusEvent, FileTransferSummary, RecipientFileStatus,
    RecipientStatusEvent,
};
use altinn_broker_core::paths;
use axum::extract::{Path, State};
use axum::Json;
use rusqlite::Connection;

use super::parse_id;
use crate::auth::{pdp, Caller};
use crate::error::AppError;
use crate::extract::AsSenderOrRecipient;
use crate::routes::openapi::{self, Auth, NotAcceptable, ProblemDetails, ValidationProblemDetails};
use crate::service::lookup::{load, recipient_orgs, resource_of};
use crate::state::AppState;
use crate::store::transfers::{self, Transfer};

#[utoipa::path(
    get,
    path = paths::OVERVIEW,
    tag = openapi::TAG_TRANSFER,
    summary = "File transfer overview",
    extensions(("x-altinn-policy" = json!("SenderOrRecipient"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id")),
    responses(
        (status = 200, description = "OK", body = FileTransferOverview, content_type = "application/json"),
        (status = 400, description = "A malformed id (validation)", content(
            (ProblemDetails = "application/json"),
            (ValidationProblemDetails = "application/problem+json"),
        )),
        Auth,
        (status = 404, description = "BRO-00001", body = ProblemDetails, content_type = "application/json"),
        NotAcceptable,
    ),
)]
pub async fn overview(
    AsSenderOrRecipient(caller): AsSenderOrRecipient,
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<Json<FileTransferOverview>, AppError> {
    let id = parse_id(&raw_id)?;
    let conn = state.store.conn()?;
    let t = visible(&state, &conn, &caller, id)?;
    let summary = summary(&conn, &t)?;
    Ok(Json(FileTransferOverview { summary, published: transfers::published_at(&conn, id)? }))
}

#[utoipa::path(
    get,
    path = paths::DETAILS,
    tag = openapi::TAG_TRANSFER,
    summary = "File transfer details with status histories",
    extensions(("x-altinn-policy" = json!("SenderOrRecipient"))),
    params(("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id")),
    responses(
        (status = 200, description = "OK", body = FileTransferDetails, content_type = "application/json"),
        (status = 400, description = "A malformed id (validation)", content(
            (ProblemDetails = "application/json"),
            (ValidationProblemDetails = "application/problem+json"),
        )),
        Auth,
        (status = 404, description = "BRO-00001", body = ProblemDetails, content_type = "application/json"),
        NotAcceptable,
    ),
)]
pub async fn details(
    AsSenderOrRecipient(caller): AsSenderOrRecipient,
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<Json<FileTransferDetails>, AppError> {
    let id = parse_id(&raw_id)?;
    let conn = state.store.conn()?;
    let t = visible(&state, &conn, &caller, id)?;
    let summary = summary(&conn, &t)?;
    let file_transfer_status_history = transfers::status_history(&conn, id)?
        .into_iter()
        .map(|s| FileTransferStatusEvent {
            file_transfer_status: s.status,
            file_transfer_status_text: s.text(),
            file_transfer_status_changed: s.at,
        })
        .collect();
    let recipient_file_transfer_status_history = transfers::recipient_history(&conn, id)?
        .into_iter()
        .map(|r| RecipientStatusEvent {
            recipient: r.actor,
            recipient_file_transfer_status_code: r.status,
            recipient_file_transfer_status_text: r.status.default_text().to_owned(),
            recipient_file_transfer_status_changed: r.at,
        })
        .collect();
    Ok(Json(FileTransferDetails { summary, file_transfer_status_history, recipient_file_transfer_status_history }))
}

/// The transfer if it exists (404/1) and the caller may see it as sender or recipient (401/6).
fn visible(
    state: &AppState,
    conn: &Connection,
    caller: &Caller,
    id: altinn_broker_core::FileTransferId,
) -> Result<Transfer, AppError> {
    let t = load(conn, id)?;
    let resource = resource_of(conn, &t)?;
    pdp::check_view(&state.world, resource.as_ref(), caller, &t.sender, &recipient_orgs(conn, id)?)?;
    Ok(t)
}

fn summary(conn: &Connection, t: &Transfer) -> Result<FileTransferSummary, AppError> {
    let status = transfers::current_status(conn, t.id)?;
    let recipients = transfers::recipients_current(conn, t.id)?
        .into_iter()
        .map(|r| RecipientFileStatus {
            recipient: r.actor,
            current_recipient_file_transfer_status_code: r.status,
            current_recipient_file_transfer_status_text: r.status.default_text().to_owned(),
            current_recipient_file_transfer_status_changed: r.at,
        })
        .collect();
    Ok(FileTransferSummary {
        file_transfer_id: t.id,
        resource_id: t.resource_id.clone(),
        file_name: t.file_name.clone(),
        senders_file_transfer_reference: t.senders_reference.clone(),
        checksum: t.checksum.clone(),
        use_virus_scan: t.use_virus_scan,
        file_transfer_size: t.size,
        file_transfer_status: status.status,
        file_transfer_status_text: status.text(),
        file_transfer_status_changed: status.at,
        created: t.created,
        expiration_time: t.expiration,
        sender: t.sender.clone(),
        recipients,
        property_list: t.property_list.clone(),
    })
}
