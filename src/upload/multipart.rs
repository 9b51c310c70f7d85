//! Initialize and upload in one `multipart/form-data` request (contract §1.4). The form carries the metadata as
//! `Metadata.*` fields and the file as the `FileTransfer` part; the runtime streams a Blob part from disk.
//! The service caps the whole body at about 2 GiB.

use altinn_broker_core::model::{InitializeRequest, InitializeResponse};
use altinn_broker_core::paths;
use altinn_broker_core::FileTransferId;
use js_sys::Array;

use crate::api::transfers::prepare_initialize;
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

impl Client {
    /// Creates the transfer and uploads the file in one request. Not retried: it creates a transfer.
    pub async fn initialize_and_upload(
        &self,
        source: &Source,
        meta: InitializeRequest,
        guard: &CallGuard,
    ) -> Result<FileTransferId, Error> {
        let meta = prepare_initialize(meta)?;
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
        for (k, v) in form_fields(&meta) {
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
}
