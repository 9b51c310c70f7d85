//! What is kept about an interrupted upload: enough to find its uploads again, nothing that names the file or
//! authenticates anyone (no file name, no token, no URL query).

use serde::{Deserialize, Serialize};

/// How long the service keeps an upload nothing was sent to (`TusOptions:UploadExpiration`, sliding).
pub const UPLOAD_EXPIRATION_MS: f64 = altinn_broker_core::tus::UPLOAD_EXPIRATION_SECS as f64 * 1000.0;

/// One tus upload of a record: the single upload, or a partial covering `start..start + length`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadRef {
    /// Root-relative, as the service's `Location`.
    pub path: String,
    pub start: u64,
    pub length: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumeRecord {
    /// Unique per record: `{fingerprint}.{fileTransferId}`.
    pub key: String,
    /// SHA-256 of the file's size, name, modification time and a sample of its bytes (see `fingerprint`).
    pub fingerprint: String,
    /// The base URL the upload went to, so a record is never resumed against another service.
    pub endpoint: String,
    pub file_transfer_id: String,
    pub size: u64,
    pub chunk_size: u64,
    pub uploads: Vec<UploadRef>,
    /// Set once the final concatenation was created: only the wait for it remains.
    #[serde(default)]
    pub final_path: Option<String>,
    /// Milliseconds since the epoch.
    pub created: f64,
    /// When the service forgets the uploads if nothing more is sent (milliseconds since the epoch).
    pub expires: f64,
}

/// The `endpoint` of a record: the client's base URL without trailing slashes.
pub fn endpoint_of(base_url: &str) -> String {
    base_url.trim_end_matches('/').to_owned()
}

impl ResumeRecord {
    pub fn key_for(fingerprint: &str, file_transfer_id: &str) -> String {
        format!("{fingerprint}.{file_transfer_id}")
    }

    pub fn is_expired(&self, now_ms: f64) -> bool {
        self.expires <= now_ms
    }

    pub fn is_parallel(&self) -> bool {
        self.uploads.len() > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_and_expiry() {
        let r = ResumeRecord {
            key: ResumeRecord::key_for("ab", "id"),
            fingerprint: "ab".into(),
            endpoint: "http://127.0.0.1:1".into(),
            file_transfer_id: "id".into(),
            size: 10,
            chunk_size: 5,
            uploads: vec![UploadRef { path: "/p".into(), start: 0, length: 10 }],
            final_path: None,
            created: 1.0,
            expires: 100.0,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["key"], "ab.id");
        assert_eq!(v["fileTransferId"], "id");
        assert_eq!(v["chunkSize"], 5);
        assert!(!r.is_expired(99.0) && r.is_expired(100.0));
        assert!(!r.is_parallel());
        assert_eq!(endpoint_of("https://h/proxy//"), "https://h/proxy");
        let back: ResumeRecord = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }
}
