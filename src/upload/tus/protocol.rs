//! The tus 1.0.0 requests the service answers (contract §5): OPTIONS, creation, concatenation, HEAD, PATCH and
//! termination. Each is one attempt; the engines decide what a failure means (resync, pause, give up).
//!
//! Never sent: `Upload-Checksum` (the service answers every one with 460 after storing the chunk, so a retry then
//! conflicts) and `Upload-Defer-Length` (400). End-to-end integrity comes from the initialize `checksum` instead.

use altinn_broker_core::tus::{self, header as h};
use altinn_broker_core::{paths, FileTransferId};
use web_sys::Response;

use crate::error::Error;
use crate::http::body::Body;
use crate::http::guard::CallGuard;
use crate::http::retry::{parse_retry_after, Replay};
use crate::http::transport::{read_error, Request, Transport};

/// A failed tus request: the error, and how long the service asked us to wait (`Retry-After`).
#[derive(Debug)]
pub struct Failed {
    pub error: Error,
    pub retry_after_ms: Option<f64>,
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Self { error, retry_after_ms: None }
    }
}

pub type Result<T> = std::result::Result<T, Failed>;

/// The creation URL of a transfer, which is also the file URL of its single (or final) upload.
pub fn collection_path(id: FileTransferId) -> String {
    paths::fill(paths::TUS_UPLOAD, &[&id.to_string()])
}

/// The path of a `Location`: the service answers root-relative paths; an absolute URL (a proxy that rewrites
/// it) keeps only its path, since requests always go to the client's base URL. A proxy mounted below a base path
/// (`createBrokerProxy`'s `basePath`) names that prefix too, which the base URL already holds: the path starts at
/// the API prefix.
pub fn location_path(location: &str) -> String {
    let l = location.trim();
    let path = match ["http://", "https://"].iter().find_map(|scheme| l.strip_prefix(scheme)) {
        Some(rest) => rest.find('/').map_or_else(|| "/".to_owned(), |i| rest[i..].to_owned()),
        None if l.starts_with('/') => l.to_owned(),
        None => format!("/{l}"),
    };
    match path.find(paths::API) {
        Some(i) if i > 0 => path[i..].to_owned(),
        _ => path,
    }
}

fn tus_request(method: &'static str, path: impl Into<String>) -> Request {
    let mut r = Request::new(method, path, Replay::Never);
    // tus routes have no `[Produces]`; their errors are plain text.
    r.accept = None;
    r.headers.push((h::TUS_RESUMABLE, tus::VERSION.to_owned()));
    r
}

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers().get(name).ok().flatten()
}

fn header_u64(r: &Response, name: &str) -> Option<u64> {
    header(r, name).and_then(|v| v.trim().parse().ok())
}

async fn send(t: &Transport, req: &Request, guard: &CallGuard) -> Result<Response> {
    let r = t.send_once(req, guard).await?;
    if (200..300).contains(&r.status()) {
        return Ok(r);
    }
    let retry_after_ms = header(&r, "retry-after").and_then(|v| parse_retry_after(&v, now()));
    Err(Failed { error: read_error(r, guard).await, retry_after_ms })
}

fn now() -> time::OffsetDateTime {
    let ms = crate::js::runtime::now_ms();
    time::OffsetDateTime::from_unix_timestamp_nanos((ms * 1_000_000.0) as i128)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// A created upload: its path, and when the service forgets it if nothing more arrives.
#[derive(Debug, Clone)]
pub struct Created {
    pub path: String,
    pub expires: Option<String>,
}

fn created(r: &Response) -> Result<Created> {
    let location = header(r, "location")
        .ok_or_else(|| Error::client("the service created the upload but sent no Location (is it exposed by CORS?)"))?;
    Ok(Created { path: location_path(&location), expires: header(r, h::UPLOAD_EXPIRES) })
}

/// `POST` creation: a single upload of `length` bytes, or a partial one for a concatenation.
pub async fn create(t: &Transport, id: FileTransferId, length: u64, partial: bool, g: &CallGuard) -> Result<Created> {
    let mut req = tus_request("POST", collection_path(id));
    req.headers.push((h::UPLOAD_LENGTH, length.to_string()));
    if partial {
        req.headers.push((h::UPLOAD_CONCAT, "partial".to_owned()));
    }
    created(&send(t, &req, g).await?)
}

/// `POST` of the final upload joining `parts` in order. The service answers before it has joined them.
pub async fn create_final(t: &Transport, id: FileTransferId, parts: &[String], g: &CallGuard) -> Result<Created> {
    let mut req = tus_request("POST", collection_path(id));
    req.headers.push((h::UPLOAD_CONCAT, format!("final;{}", parts.join(" "))));
    created(&send(t, &req, g).await?)
}

/// What a server's `OPTIONS` answer says it can do, as far as the client depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The `concatenation` extension, which a parallel upload needs (partials, then a final upload).
    pub concatenation: bool,
}

impl Capabilities {
    /// Reads an `OPTIONS` answer's `Tus-Version` and `Tus-Extension` (tus 1.0.0, "OPTIONS": the extensions a server
    /// supports, comma-separated; the header is left out when it supports none). `None` when neither header can
    /// be read — not a tus answer, or one whose headers CORS hides — which says nothing either way.
    pub fn from_headers(version: Option<&str>, extension: Option<&str>) -> Option<Self> {
        match (version, extension) {
            (_, Some(list)) => {
                Some(Self { concatenation: list.split(',').any(|e| e.trim().eq_ignore_ascii_case("concatenation")) })
            }
            (Some(_), None) => Some(Self { concatenation: false }),
            (None, None) => None,
        }
    }
}

/// `OPTIONS` on the creation URL: what the server supports. Sent through the client's transport like every tus
/// request (token, subscription key), so that a gateway in front of the server lets it through.
pub async fn options(t: &Transport, id: FileTransferId, g: &CallGuard) -> Result<Option<Capabilities>> {
    let r = send(t, &tus_request("OPTIONS", collection_path(id)), g).await?;
    Ok(Capabilities::from_headers(header(&r, h::TUS_VERSION).as_deref(), header(&r, h::TUS_EXTENSION).as_deref()))
}

/// What `HEAD` says about an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The durably committed offset. Absent on a final whose concatenation is not done yet.
    pub offset: Option<u64>,
    pub length: Option<u64>,
}

pub async fn head(t: &Transport, path: &str, g: &CallGuard) -> Result<Head> {
    let r = send(t, &tus_request("HEAD", path), g).await?;
    Ok(Head { offset: header_u64(&r, h::UPLOAD_OFFSET), length: header_u64(&r, h::UPLOAD_LENGTH) })
}

/// A chunk the service took.
#[derive(Debug, Clone)]
pub struct Acked {
    pub offset: u64,
    /// The upload's new `Upload-Expires` (its expiry slides with every chunk).
    pub expires: Option<String>,
}

/// `PATCH` one chunk at `offset`; the offset the service acknowledges after it.
pub async fn patch(t: &Transport, path: &str, offset: u64, body: Body, g: &CallGuard) -> Result<Acked> {
    let mut req = tus_request("PATCH", path);
    req.content_type = Some(tus::OFFSET_CONTENT_TYPE);
    req.headers.push((h::UPLOAD_OFFSET, offset.to_string()));
    req.body = body;
    let r = send(t, &req, g).await?;
    let offset = header_u64(&r, h::UPLOAD_OFFSET).ok_or_else(|| {
        Error::client("the service acknowledged a chunk without Upload-Offset (is it exposed by CORS?)")
    })?;
    Ok(Acked { offset, expires: header(&r, h::UPLOAD_EXPIRES) })
}

/// `DELETE` (termination). The transfer itself stays `UploadStarted`; the service cannot cancel transfers.
pub async fn delete(t: &Transport, path: &str, g: &CallGuard) -> Result<()> {
    send(t, &tus_request("DELETE", path), g).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_to_paths() {
        let p = "/broker/api/v1/filetransfer/upload/tus/0f8fad5b-d9cb-469f-a165-70867728950e/partial/7c9e66";
        assert_eq!(location_path(p), p);
        assert_eq!(location_path(&format!("https://proxy.example{p}")), p);
        assert_eq!(location_path("http://h:8080"), "/");
        assert_eq!(location_path("broker/x"), "/broker/x");
        assert_eq!(location_path(&format!("/edge{p}")), p);
        assert_eq!(location_path(&format!("https://portal.example/edge{p}")), p);
    }

    #[test]
    fn capabilities_from_options() {
        // The service's own list (core's tus::EXTENSIONS), and @tus/server's FileStore without concatenation.
        let broker = Capabilities::from_headers(Some("1.0.0"), Some(tus::EXTENSIONS)).unwrap();
        assert!(broker.concatenation);
        let file_store = "creation,creation-with-upload,creation-defer-length,termination,expiration";
        assert!(!Capabilities::from_headers(Some("1.0.0"), Some(file_store)).unwrap().concatenation);
        assert!(Capabilities::from_headers(None, Some("creation, Concatenation")).unwrap().concatenation);
        // No extension at all is said by leaving the header out.
        assert!(!Capabilities::from_headers(Some("1.0.0"), None).unwrap().concatenation);
        assert_eq!(Capabilities::from_headers(None, None), None);
    }
}
