//! `Date` on every response from the emulator clock (RFC 9110 §6.6.1, IMF-fixdate), so a client that reads the
//! server's time (token freshness, clock-skew checks) sees the emulated time after `clock/advance`. hyper adds its
//! own real-time `Date` only when the response has none.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use time::{OffsetDateTime, UtcOffset};

use crate::clock::Clock;

pub async fn date_header(State(clock): State<Clock>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&imf_fixdate(clock.now())) {
        res.headers_mut().insert(header::DATE, v);
    }
    res
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn imf_fixdate(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS[usize::from(u8::from(t.month()) - 1)],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn rfc_example() {
        assert_eq!(super::imf_fixdate(datetime!(1994-11-06 08:49:37.5 UTC)), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
