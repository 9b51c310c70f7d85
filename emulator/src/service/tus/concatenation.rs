//! The concatenation extension (parallel uploads). `Upload-Concat: partial` creates a partial upload at
//! `.../{fileTransferId}/partial/{N-format id}`; `Upload-Concat: final;<url> <url> ...` (no `Upload-Length`)
//! creates the transfer's final upload from complete partials of the same transfer, in the listed order.
//!
//! The final's creation is its completion: the transfer moves to `UploadProcessing` at once, without an event,
//! and the 201 comes back before the background job has joined the parts and published (contract §3.1 (c)).
//! Until that job is done, HEAD on the final omits `Upload-Offset`.

use altinn_broker_core::transitions::Trigger;
use altinn_broker_core::{paths, FileTransferStatus};
use axum::http::{header, HeaderMap, StatusCode};

use super::creation::{mark_upload_started, validate_metadata};
use super::session;
use super::{set_header, tus_response, Target, TusFailure, TusResult};
use crate::state::AppState;
use crate::store::transfers;
use crate::store::tus::{self as store, NewUpload, UploadKind};

const HEADER_IS_INVALID: &str = "Header Upload-Concat: Header is invalid. Valid values are \"partial\" and \"final\" followed by a list of file urls to concatenate";

/// A parsed `Upload-Concat` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concat {
    Partial,
    /// The file ids as tusdotnet extracts them: each URL's path after the POST path, e.g. `partial/<id>`.
    Final(Vec<String>),
}

/// tusdotnet's span-based parser: `partial` exactly, or `final;` and space-separated URLs (absolute `http(s)://`
/// or root-relative) whose path starts with the POST path `.../tus/{fileTransferId}` as sent.
pub fn parse(value: &str, raw_id: &str) -> Result<Concat, TusFailure> {
    let invalid = || TusFailure::bad_request(HEADER_IS_INVALID);
    if value == "partial" {
        return Ok(Concat::Partial);
    }
    let Some(list) = value.strip_prefix("final;").filter(|l| !l.is_empty()) else { return Err(invalid()) };
    let url_path = paths::fill(paths::TUS_UPLOAD, &[raw_id]);
    let mut files = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        let (uri, tail) = match rest.find(' ') {
            Some(i) => (&rest[..i], rest[i..].trim_matches(' ')),
            None => (rest, ""),
        };
        let local = local_path(uri);
        if local.is_empty() || !local.starts_with(&url_path) {
            return Err(invalid());
        }
        let id = local[url_path.len()..].trim_matches('/');
        let id = id.split(['?', '#']).next().unwrap_or_default();
        files.push(id.to_owned());
        rest = tail;
    }
    Ok(Concat::Final(files))
}

/// The path of an absolute `http(s)://host/path` URL, or the value itself.
fn local_path(uri: &str) -> &str {
    for scheme in ["http://", "https://"] {
        if let Some(rest) = uri.strip_prefix(scheme) {
            return rest.find('/').map_or("", |i| &rest[i..]);
        }
    }
    uri
}

/// `TusRouteHelper.NormalizePartialFileId`: only the last path segment counts.
fn normalize(file: &str) -> String {
    file.trim().trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_ascii_lowercase()
}

/// The final POST: tusdotnet's checks on the parts, the store's, then creation and completion.
pub fn create_final(state: &AppState, headers: &HeaderMap, target: &Target, files: &[String]) -> TusResult {
    let now = state.clock.now();
    let conn_uploads = {
        let conn = state.store.conn()?;
        files.iter().map(|f| store::get(&conn, &normalize(f))).collect::<Result<Vec<_>, _>>()?
    };
    let listed = |pick: &dyn Fn(Option<&store::Upload>) -> bool| -> Vec<&str> {
        files.iter().zip(&conn_uploads).filter(|(_, u)| pick(u.as_ref())).map(|(f, _)| f.as_str()).collect()
    };
    let missing = listed(&|u| u.is_none());
    if !missing.is_empty() {
        return Err(TusFailure::bad_request(format!(
            "Could not find some of the files supplied for concatenation: {}",
            missing.join(", ")
        )));
    }
    let not_partial = listed(&|u| u.is_some_and(|u| u.kind != UploadKind::Partial));
    if !not_partial.is_empty() {
        return Err(TusFailure::bad_request(format!(
            "Some of the files supplied for concatenation are not marked as partial and can not be concatenated: {}",
            not_partial.join(", ")
        )));
    }
    let unfinished =
        listed(&|u| u.is_some_and(|u| state.tus.accepted(&u.upload_id, (u.committed, u.chunks)).0 != u.length));
    if !unfinished.is_empty() {
        return Err(TusFailure::bad_request(format!(
            "Some of the files supplied for concatenation are not finished and can not be concatenated: {}",
            unfinished.join(", ")
        )));
    }
    let metadata = validate_metadata(headers)?;

    // `BrokerTusStore.CreateFinalFileAsync`.
    let parts: Vec<store::Upload> = conn_uploads.into_iter().flatten().collect();
    let mut total: u64 = 0;
    for p in &parts {
        if p.transfer_id != target.transfer {
            return Err(TusFailure::bad_request(format!(
                "Partial upload {} does not belong to file transfer {}.",
                p.upload_id, target.transfer
            )));
        }
        if p.committed < p.length {
            return Err(TusFailure::bad_request(format!(
                "Partial upload {} is not ready for concatenation. Expected {} bytes, committed {}.",
                p.upload_id, p.length, p.committed
            )));
        }
        total += p.length;
    }
    let part_ids: Vec<String> = parts.iter().map(|p| p.upload_id.clone()).collect();
    state.store.tx(|tx| {
        store::create(
            tx,
            &NewUpload {
                upload_id: &target.upload_id,
                transfer: target.transfer,
                kind: UploadKind::Final,
                length: total,
                committed: total,
                parts: &part_ids,
                expires: None,
            },
            now,
        )?;
        session::record_activity(tx, target.transfer, now)?;
        mark_upload_started(state, tx, target.transfer, now)?;
        // `OnFileCompleteAsync` for a final: `UploadProcessing` without an event, then the background job.
        if let Some(t) = transfers::get(tx, target.transfer)? {
            if transfers::current_status(tx, target.transfer)?.status == FileTransferStatus::UploadStarted {
                crate::lifecycle::apply(tx, &state.settings, &t, Trigger::ConcatenationFinished, None, now)?;
            }
        }
        crate::jobs::tus::enqueue(state, tx, target.transfer, now)
    })?;
    state.tus.reset(&target.upload_id);
    state.tus.set_metadata(&target.upload_id, metadata);

    let mut res = tus_response(StatusCode::CREATED);
    set_header(&mut res, header::LOCATION, &target.location());
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TUS_PATH: &str = paths::TUS;
    const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    #[test]
    fn parses_like_tusdotnet() {
        assert_eq!(parse("partial", ID).unwrap(), Concat::Partial);
        let abs = format!("final;http://127.0.0.1:5096{TUS_PATH}/{ID}/partial/aa {TUS_PATH}/{ID}/bb");
        assert_eq!(parse(&abs, ID).unwrap(), Concat::Final(vec!["partial/aa".into(), "bb".into()]));
        assert!(parse("final;", ID).is_err());
        assert!(parse("Partial", ID).is_err());
        assert!(parse(&format!("final;{TUS_PATH}/other/partial/aa"), ID).is_err());
        assert!(parse("final;partial/aa", ID).is_err());
        assert_eq!(normalize("partial/AA"), "aa");
    }
}
