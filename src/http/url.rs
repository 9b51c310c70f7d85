//! Request URLs: the base URL, a path whose variable segments are percent-encoded, and a form-encoded query.
//! Pure, so it is tested natively.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Characters escaped in a path segment (RFC 3986 `pchar` allows the rest).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// One path segment, escaped.
pub fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// `base` without trailing slashes + `path` + `?query` (form-encoded, so `+` in a timestamp becomes `%2B`).
pub fn build(base: &str, path: &str, query: &[(&str, String)]) -> String {
    let mut url = format!("{}{}", base.trim_end_matches('/'), path);
    if !query.is_empty() {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in query {
            ser.append_pair(k, v);
        }
        url.push('?');
        url.push_str(&ser.finish());
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(build("http://h:1/", "/broker/api/v1/filetransfer", &[]), "http://h:1/broker/api/v1/filetransfer");
        assert_eq!(
            build("https://h/proxy", "/x", &[("from", "2026-01-01T00:00:00+00:00".into()), ("a b", "c&d".into())]),
            "https://h/proxy/x?from=2026-01-01T00%3A00%3A00%2B00%3A00&a+b=c%26d"
        );
        assert_eq!(segment("my resource/1?"), "my%20resource%2F1%3F");
        assert_eq!(segment("altinn-broker-test-resource-1"), "altinn-broker-test-resource-1");
    }
}
