//! In-process router tests of the file-transfer endpoints: every error code they can reach, header behaviour,
//! ranges, search semantics, the scan, the purges and the events.

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, WRITE};
use altinn_broker_core::seed::{
    ACCESS_LIST_MEMBER, ACCESS_LIST_RESOURCE, DIGDIR, FAILED_ACCESS_RESOURCE, NOT_CONFIGURED_RESOURCE, OTHER_RECIPIENT,
    RECIPIENT, REQUIRED_PARTY_RESOURCE, RESOURCE,
};
use serde_json::json;

fn body_from(sender: &str, resource: &str, recipients: &[&str]) -> serde_json::Value {
    let mut b = init_body(resource, recipients);
    b["sender"] = json!(format!("0192:{sender}"));
    b
}

#[tokio::test]
async fn header_checks_come_before_authentication() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    // 406 with a plain-text body, even without a token.
    let res = e
        .send(
            request("POST", "/broker/api/v1/filetransfer", None)
                .header("Accept", "application/xml")
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 406);
    assert!(res.header("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(
        res.text(),
        "This endpoint does not support the requested Accept header. Supported Accept headers are: application/json, */*."
    );
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    for ok in ["application/json", "*/*", "text/plain;q=0.9, application/json;q=0.5"] {
        let res = e
            .send(
                request("POST", "/broker/api/v1/filetransfer", None)
                    .header("Accept", ok)
                    .body(Default::default())
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, 401, "{ok}");
    }
    // Download has no [Produces]: no Accept check.
    let res = e
        .send(
            request("GET", "/broker/api/v1/filetransfer/x/download", None)
                .header("Accept", "application/xml")
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 401);
}

#[tokio::test]
async fn authentication_failures_have_empty_bodies() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let res = e.send(post_json("/broker/api/v1/filetransfer", None, &init_body(RESOURCE, &[RECIPIENT]))).await;
    assert_eq!(res.status, 401);
    assert!(res.body.is_empty());
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    let res =
        e.send(post_json("/broker/api/v1/filetransfer", Some("not.a.jwt"), &init_body(RESOURCE, &[RECIPIENT]))).await;
    assert_eq!(res.status, 401);
    assert!(res.header("www-authenticate").unwrap().contains("invalid_token"));
    // A read token on a Sender endpoint, a write token on a Recipient endpoint: 403, empty.
    let read = e.token(DIGDIR, READ).await;
    let res = e.send(post_json("/broker/api/v1/filetransfer", Some(&read), &init_body(RESOURCE, &[RECIPIENT]))).await;
    assert_eq!((res.status, res.body.len()), (403, 0));
    let write = e.token(RECIPIENT, WRITE).await;
    let res =
        e.send(get("/broker/api/v1/filetransfer/00000000-0000-0000-0000-000000000000/download", Some(&write))).await;
    assert_eq!((res.status, res.body.len()), (403, 0));
}

#[tokio::test]
async fn initialize_validation_and_media_type() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let t = e.token(DIGDIR, WRITE).await;
    let res = e
        .send(
            request("POST", "/broker/api/v1/filetransfer", Some(&t))
                .header("Content-Type", "text/plain")
                .body("{}".into())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 415);

    let mut body = init_body(RESOURCE, &[RECIPIENT]);
    body["propertyList"] = json!((0..11).map(|i| (i.to_string(), "v")).collect::<std::collections::BTreeMap<_, _>>());
    body["checksum"] = json!("ABC");
    body["recipients"] = json!([]);
    let res = e.send(post_json("/broker/api/v1/filetransfer", Some(&t), &body)).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let p = res.json();
    assert_eq!(p["title"], "One or more validation errors occurred.");
    assert!(p.get("code").is_none());
    assert_eq!(p["errors"]["PropertyList"][0], "PropertyList can contain at most 10 properties");
    assert_eq!(p["errors"]["Recipients"][0], "One or more recipients are required");
    assert_eq!(p["errors"]["Checksum"][0], "The checksum, if used, must be a MD5 hash with a length of 32 characters");

    // Case-insensitive member names are accepted (a JSON string for the bool? is not: fidelity.rs).
    let res = e
        .send(post_json(
            "/broker/api/v1/filetransfer",
            Some(&t),
            &json!({"FileName": "a.txt", "ResourceId": format!("urn:altinn:resource:{RESOURCE}"),
                    "SENDERSFILETRANSFERREFERENCE": "r", "Sender": format!("urn:altinn:organization:identifier-no:{DIGDIR}"),
                    "Recipients": [format!("0192:{RECIPIENT}")], "DisableVirusScan": false}),
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let id = res.json()["fileTransferId"].as_str().unwrap().to_owned();
    let o = e.overview(&t, &id).await;
    assert_eq!(o["resourceId"], RESOURCE);
    assert_eq!(o["sender"], format!("urn:altinn:organization:identifier-no:{DIGDIR}"));
}

#[tokio::test]
async fn initialize_business_rules_in_order() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let digdir = e.token(DIGDIR, WRITE).await;
    let post = |token: String, body: serde_json::Value| {
        let req = post_json("/broker/api/v1/filetransfer", Some(&token), &body);
        let e = &e;
        async move { e.send(req).await }
    };
    // A sender may write only as its own org.
    let res = post(digdir.clone(), body_from(RECIPIENT, RESOURCE, &[DIGDIR])).await;
    assert_eq!((res.status, res.code()), (401, "BRO-00006".into()));
    assert_eq!(res.header("content-type"), Some("application/json; charset=utf-8"));
    let p = res.json();
    assert_eq!(p["title"], "Unauthorized");
    assert_eq!(p["statusDescription"], "Unauthorized");
    assert!(res.text().matches("\"traceId\"").count() == 2);
    // Production: an unconfigured resource is a PDP deny (401/6), as is a resource whose policy permits nobody.
    for r in [NOT_CONFIGURED_RESOURCE, FAILED_ACCESS_RESOURCE, "nope"] {
        let res = post(digdir.clone(), init_body(r, &[RECIPIENT])).await;
        assert_eq!((res.status, res.code()), (401, "BRO-00006".into()), "{r}");
    }
    // Disabled virus scan without approval: 400/20.
    let mut b = init_body(RESOURCE, &[RECIPIENT]);
    b["disableVirusScan"] = json!(true);
    let res = post(digdir.clone(), b).await;
    assert_eq!((res.status, res.code()), (400, "BRO-00020".into()));
    // Access list: only 311764837 is on it.
    let res = post(digdir.clone(), init_body(ACCESS_LIST_RESOURCE, &[RECIPIENT])).await;
    assert_eq!((res.status, res.code()), (400, "BRO-00028".into()));
    let res = post(digdir.clone(), init_body(ACCESS_LIST_RESOURCE, &[ACCESS_LIST_MEMBER])).await;
    assert_eq!(res.status, 200, "{}", res.text());
    // Required party 991825827 when the sender is someone else.
    let other = e.token(RECIPIENT, WRITE).await;
    let res = post(other.clone(), body_from(RECIPIENT, REQUIRED_PARTY_RESOURCE, &[DIGDIR, OTHER_RECIPIENT])).await;
    assert_eq!((res.status, res.code()), (400, "BRO-00027".into()));
    let res = post(other.clone(), body_from(RECIPIENT, REQUIRED_PARTY_RESOURCE, &[OTHER_RECIPIENT])).await;
    assert_eq!((res.status, res.code()), (400, "BRO-00026".into()));
    let res = post(other, body_from(RECIPIENT, REQUIRED_PARTY_RESOURCE, &[DIGDIR])).await;
    assert_eq!(res.status, 200, "{}", res.text());
}

#[tokio::test]
async fn overview_and_details_access() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let id = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let res = e.send(get("/broker/api/v1/filetransfer/not-a-guid", Some(&sender))).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["errors"]["fileTransferId"][0], "The value 'not-a-guid' is not valid.");
    let res = e.send(get(&format!("/broker/api/v1/filetransfer/{}", uuid::Uuid::new_v4()), Some(&sender))).await;
    assert_eq!((res.status, res.code()), (404, "BRO-00001".into()));
    assert_eq!(res.json()["detail"], "The requested file transfer was not found");
    let stranger = e.token(OTHER_RECIPIENT, READ).await;
    let res = e.send(get(&format!("/broker/api/v1/filetransfer/{id}/details"), Some(&stranger))).await;
    assert_eq!((res.status, res.code()), (401, "BRO-00006".into()));
    let recipient = e.token(RECIPIENT, READ).await;
    let res = e.send(get(&format!("/broker/api/v1/filetransfer/{id}/details"), Some(&recipient))).await;
    assert_eq!(res.status, 200);
    let d = res.json();
    assert!(d.get("published").is_none());
    assert_eq!(d["fileTransferStatusHistory"][0]["fileTransferStatus"], "Initialized");
    assert_eq!(d["recipientFileTransferStatusHistory"][0]["recipientFileTransferStatusCode"], "Initialized");
    assert_eq!(d["propertyList"]["caseNumber"], "123");
}

#[tokio::test]
async fn upload_rules() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let id = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let path = format!("/broker/api/v1/filetransfer/{id}/upload");
    let res = e
        .send(request("POST", &path, Some(&sender)).header("Content-Type", "text/plain").body("x".into()).unwrap())
        .await;
    assert_eq!(res.status, 415);
    let res = e.upload(&sender, &uuid::Uuid::new_v4().to_string(), b"x").await;
    assert_eq!((res.status, res.code()), (404, "BRO-00001".into()));
    let other = e.token(RECIPIENT, WRITE).await;
    let res = e.upload(&other, &id, b"x").await;
    assert_eq!((res.status, res.code()), (401, "BRO-00006".into()));
    // A missing Content-Type is let through.
    let res = e.send(request("POST", &path, Some(&sender)).body("abc".into()).unwrap()).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(e.overview(&sender, &id).await["fileTransferStatus"], "UploadProcessing");
    let res = e.upload(&sender, &id, b"again").await;
    assert_eq!((res.status, res.code()), (409, "BRO-00004".into()));
    // Confirm on an Initialized transfer (no file yet): 400/3.
    let id2 = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let recipient = e.token(RECIPIENT, READ).await;
    let res = e
        .send(
            request("POST", &format!("/broker/api/v1/filetransfer/{id2}/confirmdownload"), Some(&recipient))
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!((res.status, res.code()), (400, "BRO-00003".into()));
    // Confirm while UploadProcessing: 400/10.
    let res = e
        .send(
            request("POST", &format!("/broker/api/v1/filetransfer/{id}/confirmdownload"), Some(&recipient))
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!((res.status, res.code()), (400, "BRO-00010".into()));
}

#[tokio::test]
async fn checksum_mismatch_fails_without_an_event() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let mut b = init_body(RESOURCE, &[RECIPIENT]);
    b["checksum"] = json!(md5_hex(b"expected content"));
    let id = e.initialize(&sender, b).await;
    let res = e.upload(&sender, &id, b"other content").await;
    assert_eq!((res.status, res.code()), (400, "BRO-00009".into()));
    let o = e.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Failed");
    assert_eq!(o["fileTransferStatusText"], "Checksum mismatch");
    assert!(!e.events().await.iter().any(|ev| ev["type"] == "no.altinn.broker.uploadfailed"));
    assert!(!e.state().store.blobs().exists(altinn_broker_core::FileTransferId::parse(&id).unwrap()));
    // The file was recorded before the comparison (as SetStorageDetails is): its size shows, and confirming is
    // refused for the status (400/10), not for a missing file (400/3).
    assert_eq!(o["fileTransferSize"], 13);
    let recipient = e.token(RECIPIENT, READ).await;
    let confirm = format!("/broker/api/v1/filetransfer/{id}/confirmdownload");
    assert_eq!(e.call(axum::http::Method::POST, &confirm, Some(&recipient), None).await.code(), "BRO-00010");

    // The right checksum (any case) publishes after the scan, and stays the reported checksum.
    let mut b = init_body(RESOURCE, &[RECIPIENT]);
    b["checksum"] = json!(md5_hex(b"expected content"));
    let id = e.initialize(&sender, b).await;
    assert_eq!(e.upload(&sender, &id, b"expected content").await.status, 200);
    e.advance("PT1S").await;
    let o = e.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Published");
    assert_eq!(o["checksum"], md5_hex(b"expected content"));
}

async fn published(e: &Broker, sender: &str, content: &[u8], recipients: &[&str]) -> String {
    let id = e.initialize(sender, init_body(RESOURCE, recipients)).await;
    assert_eq!(e.upload(sender, &id, content).await.status, 200);
    e.advance("PT1S").await;
    assert_eq!(e.overview(sender, &id).await["fileTransferStatus"], "Published");
    id
}

#[tokio::test]
async fn download_ranges() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let content: Vec<u8> = (0..100u8).collect();
    let id = published(&e, &sender, &content, &[RECIPIENT]).await;
    let recipient = e.token(RECIPIENT, READ).await;
    let dl = |range: Option<&str>| {
        let mut b = request("GET", &format!("/broker/api/v1/filetransfer/{id}/download"), Some(&recipient));
        if let Some(r) = range {
            b = b.header("Range", r);
        }
        let req = b.body(Default::default()).unwrap();
        let e = &e;
        async move { e.send(req).await }
    };
    let res = dl(Some("bytes=0-9")).await;
    assert_eq!(res.status, 206);
    assert_eq!(res.header("content-range"), Some("bytes 0-9/100"));
    assert_eq!(res.header("content-length"), Some("10"));
    assert_eq!(res.body.as_ref(), &content[..10]);
    let res = dl(Some("BYTES=90-")).await;
    assert_eq!((res.status, res.body.as_ref()), (206, &content[90..]));
    let res = dl(Some("bytes=-5")).await;
    assert_eq!((res.status, res.body.as_ref()), (206, &content[95..]));
    let res = dl(Some("bytes=-500")).await;
    assert_eq!((res.status, res.header("content-range")), (206, Some("bytes 0-99/100")));
    let res = dl(Some("bytes=50-1000")).await;
    assert_eq!(res.header("content-range"), Some("bytes 50-99/100"));
    for ignored in ["bytes=9-2", "items=0-1", "bytes=0-1,5-6", "garbage"] {
        let res = dl(Some(ignored)).await;
        assert_eq!((res.status, res.body.len()), (200, 100), "{ignored}");
        assert_eq!(res.header("accept-ranges"), Some("bytes"));
    }
    for bad in ["bytes=100-", "bytes=-0", "bytes=200-300"] {
        let res = dl(Some(bad)).await;
        assert_eq!((res.status, res.code()), (416, "BRO-00029".into()), "{bad}");
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
        assert!(res.header("content-range").is_none());
    }
    // Ranged downloads record DownloadStarted once per 5 minutes; whole downloads every time.
    let started = |d: serde_json::Value| {
        d["recipientFileTransferStatusHistory"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["recipientFileTransferStatusCode"] == "DownloadStarted")
            .count()
    };
    let details = || {
        let req = get(&format!("/broker/api/v1/filetransfer/{id}/details"), Some(&sender));
        let e = &e;
        async move { e.send(req).await.json() }
    };
    let before = started(details().await);
    dl(Some("bytes=0-1")).await;
    assert_eq!(started(details().await), before);
    dl(None).await;
    assert_eq!(started(details().await), before + 1);
}

#[tokio::test]
async fn confirm_flow_with_two_recipients_and_purge() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let id = published(&e, &sender, b"data", &[RECIPIENT, OTHER_RECIPIENT]).await;
    let confirm = |token: String| {
        let req = request("POST", &format!("/broker/api/v1/filetransfer/{id}/confirmdownload"), Some(&token))
            .body(Default::default())
            .unwrap();
        let e = &e;
        async move { e.send(req).await }
    };
    let r1 = e.token(RECIPIENT, READ).await;
    let r2 = e.token(OTHER_RECIPIENT, READ).await;
    e.send(get(&format!("/broker/api/v1/filetransfer/{id}/download"), Some(&r1))).await;
    assert_eq!(confirm(r1.clone()).await.status, 204);
    // Idempotent for the same recipient while still Published.
    assert_eq!(confirm(r1.clone()).await.status, 204);
    assert_eq!(e.overview(&sender, &id).await["fileTransferStatus"], "Published");
    e.send(get(&format!("/broker/api/v1/filetransfer/{id}/download"), Some(&r2))).await;
    assert_eq!(confirm(r2).await.status, 204);
    assert_eq!(e.overview(&sender, &id).await["fileTransferStatus"], "AllConfirmedDownloaded");
    // Downloads still work after all confirmed.
    assert_eq!(e.send(get(&format!("/broker/api/v1/filetransfer/{id}/download"), Some(&r1))).await.status, 200);
    e.advance("PT2H1S").await;
    let sender = e.token(DIGDIR, WRITE).await;
    let o = e.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Purged");
    assert_eq!(o["fileTransferStatusText"], "FileTransfer has been purged");
    // Everybody had confirmed: no fileneverconfirmeddownloaded.
    assert!(!e.events().await.iter().any(|ev| ev["type"] == "no.altinn.broker.fileneverconfirmeddownloaded"));
}

#[tokio::test]
async fn expiry_purge_and_never_confirmed_events() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let initialized = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let id = published(&e, &sender, b"data", &[RECIPIENT]).await;
    e.advance("P29D").await;
    let fresh = e.token(DIGDIR, WRITE).await;
    assert_eq!(e.overview(&fresh, &id).await["fileTransferStatus"], "Published");
    e.advance("P1DT1M").await;
    let fresh = e.token(DIGDIR, WRITE).await;
    assert_eq!(e.overview(&fresh, &id).await["fileTransferStatus"], "Purged");
    assert_eq!(e.overview(&fresh, &initialized).await["fileTransferStatus"], "Purged");
    let events = e.events().await;
    let of = |t: &str| -> Vec<String> {
        events
            .iter()
            .filter(|ev| ev["resourceinstance"] == id.as_str() && ev["type"] == format!("no.altinn.broker.{t}"))
            .map(|ev| ev["data"]["Role"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(of("filepurged"), vec!["Sender"]);
    // The hook filters by transfer and type.
    let filtered = e.send(get(&format!("/emulator/api/events?fileTransferId={id}&type=published"), None)).await.json();
    assert_eq!(filtered.as_array().unwrap().len(), 2);
    assert!(filtered.as_array().unwrap().iter().all(|ev| ev["resourceinstance"] == id.as_str()));
    assert_eq!(of("fileneverconfirmeddownloaded"), vec!["Recipient", "Sender"]);
    // Published event ids are stable and differ per role.
    let published: Vec<_> = events
        .iter()
        .filter(|ev| ev["resourceinstance"] == id.as_str() && ev["type"] == "no.altinn.broker.published")
        .collect();
    assert_eq!(published.len(), 2);
    assert_ne!(published[0]["id"], published[1]["id"]);
    assert_eq!(published[1]["subject"], format!("urn:altinn:organization:identifier-no:{RECIPIENT}"));
}

#[tokio::test]
async fn eicar_fails_the_scan_and_purges_the_file() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let id = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let mut content = b"prefix ".to_vec();
    content.extend_from_slice(altinn_broker_emulator::jobs::scan::EICAR);
    assert_eq!(e.upload(&sender, &id, &content).await.status, 200);
    e.advance("PT1S").await;
    let o = e.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Failed");
    let text = o["fileTransferStatusText"].as_str().unwrap();
    assert!(
        text.starts_with(
            "Malware scan failed: Malicious. Extra details: {\"MalwareNamesFound\":[\"Virus:DOS/EICAR_Test_File\"]"
        ),
        "{text}"
    );
    assert!(!e.state().store.blobs().exists(altinn_broker_core::FileTransferId::parse(&id).unwrap()));
    let kinds: Vec<String> = e
        .events()
        .await
        .iter()
        .filter(|ev| ev["resourceinstance"] == id.as_str())
        .map(|ev| {
            format!(
                "{}/{}",
                ev["type"].as_str().unwrap().trim_start_matches("no.altinn.broker."),
                ev["data"]["Role"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "filetransferinitialized/Sender",
            "uploadprocessing/Sender",
            "uploadfailed/Sender",
            "fileneverconfirmeddownloaded/Recipient",
            "fileneverconfirmeddownloaded/Sender"
        ]
    );
    // The expiry purge later still applies (Failed → Purged).
    e.advance("P31D").await;
    let fresh = e.token(DIGDIR, WRITE).await;
    assert_eq!(e.overview(&fresh, &id).await["fileTransferStatus"], "Purged");
}

#[tokio::test]
async fn scan_hold_and_forced_malware_release() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    assert_eq!(
        e.send(request("POST", "/emulator/api/scan?mode=hold", None).body(Default::default()).unwrap()).await.status,
        204
    );
    let sender = e.token(DIGDIR, WRITE).await;
    let id = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    e.upload(&sender, &id, b"clean bytes").await;
    e.advance("PT1M").await;
    assert_eq!(e.overview(&sender, &id).await["fileTransferStatus"], "UploadProcessing");
    assert_eq!(e.overview(&sender, &id).await["checksum"], serde_json::Value::Null);
    let res = e
        .send(
            request("POST", &format!("/emulator/api/scan/release?fileTransferId={id}&result=malware"), None)
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 204);
    assert_eq!(e.overview(&sender, &id).await["fileTransferStatus"], "Failed");
    let res = e
        .send(
            request("POST", &format!("/emulator/api/scan/release?fileTransferId={id}"), None)
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 409);
}

#[tokio::test]
async fn search_semantics() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let a = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    e.advance("PT1S").await;
    let sender = e.token(DIGDIR, WRITE).await;
    let b = published(&e, &sender, b"x", &[RECIPIENT]).await;
    // A URN-form sender is stored verbatim and never matches the sender search.
    let mut urn = init_body(RESOURCE, &[RECIPIENT]);
    urn["sender"] = json!(format!("urn:altinn:organization:identifier-no:{DIGDIR}"));
    let c = e.initialize(&sender, urn).await;

    let search = |token: String, query: String| {
        let req = get(&format!("/broker/api/v1/filetransfer?resourceId={RESOURCE}{query}"), Some(&token));
        let e = &e;
        async move {
            let res = e.send(req).await;
            assert_eq!(res.status, 200, "{}", res.text());
            res.json().as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(search(sender.clone(), "&role=Sender".into()).await, vec![b.clone(), a.clone()]);
    assert_eq!(search(sender.clone(), "&role=sender&orderAscending=true".into()).await, vec![a.clone(), b.clone()]);
    assert_eq!(search(sender.clone(), "&status=Published".into()).await, vec![b.clone()]);
    let recipient = e.token(RECIPIENT, READ).await;
    assert_eq!(search(recipient.clone(), "".into()).await, vec![c.clone(), b.clone(), a.clone()]);
    assert_eq!(search(recipient.clone(), "&role=Sender".into()).await, Vec::<String>::new());
    e.send(get(&format!("/broker/api/v1/filetransfer/{b}/download"), Some(&recipient))).await;
    assert_eq!(search(recipient.clone(), "&recipientStatus=DownloadStarted&role=Sender".into()).await, vec![b.clone()]);
    // from/to on the created timeline, and on the status timeline with `status`.
    let created_b = e.overview(&sender, &b).await["created"].as_str().unwrap().replace('+', "%2B");
    assert_eq!(search(recipient.clone(), format!("&from={created_b}&role=Recipient")).await, vec![c.clone()]);
    let published_at = e.overview(&sender, &b).await["published"].as_str().unwrap().replace('+', "%2B");
    assert_eq!(
        search(recipient.clone(), format!("&status=Published&from={published_at}&to={published_at}")).await,
        vec![b.clone()]
    );
    assert_eq!(search(recipient.clone(), format!("&status=Published&to={published_at}")).await, Vec::<String>::new());
    // Errors: missing resourceId, bad enum, unknown actor, unconfigured resource.
    let res = e.send(get("/broker/api/v1/filetransfer", Some(&recipient))).await;
    assert_eq!(res.status, 400);
    assert!(res.json()["errors"]["resourceId"].is_array());
    let res =
        e.send(get(&format!("/broker/api/v1/filetransfer?resourceId={RESOURCE}&status=Nope"), Some(&recipient))).await;
    assert_eq!(res.status, 400);
    let newcomer = e.token(OTHER_RECIPIENT, READ).await;
    assert_eq!(search(newcomer, "".into()).await, Vec::<String>::new());
    let res = e
        .send(get(
            "/broker/api/v1/filetransfer?resourceId=urn:altinn:resource:altinn-broker-test-resource-1",
            Some(&recipient),
        ))
        .await;
    assert_eq!((res.status, res.code()), (401, "BRO-00006".into()));
}

#[tokio::test]
async fn search_limit_is_100() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let mut ids = Vec::new();
    for _ in 0..105 {
        ids.push(e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await);
    }
    let res = e
        .send(get(&format!("/broker/api/v1/filetransfer?resourceId={RESOURCE}&orderAscending=true"), Some(&sender)))
        .await;
    let got: Vec<String> = res.json().as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    assert_eq!(got.len(), 100);
    assert_eq!(got[0], ids[0]);
}

#[tokio::test]
async fn multipart_initialize_and_upload() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let boundary = "XyZzY";
    let mut body = String::new();
    for (k, v) in [
        ("Metadata.FileName", "form.txt"),
        ("Metadata.ResourceId", RESOURCE),
        ("Metadata.SendersFileTransferReference", "ref"),
        ("Metadata.Sender", "0192:991825827"),
        ("Metadata.Recipients", "0192:986252932"),
        ("Metadata.PropertyList[case]", "7"),
    ] {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    let with_file = format!(
        "{body}--{boundary}\r\nContent-Disposition: form-data; name=\"FileTransfer\"; filename=\"form.txt\"\r\nContent-Type: text/plain\r\n\r\nform content\r\n--{boundary}--\r\n"
    );
    let req = |b: String| {
        request("POST", "/broker/api/v1/filetransfer/upload", Some(&sender))
            .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
            .body(axum::body::Body::from(b))
            .unwrap()
    };
    let res = e.send(req(with_file)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let id = res.json()["fileTransferId"].as_str().unwrap().to_owned();
    let o = e.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "UploadProcessing");
    assert_eq!(o["fileTransferSize"], 12);
    assert_eq!(o["propertyList"]["case"], "7");

    // The order of the parts does not matter: the file first, the metadata after it.
    let file_first = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"FileTransfer\"; filename=\"f.txt\"\r\n\r\nfirst!\r\n{body}--{boundary}--\r\n"
    );
    let res = e.send(req(file_first)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let o = e.overview(&sender, res.json()["fileTransferId"].as_str().unwrap()).await;
    assert_eq!((o["fileName"].as_str(), o["fileTransferSize"].as_i64()), (Some("form.txt"), Some(6)));
    assert_eq!(o["propertyList"]["case"], "7");

    // Without the file: initialize's validation and the missing file together, nothing created.
    let res = e.send(req(format!("{body}--{boundary}--\r\n"))).await;
    assert_eq!(res.status, 400);
    assert!(res.json()["errors"]["FileTransfer"].is_array());

    // The file's length is known (IFormFile.Length), so the resource's size limit applies: 400/16, and the
    // transfer initialize created stays behind, Initialized.
    e.configure_resource(RESOURCE, json!({"maxFileTransferSize": 5})).await;
    let before = e.send(get(&format!("/broker/api/v1/filetransfer?resourceId={RESOURCE}"), Some(&sender))).await;
    let res = e.send(req(format!("{body}--{boundary}\r\nContent-Disposition: form-data; name=\"FileTransfer\"; filename=\"f\"\r\n\r\n123456\r\n--{boundary}--\r\n"))).await;
    assert_eq!((res.status, res.code()), (400, "BRO-00016".to_owned()), "{}", res.text());
    let after = e.send(get(&format!("/broker/api/v1/filetransfer?resourceId={RESOURCE}"), Some(&sender))).await;
    let (before, after) = (before.json(), after.json());
    assert_eq!(after.as_array().unwrap().len(), before.as_array().unwrap().len() + 1);
    let left = e.overview(&sender, after[0].as_str().unwrap()).await;
    assert_eq!(left["fileTransferStatus"], "Initialized");

    // A form cut off mid-file (the connection broke): nothing is created, nothing is left on disk.
    let head = format!(
        "{body}--{boundary}\r\nContent-Disposition: form-data; name=\"FileTransfer\"; filename=\"f\"\r\n\r\n1234"
    );
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> =
        vec![Ok(head.into()), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "cut"))];
    let cut = request("POST", "/broker/api/v1/filetransfer/upload", Some(&sender))
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(axum::body::Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let res = e.send(cut).await;
    assert_eq!(res.status, 400, "{}", res.text());
    assert!(res.json()["errors"][""][0].as_str().unwrap().starts_with("Failed to read the request form."));
    let now = e.send(get(&format!("/broker/api/v1/filetransfer?resourceId={RESOURCE}"), Some(&sender))).await;
    assert_eq!(now.json(), after, "no transfer was created");
    let blobs = std::fs::read_dir(e.state().store.data_dir().join("blobs")).unwrap();
    assert!(blobs.map(|f| f.unwrap().file_name()).all(|n| !n.to_string_lossy().ends_with(".part")));
    let res = e
        .send(
            request("POST", "/broker/api/v1/filetransfer/upload", Some(&sender))
                .header("Content-Type", "application/json")
                .body("{}".into())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 415);
}

#[tokio::test]
async fn unknown_routes_and_cors_preflight() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let res = e.send(get("/nope", None)).await;
    assert_eq!(res.status, 404);
    let head = request("HEAD", "/broker/api/v1/filetransfer/00000000-0000-0000-0000-000000000000/download", None);
    assert_eq!(e.send(head.body(Default::default()).unwrap()).await.status, 405);
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    let res = e
        .send(
            request("OPTIONS", "/broker/api/v1/filetransfer", None)
                .header("Origin", "http://127.0.0.1:9999")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type,upload-offset")
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    let allowed = res.header("access-control-allow-headers").unwrap().to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("upload-offset"));
    let res =
        e.send(request("GET", "/nope", None).header("Origin", "http://x").body(Default::default()).unwrap()).await;
    assert!(res.header("access-control-expose-headers").unwrap().contains("content-range"));
}
