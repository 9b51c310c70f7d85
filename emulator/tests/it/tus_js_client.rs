//! Server conformance independent of our client: the npm `tus-js-client`, run under Node exactly as Altinn's own
//! harness runs it (8 MiB chunks, `parallelUploads: 4`, plus a single-upload run), uploads to the emulator binary
//! and the published file downloads byte-exact.
//!
//! Needs Node and `js/node_modules/tus-js-client` (`cd js && npm ci`). Without them the test says so loudly and
//! passes without running, so `cargo test` works on a machine without Node; the repository's test script installs
//! them first.

use std::path::PathBuf;
use std::process::Command;

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, WRITE};
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE};
use serde_json::Value;

const MIB: usize = 1024 * 1024;

fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("js")
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("tus-js-client").join("upload.mjs")
}

/// Whether Node and tus-js-client are there; if not, explains why the test does not run.
fn available() -> bool {
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let client = js_dir().join("node_modules").join("tus-js-client").join("package.json").is_file();
    if !(node && client) {
        eprintln!(
            "\n!!!!!!!! tus-js-client conformance NOT RUN: {} !!!!!!!!\n!!!!!!!! run `cd js && npm ci` (Node 20+) first !!!!!!!!\n",
            if node { "js/node_modules/tus-js-client is missing" } else { "node is not on PATH" }
        );
    }
    node && client
}

/// Deterministic content (a simple LCG), written to a file for the client to stream.
fn write_file(dir: &std::path::Path, len: usize, seed: u32) -> (PathBuf, Vec<u8>) {
    let mut x = seed;
    let data: Vec<u8> = (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect();
    let path = dir.join(format!("upload-{seed}.bin"));
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

async fn upload_with_tus_js_client(len: usize, parallel: usize) {
    let emu = Broker::process();
    let sender = emu.token(DIGDIR, WRITE).await;
    let id = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, data) = write_file(dir.path(), len, u32::try_from(len).unwrap() ^ u32::try_from(parallel).unwrap());

    let endpoint = emu.url(&format!("/broker/api/v1/filetransfer/upload/tus/{id}"));
    let out = tokio::task::spawn_blocking({
        let (endpoint, sender) = (endpoint.clone(), sender.clone());
        move || {
            Command::new("node")
                .arg(script())
                .env("TUS_JS_DIR", js_dir())
                .env("ENDPOINT", endpoint)
                .env("TOKEN", sender)
                .env("FILE_PATH", path)
                .env("CHUNK_SIZE", (8 * MIB).to_string())
                .env("PARALLEL_UPLOADS", parallel.to_string())
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "tus-js-client failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_str(stdout.trim().lines().last().unwrap()).unwrap();
    // A single upload ends at the transfer's URL; a parallel one at the final's, which is the same URL.
    assert_eq!(result["url"], endpoint.as_str());
    assert_eq!(result["size"], len);

    let o = emu.wait_for_status(&sender, &id, "Published").await;
    assert_eq!(o["checksum"], md5_hex(&data));
    let recipient = emu.token(RECIPIENT, READ).await;
    let (status, got) = emu.download(&recipient, &id).await;
    assert_eq!(status, 200);
    assert_eq!(got.len(), data.len());
    assert_eq!(md5_hex(&got), md5_hex(&data));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tus_js_client_parallel_uploads_of_four_partials() {
    if available() {
        upload_with_tus_js_client(40 * MIB + 12_345, 4).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tus_js_client_single_upload_in_8_mib_chunks() {
    if available() {
        upload_with_tus_js_client(20 * MIB + 7, 1).await;
    }
}
