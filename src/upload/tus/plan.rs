//! How a file is cut for tus: the chunk size and, for a parallel upload, the partial uploads. Pure, so it is
//! tested natively.
//!
//! The service stores every PATCH body as one Azure block and allows at most 50,000 blocks per transfer, all
//! partials together (contract §5), and buffers a chunk in memory up to `int.MaxValue` bytes. Partials start on
//! chunk boundaries, so a transfer is never cut into more chunks than `ceil(length / chunk)`, and the smallest
//! legal chunk is `ceil(length / 50,000)`.

pub use altinn_broker_core::tus::{DEFAULT_CHUNK_BYTES, MAX_CHUNKS, MAX_CHUNK_BYTES};

/// One upload of the plan: a single upload covers the file, a partial covers `start..start + length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub start: u64,
    pub length: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub chunk_size: u64,
    /// One part for a single upload; two or more for a concatenation.
    pub parts: Vec<Part>,
}

impl Plan {
    pub fn is_parallel(&self) -> bool {
        self.parts.len() > 1
    }

    /// How many PATCH requests the plan needs, all parts together.
    pub fn chunk_count(&self) -> u64 {
        self.parts.iter().map(|p| p.length.div_ceil(self.chunk_size)).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("chunkSize must be at least 1 byte")]
    ZeroChunk,
    #[error("chunkSize {0} is above the service's limit of {MAX_CHUNK_BYTES} bytes per chunk")]
    ChunkTooLarge(u64),
    #[error("a file of {0} bytes cannot be cut into at most {MAX_CHUNKS} chunks of at most {MAX_CHUNK_BYTES} bytes")]
    FileTooLarge(u64),
    #[error("parallel must be between 1 and 64")]
    Parallel,
}

/// The smallest chunk size that keeps `length` within the block cap.
pub fn min_chunk(length: u64) -> u64 {
    length.div_ceil(MAX_CHUNKS).max(1)
}

/// Plans an upload of `length` bytes. A requested chunk size below the cap's minimum is raised to it (the
/// service would refuse the 50,001st chunk); `parallel` partials are made only where each gets at least one
/// chunk, so a small file may get fewer partials than asked, and a one-part plan is a plain single upload.
pub fn plan(length: u64, requested_chunk: Option<u64>, parallel: u32) -> Result<Plan, PlanError> {
    if !(1..=64).contains(&parallel) {
        return Err(PlanError::Parallel);
    }
    let requested = requested_chunk.unwrap_or(DEFAULT_CHUNK_BYTES);
    if requested == 0 {
        return Err(PlanError::ZeroChunk);
    }
    if requested > MAX_CHUNK_BYTES {
        return Err(PlanError::ChunkTooLarge(requested));
    }
    let chunk_size = requested.max(min_chunk(length));
    if chunk_size > MAX_CHUNK_BYTES {
        return Err(PlanError::FileTooLarge(length));
    }
    let chunks = length.div_ceil(chunk_size);
    let n = u64::from(parallel).min(chunks).max(1);
    // Whole chunks per part, the first parts taking one more when they do not divide evenly.
    let (per, extra) = (chunks / n, chunks % n);
    let mut parts = Vec::with_capacity(n as usize);
    let mut start = 0;
    for i in 0..n {
        let part_chunks = per + u64::from(i < extra);
        let len = (part_chunks * chunk_size).min(length - start);
        parts.push(Part { start, length: len });
        start += len;
    }
    Ok(Plan { chunk_size, parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(p: &Plan, length: u64) {
        let mut at = 0;
        for part in &p.parts {
            assert_eq!(part.start, at);
            assert!(part.length > 0 || length == 0);
            at += part.length;
        }
        assert_eq!(at, length);
        assert!(p.chunk_count() <= MAX_CHUNKS);
    }

    #[test]
    fn single_and_parallel() {
        let p = plan(100, Some(30), 1).unwrap();
        assert_eq!(p.parts, vec![Part { start: 0, length: 100 }]);
        assert_eq!(p.chunk_count(), 4);
        let p = plan(100, Some(30), 4).unwrap();
        covers(&p, 100);
        assert_eq!(p.parts.len(), 4);
        assert!(p.parts[..3].iter().all(|x| x.length % 30 == 0));
        assert_eq!(p.chunk_count(), 4, "aligned parts add no chunk");
        let p = plan(10 * 1024 * 1024, None, 4).unwrap();
        assert_eq!(p.parts.len(), 2, "10 MiB is two 8 MiB chunks: two partials");
        covers(&p, 10 * 1024 * 1024);
    }

    #[test]
    fn empty_and_tiny_files() {
        let p = plan(0, None, 4).unwrap();
        assert_eq!(p.parts, vec![Part { start: 0, length: 0 }]);
        assert!(!p.is_parallel());
        let p = plan(3, Some(1), 8).unwrap();
        assert_eq!(p.parts.len(), 3);
        covers(&p, 3);
    }

    #[test]
    fn the_block_cap_raises_small_chunks() {
        let len = 1_677_721_600_000; // the service's global maximum
        let p = plan(len, Some(1024), 4).unwrap();
        assert_eq!(p.chunk_size, min_chunk(len));
        assert_eq!(p.chunk_size, 33_554_432);
        covers(&p, len);
        let odd = 50_000 * 7 + 1;
        let p = plan(odd, Some(1), 3).unwrap();
        assert_eq!(p.chunk_size, 8);
        covers(&p, odd);
    }

    #[test]
    fn refusals() {
        assert_eq!(plan(10, Some(0), 1), Err(PlanError::ZeroChunk));
        assert_eq!(plan(10, Some(MAX_CHUNK_BYTES + 1), 1), Err(PlanError::ChunkTooLarge(MAX_CHUNK_BYTES + 1)));
        assert_eq!(plan(10, None, 0), Err(PlanError::Parallel));
        let huge = MAX_CHUNKS * MAX_CHUNK_BYTES + 1;
        assert_eq!(plan(huge, None, 1), Err(PlanError::FileTooLarge(huge)));
    }
}
