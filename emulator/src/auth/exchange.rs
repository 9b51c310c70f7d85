//! Altinn's token exchange and refresh (events-auth contract §3.1, §3.3), as
//! `src/Authentication/Controllers/AuthenticationController.cs` (Altinn/altinn-authentication @ad4f6f36) does them:
//! `ExchangeExternalSystemToken` → `AuthenticateMaskinportenToken`, and `RefreshJwtCookie`, both ending in
//! `GenerateToken` (fresh `iat`/`nbf`, `exp` = now + `JwtValidityMinutes`, 30).
//!
//! The tokens are signed with the Altinn key (`crate::auth::Auth`), so Broker's endpoints take them exactly as they
//! take the test generator's.

use std::collections::BTreeMap;
use std::sync::Arc;

use altinn_broker_core::seed::{DIGDIR_ORG_CODE, TEST_ORG_CODE};
use altinn_broker_core::OrgNumber;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::issuer::ISO6523_AUTHORITY;
use super::maskinporten::Maskinporten;
use super::{verify, Auth, Lifetime};
use crate::error::AppError;

/// `GeneralSettings.JwtValidityMinutes` in Altinn's `appsettings.json`.
pub const ALTINN_TOKEN_LIFETIME_SECONDS: i64 = 30 * 60;
/// `ClockSkew` of the Maskinporten token's validation in the exchange.
const MASKINPORTEN_CLOCK_SKEW_SECONDS: i64 = 10;
/// The header whose presence asked for an enterprise-user token, a flow Altinn discontinued.
pub const ENTERPRISE_USER_HEADER: &str = "X-Altinn-EnterpriseUser-Authentication";
/// The cookie `JwtCookie` reads the token from when there is no `Authorization` header (§1.1).
pub const RUNTIME_COOKIE: &str = "AltinnStudioRuntime";
/// The scope whose presence (as a substring of `scope`, `HasServiceOwnerScope`) adds `urn:altinn:org`.
const SERVICE_OWNER_SCOPE: &str = "altinn:serviceowner";

/// Why there is no exchanged token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// 401, empty body: no token, an unreadable or invalid one, an issuer or a consumer the exchange refuses.
    #[error("unauthorized")]
    Unauthorized,
    /// 400 with the controller's text.
    #[error(
        "Invalid token provider: {0}. Trusted token providers are 'Maskinporten', 'Id-porten' and 'AltinnStudio'."
    )]
    UnknownProvider(String),
    /// 410 ProblemDetails: `X-Altinn-EnterpriseUser-Authentication` was sent.
    #[error("Virksomhetsbruker is no longer available")]
    EnterpriseUserGone,
}

/// One exchange request as the controller reads it.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeRequest<'a> {
    /// The `{tokenProvider}` route value.
    pub provider: &'a str,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// `?test=true`.
    pub test: bool,
    /// Whether `X-Altinn-EnterpriseUser-Authentication` has a non-empty value.
    pub enterprise_user: bool,
}

/// What the exchange needs of the world: the organisation register (`altinn-orgs.json`).
pub type OrgCodes = BTreeMap<OrgNumber, String>;

/// `ExchangeExternalSystemToken`: the token from `Authorization: Bearer` (the scheme case-insensitive), which must
/// be a readable JWT (401), then the provider (400 when unknown).
pub fn exchange(
    req: ExchangeRequest<'_>,
    maskinporten: &Maskinporten,
    altinn: &Auth,
    org_codes: &OrgCodes,
    now: OffsetDateTime,
) -> Result<String, ExchangeError> {
    let token = req
        .authorization
        .and_then(|a| a.get(..7).filter(|s| s.eq_ignore_ascii_case("Bearer ")).map(|_| a[7..].trim()))
        .filter(|t| !t.is_empty())
        .ok_or(ExchangeError::Unauthorized)?;
    if jsonwebtoken::decode_header(token).is_err() {
        return Err(ExchangeError::Unauthorized);
    }
    match req.provider.to_lowercase().as_str() {
        "maskinporten" => exchange_maskinporten(token, req, maskinporten, altinn, org_codes, now),
        // The emulator plays no ID-porten and no Altinn Studio: no token validates against their keys.
        "id-porten" | "altinnstudio" => Err(ExchangeError::Unauthorized),
        _ => Err(ExchangeError::UnknownProvider(req.provider.to_owned())),
    }
}

/// `AuthenticateMaskinportenToken`.
fn exchange_maskinporten(
    token: &str,
    req: ExchangeRequest<'_>,
    maskinporten: &Maskinporten,
    altinn: &Auth,
    org_codes: &OrgCodes,
    now: OffsetDateTime,
) -> Result<String, ExchangeError> {
    let key = maskinporten.signing_key().map_err(|_| ExchangeError::Unauthorized)?;
    let mut claims = validate_maskinporten_token(token, key.decoding(), now.unix_timestamp())?;

    // `IsValidIssuer`: `iss` must be a substring of a configured metadata URL.
    let iss = claims.get("iss").and_then(Value::as_str).ok_or(ExchangeError::Unauthorized)?;
    if !maskinporten.metadata_url().contains(iss) {
        return Err(ExchangeError::Unauthorized);
    }
    let org_number = consumer_org_number(claims.get("consumer")).ok_or(ExchangeError::Unauthorized)?;

    let scope = claims.get("scope").and_then(Value::as_str).unwrap_or_default();
    let org = if scope.contains(SERVICE_OWNER_SCOPE) {
        OrgNumber::parse_lenient(&org_number)
            .ok()
            .filter(|o| o.digits() == org_number)
            .and_then(|o| org_codes.get(&o).cloned())
            .map(|code| if code == DIGDIR_ORG_CODE && req.test { TEST_ORG_CODE.to_owned() } else { code })
    } else {
        None
    };
    if req.enterprise_user {
        return Err(ExchangeError::EnterpriseUserGone);
    }

    // Every claim is copied, then the first of each of these is removed (an array claim is one claim per element).
    for name in ["aud", "iss", "client_amr", "sid"] {
        remove_first(&mut claims, name);
    }
    if let Some(org) = org {
        claims.insert("urn:altinn:org".into(), org.into());
    }
    claims.insert("urn:altinn:orgNumber".into(), org_number.into());
    claims.insert("urn:altinn:authenticatemethod".into(), "maskinporten".into());
    claims.insert("urn:altinn:authlevel".into(), 3.into());
    claims.insert("iss".into(), altinn.issuer().into());
    claims.insert("sid".into(), Uuid::new_v4().to_string().into());
    // Observed exchanged tokens carry a new GUID jti (contract §3.1), not Maskinporten's.
    claims.insert("jti".into(), Uuid::new_v4().to_string().into());
    // A one-element array claim is one claim, written back as a plain value: the system user's
    // `authorization_details` becomes one object (observed).
    if let Some(Value::Array(items)) = claims.get("authorization_details") {
        if let [only] = items.as_slice() {
            let only = only.clone();
            claims.insert("authorization_details".into(), only);
        }
    }
    generate_token(altinn, claims, now)
}

/// Signature (Maskinporten's key), `exp` required, lifetime with 10 s of clock skew; issuer and audience are not
/// checked by the validator.
fn validate_maskinporten_token(
    token: &str,
    key: &jsonwebtoken::DecodingKey,
    now: i64,
) -> Result<Map<String, Value>, ExchangeError> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation)
        .map_err(|_| ExchangeError::Unauthorized)?
        .claims;
    let exp = claims.get("exp").and_then(Value::as_i64).ok_or(ExchangeError::Unauthorized)?;
    if exp < now - MASKINPORTEN_CLOCK_SKEW_SECONDS {
        return Err(ExchangeError::Unauthorized);
    }
    if let Some(nbf) = claims.get("nbf") {
        match nbf.as_i64() {
            Some(nbf) if nbf <= now + MASKINPORTEN_CLOCK_SKEW_SECONDS => {}
            _ => return Err(ExchangeError::Unauthorized),
        }
    }
    Ok(claims)
}

/// `GetOrganisationNumberFromConsumerClaim`: `consumer` as JSON with `authority` exactly `iso6523-actorid-upis`;
/// the org number is the part of `ID` after its first `:` (an `ID` without one throws: 401).
fn consumer_org_number(consumer: Option<&Value>) -> Option<String> {
    let parsed;
    let consumer = match consumer? {
        Value::Object(o) => o,
        Value::String(s) => {
            parsed = serde_json::from_str::<Map<String, Value>>(s).ok()?;
            &parsed
        }
        _ => return None,
    };
    if consumer.get("authority").and_then(Value::as_str) != Some(ISO6523_AUTHORITY) {
        return None;
    }
    let id = match consumer.get("ID")? {
        Value::String(s) => s.clone(),
        Value::Null => return None,
        other => other.to_string(),
    };
    let org = id.split(':').nth(1)?;
    (!org.is_empty()).then(|| org.to_owned())
}

/// Removes the first claim named `name`: the member, or the first element of an array member.
fn remove_first(claims: &mut Map<String, Value>, name: &str) {
    if let Some(Value::Array(items)) = claims.get_mut(name) {
        if items.len() > 1 {
            items.remove(0);
            if let [only] = items.as_slice() {
                let only = only.clone();
                claims.insert(name.to_owned(), only);
            }
            return;
        }
    }
    claims.remove(name);
}

/// `RefreshJwtCookie`: the caller's valid, unexpired Altinn token (`Authorization: Bearer`, else the
/// `AltinnStudioRuntime` cookie) again, with fresh `iat`/`nbf` and `exp` = now + 30 min.
pub fn refresh(
    authorization: Option<&str>,
    cookie: Option<&str>,
    altinn: &Auth,
    now: OffsetDateTime,
) -> Result<String, ExchangeError> {
    let token = match authorization {
        Some(h) => verify::bearer_token(Some(h)).map_err(|_| ExchangeError::Unauthorized)?.to_owned(),
        None => runtime_cookie(cookie).ok_or(ExchangeError::Unauthorized)?,
    };
    let claims = altinn.validate(&token, now, Lifetime::Enforce).map_err(|_| ExchangeError::Unauthorized)?;
    generate_token(altinn, Arc::unwrap_or_clone(claims), now)
}

/// The `AltinnStudioRuntime` value of a `Cookie` header.
fn runtime_cookie(cookie: Option<&str>) -> Option<String> {
    cookie?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == RUNTIME_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `GenerateToken`: the claims with `iat` = `nbf` = now and `exp` = now + `JwtValidityMinutes`, signed by Altinn.
fn generate_token(altinn: &Auth, mut claims: Map<String, Value>, now: OffsetDateTime) -> Result<String, ExchangeError> {
    let iat = now.unix_timestamp();
    claims.insert("iat".into(), iat.into());
    claims.insert("nbf".into(), iat.into());
    claims.insert("exp".into(), (iat + ALTINN_TOKEN_LIFETIME_SECONDS).into());
    altinn.sign(&claims).map_err(|e: AppError| {
        tracing::error!(error = %e, "cannot sign an exchanged token");
        ExchangeError::Unauthorized
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn consumer_forms() {
        let ok = json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"});
        assert_eq!(consumer_org_number(Some(&ok)).as_deref(), Some("991825827"));
        assert_eq!(consumer_org_number(Some(&Value::String(ok.to_string()))).as_deref(), Some("991825827"));
        // `Split(":")[1]`: the second part, not the last.
        let three = json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827:x"});
        assert_eq!(consumer_org_number(Some(&three)).as_deref(), Some("991825827"));
        for bad in [
            json!({"authority": "ISO6523-ACTORID-UPIS", "ID": "0192:991825827"}),
            json!({"authority": "iso6523-actorid-upis", "ID": "991825827"}),
            json!({"authority": "iso6523-actorid-upis"}),
            json!({"ID": "0192:991825827"}),
            json!("not json"),
            json!(5),
        ] {
            assert_eq!(consumer_org_number(Some(&bad)), None, "{bad}");
        }
        assert_eq!(consumer_org_number(None), None);
    }

    #[test]
    fn first_claim_removal() {
        let mut c = json!({"aud": ["a", "b"], "sid": "s", "iss": "i"}).as_object().unwrap().clone();
        for n in ["aud", "iss", "client_amr", "sid"] {
            remove_first(&mut c, n);
        }
        assert_eq!(Value::Object(c), json!({"aud": "b"}));
    }

    #[test]
    fn runtime_cookie_is_read() {
        assert_eq!(runtime_cookie(Some("a=1; AltinnStudioRuntime=eyJ.x.y; b=2")).as_deref(), Some("eyJ.x.y"));
        assert_eq!(runtime_cookie(Some("a=1")), None);
        assert_eq!(runtime_cookie(None), None);
    }
}
