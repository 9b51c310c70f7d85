//! Download without buffering (contract §1.8): the response body is handed to the caller as a stream, chunk by
//! chunk, optionally hashed on the way and checked against the transfer's checksum when the whole file was read.
//! With `resume`, a body cut by the network (or stalled) is continued with a ranged request from the last byte
//! received, so the caller sees one uninterrupted stream.

pub mod headers;

use std::rc::Rc;

use altinn_broker_core::paths;
use altinn_broker_core::FileTransferId;
use futures_util::stream;
use js_sys::{Function, Uint8Array};
use wasm_bindgen::JsValue;
use web_sys::{AbortSignal, Response};

use crate::client::Client;
use crate::error::{Error, TimeoutKind};
use crate::http::guard::CallGuard;
use crate::http::transport::Request;
use crate::js::runtime::now_ms;
use crate::js::stream::{ByteReader, ReadError};
use crate::js::value::notify;
use crate::upload::body::progress_event;
use crate::upload::md5::Hasher;
use headers::{parse_content_range, parse_file_name, resume_range, ContentRange, RangeSpec};

pub struct DownloadOptions {
    pub range: Option<RangeSpec>,
    /// How many times an interrupted body may be continued.
    pub resume_attempts: u32,
    pub verify: bool,
    pub signal: Option<AbortSignal>,
    pub deadline_ms: Option<f64>,
    pub progress: Option<Function>,
}

pub struct Download {
    pub stream: web_sys::ReadableStream,
    /// Bytes the stream will deliver, when the service said.
    pub size: Option<f64>,
    pub file_name: Option<String>,
    /// The `Content-Range` of a 206 answer.
    pub range: Option<ContentRange>,
    pub status: u16,
    /// The checksum the stream is checked against, when verifying.
    pub checksum: Option<String>,
}

struct Reading {
    client: Rc<Client>,
    id: FileTransferId,
    signal: Option<AbortSignal>,
    deadline_at: Option<f64>,
    guard: CallGuard,
    /// Cancels the response body when the reading stops before its end.
    reader: ByteReader,
    original: Option<RangeSpec>,
    first: Option<ContentRange>,
    expected: Option<u64>,
    received: u64,
    resumes_left: u32,
    hasher: Option<Hasher>,
    checksum: Option<String>,
    progress: Option<Function>,
    finished: bool,
}

impl Drop for Reading {
    fn drop(&mut self) {
        if !self.finished {
            // The caller cancelled the stream (or dropped it): stop the request; dropping the reader releases the
            // body.
            self.guard.cancel();
        }
    }
}

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers().get(name).ok().flatten()
}

fn body_reader(r: &Response) -> Result<ByteReader, Error> {
    let body = match r.body() {
        Some(b) => b,
        // A 0-byte answer may come without a body: read it as an empty stream.
        None => web_sys::ReadableStream::new().map_err(|v| Error::client_caused("cannot create an empty stream", v))?,
    };
    ByteReader::new(body, "the response body")
}

impl Client {
    async fn download_request(
        &self,
        id: FileTransferId,
        range: Option<&RangeSpec>,
        guard: &CallGuard,
    ) -> Result<Response, Error> {
        let mut req = Request::get(paths::fill(paths::DOWNLOAD, &[&id.to_string()]));
        req.accept = None;
        req.range = range.map(RangeSpec::header);
        self.transport.send(&req, guard).await
    }
}

/// `guard` is the call's, made from `opts.signal` and `opts.deadline_ms`; a resumed request gets a new one from them.
pub async fn download(
    client: Rc<Client>,
    id: FileTransferId,
    opts: DownloadOptions,
    guard: CallGuard,
) -> Result<Download, Error> {
    let deadline_at = opts.deadline_ms.or(client.transport.timeouts.deadline_ms).map(|d| now_ms() + d);
    let verify = opts.verify && opts.range.is_none();
    let overview = if verify { Some(client.overview(id, &guard).await?) } else { None };
    let checksum = overview.as_ref().and_then(|o| o.summary.checksum.clone());
    if verify && checksum.is_none() {
        return Err(Error::client("the transfer has no checksum yet, so the download cannot be verified"));
    }
    let resp = client.download_request(id, opts.range.as_ref(), &guard).await?;
    let status = resp.status();
    let first =
        if status == 206 { header(&resp, "content-range").as_deref().and_then(parse_content_range) } else { None };
    let length = header(&resp, "content-length").and_then(|v| v.trim().parse::<u64>().ok());
    let expected = length.or(first.map(|c| c.end - c.start + 1));
    let file_name = header(&resp, "content-disposition")
        .as_deref()
        .and_then(parse_file_name)
        .or_else(|| overview.as_ref().map(|o| o.summary.file_name.clone()));
    let reader = body_reader(&resp)?;
    let reading = Reading {
        client,
        id,
        signal: opts.signal,
        deadline_at,
        guard,
        reader,
        original: opts.range,
        first,
        expected,
        received: 0,
        resumes_left: opts.resume_attempts,
        hasher: verify.then(Hasher::new),
        checksum: checksum.clone(),
        progress: opts.progress,
        finished: false,
    };
    report(&reading);
    let s = stream::unfold(Some(reading), |state| async move {
        let mut r = state?;
        match next(&mut r).await {
            Ok(Some(chunk)) => Some((Ok(JsValue::from(chunk)), Some(r))),
            Ok(None) => {
                r.finished = true;
                None
            }
            Err(e) => {
                r.finished = true;
                Some((Err(JsValue::from(e)), None))
            }
        }
    });
    Ok(Download {
        stream: wasm_streams::ReadableStream::from_stream(s).into_raw(),
        size: expected.map(|n| n as f64),
        file_name,
        range: first,
        status,
        checksum,
    })
}

fn report(r: &Reading) {
    if r.progress.is_some() {
        notify(r.progress.as_ref(), &progress_event("download", r.received as f64, r.expected.map(|n| n as f64)));
    }
}

/// The next chunk, continuing the download when the body was cut and resuming is allowed.
async fn next(r: &mut Reading) -> Result<Option<Uint8Array>, Error> {
    loop {
        let waiting = r.guard.waiting();
        let read = r.reader.next().await;
        drop(waiting);
        let failure = match read {
            Ok(Some(chunk)) => {
                if let Some(h) = &mut r.hasher {
                    h.update_js(&chunk);
                }
                r.received += u64::from(chunk.length());
                report(r);
                return Ok(Some(chunk));
            }
            Ok(None) => match r.expected {
                Some(e) if r.received < e => Error::Network {
                    message: format!("the body ended after {} of {e} bytes", r.received),
                    cause: JsValue::UNDEFINED,
                },
                _ => return finish(r).map(|_| None),
            },
            Err(ReadError::NotBytes(v)) => {
                return Err(Error::client_caused("the response body gave something that is not bytes", v))
            }
            Err(ReadError::Failed(e)) => r.guard.map_js_error(e),
        };
        let resumable = matches!(failure, Error::Network { .. } | Error::Timeout { kind: TimeoutKind::Stall, .. });
        if !resumable || r.resumes_left == 0 {
            return Err(failure);
        }
        r.resumes_left -= 1;
        resume(r).await?;
    }
}

/// Checks the MD5 of a complete download.
fn finish(r: &mut Reading) -> Result<(), Error> {
    r.finished = true;
    if let (Some(h), Some(expected)) = (r.hasher.take(), r.checksum.as_ref()) {
        let actual = h.finish_hex();
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(Error::ChecksumMismatch { expected: expected.clone(), actual });
        }
    }
    Ok(())
}

/// Asks for the rest of the file with a fresh request (a stalled request's signal has fired and cannot be reused).
async fn resume(r: &mut Reading) -> Result<(), Error> {
    let remaining = r.deadline_at.map(|at| (at - now_ms()).max(0.0));
    if remaining == Some(0.0) {
        return Err(Error::Timeout {
            kind: TimeoutKind::Deadline,
            ms: r.client.transport.timeouts.deadline_ms.unwrap_or_default(),
        });
    }
    let guard = r.client.transport.guard(r.signal.clone(), remaining)?;
    let range = resume_range(r.original.as_ref(), r.first.as_ref(), r.received);
    let resp = r.client.download_request(r.id, Some(&range), &guard).await?;
    let want_start = match range {
        RangeSpec::From { start, .. } => start,
        RangeSpec::Suffix(_) => 0,
    };
    let cr = header(&resp, "content-range").as_deref().and_then(parse_content_range);
    if resp.status() != 206 || cr.map(|c| c.start) != Some(want_start) {
        return Err(Error::client(format!(
            "cannot resume the download: asked for bytes from {want_start}, got status {} {:?}",
            resp.status(),
            cr
        )));
    }
    r.reader = body_reader(&resp)?;
    r.guard = guard;
    Ok(())
}
