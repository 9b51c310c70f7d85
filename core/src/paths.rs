//! The Broker API's paths (contract §1.1, §5, §8), written once: the client builds request paths from them and the
//! emulator's route declarations are held to them by a test (`routes_match_core_paths` in `emulator/src/app.rs`).
//!
//! Route templates use axum's and OpenAPI's `{name}` placeholders. The request-path builders take ids that are
//! already valid path segments (GUIDs) or percent-encode them where the contract allows free text.

/// Writes a path under the API prefix as a `&'static str`, so templates stay constants.
#[macro_export]
#[doc(hidden)]
macro_rules! broker_api_path {
    ($p:literal) => {
        concat!("/broker/api/v1", $p)
    };
}

/// Every Broker endpoint lives below this prefix.
pub const API: &str = broker_api_path!("");

/// `POST` initialize (§1.2), `GET` search (§4).
pub const FILE_TRANSFER: &str = broker_api_path!("/filetransfer");
/// `POST` initialize and upload in one multipart request (§1.4).
pub const FILE_TRANSFER_UPLOAD: &str = broker_api_path!("/filetransfer/upload");
/// `GET` overview (§1.5).
pub const OVERVIEW: &str = broker_api_path!("/filetransfer/{fileTransferId}");
/// `GET` details (§1.6).
pub const DETAILS: &str = broker_api_path!("/filetransfer/{fileTransferId}/details");
/// `POST` streamed upload (§1.3).
pub const UPLOAD: &str = broker_api_path!("/filetransfer/{fileTransferId}/upload");
/// `GET` download (§1.8).
pub const DOWNLOAD: &str = broker_api_path!("/filetransfer/{fileTransferId}/download");
/// `POST` confirm download (§1.9).
pub const CONFIRM_DOWNLOAD: &str = broker_api_path!("/filetransfer/{fileTransferId}/confirmdownload");
/// The tus endpoint: every tus URL lives below it (§5). It is not a route itself: an upload is created with
/// `POST` on [`TUS_UPLOAD`] (the service's `TusFileTransferIdRouteMiddleware`).
pub const TUS: &str = broker_api_path!("/filetransfer/upload/tus");
/// One tus upload, and its creation URL: `POST`, `HEAD`, `PATCH`, `DELETE`, `OPTIONS` (§5).
pub const TUS_UPLOAD: &str = broker_api_path!("/filetransfer/upload/tus/{fileTransferId}");
/// One partial upload of a concatenation, as the `Location` of its creation names it (§5).
pub const TUS_PARTIAL: &str = broker_api_path!("/filetransfer/upload/tus/{fileTransferId}/partial/{partialId}");
/// The partial path older clients still use (§5: tusdotnet resolves it to the same upload).
pub const TUS_PARTIAL_LEGACY: &str = broker_api_path!("/filetransfer/upload/tus/{fileTransferId}/{partialId}");
/// `GET`/`PUT` a resource's Broker configuration (§8.1, §8.2).
pub const RESOURCE: &str = broker_api_path!("/resource/{resourceId}");
/// `GET`/`POST` the caller's service owner (§8.3, §8.4).
pub const SERVICE_OWNER: &str = broker_api_path!("/serviceowner");
/// `GET` monthly statistics (§8.5).
pub const STATISTICS_MONTHLY: &str = broker_api_path!("/statistics/monthly");

/// Every route template above with the methods it answers, the table the emulator's router is checked against.
pub const ROUTES: &[(&str, &[&str])] = &[
    (FILE_TRANSFER, &["GET", "POST"]),
    (FILE_TRANSFER_UPLOAD, &["POST"]),
    (OVERVIEW, &["GET"]),
    (DETAILS, &["GET"]),
    (UPLOAD, &["POST"]),
    (DOWNLOAD, &["GET"]),
    (CONFIRM_DOWNLOAD, &["POST"]),
    (TUS_UPLOAD, &["POST", "HEAD", "PATCH", "DELETE", "OPTIONS"]),
    (TUS_PARTIAL, &["HEAD", "PATCH", "DELETE", "OPTIONS"]),
    (TUS_PARTIAL_LEGACY, &["HEAD", "PATCH", "DELETE", "OPTIONS"]),
    (RESOURCE, &["GET", "PUT"]),
    (SERVICE_OWNER, &["GET", "POST"]),
    (STATISTICS_MONTHLY, &["GET"]),
];

/// Fills a template's `{placeholders}` in order with `values` (each already a valid path segment); a placeholder
/// without a value is left as it is.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 40);
    let mut rest = template;
    let mut values = values.iter();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        out.push_str(&rest[..open]);
        match values.next() {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_and_share_the_prefix() {
        assert_eq!(fill(DETAILS, &["abc"]), "/broker/api/v1/filetransfer/abc/details");
        assert_eq!(fill(TUS_UPLOAD, &["x"]), "/broker/api/v1/filetransfer/upload/tus/x");
        assert_eq!(fill(TUS_PARTIAL, &["x", "p"]), "/broker/api/v1/filetransfer/upload/tus/x/partial/p");
        assert_eq!(fill(TUS_PARTIAL, &["x"]), "/broker/api/v1/filetransfer/upload/tus/x/partial/{partialId}");
        assert_eq!(fill(FILE_TRANSFER, &["x"]), FILE_TRANSFER);
        assert!(ROUTES.iter().all(|(p, _)| p.starts_with(API) && p.len() > API.len()));
    }
}
