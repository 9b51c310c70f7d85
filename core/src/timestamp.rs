//! Timestamps as the service writes them: ISO-8601 with an explicit offset and at most microsecond precision
//! (the database keeps microseconds), trailing zeros of the fraction dropped, as System.Text.Json writes a
//! `DateTimeOffset`: `2026-08-18T11:40:51.123456+00:00`.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

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

/// Reads any RFC 3339 timestamp (`Z` or an offset, any fraction), exactly as `time`'s
/// `OffsetDateTime::parse(s, &Rfc3339)` does (time 0.3.55; a test compares the two on generated input): any one
/// byte between date and time, fraction digits past the ninth ignored, a leap second (`:60`) read as the
/// nanosecond before when it falls at the end of a UTC month. Written here because time's parser is 31 KB of the
/// client's wasm before wasm-opt (twiggy, 2026-12-01) for this one format.
pub fn parse(s: &str) -> Result<OffsetDateTime, ParseError> {
    let mut r = Reader(s.trim().as_bytes());
    let year = r.digits(4).ok_or(ParseError::Component("year"))?;
    r.literal(b'-')?;
    let month = r.digits(2).filter(|m| *m != 0).ok_or(ParseError::Component("month"))?;
    r.literal(b'-')?;
    let day = r.digits(2).ok_or(ParseError::Component("day"))?;
    r.0 = r.0.get(1..).ok_or(ParseError::Component("separator"))?;
    let hour = r.digits(2).ok_or(ParseError::Component("hour"))?;
    r.literal(b':')?;
    let minute = r.digits(2).ok_or(ParseError::Component("minute"))?;
    r.literal(b':')?;
    let mut second = r.digits(2).ok_or(ParseError::Component("second"))?;
    let mut nanosecond = 0u32;
    if r.0.first() == Some(&b'.') {
        r.0 = &r.0[1..];
        let mut multiplier = 100_000_000u32;
        let mut any = false;
        while let Some(d) = r.0.first().filter(|b| b.is_ascii_digit()) {
            nanosecond += u32::from(d - b'0') * multiplier;
            multiplier /= 10;
            r.0 = &r.0[1..];
            any = true;
        }
        if !any {
            return Err(ParseError::Component("subsecond"));
        }
    }
    let offset = match r.0.first() {
        Some(b'Z' | b'z') => {
            r.0 = &r.0[1..];
            UtcOffset::UTC
        }
        Some(&sign @ (b'+' | b'-')) => {
            r.0 = &r.0[1..];
            let h = r.digits(2).filter(|h| *h <= 23).ok_or(ParseError::Component("offset hour"))? as i8;
            r.literal(b':')?;
            let m = r.digits(2).ok_or(ParseError::Component("offset minute"))? as i8;
            let (h, m) = if sign == b'-' { (-h, -m) } else { (h, m) };
            UtcOffset::from_hms(h, m, 0).map_err(ParseError::range)?
        }
        _ => return Err(ParseError::Component("offset hour")),
    };
    if !r.0.is_empty() {
        return Err(ParseError::Trailing);
    }
    let leap = second == 60;
    if leap {
        second = 59;
        nanosecond = 999_999_999;
    }
    let month = Month::try_from(month as u8).map_err(ParseError::range)?;
    let date = Date::from_calendar_date(year as i32, month, day as u8).map_err(ParseError::range)?;
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanosecond).map_err(ParseError::range)?;
    let t = PrimitiveDateTime::new(date, time).assume_offset(offset);
    if leap {
        // A leap second is the last second of a month, in UTC.
        let u = t.to_offset(UtcOffset::UTC);
        let last_of_month = u.date().next_day().is_none_or(|d| d.day() == 1);
        if !(u.hour() == 23 && u.minute() == 59 && u.second() == 59 && last_of_month) {
            return Err(ParseError::Range("second"));
        }
    }
    Ok(t)
}

/// Why [`parse`] refused; shown with the words of `time`'s own parse errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    Component(&'static str),
    Literal,
    Trailing,
    Range(&'static str),
}

impl ParseError {
    fn range(e: time::error::ComponentRange) -> Self {
        Self::Range(e.name())
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Component(name) => write!(f, "the '{name}' component could not be parsed"),
            Self::Literal => f.write_str("a character literal was not valid"),
            Self::Trailing => f.write_str("unexpected trailing characters; the end of input was expected"),
            Self::Range(name) => write!(f, "{name} was not in range"),
        }
    }
}

impl std::error::Error for ParseError {}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let d = self.0.get(..n).filter(|d| d.iter().all(u8::is_ascii_digit))?;
        self.0 = &self.0[n..];
        Some(d.iter().fold(0, |v, b| v * 10 + u32::from(b - b'0')))
    }

    fn literal(&mut self, c: u8) -> Result<(), ParseError> {
        match self.0.split_first() {
            Some((&b, rest)) if b == c => {
                self.0 = rest;
                Ok(())
            }
            _ => Err(ParseError::Literal),
        }
    }
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

    /// The same verdict and the same instant (offset included) as `time`'s RFC 3339 parser, on the service's
    /// forms, every component's edge and broken variants of each.
    #[test]
    fn agrees_with_time_rfc3339() {
        use time::format_description::well_known::Rfc3339;
        let base = [
            "2026-08-18T11:40:51.1234567+00:00",
            "2026-08-18T11:40:51Z",
            "2026-08-18t11:40:51z",
            "2026-08-18 11:40:51Z",
            "2026-08-18_11:40:51-05:30",
            "2026-08-18T11:40:51.+00:00",
            "2026-08-18T11:40:51.0000000001Z",
            "2026-08-18T11:40:51.999999999999Z",
            "2026-12-31T23:59:60Z",
            "2026-12-30T23:59:60Z",
            "2026-06-30T23:59:60Z",
            "2026-07-01T01:59:60+02:00",
            "2026-02-29T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-32T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:61Z",
            "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00+23:59",
            "2026-01-01T00:00:00-23:60",
            "2026-01-01T00:00:00+0100",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00Zx",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "26-01-01T00:00:00Z",
            "2026-1-01T00:00:00Z",
            "2026/01/01T00:00:00Z",
            "2026-01-01T00-00:00Z",
            "2026-01-01",
            "",
            " 2026-01-01T00:00:00Z ",
            "2026-01-01\u{e9}00:00:00Z",
            "+2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00,5Z",
        ];
        let mut inputs: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        // Every one-byte change of a valid timestamp: a digit, a separator, a letter, removed.
        let valid = "2026-08-18T11:40:51.123+02:00";
        for i in 0..valid.len() {
            for c in ["0", "9", "5", ":", "-", "+", "T", "Z", " ", "."] {
                inputs.push(format!("{}{c}{}", &valid[..i], &valid[i + 1..]));
            }
            inputs.push(format!("{}{}", &valid[..i], &valid[i + 1..]));
        }
        for input in inputs {
            let theirs = OffsetDateTime::parse(input.trim(), &Rfc3339);
            let ours = parse(&input);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => assert!(a == b && a.offset() == b.offset(), "{input:?}: {a} vs {b}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{input:?}"),
                _ => panic!("{input:?}: ours {ours:?}, time's {theirs:?}"),
            }
        }
    }
}
