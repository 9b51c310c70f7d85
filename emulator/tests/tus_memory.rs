//! Flat memory for tus: the emulator's peak RSS (VmHWM) after a 256 MiB upload sent as ONE PATCH (and finalised)
//! is close to its peak after a 32 MiB one, so a chunk is streamed to disk, never buffered (the service buffers
//! each chunk as one Azure block; the emulator does not need to). Bodies are generated on the fly.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use serde_json::Value;

const MIB: u64 = 1024 * 1024;

fn generated(len: u64) -> reqwest::Body {
    let chunk = Bytes::from(vec![0x3c; 256 * 1024]);
    let stream = futures_util::stream::unfold(len, move |left| {
        let chunk = chunk.clone();
        async move {
            if left == 0 {
                return None;
            }
            let n = left.min(chunk.len() as u64);
            Some((Ok::<Bytes, std::io::Error>(chunk.slice(..n as usize)), left - n))
        }
    });
    reqwest::Body::wrap_stream(stream)
}

async fn one_patch_upload(emu: &Emulator, len: u64) {
    let http = client();
    let sender = emu.token(DIGDIR, WRITE).await;
    let res = http
        .post(emu.url("/broker/api/v1/filetransfer"))
        .bearer_auth(&sender)
        .json(&init_body(RESOURCE, &[RECIPIENT]))
        .send()
        .await
        .unwrap();
    let id = res.json::<Value>().await.unwrap()["fileTransferId"].as_str().unwrap().to_owned();
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
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let o: Value = http
            .get(emu.url(&format!("/broker/api/v1/filetransfer/{id}")))
            .bearer_auth(&sender)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if o["fileTransferStatus"] == "Published" {
            assert_eq!(o["fileTransferSize"], len);
            break;
        }
        assert!(Instant::now() < deadline, "{o}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_is_streamed_to_disk_not_buffered() {
    let emu = Emulator::start();
    one_patch_upload(&emu, 32 * MIB).await;
    let small = emu.peak_rss();
    one_patch_upload(&emu, 256 * MIB).await;
    let large = emu.peak_rss();
    assert!(large.saturating_sub(small) < 16 * MIB, "VmHWM grew from {} MiB to {} MiB", small / MIB, large / MIB);
}
