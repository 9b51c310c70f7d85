//! Black-box: the normal life of a transfer against the real binary, from initialize to the purge after grace.

mod common;

use common::*;
use serde_json::Value;

async fn json(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_upload_scan_publish_download_confirm_purge() {
    let emu = Emulator::start();
    let http = client();
    let sender = emu.token(DIGDIR, WRITE).await;
    let recipient = emu.token(RECIPIENT, READ).await;

    // Hold scans so UploadProcessing is observable.
    let res = http.post(emu.url("/emulator/api/scan?mode=hold")).send().await.unwrap();
    assert_eq!(res.status(), 204);

    let res = http
        .post(emu.url("/broker/api/v1/filetransfer"))
        .bearer_auth(&sender)
        .header("Accept", "application/json")
        .json(&init_body(RESOURCE, &[RECIPIENT]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["content-type"], "application/json; charset=utf-8");
    let id = json(res).await["fileTransferId"].as_str().unwrap().to_owned();

    let overview = |token: String| {
        let http = http.clone();
        let url = emu.url(&format!("/broker/api/v1/filetransfer/{id}"));
        async move {
            let res = http.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(res.status(), 200, "overview: {:?}", res.headers());
            json(res).await
        }
    };
    let o = overview(sender.clone()).await;
    assert_eq!(o["fileTransferStatus"], "Initialized");
    assert_eq!(o["fileTransferStatusText"], "Ready for upload");
    assert_eq!(o["fileTransferSize"], 0);
    assert_eq!(o["published"], Value::Null);
    assert_eq!(o["recipients"][0]["recipient"], format!("0192:{RECIPIENT}"));

    let content = b"hello from the emulator test".to_vec();
    let res = http
        .post(emu.url(&format!("/broker/api/v1/filetransfer/{id}/upload")))
        .bearer_auth(&sender)
        .header("Content-Type", "application/octet-stream")
        .body(content.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await["fileTransferId"], id.as_str());

    let o = overview(recipient.clone()).await;
    assert_eq!(o["fileTransferStatus"], "UploadProcessing");
    assert_eq!(o["fileTransferSize"], content.len());
    // Download before publish: 403/7.
    let (status, body) = emu.download(&recipient, &id).await;
    assert_eq!(status, 403);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["code"], "BRO-00007");

    let res = http
        .post(emu.url(&format!("/emulator/api/scan/release?fileTransferId={id}&result=clean")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let o = overview(recipient.clone()).await;
    assert_eq!(o["fileTransferStatus"], "Published");
    assert_eq!(o["checksum"], md5_hex(&content));
    assert!(o["published"].is_string());

    // Confirm before download: 400/19.
    let confirm = || {
        http.post(emu.url(&format!("/broker/api/v1/filetransfer/{id}/confirmdownload"))).bearer_auth(&recipient).send()
    };
    let res = confirm().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["code"], "BRO-00019");

    let res = http
        .get(emu.url(&format!("/broker/api/v1/filetransfer/{id}/download")))
        .bearer_auth(&recipient)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=input.txt; filename*=UTF-8''input.txt");
    assert_eq!(res.bytes().await.unwrap().as_ref(), content.as_slice());

    let res = confirm().await.unwrap();
    assert_eq!(res.status(), 204);
    let o = overview(sender.clone()).await;
    assert_eq!(o["fileTransferStatus"], "AllConfirmedDownloaded");
    assert_eq!(o["recipients"][0]["currentRecipientFileTransferStatusCode"], "DownloadConfirmed");
    // A second confirm by the last recipient: 400/10.
    let res = confirm().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["code"], "BRO-00010");

    // The purge after the default 2 h grace period.
    let res = http.post(emu.url("/emulator/api/clock/advance?by=PT1H")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // Tokens last 30 minutes by default and the clock moved: the old one is refused, a fresh one works.
    let res =
        http.get(emu.url(&format!("/broker/api/v1/filetransfer/{id}"))).bearer_auth(&sender).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let sender = emu.token(DIGDIR, WRITE).await;
    assert_eq!(overview(sender.clone()).await["fileTransferStatus"], "AllConfirmedDownloaded");
    http.post(emu.url("/emulator/api/clock/advance?by=PT1H1M")).send().await.unwrap();
    let sender = emu.token(DIGDIR, WRITE).await;
    assert_eq!(overview(sender.clone()).await["fileTransferStatus"], "Purged");

    let events: Vec<Value> =
        json(http.get(emu.url("/emulator/api/events")).send().await.unwrap()).await.as_array().unwrap().clone();
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
