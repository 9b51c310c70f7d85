//! The expiration extension: a sliding 24 h expiry (`SlidingExpiration(TusOptions:UploadExpiration)`). Every
//! creation and PATCH (and HEAD, through the store's renewal) moves it to now + 24 h on the emulator clock; POST
//! (not for a final) and PATCH answer it as `Upload-Expires` in RFC 1123 form (.NET's `"R"` format). An expired
//! upload is unknown to HEAD, PATCH and DELETE (tusdotnet's bare 404).

use time::macros::format_description;
use time::OffsetDateTime;

use super::session::UPLOAD_EXPIRATION;
use crate::store::tus::Upload;

/// When an upload touched at `now` expires.
pub fn expires_after(now: OffsetDateTime) -> OffsetDateTime {
    now + time::Duration::try_from(UPLOAD_EXPIRATION).unwrap_or(time::Duration::DAY)
}

/// `Upload-Expires`: `Tue, 24 Nov 2026 06:31:12 GMT`.
pub fn header_value(t: OffsetDateTime) -> String {
    let fmt = format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    t.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

/// tusdotnet's `FileHasNotExpired`.
pub fn has_expired(upload: &Upload, now: OffsetDateTime) -> bool {
    upload.expires.is_some_and(|e| e <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rfc1123_and_sliding_window() {
        let now = datetime!(2026-11-24 06:31:12.5 UTC);
        assert_eq!(header_value(now), "Tue, 24 Nov 2026 06:31:12 GMT");
        assert_eq!(header_value(expires_after(now)), "Wed, 25 Nov 2026 06:31:12 GMT");
    }
}
