//! The key a resumable upload is stored under. It must find the same file after a reload without putting the
//! file's name in storage: the name, size, modification time and the first and last 64 KiB are hashed together
//! with SHA-256, and only the hash is kept. Reading the sample costs two small Blob slices, never the file.

use js_sys::Uint8Array;
use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::error::Error;
use crate::upload::md5::hex;
use crate::upload::source::Source;

/// Bytes sampled at each end of the file.
pub const SAMPLE: u64 = 64 * 1024;

/// What identifies a file, hashed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Material<'a> {
    pub size: u64,
    pub name: Option<&'a str>,
    pub last_modified: Option<f64>,
    /// The caller's own key (the only identity a stream has).
    pub hint: Option<&'a str>,
    pub head: &'a [u8],
    pub tail: &'a [u8],
}

/// Lower-case hex SHA-256 over length-prefixed fields, so no two different inputs run together.
pub fn digest(m: &Material<'_>) -> String {
    let mut h = Sha256::new();
    h.update(b"altinn-broker-client/tus-fingerprint/v1");
    let mut field = |tag: u8, bytes: &[u8]| {
        h.update([tag]);
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(1, &m.size.to_be_bytes());
    field(2, m.name.unwrap_or_default().as_bytes());
    field(3, &m.last_modified.unwrap_or(-1.0).to_be_bytes());
    field(4, m.hint.unwrap_or_default().as_bytes());
    field(5, m.head);
    field(6, m.tail);
    hex(&h.finalize())
}

async fn blob_bytes(blob: &web_sys::Blob, start: f64, end: f64) -> Result<Vec<u8>, Error> {
    let slice =
        blob.slice_with_f64_and_f64(start, end).map_err(|e| Error::client_caused("cannot slice the Blob", e))?;
    let buf =
        JsFuture::from(slice.array_buffer()).await.map_err(|e| Error::client_caused("cannot read the Blob", e))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// The fingerprint of `source`, or `None` for a stream without a `hint` (nothing identifies it).
pub async fn of_source(source: &Source, hint: Option<&str>) -> Result<Option<String>, Error> {
    let Some(size) = source.size() else { return Ok(None) };
    let size = size as u64;
    let head_end = SAMPLE.min(size);
    let tail_start = size.saturating_sub(SAMPLE).max(head_end);
    let (head, tail, name, last_modified) = match source {
        Source::Blob(b) => {
            let (name, modified) = match b.dyn_ref::<web_sys::File>() {
                Some(f) => (Some(f.name()), Some(f.last_modified())),
                None => (None, None),
            };
            let head = blob_bytes(b, 0.0, head_end as f64).await?;
            let tail = blob_bytes(b, tail_start as f64, size as f64).await?;
            (head, tail, name, modified)
        }
        Source::Bytes(b) => {
            let head = b.subarray(0, head_end as u32).to_vec();
            let tail = b.subarray(tail_start as u32, size as u32).to_vec();
            (head, tail, None, None)
        }
        Source::Stream { .. } => {
            if hint.is_none() {
                return Ok(None);
            }
            (Vec::new(), Vec::new(), None, None)
        }
    };
    Ok(Some(digest(&Material { size, name: name.as_deref(), last_modified, hint, head: &head, tail: &tail })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_counts_and_names_stay_hidden() {
        let base = Material { size: 10, name: Some("secret-report.pdf"), head: b"abc", ..Default::default() };
        let d = digest(&base);
        assert_eq!(d.len(), 64);
        assert!(!d.contains("secret"));
        assert_eq!(d, digest(&base.clone()));
        assert_ne!(d, digest(&Material { size: 11, ..base.clone() }));
        assert_ne!(d, digest(&Material { name: Some("other.pdf"), ..base.clone() }));
        assert_ne!(d, digest(&Material { last_modified: Some(1.0), ..base.clone() }));
        assert_ne!(d, digest(&Material { head: b"abd", ..base.clone() }));
        assert_ne!(d, digest(&Material { hint: Some("k"), ..base.clone() }));
        // Length prefixes: moving a byte from one field to the next changes the digest.
        assert_ne!(
            digest(&Material { head: b"ab", tail: b"c", ..base.clone() }),
            digest(&Material { head: b"a", tail: b"bc", ..base })
        );
    }
}
