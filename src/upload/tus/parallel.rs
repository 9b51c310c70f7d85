//! The concatenation extension: the partial uploads run side by side, then one final upload joins them. The
//! service answers the final POST at once and joins the parts in the background (contract §5); until that is
//! done, HEAD on the final has no `Upload-Offset`.

use futures_util::future::try_join_all;

use crate::error::Error;
use crate::upload::tus::chunks::Chunks;
use crate::upload::tus::plan::Part;
use crate::upload::tus::protocol::{self, collection_path};
use crate::upload::tus::session::{Kind, Session};
use crate::upload::tus::single::Worker;

/// Sends every part at once; the first failure ends them all.
pub async fn send_parts(
    s: &Session,
    parts: &[(String, Part, Option<u64>)],
    chunk_size: u64,
    chunks: &Chunks,
) -> Result<(), Error> {
    let workers = parts
        .iter()
        .enumerate()
        .map(|(index, (path, part, offset))| {
            let chunks = chunks.share().ok_or_else(|| {
                Error::Unsupported("a parallel upload reads the file at many places at once: pass a Blob".into())
            })?;
            Ok(Worker { session: s, index, path: path.clone(), part: *part, chunk_size, chunks }.run(*offset))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let r = try_join_all(workers).await.map(|_| ());
    if r.is_err() {
        // The other parts' requests are still running: stop them, the upload is over for now.
        s.guard.cancel();
    }
    r
}

/// Creates the final upload from `paths` in order; its path.
pub async fn join(s: &Session, paths: &[String]) -> Result<String, Error> {
    let mut failures = 0;
    loop {
        s.gate.wait(&s.guard).await?;
        let g = s.request_guard()?;
        match protocol::create_final(s.transport(), s.id, paths, &g).await {
            Ok(c) => return Ok(c.path),
            Err(f) => {
                s.recover(Kind::Create, f, &mut failures).await?;
                // A final whose answer was lost exists already: creating it again would fail.
                let g = s.request_guard()?;
                if protocol::head(s.transport(), &collection_path(s.id), &g).await.is_ok() {
                    return Ok(collection_path(s.id));
                }
            }
        }
    }
}

/// Waits until the service has joined the parts: HEAD on the final reports the whole length, or answers 409
/// because the transfer already moved past uploading (published, or failed).
pub async fn wait_joined(s: &Session, final_path: &str, length: u64) -> Result<(), Error> {
    let mut failures = 0;
    let mut interval = 100.0;
    loop {
        s.gate.wait(&s.guard).await?;
        let g = s.request_guard()?;
        match protocol::head(s.transport(), final_path, &g).await {
            Ok(h) if h.offset == Some(length) => return Ok(()),
            Ok(_) => {
                failures = 0;
                s.guard.sleep(interval).await?;
                interval = (interval * 1.5).min(2000.0);
            }
            Err(f) if matches!(f.error, Error::Broker { status: 409, .. }) => return Ok(()),
            Err(f) => {
                s.recover(Kind::Head, f, &mut failures).await?;
            }
        }
    }
}
