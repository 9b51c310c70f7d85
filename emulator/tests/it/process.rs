//! Black-box tests against the real binary: persistence across restarts, the named crash points, the stuck-upload
//! job after a crash, and fault injection.

use std::time::{Duration, Instant};

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, WRITE};
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE};
use axum::http::Method;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_at_each_point_then_restart() {
    for point in ["upload.mid-body", "upload.after-body", "upload.after-commit"] {
        let dir = tempfile::tempdir().unwrap();

        // An acknowledged, published transfer before the crash.
        let emu = Broker::process_with(Options { data_dir: Some(dir.path()), ..Default::default() });
        let sender = emu.token(DIGDIR, WRITE).await;
        let kept = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
        let kept_content = pattern(300_000, 1);
        assert_eq!(emu.upload(&sender, &kept, &kept_content).await.status, 200);
        emu.wait_for_status(&sender, &kept, "Published").await;
        drop(emu);

        // The crash: the upload never gets an answer, the process dies by SIGKILL.
        let mut emu =
            Broker::process_with(Options { data_dir: Some(dir.path()), crash_at: Some(point), ..Default::default() });
        let crashed = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
        let body = pattern(2 * 1024 * 1024, 2);
        assert!(emu.try_upload(&sender, &crashed, &body).await.is_err(), "{point}: the upload must not be answered");
        assert!(emu.wait_killed(), "{point}: killed by SIGKILL");

        // Restart: nothing acknowledged is lost, nothing partial is published, the sender can upload again.
        let emu = Broker::process_with(Options { data_dir: Some(dir.path()), ..Default::default() });
        let recipient = emu.token(RECIPIENT, READ).await;
        assert_eq!(emu.overview(&sender, &kept).await["fileTransferStatus"], "Published", "{point}");
        assert_eq!(emu.download(&recipient, &kept).await, (200, kept_content.clone()), "{point}");
        let o = emu.overview(&sender, &crashed).await;
        assert_eq!(o["fileTransferStatus"], "UploadStarted", "{point}");
        assert_eq!(o["fileTransferSize"], 0, "{point}");
        assert_eq!(o["checksum"], Value::Null, "{point}");
        let (status, _) = emu.download(&recipient, &crashed).await;
        assert_eq!(status, 403, "{point}");
        let leftovers: Vec<_> = std::fs::read_dir(emu.data_dir().join("blobs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(&crashed))
            .collect();
        assert!(leftovers.is_empty(), "{point}: {leftovers:?}");

        if point == "upload.mid-body" {
            // Never retried: the stuck-upload job fails it after 24 hours.
            emu.advance("P1DT1H").await;
            let sender = emu.token(DIGDIR, WRITE).await;
            let o = emu.overview(&sender, &crashed).await;
            assert_eq!(o["fileTransferStatus"], "Failed");
            assert_eq!(
                o["fileTransferStatusText"],
                "File transfer was stuck in UploadStarted as it failed upload mid-request."
            );
            let events = emu.events().await;
            assert!(events
                .iter()
                .any(|e| e["resourceinstance"] == crashed.as_str() && e["type"] == "no.altinn.broker.uploadfailed"));
        } else {
            assert_eq!(emu.upload(&sender, &crashed, &body).await.status, 200, "{point}");
            emu.wait_for_status(&sender, &crashed, "Published").await;
            assert_eq!(emu.download(&recipient, &crashed).await, (200, body), "{point}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_jobs_and_events_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Broker::process_with(Options { data_dir: Some(dir.path()), ..Default::default() });
    let sender = emu.token(DIGDIR, WRITE).await;
    let id = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    emu.advance("P10D").await;

    let emu = emu.restart_on(0);
    let clock = emu.get("/emulator/api/clock", None).await.json();
    assert!(clock["offsetSeconds"].as_f64().unwrap() >= 10.0 * 86_400.0, "{clock}");
    let events = emu.events().await;
    assert_eq!(events.len(), 1);
    // The expiry job scheduled before the restart still runs at day 30.
    emu.advance("P21D").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "Purged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_answer_stall_or_cut() {
    let emu = Broker::process();
    let sender = emu.token(DIGDIR, WRITE).await;
    let id = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let fault = |spec: Value| {
        let emu = &emu;
        async move {
            let res = emu.call(Method::POST, "/emulator/api/faults", None, Some(spec)).await;
            assert_eq!(res.status, 204);
        }
    };

    // A status with Retry-After, before authentication (no token sent), for `count` requests.
    fault(
        json!({"method": "GET", "path": "/broker/api/v1/filetransfer/*", "count": 2, "status": 503, "retryAfter": 7}),
    )
    .await;
    for _ in 0..2 {
        let res = emu.get(&format!("/broker/api/v1/filetransfer/{id}"), None).await;
        assert_eq!(res.status, 503);
        assert_eq!(res.headers["retry-after"], "7");
        assert_eq!(res.headers["x-content-type-options"], "nosniff");
        assert_eq!(res.json()["status"], 503);
    }
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "Initialized");

    // A stall.
    fault(json!({"path": "**/details", "count": 1, "delayMs": 300})).await;
    let t = Instant::now();
    let res = emu.get(&format!("/broker/api/v1/filetransfer/{id}/details"), Some(&sender)).await;
    assert_eq!(res.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    // A cut request body: the upload fails as a dropped connection does, and the client sees no answer.
    fault(json!({"method": "POST", "path": "**/upload", "count": 1, "dropAfterBytes": 1000})).await;
    assert!(emu.try_upload(&sender, &id, &pattern(200_000, 3)).await.is_err());
    let o = emu.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Failed");
    assert_eq!(o["fileTransferStatusText"], "Error occurred while uploading fileTransfer");

    // A cut response body (read from the wire: the fixture's verbs collect whole bodies).
    let id = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let data = pattern(500_000, 4);
    assert_eq!(emu.upload(&sender, &id, &data).await.status, 200);
    emu.wait_for_status(&sender, &id, "Published").await;
    let recipient = emu.token(RECIPIENT, READ).await;
    fault(json!({"path": "**/download", "count": 1, "dropAfterBytes": 1000})).await;
    let res = client()
        .get(emu.url(&format!("/broker/api/v1/filetransfer/{id}/download")))
        .bearer_auth(&recipient)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.is_err(), "the body must break off");
    assert_eq!(emu.download(&recipient, &id).await, (200, data));

    // Invalid faults are refused; DELETE clears.
    let res = emu.call(Method::POST, "/emulator/api/faults", None, Some(json!({"path": "[", "status": 500}))).await;
    assert_eq!(res.status, 400);
    fault(json!({"path": "/**", "count": 5, "status": 500})).await;
    assert_eq!(emu.call(Method::DELETE, "/emulator/api/faults", None, None).await.status, 204);
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "Published");
}
