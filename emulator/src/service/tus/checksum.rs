//! The checksum and checksum-trailer extensions as the service answers them. `Tus-Checksum-Algorithm` says `md5`,
//! and a malformed header or another algorithm is refused before the body is read (400), but the service's store
//! cannot verify anything (`BrokerTusStore.VerifyChecksumAsync` always returns false): every PATCH that carries an
//! `Upload-Checksum` header or trailer gets 460 *after* its chunk has been stored and counted, so a retry at the
//! old offset then conflicts (409). Clients must not send it; the initialize `checksum` is the end-to-end check.

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;

use super::{header_str, TusFailure, UPLOAD_CHECKSUM};

pub const ALGORITHMS: &str = "md5";

/// A checksum the client sent (leading header or trailer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared;

fn parse(value: &str) -> Result<Declared, TusFailure> {
    let mut parts = value.split(' ');
    let (Some(algorithm), Some(hash), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(TusFailure::bad_request("Could not parse Upload-Checksum header"));
    };
    if algorithm.is_empty() || base64::engine::general_purpose::STANDARD.decode(hash).is_err() {
        return Err(TusFailure::bad_request("Could not parse Upload-Checksum header"));
    }
    if algorithm != ALGORITHMS {
        return Err(TusFailure::bad_request(format!(
            "Unsupported checksum algorithm. Supported algorithms are: {ALGORITHMS}"
        )));
    }
    Ok(Declared)
}

/// Whether the request declares an `Upload-Checksum` trailer (`Trailer: Upload-Checksum`).
pub fn trailer_declared(headers: &HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::TRAILER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|n| n.trim().eq_ignore_ascii_case(UPLOAD_CHECKSUM.as_str())))
}

/// The checks made before the body is read: a leading header must parse and name md5, and may not be combined
/// with a declared trailer.
pub fn leading(headers: &HeaderMap) -> Result<Option<Declared>, TusFailure> {
    let declared = match header_str(headers, &UPLOAD_CHECKSUM) {
        Some(v) => Some(parse(v)?),
        None => None,
    };
    if declared.is_some() && trailer_declared(headers) {
        return Err(TusFailure::bad_request(
            "Headers Upload-Checksum and trailing header Upload-Checksum are mutually exclusive and cannot be used in the same request",
        ));
    }
    Ok(declared)
}

/// A trailer received after the body: a malformed one is answered with its parse error, a valid one with 460.
pub fn trailer(trailers: &HeaderMap) -> Option<Result<Declared, TusFailure>> {
    header_str(trailers, &UPLOAD_CHECKSUM).map(parse)
}

/// The verdict after the chunk was stored: the service's store verifies no checksum, so any checksum fails.
pub fn verify(declared: Option<Declared>) -> Result<(), TusFailure> {
    match declared {
        None => Ok(()),
        Some(Declared) => Err(TusFailure::text(
            StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST),
            "Header Upload-Checksum does not match the checksum of the file",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn leading_header_rules() {
        assert!(leading(&headers(&[])).unwrap().is_none());
        assert_eq!(leading(&headers(&[("upload-checksum", "md5 XrY7u+Ae7tCTyyK7j1rNww==")])).unwrap(), Some(Declared));
        assert!(matches!(
            leading(&headers(&[("upload-checksum", "sha1 XrY7u+Ae7tCTyyK7j1rNww==")])),
            Err(TusFailure::Text(s, m)) if s == 400 && m.starts_with("Unsupported checksum algorithm")
        ));
        assert!(matches!(
            leading(&headers(&[("upload-checksum", "md5 !!!")])),
            Err(TusFailure::Text(s, m)) if s == 400 && m == "Could not parse Upload-Checksum header"
        ));
        assert!(leading(&headers(&[("upload-checksum", "md5 AAAA"), ("trailer", "Upload-Checksum")])).is_err());
        assert!(matches!(verify(Some(Declared)), Err(TusFailure::Text(s, _)) if s.as_u16() == 460));
        assert!(verify(None).is_ok());
    }
}
