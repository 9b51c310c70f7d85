//! Flat memory for tus: the emulator's peak RSS (VmHWM) after a 256 MiB upload sent as ONE PATCH (and finalised)
//! is close to its peak after a 32 MiB one, so a chunk is streamed to disk, never buffered (the service buffers
//! each chunk as one Azure block; the emulator does not need to). Bodies are generated on the fly.

use std::time::Duration;

use crate::fixture::*;
use altinn_broker_core::scopes::WRITE;
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE};

const MIB: u64 = 1024 * 1024;

async fn one_patch_upload(emu: &Broker, len: u64) {
    let http = client();
    let sender = emu.token(DIGDIR, WRITE).await;
    let id = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let url = emu.url(&format!("/broker/api/v1/filetransfer/upload/tus/{id}"));
    let res = http
        .post(&url)
        .bearer_auth(&sender)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = http
        .patch(&url)
        .bearer_auth(&sender)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", 0)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Content-Length", len)
        .body(generated(len))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["upload-offset"], len.to_string().as_str());
    // A 256 MiB scan in a debug build may take longer than the usual wait.
    let o = emu.wait_for_status_within(&sender, &id, "Published", Duration::from_secs(120)).await;
    assert_eq!(o["fileTransferSize"], len);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_is_streamed_to_disk_not_buffered() {
    let _alone = heavy().await;
    let emu = Broker::process();
    one_patch_upload(&emu, 32 * MIB).await;
    let small = emu.peak_rss();
    one_patch_upload(&emu, 256 * MIB).await;
    let large = emu.peak_rss();
    assert!(large.saturating_sub(small) < 16 * MIB, "VmHWM grew from {} MiB to {} MiB", small / MIB, large / MIB);
}
