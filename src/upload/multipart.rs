//! Initialize and upload in one `multipart/form-data` request (contract §1.4). The form carries the metadata as
//! `Metadata.*` fields and the file as the `FileTransfer` part; the runtime streams a Blob part from disk.
//! The service caps the whole body at about 2 GiB.

use altinn_broker_core::binding::BoundInitialize;
use altinn_broker_core::model::{InitializeRequest, InitializeResponse};
use altinn_broker_core::paths;
use altinn_broker_core::validate::{self, InitializeRejection};
use altinn_broker_core::FileTransferId;
use js_sys::Array;

use crate::api::transfers::{normalized, UNHANDLED_PREFIX};
use crate::client::Client;
use crate::error::Error;
use crate::http::body::Body;
use crate::http::guard::CallGuard;
use crate::http::retry::Replay;
use crate::http::transport::{read_json, Request};
use crate::upload::source::Source;

/// The multipart body cap (`int.MaxValue`).
pub const MULTIPART_LIMIT: f64 = 2_147_483_647.0;

/// The `Metadata.*` form fields, in the service's (C#) names.
pub fn form_fields(meta: &InitializeRequest) -> Vec<(String, String)> {
    let mut f = Vec::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            f.push((format!("Metadata.{k}"), v.clone()));
        }
    };
    put("FileName", &meta.file_name);
    put("ResourceId", &meta.resource_id);
    put("SendersFileTransferReference", &meta.senders_file_transfer_reference);
    put("Sender", &meta.sender);
    // Left out when empty (the model's default, which the JSON binding fills in): an empty form field would bind
    // `null` instead (MVC's ConvertEmptyStringToNull).
    put("Checksum", &meta.checksum.clone().filter(|c| !c.is_empty()));
    put("DisableVirusScan", &meta.disable_virus_scan.map(|b| b.to_string()));
    for r in meta.recipients.iter().flatten() {
        f.push(("Metadata.Recipients".into(), r.clone()));
    }
    for (k, v) in meta.property_list.iter().flatten() {
        f.push((format!("Metadata.PropertyList[{k}]"), v.clone()));
    }
    f
}

/// A name or value as the multipart/form-data encoding writes it (HTML's "multipart/form-data encoding
/// algorithm", which `fetch` runs on a `FormData`): every lone LF or CR becomes CRLF, which the service then reads.
fn crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                out.push_str("\r\n");
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

/// The service's verdict on the form [`form_fields`] writes (line breaks as the encoding writes them), as MVC's `[FromForm]` binds it (the emulator's
/// `extract::initialize` implements the same): the form's first value of a field, an empty or white-space value
/// bound as `null` (`ConvertEmptyStringToNull`), an absent field keeping the model's default
/// (`FileTransferInitializeExt.cs`), no `Metadata.*` field at all a `null` model; then core's model validation,
/// keyed by the form's names (`Metadata.FileName`: the `Metadata` member of `FileTransferInitializeAndUploadExt`).
/// A `null` recipient or property value is the service's own 500, refused like the JSON `null`s.
pub fn form_verdict(fields: &[(String, String)]) -> Result<(), Error> {
    if fields.is_empty() {
        let errors = [("Metadata".to_owned(), vec![validate::required_message("Metadata")])].into();
        return Err(Error::Validation(errors));
    }
    let value = |v: &str| (!v.trim().is_empty()).then(|| crlf(v));
    let mut m = BoundInitialize::default();
    let mut recipients = Vec::new();
    let mut properties = Vec::new();
    for (k, v) in fields {
        let k = crlf(k);
        let member = k.strip_prefix("Metadata.").unwrap_or(&k);
        match member {
            "FileName" => m.file_name = value(v),
            "ResourceId" => m.resource_id = value(v),
            "SendersFileTransferReference" => m.senders_file_transfer_reference = value(v),
            "Sender" => m.sender = value(v),
            "Checksum" => m.checksum = value(v),
            // Written by the client from a bool: always "true" or "false".
            "DisableVirusScan" => m.disable_virus_scan = Some(v == "true"),
            "Recipients" => recipients.push(value(v)),
            _ => {
                if let Some(key) = member.strip_prefix("PropertyList[").and_then(|r| r.strip_suffix(']')) {
                    properties.push((key.to_owned(), value(v)));
                }
            }
        }
    }
    if !recipients.is_empty() {
        m.recipients = Some(recipients);
    }
    if !properties.is_empty() {
        m.property_list = Some(properties);
    }
    let unhandled = |why: &str| Error::client(format!("{UNHANDLED_PREFIX}: {why}"));
    let errors = validate::initialize_bound(&m).map_err(|e| match e {
        InitializeRejection::Unhandled(why) => unhandled(why),
        InitializeRejection::Invalid(errors) => Error::Validation(errors),
    })?;
    if !errors.is_empty() {
        return Err(Error::Validation(errors.into_iter().map(|(k, v)| (format!("Metadata.{k}"), v)).collect()));
    }
    validate::bound_to_request(m).map(|_| ()).map_err(|e| match e {
        InitializeRejection::Unhandled(why) => unhandled(why),
        InitializeRejection::Invalid(errors) => Error::Validation(errors),
    })
}

impl Client {
    /// Creates the transfer and uploads the file in one request. Not retried: it creates a transfer.
    pub async fn initialize_and_upload(
        &self,
        source: &Source,
        meta: InitializeRequest,
        guard: &CallGuard,
    ) -> Result<FileTransferId, Error> {
        let meta = normalized(meta);
        let fields = form_fields(&meta);
        form_verdict(&fields)?;
        let blob = match source {
            Source::Blob(b) => b.clone(),
            Source::Bytes(b) => web_sys::Blob::new_with_u8_array_sequence(&Array::of1(b))
                .map_err(|e| Error::client_caused("cannot wrap the bytes in a Blob", e))?,
            Source::Stream { .. } => {
                return Err(Error::Unsupported(
                    "a multipart upload needs a Blob or bytes; upload a stream with initialize + upload".into(),
                ))
            }
        };
        if blob.size() > MULTIPART_LIMIT {
            return Err(Error::client("the service caps a multipart upload at 2 GiB; use initialize + upload"));
        }
        let form = web_sys::FormData::new().map_err(|e| Error::client_caused("FormData is missing", e))?;
        for (k, v) in fields {
            form.append_with_str(&k, &v).map_err(|e| Error::client_caused("cannot build the form", e))?;
        }
        let name = meta.file_name.clone().unwrap_or_default();
        form.append_with_blob_and_filename("FileTransfer", &blob, &name)
            .map_err(|e| Error::client_caused("cannot build the form", e))?;
        let mut req = Request::new("POST", paths::FILE_TRANSFER_UPLOAD, Replay::Never);
        req.body = Body::Form(form);
        let resp = self.transport.send(&req, guard).await?;
        let out: InitializeResponse = read_json(resp, guard).await?;
        Ok(out.file_transfer_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        let meta = InitializeRequest {
            file_name: Some("a.txt".into()),
            recipients: Some(vec!["0192:1".into(), "0192:2".into()]),
            property_list: Some([("k".to_string(), "v".to_string())].into()),
            disable_virus_scan: Some(false),
            ..Default::default()
        };
        let f = form_fields(&meta);
        assert!(f.contains(&("Metadata.FileName".into(), "a.txt".into())));
        assert_eq!(f.iter().filter(|(k, _)| k == "Metadata.Recipients").count(), 2);
        assert!(f.contains(&("Metadata.PropertyList[k]".into(), "v".into())));
        assert!(f.contains(&("Metadata.DisableVirusScan".into(), "false".into())));
    }

    #[test]
    fn the_forms_own_verdicts() {
        let valid = InitializeRequest {
            file_name: Some("a.txt".into()),
            resource_id: Some("altinn-broker-test-resource-1".into()),
            senders_file_transfer_reference: Some("r".into()),
            sender: Some("0192:991825827".into()),
            recipients: Some(vec!["0192:986252932".into()]),
            checksum: Some(String::new()),
            ..Default::default()
        };
        assert!(form_verdict(&form_fields(&valid)).is_ok());
        // An empty string is sent, and binds null: only required (JSON would add the length rule).
        let empty = InitializeRequest { file_name: Some(String::new()), ..valid.clone() };
        match form_verdict(&form_fields(&empty)) {
            Err(Error::Validation(e)) => {
                assert_eq!(e.keys().collect::<Vec<_>>(), ["Metadata.FileName"]);
                assert_eq!(e["Metadata.FileName"], ["The FileName field is required."]);
            }
            other => panic!("{other:?}"),
        }
        // An empty recipient or property value binds null: the service throws.
        let blank = InitializeRequest { recipients: Some(vec![String::new()]), ..valid.clone() };
        assert!(matches!(form_verdict(&form_fields(&blank)), Err(Error::Client { .. })));
        let value = InitializeRequest { property_list: Some([("k".into(), " ".into())].into()), ..valid.clone() };
        assert!(matches!(form_verdict(&form_fields(&value)), Err(Error::Client { .. })));
        assert!(matches!(form_verdict(&[]), Err(Error::Validation(e)) if e.contains_key("Metadata")));
        // 31 characters and a LF is 33 on the wire.
        let checksum = InitializeRequest { checksum: Some(format!("{}\n", "a".repeat(31))), ..valid.clone() };
        assert!(
            matches!(form_verdict(&form_fields(&checksum)), Err(Error::Validation(e)) if e.contains_key("Metadata.Checksum"))
        );
        assert_eq!(crlf("a\nb\r\nc\rd"), "a\r\nb\r\nc\r\nd");
    }
}
