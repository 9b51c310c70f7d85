//! Blocking file work shared by the stores that write uploads (`blobs`, `tus::staging`): running it off the async
//! threads, spreading an upload's writeback over its body, and making a directory entry durable.

use std::path::Path;

/// Runs blocking file work off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(std::io::Error::other)?
}

/// Removes the file at `path`; one that is not there is fine (a delete repeated after a crash, a name to reuse).
pub fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Makes `dir`'s entries (a created or renamed file) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// When a writer hands what it wrote to the disk: every `step` bytes, so the disk works while the body arrives and
/// the final fsync has little left to do.
pub struct Writeback {
    step: u64,
    /// How much has been handed to the disk.
    handed: u64,
}

impl Writeback {
    pub const fn every(step: u64) -> Self {
        Self { step, handed: 0 }
    }

    /// With `written` bytes written: where the range to hand to the disk starts (it ends at `written`), when a step
    /// has filled since the last one.
    pub fn due(&mut self, written: u64) -> Option<u64> {
        (written - self.handed >= self.step).then(|| std::mem::replace(&mut self.handed, written))
    }
}

/// Starts the disk writing `[from, to)` of `file` without waiting for it (Linux `sync_file_range`); the fsync at
/// the end still makes the file durable, this only spreads its work over the upload. Failing is harmless: the
/// fsync then does all of it.
#[cfg(target_os = "linux")]
pub fn start_writeback(file: &std::fs::File, from: u64, to: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(from), i64::try_from(to - from)) else { return };
    // SAFETY: the descriptor is open for the whole call (`file` is borrowed); the call reads no memory of ours.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
pub fn start_writeback(_file: &std::fs::File, _from: u64, _to: u64) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writeback_is_due_once_per_step() {
        let mut w = Writeback::every(10);
        assert_eq!(w.due(4), None);
        assert_eq!(w.due(12), Some(0));
        assert_eq!(w.due(20), None);
        assert_eq!(w.due(22), Some(12));
    }
}
