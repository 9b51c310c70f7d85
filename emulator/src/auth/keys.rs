//! The emulator's RS256 signing key: made once per data directory and kept there, so that tokens issued before a
//! restart still validate after it (issue 2, item 4).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Where the key lives inside the data directory.
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
}

/// The key pair, in the forms signing, validation and the JWKS need.
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
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
        let path = data_dir.join(KEY_FILE);
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
        })
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

    /// The public key as one JWK (`kty`, `use`, `alg`, `kid`, `n`, `e`).
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&self.modulus),
            "e": URL_SAFE_NO_PAD.encode(&self.exponent),
        })
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
