//! `POST /broker/api/v1/filetransfer/upload` (contract §1.4): initialize and upload in one multipart request.
//!
//! The form is read as a stream, never buffered: the `Metadata.*` fields are collected until the `FileTransfer`
//! part begins; then initialize runs on them and the part streams straight into the upload path. (ASP.NET buffers
//! the whole form first, so it also sees metadata fields sent after the file; the emulator ignores those.)

use std::collections::BTreeMap;

use altinn_broker_core::model::{InitializeRequest, InitializeResponse};
use altinn_broker_core::problem::ValidationErrors;
use altinn_broker_core::validate;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::Json;

use super::{media_type, unsupported_media_type};
use crate::auth::AsSender;
use crate::error::AppError;
use crate::state::AppState;

const FILE_FIELD: &str = "FileTransfer";
const PREFIX: &str = "Metadata.";

pub async fn initialize_and_upload(
    AsSender(caller): AsSender,
    State(state): State<AppState>,
    req: Request,
) -> Result<Json<InitializeResponse>, AppError> {
    if media_type(req.headers()).as_deref() != Some("multipart/form-data") {
        return Err(unsupported_media_type());
    }
    let mut form = Multipart::from_request(req, &state)
        .await
        .map_err(|e| AppError::validation("", format!("Failed to read the request form. {}", e.body_text())))?;
    let mut meta = Metadata::default();
    loop {
        let field = form
            .next_field()
            .await
            .map_err(|e| AppError::validation("", format!("Failed to read the request form. {}", e.body_text())))?;
        let Some(field) = field else { break };
        let name = field.name().unwrap_or_default().to_owned();
        if name.eq_ignore_ascii_case(FILE_FIELD) && field.file_name().is_some() {
            let init = meta.into_request()?;
            let id = super::initialize::create(&state, &caller, init)?;
            super::upload::receive(&state, &caller, id, None, field).await?;
            return Ok(Json(InitializeResponse { file_transfer_id: id }));
        }
        let value = field
            .text()
            .await
            .map_err(|e| AppError::validation(&name, format!("Failed to read the form field. {}", e.body_text())))?;
        meta.add(&name, value);
    }
    // No file part: initialize's own validation first, then the missing file.
    let mut errors = match meta.into_request() {
        Ok(_) => ValidationErrors::new(),
        Err(AppError::Validation(e)) => e,
        Err(other) => return Err(other),
    };
    errors.insert(FILE_FIELD.into(), vec![validate::required_message(FILE_FIELD)]);
    Err(AppError::Validation(errors))
}

/// The `Metadata.*` form fields, bound as ASP.NET binds them (names case-insensitive, repeated `Recipients`,
/// `Recipients[i]`, `PropertyList[key]`).
#[derive(Debug, Default)]
struct Metadata {
    req: InitializeRequest,
    bad_values: ValidationErrors,
}

impl Metadata {
    fn add(&mut self, name: &str, value: String) {
        let Some(member) =
            name.get(..PREFIX.len()).filter(|p| p.eq_ignore_ascii_case(PREFIX)).map(|_| &name[PREFIX.len()..])
        else {
            return;
        };
        let lower = member.to_ascii_lowercase();
        let req = &mut self.req;
        match lower.as_str() {
            "filename" => req.file_name = Some(value),
            "resourceid" => req.resource_id = Some(value),
            "sendersfiletransferreference" => req.senders_file_transfer_reference = Some(value),
            "sender" => req.sender = Some(value),
            "checksum" => req.checksum = Some(value),
            "disablevirusscan" => match value.trim().to_ascii_lowercase().as_str() {
                "true" => req.disable_virus_scan = Some(true),
                "false" => req.disable_virus_scan = Some(false),
                "" => {}
                _ => {
                    self.bad_values
                        .entry(format!("{PREFIX}DisableVirusScan"))
                        .or_default()
                        .push(format!("The value '{value}' is not valid for DisableVirusScan."));
                }
            },
            l if l == "recipients" || l.starts_with("recipients[") => {
                req.recipients.get_or_insert_with(Vec::new).push(value);
            }
            l if l.starts_with("propertylist[") && l.ends_with(']') => {
                let key = &member["propertylist[".len()..member.len() - 1];
                req.property_list.get_or_insert_with(BTreeMap::new).insert(key.to_owned(), value);
            }
            _ => {}
        }
    }

    /// Runs initialize's model validation, keyed as form binding keys it (`Metadata.FileName`).
    fn into_request(self) -> Result<InitializeRequest, AppError> {
        let mut errors = self.bad_values;
        for (k, v) in validate::initialize(&self.req) {
            errors.entry(format!("{PREFIX}{k}")).or_default().extend(v);
        }
        if errors.is_empty() {
            Ok(self.req)
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_form_fields() {
        let mut m = Metadata::default();
        for (k, v) in [
            ("metadata.filename", "a.txt"),
            ("Metadata.ResourceId", "altinn-broker-test-resource-1"),
            ("Metadata.SendersFileTransferReference", "r"),
            ("Metadata.Sender", "0192:991825827"),
            ("Metadata.Recipients", "0192:986252932"),
            ("Metadata.Recipients[1]", "0192:312195771"),
            ("Metadata.PropertyList[Case]", "1"),
            ("Metadata.DisableVirusScan", "False"),
            ("Other", "ignored"),
        ] {
            m.add(k, v.to_owned());
        }
        let req = m.into_request().unwrap();
        assert_eq!(req.recipients.unwrap().len(), 2);
        assert_eq!(req.property_list.unwrap()["Case"], "1");
        assert_eq!(req.disable_virus_scan, Some(false));

        let mut bad = Metadata::default();
        bad.add("Metadata.DisableVirusScan", "maybe".into());
        let Err(AppError::Validation(e)) = bad.into_request() else { panic!("expected validation") };
        assert!(e.contains_key("Metadata.DisableVirusScan"));
        assert!(e.contains_key("Metadata.FileName"));
    }
}
