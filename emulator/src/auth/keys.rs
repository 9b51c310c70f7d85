//! RS256 key pairs made once per data directory and kept there, so that tokens issued before a restart still
//! validate after it (issue 2, item 4): the Altinn issuer's signing key, the emulated Maskinporten's, and the keys
//! the emulator makes for Maskinporten clients that register no public key of their own. Also the public keys
//! clients do register (a PEM or a JWK), for checking their grants.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Where the Altinn issuer's key lives inside the data directory.
const KEY_FILE: &str = "auth/signing-key.pem";
/// Altinn signs with 2048-bit RSA keys.
const KEY_BITS: usize = 2048;

/// Why the key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the signing key at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the signing key at {path} is not a PKCS#1 RSA private key: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error("cannot generate an RSA key: {0}")]
    Generate(String),
    #[error("the public key of Maskinporten client {client:?} cannot be read: {reason}")]
    BadPublicKey { client: String, reason: String },
}

/// How a JWK writes `n` and `e`. JOSE (RFC 7518 §6.3.1) says base64url; Altinn's JWKS writes standard Base64
/// (`Convert.ToBase64String`, events-auth contract §3.2), which strict JOSE libraries refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JwkEncoding {
    /// Standard Base64 with padding, as Altinn's `OpenIdController` writes it.
    #[default]
    Base64,
    /// base64url without padding (RFC 7518).
    Base64Url,
}

impl JwkEncoding {
    fn encode(self, bytes: &[u8]) -> String {
        match self {
            JwkEncoding::Base64 => STANDARD.encode(bytes),
            JwkEncoding::Base64Url => URL_SAFE_NO_PAD.encode(bytes),
        }
    }
}

/// The key pair, in the forms signing, validation and the JWKS need.
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
    private: RsaPrivateKey,
}

impl std::fmt::Debug for SigningKey {
    /// Only the key id: the private key must never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Loads `<data_dir>/auth/signing-key.pem`, or makes and writes it (mode 0600) when it does not exist yet.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        Self::load_or_create_at(&data_dir.join(KEY_FILE))
    }

    /// Loads the PKCS#1 PEM at `path`, or makes and writes it (mode 0600) when it does not exist yet.
    pub fn load_or_create_at(path: &Path) -> Result<Self, KeyError> {
        let path = path.to_owned();
        let io = |source| KeyError::Io { path: path.clone(), source };
        match fs::read_to_string(&path) {
            Ok(pem) => {
                let key = RsaPrivateKey::from_pkcs1_pem(&pem)
                    .map_err(|e| KeyError::Malformed { path: path.clone(), reason: e.to_string() })?;
                Self::from_private(&key)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate_private()?;
                let pem = key.to_pkcs1_pem(LineEnding::LF).map_err(|e| KeyError::Generate(e.to_string()))?;
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir).map_err(io)?;
                }
                write_private_file(&path, pem.as_bytes()).map_err(io)?;
                Self::from_private(&key)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A key that lives only in memory (unit tests).
    pub fn ephemeral() -> Result<Self, KeyError> {
        Self::from_private(&Self::generate_private()?)
    }

    fn generate_private() -> Result<RsaPrivateKey, KeyError> {
        RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS).map_err(|e| KeyError::Generate(e.to_string()))
    }

    fn from_private(key: &RsaPrivateKey) -> Result<Self, KeyError> {
        let der = key.to_pkcs1_der().map_err(|e| KeyError::Generate(e.to_string()))?;
        let modulus = key.n().to_bytes_be();
        let exponent = key.e().to_bytes_be();
        // A stable id derived from the public key, so the JWKS `kid` survives restarts with the key.
        let digest = Sha256::new().chain_update(&modulus).chain_update(&exponent).finalize();
        let kid = hex(&digest[..10]);
        Ok(Self {
            kid,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            decoding: DecodingKey::from_rsa_raw_components(&modulus, &exponent),
            modulus,
            exponent,
            private: key.clone(),
        })
    }

    /// The same key under another key id (a Maskinporten client's registered `kid`).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into();
        self
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The public key as one JWK (`kty`, `use`, `alg`, `kid`, `n`, `e`), base64url as JOSE says.
    pub fn jwk(&self) -> Value {
        self.jwk_encoded(JwkEncoding::Base64Url)
    }

    /// The public key as one JWK with `n` and `e` in `encoding`.
    pub fn jwk_encoded(&self, encoding: JwkEncoding) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": encoding.encode(&self.modulus),
            "e": encoding.encode(&self.exponent),
        })
    }

    /// The whole key pair as a private JWK (RFC 7518 §6.3.2, base64url), in the form WebCrypto's
    /// `importKey('jwk', ...)` and JOSE libraries read. Only for keys the emulator made for a client, handed out by
    /// a local test hook: never for the issuers' own keys.
    pub fn private_jwk(&self) -> Value {
        let k = &self.private;
        let b = |n: &rsa::BigUint| URL_SAFE_NO_PAD.encode(n.to_bytes_be());
        let primes = k.primes();
        let (dp, dq, qi) = match (k.dp(), k.dq(), k.crt_coefficient()) {
            (Some(dp), Some(dq), Some(qi)) => (b(dp), b(dq), b(&qi)),
            _ => (String::new(), String::new(), String::new()),
        };
        json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": b(k.n()),
            "e": b(k.e()),
            "d": b(k.d()),
            "p": primes.first().map(b).unwrap_or_default(),
            "q": primes.get(1).map(b).unwrap_or_default(),
            "dp": dp,
            "dq": dq,
            "qi": qi,
        })
    }
}

/// A public key a Maskinporten client registered: what its grants' signatures are checked with.
#[derive(Clone)]
pub struct PublicKey {
    decoding: DecodingKey,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey").finish_non_exhaustive()
    }
}

impl PublicKey {
    /// An RSA public key in PEM: SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
    pub fn from_pem(client: &str, pem: &str) -> Result<Self, KeyError> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        use rsa::pkcs8::DecodePublicKey;
        let bad = |reason: String| KeyError::BadPublicKey { client: client.to_owned(), reason };
        let key = rsa::RsaPublicKey::from_public_key_pem(pem.trim())
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem.trim()))
            .map_err(|e| bad(format!("not an RSA public key PEM (SPKI or PKCS#1): {e}")))?;
        Ok(Self::from_parts(&key.n().to_bytes_be(), &key.e().to_bytes_be()))
    }

    /// An RSA JWK's `n` and `e` (base64url, as RFC 7518 writes them).
    pub fn from_jwk(client: &str, kty: &str, n: &str, e: &str) -> Result<Self, KeyError> {
        let bad = |reason: String| KeyError::BadPublicKey { client: client.to_owned(), reason };
        if kty != "RSA" {
            return Err(bad(format!("kty is {kty:?}, not \"RSA\"")));
        }
        let n = URL_SAFE_NO_PAD.decode(n.trim_end_matches('=')).map_err(|e| bad(format!("n: {e}")))?;
        let e = URL_SAFE_NO_PAD.decode(e.trim_end_matches('=')).map_err(|e| bad(format!("e: {e}")))?;
        if n.len() < 256 {
            return Err(bad(format!("the modulus has {} bits; Maskinporten wants at least 2048", n.len() * 8)));
        }
        Ok(Self::from_parts(&n, &e))
    }

    fn from_parts(modulus: &[u8], exponent: &[u8]) -> Self {
        Self { decoding: DecodingKey::from_rsa_raw_components(modulus, exponent) }
    }

    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes through a temporary file and a rename, so a crash never leaves half a key behind.
fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("pem.tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwk_encodings_and_private_jwk() {
        let k = SigningKey::ephemeral().unwrap().with_kid("k1");
        let std = k.jwk_encoded(JwkEncoding::Base64);
        let url = k.jwk_encoded(JwkEncoding::Base64Url);
        let n_std = STANDARD.decode(std["n"].as_str().unwrap()).unwrap();
        assert_eq!(n_std, URL_SAFE_NO_PAD.decode(url["n"].as_str().unwrap()).unwrap());
        // 256 bytes are not a multiple of 3: standard Base64 pads, base64url does not.
        assert!(std["n"].as_str().unwrap().ends_with('='));
        assert_eq!(std["e"], "AQAB");
        let private = k.private_jwk();
        assert_eq!(private["kid"], "k1");
        assert_eq!(private["n"], url["n"]);
        for part in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(private[part].as_str().is_some_and(|s| s.len() > 100), "{part}");
        }
        // The public half read back as a client's JWK checks the key pair's signatures.
        let public = PublicKey::from_jwk("c", "RSA", url["n"].as_str().unwrap(), "AQAB").unwrap();
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS512),
            &json!({"a": 1}),
            k.encoding(),
        )
        .unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS512);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        assert!(jsonwebtoken::decode::<Value>(&token, public.decoding(), &v).is_ok());
        assert!(PublicKey::from_jwk("c", "EC", "x", "y").is_err());
        assert!(PublicKey::from_pem("c", "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----").is_err());
    }

    #[test]
    fn kept_across_loads() {
        let dir = tempfile::tempdir().unwrap();
        let a = SigningKey::load_or_create(dir.path()).unwrap();
        let b = SigningKey::load_or_create(dir.path()).unwrap();
        assert_eq!(a.kid(), b.kid());
        assert_eq!(a.jwk(), b.jwk());
        assert_eq!(a.jwk()["e"], "AQAB");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the private key must not be readable by others");
        }
    }

    #[test]
    fn malformed_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("auth")).unwrap();
        fs::write(dir.path().join(KEY_FILE), "not a key").unwrap();
        let err = SigningKey::load_or_create(dir.path()).unwrap_err();
        assert!(matches!(err, KeyError::Malformed { .. }), "{err}");
    }
}
