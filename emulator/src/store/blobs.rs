//! Uploaded files on disk, written crash-safely: stream into a temporary file in the same directory while
//! hashing, fsync it, rename it into place, fsync the directory. Only then does the caller record the file in the
//! database, so a database row never points at a partial file.
//!
//! Each chunk (a `Bytes` from hyper, never copied into a buffer of ours) goes two ways at once: to a blocking task
//! that writes it, and to the upload's hashing thread. MD5 is most of an upload's CPU and cannot be split (each block
//! needs the state the one before left), so it gets a thread of its own and the request task goes straight back to
//! reading the body: receiving, writing and hashing overlap, and one upload comes near the speed of MD5 alone (issue 12,
//! bench row 10; when the request task hashed, receiving the next chunk waited for the hash of the last). Bounded
//! all the same: one write in flight and [`HASH_QUEUE`] chunks queued for hashing, so an upload holds at most six
//! chunks whatever the file size (50 concurrent uploads, bench row 11). On Linux the written data is handed to the disk
//! every [`WRITEBACK_STEP`] (`sync_file_range`), so the disk works while the body arrives and the fsync at the end
//! waits only for the tail, not for the whole file.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use altinn_broker_core::FileTransferId;
use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::store::disk::{blocking, start_writeback, sync_dir, Writeback};

/// How much written data is handed to the disk at a time during an upload (Linux). Small enough that the final
/// fsync waits for little; large enough that the calls cost nothing (one per 8 MiB).
const WRITEBACK_STEP: u64 = 8 << 20;

/// How many chunks may wait for the upload's hashing thread. Measured on one 1 GiB upload by curl (2 cores, hyper's
/// chunks ~128 KiB, 8,197 per GiB): 1 → 368–415 MB/s, 4 → 375–480 (median ~437), with MD5 alone at ~500 MB/s of
/// CPU on that machine. So an upload holds at most six chunks (four queued, one hashed, one written): ~0.75 MiB of
/// body, though each may keep its hyper read buffer alive.
const HASH_QUEUE: usize = 4;

/// Where finished files live: `<data-dir>/blobs/<fileTransferId>`; `*.part` files are unfinished uploads.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

/// A file written to its final place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub size: u64,
    /// Lower-case hex MD5 of the content.
    pub md5: String,
}

/// Writes one upload: feed chunks with [`BlobWriter::write`], then [`BlobWriter::finish`] (or, for a file whose
/// transfer does not exist yet, [`BlobWriter::seal`] and later [`BlobStore::adopt`]).
/// Dropping it without finishing removes the `.part` file; a crash leaves it for [`BlobStore::remove_partials`].
pub struct BlobWriter {
    file: Arc<std::fs::File>,
    part: PathBuf,
    /// Where [`BlobWriter::finish`] puts the file; `None` for a staged upload.
    target: Option<PathBuf>,
    /// The hashing thread's queue (`None` once sealed) and the thread, which answers the digest when it closes.
    to_hash: Option<mpsc::Sender<Bytes>>,
    hashed: Option<std::thread::JoinHandle<Md5>>,
    /// The last chunk's write, awaited before the next one starts (and by [`BlobWriter::seal`]).
    writing: Option<JoinHandle<std::io::Result<()>>>,
    size: u64,
    writeback: Writeback,
    finished: bool,
}

/// A complete, fsynced upload that no transfer owns yet: initialize+upload reads the whole form (the file part
/// included) before initialize runs, as ASP.NET does. It is still a `.part` file, so a crash leaves nothing that
/// start-up does not clean; dropping it removes the file. [`BlobStore::adopt`] moves it into place, no copy.
#[derive(Debug)]
pub struct StagedBlob {
    part: PathBuf,
    pub size: u64,
    /// Lower-case hex MD5 of the content.
    pub md5: String,
    adopted: bool,
}

impl BlobStore {
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self { dir: dir.to_owned() })
    }

    pub fn path(&self, id: FileTransferId) -> PathBuf {
        self.dir.join(id.to_string())
    }

    /// Starts writing the file of `id`. A second upload of the same transfer starts over.
    pub async fn create(&self, id: FileTransferId) -> std::io::Result<BlobWriter> {
        self.open_part(&format!("{id}.{}", uuid::Uuid::new_v4().simple()), Some(self.path(id))).await
    }

    /// Starts writing a file whose transfer is not known yet; finish it with [`BlobWriter::seal`].
    pub async fn stage(&self) -> std::io::Result<BlobWriter> {
        self.open_part(&format!("staged.{}", uuid::Uuid::new_v4().simple()), None).await
    }

    async fn open_part(&self, stem: &str, target: Option<PathBuf>) -> std::io::Result<BlobWriter> {
        let part = self.dir.join(format!("{stem}.part"));
        let open = part.clone();
        let file = blocking(move || std::fs::OpenOptions::new().write(true).create_new(true).open(open)).await?;
        // Up to HASH_QUEUE chunks wait while the thread hashes another: slack for the moments the request task waits
        // for a write or for the body, and a bound on what an upload holds.
        let (to_hash, mut chunks) = mpsc::channel::<Bytes>(HASH_QUEUE);
        // A thread of its own, not tokio's blocking pool: it lives as long as the upload, and 512 open uploads
        // parked there would leave no thread for the writes and opens that let any of them go on.
        let hashed = std::thread::Builder::new().name("upload-md5".into()).spawn(move || {
            let mut md5 = Md5::new();
            while let Some(chunk) = chunks.blocking_recv() {
                md5.update(&chunk);
            }
            md5
        })?;
        Ok(BlobWriter {
            file: Arc::new(file),
            part,
            target,
            to_hash: Some(to_hash),
            hashed: Some(hashed),
            writing: None,
            size: 0,
            writeback: Writeback::every(WRITEBACK_STEP),
            finished: false,
        })
    }

    /// Makes a staged upload the file of `id`: a rename within the directory, then the directory fsynced.
    pub fn adopt(&self, mut staged: StagedBlob, id: FileTransferId) -> std::io::Result<StoredBlob> {
        std::fs::rename(&staged.part, self.path(id))?;
        staged.adopted = true;
        sync_dir(&self.dir)?;
        Ok(StoredBlob { size: staged.size, md5: std::mem::take(&mut staged.md5) })
    }

    /// Makes the concatenation of `sources` (each file's first `length` bytes, in order) the file of `id`, durably,
    /// and returns its size. The service never copies a tus upload's bytes either: each PATCH is staged as a block
    /// of the transfer's blob, and completing (or concatenating) commits the block list (contract §5). So the first
    /// source, whose chunks were each fsynced as they arrived, becomes the file by a hard link, no byte copied (a
    /// 256 MiB single upload: ~1 ms instead of ~0.9 s of copying and hashing); the others are appended by the
    /// kernel (`copy_file_range` through `std::io::copy`), without passing through this process, then fsynced.
    /// Appending grows the first source's file too (one inode): only its first `length` bytes are ever read, and a
    /// second attempt cuts the rest first. `after_first` runs once the first source is in (a crash point).
    /// Blocking: call it from a blocking thread.
    pub fn place(
        &self,
        id: FileTransferId,
        sources: &[(PathBuf, u64)],
        after_first: impl Fn(),
    ) -> std::io::Result<u64> {
        let Some(((first, first_len), rest)) = sources.split_first() else {
            return Err(std::io::Error::other("a file needs at least one staged upload"));
        };
        let part = self.dir.join(format!("{id}.{}.part", uuid::Uuid::new_v4().simple()));
        let built = (|| {
            std::fs::hard_link(first, &part)?;
            let mut out = std::fs::OpenOptions::new().write(true).open(&part)?;
            fit(&out, first, *first_len)?;
            after_first();
            let mut total = *first_len;
            if !rest.is_empty() {
                out.seek(std::io::SeekFrom::Start(total))?;
                for (source, length) in rest {
                    let copied = std::io::copy(&mut std::fs::File::open(source)?.take(*length), &mut out)?;
                    if copied != *length {
                        return Err(short(source));
                    }
                    total += copied;
                }
                out.sync_all()?;
            }
            std::fs::rename(&part, self.path(id))?;
            // A second attempt (after a crash that followed the first's rename) links the same inode as the file in
            // place, and renaming one link of a file onto another does nothing (POSIX): drop the extra name.
            let _ = std::fs::remove_file(&part);
            sync_dir(&self.dir)?;
            Ok(total)
        })();
        if built.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        built
    }

    /// The MD5 of the file of `id` (lower-case hex), read from disk. Blocking.
    pub fn md5_of(&self, id: FileTransferId) -> std::io::Result<String> {
        let mut file = std::fs::File::open(self.path(id))?;
        let mut md5 = Md5::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match file.read(&mut buf)? {
                0 => return Ok(hex(&md5.finalize())),
                n => md5.update(&buf[..n]),
            }
        }
    }

    /// Deletes the file of `id` (purge, checksum mismatch). Missing is fine.
    pub fn delete(&self, id: FileTransferId) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    pub fn exists(&self, id: FileTransferId) -> bool {
        self.path(id).is_file()
    }

    /// Removes leftovers of uploads that never finished (a crash mid-body). Called at startup.
    pub fn remove_partials(&self) -> std::io::Result<usize> {
        let mut n = 0;
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "part") {
                std::fs::remove_file(&path)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

impl BlobWriter {
    /// Writes `chunk` at the end of the file and hands it to the hashing thread. It returns once the previous
    /// chunk is written and this one is queued, so the caller reads the next chunk while this one is written and
    /// hashed; a write's failure is answered by the next call, or by [`BlobWriter::finish`]/[`BlobWriter::seal`].
    pub async fn write(&mut self, chunk: Bytes) -> std::io::Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        self.written().await?;
        let start = self.size;
        self.size += chunk.len() as u64;
        let writeback = self.writeback.due(self.size);
        let (file, data) = (Arc::clone(&self.file), chunk.clone());
        self.writing = Some(tokio::task::spawn_blocking(move || {
            use std::os::unix::fs::FileExt;
            file.write_all_at(&data, start)?;
            if let Some(from) = writeback {
                start_writeback(&file, from, start + data.len() as u64);
            }
            Ok(())
        }));
        let queued = match &self.to_hash {
            Some(queue) => queue.send(chunk).await.is_ok(),
            None => false,
        };
        if queued {
            Ok(())
        } else {
            Err(std::io::Error::other("the upload's hashing thread stopped"))
        }
    }

    /// Waits for the last chunk's write.
    async fn written(&mut self) -> std::io::Result<()> {
        match self.writing.take() {
            Some(write) => write.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Makes the file durable and moves it into place.
    pub async fn finish(mut self) -> std::io::Result<StoredBlob> {
        let target = self.target.take().ok_or_else(|| std::io::Error::other("a staged upload has no place yet"))?;
        let staged = self.seal().await?;
        let mut staged = blocking(move || {
            std::fs::rename(&staged.part, &target)?;
            let mut staged = staged;
            staged.adopted = true;
            if let Some(dir) = target.parent() {
                sync_dir(dir)?;
            }
            Ok(staged)
        })
        .await?;
        Ok(StoredBlob { size: staged.size, md5: std::mem::take(&mut staged.md5) })
    }

    /// Makes the file durable where it is, for [`BlobStore::adopt`].
    pub async fn seal(mut self) -> std::io::Result<StagedBlob> {
        self.written().await?;
        // Closing the queue ends the hashing thread once it has hashed what is queued.
        self.to_hash = None;
        let hashed = self.hashed.take().ok_or_else(|| std::io::Error::other("the upload was sealed twice"))?;
        let md5 =
            blocking(move || hashed.join().map_err(|_| std::io::Error::other("the upload's hashing thread panicked")))
                .await?;
        let md5 = hex(&md5.finalize());
        let file = Arc::clone(&self.file);
        blocking(move || file.sync_all()).await?;
        self.finished = true;
        Ok(StagedBlob { part: self.part.clone(), size: self.size, md5, adopted: false })
    }
}

impl Drop for StagedBlob {
    fn drop(&mut self) {
        if !self.adopted {
            if let Err(e) = std::fs::remove_file(&self.part) {
                tracing::warn!(error = %e, "could not remove a staged upload");
            }
        }
    }
}

impl BlobWriter {
    /// Gives up: removes the partial file (dropping the writer does the same).
    pub async fn abort(self) {
        drop(self);
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.finished {
            if let Err(e) = std::fs::remove_file(&self.part) {
                tracing::warn!(error = %e, "could not remove a partial upload");
            }
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that the hard-linked upload `file` (staged at `source`) holds at least `length` bytes and cuts what lies
/// past them (bytes a PATCH wrote past the committed offset, or an earlier attempt's appended parts).
fn fit(file: &std::fs::File, source: &Path, length: u64) -> std::io::Result<()> {
    let len = file.metadata()?.len();
    if len < length {
        return Err(short(source));
    }
    if len > length {
        file.set_len(length)?;
        file.sync_all()?;
    }
    Ok(())
}

fn short(source: &Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        format!("staged upload {} is shorter than its committed length", source.display()),
    )
}

/// Replaces `path` with `content` so that a crash leaves either the old or the new content, never a mix.
pub fn write_atomically(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_hashes_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let id = FileTransferId::new_random();
        let mut w = store.create(id).await.unwrap();
        w.write(Bytes::from_static(b"hello ")).await.unwrap();
        w.write(Bytes::from_static(b"world")).await.unwrap();
        let blob = w.finish().await.unwrap();
        assert_eq!(blob.size, 11);
        assert_eq!(blob.md5, "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(std::fs::read(store.path(id)).unwrap(), b"hello world");

        let w = store.create(id).await.unwrap();
        drop(w);
        assert_eq!(store.remove_partials().unwrap(), 0, "dropping an unfinished writer removes its file");
        std::fs::write(dir.path().join("x.part"), b"left by a crash").unwrap();
        assert_eq!(store.remove_partials().unwrap(), 1);
        store.delete(id).unwrap();
        assert!(!store.exists(id));
        store.delete(id).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_chunks_are_written_and_hashed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let id = FileTransferId::new_random();
        let mut w = store.create(id).await.unwrap();
        // Chunks of every size from 0 to 5,000 bytes, each filled with its own byte: a chunk written or hashed out
        // of order, twice or not at all changes the file or its digest.
        let mut all = Vec::new();
        for n in 0..=5000usize {
            let chunk = vec![(n % 251) as u8; n];
            all.extend_from_slice(&chunk);
            w.write(Bytes::from(chunk)).await.unwrap();
        }
        assert_eq!(w.size(), all.len() as u64);
        let blob = w.finish().await.unwrap();
        assert_eq!(blob.size, all.len() as u64);
        assert_eq!(blob.md5, hex(&Md5::digest(&all)));
        assert_eq!(std::fs::read(store.path(id)).unwrap(), all);
    }

    #[test]
    fn staged_tus_uploads_are_placed_by_link_and_append() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(&dir.path().join("blobs")).unwrap();
        let staged = |name: &str, content: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, content).unwrap();
            p
        };
        // One upload: linked, and bytes past its committed length cut off.
        let (a, b) = (staged("a", b"hello world!!"), staged("b", b", and more"));
        let id = FileTransferId::new_random();
        assert_eq!(store.place(id, &[(a.clone(), 11)], || {}).unwrap(), 11);
        assert_eq!(std::fs::read(store.path(id)).unwrap(), b"hello world");
        // Parts: the rest appended to the first. A second attempt (a crash after the first) gives the same file.
        let id = FileTransferId::new_random();
        assert_eq!(store.place(id, &[(a.clone(), 11), (b.clone(), 10)], || {}).unwrap(), 21);
        assert_eq!(store.place(id, &[(a.clone(), 11), (b.clone(), 10)], || {}).unwrap(), 21);
        assert_eq!(std::fs::read(store.path(id)).unwrap(), b"hello world, and more");
        assert_eq!(std::fs::read(&b).unwrap(), b", and more", "the other parts are only read");
        // A part shorter than its committed length fails and leaves nothing behind. (The staged file is the
        // placed file's inode: a real staged upload belongs to one transfer, and is removed once placed.)
        let a = staged("a2", b"hello world");
        let id = FileTransferId::new_random();
        assert!(store.place(id, &[(a, 11), (b, 99)], || {}).is_err());
        assert!(!store.exists(id));
        assert_eq!(store.remove_partials().unwrap(), 0, "no part file is left, whatever the attempt");
    }

    #[tokio::test]
    async fn staged_uploads_are_adopted_by_rename_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let parts = || std::fs::read_dir(dir.path()).unwrap().count();
        let mut w = store.stage().await.unwrap();
        w.write(Bytes::from_static(b"hello world")).await.unwrap();
        let staged = w.seal().await.unwrap();
        assert_eq!((staged.size, staged.md5.as_str()), (11, "5eb63bbbe01eeed093cb22bb8f5acdc3"));
        assert_eq!(parts(), 1);
        let id = FileTransferId::new_random();
        let blob = store.adopt(staged, id).unwrap();
        assert_eq!(blob.md5, "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(std::fs::read(store.path(id)).unwrap(), b"hello world");
        assert_eq!(parts(), 1, "adopting moves the file, no copy is left");

        let mut w = store.stage().await.unwrap();
        w.write(Bytes::from_static(b"x")).await.unwrap();
        drop(w.seal().await.unwrap());
        assert_eq!(parts(), 1, "a staged upload nobody adopts is removed");
        let mut w = store.stage().await.unwrap();
        w.write(Bytes::from_static(b"x")).await.unwrap();
        assert!(w.finish().await.is_err(), "a staged writer has no place of its own");
        assert_eq!(parts(), 1);
    }
}
