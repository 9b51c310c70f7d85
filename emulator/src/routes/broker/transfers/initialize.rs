//! `POST /broker/api/v1/filetransfer` (contract §1.2).

use altinn_broker_core::model::{InitializeRequest, InitializeResponse};
use altinn_broker_core::paths;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;

use crate::error::AppError;
use crate::extract::initialize::json_body;
use crate::extract::AsSender;
use crate::routes::openapi::{self, Auth, NotAcceptable, ProblemDetails, ValidationProblemDetails};
use crate::service::initialize::create;
use crate::state::AppState;

#[utoipa::path(
    post,
    path = paths::FILE_TRANSFER,
    tag = openapi::TAG_TRANSFER,
    summary = "Initialize a file transfer",
    extensions(("x-altinn-policy" = json!("Sender"))),
    request_body(content = InitializeRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Initialized", body = InitializeResponse, content_type = "application/json"),
        (status = 400, description = "Validation failure, or BRO-00002/20/25/26/27/28", content(
            (ProblemDetails = "application/json"),
            (ValidationProblemDetails = "application/problem+json"),
        )),
        Auth,
        NotAcceptable,
        (status = 415, description = "No or another Content-Type than application/json", body = ProblemDetails,
            content_type = "application/problem+json"),
        // `extract::initialize`: the service's handler throws on a null recipient (UseExceptionHandler's 500).
        (status = 500, description = "A null recipient: the service's handler throws", body = ProblemDetails,
            content_type = "application/problem+json"),
        (status = 503, description = "BRO-00021 storage provider not ready", body = ProblemDetails,
            content_type = "application/json"),
    ),
)]
pub async fn initialize(
    AsSender(caller): AsSender,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<InitializeResponse>, AppError> {
    // System.Text.Json binding and the model validation: core's verdict, as the client's (extract::initialize).
    let req = json_body(&headers, &body)?;
    let id = create(&state, &caller, req)?;
    Ok(Json(InitializeResponse { file_transfer_id: id }))
}
