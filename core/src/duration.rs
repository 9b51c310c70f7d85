//! ISO-8601 durations read the way .NET's `XmlConvert.ToTimeSpan` reads them, and written back the way
//! `TimeSpan.ToString()` writes them (contract §8.1, §8.2).
//!
//! Hand-written on purpose: the crates that parse ISO-8601 durations keep years and months symbolic, while the
//! service needs .NET's fixed reading (a year is 365 days, a month 30) and its `d.hh:mm:ss` output.

use std::time::Duration;

/// Why a duration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO-8601 duration such as P30D or PT2H")]
pub struct InvalidDuration(pub String);

/// Parses `[-]PnYnMnDTnHnMn.nS` (at least one component, `T` only before time components). Negative durations
/// are refused. Years count 365 days and months 30, as in `XmlConvert.ToTimeSpan`.
pub fn parse_iso8601(s: &str) -> Result<Duration, InvalidDuration> {
    let err = || InvalidDuration(s.to_owned());
    let rest = s.trim().strip_prefix('P').ok_or_else(err)?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return Err(err()),
        None => (rest, None),
    };
    let mut total_nanos: u128 = 0;
    let mut components = 0;
    let mut scan =
        |part: &str, units: &[(char, u128)], allow_fraction_on: Option<char>| -> Result<(), InvalidDuration> {
            let mut num = String::new();
            let mut next_unit = 0;
            for c in part.chars() {
                if c.is_ascii_digit() || c == '.' {
                    num.push(c);
                    continue;
                }
                let idx = units[next_unit..].iter().position(|(u, _)| *u == c).ok_or_else(err)? + next_unit;
                next_unit = idx + 1;
                if num.is_empty() {
                    return Err(err());
                }
                let nanos_per = units[idx].1;
                if let Some((int, frac)) = num.split_once('.') {
                    if allow_fraction_on != Some(c) || int.is_empty() && frac.is_empty() {
                        return Err(err());
                    }
                    let int: u128 = if int.is_empty() { 0 } else { int.parse().map_err(|_| err())? };
                    let frac9: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
                    let frac: u128 = frac9.parse().map_err(|_| err())?;
                    total_nanos = total_nanos.checked_add(int * nanos_per + frac).ok_or_else(err)?;
                } else {
                    let n: u128 = num.parse().map_err(|_| err())?;
                    total_nanos = n.checked_mul(nanos_per).and_then(|v| total_nanos.checked_add(v)).ok_or_else(err)?;
                }
                num.clear();
                components += 1;
            }
            if num.is_empty() {
                Ok(())
            } else {
                Err(err())
            }
        };
    const SEC: u128 = 1_000_000_000;
    const DAY: u128 = 86_400 * SEC;
    scan(date, &[('Y', 365 * DAY), ('M', 30 * DAY), ('D', DAY)], None)?;
    if let Some(t) = time {
        scan(t, &[('H', 3600 * SEC), ('M', 60 * SEC), ('S', SEC)], Some('S'))?;
    }
    if components == 0 {
        return Err(err());
    }
    let secs = u64::try_from(total_nanos / SEC).map_err(|_| err())?;
    Ok(Duration::new(secs, (total_nanos % SEC) as u32))
}

/// Writes a duration as .NET's `TimeSpan.ToString()`: `[d.]hh:mm:ss[.fffffff]` (`P30D` → `30.00:00:00`).
pub fn format_timespan(d: Duration) -> String {
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let mut out = if days > 0 { format!("{days}.{h:02}:{m:02}:{s:02}") } else { format!("{h:02}:{m:02}:{s:02}") };
    let ticks = d.subsec_nanos() / 100;
    if ticks > 0 {
        out.push_str(&format!(".{ticks:07}"));
    }
    out
}

/// Reads a `TimeSpan.ToString()` value back (`30.00:00:00`, `02:00:00`, `1.02:03:04.5000000`).
pub fn parse_timespan(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (days, clock) = match s.split_once('.') {
        Some((d, rest)) if !d.contains(':') => (d.parse::<u64>().ok()?, rest),
        _ => (0, s),
    };
    let mut parts = clock.splitn(3, ':');
    let h: u64 = parts.next()?.parse().ok()?;
    let m: u64 = parts.next()?.parse().ok()?;
    let sec_part = parts.next()?;
    let (sec, frac) = sec_part.split_once('.').unwrap_or((sec_part, ""));
    let sec: u64 = sec.parse().ok()?;
    let nanos: u32 = if frac.is_empty() {
        0
    } else {
        frac.chars().chain(std::iter::repeat('0')).take(9).collect::<String>().parse().ok()?
    };
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(Duration::new(days * 86_400 + h * 3600 + m * 60 + sec, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> u64 {
        parse_iso8601(s).unwrap().as_secs()
    }

    #[test]
    fn reads_like_xmlconvert() {
        assert_eq!(secs("P30D"), 30 * 86_400);
        assert_eq!(secs("PT2H"), 7200);
        assert_eq!(secs("P1Y"), 365 * 86_400);
        assert_eq!(secs("P1M"), 30 * 86_400);
        assert_eq!(secs("P1DT1H1M1S"), 86_400 + 3661);
        assert_eq!(parse_iso8601("PT1.5S").unwrap().as_millis(), 1500);
        assert_eq!(secs("PT25H"), 25 * 3600);
        for bad in ["", "P", "PT", "30D", "P1H", "PT1D", "P1.5D", "PD", "P1D2", "-P1D", "PT1M1H", "abc"] {
            assert!(parse_iso8601(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn writes_like_timespan() {
        assert_eq!(format_timespan(Duration::from_secs(30 * 86_400)), "30.00:00:00");
        assert_eq!(format_timespan(Duration::from_secs(7200)), "02:00:00");
        assert_eq!(format_timespan(Duration::from_millis(1500)), "00:00:01.5000000");
        assert_eq!(parse_timespan("30.00:00:00"), Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_timespan("02:00:00"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_timespan("00:00:01.5000000"), Some(Duration::from_millis(1500)));
    }
}
