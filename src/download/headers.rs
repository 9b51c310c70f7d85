//! The download's headers: the `Range` we send, and `Content-Range`/`Content-Disposition` we read.
//! Pure, so it is tested natively.

use percent_encoding::percent_decode_str;

/// A byte range as the caller asks for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeSpec {
    /// From `start` to `end` inclusive, or to the end of the file.
    From { start: u64, end: Option<u64> },
    /// The last `n` bytes.
    Suffix(u64),
}

impl RangeSpec {
    pub fn header(&self) -> String {
        match self {
            RangeSpec::From { start, end: Some(end) } => format!("bytes={start}-{end}"),
            RangeSpec::From { start, end: None } => format!("bytes={start}-"),
            RangeSpec::Suffix(n) => format!("bytes=-{n}"),
        }
    }
}

/// `Content-Range: bytes start-end/total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    pub start: u64,
    pub end: u64,
    pub total: u64,
}

pub fn parse_content_range(v: &str) -> Option<ContentRange> {
    let rest = v.trim();
    let rest = rest.get(..6).filter(|u| u.eq_ignore_ascii_case("bytes "))?.len();
    let rest = v.trim()[rest..].trim();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let r = ContentRange {
        start: start.trim().parse().ok()?,
        end: end.trim().parse().ok()?,
        total: total.trim().parse().ok()?,
    };
    (r.start <= r.end && r.end < r.total).then_some(r)
}

/// The file name of `Content-Disposition`, preferring the RFC 5987 `filename*=UTF-8''...` form.
pub fn parse_file_name(v: &str) -> Option<String> {
    let mut plain = None;
    for part in v.split(';') {
        let Some((k, val)) = part.split_once('=') else { continue };
        let k = k.trim().to_ascii_lowercase();
        let val = val.trim();
        if k == "filename*" {
            let (charset, rest) = val.split_once('\'')?;
            let (_lang, encoded) = rest.split_once('\'')?;
            if charset.eq_ignore_ascii_case("utf-8") {
                if let Ok(s) = percent_decode_str(encoded).decode_utf8() {
                    return Some(s.into_owned());
                }
            }
        } else if k == "filename" {
            plain = Some(val.trim_matches('"').to_owned());
        }
    }
    plain
}

/// The `Range` that continues a download after `received` bytes of what `original` asked for.
pub fn resume_range(original: Option<&RangeSpec>, first: Option<&ContentRange>, received: u64) -> RangeSpec {
    match (original, first) {
        // Whatever the first range was, the service told us where it began and ended.
        (_, Some(cr)) => RangeSpec::From { start: cr.start + received, end: Some(cr.end) },
        (Some(RangeSpec::From { start, end }), None) => RangeSpec::From { start: start + received, end: *end },
        _ => RangeSpec::From { start: received, end: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(RangeSpec::From { start: 0, end: Some(9) }.header(), "bytes=0-9");
        assert_eq!(RangeSpec::From { start: 5, end: None }.header(), "bytes=5-");
        assert_eq!(RangeSpec::Suffix(3).header(), "bytes=-3");
        assert_eq!(parse_content_range("bytes 0-9/41"), Some(ContentRange { start: 0, end: 9, total: 41 }));
        assert_eq!(parse_content_range("BYTES 10-40/41"), Some(ContentRange { start: 10, end: 40, total: 41 }));
        assert_eq!(parse_content_range("bytes */41"), None);
        assert_eq!(parse_content_range("bytes 9-2/41"), None);
        let cr = ContentRange { start: 100, end: 199, total: 500 };
        assert_eq!(resume_range(None, Some(&cr), 10), RangeSpec::From { start: 110, end: Some(199) });
        assert_eq!(resume_range(None, None, 10), RangeSpec::From { start: 10, end: None });
    }

    #[test]
    fn file_names() {
        assert_eq!(
            parse_file_name("attachment; filename=report.txt; filename*=UTF-8''r%C3%A6port%20x.txt").as_deref(),
            Some("ræport x.txt")
        );
        assert_eq!(parse_file_name("attachment; filename=\"a b.txt\"").as_deref(), Some("a b.txt"));
        assert_eq!(parse_file_name("attachment"), None);
    }
}
