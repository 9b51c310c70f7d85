//! Black-box: the emulator is killed (SIGKILL) at each named point of a tus upload, restarted on the same port and
//! data dir, and the client continues from HEAD. Nothing HEAD reported is lost and the published file is
//! byte-exact. Files are generated deterministically and kept small enough for CI on 2 cores.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{client, init_body, md5_hex, DIGDIR, READ, RECIPIENT, RESOURCE, WRITE};
use serde_json::Value;

const TUS: &str = "/broker/api/v1/filetransfer/upload/tus";
const MIB: usize = 1024 * 1024;

/// One emulator process on a fixed port and data dir; killed on drop.
struct Process {
    child: Child,
    base: String,
}

impl Process {
    fn start(data_dir: &Path, port: u16, crash_at: Option<&str>) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_altinn-broker-emulator"));
        cmd.args(["--port", &port.to_string(), "--log", "warn", "--scan-delay-ms", "50"])
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("ALTINN_EMULATOR_CRASH_AT")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(p) = crash_at {
            cmd.env("ALTINN_EMULATOR_CRASH_AT", p);
        }
        let mut child = cmd.spawn().expect("spawn emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("first line");
        let base =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}")).to_owned();
        Self { child, base }
    }

    fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits for the crash point to kill the process; answers whether it died of SIGKILL.
    fn wait_killed(&mut self) -> bool {
        use std::os::unix::process::ExitStatusExt;
        self.child.wait().unwrap().signal() == Some(9)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

async fn token(emu: &Process, org: &str, scopes: &str) -> String {
    let res = client()
        .get(emu.url("/api/GetEnterpriseToken"))
        .query(&[("orgNo", org), ("scopes", scopes)])
        .send()
        .await
        .unwrap();
    res.text().await.unwrap()
}

async fn initialize(emu: &Process, sender: &str) -> String {
    let res = client()
        .post(emu.url("/broker/api/v1/filetransfer"))
        .bearer_auth(sender)
        .json(&init_body(RESOURCE, &[RECIPIENT]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["fileTransferId"].as_str().unwrap().to_owned()
}

async fn create(base: &str, id: &str, token: &str, length: usize, partial: bool) -> Result<String, reqwest::Error> {
    let mut req = client()
        .post(format!("{base}{TUS}/{id}"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length);
    if partial {
        req = req.header("Upload-Concat", "partial");
    }
    let res = req.send().await?;
    assert_eq!(res.status(), 201);
    Ok(res.headers()["location"].to_str().unwrap().to_owned())
}

async fn head(base: &str, location: &str, token: &str) -> Result<u64, reqwest::Error> {
    let res =
        client().head(format!("{base}{location}")).bearer_auth(token).header("Tus-Resumable", "1.0.0").send().await?;
    assert_eq!(res.status(), 200);
    Ok(res.headers()["upload-offset"].to_str().unwrap().parse().unwrap())
}

/// PATCHes `data` from `offset` in `chunk`-sized pieces; answers the last acknowledged offset, or the error that
/// stopped it with the offset acknowledged so far.
async fn patch_from(
    base: &str,
    location: &str,
    token: &str,
    data: &[u8],
    mut offset: u64,
    chunk: usize,
) -> Result<u64, (u64, reqwest::Error)> {
    while (offset as usize) < data.len() {
        let end = (offset as usize + chunk).min(data.len());
        let res = client()
            .patch(format!("{base}{location}"))
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset)
            .header("Content-Type", "application/offset+octet-stream")
            .body(data[offset as usize..end].to_vec())
            .send()
            .await
            .map_err(|e| (offset, e))?;
        assert_eq!(res.status(), 204, "PATCH at {offset}");
        offset = res.headers()["upload-offset"].to_str().unwrap().parse().unwrap();
        assert_eq!(offset as usize, end);
    }
    Ok(offset)
}

async fn overview_status(base: &str, id: &str, token: &str) -> Result<String, reqwest::Error> {
    let res = client().get(format!("{base}/broker/api/v1/filetransfer/{id}")).bearer_auth(token).send().await?;
    let o: Value = res.json().await?;
    Ok(o["fileTransferStatus"].as_str().unwrap_or_default().to_owned())
}

async fn wait_published(emu: &Process, id: &str, token: &str) {
    for _ in 0..600 {
        if overview_status(&emu.base, id, token).await.unwrap() == "Published" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("transfer {id} was never published");
}

async fn download(emu: &Process, id: &str) -> Vec<u8> {
    let recipient = token(emu, RECIPIENT, READ).await;
    let res = client()
        .get(emu.url(&format!("/broker/api/v1/filetransfer/{id}/download")))
        .bearer_auth(&recipient)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

/// A single upload killed at `point` on its first PATCH; returns what HEAD said after the restart and the offset
/// the client had seen acknowledged.
async fn single_upload_survives(point: &str) -> (u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let data = content(24 * MIB, 0x5eed);
    let mut first = Process::start(dir.path(), 0, Some(point));
    let port = first.port();
    let sender = token(&first, DIGDIR, WRITE).await;
    let id = initialize(&first, &sender).await;
    let location = create(&first.base, &id, &sender, data.len(), false).await.unwrap();
    let acknowledged = match patch_from(&first.base, &location, &sender, &data, 0, 4 * MIB).await {
        Ok(_) => panic!("the crash point {point} never fired"),
        Err((acked, _)) => acked,
    };
    assert!(first.wait_killed(), "killed by SIGKILL at {point}");

    let second = Process::start(dir.path(), port, None);
    assert_eq!(second.base, first.base);
    let resumed = head(&second.base, &location, &sender).await.unwrap();
    assert!(resumed <= acknowledged + 4 * MIB as u64);
    patch_from(&second.base, &location, &sender, &data, resumed, 4 * MIB).await.unwrap();
    wait_published(&second, &id, &sender).await;
    let got = download(&second, &id).await;
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
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<Vec<u8>> = (0..4u64).map(|i| content(6 * MIB + 1234 * i as usize, 77 + i)).collect();
    let mut first = Process::start(dir.path(), 0, Some("tus.during-concatenation"));
    let port = first.port();
    let sender = token(&first, DIGDIR, WRITE).await;
    let id = initialize(&first, &sender).await;
    // Four partials uploaded in parallel.
    let mut tasks = Vec::new();
    for part in parts.clone() {
        let (base, id, sender) = (first.base.clone(), id.clone(), sender.clone());
        tasks.push(tokio::spawn(async move {
            let location = create(&base, &id, &sender, part.len(), true).await.unwrap();
            patch_from(&base, &location, &sender, &part, 0, 2 * MIB).await.unwrap();
            location
        }));
    }
    let mut locations = Vec::new();
    for t in tasks {
        locations.push(t.await.unwrap());
    }
    let list: Vec<String> = locations.iter().map(|l| format!("{}{l}", first.base)).collect();
    let res = client()
        .post(first.url(&format!("{TUS}/{id}")))
        .bearer_auth(&sender)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Concat", format!("final;{}", list.join(" ")))
        .send()
        .await
        .unwrap();
    // The 201 comes before the concatenation, which then kills the process.
    assert_eq!(res.status(), 201);
    assert!(first.wait_killed(), "killed by SIGKILL during the concatenation");

    let second = Process::start(dir.path(), port, None);
    wait_published(&second, &id, &sender).await;
    let expected: Vec<u8> = parts.concat();
    let got = download(&second, &id).await;
    assert_eq!(got.len(), expected.len());
    assert_eq!(md5_hex(&got), md5_hex(&expected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_patch_stores_nothing_of_that_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Process::start(dir.path(), 0, None);
    let data = content(3 * MIB, 9);
    let sender = token(&emu, DIGDIR, WRITE).await;
    let id = initialize(&emu, &sender).await;
    let location = create(&emu.base, &id, &sender, data.len(), false).await.unwrap();
    patch_from(&emu.base, &location, &sender, &data[..MIB], 0, MIB).await.unwrap();
    // The emulator's fault hook cuts the next PATCH after 100 KiB of its body.
    let fault =
        serde_json::json!({ "method": "PATCH", "path": format!("{TUS}/*"), "count": 1, "dropAfterBytes": 100 * 1024 });
    let res = client().post(emu.url("/emulator/api/faults")).json(&fault).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(patch_from(&emu.base, &location, &sender, &data, MIB as u64, MIB).await.is_err());
    let mut offset = 0;
    for _ in 0..100 {
        offset = head(&emu.base, &location, &sender).await.unwrap();
        if offset == MIB as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(offset, MIB as u64, "HEAD reports the last whole chunk");
    patch_from(&emu.base, &location, &sender, &data, offset, MIB).await.unwrap();
    wait_published(&emu, &id, &sender).await;
    assert_eq!(md5_hex(&download(&emu, &id).await), md5_hex(&data));
}
