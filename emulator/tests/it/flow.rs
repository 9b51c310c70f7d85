//! Black-box: the normal life of a transfer against the real binary (and the same in-process), from initialize to
//! the purge after grace.

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, WRITE};
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE};
use axum::http::Method;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_upload_scan_publish_download_confirm_purge() {
    life(Broker::process()).await;
}

/// The same life in-process: the fixture's verbs are the same on both transports.
#[tokio::test]
async fn initialize_upload_scan_publish_download_confirm_purge_in_process() {
    life(Broker::in_process()).await;
}

async fn life(emu: Broker) {
    let sender = emu.token(DIGDIR, WRITE).await;
    let recipient = emu.token(RECIPIENT, READ).await;

    // Hold scans so UploadProcessing is observable.
    let res = emu.call(Method::POST, "/emulator/api/scan?mode=hold", None, None).await;
    assert_eq!(res.status, 204);

    let init = request("POST", "/broker/api/v1/filetransfer", Some(&sender))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(init_body(RESOURCE, &[RECIPIENT]).to_string().into())
        .unwrap();
    let res = emu.send(init).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.headers["x-content-type-options"], "nosniff");
    assert_eq!(res.headers["cache-control"], "no-store");
    assert_eq!(res.headers["content-type"], "application/json; charset=utf-8");
    let id = res.json()["fileTransferId"].as_str().unwrap().to_owned();

    let overview = |token: String| {
        let (emu, id) = (&emu, &id);
        async move { emu.overview(&token, id).await }
    };
    let o = overview(sender.clone()).await;
    assert_eq!(o["fileTransferStatus"], "Initialized");
    assert_eq!(o["fileTransferStatusText"], "Ready for upload");
    assert_eq!(o["fileTransferSize"], 0);
    assert_eq!(o["published"], Value::Null);
    assert_eq!(o["recipients"][0]["recipient"], format!("0192:{RECIPIENT}"));

    let content = b"hello from the emulator test".to_vec();
    let res = emu.upload(&sender, &id, &content).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["fileTransferId"], id.as_str());

    let o = overview(recipient.clone()).await;
    assert_eq!(o["fileTransferStatus"], "UploadProcessing");
    assert_eq!(o["fileTransferSize"], content.len());
    // Download before publish: 403/7.
    let (status, body) = emu.download(&recipient, &id).await;
    assert_eq!(status, 403);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["code"], "BRO-00007");

    let res = emu
        .call(Method::POST, &format!("/emulator/api/scan/release?fileTransferId={id}&result=clean"), None, None)
        .await;
    assert_eq!(res.status, 204);
    let o = overview(recipient.clone()).await;
    assert_eq!(o["fileTransferStatus"], "Published");
    assert_eq!(o["checksum"], md5_hex(&content));
    assert!(o["published"].is_string());

    // Confirm before download: 400/19.
    let confirm_path = format!("/broker/api/v1/filetransfer/{id}/confirmdownload");
    let confirm = || emu.call(Method::POST, &confirm_path, Some(&recipient), None);
    let res = confirm().await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["code"], "BRO-00019");

    let res = emu.get(&format!("/broker/api/v1/filetransfer/{id}/download"), Some(&recipient)).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.headers["accept-ranges"], "bytes");
    assert_eq!(res.headers["content-disposition"], "attachment; filename=input.txt; filename*=UTF-8''input.txt");
    assert_eq!(res.body.as_ref(), content.as_slice());

    let res = confirm().await;
    assert_eq!(res.status, 204);
    let o = overview(sender.clone()).await;
    assert_eq!(o["fileTransferStatus"], "AllConfirmedDownloaded");
    assert_eq!(o["recipients"][0]["currentRecipientFileTransferStatusCode"], "DownloadConfirmed");
    // A second confirm by the last recipient: 400/10.
    let res = confirm().await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["code"], "BRO-00010");

    // The purge after the default 2 h grace period.
    emu.advance("PT1H").await;
    // Tokens last 30 minutes by default and the clock moved: the old one is refused, a fresh one works.
    let res = emu.get(&format!("/broker/api/v1/filetransfer/{id}"), Some(&sender)).await;
    assert_eq!(res.status, 401);
    assert!(res.headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let sender = emu.token(DIGDIR, WRITE).await;
    assert_eq!(overview(sender.clone()).await["fileTransferStatus"], "AllConfirmedDownloaded");
    emu.advance("PT1H1M").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    assert_eq!(overview(sender.clone()).await["fileTransferStatus"], "Purged");

    let events: Vec<Value> = emu.events().await;
    let kinds: Vec<(String, String)> = events
        .iter()
        .filter(|e| e["resourceinstance"] == id.as_str())
        .map(|e| {
            (
                e["type"].as_str().unwrap().trim_start_matches("no.altinn.broker.").to_owned(),
                e["data"]["Role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("filetransferinitialized", "Sender"),
        ("uploadprocessing", "Sender"),
        ("published", "Sender"),
        ("published", "Recipient"),
        ("downloadconfirmed", "Recipient"),
        ("downloadconfirmed", "Sender"),
        ("allconfirmeddownloaded", "Sender"),
        ("filepurged", "Sender"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(kinds, expected);
    let e = &events[0];
    assert_eq!(e["specversion"], "1.0");
    assert_eq!(e["resource"], format!("urn:altinn:resource:{RESOURCE}"));
    assert_eq!(e["subject"], format!("urn:altinn:organization:identifier-no:{DIGDIR}"));
    assert_eq!(e["source"], emu.url("/broker/api/v1/filetransfer"));
}
