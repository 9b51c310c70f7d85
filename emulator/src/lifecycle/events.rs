//! Building the CloudEvents of contract §6 and recording them.

use altinn_broker_core::events::{CloudEvent, EventData, EventRole, EventType};
use altinn_broker_core::{OrgNumber, ResourceId};
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::AppError;
use crate::state::Settings;
use crate::store::transfers::Transfer;

/// Who an event is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Sender,
    /// A recipient actor in `0192:` form.
    Recipient(&'a str),
}

/// The id of a `published` event: the first 16 bytes of SHA-256 over
/// `published:{fileTransferId}:{Sender|Recipient}:{actorExternalId}`, read as .NET's `new Guid(bytes)` does
/// (the first three fields little-endian), so redeliveries keep their id.
pub fn stable_published_id(transfer: &str, role: EventRole, actor_external_id: &str) -> Uuid {
    let role = match role {
        EventRole::Sender => "Sender",
        EventRole::Recipient => "Recipient",
    };
    let hash = Sha256::digest(format!("published:{transfer}:{role}:{actor_external_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    Uuid::from_bytes_le(bytes)
}

pub fn record(
    conn: &Connection,
    settings: &Settings,
    transfer: &Transfer,
    event_type: EventType,
    subject: Subject<'_>,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    let (role, actor) = match subject {
        Subject::Sender => (EventRole::Sender, transfer.sender.as_str()),
        Subject::Recipient(a) => (EventRole::Recipient, a),
    };
    let id = if event_type == EventType::Published {
        stable_published_id(&transfer.id.to_string(), role, actor)
    } else {
        Uuid::new_v4()
    };
    let event = CloudEvent {
        specversion: "1.0".into(),
        id: id.hyphenated().to_string(),
        event_type,
        time: at,
        resource: ResourceId::verbatim(transfer.resource_id.clone()).to_urn(),
        resourceinstance: transfer.id.to_string(),
        subject: OrgNumber::parse_lenient(actor).ok().map(|o| o.to_urn()),
        source: format!("{}{}", settings.base_url, altinn_broker_core::paths::FILE_TRANSFER),
        data: Some(EventData { role }),
    };
    crate::store::events::record(conn, &event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_ids_are_deterministic_and_role_specific() {
        let t = "8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab";
        let a = stable_published_id(t, EventRole::Sender, "0192:991825827");
        assert_eq!(a, stable_published_id(t, EventRole::Sender, "0192:991825827"));
        assert_ne!(a, stable_published_id(t, EventRole::Recipient, "0192:991825827"));
        // .NET reads the first three GUID fields little-endian: byte 3 of the hash is the first hex pair.
        let hash = Sha256::digest(format!("published:{t}:Sender:0192:991825827").as_bytes());
        assert_eq!(a.as_bytes()[0], hash[3]);
        assert_eq!(a.as_bytes()[15], hash[15]);
    }
}
