//! `POST /broker/api/v1/filetransfer/upload` (contract §1.4): initialize and upload in one multipart request.
//!
//! ASP.NET reads the whole form before the action runs, so the fields may come in any order and a form it cannot
//! read is refused before anything is created. The emulator does the same without holding the file in memory: the
//! `FileTransfer` part streams into a staged file while it is hashed; once every field is read, initialize runs on
//! the `Metadata.*` fields and the upload adopts the staged file by renaming it (no second copy).

use altinn_broker_core::model::InitializeResponse;
use altinn_broker_core::problem::ValidationErrors;
use altinn_broker_core::{paths, validate};
use axum::extract::multipart::Field;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::Json;

use super::{media_type, unsupported_media_type};
use crate::crash::{maybe_crash, CrashPoint};
use crate::error::AppError;
use crate::extract::initialize::MetadataForm;
use crate::extract::AsSender;
use crate::routes::openapi::{self, Auth, NotAcceptable, ProblemDetails, ValidationProblemDetails};
use crate::state::AppState;
use crate::store::blobs::{BlobStore, StagedBlob};

const FILE_FIELD: &str = "FileTransfer";

/// ASP.NET's form limits as this action has them. `[RequestFormLimits(MultipartBodyLengthLimit = int.MaxValue)]`
/// caps the body of each part (the file) at 2,147,483,647 bytes; the other `FormOptions` keep their defaults.
/// Going past one makes `ReadFormAsync` throw `InvalidDataException`, which MVC's form value provider turns into a
/// model error keyed `""`: the `[ApiController]` answer is 400 ValidationProblemDetails with
/// `"Failed to read the request form. <message>"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FormLimits {
    /// `MultipartBodyLengthLimit`: bytes of one part's body.
    pub part_body: u64,
    /// `ValueLengthLimit` (4 MiB): bytes of one non-file field.
    pub value_length: usize,
    /// `ValueCountLimit` (1024): number of non-file fields.
    pub value_count: usize,
}

impl FormLimits {
    pub const SERVICE: Self = Self { part_body: i32::MAX as u64, value_length: 4 * 1024 * 1024, value_count: 1024 };
}

/// The form as the service binds it (`FileTransferInitializeAndUploadExt`): PascalCase `Metadata.*` fields and the
/// file part. A schema only; the handler reads the parts as they stream.
#[derive(utoipa::ToSchema)]
#[schema(as = FileTransferInitializeAndUploadExt)]
#[allow(dead_code)]
struct Form {
    #[schema(rename = "Metadata.FileName")]
    file_name: String,
    #[schema(rename = "Metadata.ResourceId")]
    resource_id: String,
    #[schema(rename = "Metadata.SendersFileTransferReference")]
    senders_file_transfer_reference: Option<String>,
    #[schema(rename = "Metadata.Sender")]
    sender: String,
    #[schema(rename = "Metadata.Recipients")]
    recipients: Vec<String>,
    /// One field per property, `Metadata.PropertyList[key]`.
    #[schema(rename = "Metadata.PropertyList[key]")]
    property_list: Option<String>,
    #[schema(rename = "Metadata.Checksum")]
    checksum: Option<String>,
    #[schema(rename = "Metadata.DisableVirusScan")]
    disable_virus_scan: Option<bool>,
    #[schema(rename = "FileTransfer", value_type = String, format = Binary)]
    file_transfer: Vec<u8>,
}

#[utoipa::path(
    post,
    path = paths::FILE_TRANSFER_UPLOAD,
    tag = openapi::TAG_TRANSFER,
    summary = "Initialize and upload in one multipart request",
    extensions(("x-altinn-policy" = json!("Sender"))),
    request_body(content = Form, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Initialized and uploaded", body = InitializeResponse,
            content_type = "application/json"),
        (status = 400, description = "A form it cannot read, validation failure, or any initialize/upload error",
            content(
                (ProblemDetails = "application/json"),
                (ValidationProblemDetails = "application/problem+json"),
            )),
        Auth,
        NotAcceptable,
        (status = 415, description = "Content-Type other than multipart/form-data", body = ProblemDetails,
            content_type = "application/problem+json"),
        // BRO-00008 is a Broker problem (relabelled); a `Metadata.PropertyList[key]` without a value makes the
        // service's PropertyListAttribute throw (UseExceptionHandler's 500, see `extract::initialize`).
        (status = 500, description = "BRO-00008 the upload failed; or a property without a value (the service throws)",
            content(
                (ProblemDetails = "application/json"),
                (ProblemDetails = "application/problem+json"),
            )),
        (status = 503, description = "BRO-00021 storage provider not ready", body = ProblemDetails,
            content_type = "application/json"),
    ),
)]
pub async fn initialize_and_upload(
    AsSender(caller): AsSender,
    State(state): State<AppState>,
    req: Request,
) -> Result<Json<InitializeResponse>, AppError> {
    if media_type(req.headers()).as_deref() != Some("multipart/form-data") {
        return Err(unsupported_media_type());
    }
    let form = Multipart::from_request(req, &state).await.map_err(|e| unreadable_form(&e.body_text()))?;
    let (meta, file) = read_form(state.store.blobs(), form, FormLimits::SERVICE, state.settings.crash_at).await?;
    // MVC's form binding and model validation (extract::initialize), then the missing file; only a valid model
    // reaches the handler.
    let (init, file) = match (meta.validate(), file) {
        (Ok(bound), Some(file)) => (crate::extract::initialize::request(bound)?, file),
        (result, file) => {
            let mut errors = match result {
                Ok(_) => ValidationErrors::new(),
                Err(AppError::Validation(e)) => e,
                Err(other) => return Err(other),
            };
            if file.is_none() {
                errors.insert(FILE_FIELD.into(), vec![validate::required_message(FILE_FIELD)]);
            }
            return Err(AppError::Validation(errors));
        }
    };
    let id = crate::service::initialize::create(&state, &caller, init)?;
    crate::service::upload::receive_staged(&state, &caller, id, file)?;
    Ok(Json(InitializeResponse { file_transfer_id: id }))
}

/// The 400 of a form ASP.NET could not read.
fn unreadable_form(why: &str) -> AppError {
    AppError::validation("", format!("Failed to read the request form. {why}"))
}

/// Reads the whole form: the `Metadata.*` values, and the first `FileTransfer` file part staged on disk. Other file
/// parts are read and dropped (the service buffers and ignores them); every part is held to `limits`.
async fn read_form(
    blobs: &BlobStore,
    mut form: Multipart,
    limits: FormLimits,
    crash_at: Option<CrashPoint>,
) -> Result<(MetadataForm, Option<StagedBlob>), AppError> {
    let mut meta = MetadataForm::default();
    let mut file = None;
    let mut values = 0;
    while let Some(mut field) = form.next_field().await.map_err(|e| unreadable_form(&e.body_text()))? {
        let name = field.name().unwrap_or_default().to_owned();
        // `IsFileDisposition`: a part is a file only when it names a non-empty file name; `filename=""` (an empty
        // file input in a browser form) is bound as a value.
        if field.file_name().is_some_and(|f| !f.is_empty()) {
            let keep = file.is_none() && name.eq_ignore_ascii_case(FILE_FIELD);
            let mut writer = if keep { Some(blobs.stage().await?) } else { None };
            let mut size = 0u64;
            while let Some(chunk) = next_chunk(&mut field).await? {
                size += chunk.len() as u64;
                if size > limits.part_body {
                    return Err(unreadable_form(&format!(
                        "Multipart body length limit {} exceeded.",
                        limits.part_body
                    )));
                }
                if let Some(w) = writer.as_mut() {
                    w.write(chunk).await?;
                    maybe_crash(crash_at, CrashPoint::UploadMidBody);
                }
            }
            if let Some(w) = writer {
                file = Some(w.seal().await?);
            }
            continue;
        }
        values += 1;
        if values > limits.value_count {
            return Err(unreadable_form(&format!("Form value count limit {} exceeded.", limits.value_count)));
        }
        let mut value = Vec::new();
        while let Some(chunk) = next_chunk(&mut field).await? {
            if value.len() + chunk.len() > limits.value_length {
                return Err(unreadable_form(&format!("Form value length limit {} exceeded.", limits.value_length)));
            }
            value.extend_from_slice(&chunk);
        }
        meta.add(&name, String::from_utf8_lossy(&value).into_owned());
    }
    Ok((meta, file))
}

async fn next_chunk(field: &mut Field<'_>) -> Result<Option<axum::body::Bytes>, AppError> {
    field.chunk().await.map_err(|e| unreadable_form(&e.body_text()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    const BOUNDARY: &str = "b0undary";

    fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Request {
        let mut body = Vec::new();
        for (name, file_name, content) in parts {
            let file = file_name.map(|f| format!("; filename=\"{f}\"")).unwrap_or_default();
            body.extend(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n").bytes(),
            );
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend(format!("--{BOUNDARY}--\r\n").bytes());
        Request::post("/")
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(body))
            .unwrap()
    }

    async fn read(req: Request, limits: FormLimits) -> (Result<(MetadataForm, Option<StagedBlob>), AppError>, usize) {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let multipart = Multipart::from_request(req, &()).await.unwrap();
        let result = read_form(&blobs, multipart, limits, None).await;
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        (result, files)
    }

    fn form_error(result: Result<(MetadataForm, Option<StagedBlob>), AppError>) -> String {
        match result {
            Err(AppError::Validation(e)) => e[""][0].clone(),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("the form was read"),
        }
    }

    #[tokio::test]
    async fn fields_after_the_file_count_and_the_file_is_staged() {
        let req = form(&[
            ("Other", Some("x.bin"), b"ignored file"),
            ("FileTransfer", Some("a.txt"), b"hello world"),
            ("Metadata.FileName", None, b"a.txt"),
            ("FileTransfer", Some("second.txt"), b"ignored too"),
        ]);
        let (result, files) = read(req, FormLimits::SERVICE).await;
        let (meta, file) = result.unwrap();
        assert_eq!(meta.file_name(), Some("a.txt"));
        let file = file.unwrap();
        assert_eq!((file.size, file.md5.as_str()), (11, "5eb63bbbe01eeed093cb22bb8f5acdc3"));
        assert_eq!(files, 1, "only the first FileTransfer part is kept");

        let (result, files) = read(form(&[("FileTransfer", Some(""), b"")]), FormLimits::SERVICE).await;
        assert!(result.unwrap().1.is_none(), "an empty file name makes the part a value, not a file");
        assert_eq!(files, 0);
    }

    #[tokio::test]
    async fn form_limits_are_asp_net_s() {
        let small = FormLimits { part_body: 10, value_length: 4, value_count: 2 };
        let (result, files) = read(form(&[("FileTransfer", Some("a"), b"0123456789")]), small).await;
        assert!(result.unwrap().1.is_some(), "exactly at the limit is fine");
        assert_eq!(files, 1);
        let (result, files) = read(form(&[("FileTransfer", Some("a"), b"0123456789X")]), small).await;
        assert_eq!(form_error(result), "Failed to read the request form. Multipart body length limit 10 exceeded.");
        assert_eq!(files, 0, "the staged part is removed");
        let (result, _) = read(form(&[("Other", Some("a"), b"0123456789X")]), small).await;
        assert!(form_error(result).contains("Multipart body length limit 10 exceeded."), "every part is capped");
        let (result, _) = read(form(&[("Metadata.FileName", None, b"12345")]), small).await;
        assert_eq!(form_error(result), "Failed to read the request form. Form value length limit 4 exceeded.");
        let (result, _) = read(form(&[("a", None, b"1"), ("b", None, b"2"), ("c", None, b"3")]), small).await;
        assert_eq!(form_error(result), "Failed to read the request form. Form value count limit 2 exceeded.");
        assert_eq!(FormLimits::SERVICE.part_body, 2_147_483_647);
    }
}
