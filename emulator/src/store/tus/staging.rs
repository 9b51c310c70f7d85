//! The staged bytes of tus uploads: one file per upload under `<data-dir>/tus/`, written in place at the request's
//! offset. A PATCH body is streamed straight into the file (never buffered whole) and fsynced before its offset
//! may be committed, so whatever HEAD reports survives a `kill -9`. Bytes past the committed offset (a PATCH cut
//! short, or acknowledged but not yet committed when the process died) are cut off by the next PATCH, which
//! always starts writing at the offset it was accepted at.

use std::collections::HashSet;
use std::io::SeekFrom;
use std::path::PathBuf;

use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::store::Store;

const DIR: &str = "tus";

/// The staging directory of a store.
#[derive(Debug, Clone)]
pub struct Staging {
    dir: PathBuf,
}

/// Writes one PATCH body at its offset: feed it with [`ChunkWriter::write`], make it durable with
/// [`ChunkWriter::finish`].
pub struct ChunkWriter {
    file: tokio::fs::File,
    written: u64,
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
        if !tokio::fs::try_exists(&self.dir).await? {
            tokio::fs::create_dir_all(&self.dir).await?;
            sync_dir(self.dir.parent())?;
        }
        let path = self.path(upload_id);
        let created = !tokio::fs::try_exists(&path).await?;
        let mut file = tokio::fs::OpenOptions::new().write(true).create(true).truncate(false).open(&path).await?;
        if created {
            sync_dir(Some(&self.dir))?;
        }
        file.set_len(offset).await?;
        file.seek(SeekFrom::Start(offset)).await?;
        Ok(ChunkWriter { file, written: 0 })
    }

    /// Creates an empty staging file (a new upload, or one restarted by a repeated creation).
    pub async fn reset(&self, upload_id: &str) -> std::io::Result<()> {
        self.writer_at(upload_id, 0).await?.finish().await.map(|_| ())
    }

    /// Deletes the staging file of `upload_id` (termination, finalisation). Missing is fine.
    pub fn remove(&self, upload_id: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(upload_id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
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
    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes).await?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Bytes written by this chunk so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Makes the chunk durable (fsync); only then may its offset be committed. Returns the bytes written.
    pub async fn finish(mut self) -> std::io::Result<u64> {
        self.file.flush().await?;
        self.file.sync_data().await?;
        Ok(self.written)
    }
}

fn sync_dir(dir: Option<&std::path::Path>) -> std::io::Result<()> {
    match dir {
        Some(d) => std::fs::File::open(d)?.sync_all(),
        None => Ok(()),
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
        w.write(b"hello ").await.unwrap();
        w.write(b"wor").await.unwrap();
        assert_eq!(w.finish().await.unwrap(), 9);
        // A chunk accepted at offset 6 replaces the tail.
        let mut w = staging.writer_at("u", 6).await.unwrap();
        w.write(b"there").await.unwrap();
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
