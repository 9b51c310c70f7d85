//! Keys made on first use and kept in the data directory: the emulated Maskinporten's signing key and the keys of
//! clients that registered none. RSA key generation takes a noticeable part of a second, so a data directory
//! that never meets Maskinporten never pays for it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::auth::keys::{KeyError, SigningKey};

/// A key pair made (or read) the first time it is asked for, then kept.
#[derive(Debug)]
pub struct LazyKey {
    /// The PEM file in the data directory; `None`: memory only (unit tests).
    path: Option<PathBuf>,
    /// The key id to give it; `None`: the one derived from the public key.
    kid: Option<String>,
    cell: Mutex<Option<Arc<SigningKey>>>,
}

impl LazyKey {
    pub fn new(path: Option<PathBuf>, kid: Option<String>) -> Self {
        Self { path, kid, cell: Mutex::new(None) }
    }

    /// The key if it exists (in memory, or in its file from an earlier start), without making one: a key that
    /// was never made has signed nothing.
    pub fn get_if_made(&self) -> Option<Arc<SigningKey>> {
        let made = self.cell.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match (made, &self.path) {
            (Some(k), _) => Some(k),
            (None, Some(p)) if p.exists() => self.get().ok(),
            (None, _) => None,
        }
    }

    /// The key, made and written under the lock, so that concurrent first requests agree on one key.
    pub fn get(&self) -> Result<Arc<SigningKey>, KeyError> {
        let mut cell = self.cell.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = cell.as_ref() {
            return Ok(k.clone());
        }
        let key = match &self.path {
            Some(p) => SigningKey::load_or_create_at(p)?,
            None => SigningKey::ephemeral()?,
        };
        let key = Arc::new(match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        });
        *cell = Some(key.clone());
        Ok(key)
    }
}

/// A file name for a client's key that any client id maps to safely (ids may hold `/`, `:` or worse).
pub fn client_key_file(client_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(client_id.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("client-{hex}.pem")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth/maskinporten/k.pem");
        assert!(!path.exists());
        let a = LazyKey::new(Some(path.clone()), Some("kid-1".into()));
        assert!(a.get_if_made().is_none());
        assert!(!path.exists(), "asking whether it exists does not make it");
        let k1 = a.get().unwrap();
        assert!(path.exists());
        assert_eq!(k1.kid(), "kid-1");
        assert!(Arc::ptr_eq(&k1, &a.get().unwrap()));
        let again = LazyKey::new(Some(path), Some("kid-1".into())).get_if_made().unwrap();
        assert_eq!(k1.jwk(), again.jwk());
        assert_ne!(client_key_file("a/b"), client_key_file("a:b"));
    }
}
