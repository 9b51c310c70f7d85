//! Who is calling, read from validated claims as the service reads them (contract §7.2, §7.3).

use altinn_broker_core::OrgNumber;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The organisation the caller acts for: `authorization_details.systemuser_org.ID`, else
    /// `urn:altinn:orgNumber`, else `consumer.ID`. `None` when no claim names one (or it is not 9 digits).
    pub org: Option<OrgNumber>,
    /// `consumer.ID`, the vendor (recorded for statistics only).
    pub vendor: Option<OrgNumber>,
    /// Whether the token is a system user token (it carries `authorization_details`).
    pub system_user: bool,
    pub client_id: Option<String>,
    pub sub: Option<String>,
    pub sid: Option<String>,
    /// The granted scopes: `urn:altinn:scope` if present, else `scope`, split on spaces.
    pub scopes: Vec<String>,
    /// When the token expires (`exp`).
    pub expires_at: Option<OffsetDateTime>,
}

impl Caller {
    /// Reads the caller from claims that have already been validated.
    pub fn from_claims(claims: &Map<String, Value>) -> Self {
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let scope_claim = text("urn:altinn:scope").or_else(|| text("scope")).unwrap_or_default();
        let system_user_org = claims.get("authorization_details").and_then(system_user_org);
        let vendor = claims.get("consumer").and_then(consumer_id);
        let org = system_user_org
            .as_deref()
            .or(claims.get("urn:altinn:orgNumber").and_then(Value::as_str))
            .or(vendor.as_deref())
            .and_then(|s| OrgNumber::parse_lenient(s).ok());
        Self {
            org,
            vendor: vendor.and_then(|v| OrgNumber::parse_lenient(&v).ok()),
            system_user: claims.contains_key("authorization_details"),
            client_id: text("client_id"),
            sub: text("sub"),
            sid: text("sid"),
            scopes: scope_claim.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            expires_at: claims
                .get("exp")
                .and_then(Value::as_i64)
                .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()),
        }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The subject part of the tus session key `tus-upload-auth:{id}:{sid|client_id|sub}:{org}` (contract §5).
    pub fn session_subject(&self) -> Option<&str> {
        self.sid.as_deref().or(self.client_id.as_deref()).or(self.sub.as_deref())
    }
}

/// `authorization_details.systemuser_org.ID`. The service parses the claim as one JSON object; a JWT array claim
/// becomes one claim per element in .NET, so the first element that names an org is used. A claim written as a
/// JSON string is parsed; invalid JSON means no org.
fn system_user_org(details: &Value) -> Option<String> {
    match details {
        Value::Object(o) => o.get("systemuser_org").and_then(consumer_id),
        Value::Array(items) => items.iter().find_map(system_user_org),
        Value::String(s) => serde_json::from_str::<Value>(s).ok().as_ref().and_then(system_user_org),
        _ => None,
    }
}

/// `ID` of a `{authority, ID}` object (or of its JSON string form).
fn consumer_id(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => o.get("ID").and_then(Value::as_str).map(str::to_owned),
        Value::String(s) => serde_json::from_str::<Value>(s).ok().as_ref().and_then(consumer_id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn caller(v: Value) -> Caller {
        Caller::from_claims(v.as_object().unwrap())
    }

    #[test]
    fn org_order() {
        let all = json!({
            "authorization_details": {"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "x", "ID": "0192:311764837"}},
            "urn:altinn:orgNumber": "986252932",
            "consumer": {"authority": "iso6523-actorid-upis", "ID": "0192:991825827"},
        });
        assert_eq!(caller(all.clone()).org.unwrap().digits(), "311764837");
        let mut no_details = all.clone();
        no_details.as_object_mut().unwrap().remove("authorization_details");
        assert_eq!(caller(no_details.clone()).org.unwrap().digits(), "986252932");
        no_details.as_object_mut().unwrap().remove("urn:altinn:orgNumber");
        let c = caller(no_details);
        assert_eq!(c.org.unwrap().digits(), "991825827");
        assert_eq!(c.vendor.unwrap().digits(), "991825827");
        assert_eq!(caller(json!({})).org, None);
    }

    #[test]
    fn details_as_array_or_string_or_garbage() {
        let arr = json!({"authorization_details": [{"systemuser_org": {"ID": "0192:311764837"}}]});
        assert_eq!(caller(arr).org.unwrap().digits(), "311764837");
        let s = json!({"authorization_details": "{\"systemuser_org\":{\"ID\":\"311764837\"}}"});
        assert_eq!(caller(s).org.unwrap().digits(), "311764837");
        // Invalid JSON gives no org from the details; the next claim in the order is used.
        let bad = json!({"authorization_details": "{nope", "urn:altinn:orgNumber": "986252932"});
        assert_eq!(caller(bad).org.unwrap().digits(), "986252932");
    }

    #[test]
    fn scopes_prefer_federation_claim() {
        let c = caller(
            json!({"scope": "altinn:broker.read", "urn:altinn:scope": "altinn:broker.write altinn:serviceowner"}),
        );
        assert!(c.has_scope("altinn:broker.write"));
        assert!(c.has_scope("altinn:serviceowner"));
        assert!(!c.has_scope("altinn:broker.read"));
        let c = caller(json!({"scope": "a  b", "client_id": "cid", "sub": "s"}));
        assert_eq!(c.scopes, ["a", "b"]);
        assert_eq!(c.session_subject(), Some("cid"));
    }
}
