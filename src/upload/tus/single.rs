//! The engine of one tus upload (a single upload, or one partial of a parallel one): PATCH chunk after chunk
//! from the offset the service holds, and after a failure ask HEAD where it stands and go on from there.
//!
//! HEAD answers the durably committed offset, which may trail what the last PATCH acknowledged (contract §5);
//! going back to it re-sends bytes the service could have lost, never skips any.

use crate::error::Error;
use crate::upload::tus::chunks::Chunks;
use crate::upload::tus::plan::Part;
use crate::upload::tus::protocol;
use crate::upload::tus::session::{Kind, Next, Session};

/// One upload of the plan, where it lives, and the source to read it from.
pub struct Worker<'a> {
    pub session: &'a Session,
    /// Index in the progress table.
    pub index: usize,
    pub path: String,
    pub part: Part,
    pub chunk_size: u64,
    pub chunks: Chunks,
}

impl Worker<'_> {
    /// Sends the part from `offset` (or from where HEAD says, when `None`) to its end.
    pub async fn run(mut self, offset: Option<u64>) -> Result<(), Error> {
        let s = self.session;
        let mut failures = 0u32;
        let mut offset = match offset {
            Some(o) => o,
            None => self.sync(&mut failures).await?,
        };
        s.progress.set(self.index, offset);
        while offset < self.part.length {
            s.gate.wait(&s.guard).await?;
            let end = (offset + self.chunk_size).min(self.part.length);
            let body = self.chunks.body(self.part.start + offset, self.part.start + end).await?;
            let g = s.request_guard()?;
            // The idle timer: it restarts for every chunk, so only a chunk that makes no progress trips it.
            let waiting = g.waiting();
            let r = protocol::patch(s.transport(), &self.path, offset, body, &g).await;
            drop(waiting);
            match r {
                Ok(a) if a.offset > offset && a.offset <= self.part.length => {
                    offset = a.offset;
                    failures = 0;
                    s.progress.set(self.index, offset);
                    s.expiry.slide(self.index, a.expires.as_deref());
                }
                Ok(protocol::Acked { offset: acked, .. }) => {
                    // An acknowledgement that moves nothing forward: trust HEAD rather than it.
                    let e = Error::client(format!("the service acknowledged offset {acked} after a chunk at {offset}"));
                    failures += 1;
                    if failures > s.retries {
                        return Err(e);
                    }
                    offset = self.sync(&mut failures).await?;
                    s.progress.set(self.index, offset);
                }
                Err(f) => {
                    if s.recover(Kind::Patch, f, &mut failures).await? == Next::Resync {
                        offset = self.sync(&mut failures).await?;
                        s.progress.set(self.index, offset);
                    }
                }
            }
        }
        Ok(())
    }

    /// The committed offset, asked with HEAD until it answers (or the failure budget runs out).
    async fn sync(&self, failures: &mut u32) -> Result<u64, Error> {
        let s = self.session;
        loop {
            s.gate.wait(&s.guard).await?;
            let g = s.request_guard()?;
            match protocol::head(s.transport(), &self.path, &g).await {
                Ok(h) => {
                    return match h.offset {
                        Some(o) if o <= self.part.length => Ok(o),
                        other => Err(Error::client(format!(
                            "HEAD {} answered offset {other:?} for an upload of {} bytes",
                            self.path, self.part.length
                        ))),
                    }
                }
                Err(f) => {
                    s.recover(Kind::Head, f, failures).await?;
                }
            }
        }
    }
}
