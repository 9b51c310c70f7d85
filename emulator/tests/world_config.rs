//! Black-box: `--config` worlds (TOML and JSON) and the signing key across restarts of the real binary.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(data_dir: &Path, config: Option<&Path>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_altinn-broker-emulator"));
    cmd.args(["--port", "0", "--log", "warn"]).arg("--data-dir").arg(data_dir);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    cmd.env_remove("ALTINN_EMULATOR_CRASH_AT");
    cmd
}

fn start(data_dir: &Path, config: Option<&Path>) -> Running {
    let mut child = command(data_dir, config).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}")).to_owned();
    Running { child, base }
}

async fn token(e: &Running, org: &str, scopes: &str) -> String {
    let r = reqwest::get(format!("{}/api/GetEnterpriseToken?orgNo={org}&scopes={scopes}", e.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

async fn get(e: &Running, path: &str, token: &str) -> (u16, String) {
    let r = reqwest::Client::new().get(format!("{}{path}", e.base)).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

const JSON_WORLD: &str = r#"{
  "parties": ["0192:910753614", "urn:altinn:organization:identifier-no:986252932"],
  "service_owners": [{"org": "910753614", "name": "Testdepartementet",
                      "storage_providers": [{"type": "AltinnAzureWithoutVirusScan", "status": "Ready"}]}],
  "registry": [{"id": "my-resource", "owner": "910753614"}, {"id": "other", "owner": "910753614"}],
  "resources": [{"id": "my-resource", "file_transfer_time_to_live": "P7D", "approved_for_disabled_virus_scan": true}]
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_world_replaces_the_seed_and_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("world.json");
    std::fs::write(&config, JSON_WORLD).unwrap();
    let data = dir.path().join("data");

    let e = start(&data, Some(&config));
    let so = token(&e, "910753614", "altinn:serviceowner").await;
    let (status, body) = get(&e, "/broker/api/v1/resource/my-resource", &so).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"fileTransferTimeToLive\":\"7.00:00:00\""), "{body}");
    let (status, body) = get(&e, "/broker/api/v1/serviceowner", &so).await;
    assert_eq!(status, 200);
    assert!(body.contains("AltinnAzureWithoutVirusScan"), "{body}");
    // The built-in world is gone.
    let digdir = token(&e, "991825827", "altinn:serviceowner").await;
    assert_eq!(get(&e, "/broker/api/v1/serviceowner", &digdir).await.0, 404);
    drop(e);

    // Same data dir, another port: the earlier token still validates, and the database still holds the world.
    let e = start(&data, Some(&config));
    assert_eq!(get(&e, "/broker/api/v1/resource/my-resource", &so).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_seed_file_starts_the_default_world() {
    let dir = tempfile::tempdir().unwrap();
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let e = start(dir.path(), Some(&seed));
    let so = token(&e, "991825827", "altinn:serviceowner").await;
    let (status, body) = get(&e, "/broker/api/v1/serviceowner", &so).await;
    assert_eq!(status, 200);
    assert!(body.contains("Digitaliseringsdirektoratet Avd Oslo"));
    assert_eq!(get(&e, "/broker/api/v1/resource/ttd-brokertestressurs", &so).await.0, 200);
}

#[test]
fn a_bad_world_stops_the_start_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, needle) in [
        ("typo.toml", "parties = []\nservice_owner = []\n", "unknown field"),
        ("broken.json", "{", "not valid JSON"),
        ("orphan.toml", "parties = []\n[[resources]]\nid = \"nowhere\"\n", "configured but not in the registry"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let mut child = command(&dir.path().join("data"), Some(&path))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "{name} started");
        assert!(err.contains(needle), "{name}: {err}");
    }
}
