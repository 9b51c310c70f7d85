//! `POST /broker/api/v1/filetransfer` (contract §1.2).

use altinn_broker_core::model::{InitializeRequest, InitializeResponse};
use altinn_broker_core::{paths, validate};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;

use crate::error::AppError;
use crate::extract::json_input::{self, BodyModel};
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
        // The service's handler throws on a null recipient (UseExceptionHandler's 500).
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
    let req = parse_body(&headers, &body)?;
    let id = create(&state, &caller, req)?;
    Ok(Json(InitializeResponse { file_transfer_id: id }))
}

/// `FileTransferInitalizeExt` as MVC names it in binding errors.
const INITIALIZE_EXT: BodyModel = BodyModel {
    parameter: "initializeExt",
    type_name: "Altinn.Broker.Models.FileTransferInitalizeExt",
    members: &[
        ("fileName", "System.String"),
        ("resourceId", "System.String"),
        ("sendersFileTransferReference", "System.String"),
        ("sender", "System.String"),
        ("recipients", "System.Collections.Generic.List`1[System.String]"),
        ("propertyList", "System.Collections.Generic.Dictionary`2[System.String,System.String]"),
        ("checksum", "System.String"),
        ("disableVirusScan", "System.Nullable`1[System.Boolean]"),
    ],
    required: &[],
};

/// Reads the body as the service binds it (JSON content type or 415, ASP.NET leniency, binding errors keyed by
/// JSON path), then runs the model validation.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<InitializeRequest, AppError> {
    let req: InitializeRequest = json_input::parse(headers, body, &INITIALIZE_EXT)?;
    let errors = validate::initialize(&req);
    if errors.is_empty() {
        Ok(req)
    } else {
        Err(AppError::Validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
        h
    }

    #[test]
    fn body_leniency_and_validation() {
        let ok = parse_body(
            &json(),
            br#"{"FileName":"a.txt","RESOURCEID":"altinn-broker-test-resource-1","sendersFileTransferReference":"r",
                "sender":"0192:991825827","recipients":["0192:986252932"],"disableVirusScan":"false"}"#,
        )
        .unwrap();
        assert_eq!(ok.file_name.as_deref(), Some("a.txt"));
        assert_eq!(ok.disable_virus_scan, Some(false));
        let Err(AppError::Validation(e)) = parse_body(&json(), br#"{"fileName":"a"}"#) else { panic!("validation") };
        assert!(e.contains_key("Sender") && e.contains_key("Recipients") && e.contains_key("ResourceId"));
        let Err(AppError::Validation(e)) = parse_body(&json(), b"{nope") else { panic!("validation") };
        assert!(e.contains_key("initializeExt") && e.contains_key("$"));
        let Err(AppError::Validation(e)) = parse_body(&json(), br#"{"recipients":"0192:986252932"}"#) else {
            panic!("validation")
        };
        assert!(e["$.recipients"][0].contains("System.Collections.Generic.List`1[System.String]"), "{e:?}");
        assert!(matches!(parse_body(&json(), b""), Err(AppError::Validation(_))));
        assert!(matches!(parse_body(&HeaderMap::new(), b"{}"), Err(AppError::Client(_))));
    }
}
