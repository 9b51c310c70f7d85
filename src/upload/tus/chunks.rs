//! Reading a source one chunk at a time.
//!
//! A Blob is sliced: the slice goes to `fetch` as a Blob, so the runtime streams it from disk and no byte of it
//! enters wasm memory. Bytes already in memory are sent as views. A stream is read exactly one chunk ahead into a
//! JS buffer of the chunk's size, never whole; the last two chunks are kept because HEAD may report a committed
//! offset that trails the last acknowledged one (contract §5), and a stream cannot be read again.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::Uint8Array;

use crate::error::Error;
use crate::http::body::Body;
use crate::js::stream::ByteReader;
use crate::upload::md5::Hasher;
use crate::upload::source::Source;

/// Acknowledged chunks of a stream kept for a re-send after HEAD trails.
const RETAINED: usize = 2;

pub enum Chunks {
    Blob(web_sys::Blob),
    Bytes(Uint8Array),
    Stream(StreamChunks),
}

pub struct StreamChunks {
    /// Cancels the source when the chunks are dropped before its end (a paused or failed upload).
    reader: ByteReader,
    /// Bytes taken from the source so far.
    pos: u64,
    /// Read from the source past `pos`'s chunk, not yet handed out.
    pending: Option<Uint8Array>,
    retained: VecDeque<(u64, Uint8Array)>,
    /// The stream's declared size.
    total: u64,
    /// Hashes every byte once, as it is taken from the source (a one-shot stream cannot be hashed first).
    hasher: Option<Hasher>,
    /// The MD5 once the whole stream was read.
    digest: Rc<RefCell<Option<String>>>,
}

impl Chunks {
    /// `hash`: compute the MD5 of a stream source while reading it (see [`Chunks::digest`]).
    pub fn new(source: &Source, hash: bool) -> Result<Self, Error> {
        Ok(match source {
            Source::Blob(b) => Chunks::Blob(b.clone()),
            Source::Bytes(b) => Chunks::Bytes(b.clone()),
            Source::Stream { stream, size } => {
                let reader = ByteReader::new(stream.clone(), "the stream")?;
                Chunks::Stream(StreamChunks {
                    reader,
                    pos: 0,
                    pending: None,
                    retained: VecDeque::new(),
                    total: size.unwrap_or(0.0) as u64,
                    hasher: hash.then(Hasher::new),
                    digest: Rc::new(RefCell::new(None)),
                })
            }
        })
    }

    /// Where the MD5 of a hashed stream appears once it has been read to its end.
    pub fn digest(&self) -> Option<Rc<RefCell<Option<String>>>> {
        match self {
            Chunks::Stream(s) if s.hasher.is_some() => Some(s.digest.clone()),
            _ => None,
        }
    }

    /// Whether any range can be read at any time (parallel uploads need it).
    pub fn random_access(&self) -> bool {
        !matches!(self, Chunks::Stream(_))
    }

    /// A copy for another worker of a parallel upload.
    pub fn share(&self) -> Option<Self> {
        match self {
            Chunks::Blob(b) => Some(Chunks::Blob(b.clone())),
            Chunks::Bytes(b) => Some(Chunks::Bytes(b.clone())),
            Chunks::Stream(_) => None,
        }
    }

    /// The body for bytes `start..end` of the source.
    pub async fn body(&mut self, start: u64, end: u64) -> Result<Body, Error> {
        match self {
            Chunks::Blob(b) => b
                .slice_with_f64_and_f64(start as f64, end as f64)
                .map(Body::Blob)
                .map_err(|e| Error::client_caused("cannot slice the Blob", e)),
            Chunks::Bytes(b) => {
                let (s, e) = (u32::try_from(start), u32::try_from(end));
                match (s, e) {
                    (Ok(s), Ok(e)) if e <= b.length() => Ok(Body::Bytes(b.subarray(s, e))),
                    _ => Err(Error::client(format!("bytes {start}..{end} are past the end of the source"))),
                }
            }
            Chunks::Stream(s) => s.chunk(start, end).await.map(Body::Bytes),
        }
    }
}

impl StreamChunks {
    async fn chunk(&mut self, start: u64, end: u64) -> Result<Uint8Array, Error> {
        if let Some((_, c)) = self.retained.iter().find(|(s, c)| *s == start && u64::from(c.length()) == end - start) {
            return Ok(c.clone());
        }
        if start < self.pos {
            return Err(Error::Unsupported(format!(
                "the service asks for bytes from {start} again, but the stream source has moved on to {}; a stream \
                 cannot be rewound: upload a Blob to survive this",
                self.pos
            )));
        }
        // Resuming: bytes the service already has are read and dropped.
        while self.pos < start {
            let want = start - self.pos;
            let piece = self.take(want).await?;
            self.pos += u64::from(piece.length());
        }
        let len = u32::try_from(end - start).map_err(|_| Error::client("a chunk of a stream must be under 4 GiB"))?;
        let buf = Uint8Array::new_with_length(len);
        let mut filled = 0u32;
        while filled < len {
            let piece = self.take(u64::from(len - filled)).await?;
            buf.set(&piece, filled);
            filled += piece.length();
        }
        self.pos = end;
        self.retained.push_back((start, buf.clone()));
        while self.retained.len() > RETAINED {
            self.retained.pop_front();
        }
        Ok(buf)
    }

    /// Up to `max` bytes from the source: what was left over, or the next read. Every byte of the stream passes
    /// here exactly once, in order, so this is where it is hashed.
    async fn take(&mut self, max: u64) -> Result<Uint8Array, Error> {
        let next = match self.pending.take() {
            Some(p) => p,
            None => self.read().await?,
        };
        let piece = if u64::from(next.length()) <= max {
            next
        } else {
            let cut = max as u32;
            self.pending = Some(next.subarray(cut, next.length()));
            next.subarray(0, cut)
        };
        if let Some(h) = &mut self.hasher {
            h.update_js(&piece);
            if h.len() == self.total {
                if let Some(h) = self.hasher.take() {
                    *self.digest.borrow_mut() = Some(h.finish_hex());
                }
            }
        }
        Ok(piece)
    }

    async fn read(&mut self) -> Result<Uint8Array, Error> {
        loop {
            match self.reader.next().await.map_err(|e| e.into_source_error())? {
                None => {
                    return Err(Error::client(format!(
                        "the stream ended after {} bytes, before the size it was declared with",
                        self.pos
                    )))
                }
                Some(chunk) if chunk.length() > 0 => return Ok(chunk),
                Some(_) => {}
            }
        }
    }
}
