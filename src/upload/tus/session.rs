//! What every request of one resumable upload shares: the call guard (pause, abort, deadline), the pause gate
//! that a 429 closes for all parallel requests at once, the progress counted from acknowledged offsets, and the
//! rule for what a failed request means.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use altinn_broker_core::FileTransferId;
use js_sys::Function;

use crate::client::Client;
use crate::error::{Error, TimeoutKind};
use crate::http::guard::{CallGuard, Timeouts};
use crate::http::transport::Transport;
use crate::js::runtime::now_ms;
use crate::js::value::notify;
use crate::upload::body::progress_event;
use crate::upload::tus::protocol::Failed;

pub struct Session {
    pub client: Rc<Client>,
    pub id: FileTransferId,
    /// The whole upload: fires on pause, terminate, the caller's signal and the deadline.
    pub guard: CallGuard,
    /// The idle timeout of each request; a chunk's timer restarts with every acknowledged chunk.
    pub stall_ms: Option<f64>,
    /// Consecutive failed requests (without an acknowledged chunk in between) before giving up.
    pub retries: u32,
    pub gate: Gate,
    pub progress: Progress,
    pub expiry: Expiry,
}

/// What to do after a failed request that may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Send the same request again (the service said it did nothing: 429, 503).
    Retry,
    /// Ask HEAD where the upload stands, then go on from there.
    Resync,
}

/// Which request failed, since the same status means different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Create,
    Head,
    Patch,
}

/// Whether a failure is worth another attempt, and how.
pub fn classify(kind: Kind, e: &Error) -> Option<Next> {
    match e {
        Error::Network { .. } | Error::Timeout { kind: TimeoutKind::Stall, .. } => Some(match kind {
            Kind::Create => Next::Retry,
            _ => Next::Resync,
        }),
        Error::Broker { status, .. } => match (kind, *status) {
            (_, 429 | 503) => Some(Next::Retry),
            // The file is locked by a request the service still runs (423), or our offset is stale (409).
            (Kind::Patch, 409 | 423) | (Kind::Head, 423) => Some(Next::Resync),
            (Kind::Create, 500 | 502 | 504) => Some(Next::Retry),
            (Kind::Head | Kind::Patch, 500 | 502 | 504) => Some(Next::Resync),
            _ => None,
        },
        _ => None,
    }
}

impl Session {
    pub fn transport(&self) -> &Transport {
        &self.client.transport
    }

    /// A guard for one request: ends with the upload, and has its own idle timer.
    pub fn request_guard(&self) -> Result<CallGuard, Error> {
        CallGuard::new(Some(self.guard.signal()), Timeouts { stall_ms: self.stall_ms, deadline_ms: None })
    }

    /// After a failed request: gives up (pause, abort and deadline win; fatal answers; too many failures in a
    /// row) or waits (backoff with jitter, or the pause gate after a 429/503) and says how to go on.
    pub async fn recover(&self, kind: Kind, f: Failed, failures: &mut u32) -> Result<Next, Error> {
        self.guard.check()?;
        let Some(next) = classify(kind, &f.error) else { return Err(f.error) };
        *failures += 1;
        if *failures > self.retries {
            return Err(f.error);
        }
        let policy = self.transport().retry;
        let delay = policy.delay_ms(*failures - 1, js_sys::Math::random(), f.retry_after_ms);
        if matches!(f.error, Error::Broker { status: 429 | 503, .. }) {
            self.gate.hold(delay);
            self.gate.wait(&self.guard).await?;
        } else {
            self.guard.sleep(delay).await?;
        }
        Ok(next)
    }
}

/// Closed for everyone after a 429: no request of the upload starts before it opens again.
#[derive(Default)]
pub struct Gate {
    until_ms: Cell<f64>,
}

impl Gate {
    pub fn hold(&self, ms: f64) {
        self.until_ms.set(self.until_ms.get().max(now_ms() + ms));
    }

    pub async fn wait(&self, guard: &CallGuard) -> Result<(), Error> {
        loop {
            let left = self.until_ms.get() - now_ms();
            if left <= 0.0 {
                return guard.check();
            }
            guard.sleep(left).await?;
        }
    }
}

/// Bytes the service acknowledged, per upload, reported to the caller's callback.
pub struct Progress {
    acked: RefCell<Vec<u64>>,
    total: u64,
    callback: Option<Function>,
    last: Cell<f64>,
}

impl Progress {
    pub fn new(total: u64, callback: Option<Function>) -> Self {
        Self { acked: RefCell::new(Vec::new()), total, callback, last: Cell::new(-1.0) }
    }

    pub fn set(&self, part: usize, acked: u64) {
        {
            let mut a = self.acked.borrow_mut();
            if a.len() <= part {
                a.resize(part + 1, 0);
            }
            a[part] = acked;
        }
        let loaded = self.loaded() as f64;
        if loaded != self.last.get() {
            self.last.set(loaded);
            notify(self.callback.as_ref(), &progress_event("upload", loaded, Some(self.total as f64)));
        }
    }

    pub fn loaded(&self) -> u64 {
        self.acked.borrow().iter().sum()
    }

    pub fn total(&self) -> u64 {
        self.total
    }
}

/// When the service forgets each upload, as its latest `Upload-Expires` says (milliseconds since the epoch).
#[derive(Default)]
pub struct Expiry {
    per_part: RefCell<Vec<Option<f64>>>,
}

impl Expiry {
    /// Records the expiry a chunk's acknowledgement carried.
    pub fn slide(&self, part: usize, header: Option<&str>) {
        let Some(at) = header.and_then(http_date_ms) else { return };
        let mut v = self.per_part.borrow_mut();
        if v.len() <= part {
            v.resize(part + 1, None);
        }
        v[part] = Some(at);
    }

    /// The earliest expiry of all parts, once every part has reported one.
    pub fn earliest(&self, parts: usize) -> Option<f64> {
        let v = self.per_part.borrow();
        if v.len() < parts {
            return None;
        }
        v.iter().try_fold(f64::INFINITY, |m, e| e.map(|e| m.min(e)))
    }
}

/// An HTTP date (`Upload-Expires`) in milliseconds since the epoch.
pub fn http_date_ms(value: &str) -> Option<f64> {
    // `Retry-After` reads an HTTP date as milliseconds from a given instant: from the epoch, that is the date.
    crate::http::retry::parse_retry_after(value, time::OffsetDateTime::UNIX_EPOCH).filter(|ms| *ms > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broker(status: u16) -> Error {
        Error::Broker { status, problem: None, body: None }
    }

    #[test]
    fn expiry_is_the_earliest_of_all_parts() {
        let e = Expiry::default();
        e.slide(1, Some("Wed, 25 Nov 2026 08:00:00 GMT"));
        assert_eq!(e.earliest(2), None, "part 0 has not reported");
        e.slide(0, Some("Wed, 25 Nov 2026 07:00:00 GMT"));
        e.slide(0, Some("not a date"));
        assert_eq!(e.earliest(2), http_date_ms("Wed, 25 Nov 2026 07:00:00 GMT"));
        assert_eq!(http_date_ms("Thu, 01 Jan 1970 00:00:01 GMT"), Some(1000.0));
    }

    #[test]
    fn what_failures_mean() {
        assert_eq!(classify(Kind::Patch, &broker(409)), Some(Next::Resync));
        assert_eq!(classify(Kind::Head, &broker(409)), None, "HEAD 409: the transfer moved past uploading");
        assert_eq!(classify(Kind::Patch, &broker(429)), Some(Next::Retry));
        assert_eq!(classify(Kind::Create, &broker(503)), Some(Next::Retry));
        assert_eq!(classify(Kind::Patch, &broker(460)), None);
        assert_eq!(classify(Kind::Patch, &broker(404)), None);
        assert_eq!(classify(Kind::Patch, &broker(400)), None);
        assert_eq!(classify(Kind::Patch, &Error::Timeout { kind: TimeoutKind::Stall, ms: 1.0 }), Some(Next::Resync));
        assert_eq!(classify(Kind::Patch, &Error::Timeout { kind: TimeoutKind::Deadline, ms: 1.0 }), None);
    }
}
