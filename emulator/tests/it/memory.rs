//! Flat memory: the emulator's peak RSS (VmHWM) after a 256 MiB streamed upload and download and a 128 MiB
//! multipart upload is close to its peak after 32 MiB ones, so uploads stream to disk rather than into memory.
//! Bodies are generated on the fly.

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, WRITE};
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE};
use futures_util::StreamExt;
use serde_json::Value;

const MIB: u64 = 1024 * 1024;

/// How the file is sent.
#[derive(Clone, Copy)]
enum Upload {
    Streamed,
    Multipart,
}

async fn round_trip(emu: &Broker, len: u64, how: Upload) {
    let http = client();
    let sender = emu.token(DIGDIR, WRITE).await;
    let id = match how {
        Upload::Streamed => {
            let id = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
            let res = http
                .post(emu.url(&format!("/broker/api/v1/filetransfer/{id}/upload")))
                .bearer_auth(&sender)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Length", len)
                .body(generated(len))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            id
        }
        Upload::Multipart => {
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in [
                ("Metadata.FileName", "big.bin".to_owned()),
                ("Metadata.ResourceId", RESOURCE.to_owned()),
                ("Metadata.SendersFileTransferReference", "memory".to_owned()),
                ("Metadata.Sender", format!("0192:{DIGDIR}")),
                ("Metadata.Recipients", format!("0192:{RECIPIENT}")),
            ] {
                form = form.text(k, v);
            }
            let part = reqwest::multipart::Part::stream_with_length(generated(len), len).file_name("big.bin");
            let res = http
                .post(emu.url("/broker/api/v1/filetransfer/upload"))
                .bearer_auth(&sender)
                .multipart(form.part("FileTransfer", part))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()["fileTransferId"].as_str().unwrap().to_owned()
        }
    };
    let o = emu.wait_for_status(&sender, &id, "Published").await;
    assert_eq!(o["fileTransferSize"], len);
    if matches!(how, Upload::Multipart) {
        // The download path is the same for both; once per size is enough.
        return;
    }
    let recipient = emu.token(RECIPIENT, READ).await;
    let res = http
        .get(emu.url(&format!("/broker/api/v1/filetransfer/{id}/download")))
        .bearer_auth(&recipient)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = res.bytes_stream();
    let mut got = 0u64;
    while let Some(chunk) = stream.next().await {
        got += chunk.unwrap().len() as u64;
    }
    assert_eq!(got, len);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peak_memory_does_not_grow_with_file_size() {
    let _alone = heavy().await;
    let emu = Broker::process();
    round_trip(&emu, 32 * MIB, Upload::Streamed).await;
    round_trip(&emu, 32 * MIB, Upload::Multipart).await;
    let small = emu.peak_rss();
    round_trip(&emu, 256 * MIB, Upload::Streamed).await;
    // Multipart parsing is the slowest path in a debug build: half the size still shows any growth.
    round_trip(&emu, 128 * MIB, Upload::Multipart).await;
    let large = emu.peak_rss();
    assert!(large.saturating_sub(small) < 16 * MIB, "VmHWM grew from {} MiB to {} MiB", small / MIB, large / MIB);
}
