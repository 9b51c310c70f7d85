//! When to try a request again, and how long to wait first. Pure, so it is tested natively.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

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

/// Reads `Retry-After` (seconds, or an HTTP date) as milliseconds from `now`.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<f64> {
    let v = value.trim();
    // delay-seconds is `1*DIGIT` (RFC 9110 §10.2.3): an integer, so no float parser (and its tables) in the wasm.
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(v.parse::<u64>().map_or(f64::MAX, |secs| secs as f64 * 1000.0));
    }
    let at = imf_fixdate(v)?.assume_utc();
    Some(((at - now).whole_milliseconds().max(0)) as f64)
}

/// An HTTP date, `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7's IMF-fixdate), as `time`'s format description
/// `[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT` reads it (a test compares
/// the two): the weekday must be a day's name, though not necessarily the date's. Written out because time's format-description parser was 10 KB of the
/// wasm (twiggy, 2026-12-01) for this one form.
fn imf_fixdate(v: &str) -> Option<PrimitiveDateTime> {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let b = v.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || &b[25..] != b" GMT" {
        return None;
    }
    if b[19] != b':' || b[22] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        let d = &b[r];
        d.iter().all(u8::is_ascii_digit).then(|| d.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')))
    };
    DAYS.iter().position(|d| d.as_bytes() == &b[..3])?;
    let month = MONTHS.iter().position(|m| m.as_bytes() == &b[8..11])?;
    let date =
        Date::from_calendar_date(num(12..16)? as i32, Month::try_from(month as u8 + 1).ok()?, num(5..7)? as u8).ok()?;
    let time = Time::from_hms(num(17..19)? as u8, num(20..22)? as u8, num(23..25)? as u8).ok()?;
    Some(PrimitiveDateTime::new(date, time))
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
        // delay-seconds is 1*DIGIT: no fraction, no sign.
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("+5", now), None);
        // Past u64: "much later" (the sleep is capped at setTimeout's limit, `CallGuard::sleep`).
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(f64::MAX));
    }

    #[test]
    fn http_dates_as_time_reads_them() {
        use time::macros::format_description;
        let imf =
            format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
        let valid = "Tue, 24 Nov 2026 08:00:03 GMT";
        let mut inputs: Vec<String> = [
            valid,
            "Wed, 24 Nov 2026 08:00:03 GMT",
            "Tue, 24 nov 2026 08:00:03 GMT",
            "tue, 24 Nov 2026 08:00:03 GMT",
            "Tue, 4 Nov 2026 08:00:03 GMT",
            "Tue, 24 Nov 2026 08:00:03 UTC",
            "Tue, 24 Nov 2026 24:00:00 GMT",
            "Sat, 29 Feb 2025 00:00:00 GMT",
            "Thu, 29 Feb 2024 23:59:59 GMT",
            "Tue, 24 Nov 2026 08:00:60 GMT",
            "Tuesday, 24-Nov-26 08:00:03 GMT",
            "Tue Nov 24 08:00:03 2026",
            "Tue, 24 Nov 2026 08:00:03 GMT ",
            "",
        ]
        .map(String::from)
        .into();
        for i in 0..valid.len() {
            for c in ["0", "9", " ", ",", ":", "x", "+"] {
                inputs.push(format!("{}{c}{}", &valid[..i], &valid[i + 1..]));
            }
        }
        for input in inputs {
            let theirs = PrimitiveDateTime::parse(&input, imf).ok();
            assert_eq!(imf_fixdate(&input), theirs, "{input:?}");
        }
    }
}
