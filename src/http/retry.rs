//! When to try a request again, and how long to wait first. Pure, so it is tested natively.

use time::{format_description::FormatItem, macros::format_description, OffsetDateTime, PrimitiveDateTime};

/// What a retry of a request would do to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Sending it twice is harmless (GET, resource PUT): retried after network errors, 429, 502, 503 and 504.
    Idempotent,
    /// Retried only when the service said it did not act (429, 503); a lost answer is never retried blindly.
    WhenRefused,
    /// Never retried (initialize: a lost answer may already have created a transfer).
    Never,
}

/// Exponential backoff with full jitter, capped; a `Retry-After` from the service wins when it is longer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub retries: u32,
    pub base_delay_ms: f64,
    pub max_delay_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { retries: 3, base_delay_ms: 250.0, max_delay_ms: 30_000.0 }
    }
}

/// How a failed attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No HTTP answer.
    NetworkError,
    /// An HTTP status.
    Status(u16),
}

impl RetryPolicy {
    pub fn disabled() -> Self {
        Self { retries: 0, ..Self::default() }
    }

    /// Whether attempt number `attempt` (0 = the first) that ended with `outcome` may be retried.
    pub fn should_retry(&self, replay: Replay, outcome: Outcome, attempt: u32) -> bool {
        if attempt >= self.retries {
            return false;
        }
        match (replay, outcome) {
            (Replay::Never, _) => false,
            (Replay::Idempotent, Outcome::NetworkError) => true,
            (Replay::Idempotent, Outcome::Status(s)) => matches!(s, 429 | 502 | 503 | 504),
            (Replay::WhenRefused, Outcome::Status(s)) => matches!(s, 429 | 503),
            (Replay::WhenRefused, Outcome::NetworkError) => false,
        }
    }

    /// The wait before retry number `attempt + 1`. `jitter` is uniform in [0, 1); `retry_after_ms` is the
    /// service's `Retry-After`, honoured even above the cap since the service asked for it.
    pub fn delay_ms(&self, attempt: u32, jitter: f64, retry_after_ms: Option<f64>) -> f64 {
        let exp = self.base_delay_ms * 2f64.powi(attempt.min(30) as i32);
        let backoff = exp.min(self.max_delay_ms) * jitter.clamp(0.0, 1.0);
        match retry_after_ms {
            Some(ra) => ra.max(backoff),
            None => backoff,
        }
    }
}

const IMF_FIXDATE: &[FormatItem<'static>] =
    format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");

/// Reads `Retry-After` (seconds, or an HTTP date) as milliseconds from `now`.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<f64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then_some(secs * 1000.0);
    }
    let at = PrimitiveDateTime::parse(v, IMF_FIXDATE).ok()?.assume_utc();
    Some(((at - now).whole_milliseconds().max(0)) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn what_is_retried() {
        let p = RetryPolicy::default();
        assert!(p.should_retry(Replay::Idempotent, Outcome::NetworkError, 0));
        assert!(p.should_retry(Replay::Idempotent, Outcome::Status(503), 2));
        assert!(!p.should_retry(Replay::Idempotent, Outcome::Status(503), 3));
        assert!(!p.should_retry(Replay::Idempotent, Outcome::Status(500), 0));
        assert!(!p.should_retry(Replay::Idempotent, Outcome::Status(404), 0));
        assert!(p.should_retry(Replay::WhenRefused, Outcome::Status(429), 0));
        assert!(!p.should_retry(Replay::WhenRefused, Outcome::Status(502), 0));
        assert!(!p.should_retry(Replay::WhenRefused, Outcome::NetworkError, 0));
        assert!(!p.should_retry(Replay::Never, Outcome::Status(503), 0));
        assert!(!RetryPolicy::disabled().should_retry(Replay::Idempotent, Outcome::NetworkError, 0));
    }

    #[test]
    fn backoff_grows_caps_and_yields_to_retry_after() {
        let p = RetryPolicy { retries: 10, base_delay_ms: 100.0, max_delay_ms: 1000.0 };
        assert_eq!(p.delay_ms(0, 0.5, None), 50.0);
        assert_eq!(p.delay_ms(2, 1.0, None), 400.0);
        assert_eq!(p.delay_ms(9, 1.0, None), 1000.0);
        assert_eq!(p.delay_ms(0, 0.0, Some(2000.0)), 2000.0);
        assert_eq!(p.delay_ms(9, 1.0, Some(10.0)), 1000.0);
    }

    #[test]
    fn retry_after_forms() {
        let now = datetime!(2026-11-24 08:00:00 UTC);
        assert_eq!(parse_retry_after("2", now), Some(2000.0));
        assert_eq!(parse_retry_after(" 0 ", now), Some(0.0));
        assert_eq!(parse_retry_after("Tue, 24 Nov 2026 08:00:03 GMT", now), Some(3000.0));
        assert_eq!(parse_retry_after("Tue, 24 Nov 2026 07:00:00 GMT", now), Some(0.0));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
