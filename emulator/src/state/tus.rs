//! What the tus engine keeps in process memory, as tusdotnet does: accepted offsets that may run ahead of the
//! committed ones, the never-persisted `Upload-Metadata`, and the per-upload file lock. Kept in the state so every
//! request and the finalisation job see the same table.

use std::collections::HashMap;
use std::sync::Mutex;

use super::AppState;

/// What the service keeps in process memory per upload: the accepted offset (which may run ahead of the committed
/// one while a chunk's commit is pending), the `Upload-Metadata` (never persisted), and tusdotnet's file lock.
#[derive(Debug, Default)]
pub struct Live {
    uploads: Mutex<HashMap<String, LiveUpload>>,
}

#[derive(Debug, Default, Clone)]
struct LiveUpload {
    /// Accepted offset and chunk count, when ahead of (or equal to) the store's committed values.
    accepted: Option<(u64, u64)>,
    metadata: Option<String>,
    locked: bool,
}

/// Holds tusdotnet's in-memory file lock of one upload until dropped.
pub struct UploadLock {
    state: AppState,
    upload_id: String,
}

impl Drop for UploadLock {
    fn drop(&mut self) {
        self.state.tus.with(&self.upload_id, |u| u.locked = false);
    }
}

impl Live {
    fn with<T>(&self, upload_id: &str, f: impl FnOnce(&mut LiveUpload) -> T) -> T {
        // A poisoned lock only means a panic elsewhere while holding it; the map itself stays consistent.
        let mut map = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        f(map.entry(upload_id.to_owned()).or_default())
    }

    /// tusdotnet's file lock: `None` while another request on the same upload holds it (the tus engine answers
    /// 423 then).
    pub fn lock(state: &AppState, upload_id: &str) -> Option<UploadLock> {
        let acquired = state.tus.with(upload_id, |u| !std::mem::replace(&mut u.locked, true));
        acquired.then(|| UploadLock { state: state.clone(), upload_id: upload_id.to_owned() })
    }

    /// The accepted offset and chunk count: what this process has acknowledged, or the committed values.
    pub fn accepted(&self, upload_id: &str, committed: (u64, u64)) -> (u64, u64) {
        self.with(upload_id, |u| match u.accepted {
            Some(a) if a.0 >= committed.0 => a,
            _ => committed,
        })
    }

    pub fn set_accepted(&self, upload_id: &str, offset: u64, chunks: u64) {
        self.with(upload_id, |u| u.accepted = Some((offset, chunks)));
    }

    /// Forgets the accepted offset (a failed commit, a restarted or removed upload): the committed one rules.
    pub fn reset(&self, upload_id: &str) {
        self.with(upload_id, |u| u.accepted = None);
    }

    /// Drops everything kept for an upload that is gone (terminated, or joined into its transfer's file).
    pub fn forget(&self, upload_id: &str) {
        let mut map = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        if map.get(upload_id).is_some_and(|u| !u.locked) {
            map.remove(upload_id);
        }
    }

    pub fn set_metadata(&self, upload_id: &str, metadata: Option<String>) {
        self.with(upload_id, |u| u.metadata = metadata);
    }

    pub fn metadata(&self, upload_id: &str) -> Option<String> {
        self.with(upload_id, |u| u.metadata.clone())
    }
}
