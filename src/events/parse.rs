//! An incoming CloudEvent — a push to a webhook (§1.5) or an element of a polled page (§1.6) — read into the
//! event a JS caller gets: a Broker event with its transfer, resource, subject and role pulled out, or the
//! subscription validation handshake (§1.4).
//!
//! Lenient where the service varies and strict where a receiver must be: the `type` is matched case-insensitively
//! (Broker's docs still show `no.altinn.broker.Published`, §1.8 [conflict]) and an unknown type is kept as written
//! (a new Broker event type must not be dropped by an old client); but a body that lacks a CloudEvents required
//! attribute (`specversion`, `id`, `source`, `type`; CloudEvents 1.0 §3.1) is refused, since nothing can be done
//! with it and a webhook should say so with a 400.

use altinn_broker_core::events::{EventRole, EventType};
use altinn_broker_core::OrgNumber;
use serde::Serialize;
use serde_json::{Map, Value};

/// The type of the validation handshake Events sends to every new subscription's endpoint (§1.4).
pub const VALIDATION_EVENT_TYPE: &str = "platform.events.validatesubscription";
/// Broker's `resource` prefix (§1.8): `urn:altinn:resource:<resourceId>`.
pub const RESOURCE_URN_PREFIX: &str = "urn:altinn:resource:";
/// Broker's `subject` prefix (§1.8): `urn:altinn:organization:identifier-no:<orgnr>`.
pub const ORGANIZATION_URN_PREFIX: &str = "urn:altinn:organization:identifier-no:";

/// A Broker event as a JS caller reads it (`BrokerEvent` in the declarations).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerEvent {
    pub kind: &'static str,
    pub id: String,
    /// One of the eight Broker types in its canonical lower-case form, or the type as written when unknown.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Whether `type` is one of the eight Broker types.
    pub known_type: bool,
    pub specversion: String,
    pub source: String,
    /// As the service wrote it (`…Z` after Events re-encoded it, §1.8); `null` when absent.
    pub time: Option<String>,
    pub resource: Option<String>,
    /// `resource` without `urn:altinn:resource:`.
    pub resource_id: Option<String>,
    /// `resourceinstance`.
    pub file_transfer_id: Option<String>,
    pub subject: Option<String>,
    /// The subject's organisation in the `0192:` form the service stores, when the subject is one.
    pub subject_org: Option<String>,
    /// `data.Role`.
    pub role: Option<EventRole>,
    pub data: Option<Value>,
}

/// The validation handshake (`SubscriptionValidationEvent` in the declarations).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationEvent {
    pub kind: &'static str,
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: &'static str,
    pub specversion: String,
    pub source: String,
    /// The id at the end of `source` (`…/subscriptions/<id>`), when it is a number.
    pub subscription_id: Option<u64>,
}

/// What an incoming body is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum IncomingEvent {
    Broker(Box<BrokerEvent>),
    Validation(ValidationEvent),
}

/// Why a body is not an event; the message is the webhook's 400 reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAnEvent(pub String);

/// Reads a body's text.
pub fn parse_text(text: &str) -> Result<IncomingEvent, NotAnEvent> {
    let value: Value = serde_json::from_str(text).map_err(|e| NotAnEvent(format!("the body is not JSON ({e})")))?;
    parse_value(value)
}

/// Reads a JSON value (a body already parsed, or one element of a polled page).
pub fn parse_value(value: Value) -> Result<IncomingEvent, NotAnEvent> {
    let Value::Object(mut o) = value else {
        return Err(NotAnEvent("the body is not a CloudEvent: not a JSON object".into()));
    };
    let mut required = |name: &str| -> Result<String, NotAnEvent> {
        match o.remove(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            Some(Value::String(_)) => Err(NotAnEvent(format!("the body is not a CloudEvent: `{name}` is empty"))),
            Some(_) => Err(NotAnEvent(format!("the body is not a CloudEvent: `{name}` is not a string"))),
            None => Err(NotAnEvent(format!("the body is not a CloudEvent: `{name}` is missing"))),
        }
    };
    let specversion = required("specversion")?;
    let id = required("id")?;
    let source = required("source")?;
    let written_type = required("type")?;
    if written_type.eq_ignore_ascii_case(VALIDATION_EVENT_TYPE) {
        let subscription_id = source.rsplit('/').next().and_then(|s| s.parse().ok());
        return Ok(IncomingEvent::Validation(ValidationEvent {
            kind: "validation",
            id,
            event_type: VALIDATION_EVENT_TYPE,
            specversion,
            source,
            subscription_id,
        }));
    }
    let known = EventType::parse(&written_type.to_ascii_lowercase());
    let resource = string(&mut o, "resource");
    let subject = string(&mut o, "subject");
    let data = o.remove("data").filter(|d| !d.is_null());
    Ok(IncomingEvent::Broker(Box::new(BrokerEvent {
        kind: "broker",
        event_type: known.map_or(written_type, |t| t.type_name()),
        known_type: known.is_some(),
        id,
        specversion,
        source,
        time: string(&mut o, "time"),
        resource_id: resource.as_deref().and_then(resource_id).map(str::to_owned),
        resource,
        file_transfer_id: string(&mut o, "resourceinstance"),
        subject_org: subject.as_deref().and_then(subject_org),
        subject,
        role: data.as_ref().and_then(role),
        data,
    })))
}

fn string(o: &mut Map<String, Value>, name: &str) -> Option<String> {
    match o.remove(name) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The resource id of a Broker `resource` URN.
pub fn resource_id(resource: &str) -> Option<&str> {
    resource.strip_prefix(RESOURCE_URN_PREFIX).filter(|r| !r.is_empty())
}

/// The organisation of an `urn:altinn:organization:identifier-no:` subject, `0192:`-prefixed.
fn subject_org(subject: &str) -> Option<String> {
    let digits = subject.strip_prefix(ORGANIZATION_URN_PREFIX)?;
    OrgNumber::parse_lenient(digits).ok().map(|o| o.to_prefixed())
}

/// `data.Role`; the key keeps its capital R (contract §6: the service does not rename dictionary keys), the value
/// is read case-insensitively.
fn role(data: &Value) -> Option<EventRole> {
    match data.get("Role").and_then(Value::as_str)?.to_ascii_lowercase().as_str() {
        "sender" => Some(EventRole::Sender),
        "recipient" => Some(EventRole::Recipient),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUSHED: &str = r#"{"specversion":"1.0","id":"0d2f","type":"no.altinn.broker.published",
        "time":"2026-08-18T11:40:51.1234567Z","resource":"urn:altinn:resource:my-resource",
        "resourceinstance":"6bd5e1b4-6a4a-4a2b-9c1f-6d0e5b8a2f10",
        "subject":"urn:altinn:organization:identifier-no:991825827",
        "source":"https://platform.tt02.altinn.no/broker/api/v1/filetransfer",
        "datacontenttype":"application/json","data":{"Role":"Recipient"}}"#;

    fn broker(text: &str) -> BrokerEvent {
        match parse_text(text) {
            Ok(IncomingEvent::Broker(e)) => *e,
            other => panic!("not a Broker event: {other:?}"),
        }
    }

    #[test]
    fn reads_a_pushed_broker_event() {
        let e = broker(PUSHED);
        assert_eq!(e.event_type, "no.altinn.broker.published");
        assert!(e.known_type);
        assert_eq!(e.resource_id.as_deref(), Some("my-resource"));
        assert_eq!(e.file_transfer_id.as_deref(), Some("6bd5e1b4-6a4a-4a2b-9c1f-6d0e5b8a2f10"));
        assert_eq!(e.subject_org.as_deref(), Some("0192:991825827"));
        assert_eq!(e.role, Some(EventRole::Recipient));
        assert_eq!(e.time.as_deref(), Some("2026-08-18T11:40:51.1234567Z"));
    }

    #[test]
    fn type_case_insensitive_and_unknown_kept() {
        let e = broker(&PUSHED.replace("no.altinn.broker.published", "no.altinn.broker.Published"));
        assert_eq!(e.event_type, "no.altinn.broker.published");
        let e = broker(&PUSHED.replace("no.altinn.broker.published", "no.altinn.broker.FileRenamed"));
        assert_eq!(e.event_type, "no.altinn.broker.FileRenamed");
        assert!(!e.known_type);
    }

    #[test]
    fn validation_handshake() {
        let v = r#"{"specversion":"1.0","id":"g","source":"https://platform.altinn.no/events/api/v1/subscriptions/1234","type":"platform.events.validatesubscription"}"#;
        match parse_text(v) {
            Ok(IncomingEvent::Validation(e)) => assert_eq!(e.subscription_id, Some(1234)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_what_is_not_a_cloud_event() {
        assert_eq!(
            parse_text(r#"{"id":"a","source":"s","type":"t"}"#).unwrap_err().0,
            "the body is not a CloudEvent: `specversion` is missing"
        );
        assert_eq!(parse_text("[]").unwrap_err().0, "the body is not a CloudEvent: not a JSON object");
        assert!(parse_text("not json").unwrap_err().0.starts_with("the body is not JSON"));
        assert!(parse_text(r#"{"specversion":"1.0","id":"","source":"s","type":"t"}"#).is_err());
    }

    #[test]
    fn null_members_read_as_absent() {
        let e = broker(
            r#"{"specversion":"1.0","id":"a","source":"s","type":"no.altinn.broker.filepurged","subject":null,"data":null}"#,
        );
        assert_eq!((e.subject, e.subject_org, e.role, e.data), (None, None, None, None));
    }
}
