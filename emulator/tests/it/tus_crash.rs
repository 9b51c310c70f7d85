//! Black-box: the emulator is killed (SIGKILL) at each named point of a tus upload, restarted on the same port and
//! data dir, and the client continues from HEAD. Nothing HEAD reported is lost and the published file is
//! byte-exact. Files are generated deterministically and kept small enough for CI on 2 cores.

use std::time::Duration;

use crate::fixture::*;
use altinn_broker_core::scopes::WRITE;
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE};

const MIB: usize = 1024 * 1024;

/// An emulator process that kills itself at `point`; [`Broker::restart`] takes over its port and data dir.
fn crashing_at(point: &str) -> Broker {
    Broker::process_with(Options { crash_at: Some(point), ..Default::default() })
}

/// Deterministic pseudo-random content (xorshift64*).
fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

async fn create_upload(emu: &Broker, id: &str, token: &str, length: usize, partial: bool) -> Result<String, SendError> {
    let mut req = tus("POST", &format!("{TUS}/{id}"), Some(token)).header("Upload-Length", length);
    if partial {
        req = req.header("Upload-Concat", "partial");
    }
    let res = emu.try_send(empty(req)).await?;
    assert_eq!(res.status, 201);
    Ok(res.headers["location"].to_str().unwrap().to_owned())
}

async fn head(emu: &Broker, location: &str, token: &str) -> Result<u64, SendError> {
    let res = emu.try_send(empty(tus("HEAD", location, Some(token)))).await?;
    assert_eq!(res.status, 200);
    Ok(res.headers["upload-offset"].to_str().unwrap().parse().unwrap())
}

/// PATCHes `data` from `offset` in `chunk`-sized pieces; answers the last acknowledged offset, or the error that
/// stopped it with the offset acknowledged so far.
async fn patch_from(
    emu: &Broker,
    location: &str,
    token: &str,
    data: &[u8],
    mut offset: u64,
    chunk: usize,
) -> Result<u64, (u64, SendError)> {
    while (offset as usize) < data.len() {
        let end = (offset as usize + chunk).min(data.len());
        let res =
            emu.try_send(patch(location, token, offset, &data[offset as usize..end])).await.map_err(|e| (offset, e))?;
        assert_eq!(res.status, 204, "PATCH at {offset}");
        offset = res.headers["upload-offset"].to_str().unwrap().parse().unwrap();
        assert_eq!(offset as usize, end);
    }
    Ok(offset)
}

/// A single upload killed at `point` on its first PATCH; returns what HEAD said after the restart and the offset
/// the client had seen acknowledged.
async fn single_upload_survives(point: &str) -> (u64, u64) {
    let data = content(24 * MIB, 0x5eed);
    let mut first = crashing_at(point);
    let first_base = first.base().to_owned();
    let sender = first.token(DIGDIR, WRITE).await;
    let id = first.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let location = create_upload(&first, &id, &sender, data.len(), false).await.unwrap();
    let acknowledged = match patch_from(&first, &location, &sender, &data, 0, 4 * MIB).await {
        Ok(_) => panic!("the crash point {point} never fired"),
        Err((acked, _)) => acked,
    };
    assert!(first.wait_killed(), "killed by SIGKILL at {point}");

    let second = first.restart();
    assert_eq!(second.base(), first_base);
    let resumed = head(&second, &location, &sender).await.unwrap();
    assert!(resumed <= acknowledged + 4 * MIB as u64);
    patch_from(&second, &location, &sender, &data, resumed, 4 * MIB).await.unwrap();
    second.wait_for_status(&sender, &id, "Published").await;
    let got = second.recipient_download(&id).await;
    assert_eq!(got.len(), data.len());
    assert_eq!(md5_hex(&got), md5_hex(&data), "byte-exact after a kill at {point}");
    (resumed, acknowledged)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_patch_the_upload_continues_from_head() {
    let (resumed, acknowledged) = single_upload_survives("tus.mid-patch").await;
    // The first chunk was cut: nothing of it counts.
    assert_eq!((resumed, acknowledged), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_a_patch_before_its_commit_head_trails_and_the_upload_continues() {
    let (resumed, _acknowledged) = single_upload_survives("tus.after-patch-before-commit").await;
    // The chunk was fsynced (and possibly acknowledged) but never committed: HEAD does not report it.
    assert_eq!(resumed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_concatenation_the_final_is_still_built_byte_exact() {
    let parts: Vec<Vec<u8>> = (0..4u64).map(|i| content(6 * MIB + 1234 * i as usize, 77 + i)).collect();
    let mut first = crashing_at("tus.during-concatenation");
    let sender = first.token(DIGDIR, WRITE).await;
    let id = first.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    // Four partials uploaded in parallel.
    let uploads = parts.iter().map(|part| {
        let (first, id, sender) = (&first, &id, &sender);
        async move {
            let location = create_upload(first, id, sender, part.len(), true).await.unwrap();
            patch_from(first, &location, sender, part, 0, 2 * MIB).await.unwrap();
            location
        }
    });
    let locations = futures_util::future::join_all(uploads).await;
    let list: Vec<String> = locations.iter().map(|l| first.url(l)).collect();
    let req =
        tus("POST", &format!("{TUS}/{id}"), Some(&sender)).header("Upload-Concat", format!("final;{}", list.join(" ")));
    let res = first.send(empty(req)).await;
    // The 201 comes before the concatenation, which then kills the process.
    assert_eq!(res.status, 201);
    assert!(first.wait_killed(), "killed by SIGKILL during the concatenation");

    let second = first.restart();
    second.wait_for_status(&sender, &id, "Published").await;
    let expected: Vec<u8> = parts.concat();
    let got = second.recipient_download(&id).await;
    assert_eq!(got.len(), expected.len());
    assert_eq!(md5_hex(&got), md5_hex(&expected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_patch_stores_nothing_of_that_chunk() {
    let emu = Broker::process();
    let data = content(3 * MIB, 9);
    let sender = emu.token(DIGDIR, WRITE).await;
    let id = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let location = create_upload(&emu, &id, &sender, data.len(), false).await.unwrap();
    patch_from(&emu, &location, &sender, &data[..MIB], 0, MIB).await.unwrap();
    // The emulator's fault hook cuts the next PATCH after 100 KiB of its body.
    let fault =
        serde_json::json!({ "method": "PATCH", "path": format!("{TUS}/*"), "count": 1, "dropAfterBytes": 100 * 1024 });
    let res = emu.call(axum::http::Method::POST, "/emulator/api/faults", None, Some(fault)).await;
    assert_eq!(res.status, 204);
    assert!(patch_from(&emu, &location, &sender, &data, MIB as u64, MIB).await.is_err());
    let mut offset = 0;
    for _ in 0..100 {
        offset = head(&emu, &location, &sender).await.unwrap();
        if offset == MIB as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(offset, MIB as u64, "HEAD reports the last whole chunk");
    patch_from(&emu, &location, &sender, &data, offset, MIB).await.unwrap();
    emu.wait_for_status(&sender, &id, "Published").await;
    assert_eq!(md5_hex(&emu.recipient_download(&id).await), md5_hex(&data));
}
