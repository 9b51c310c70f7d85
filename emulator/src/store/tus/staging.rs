//! The staged bytes of tus uploads: one file per upload under `<data-dir>/tus/`, written in place at the request's
//! offset. A PATCH body is streamed straight into the file (never buffered whole) and fsynced before its offset
//! may be committed, so whatever HEAD reports survives a `kill -9`. Bytes past the committed offset (a PATCH cut
//! short, or acknowledged but not yet committed when the process died) are cut off by the next PATCH, which
//! always starts writing at the offset it was accepted at.
//!
//! As for a streamed upload (`store::blobs`), each body chunk (hyper's `Bytes`, not copied) is written by a
//! blocking task at its offset, and the disk is handed what was written every [`WRITEBACK_STEP`] on Linux
//! (`sync_file_range`), so the fsync that ends a PATCH waits for its tail only, not for the whole chunk.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;

use crate::store::disk::{blocking, remove_if_present, start_writeback, sync_dir, Writeback};
use crate::store::Store;

const DIR: &str = "tus";

/// How much of a PATCH body is handed to the disk at a time (Linux): a quarter of the usual 8 MiB chunk, so its
/// fsync waits for at most that much.
const WRITEBACK_STEP: u64 = 2 << 20;

/// The staging directory of a store.
#[derive(Debug, Clone)]
pub struct Staging {
    dir: PathBuf,
}

/// Writes one PATCH body at its offset: feed it with [`ChunkWriter::write`], make it durable with
/// [`ChunkWriter::finish`].
pub struct ChunkWriter {
    file: Arc<std::fs::File>,
    /// Where the chunk starts in the file.
    start: u64,
    written: u64,
    /// What of the chunk has been handed to the disk.
    writeback: Writeback,
}

impl Staging {
    pub fn of(store: &Store) -> Self {
        Self { dir: store.data_dir().join(DIR) }
    }

    /// The staging file of an upload. Upload ids are GUIDs (checked by the routes), so they are safe file names.
    pub fn path(&self, upload_id: &str) -> PathBuf {
        self.dir.join(upload_id)
    }

    /// Opens the staging file of `upload_id` for a chunk starting at `offset`, dropping anything stored past it.
    pub async fn writer_at(&self, upload_id: &str, offset: u64) -> std::io::Result<ChunkWriter> {
        let (dir, path) = (self.dir.clone(), self.path(upload_id));
        let file = blocking(move || {
            if !dir.exists() {
                std::fs::create_dir_all(&dir)?;
                if let Some(parent) = dir.parent() {
                    sync_dir(parent)?;
                }
            }
            let created = !path.exists();
            let file = std::fs::OpenOptions::new().write(true).create(true).truncate(false).open(&path)?;
            if created {
                sync_dir(&dir)?;
            }
            file.set_len(offset)?;
            Ok(file)
        })
        .await?;
        Ok(ChunkWriter { file: Arc::new(file), start: offset, written: 0, writeback: Writeback::every(WRITEBACK_STEP) })
    }

    /// Creates an empty staging file (a new upload, or one restarted by a repeated creation).
    pub async fn reset(&self, upload_id: &str) -> std::io::Result<()> {
        self.writer_at(upload_id, 0).await?.finish().await.map(|_| ())
    }

    /// Deletes the staging file of `upload_id` (termination, finalisation). Missing is fine.
    pub fn remove(&self, upload_id: &str) -> std::io::Result<()> {
        remove_if_present(&self.path(upload_id))
    }

    /// Removes staging files no upload refers to any more (left by a crash between a delete and its commit).
    pub fn remove_orphans(&self, known: &HashSet<String>) -> std::io::Result<usize> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !known.contains(&name) {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

impl ChunkWriter {
    /// Writes `bytes` after what this chunk wrote so far; when this returns they are written and dropped.
    pub async fn write(&mut self, bytes: Bytes) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let at = self.start + self.written;
        self.written += bytes.len() as u64;
        let writeback = self.writeback.due(self.written);
        let (file, start) = (Arc::clone(&self.file), self.start);
        blocking(move || {
            use std::os::unix::fs::FileExt;
            file.write_all_at(&bytes, at)?;
            if let Some(from) = writeback {
                start_writeback(&file, start + from, at + bytes.len() as u64);
            }
            Ok(())
        })
        .await
    }

    /// Bytes written by this chunk so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Makes the chunk durable (fsync); only then may its offset be committed. Returns the bytes written.
    pub async fn finish(self) -> std::io::Result<u64> {
        let file = Arc::clone(&self.file);
        blocking(move || file.sync_data()).await?;
        Ok(self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_at_offsets_and_cuts_uncommitted_tails() {
        let dir = tempfile::tempdir().unwrap();
        let staging = Staging { dir: dir.path().join(DIR) };
        let mut w = staging.writer_at("u", 0).await.unwrap();
        w.write(Bytes::from_static(b"hello ")).await.unwrap();
        w.write(Bytes::from_static(b"wor")).await.unwrap();
        assert_eq!(w.finish().await.unwrap(), 9);
        // A chunk accepted at offset 6 replaces the tail.
        let mut w = staging.writer_at("u", 6).await.unwrap();
        w.write(Bytes::from_static(b"there")).await.unwrap();
        w.finish().await.unwrap();
        assert_eq!(std::fs::read(staging.path("u")).unwrap(), b"hello there");

        std::fs::write(staging.path("orphan"), b"x").unwrap();
        let known: HashSet<String> = ["u".to_owned()].into();
        assert_eq!(staging.remove_orphans(&known).unwrap(), 1);
        staging.remove("u").unwrap();
        staging.remove("u").unwrap();
        assert!(!staging.path("u").exists());
    }
}
