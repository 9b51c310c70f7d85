//! The emulated Maskinporten (events-auth contract §2): an issuer at `{base}/maskinporten/` with its own RS256
//! key, the clients the world registers, and the access tokens it issues for a valid JWT-bearer grant.
//!
//! - [`grant`]: the grant's checks and the OAuth2 errors;
//! - [`keys`]: keys made on first use (the issuer's, and those of clients that registered none).
//!
//! Its tokens are Maskinporten tokens, not Altinn ones: Broker's endpoints take Altinn tokens, which the exchange
//! (`crate::auth::exchange`) makes from these.

pub mod grant;
pub mod keys;

use std::path::Path;
use std::sync::Arc;

use altinn_broker_core::platform::JWT_BEARER_GRANT_TYPE;
use altinn_broker_core::platform::{MASKINPORTEN_ISSUER, MASKINPORTEN_JWKS, MASKINPORTEN_METADATA, MASKINPORTEN_TOKEN};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::DecodingKey;
use serde_json::{json, Map, Value};

use self::grant::{GrantError, SeenJtis, SYSTEM_USER_TYPE};
use self::keys::{client_key_file, LazyKey};
use crate::auth::issuer::ISO6523_AUTHORITY;
use crate::auth::keys::{KeyError, PublicKey, SigningKey};
use crate::auth::{verify, Lifetime, Rejection};
use crate::world::config::{MaskinportenClient, PublicKeyConfig};
use time::OffsetDateTime;

/// Where the keys live inside the data directory.
const KEY_DIR: &str = "auth/maskinporten";
const ISSUER_KEY_FILE: &str = "issuer-key.pem";
/// Lifetime of an access token when the client's registration names none.
pub const DEFAULT_TOKEN_LIFETIME_SECONDS: u32 = 120;
/// `client_amr` of tokens issued for a JWT grant signed with a registered key.
const CLIENT_AMR: &str = "private_key_jwt";

/// A registered client with its key.
#[derive(Debug)]
pub struct Client {
    pub config: MaskinportenClient,
    /// The `kid` its grants must name.
    pub kid: String,
    key: ClientKey,
}

#[derive(Debug)]
enum ClientKey {
    /// The public key the client registered.
    Registered(PublicKey),
    /// A key pair the emulator made for the client (per data dir, on first use).
    Made(LazyKey),
}

impl Client {
    fn new(config: &MaskinportenClient, key_dir: Option<&Path>) -> Result<Self, KeyError> {
        let id = &config.client_id;
        let (registered, jwk_kid) = match &config.public_key {
            Some(PublicKeyConfig::Pem(pem)) => (Some(PublicKey::from_pem(id, pem)?), None),
            Some(PublicKeyConfig::Jwk(jwk)) => {
                (Some(PublicKey::from_jwk(id, &jwk.kty, &jwk.n, &jwk.e)?), jwk.kid.clone())
            }
            None => (None, None),
        };
        let kid = config.kid.clone().or(jwk_kid).unwrap_or_else(|| id.clone());
        let key = match registered {
            Some(k) => ClientKey::Registered(k),
            None => ClientKey::Made(LazyKey::new(key_dir.map(|d| d.join(client_key_file(id))), Some(kid.clone()))),
        };
        Ok(Self { config: config.clone(), kid, key })
    }

    /// The key its grants are checked with.
    pub fn public_key(&self) -> Result<DecodingKey, KeyError> {
        match &self.key {
            ClientKey::Registered(k) => Ok(k.decoding().clone()),
            ClientKey::Made(lazy) => Ok(lazy.get()?.decoding().clone()),
        }
    }

    /// The private JWK of a key the emulator made (`None` for a registered public key): for the local test hook.
    pub fn private_jwk(&self) -> Result<Option<Value>, KeyError> {
        match &self.key {
            ClientKey::Registered(_) => Ok(None),
            ClientKey::Made(lazy) => Ok(Some(lazy.get()?.private_jwk())),
        }
    }

    fn lifetime(&self) -> i64 {
        i64::from(self.config.token_lifetime_seconds.unwrap_or(DEFAULT_TOKEN_LIFETIME_SECONDS))
    }
}

/// Why no token was issued: a refused grant (400 with an OAuth2 error) or a fault of the emulator's keys.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Grant(#[from] GrantError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// The token endpoint's answer (§2.4).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

/// The emulated Maskinporten.
#[derive(Debug)]
pub struct Maskinporten {
    base_url: String,
    issuer: String,
    key: LazyKey,
    clients: Vec<Client>,
    seen: SeenJtis,
}

impl Maskinporten {
    /// The issuer for `base_url` with `clients`; keys are kept under `data_dir` (memory only when `None`). A
    /// registered public key that cannot be read is an error here, at start-up.
    pub fn open(data_dir: Option<&Path>, base_url: &str, clients: &[MaskinportenClient]) -> Result<Self, KeyError> {
        let key_dir = data_dir.map(|d| d.join(KEY_DIR));
        let base_url = base_url.trim_end_matches('/').to_owned();
        let clients = clients.iter().map(|c| Client::new(c, key_dir.as_deref())).collect::<Result<_, _>>()?;
        Ok(Self {
            issuer: format!("{base_url}{MASKINPORTEN_ISSUER}"),
            key: LazyKey::new(key_dir.map(|d| d.join(ISSUER_KEY_FILE)), None),
            base_url,
            clients,
            seen: SeenJtis::default(),
        })
    }

    /// `{base}/maskinporten/`: the grant's `aud` and the tokens' `iss`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The metadata document's URL, which the exchange checks a token's `iss` against (§3.1).
    pub fn metadata_url(&self) -> String {
        format!("{}{MASKINPORTEN_METADATA}", self.base_url)
    }

    pub fn clients(&self) -> &[Client] {
        &self.clients
    }

    /// Every client with its private JWK (see [`Client::private_jwk`]). Keys not made yet are made side by side:
    /// a 2048-bit RSA key takes 0.4-0.8 s in a debug build on a 2-core machine, so the default world's four cost
    /// about half as long in parallel as in a row.
    pub fn clients_with_private_jwks(&self) -> Result<Vec<(&Client, Option<Value>)>, KeyError> {
        std::thread::scope(|scope| {
            let made: Vec<_> = self.clients.iter().map(|c| scope.spawn(move || c.private_jwk())).collect();
            self.clients
                .iter()
                .zip(made)
                .map(|(c, h)| {
                    let jwk = h.join().map_err(|_| KeyError::Generate("key generation panicked".into()))??;
                    Ok((c, jwk))
                })
                .collect()
        })
    }

    /// The signing key (made on first use).
    pub fn signing_key(&self) -> Result<Arc<SigningKey>, KeyError> {
        self.key.get()
    }

    /// Validates a raw Maskinporten token as Broker's `LegacyAndMaskinporten` scheme does (broker-contract §7.1):
    /// signature, issuer, lifetime without clock skew. `None` when the token does not claim this issuer, or when
    /// the key was never made (so nothing was ever signed with it; a data dir's key is read on first use).
    pub fn validate(
        &self,
        token: &str,
        now: OffsetDateTime,
        lifetime: Lifetime,
    ) -> Option<Result<Map<String, Value>, Rejection>> {
        let claims: Map<String, Value> = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return None;
        }
        let key = self.key.get_if_made()?;
        Some(verify::validate(token, key.decoding(), std::slice::from_ref(&self.issuer), now, lifetime))
    }

    /// The authorization server metadata (RFC 8414), the parts Maskinporten's has that a client reads.
    pub fn metadata(&self) -> Value {
        let base = &self.base_url;
        json!({
            "issuer": self.issuer,
            "token_endpoint": format!("{base}{MASKINPORTEN_TOKEN}"),
            "jwks_uri": format!("{base}{MASKINPORTEN_JWKS}"),
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "grant_types_supported": [JWT_BEARER_GRANT_TYPE],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512"],
            "authorization_details_types_supported": [SYSTEM_USER_TYPE],
        })
    }

    /// The JWKS (base64url, as JOSE and Maskinporten write it).
    pub fn jwks(&self) -> Result<Value, KeyError> {
        Ok(json!({ "keys": [self.signing_key()?.jwk()] }))
    }

    /// `POST /token`: the form's `grant_type` and `assertion`, at `now` (Unix seconds, emulator clock).
    pub fn issue(
        &self,
        grant_type: Option<&str>,
        assertion: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, IssueError> {
        match grant_type {
            Some(JWT_BEARER_GRANT_TYPE) => {}
            Some(other) => return Err(GrantError::unsupported_grant_type(other).into()),
            None => return Err(GrantError::invalid_request("grant_type is missing").into()),
        }
        let assertion = assertion
            .filter(|a| !a.is_empty())
            .ok_or_else(|| GrantError::invalid_request("assertion (the JWT grant) is missing"))?;
        let grant = grant::check(assertion, &self.clients, &self.issuer, now)?;
        self.seen.claim(&grant, now)?;
        let lifetime = grant.client.lifetime();
        let claims = self.token_claims(&grant, now, lifetime);
        let key = self.signing_key()?;
        // Maskinporten's tokens carry `kid` and `alg` only, no `typ` (§2.4, observed).
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.typ = None;
        header.kid = Some(key.kid().to_owned());
        let access_token = jsonwebtoken::encode(&header, &claims, key.encoding())
            .map_err(|e| KeyError::Generate(format!("signing: {e}")))?;
        Ok(TokenResponse { access_token, token_type: "Bearer", expires_in: lifetime, scope: grant.scopes.join(" ") })
    }

    /// The access token's claims (§2.4, as observed in tt02 tokens).
    fn token_claims(&self, grant: &grant::Grant<'_>, now: i64, lifetime: i64) -> Map<String, Value> {
        let client = &grant.client.config;
        let mut c = Map::new();
        if let Some((su, external_ref)) = &grant.system_user {
            let mut entry = json!({
                "type": SYSTEM_USER_TYPE,
                "systemuser_org": { "authority": ISO6523_AUTHORITY, "ID": su.org.to_prefixed() },
                "systemuser_id": [su.id],
                "system_id": format!("{}_emulator", client.org.digits()),
            });
            if let Some(r) = external_ref {
                entry["externalRef"] = Value::String(r.clone());
            }
            c.insert("authorization_details".into(), json!([entry]));
        }
        c.insert("scope".into(), grant.scopes.join(" ").into());
        c.insert("iss".into(), self.issuer.clone().into());
        c.insert("client_amr".into(), CLIENT_AMR.into());
        c.insert("token_type".into(), "Bearer".into());
        c.insert("exp".into(), (now + lifetime).into());
        c.insert("iat".into(), now.into());
        c.insert("client_id".into(), client.client_id.clone().into());
        c.insert("jti".into(), random_jti().into());
        c.insert("consumer".into(), json!({ "authority": ISO6523_AUTHORITY, "ID": client.org.to_prefixed() }));
        if let Some(aud) = &grant.resource {
            c.insert("aud".into(), aud.clone());
        }
        c
    }
}

/// An opaque, unguessable token id (Maskinporten's look like 43 base64url characters).
fn random_jti() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
