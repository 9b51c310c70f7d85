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

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use altinn_broker_core::FileTransferId;
use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::store::disk::{blocking, remove_if_present, start_writeback, sync_dir, Writeback};

/// How much written data is handed to the disk at a time during an upload (Linux). Small enough that the final
/// fsync waits for little; large enough that the calls cost nothing (one per 8 MiB).
const WRITEBACK_STEP: u64 = 8 << 20;

/// How many chunks may wait for the upload's hashing thread. Measured on one 1 GiB upload by curl (2 cores, hyper's
/// chunks ~128 KiB, 8,197 per GiB): 1 → 368–415 MB/s, 4 → 375–480 (median ~437), with MD5 alone at ~500 MB/s of
/// CPU on that machine. So an upload holds at most six chunks (four queued, one hashed, one written): ~0.75 MiB of
/// body, though each may keep its hyper read buffer alive.
const HASH_QUEUE: usize = 4;

/// Where finished files live: `<data-dir>/blobs/<fileTransferId>`, and for a tus concatenation its further pieces
/// `<fileTransferId>.1`, `.2`, … ([`BlobStore::place`]); `*.part` files are unfinished uploads.
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

/// Bytes `skip..skip + len` of the piece at `path` ([`BlobStore::span`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub path: PathBuf,
    pub skip: u64,
    pub len: u64,
}

/// A stored file read front to back across its pieces ([`BlobStore::read`]), one open at a time: a concatenation
/// may have thousands of parts, more than a process may hold open.
pub struct PieceReader {
    pieces: std::vec::IntoIter<(PathBuf, u64)>,
    open: Option<std::io::Take<std::fs::File>>,
}

impl Read for PieceReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if let Some(file) = &mut self.open {
                match file.read(buf)? {
                    0 if !buf.is_empty() => self.open = None,
                    n => return Ok(n),
                }
            }
            match self.pieces.next() {
                Some((path, len)) => self.open = Some(std::fs::File::open(path)?.take(len)),
                None => return Ok(0),
            }
        }
    }
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
        remove_pieces(&self.path(id))?;
        std::fs::rename(&staged.part, self.path(id))?;
        staged.adopted = true;
        sync_dir(&self.dir)?;
        Ok(StoredBlob { size: staged.size, md5: std::mem::take(&mut staged.md5) })
    }

    /// Makes the concatenation of `sources` (each file's first `length` bytes, in order) the file of `id`, durably,
    /// and returns its size. The service never copies a tus upload's bytes either: each PATCH is staged as a block
    /// of the transfer's blob, and completing (or concatenating) commits the block list (contract §5). So no byte is
    /// copied here: each source, whose chunks were fsynced as they arrived, becomes a piece of the file by a hard
    /// link — the first as `<id>`, the others as `<id>.1`, `<id>.2`, … ([`BlobStore::read`] and
    /// [`BlobStore::pieces`] read them in order). A 256 MiB single upload takes ~1 ms instead of ~0.9 s of copying
    /// and hashing, and a concatenation of four 64 MiB parts ~1 ms instead of 0.2–0.9 s of copying three of them
    /// (bench row 6b). Each piece is cut to its `length` (bytes a PATCH wrote past the committed offset); the
    /// others are linked before the first is renamed to `<id>`, so a first attempt makes `<id>` only once it is
    /// whole. A second attempt (the job again, after a crash) replaces what the first left, `<id>` included; until
    /// it is done the file may be incomplete, which no one reads: the database records the file only after this
    /// returns. `after_first` runs once the first piece is linked (a crash point). Blocking: call it from a
    /// blocking thread.
    pub fn place(
        &self,
        id: FileTransferId,
        sources: &[(PathBuf, u64)],
        after_first: impl Fn(),
    ) -> std::io::Result<u64> {
        let Some(((first, first_len), rest)) = sources.split_first() else {
            return Err(std::io::Error::other("a file needs at least one staged upload"));
        };
        let base = self.path(id);
        let part = self.dir.join(format!("{id}.{}.part", uuid::Uuid::new_v4().simple()));
        let built = (|| {
            remove_pieces(&base)?;
            link_cut(first, &part, *first_len)?;
            after_first();
            for (k, (source, length)) in rest.iter().enumerate() {
                link_cut(source, &piece(&base, k + 1), *length)?;
            }
            std::fs::rename(&part, &base)?;
            // A second attempt (after a crash that followed the first's rename) links the same inode as the file in
            // place, and renaming one link of a file onto another does nothing (POSIX): drop the extra name.
            let _ = std::fs::remove_file(&part);
            sync_dir(&self.dir)?;
            Ok(sources.iter().map(|(_, len)| len).sum())
        })();
        if built.is_err() {
            let _ = std::fs::remove_file(&part);
            // Pieces without a first are never read; removed so a later file of this transfer starts clean.
            if !base.exists() {
                let _ = remove_pieces(&base);
            }
        }
        built
    }

    /// The pieces of the file of `id`, in order, with their lengths: one for a streamed upload or a single tus
    /// upload, one per part for a tus concatenation ([`BlobStore::place`]). `NotFound` when there is no file.
    pub fn pieces(&self, id: FileTransferId) -> std::io::Result<Vec<(PathBuf, u64)>> {
        let base = self.path(id);
        let mut out = vec![(base.clone(), std::fs::metadata(&base)?.len())];
        for k in 1.. {
            let p = piece(&base, k);
            match std::fs::metadata(&p) {
                Ok(m) => out.push((p, m.len())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The file of `id`, front to back, whatever pieces it is in (`NotFound` now when there is no file; a piece
    /// removed meanwhile, by a purge, fails the read when it is reached). Blocking.
    pub fn read(&self, id: FileTransferId) -> std::io::Result<PieceReader> {
        Ok(PieceReader { pieces: self.pieces(id)?.into_iter(), open: None })
    }

    /// The file's size, and where its bytes `start..start + len` are (the whole file without `span`): the pieces
    /// that hold them, each with the offset in it to start at and how many bytes to read. Blocking.
    pub fn span(&self, id: FileTransferId, span: Option<(u64, u64)>) -> std::io::Result<(u64, Vec<Span>)> {
        let pieces = self.pieces(id)?;
        let size = pieces.iter().map(|(_, len)| len).sum();
        let (start, len) = span.unwrap_or((0, size));
        let (end, mut at, mut out) = (start.saturating_add(len).min(size), 0u64, Vec::new());
        for (path, piece_len) in pieces {
            let (from, to) = (start.max(at), end.min(at + piece_len));
            if from < to {
                out.push(Span { path, skip: from - at, len: to - from });
            }
            at += piece_len;
        }
        Ok((size, out))
    }

    /// The MD5 of the file of `id` (lower-case hex), read from disk. Blocking.
    pub fn md5_of(&self, id: FileTransferId) -> std::io::Result<String> {
        let mut file = self.read(id)?;
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
        let base = self.path(id);
        remove_if_present(&base)?;
        remove_pieces(&base)
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
            // What an earlier file of this transfer left (a concatenation's further pieces) is not part of this one.
            remove_pieces(&target)?;
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

/// The `k`-th further piece (k ≥ 1) of the file at `base`: `<base>.<k>`.
fn piece(base: &Path, k: usize) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(format!(".{k}"));
    PathBuf::from(name)
}

/// Removes the further pieces of the file at `base`, the last first: they are only ever made 1, 2, … and removed
/// from the end, so whatever a crash interrupts leaves `.1` … `.j` and nothing past a gap, which is what
/// [`BlobStore::pieces`] and the next removal see.
fn remove_pieces(base: &Path) -> std::io::Result<()> {
    let mut n = 0;
    loop {
        match std::fs::symlink_metadata(piece(base, n + 1)) {
            Ok(_) => n += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            Err(e) => return Err(e),
        }
    }
    for k in (1..=n).rev() {
        std::fs::remove_file(piece(base, k))?;
    }
    Ok(())
}

/// Hard-links the staged upload `source` at `to` (replacing what an earlier attempt left there), checks that it
/// holds at least `length` bytes and cuts what lies past them (bytes a PATCH wrote past the committed offset).
fn link_cut(source: &Path, to: &Path, length: u64) -> std::io::Result<()> {
    remove_if_present(to)?;
    std::fs::hard_link(source, to)?;
    let file = std::fs::OpenOptions::new().write(true).open(to)?;
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
    fn staged_tus_uploads_are_placed_by_link_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(&dir.path().join("blobs")).unwrap();
        let staged = |name: &str, content: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, content).unwrap();
            p
        };
        let read = |id| {
            let mut out = Vec::new();
            store.read(id).unwrap().read_to_end(&mut out).unwrap();
            out
        };
        let span = |id, start, len| {
            let (size, pieces) = store.span(id, Some((start, len))).unwrap();
            let mut out = Vec::new();
            for p in pieces {
                out.extend_from_slice(&std::fs::read(&p.path).unwrap()[p.skip as usize..][..p.len as usize]);
            }
            (size, out)
        };
        let names = |id: FileTransferId| {
            let mut n: Vec<_> = std::fs::read_dir(dir.path().join("blobs"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&id.to_string()))
                .collect();
            n.sort();
            n
        };
        // One upload: linked, and bytes past its committed length cut off.
        let (a, b) = (staged("a", b"hello world!!"), staged("b", b", and more"));
        let id = FileTransferId::new_random();
        assert_eq!(store.place(id, &[(a.clone(), 11)], || {}).unwrap(), 11);
        assert_eq!(read(id), b"hello world");
        assert_eq!(store.pieces(id).unwrap().len(), 1);
        // Parts: each a piece, nothing copied. A second attempt (a crash after the first) gives the same file.
        let id = FileTransferId::new_random();
        assert_eq!(store.place(id, &[(a.clone(), 11), (b.clone(), 10)], || {}).unwrap(), 21);
        assert_eq!(store.place(id, &[(a.clone(), 11), (b.clone(), 10)], || {}).unwrap(), 21);
        assert_eq!(read(id), b"hello world, and more");
        assert_eq!(store.pieces(id).unwrap().iter().map(|(_, n)| *n).collect::<Vec<_>>(), [11, 10]);
        assert_eq!(names(id), [id.to_string(), format!("{id}.1")]);
        assert_eq!(store.md5_of(id).unwrap(), hex(&Md5::digest(b"hello world, and more")));
        // Spans across, inside and past the pieces (a download's Range).
        assert_eq!(span(id, 8, 6), (21, b"rld, a".to_vec()));
        assert_eq!(span(id, 11, 10), (21, b", and more".to_vec()));
        assert_eq!(span(id, 0, 3), (21, b"hel".to_vec()));
        assert_eq!(span(id, 20, 5), (21, b"e".to_vec()));
        assert_eq!(span(id, 21, 5), (21, Vec::new()));
        // A streamed upload of the same transfer replaces the whole file, pieces included.
        let mut w = futures_executor(store.create(id)).unwrap();
        futures_executor(w.write(Bytes::from_static(b"new"))).unwrap();
        futures_executor(w.finish()).unwrap();
        assert_eq!((read(id), names(id)), (b"new".to_vec(), vec![id.to_string()]));
        // The same part listed twice (tus allows it): two names of one inode, read twice.
        let id = FileTransferId::new_random();
        assert_eq!(store.place(id, &[(b.clone(), 10), (b.clone(), 10)], || {}).unwrap(), 20);
        assert_eq!(read(id), b", and more, and more");
        // Pieces a crashed attempt left before its rename (no `<id>` yet) are replaced, not read after the file.
        let id = FileTransferId::new_random();
        for k in 1..=3 {
            std::fs::write(piece(&store.path(id), k), b"stale").unwrap();
        }
        assert_eq!(store.place(id, &[(a.clone(), 11), (b.clone(), 10)], || {}).unwrap(), 21);
        assert_eq!((read(id), names(id).len()), (b"hello world, and more".to_vec(), 2));
        // Deleting removes every piece.
        assert_eq!(store.place(id, &[(a.clone(), 11), (b.clone(), 10)], || {}).unwrap(), 21);
        store.delete(id).unwrap();
        assert!(names(id).is_empty() && !store.exists(id));
        // A part shorter than its committed length fails and leaves nothing behind. (The staged file is the
        // placed file's inode: a real staged upload belongs to one transfer, and is removed once placed.)
        let a = staged("a2", b"hello world");
        let id = FileTransferId::new_random();
        assert!(store.place(id, &[(a, 11), (b, 99)], || {}).is_err());
        assert!(!store.exists(id));
        assert!(names(id).is_empty(), "{:?}", names(id));
        assert_eq!(store.remove_partials().unwrap(), 0, "no part file is left, whatever the attempt");
    }

    /// Runs one of the store's futures to its end on a runtime of its own (the test above is synchronous, as
    /// `place` is blocking).
    fn futures_executor<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
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
