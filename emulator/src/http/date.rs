//! Every response's `Date` (RFC 9110 §6.6.1) reads the emulator clock, as a real server's reads its own. Clients
//! learn the server's time from it: the Maskinporten provider keeps a grant's `iat` within Maskinporten's ±10 s
//! (events-auth §2.2) by it, and after `POST /emulator/api/clock/advance` that time is the emulator's. hyper adds
//! its own `Date` only to a response that has none.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::clock::Clock;

pub async fn date_header(State(clock): State<Clock>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if let Some(v) = http_date(clock.now()).and_then(|d| HeaderValue::from_str(&d).ok()) {
        res.headers_mut().insert(header::DATE, v);
    }
    res
}

/// IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: OffsetDateTime) -> Option<String> {
    let f = format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    t.to_offset(UtcOffset::UTC).format(&f).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imf_fixdate() {
        let t = time::macros::datetime!(1994-11-06 08:49:37.123 +01:00);
        assert_eq!(http_date(t).as_deref(), Some("Sun, 06 Nov 1994 07:49:37 GMT"));
    }
}
