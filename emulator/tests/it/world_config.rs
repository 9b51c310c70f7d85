//! Black-box: `--config` worlds (TOML and JSON) and the signing key across restarts of the real binary.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;

use crate::fixture::*;
use altinn_broker_core::scopes::SERVICE_OWNER;
use altinn_broker_core::seed::{DIGDIR, DIGDIR_NAME, REQUIRED_PARTY_RESOURCE};

/// The binary on `data_dir` with the world of `config`.
fn start(data_dir: &Path, config: &Path) -> Broker {
    let config = config.to_str().unwrap();
    Broker::process_with(Options { data_dir: Some(data_dir), extra: vec!["--config", config], ..Default::default() })
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

    let e = start(&data, &config);
    let so = e.token("910753614", SERVICE_OWNER).await;
    let r = e.get("/broker/api/v1/resource/my-resource", Some(&so)).await;
    let body = r.text();
    assert_eq!(r.status, 200, "{body}");
    assert!(body.contains("\"fileTransferTimeToLive\":\"7.00:00:00\""), "{body}");
    let r = e.get("/broker/api/v1/serviceowner", Some(&so)).await;
    let body = r.text();
    assert_eq!(r.status, 200);
    assert!(body.contains("AltinnAzureWithoutVirusScan"), "{body}");
    // The built-in world is gone.
    let digdir = e.token(DIGDIR, SERVICE_OWNER).await;
    assert_eq!(e.get("/broker/api/v1/serviceowner", Some(&digdir)).await.status, 404);

    // Same data dir, another port: the earlier token still validates, and the database still holds the world.
    let e = e.restart_on(0);
    assert_eq!(e.get("/broker/api/v1/resource/my-resource", Some(&so)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_seed_file_starts_the_default_world() {
    let dir = tempfile::tempdir().unwrap();
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let e = start(dir.path(), &seed);
    let so = e.token(DIGDIR, SERVICE_OWNER).await;
    let r = e.get("/broker/api/v1/serviceowner", Some(&so)).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains(DIGDIR_NAME));
    assert_eq!(e.get(&format!("/broker/api/v1/resource/{REQUIRED_PARTY_RESOURCE}"), Some(&so)).await.status, 200);
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
        let opts = Options { extra: vec!["--config", path.to_str().unwrap()], ..Default::default() };
        let mut child = Broker::command(&opts, &dir.path().join("data"))
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
