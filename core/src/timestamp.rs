//! Timestamps as the service writes them: ISO-8601 with an explicit offset and at most microsecond precision
//! (the database keeps microseconds), trailing zeros of the fraction dropped, as System.Text.Json writes a
//! `DateTimeOffset`: `2026-08-18T11:40:51.123456+00:00`.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Writes `t` in the service's form, in UTC.
pub fn format(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let micros = t.microsecond();
    let mut out = String::with_capacity(32);
    write_date_time(&mut out, t);
    if micros != 0 {
        let frac = format!("{micros:06}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push_str("+00:00");
    out
}

/// Appends `YYYY-MM-DDTHH:MM:SS` of `t` in its own offset (callers convert to UTC first): the part every timestamp
/// form here shares; each adds its own fraction and offset.
pub fn write_date_time(out: &mut String, t: OffsetDateTime) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
}

/// Reads any RFC 3339 timestamp (`Z` or an offset, any fraction).
pub fn parse(s: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
}

/// Truncates to the microsecond precision the service stores.
pub fn truncate_to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let nanos = t.nanosecond();
    t.replace_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

/// `#[serde(with = "...")]` for `OffsetDateTime` fields in the service's form.
pub mod serde_rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let s = String::deserialize(d)?;
        super::parse(&s).map_err(serde::de::Error::custom)
    }

    /// The same for `Option<OffsetDateTime>` (written as `null` when absent).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;

        pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::super::format(*t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
            match Option::<String>::deserialize(d)? {
                Some(s) => super::super::parse(&s).map(Some).map_err(serde::de::Error::custom),
                None => Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn service_form() {
        assert_eq!(format(datetime!(2026-08-18 11:40:51.123456 UTC)), "2026-08-18T11:40:51.123456+00:00");
        assert_eq!(format(datetime!(2026-08-18 11:40:51.1 UTC)), "2026-08-18T11:40:51.1+00:00");
        assert_eq!(format(datetime!(2026-08-18 11:40:51 UTC)), "2026-08-18T11:40:51+00:00");
        assert_eq!(format(datetime!(2026-08-18 13:40:51 +02:00)), "2026-08-18T11:40:51+00:00");
    }

    #[test]
    fn parses_service_and_rfc3339() {
        let t = parse("2026-08-18T11:40:51.1234567+00:00").unwrap();
        assert_eq!(t.nanosecond(), 123_456_700);
        assert_eq!(parse("2026-08-18T11:40:51Z").unwrap(), datetime!(2026-08-18 11:40:51 UTC));
        assert!(parse("yesterday").is_err());
    }
}
