//! The JWT-bearer grant, checked as Maskinporten checks it (events-auth contract §2.2, §2.3), and the OAuth2
//! errors it answers (§2.5).
//!
//! The order of the checks: the grant must be a JWT with an accepted `alg` and a `kid`; its `iss` must name a
//! registered client, its `kid` that client's key, and its signature verify; then `aud`, `iat`, `exp`, `scope`,
//! `resource`, `authorization_details`; last, `jti` must be new. A refused grant does not use up its `jti`.

use std::collections::HashMap;
use std::sync::Mutex;

use altinn_broker_core::OrgNumber;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::Client;
use crate::auth::issuer::ISO6523_AUTHORITY;
use crate::world::config::SystemUserSeed;

/// How far a grant's `iat` may be from Maskinporten's clock (the jwtgrant page: "less than 10 seconds").
pub const IAT_SKEW_SECONDS: i64 = 10;
/// The longest a grant may live (`exp - iat <= 120`).
pub const MAX_GRANT_LIFETIME_SECONDS: i64 = 120;
/// `authorization_details.type` of a system-user grant.
pub const SYSTEM_USER_TYPE: &str = "urn:altinn:systemuser";

/// An OAuth2 error answer: `{"error": ..., "error_description": ...}` with status 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct GrantError {
    pub error: &'static str,
    pub description: String,
}

impl GrantError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self { error, description: description.into() }
    }

    /// `invalid_request`: the form itself is wrong (no assertion, ...).
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    /// `unsupported_grant_type` (RFC 6749 §5.2).
    pub fn unsupported_grant_type(grant_type: &str) -> Self {
        Self::new(
            "unsupported_grant_type",
            format!("Unsupported grant_type {:?}: only urn:ietf:params:oauth:grant-type:jwt-bearer", clip(grant_type)),
        )
    }

    /// `MP-100`: the assertion does not authenticate the client.
    fn assertion(detail: &str) -> Self {
        Self::new("invalid_grant", format!("Invalid assertion. Client authentication failed. {detail} (MP-100)"))
    }

    fn claim(detail: &str) -> Self {
        Self::new("invalid_grant", format!("Invalid assertion. {detail} (MP-100)"))
    }
}

/// Keeps caller-controlled text short in an error description.
fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(100).collect()
}

/// What a valid grant asks for.
#[derive(Debug, Clone)]
pub struct Grant<'c> {
    pub client: &'c Client,
    /// The requested scopes, in the grant's order.
    pub scopes: Vec<String>,
    /// `resource`, written into the token as `aud`.
    pub resource: Option<Value>,
    /// The system user, with the externalRef the grant sent (if it sent one).
    pub system_user: Option<(&'c SystemUserSeed, Option<String>)>,
    /// `exp` of the grant, until which its `jti` is remembered.
    pub exp: i64,
    pub jti: Option<String>,
}

/// The `jti`s of accepted grants, each kept until its grant's `exp` (plus the clock skew) has passed: a reused
/// grant is refused while it could still be valid.
#[derive(Debug, Default)]
pub struct SeenJtis(Mutex<HashMap<(String, String), i64>>);

impl SeenJtis {
    /// Records `jti` of `client` (in one step with the check, so that two concurrent uses cannot both pass);
    /// `false` when it is already there.
    fn record(&self, client: &str, jti: &str, exp: i64, now: i64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, until| *until + IAT_SKEW_SECONDS >= now);
        match seen.entry((client.to_owned(), jti.to_owned())) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(exp);
                true
            }
        }
    }

    /// Uses up the grant's `jti` (a grant without one is not remembered); a reused one is an `invalid_grant`.
    pub fn claim(&self, grant: &Grant<'_>, now: i64) -> Result<(), GrantError> {
        match &grant.jti {
            Some(j) if !self.record(&grant.client.config.client_id, j, grant.exp, now) => {
                Err(GrantError::claim("The JWT has already been used (jti)."))
            }
            _ => Ok(()),
        }
    }
}

/// Checks `assertion` against the registered `clients`, the issuer identifier `issuer` (the only valid `aud`) and
/// `now` (Unix seconds on the emulator clock). The `jti` is checked and recorded last, by [`SeenJtis::claim`].
pub fn check<'c>(assertion: &str, clients: &'c [Client], issuer: &str, now: i64) -> Result<Grant<'c>, GrantError> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| GrantError::assertion("The assertion is not a JWT signed with RS256, RS384 or RS512."))?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512) {
        return Err(GrantError::assertion("alg must be RS256, RS384 or RS512."));
    }
    let Some(kid) = header.kid.as_deref() else {
        let why = if header.x5c.is_some() {
            "The emulator knows no business certificates: register a key on the client and send its kid."
        } else {
            "The JWT header must have a kid or an x5c."
        };
        return Err(GrantError::assertion(why));
    };
    // The client is named by the (not yet verified) `iss`; its key then verifies everything.
    let unverified: Map<String, Value> = jsonwebtoken::dangerous::insecure_decode_claims(assertion)
        .map_err(|_| GrantError::assertion("The JWT payload is not a JSON object."))?;
    let Some(iss) = unverified.get("iss").and_then(Value::as_str) else {
        return Err(GrantError::assertion("iss (the client id) is missing."));
    };
    let Some(client) = clients.iter().find(|c| c.config.client_id == iss) else {
        return Err(GrantError::new(
            "invalid_client",
            format!("Invalid assertion. Client authentication failed. Unknown client {:?} (MP-100)", clip(iss)),
        ));
    };
    if kid != client.kid {
        return Err(GrantError::new(
            "invalid_grant",
            format!(
                "Invalid assertion. The JWT is signed with an invalid certificate: kid {:?} is not registered for the client (MP-120)",
                clip(kid)
            ),
        ));
    }
    let key = client.public_key().map_err(|_| GrantError::assertion("The client's key cannot be read."))?;
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Map<String, Value>>(assertion, &key, &validation)
        .map_err(|_| GrantError::assertion("The signature is invalid."))?
        .claims;

    match claims.get("aud") {
        Some(Value::String(aud)) if aud == issuer => {}
        Some(Value::Array(_)) => {
            return Err(GrantError::new(
                "invalid_grant",
                format!("Invalid assertion. Invalid JWT claim aud: a single value {issuer:?} is required (MP-110)"),
            ))
        }
        _ => {
            return Err(GrantError::new(
                "invalid_grant",
                format!("Invalid assertion. Invalid JWT claim aud: it must be {issuer:?} (MP-110)"),
            ))
        }
    }
    let seconds = |name: &str| claims.get(name).and_then(Value::as_i64);
    let iat = seconds("iat").ok_or_else(|| GrantError::claim("iat is missing or not a number."))?;
    if (iat - now).abs() > IAT_SKEW_SECONDS {
        return Err(GrantError::claim(&format!(
            "iat is {} seconds from Maskinporten's clock; at most {IAT_SKEW_SECONDS} are accepted.",
            iat - now
        )));
    }
    let exp = seconds("exp").ok_or_else(|| GrantError::claim("exp is missing or not a number."))?;
    if exp - iat > MAX_GRANT_LIFETIME_SECONDS {
        return Err(GrantError::claim(&format!(
            "exp - iat is {} seconds; at most {MAX_GRANT_LIFETIME_SECONDS} are accepted.",
            exp - iat
        )));
    }
    if exp <= now {
        return Err(GrantError::claim("The JWT has expired."));
    }

    let scope = match claims.get("scope") {
        Some(Value::String(s)) => s.as_str(),
        _ => return Err(GrantError::new("invalid_scope", "Invalid scope: the grant requests no scope")),
    };
    let scopes: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
    if scopes.is_empty() {
        return Err(GrantError::new("invalid_scope", "Invalid scope: the grant requests no scope"));
    }
    if let Some(missing) = scopes.iter().find(|s| !client.config.scopes.contains(s)) {
        return Err(GrantError::new(
            "invalid_scope",
            format!("Invalid scope: the client is not registered for {:?}", clip(missing)),
        ));
    }

    let resource = match claims.get("resource") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(Value::String(s.clone())),
        Some(Value::Array(items))
            if !items.is_empty() && items.iter().all(|i| i.as_str().is_some_and(|s| !s.is_empty())) =>
        {
            Some(Value::Array(items.clone()))
        }
        Some(_) => return Err(GrantError::invalid_request("resource must be a URI or an array of URIs")),
    };

    let system_user = match claims.get("authorization_details") {
        None | Some(Value::Null) => None,
        Some(details) => Some(system_user(client, details)?),
    };

    let jti = match claims.get("jti") {
        None | Some(Value::Null) => None,
        Some(Value::String(j)) if !j.is_empty() => Some(j.clone()),
        Some(_) => return Err(GrantError::claim("jti must be a string.")),
    };
    Ok(Grant { client, scopes, resource, system_user, exp, jti })
}

/// `authorization_details` of a system-user grant (§2.3): one `urn:altinn:systemuser` entry naming the org that
/// owns the system user, `0192:`-prefixed or bare (Broker's own clients send it bare), with the externalRef the
/// system user was created with (its org number when created without one).
fn system_user<'c>(client: &'c Client, details: &Value) -> Result<(&'c SystemUserSeed, Option<String>), GrantError> {
    let bad = |why: &str| GrantError::new("invalid_authorization_details", format!("authorization_details: {why}"));
    let entries = details.as_array().ok_or_else(|| bad("must be an array"))?;
    let [entry] = entries.as_slice() else {
        return Err(bad("must hold exactly one entry: one organisation per grant"));
    };
    let entry = entry.as_object().ok_or_else(|| bad("an entry must be an object"))?;
    match entry.get("type").and_then(Value::as_str) {
        Some(SYSTEM_USER_TYPE) => {}
        _ => return Err(bad("type must be urn:altinn:systemuser")),
    }
    let org = entry.get("systemuser_org").and_then(Value::as_object).ok_or_else(|| bad("systemuser_org is missing"))?;
    if org.get("authority").and_then(Value::as_str) != Some(ISO6523_AUTHORITY) {
        return Err(bad("systemuser_org.authority must be iso6523-actorid-upis"));
    }
    let id = org.get("ID").and_then(Value::as_str).ok_or_else(|| bad("systemuser_org.ID is missing"))?;
    let org = parse_iso6523_id(id).ok_or_else(|| bad("systemuser_org.ID must be 0192:<9 digits> or 9 digits"))?;
    let external_ref = match entry.get("externalRef") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad("externalRef must be a string")),
    };
    let wanted = external_ref.clone().unwrap_or_else(|| org.digits().to_owned());
    client
        .config
        .system_users
        .iter()
        .find(|su| su.org == org && su.external_ref.clone().unwrap_or_else(|| su.org.digits().to_owned()) == wanted)
        .map(|su| (su, external_ref))
        .ok_or_else(|| {
            GrantError::new(
                "invalid_altinn_customer_configuration",
                format!(
                    "Altinn found no system user of {} for this client{} (MP-303)",
                    org.digits(),
                    if entries[0].get("externalRef").is_some() {
                        " with that externalRef"
                    } else {
                        " without an externalRef"
                    }
                ),
            )
        })
}

/// `0192:991825827` or `991825827`.
fn parse_iso6523_id(id: &str) -> Option<OrgNumber> {
    let digits = id.strip_prefix("0192:").unwrap_or(id);
    if digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
        OrgNumber::parse_lenient(digits).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jtis_are_forgotten_after_their_grant_expired() {
        let seen = SeenJtis::default();
        assert!(seen.record("c", "j", 100, 50));
        assert!(!seen.record("c", "j", 100, 60));
        assert!(seen.record("other", "j", 100, 60));
        // Past exp + skew: forgotten (the grant itself is refused as expired by then).
        assert!(seen.record("c", "j", 200, 111));
    }

    #[test]
    fn iso6523_ids() {
        assert_eq!(parse_iso6523_id("0192:991825827").unwrap().digits(), "991825827");
        assert_eq!(parse_iso6523_id("991825827").unwrap().digits(), "991825827");
        assert!(parse_iso6523_id("9908:991825827").is_none());
        assert!(parse_iso6523_id("12345").is_none());
    }
}
