//! The one emulator clock: real time plus an offset that `POST /emulator/api/clock/advance` grows.
//!
//! Everything time-dependent reads it (timestamps, expiry and purge jobs, the scan delay, token `exp`), so a test
//! can jump a month ahead and see exactly what the real service would have done by then. The offset is kept in
//! the data dir so that a restart does not travel back in time.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

const OFFSET_FILE: &str = "clock-offset-micros";

#[derive(Debug, Clone)]
pub struct Clock {
    inner: Arc<ClockInner>,
}

#[derive(Debug)]
struct ClockInner {
    offset_micros: AtomicI64,
    file: Option<PathBuf>,
}

impl Clock {
    /// A clock whose offset lives in `data_dir` (read now, written on every advance).
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let file = data_dir.join(OFFSET_FILE);
        let offset = match std::fs::read_to_string(&file) {
            Ok(s) => s.trim().parse().map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{} is not a number", file.display()))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(e),
        };
        Ok(Self { inner: Arc::new(ClockInner { offset_micros: AtomicI64::new(offset), file: Some(file) }) })
    }

    /// A clock that is not persisted (unit tests).
    pub fn ephemeral() -> Self {
        Self { inner: Arc::new(ClockInner { offset_micros: AtomicI64::new(0), file: None }) }
    }

    /// Emulator now, truncated to microseconds as the service's database stores it.
    pub fn now(&self) -> OffsetDateTime {
        let real = OffsetDateTime::now_utc();
        let t = real + time::Duration::microseconds(self.inner.offset_micros.load(Ordering::SeqCst));
        altinn_broker_core::timestamp::truncate_to_micros(t)
    }

    /// Emulator now as Unix seconds (JWT `iat`/`exp`).
    pub fn unix_seconds(&self) -> i64 {
        self.now().unix_timestamp()
    }

    /// Moves the clock forward by `by` and persists the new offset (write, fsync, rename).
    pub fn advance(&self, by: Duration) -> std::io::Result<()> {
        let micros = i64::try_from(by.as_micros())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "duration too large"))?;
        let new = self.inner.offset_micros.fetch_add(micros, Ordering::SeqCst) + micros;
        if let Some(file) = &self.inner.file {
            crate::store::blobs::write_atomically(file, new.to_string().as_bytes())?;
        }
        Ok(())
    }

    /// The current offset from real time.
    pub fn offset(&self) -> Duration {
        Duration::from_micros(self.inner.offset_micros.load(Ordering::SeqCst).max(0).unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let c = Clock::open(dir.path()).unwrap();
        let before = c.now();
        c.advance(Duration::from_secs(86_400)).unwrap();
        assert!(c.now() - before >= time::Duration::days(1));
        let again = Clock::open(dir.path()).unwrap();
        assert_eq!(again.offset(), Duration::from_secs(86_400));
    }
}
