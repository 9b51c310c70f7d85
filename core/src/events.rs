//! The CloudEvents the service publishes to Altinn Events (contract §6).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Prefix of every Broker event type.
pub const EVENT_TYPE_PREFIX: &str = "no.altinn.broker.";

/// The Broker event types (`AltinnEventType`), written `no.altinn.broker.<lower-case name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    FileTransferInitialized,
    UploadProcessing,
    Published,
    UploadFailed,
    DownloadConfirmed,
    AllConfirmedDownloaded,
    FilePurged,
    FileNeverConfirmedDownloaded,
}

impl EventType {
    pub const ALL: &'static [EventType] = &[
        EventType::FileTransferInitialized,
        EventType::UploadProcessing,
        EventType::Published,
        EventType::UploadFailed,
        EventType::DownloadConfirmed,
        EventType::AllConfirmedDownloaded,
        EventType::FilePurged,
        EventType::FileNeverConfirmedDownloaded,
    ];

    /// The lower-cased enum name, e.g. `filetransferinitialized`.
    pub const fn short_name(self) -> &'static str {
        match self {
            EventType::FileTransferInitialized => "filetransferinitialized",
            EventType::UploadProcessing => "uploadprocessing",
            EventType::Published => "published",
            EventType::UploadFailed => "uploadfailed",
            EventType::DownloadConfirmed => "downloadconfirmed",
            EventType::AllConfirmedDownloaded => "allconfirmeddownloaded",
            EventType::FilePurged => "filepurged",
            EventType::FileNeverConfirmedDownloaded => "fileneverconfirmeddownloaded",
        }
    }

    /// The CloudEvent `type`, e.g. `no.altinn.broker.published`.
    pub fn type_name(self) -> String {
        format!("{EVENT_TYPE_PREFIX}{}", self.short_name())
    }

    /// Parses a full type name (`no.altinn.broker.published`) or a short one (`published`).
    pub fn parse(s: &str) -> Option<Self> {
        let short = s.strip_prefix(EVENT_TYPE_PREFIX).unwrap_or(s);
        Self::ALL.iter().copied().find(|e| e.short_name() == short)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{EVENT_TYPE_PREFIX}{}", self.short_name())
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown Broker event type {s:?}")))
    }
}

/// The role of the event's subject, carried as `data.Role` (capital R: the service does not rename dictionary keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventRole {
    Sender,
    Recipient,
}

/// `data` of a Broker CloudEvent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventData {
    #[serde(rename = "Role")]
    pub role: EventRole,
}

/// A Broker CloudEvent as delivered: attribute names all lower-case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    pub specversion: String,
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    #[serde(with = "crate::timestamp::serde_rfc3339")]
    pub time: OffsetDateTime,
    /// `urn:altinn:resource:<resourceId>`.
    pub resource: String,
    /// The file transfer id.
    pub resourceinstance: String,
    /// `urn:altinn:organization:identifier-no:<orgnr>` of the organisation the event is for.
    pub subject: Option<String>,
    /// The service's base URL + `broker/api/v1/filetransfer`.
    pub source: String,
    pub data: Option<EventData>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_round_trip() {
        for e in EventType::ALL {
            assert_eq!(EventType::parse(&e.type_name()), Some(*e));
        }
        assert_eq!(EventType::Published.to_string(), "no.altinn.broker.published");
    }

    #[test]
    fn cloud_event_shape() {
        let json = r#"{"specversion":"1.0","id":"a","type":"no.altinn.broker.published",
            "time":"2026-08-18T11:40:51.1234567+00:00","resource":"urn:altinn:resource:r",
            "resourceinstance":"x","subject":"urn:altinn:organization:identifier-no:991825827",
            "source":"https://platform.tt02.altinn.no/broker/api/v1/filetransfer","data":{"Role":"Sender"}}"#;
        let e: CloudEvent = serde_json::from_str(json).unwrap();
        assert_eq!(e.event_type, EventType::Published);
        assert_eq!(e.data.unwrap().role, EventRole::Sender);
    }
}
