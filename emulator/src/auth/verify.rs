//! Bearer token validation as ASP.NET's JwtBearer does it for the service (contract §7.1): RS256 signature,
//! issuer, `exp` and `nbf` with no clock skew, audience not checked. Time is the emulator clock's.
//!
//! A failure is answered with 401, an empty body and the `WWW-Authenticate` value JwtBearer writes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
    let claims = verify_signed(token, key, accepted_issuers)?;
    check_lifetime(&claims, now, lifetime)?;
    Ok(claims)
}

/// The checks that hold for a token's whole life: the RS256 signature and the issuer. Answers the claims.
pub fn verify_signed(
    token: &str,
    key: &DecodingKey,
    accepted_issuers: &[String],
) -> Result<Map<String, Value>, Rejection> {
    let mut validation = Validation::new(Algorithm::RS256);
    // Lifetime and issuer are checked apart: the first against the emulator clock, the second to name the
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
    Ok(claims)
}

/// The checks against the emulator clock, made on every request: `exp` (required) and `nbf`, no clock skew.
pub fn check_lifetime(claims: &Map<String, Value>, now: OffsetDateTime, lifetime: Lifetime) -> Result<(), Rejection> {
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
    Ok(())
}

/// Tokens whose signature and issuer were already checked, keyed by the SHA-256 of the whole token (so a token
/// that differs in any byte, its signature included, is checked afresh), with their claims. The real service
/// verifies the RS256 signature on every request; the emulator remembers the verdict because that verification
/// is most of an overview request's CPU (issue 12: p99 at 500 req/s) and its outcome cannot change for the same
/// bytes under the same key. Lifetime is still checked on every request against the emulator clock, so an expired
/// token is refused exactly as before. Failures are not remembered. Bounded: when full it is emptied (a burst of
/// distinct tokens costs a verification each, as without the cache).
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    entries: Mutex<HashMap<[u8; 32], Claims>>,
}

/// A verified token's claims, shared by the cache and the requests that present it.
pub type Claims = Arc<Map<String, Value>>;

impl VerifiedTokens {
    /// Enough for every token a test suite or benchmark holds at once.
    const CAPACITY: usize = 1024;

    /// The claims of `token`, from the cache or from `verify` (remembered when it succeeds).
    pub fn get_or_verify(
        &self,
        token: &str,
        verify: impl FnOnce() -> Result<Map<String, Value>, Rejection>,
    ) -> Result<Claims, Rejection> {
        use sha2::{Digest, Sha256};
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(claims) = self.entries.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(claims);
        }
        let claims = Arc::new(verify()?);
        if let Ok(mut m) = self.entries.lock() {
            if m.len() >= Self::CAPACITY {
                m.clear();
            }
            m.insert(key, Arc::clone(&claims));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn remembers_verified_tokens_by_their_exact_bytes_and_never_failures() {
        let cache = VerifiedTokens::default();
        let calls = std::cell::Cell::new(0);
        let verify = |verdict: Result<(), Rejection>| {
            let calls = &calls;
            move || {
                calls.set(calls.get() + 1);
                verdict.map(|()| Map::new())
            }
        };
        assert!(cache.get_or_verify("a.b.c", verify(Ok(()))).is_ok());
        assert!(cache.get_or_verify("a.b.c", verify(Ok(()))).is_ok());
        assert_eq!(calls.get(), 1, "the second presentation is not verified again");
        assert!(cache.get_or_verify("a.b.d", verify(Ok(()))).is_ok());
        assert_eq!(calls.get(), 2, "another token is verified");
        for _ in 0..2 {
            assert_eq!(
                cache.get_or_verify("x.y.z", verify(Err(Rejection::BadSignature))),
                Err(Rejection::BadSignature)
            );
        }
        assert_eq!(calls.get(), 4, "a refusal is not remembered");
        for i in 0..=VerifiedTokens::CAPACITY {
            assert!(cache.get_or_verify(&format!("t{i}"), verify(Ok(()))).is_ok());
        }
        assert!(cache.entries.lock().unwrap().len() <= VerifiedTokens::CAPACITY);
    }

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
