//! Authentication and authorization as the service does them (contract §7), against the emulator's own issuer.
//!
//! - [`keys`]: RS256 keys, made once per data directory;
//! - [`issuer`]: the claims of the test tokens (`GetEnterpriseToken`, `GetSystemUserToken`);
//! - [`maskinporten`]: the emulated Maskinporten (its key, the registered clients, grants and tokens);
//! - [`exchange`]: Altinn's exchange of a Maskinporten token for an Altinn token, and refresh;
//! - [`verify`]: signature, issuer and lifetime checks against the emulator clock;
//! - [`caller`]: who is calling, read from the claims;
//! - [`events_consumer`]: who calls Altinn Events, and the consumer string Events stores;
//! - [`pdp`]: the emulated PDP and the registry rules of initialize.
//!
//! Handlers get a [`Caller`] by taking one of the extractors of [`crate::extract::caller`] (`AsSender`,
//! `AsRecipient`, ...) as an argument: the extractor runs before the body is read, as ASP.NET's authorization
//! filter runs before model binding.

pub mod caller;
pub mod events_consumer;
pub mod exchange;
pub mod issuer;
pub mod keys;
pub mod maskinporten;
pub mod pdp;
pub mod verify;

use std::path::Path;

use axum::http::{header, HeaderMap};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

pub use caller::Caller;
pub use keys::{JwkEncoding, KeyError, SigningKey};
pub use verify::{Lifetime, Rejection};

use crate::error::AppError;

/// Path of the issuer under the base URL, as on Altinn's platform.
pub const ISSUER_PATH: &str = altinn_broker_core::platform::ALTINN_ISSUER;
/// The OpenID configuration, under the issuer.
pub const OPENID_CONFIGURATION_PATH: &str = altinn_broker_core::platform::ALTINN_OPENID_CONFIGURATION;
/// The JWKS, where Altinn publishes it (beside the configuration document).
pub const JWKS_PATH: &str = altinn_broker_core::platform::ALTINN_JWKS;
/// Issuers this data directory has signed as, one per line (the base URL changes with `--port 0`).
const ISSUERS_FILE: &str = "auth/issuers";
/// How many issuers (base URLs) a data directory remembers, newest first; `--port 0` restarts add one each.
const MAX_REMEMBERED_ISSUERS: usize = 64;

/// The service's authorization policies (contract §7.2): each lists scopes of which any one suffices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// `altinn:broker.write`: initialize, upload, tus.
    Sender,
    /// `altinn:broker.read`: download, confirm.
    Recipient,
    /// Either: overview, details, search.
    SenderOrRecipient,
    /// `altinn:serviceowner`: resource, service owner and statistics endpoints.
    ServiceOwner,
}

/// The scopes are the contract's (`altinn_broker_core::scopes`).
pub use altinn_broker_core::scopes::{READ as SCOPE_READ, SERVICE_OWNER as SCOPE_SERVICE_OWNER, WRITE as SCOPE_WRITE};

impl Policy {
    pub const fn scopes(self) -> &'static [&'static str] {
        match self {
            Policy::Sender => &[SCOPE_WRITE],
            Policy::Recipient => &[SCOPE_READ],
            Policy::SenderOrRecipient => &[SCOPE_WRITE, SCOPE_READ],
            Policy::ServiceOwner => &[SCOPE_SERVICE_OWNER],
        }
    }

    /// 403 (empty body) when the caller holds none of the policy's scopes.
    pub fn check(self, caller: &Caller) -> Result<(), AppError> {
        if self.scopes().iter().any(|s| caller.has_scope(s)) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl From<Rejection> for AppError {
    fn from(r: Rejection) -> Self {
        AppError::Unauthenticated { challenge_params: r.challenge_params() }
    }
}

/// The emulator's token authority: signs test tokens and validates bearer tokens.
#[derive(Debug)]
pub struct Auth {
    key: SigningKey,
    issuer: String,
    /// The current issuer first, then earlier ones of this data directory (same key).
    accepted_issuers: Vec<String>,
    /// How the JWKS writes `n` and `e`.
    jwks_encoding: JwkEncoding,
    /// Tokens already verified under `key` and `accepted_issuers` (both fixed for this authority's life).
    verified: verify::VerifiedTokens,
}

impl Auth {
    /// Loads or makes the key in `data_dir` and records the issuer for `base_url` (`http://127.0.0.1:PORT`).
    pub fn open(data_dir: &Path, base_url: &str) -> Result<Self, KeyError> {
        let key = SigningKey::load_or_create(data_dir)?;
        let issuer = issuer_for(base_url);
        let path = data_dir.join(ISSUERS_FILE);
        let io = |source| KeyError::Io { path: path.clone(), source };
        let earlier = match std::fs::read_to_string(&path) {
            Ok(s) => s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(e)),
        };
        let mut accepted_issuers = vec![issuer.clone()];
        accepted_issuers.extend(earlier.into_iter().filter(|i| *i != issuer).take(MAX_REMEMBERED_ISSUERS - 1));
        if accepted_issuers.len() > 1 || !path.exists() {
            let mut text = accepted_issuers.join("\n");
            text.push('\n');
            std::fs::write(&path, text).map_err(io)?;
        }
        Ok(Self { key, issuer, accepted_issuers, jwks_encoding: JwkEncoding::default(), verified: Default::default() })
    }

    /// The same authority publishing its JWKS with `encoding` (`--jwks-base64url`).
    pub fn with_jwks_encoding(mut self, encoding: JwkEncoding) -> Self {
        self.jwks_encoding = encoding;
        self
    }

    /// An authority with a key in memory only (unit tests).
    pub fn ephemeral(base_url: &str) -> Result<Self, KeyError> {
        let issuer = issuer_for(base_url);
        Ok(Self {
            key: SigningKey::ephemeral()?,
            accepted_issuers: vec![issuer.clone()],
            issuer,
            jwks_encoding: JwkEncoding::default(),
            verified: Default::default(),
        })
    }

    /// `<base_url>/authentication/api/v1/openid/`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Signs claims as an RS256 JWT with this authority's key id.
    pub fn sign(&self, claims: &Map<String, Value>) -> Result<String, AppError> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.key.kid().to_owned());
        jsonwebtoken::encode(&header, claims, self.key.encoding()).map_err(AppError::internal)
    }

    /// Validates the request's bearer token; `Lifetime::IgnoreExpiry` is the tus session rescue (contract §5).
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        now: OffsetDateTime,
        lifetime: Lifetime,
    ) -> Result<Caller, Rejection> {
        let value = headers.get(header::AUTHORIZATION).map(|v| v.to_str().map_err(|_| Rejection::Malformed));
        let token = verify::bearer_token(value.transpose()?)?;
        Ok(Caller::from_claims(self.validate(token, now, lifetime)?.as_ref()))
    }

    /// Validates one of this authority's tokens (signature, issuer, lifetime); answers its claims.
    pub fn validate(&self, token: &str, now: OffsetDateTime, lifetime: Lifetime) -> Result<verify::Claims, Rejection> {
        let claims = self
            .verified
            .get_or_verify(token, || verify::verify_signed(token, self.key.decoding(), &self.accepted_issuers))?;
        verify::check_lifetime(&claims, now, lifetime)?;
        Ok(claims)
    }

    /// Authenticates (401) and checks the policy's scopes (403).
    pub fn authorize(&self, headers: &HeaderMap, policy: Policy, now: OffsetDateTime) -> Result<Caller, AppError> {
        let caller = self.authenticate(headers, now, Lifetime::Enforce)?;
        policy.check(&caller)?;
        Ok(caller)
    }

    /// The OpenID configuration document (the parts a JWT validator reads).
    pub fn openid_configuration(&self, base_url: &str) -> Value {
        let base = base_url.trim_end_matches('/');
        json!({
            "issuer": self.issuer,
            "jwks_uri": format!("{base}{JWKS_PATH}"),
            "token_endpoint": format!("{base}/api/GetEnterpriseToken"),
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "claims_supported": ["scope", "urn:altinn:orgNumber", "consumer", "authorization_details", "client_id", "iat", "exp", "jti", "iss"],
        })
    }

    /// The JWKS: this authority's one public key, `n` and `e` in standard Base64 as Altinn writes them (events-auth
    /// contract §3.2), or base64url with `--jwks-base64url`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.key.jwk_encoded(self.jwks_encoding)] })
    }
}

/// The issuer for a base URL.
pub fn issuer_for(base_url: &str) -> String {
    format!("{}{ISSUER_PATH}", base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use altinn_broker_core::OrgNumber;
    use axum::http::HeaderValue;
    use time::macros::datetime;

    fn headers(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
        h
    }

    fn token(auth: &Auth, scopes: &str, now: OffsetDateTime, ttl: &str) -> String {
        let org = OrgNumber::parse_lenient("991825827").unwrap();
        auth.sign(&issuer::enterprise_claims(auth.issuer(), &org, &request(scopes, ttl), now)).unwrap()
    }

    fn request(scopes: &str, ttl: &str) -> issuer::EnterpriseRequest {
        let q = [("env", "tt02"), ("scopes", scopes), ("ttl", ttl)].map(|(k, v)| (k.to_owned(), v.to_owned()));
        issuer::EnterpriseRequest::parse(&issuer::Query(q.to_vec())).unwrap()
    }

    #[test]
    fn validates_signature_issuer_lifetime_and_scope() {
        let auth = Auth::ephemeral("http://127.0.0.1:5096").unwrap();
        let now = datetime!(2026-08-18 11:40:51 UTC);
        let t = token(&auth, "altinn:broker.write", now, "60");
        let caller = auth.authorize(&headers(&t), Policy::Sender, now).unwrap();
        assert_eq!(caller.org.unwrap().digits(), "991825827");
        assert!(matches!(auth.authorize(&headers(&t), Policy::Recipient, now), Err(AppError::Forbidden)));
        assert!(auth.authorize(&headers(&t), Policy::SenderOrRecipient, now).is_ok());

        // Expired exactly at `exp`: no clock skew.
        let later = now + time::Duration::seconds(60);
        assert_eq!(auth.authenticate(&headers(&t), later, Lifetime::Enforce), Err(Rejection::Expired(later)));
        assert!(auth.authenticate(&headers(&t), later, Lifetime::IgnoreExpiry).is_ok());
        let just_before = now + time::Duration::seconds(59);
        assert!(auth.authenticate(&headers(&t), just_before, Lifetime::Enforce).is_ok());

        // The token is remembered as verified, but a copy with one byte of its signature changed is not that token.
        let mut tampered = t.clone().into_bytes();
        let i = tampered.len() - 10;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(auth.authenticate(&headers(&tampered), now, Lifetime::Enforce), Err(Rejection::BadSignature));

        // Another key: bad signature. Another base URL: bad issuer.
        let other = Auth::ephemeral("http://127.0.0.1:5096").unwrap();
        let forged = token(&other, "altinn:broker.write", now, "60");
        assert_eq!(auth.authenticate(&headers(&forged), now, Lifetime::Enforce), Err(Rejection::BadSignature));
        let mut claims = issuer::enterprise_claims(
            "https://evil/",
            &OrgNumber::parse_lenient("991825827").unwrap(),
            &request("a", "1800"),
            now,
        );
        claims.insert("iss".into(), "https://evil/".into());
        let wrong_iss = auth.sign(&claims).unwrap();
        assert_eq!(
            auth.authenticate(&headers(&wrong_iss), now, Lifetime::Enforce),
            Err(Rejection::BadIssuer("https://evil/".into()))
        );
        assert_eq!(auth.authenticate(&headers("abc.def.ghi"), now, Lifetime::Enforce), Err(Rejection::Malformed));
        assert_eq!(auth.authenticate(&HeaderMap::new(), now, Lifetime::Enforce), Err(Rejection::NoToken));
    }

    #[test]
    fn tokens_survive_a_restart_on_another_port() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-08-18 11:40:51 UTC);
        let first = Auth::open(dir.path(), "http://127.0.0.1:40001").unwrap();
        let t = token(&first, "altinn:broker.read", now, "600");
        let second = Auth::open(dir.path(), "http://127.0.0.1:40002").unwrap();
        assert_eq!(second.issuer(), "http://127.0.0.1:40002/authentication/api/v1/openid/");
        assert!(second.authorize(&headers(&t), Policy::Recipient, now).is_ok());
        assert_eq!(first.jwks(), second.jwks());
    }
}
