//! Who calls Altinn Events, as Events names it (events-auth contract §1.1, §1.2): the bearer token (or the
//! `AltinnStudioRuntime` cookie) checked against the Altinn keys, and the consumer string stored as a
//! subscription's `consumer` and `createdBy`.

use axum::http::{header, HeaderMap};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::{Auth, Caller, Lifetime, Rejection};

/// The cookie Events reads the token from when there is no `Authorization` header (AU `JwtCookieHandler`).
pub const RUNTIME_COOKIE: &str = "AltinnStudioRuntime";

/// A caller of the Events API: the claims read as Broker reads them (for the PDP) and the consumer string.
#[derive(Debug, Clone)]
pub struct EventsCaller {
    pub caller: Caller,
    /// `/org/…`, `/user/…`, `/systemuser/…` or `/organisation/…`; `None` when the token names none of them.
    pub consumer: Option<String>,
}

/// Validates the token of an Events request: `Authorization: Bearer` first, then the cookie (§1.1).
pub fn authenticate(auth: &Auth, headers: &HeaderMap, now: OffsetDateTime) -> Result<EventsCaller, Rejection> {
    let token = match headers.get(header::AUTHORIZATION) {
        Some(v) => super::verify::bearer_token(Some(v.to_str().map_err(|_| Rejection::Malformed)?))?.to_owned(),
        None => runtime_cookie(headers).ok_or(Rejection::NoToken)?,
    };
    let claims = auth.validate(&token, now, Lifetime::Enforce)?;
    Ok(EventsCaller { caller: Caller::from_claims(&claims), consumer: consumer(&claims) })
}

fn runtime_cookie(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == RUNTIME_COOKIE && !value.is_empty()).then(|| value.to_owned())
    })
}

/// `SubscriptionService.GetEntityFromPrincipal` (EV): the first that is present wins —
/// `urn:altinn:org` → `/org/{org}`; `urn:altinn:userid` → `/user/{id}`; the first `systemuser_id` of
/// `authorization_details`, when it is a GUID → `/systemuser/{guid}`; `urn:altinn:orgNumber` →
/// `/organisation/{orgnr}`; else none.
///
/// `GetSystemUser` deserializes `FindFirstValue("authorization_details")`: .NET makes one claim per element of a
/// JSON array, so the test generator's array form reads its first element, and the exchanged token's object reads
/// as it is. (A value that is no object makes the service's deserializer throw; the emulator reads it as none.)
pub fn consumer(claims: &Map<String, Value>) -> Option<String> {
    let text = |name: &str| match claims.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    if let Some(org) = text("urn:altinn:org") {
        return Some(format!("/org/{org}"));
    }
    if let Some(id) = text("urn:altinn:userid") {
        return Some(format!("/user/{id}"));
    }
    if let Some(id) = system_user_id(claims.get("authorization_details")) {
        return Some(format!("/systemuser/{id}"));
    }
    text("urn:altinn:orgNumber").map(|o| format!("/organisation/{o}"))
}

/// `GetSystemUserId`: the first `systemuser_id`, parsed as a GUID (written back in .NET's `D` form).
fn system_user_id(details: Option<&Value>) -> Option<String> {
    let first = match details? {
        Value::Array(items) => items.first()?.clone(),
        other => other.clone(),
    };
    let object = match first {
        Value::Object(o) => o,
        Value::String(s) => match serde_json::from_str::<Value>(&s).ok()? {
            Value::Object(o) => o,
            _ => return None,
        },
        _ => return None,
    };
    let id = object.get("systemuser_id")?.as_array()?.first()?.as_str()?;
    uuid::Uuid::parse_str(id.trim()).ok().filter(|u| !u.is_nil()).map(|u| u.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn of(v: Value) -> Option<String> {
        consumer(v.as_object().unwrap())
    }

    #[test]
    fn first_claim_wins() {
        assert_eq!(
            of(json!({"urn:altinn:org": "digdir", "urn:altinn:orgNumber": "991825827"})).unwrap(),
            "/org/digdir"
        );
        assert_eq!(of(json!({"urn:altinn:orgNumber": "991825827"})).unwrap(), "/organisation/991825827");
        let id = "5d5a3b4e-2c1f-4a8e-9b7d-0e6f1a2b3c4d";
        let su = json!({"authorization_details": {"systemuser_id": [id], "type": "urn:altinn:systemuser"},
                        "urn:altinn:orgNumber": "991825827"});
        assert_eq!(of(su).unwrap(), format!("/systemuser/{id}"));
        // The generator's array: one claim per element, the first read.
        let array = json!({"authorization_details": [{"systemuser_id": [id.to_uppercase()]}], "urn:altinn:orgNumber": "991825827"});
        assert_eq!(of(array).unwrap(), format!("/systemuser/{id}"));
        let not_guid = json!({"authorization_details": {"systemuser_id": ["su"]}, "urn:altinn:orgNumber": "991825827"});
        assert_eq!(of(not_guid).unwrap(), "/organisation/991825827");
        assert_eq!(of(json!({})), None);
    }
}
