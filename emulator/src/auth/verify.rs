//! Bearer token validation as ASP.NET's JwtBearer does it for the service (contract §7.1): RS256 signature,
//! issuer, `exp` and `nbf` with no clock skew, audience not checked. Time is the emulator clock's.
//!
//! A failure is answered with 401, an empty body and the `WWW-Authenticate` value JwtBearer writes.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// Whether the token's lifetime is checked. The tus session rescue (contract §5) accepts an expired token that is
/// otherwise valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    Enforce,
    IgnoreExpiry,
}

/// Why a request is not authenticated. [`Rejection::www_authenticate`] gives the header value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// No `Authorization: Bearer ...` header.
    #[error("no bearer token")]
    NoToken,
    /// Not a JWT, or not one this emulator can read.
    #[error("malformed token")]
    Malformed,
    #[error("the signature is invalid")]
    BadSignature,
    #[error("the issuer {0:?} is invalid")]
    BadIssuer(String),
    #[error("the token has no expiration time")]
    NoExpiry,
    #[error("the token expired at {0}")]
    Expired(OffsetDateTime),
    #[error("the token is not valid before {0}")]
    NotYetValid(OffsetDateTime),
}

impl Rejection {
    /// The parameters JwtBearer adds after `Bearer` in `WWW-Authenticate` (none when there was no token).
    pub fn challenge_params(&self) -> Option<String> {
        let described = |d: String| Some(format!("error=\"invalid_token\", error_description=\"{d}\""));
        match self {
            Rejection::NoToken => None,
            Rejection::Malformed => Some("error=\"invalid_token\"".to_owned()),
            Rejection::BadSignature => described("The signature is invalid".to_owned()),
            Rejection::BadIssuer(iss) => described(format!("The issuer '{}' is invalid", sanitize(iss))),
            Rejection::NoExpiry => described("The token has no expiration".to_owned()),
            Rejection::Expired(t) => described(format!("The token expired at '{}'", dotnet_invariant(*t))),
            Rejection::NotYetValid(t) => described(format!("The token is not valid before '{}'", dotnet_invariant(*t))),
        }
    }

    /// The whole `WWW-Authenticate` value.
    pub fn www_authenticate(&self) -> String {
        match self.challenge_params() {
            Some(p) => format!("Bearer {p}"),
            None => "Bearer".to_owned(),
        }
    }
}

/// Keeps a header value printable: a token's `iss` is caller-controlled.
fn sanitize(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').filter(|c| *c != '"' && *c != '\\').take(200).collect()
}

/// .NET's invariant-culture `DateTime.ToString()`: `MM/dd/yyyy HH:mm:ss`.
fn dotnet_invariant(t: OffsetDateTime) -> String {
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}:{:02}",
        u8::from(t.month()),
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Reads the bearer token from an `Authorization` header value (the scheme is case-insensitive).
pub fn bearer_token(header: Option<&str>) -> Result<&str, Rejection> {
    let value = header.ok_or(Rejection::NoToken)?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(Rejection::NoToken)?;
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Err(Rejection::NoToken);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(Rejection::NoToken);
    }
    Ok(token)
}

/// Checks signature, issuer and lifetime; answers the claims.
pub fn validate(
    token: &str,
    key: &DecodingKey,
    accepted_issuers: &[String],
    now: OffsetDateTime,
    lifetime: Lifetime,
) -> Result<Map<String, Value>, Rejection> {
    let mut validation = Validation::new(Algorithm::RS256);
    // Lifetime and issuer are checked below: the first against the emulator clock, the second to name the
    // offending issuer as JwtBearer does. Audience is not checked by the service.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation).map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature => Rejection::BadSignature,
        _ => Rejection::Malformed,
    })?;
    let claims = data.claims;

    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
    if !accepted_issuers.iter().any(|a| a == iss) {
        return Err(Rejection::BadIssuer(iss.to_owned()));
    }
    let timestamp = |name: &str| -> Result<Option<OffsetDateTime>, Rejection> {
        match claims.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_f64().map(|f| f as i64))
                .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
                .map(Some)
                .ok_or(Rejection::Malformed),
        }
    };
    let exp = timestamp("exp")?.ok_or(Rejection::NoExpiry)?;
    if lifetime == Lifetime::Enforce {
        // No clock skew: a token is expired from its `exp` second on.
        if exp <= now {
            return Err(Rejection::Expired(exp));
        }
        if let Some(nbf) = timestamp("nbf")? {
            if nbf > now {
                return Err(Rejection::NotYetValid(nbf));
            }
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn header_forms() {
        assert_eq!(bearer_token(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer_token(Some("bearer  abc ")), Ok("abc"));
        assert_eq!(bearer_token(None), Err(Rejection::NoToken));
        assert_eq!(bearer_token(Some("Basic abc")), Err(Rejection::NoToken));
        assert_eq!(bearer_token(Some("Bearer ")), Err(Rejection::NoToken));
    }

    #[test]
    fn www_authenticate_values() {
        assert_eq!(Rejection::NoToken.www_authenticate(), "Bearer");
        assert_eq!(
            Rejection::Expired(datetime!(2026-08-18 11:40:51 UTC)).www_authenticate(),
            "Bearer error=\"invalid_token\", error_description=\"The token expired at '08/18/2026 11:40:51'\""
        );
        assert_eq!(
            Rejection::BadIssuer("x\"y".into()).www_authenticate(),
            "Bearer error=\"invalid_token\", error_description=\"The issuer 'xy' is invalid\""
        );
    }
}
