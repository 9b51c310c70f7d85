//! The test token generator, in the shape of Altinn's (`GetEnterpriseToken`, `GetSystemUserToken`): which claims
//! each kind of token carries (contract §7.3).
//!
//! Times come from the emulator clock, so advancing it expires tokens exactly as it expires transfers.

use altinn_broker_core::OrgNumber;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

/// `consumer.authority` and `systemuser_org.authority` in Altinn tokens.
pub const ISO6523_AUTHORITY: &str = "iso6523-actorid-upis";
/// Lifetime of a token when the request gives no `ttl` (the real generator's default, 30 minutes).
pub const DEFAULT_TTL_SECONDS: i64 = 1800;
/// Longest lifetime a test token may ask for (one year), so `exp` always stays a sane timestamp.
pub const MAX_TTL_SECONDS: i64 = 365 * 86_400;

/// Why a token request was refused (answered with 400 and this text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRequestError {
    #[error("{param} is required")]
    Missing { param: &'static str },
    #[error("{param} must be an organisation number of 9 digits, got {value:?}")]
    BadOrg { param: &'static str, value: String },
    #[error("scopes must name at least one scope (space or comma separated)")]
    NoScopes,
    #[error("ttl must be a whole number of seconds between 1 and {MAX_TTL_SECONDS}, got {0:?}")]
    BadTtl(String),
}

/// What every generated token shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub scopes: Vec<String>,
    pub ttl_seconds: i64,
}

impl TokenRequest {
    /// Reads `scopes` (space or comma separated) and `ttl` (seconds, optional).
    pub fn parse(scopes: Option<&str>, ttl: Option<&str>) -> Result<Self, TokenRequestError> {
        let scopes: Vec<String> = scopes
            .ok_or(TokenRequestError::Missing { param: "scopes" })?
            .split([' ', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if scopes.is_empty() {
            return Err(TokenRequestError::NoScopes);
        }
        let ttl_seconds = match ttl.map(str::trim).filter(|t| !t.is_empty()) {
            None => DEFAULT_TTL_SECONDS,
            Some(t) => match t.parse::<i64>() {
                Ok(n) if (1..=MAX_TTL_SECONDS).contains(&n) => n,
                _ => return Err(TokenRequestError::BadTtl(t.to_owned())),
            },
        };
        Ok(Self { scopes, ttl_seconds })
    }
}

/// Reads a 9-digit organisation number parameter (`0192:` or URN forms are accepted too).
pub fn parse_org_param(param: &'static str, value: Option<&str>) -> Result<OrgNumber, TokenRequestError> {
    let value = value.map(str::trim).filter(|v| !v.is_empty()).ok_or(TokenRequestError::Missing { param })?;
    OrgNumber::parse_lenient(value).map_err(|_| TokenRequestError::BadOrg { param, value: value.to_owned() })
}

fn base_claims(issuer: &str, req: &TokenRequest, now: OffsetDateTime) -> Map<String, Value> {
    let iat = now.unix_timestamp();
    let mut claims = Map::new();
    claims.insert("scope".into(), req.scopes.join(" ").into());
    claims.insert("token_type".into(), "Bearer".into());
    claims.insert("iat".into(), iat.into());
    claims.insert("nbf".into(), iat.into());
    claims.insert("exp".into(), (iat + req.ttl_seconds).into());
    claims.insert("iss".into(), issuer.into());
    claims.insert("jti".into(), Uuid::new_v4().to_string().into());
    claims.insert("urn:altinn:authenticatemethod".into(), "maskinporten".into());
    claims.insert("urn:altinn:authlevel".into(), 3.into());
    claims
}

fn consumer(org: &OrgNumber) -> Value {
    json!({ "authority": ISO6523_AUTHORITY, "ID": org.to_prefixed() })
}

/// An enterprise (Maskinporten exchanged) token: `scope`, `urn:altinn:orgNumber`, `consumer`, `client_id`.
pub fn enterprise_claims(issuer: &str, org: &OrgNumber, req: &TokenRequest, now: OffsetDateTime) -> Map<String, Value> {
    let mut claims = base_claims(issuer, req, now);
    claims.insert("client_id".into(), Uuid::new_v4().to_string().into());
    claims.insert("consumer".into(), consumer(org));
    claims.insert("urn:altinn:orgNumber".into(), org.digits().into());
    claims
}

/// The optional parts of a system user token; each defaults to a fresh id or to the system user's org.
#[derive(Debug, Clone, Default)]
pub struct SystemUserOptions {
    pub system_user_id: Option<String>,
    pub system_id: Option<String>,
    pub client_id: Option<String>,
    /// The vendor that owns the system (`consumer`); defaults to the system user's org.
    pub supplier: Option<OrgNumber>,
}

/// A system user token: `authorization_details` (`systemuser_org` names the org the system user acts for) and a
/// `consumer` naming the system's vendor. It has no `urn:altinn:orgNumber`.
pub fn system_user_claims(
    issuer: &str,
    org: &OrgNumber,
    options: &SystemUserOptions,
    req: &TokenRequest,
    now: OffsetDateTime,
) -> Map<String, Value> {
    let mut claims = base_claims(issuer, req, now);
    let supplier = options.supplier.unwrap_or(*org);
    let system_user_id = options.system_user_id.clone().unwrap_or_else(|| Uuid::new_v4().to_string());
    let system_id = options.system_id.clone().unwrap_or_else(|| format!("{}_emulator", supplier.digits()));
    claims.insert("client_id".into(), options.client_id.clone().unwrap_or_else(|| Uuid::new_v4().to_string()).into());
    claims.insert("consumer".into(), consumer(&supplier));
    claims.insert(
        "authorization_details".into(),
        json!({
            "type": "urn:altinn:systemuser",
            "systemuser_id": [system_user_id],
            "systemuser_org": { "authority": ISO6523_AUTHORITY, "ID": org.to_prefixed() },
            "system_id": system_id,
        }),
    );
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses_scopes_and_ttl() {
        let r = TokenRequest::parse(Some("altinn:broker.write, altinn:broker.read"), None).unwrap();
        assert_eq!(r.scopes, ["altinn:broker.write", "altinn:broker.read"]);
        assert_eq!(r.ttl_seconds, DEFAULT_TTL_SECONDS);
        assert_eq!(TokenRequest::parse(Some("a"), Some("60")).unwrap().ttl_seconds, 60);
        assert_eq!(TokenRequest::parse(None, None), Err(TokenRequestError::Missing { param: "scopes" }));
        assert_eq!(TokenRequest::parse(Some(" , "), None), Err(TokenRequestError::NoScopes));
        for bad in ["0", "-5", "x", "1.5", "31536001"] {
            assert_eq!(TokenRequest::parse(Some("a"), Some(bad)), Err(TokenRequestError::BadTtl(bad.into())));
        }
    }

    #[test]
    fn org_params() {
        assert_eq!(parse_org_param("orgNo", Some("991825827")).unwrap().digits(), "991825827");
        assert_eq!(parse_org_param("orgNo", Some("0192:991825827")).unwrap().digits(), "991825827");
        assert_eq!(parse_org_param("orgNo", None), Err(TokenRequestError::Missing { param: "orgNo" }));
        assert!(matches!(parse_org_param("orgNo", Some("12345")), Err(TokenRequestError::BadOrg { .. })));
    }

    #[test]
    fn enterprise_shape() {
        let org = OrgNumber::parse_lenient("991825827").unwrap();
        let req = TokenRequest::parse(Some("altinn:broker.write"), Some("100")).unwrap();
        let c = enterprise_claims("https://iss/", &org, &req, datetime!(2026-01-01 00:00 UTC));
        assert_eq!(c["scope"], "altinn:broker.write");
        assert_eq!(c["urn:altinn:orgNumber"], "991825827");
        assert_eq!(c["consumer"], json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}));
        assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 100);
        assert_eq!(c["iss"], "https://iss/");
        assert!(Uuid::parse_str(c["jti"].as_str().unwrap()).is_ok());
    }

    #[test]
    fn system_user_shape() {
        let org = OrgNumber::parse_lenient("986252932").unwrap();
        let vendor = OrgNumber::parse_lenient("991825827").unwrap();
        let req = TokenRequest::parse(Some("altinn:broker.read"), None).unwrap();
        let opts = SystemUserOptions { supplier: Some(vendor), ..Default::default() };
        let c = system_user_claims("https://iss/", &org, &opts, &req, datetime!(2026-01-01 00:00 UTC));
        assert_eq!(c["authorization_details"]["systemuser_org"]["ID"], "0192:986252932");
        assert_eq!(c["authorization_details"]["type"], "urn:altinn:systemuser");
        assert_eq!(c["consumer"]["ID"], "0192:991825827");
        assert!(c.get("urn:altinn:orgNumber").is_none());
    }
}
