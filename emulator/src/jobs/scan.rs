//! The simulated malware scan. After an upload that the service scans, the transfer waits in `UploadProcessing`
//! until the scan reports. The emulator's scanner reports after `--scan-delay-ms` (or when a test releases a held
//! scan) and finds malware exactly when the file contains the EICAR test string, reporting it in the shape Microsoft
//! Defender for Storage uses. A clean result publishes; malware fails the transfer and purges the file
//! (status stays `Failed`, contract §3.1).

use std::io::Read;

use altinn_broker_core::transitions::Trigger;
use altinn_broker_core::{FileTransferId, FileTransferStatus};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::jobs::{self, JobKind};
use crate::store::transfers;

/// The EICAR anti-malware test file's signature.
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// What a scan reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    Malicious { sha256_upper: String },
}

/// Reads the file looking for EICAR; only a finding is hashed (Defender reports the file's SHA-256). Each read
/// lands after the last EICAR.len()-1 bytes of the one before, so a signature split across reads is still found
/// without copying the file a second time (the scan is what a scanned upload waits for before `Published`).
fn contains_eicar(mut file: impl Read) -> std::io::Result<bool> {
    let finder = memchr::memmem::Finder::new(EICAR);
    let carry = EICAR.len() - 1;
    let mut buf = vec![0u8; carry + 1024 * 1024];
    let mut kept = 0;
    loop {
        let n = file.read(&mut buf[kept..])?;
        if n == 0 {
            return Ok(false);
        }
        let end = kept + n;
        if finder.find(&buf[..end]).is_some() {
            return Ok(true);
        }
        kept = end.min(carry);
        buf.copy_within(end - kept..end, 0);
    }
}

fn sha256_upper(mut file: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(crate::store::blobs::hex(&hasher.finalize()).to_uppercase())
}

/// Scans the stored file of `id` on a blocking thread.
pub async fn scan(state: &AppState, id: FileTransferId) -> Result<Verdict, AppError> {
    let blobs = state.store.blobs().clone();
    let scan_file = move || -> std::io::Result<Verdict> {
        Ok(match contains_eicar(blobs.read(id)?)? {
            true => Verdict::Malicious { sha256_upper: sha256_upper(blobs.read(id)?)? },
            false => Verdict::Clean,
        })
    };
    tokio::task::spawn_blocking(scan_file).await.map_err(AppError::internal)?.map_err(AppError::from)
}

/// The status text of a malware finding, as `MalwareScanResultHandler` writes it.
pub fn malware_detail(sha256_upper: &str) -> String {
    let details = serde_json::json!({
        "MalwareNamesFound": ["Virus:DOS/EICAR_Test_File"],
        "Sha256": sha256_upper,
        "NotScannedReason": "",
    });
    format!("Malware scan failed: Malicious. Extra details: {details}")
}

pub async fn run_job(state: &AppState, job_id: i64, id: FileTransferId, at: OffsetDateTime) -> Result<(), AppError> {
    let verdict = match scan(state, id).await {
        Ok(v) => Some(v),
        // The file is gone (the transfer was purged meanwhile): nothing to scan, the job just ends.
        Err(_) if !state.store.blobs().exists(id) => None,
        Err(e) => return Err(e),
    };
    let outcome = state.store.tx(|tx| {
        jobs::remove(tx, job_id)?;
        match verdict {
            Some(v) => report(state, tx, id, &v, at),
            None => Ok(false),
        }
    })?;
    if outcome {
        state.store.blobs().delete(id)?;
    }
    Ok(())
}

/// Applies a scan result to a transfer in `UploadProcessing` (anything else ignores it, as the webhook does).
/// Returns whether the file must now be deleted (malware).
pub fn report(
    state: &AppState,
    conn: &rusqlite::Connection,
    id: FileTransferId,
    verdict: &Verdict,
    at: OffsetDateTime,
) -> Result<bool, AppError> {
    let Some(t) = transfers::get(conn, id)? else { return Ok(false) };
    if transfers::current_status(conn, id)?.status != FileTransferStatus::UploadProcessing {
        return Ok(false);
    }
    match verdict {
        Verdict::Clean => {
            transfers::adopt_computed_checksum(conn, id)?;
            crate::lifecycle::apply(conn, &state.settings, &t, Trigger::ChecksPassed, None, at)?;
            Ok(false)
        }
        Verdict::Malicious { sha256_upper } => {
            let detail = malware_detail(sha256_upper);
            crate::lifecycle::apply(conn, &state.settings, &t, Trigger::MalwareFound, Some(&detail), at)?;
            Ok(true)
        }
    }
}

/// Starts the scan of a finished upload: scheduled after the delay, or left for a test to release while scans
/// are held.
pub fn start(
    state: &AppState,
    conn: &rusqlite::Connection,
    id: FileTransferId,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    if state.scan.hold() {
        return Ok(());
    }
    crate::jobs::schedule(state, conn, JobKind::Scan, Some(id), now + state.settings.scan_delay)
}

/// Leaves hold mode: every transfer waiting for a held scan gets its scan scheduled.
pub fn resume_held(state: &AppState) -> Result<(), AppError> {
    let now = state.clock.now();
    state.store.tx(|tx| {
        for (id, _) in transfers::in_status(tx, FileTransferStatus::UploadProcessing)? {
            if !jobs::exists(tx, JobKind::Scan, Some(id))? {
                crate::jobs::schedule(state, tx, JobKind::Scan, Some(id), now + state.settings.scan_delay)?;
            }
        }
        Ok(())
    })
}

/// Finishes a held scan now with `verdict` (the content decides when `None`). `Ok(false)` when the transfer
/// is not waiting for a scan.
pub async fn release(state: &AppState, id: FileTransferId, verdict: Option<Verdict>) -> Result<bool, AppError> {
    {
        let conn = state.store.conn()?;
        match transfers::get(&conn, id)? {
            Some(_) if transfers::current_status(&conn, id)?.status == FileTransferStatus::UploadProcessing => {}
            _ => return Ok(false),
        }
    }
    let verdict = match verdict {
        Some(v) => v,
        None => scan(state, id).await?,
    };
    let verdict = match verdict {
        // A forced malware result still reports the file's real SHA-256.
        Verdict::Malicious { sha256_upper } if sha256_upper.is_empty() => match scan(state, id).await? {
            Verdict::Malicious { sha256_upper } => Verdict::Malicious { sha256_upper },
            Verdict::Clean => Verdict::Malicious { sha256_upper: file_sha256_upper(state, id).await? },
        },
        v => v,
    };
    let now = state.clock.now();
    let delete = state.store.tx(|tx| {
        jobs::cancel(tx, JobKind::Scan, id)?;
        report(state, tx, id, &verdict, now)
    })?;
    if delete {
        state.store.blobs().delete(id)?;
    }
    Ok(true)
}

async fn file_sha256_upper(state: &AppState, id: FileTransferId) -> Result<String, AppError> {
    let blobs = state.store.blobs().clone();
    tokio::task::spawn_blocking(move || sha256_upper(blobs.read(id)?))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_eicar_across_read_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut content = vec![b'a'; 64 * 1024 - 10];
        content.extend_from_slice(EICAR);
        content.extend_from_slice(b"tail");
        std::fs::write(&path, &content).unwrap();
        assert!(contains_eicar(std::fs::File::open(&path).unwrap()).unwrap());
        // Split where a stored file's pieces meet (a tus concatenation): the first read ends mid-signature.
        let (a, b) = content.split_at(64 * 1024 - 10 + 30);
        assert!(contains_eicar(a.chain(b)).unwrap());
        std::fs::write(&path, b"clean content").unwrap();
        assert!(!contains_eicar(std::fs::File::open(&path).unwrap()).unwrap());
    }

    #[test]
    fn detail_shape() {
        let d = malware_detail("AB");
        assert!(d.starts_with("Malware scan failed: Malicious. Extra details: {"));
        assert!(d.contains(r#""MalwareNamesFound":["Virus:DOS/EICAR_Test_File"]"#));
    }
}
