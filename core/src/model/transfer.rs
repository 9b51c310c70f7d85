//! File transfer bodies: initialize (§1.2), overview (§1.5), details (§1.6).

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::ids::FileTransferId;
use crate::status::{FileTransferStatus, RecipientStatus};
use crate::timestamp::serde_rfc3339;

/// The initialize body (`FileTransferInitalizeExt`). Every field is optional here so that a missing one reaches
/// [`crate::validate`] and gets the service's message rather than a parse error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = FileTransferInitalizeExt))]
#[serde(rename_all = "camelCase")]
pub struct InitializeRequest {
    #[cfg_attr(feature = "openapi", schema(required, nullable = false, min_length = 1, max_length = 255))]
    pub file_name: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(
            required,
            nullable = false,
            min_length = 1,
            max_length = 255,
            pattern = "^(?:urn:altinn:resource:)?[^:]{1,255}$"
        )
    )]
    pub resource_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required, nullable = false, min_length = 1, max_length = 4096))]
    pub senders_file_transfer_reference: Option<String>,
    /// `0192:` and 9 digits, or `urn:altinn:organization:identifier-no:` and 9 digits; the caller's org.
    #[cfg_attr(
        feature = "openapi",
        schema(
            required,
            nullable = false,
            pattern = "^(?:\\d{4}:\\d{9}|urn:altinn:organization:identifier-no:\\d{9})$"
        )
    )]
    pub sender: Option<String>,
    /// At least one, each in the form of `sender`.
    #[cfg_attr(feature = "openapi", schema(required, nullable = false, min_items = 1))]
    pub recipients: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_list: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Lower-case MD5 hex.
    #[cfg_attr(feature = "openapi", schema(min_length = 32, max_length = 32))]
    pub checksum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::lenient::opt_bool")]
    pub disable_virus_scan: Option<bool>,
}

impl InitializeRequest {
    /// The JSON member names, for [`super::lenient::canonicalize_keys`].
    pub const FIELDS: &'static [&'static str] = &[
        "fileName",
        "resourceId",
        "sendersFileTransferReference",
        "sender",
        "recipients",
        "propertyList",
        "checksum",
        "disableVirusScan",
    ];
}

/// `{"fileTransferId": "..."}`, the answer of initialize and of both uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = FileTransferInitializeResponseExt))]
#[serde(rename_all = "camelCase")]
pub struct InitializeResponse {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub file_transfer_id: FileTransferId,
}

/// One recipient's current status in an overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RecipientFileTransferStatusDetailsExt))]
#[serde(rename_all = "camelCase")]
pub struct RecipientFileStatus {
    /// Always `0192:ddddddddd`.
    pub recipient: String,
    pub current_recipient_file_transfer_status_code: RecipientStatus,
    pub current_recipient_file_transfer_status_text: String,
    #[serde(with = "serde_rfc3339")]
    pub current_recipient_file_transfer_status_changed: OffsetDateTime,
}

/// The fields the overview and the details share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FileTransferSummary {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub file_transfer_id: FileTransferId,
    /// The bare id, without the URN prefix.
    pub resource_id: String,
    pub file_name: String,
    pub senders_file_transfer_reference: Option<String>,
    /// Lower-case MD5 hex, given at initialize or computed after the upload; `null` before that.
    pub checksum: Option<String>,
    pub use_virus_scan: bool,
    /// 0 until an upload has recorded the size.
    pub file_transfer_size: i64,
    pub file_transfer_status: FileTransferStatus,
    pub file_transfer_status_text: String,
    #[serde(with = "serde_rfc3339")]
    pub file_transfer_status_changed: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub created: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub expiration_time: OffsetDateTime,
    /// Echoed exactly as given at initialize (it may be the URN form).
    pub sender: String,
    pub recipients: Vec<RecipientFileStatus>,
    #[serde(default)]
    pub property_list: BTreeMap<String, String>,
}

/// `GET /broker/api/v1/filetransfer/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = FileTransferOverviewExt))]
#[serde(rename_all = "camelCase")]
pub struct FileTransferOverview {
    #[serde(flatten)]
    pub summary: FileTransferSummary,
    /// When the transfer was published, or `null`.
    #[serde(default, with = "serde_rfc3339::option")]
    pub published: Option<OffsetDateTime>,
}

/// One row of the transfer's status history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = FileTransferStatusEventExt))]
#[serde(rename_all = "camelCase")]
pub struct FileTransferStatusEvent {
    pub file_transfer_status: FileTransferStatus,
    pub file_transfer_status_text: String,
    #[serde(with = "serde_rfc3339")]
    pub file_transfer_status_changed: OffsetDateTime,
}

/// One row of the recipients' status history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RecipientFileTransferStatusEventExt))]
#[serde(rename_all = "camelCase")]
pub struct RecipientStatusEvent {
    pub recipient: String,
    pub recipient_file_transfer_status_code: RecipientStatus,
    pub recipient_file_transfer_status_text: String,
    #[serde(with = "serde_rfc3339")]
    pub recipient_file_transfer_status_changed: OffsetDateTime,
}

/// `GET /broker/api/v1/filetransfer/{id}/details`: the overview without `published`, plus both histories,
/// which the service does not order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = FileTransferStatusDetailsExt))]
#[serde(rename_all = "camelCase")]
pub struct FileTransferDetails {
    #[serde(flatten)]
    pub summary: FileTransferSummary,
    pub file_transfer_status_history: Vec<FileTransferStatusEvent>,
    pub recipient_file_transfer_status_history: Vec<RecipientStatusEvent>,
}

// The overview and the details are read by hand, not derived: a derived `Deserialize` with `#[serde(flatten)]`
// buffers the whole object in serde's private `Content` tree, and that tree's deserializer machinery was ~20 KB of
// the client's wasm (twiggy, before wasm-opt; issue 12). Here the object is read once as a JSON map, the members
// beside the summary are taken out, and the summary is read from the rest — the same fields, defaults and errors
// for a missing or mistyped member. (Serialize keeps `flatten`: its serializer is small, and utoipa reads it.)

fn take<'de, T: Deserialize<'de>, E: serde::de::Error>(m: &mut Map<String, Value>, key: &'static str) -> Result<T, E> {
    let v = m.remove(key).ok_or_else(|| E::missing_field(key))?;
    T::deserialize(v).map_err(|e| E::custom(format_args!("{key}: {e}")))
}

fn summary_of<E: serde::de::Error>(m: Map<String, Value>) -> Result<FileTransferSummary, E> {
    FileTransferSummary::deserialize(Value::Object(m)).map_err(E::custom)
}

impl<'de> Deserialize<'de> for FileTransferOverview {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut m = Map::deserialize(d)?;
        let published = match m.remove("published") {
            None | Some(Value::Null) => None,
            Some(v) => {
                Some(serde_rfc3339::deserialize(v).map_err(|e| D::Error::custom(format_args!("published: {e}")))?)
            }
        };
        Ok(Self { summary: summary_of(m)?, published })
    }
}

impl<'de> Deserialize<'de> for FileTransferDetails {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut m = Map::deserialize(d)?;
        let file_transfer_status_history = take(&mut m, "fileTransferStatusHistory")?;
        let recipient_file_transfer_status_history = take(&mut m, "recipientFileTransferStatusHistory")?;
        Ok(Self { summary: summary_of(m)?, file_transfer_status_history, recipient_file_transfer_status_history })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overview_wire_shape() {
        let json = r#"{"fileTransferId":"8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab","resourceId":"r","fileName":"a.txt",
          "sendersFileTransferReference":"ref","checksum":null,"useVirusScan":true,"fileTransferSize":0,
          "fileTransferStatus":"Initialized","fileTransferStatusText":"Ready for upload",
          "fileTransferStatusChanged":"2026-08-18T11:40:51.123456+00:00","created":"2026-08-18T11:40:51+00:00",
          "expirationTime":"2026-09-17T11:40:51+00:00","sender":"0192:991825827",
          "recipients":[{"recipient":"0192:986252932","currentRecipientFileTransferStatusCode":"Initialized",
          "currentRecipientFileTransferStatusText":"Initialized","currentRecipientFileTransferStatusChanged":"2026-08-18T11:40:51+00:00"}],
          "propertyList":{},"published":null}"#;
        let o: FileTransferOverview = serde_json::from_str(json).unwrap();
        assert_eq!(o.summary.file_transfer_status, FileTransferStatus::Initialized);
        let back = serde_json::to_value(&o).unwrap();
        assert_eq!(back["published"], serde_json::Value::Null);
        assert_eq!(back["checksum"], serde_json::Value::Null);
        assert_eq!(back["fileTransferStatusChanged"], "2026-08-18T11:40:51.123456+00:00");
        assert!(back.get("summary").is_none());
    }

    /// The hand-written readers behave as the derived ones did: `published` absent or null is `None`, other
    /// members beside the summary are ignored, a mistyped or missing member is an error that names it.
    #[test]
    fn overview_and_details_read_by_hand() {
        let summary = r#""fileTransferId":"8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab","resourceId":"r","fileName":"a.txt",
          "sendersFileTransferReference":null,"checksum":null,"useVirusScan":false,"fileTransferSize":3,
          "fileTransferStatus":"Published","fileTransferStatusText":"Ready for download",
          "fileTransferStatusChanged":"2026-08-18T11:40:51+00:00","created":"2026-08-18T11:40:51+00:00",
          "expirationTime":"2026-09-17T11:40:51+00:00","sender":"0192:991825827","recipients":[]"#;
        let overview = |extra: &str| serde_json::from_str::<FileTransferOverview>(&format!("{{{summary}{extra}}}"));
        assert_eq!(overview("").unwrap().published, None);
        assert_eq!(overview(r#","published":null"#).unwrap().published, None);
        let o = overview(r#","published":"2026-08-18T11:41:00+00:00","somethingNew":1"#).unwrap();
        assert_eq!(o.published.map(|t| t.second()), Some(0));
        assert_eq!(o.summary.file_transfer_size, 3);
        assert!(o.summary.property_list.is_empty(), "propertyList defaults to empty");
        let e = overview(r#","published":5"#).unwrap_err().to_string();
        assert!(e.starts_with("published: "), "{e}");
        let e = serde_json::from_str::<FileTransferOverview>(&format!(
            "{{{}}}",
            summary.replace(r#""fileName":"a.txt","#, "")
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("missing field `fileName`"), "{e}");
        assert!(serde_json::from_str::<FileTransferOverview>("[]").is_err());

        let details = |extra: &str| serde_json::from_str::<FileTransferDetails>(&format!("{{{summary}{extra}}}"));
        let d = details(r#","fileTransferStatusHistory":[],"recipientFileTransferStatusHistory":[]"#).unwrap();
        assert!(d.file_transfer_status_history.is_empty());
        let e = details(r#","fileTransferStatusHistory":[]"#).unwrap_err().to_string();
        assert!(e.contains("missing field `recipientFileTransferStatusHistory`"), "{e}");
        let e = details(r#","fileTransferStatusHistory":null,"recipientFileTransferStatusHistory":[]"#)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("fileTransferStatusHistory: invalid type: null"), "{e}");
    }
}
