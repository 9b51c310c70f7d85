//! Who is calling, read from validated claims as the service reads them (contract §7.2, §7.3).

use altinn_broker_core::OrgNumber;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The organisation the caller acts for (`GetCallerOrganizationId`, see [`caller_organization_id`]): `None`
    /// when the service finds none, or names one that is not nine digits.
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
        let org = caller_organization_id(claims).and_then(|s| OrgNumber::parse_lenient(&s).ok());
        // `GetCallerVendorId`: `consumer.ID` without prefix, white space being none.
        let vendor = claim_value(claims, "consumer")
            .and_then(|v| token_consumer_id(&v))
            .and_then(|v| OrgNumber::parse_lenient(&v).ok());
        Self {
            org,
            vendor,
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

/// `ClaimsPrincipalExtensions.GetCallerOrganizationId` (Altinn/altinn-broker @161ba12,
/// `src/Altinn.Broker.Common/ClaimsPrincipalExtensions.cs`): the first claim present decides, with no fallback
/// past it:
///
/// 1. `authorization_details` (a system user token): its value deserialized as `SystemUserAuthorizationDetails`
///    (`src/Altinn.Broker.Common/Models/SystemUserAuthorizationDetails.cs`), whose four members (`type`,
///    `systemuser_id`, `systemuser_org` with `authority` and `ID`, `system_id`) are all C# `required`: a value that
///    lacks one, has one of another JSON type, or is no JSON object at all is a `JsonException`, caught as "no
///    organisation". A JSON `null` is none too. (A `systemuser_org` written as `null` makes the service throw a
///    `NullReferenceException`; the emulator answers that as no organisation.)
/// 2. else `urn:altinn:orgNumber`, without prefix;
/// 3. else `consumer` as `TokenConsumer` (`authority` and `ID` required), its `ID` without prefix.
///
/// `System.Text.Json`'s default options apply (not the web ones): member names match case-sensitively.
pub fn caller_organization_id(claims: &Map<String, Value>) -> Option<String> {
    if let Some(details) = claim_value(claims, "authorization_details") {
        let org = parse_object(&details)?;
        let valid = required_nullable_string(&org, "type")
            && required_nullable_string(&org, "system_id")
            && required_string_list(&org, "systemuser_id");
        if !valid {
            return None;
        }
        let su_org = match org.get("systemuser_org") {
            Some(Value::Object(o)) => o,
            _ => return None,
        };
        if !(required_nullable_string(su_org, "authority") && required_nullable_string(su_org, "ID")) {
            return None;
        }
        return Some(without_prefix(su_org.get("ID").and_then(Value::as_str).unwrap_or_default()).to_owned());
    }
    if let Some(org) = claim_value(claims, "urn:altinn:orgNumber") {
        return Some(without_prefix(&org).to_owned());
    }
    claim_value(claims, "consumer").and_then(|c| token_consumer_id(&c))
}

/// `consumer` deserialized as `TokenConsumer` (`src/Altinn.Broker.Common/Models/TokenConsumer.cs`: `authority`
/// and `ID` required): its `ID` without prefix, `None` when it does not deserialize or `ID` is null or blank.
fn token_consumer_id(value: &str) -> Option<String> {
    let c = parse_object(value)?;
    if !(required_nullable_string(&c, "authority") && required_nullable_string(&c, "ID")) {
        return None;
    }
    let id = without_prefix(c.get("ID").and_then(Value::as_str)?);
    (!id.is_empty()).then(|| id.to_owned())
}

/// The value .NET's `JsonWebToken` gives a claim: a JSON string as it is, an object as its JSON text, other
/// scalars as their text; an array becomes one claim per element, of which `FirstOrDefault` takes the first
/// (an empty array makes no claim).
fn claim_value(claims: &Map<String, Value>, name: &str) -> Option<String> {
    fn text(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => items.first().and_then(text),
            Value::Null => Some(String::new()),
            other => Some(other.to_string()),
        }
    }
    claims.get(name).and_then(text)
}

/// `JsonSerializer.Deserialize<SomeClass>(value)` up to its members: `None` for invalid JSON (an exception), for
/// JSON `null` (a null result) and for any other JSON type (an exception).
fn parse_object(value: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str::<Value>(value).ok()? {
        Value::Object(o) => Some(o),
        _ => None,
    }
}

/// A `required string` member: present, and a string or `null`.
fn required_nullable_string(o: &Map<String, Value>, name: &str) -> bool {
    matches!(o.get(name), Some(Value::String(_) | Value::Null))
}

/// A `required List<string>` member: present, and `null` or an array of strings and nulls.
fn required_string_list(o: &Map<String, Value>, name: &str) -> bool {
    match o.get(name) {
        Some(Value::Null) => true,
        Some(Value::Array(items)) => items.iter().all(|i| matches!(i, Value::String(_) | Value::Null)),
        _ => false,
    }
}

/// `StringExtensions.WithoutPrefix`: white space alone is `""`, else what follows the last `:`.
fn without_prefix(s: &str) -> &str {
    if s.trim().is_empty() {
        ""
    } else {
        s.rsplit(':').next().unwrap_or(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn caller(v: Value) -> Caller {
        Caller::from_claims(v.as_object().unwrap())
    }

    fn details(org: &str) -> Value {
        json!({"type": "urn:altinn:systemuser", "systemuser_id": ["su"],
               "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": org}, "system_id": "s"})
    }

    #[test]
    fn org_order() {
        let all = json!({
            "authorization_details": details("0192:311764837"),
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

    /// `src/Altinn.Broker.Common/ClaimsPrincipalExtensions.cs` with `Models/SystemUserAuthorizationDetails.cs` and
    /// `Models/TokenConsumer.cs`: every member required, case-sensitive names, no fallback past a present claim.
    #[test]
    fn details_as_array_or_string_or_garbage_follow_get_caller_organization_id() {
        // As Maskinporten writes it: an array, of which the first element is the claim.
        let arr = json!({"authorization_details": [details("0192:311764837"), details("0192:986252932")]});
        assert_eq!(caller(arr).org.unwrap().digits(), "311764837");
        let s = json!({"authorization_details": details("311764837").to_string()});
        assert_eq!(caller(s).org.unwrap().digits(), "311764837");
        // A present claim that does not deserialize: no org, and no fallback to urn:altinn:orgNumber or consumer.
        let consumer = json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"});
        let mut incomplete = details("0192:311764837");
        incomplete.as_object_mut().unwrap().remove("system_id");
        let mut wrong_case = details("0192:311764837");
        let o = wrong_case.as_object_mut().unwrap();
        let org = o.remove("systemuser_org").unwrap();
        o.insert("SystemUser_Org".into(), org);
        let mut number = details("0192:311764837");
        number["type"] = json!(5);
        for bad in [
            json!("{nope"),
            json!(""),
            json!("null"),
            json!(null),
            json!(5),
            json!([{"systemuser_org": {"ID": "0192:311764837"}}]),
            json!({"systemuser_org": {"authority": "x", "ID": "0192:311764837"}}),
            incomplete,
            wrong_case,
            number,
        ] {
            let c = json!({"authorization_details": bad, "urn:altinn:orgNumber": "986252932", "consumer": consumer});
            assert_eq!(caller(c.clone()).org, None, "{c}");
            // The vendor is read from consumer on its own.
            assert_eq!(caller(c).vendor.unwrap().digits(), "991825827");
        }
        // An empty array makes no claim: the next one is read.
        let c = json!({"authorization_details": [], "urn:altinn:orgNumber": "986252932"});
        assert_eq!(caller(c).org.unwrap().digits(), "986252932");
        // consumer without its required authority: no org, no vendor.
        let c = json!({"consumer": {"ID": "0192:991825827"}});
        assert_eq!((caller(c.clone()).org, caller(c).vendor), (None, None));
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
