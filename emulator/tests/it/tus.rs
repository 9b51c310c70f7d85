//! In-process tests of the tus endpoints (contract §5): every protocol rule the service applies, the status
//! transitions and events of §3.1, the expired-token rescue and the 50,000-chunk cap.

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, WRITE};
use altinn_broker_core::seed::{DIGDIR, OTHER_RECIPIENT, RECIPIENT, RESOURCE};
use axum::body::Body;
use serde_json::Value;

/// Waits until HEAD reports `offset` (the commit of a non-final chunk lands just after its answer).
async fn head_until(emu: &Broker, path: &str, token: &str, offset: u64) -> Resp {
    for _ in 0..200 {
        let res = emu.send(empty(tus("HEAD", path, Some(token)))).await;
        if res.header("upload-offset") == Some(&offset.to_string()) {
            return res;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("HEAD never reported offset {offset}");
}

async fn setup() -> (Broker, String, String) {
    let emu = Broker::in_process_with(Options::cors(&["*"]));
    let sender = emu.token(DIGDIR, WRITE).await;
    let id = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    (emu, sender, id)
}

fn event_types(events: &[Value], id: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["resourceinstance"] == id)
        .map(|e| e["type"].as_str().unwrap().trim_start_matches("no.altinn.broker.").to_owned())
        .collect()
}

#[tokio::test]
async fn options_advertises_the_services_capabilities_behind_the_sender_policy() {
    // Without CORS: `tests/it/cors.rs` covers tus OPTIONS with CORS on.
    let emu = Broker::in_process();
    // The file need not exist: OPTIONS targets no upload.
    let path = format!("{TUS}/0f8fad5b-d9cb-469f-a165-70867728950e");
    assert_eq!(emu.send(empty(request("OPTIONS", &path, None))).await.status, 401);
    let reader = emu.token(DIGDIR, READ).await;
    assert_eq!(emu.send(empty(request("OPTIONS", &path, Some(&reader)))).await.status, 403);
    // No Tus-Resumable needed for OPTIONS.
    let writer = emu.token(DIGDIR, WRITE).await;
    let res = emu.send(empty(request("OPTIONS", &path, Some(&writer)))).await;
    assert_eq!(res.status, 204);
    assert_eq!(res.header("tus-resumable"), Some("1.0.0"));
    assert_eq!(res.header("tus-version"), Some("1.0.0"));
    assert_eq!(
        res.header("tus-extension"),
        Some("creation,creation-with-upload,termination,checksum,checksum-trailer,concatenation,expiration")
    );
    assert_eq!(res.header("tus-checksum-algorithm"), Some("md5"));
    assert!(res.header("tus-max-size").is_none());
    let partial =
        emu.send(empty(request("OPTIONS", &format!("{path}/partial/{}", "a".repeat(32)), Some(&writer)))).await;
    assert_eq!(partial.status, 204);
}

#[tokio::test]
async fn single_upload_from_creation_to_published_download() {
    let (emu, sender, id) = setup().await;
    let content = pattern(300_000, 7);
    let path = format!("{TUS}/{id}");

    let res = emu
        .send(empty(
            tus("POST", &path, Some(&sender))
                .header("Upload-Length", content.len())
                .header("Upload-Metadata", "filename aW5wdXQudHh0,filetype"),
        ))
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.header("location"), Some(path.as_str()));
    assert_eq!(res.header("tus-resumable"), Some("1.0.0"));
    let expires = res.header("upload-expires").unwrap();
    assert!(expires.ends_with(" GMT") && expires.len() == 29, "{expires}");
    assert!(res.header("upload-offset").is_none());
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "UploadStarted");

    let res = emu.send(empty(tus("HEAD", &path, Some(&sender)))).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("upload-offset"), Some("0"));
    assert_eq!(res.header("upload-length"), Some("300000"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("upload-metadata"), Some("filename aW5wdXQudHh0,filetype"));

    // Content type, offset: tusdotnet's texts.
    let wrong_type = tus("PATCH", &path, Some(&sender))
        .header("Content-Type", "application/octet-stream")
        .header("Upload-Offset", 0)
        .body(Body::from(vec![1u8; 10]))
        .unwrap();
    let res = emu.send(wrong_type).await;
    assert_eq!(res.status, 415);
    assert_eq!(res.text(), "Content-Type application/octet-stream is invalid. Must be application/offset+octet-stream");
    let res = emu.send(patch(&path, &sender, 5, &content[..10])).await;
    assert_eq!(res.status, 409);
    assert_eq!(res.text(), "Offset does not match file. File offset: 0. Request offset: 5");
    assert_eq!(res.header("content-type"), Some("text/plain"));

    let res = emu.send(patch(&path, &sender, 0, &content[..100_000])).await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert_eq!(res.header("upload-offset"), Some("100000"));
    assert!(res.header("upload-expires").is_some());
    head_until(&emu, &path, &sender, 100_000).await;
    // More data than the upload's length: 413, nothing stored.
    let mut too_much = content[100_000..].to_vec();
    too_much.push(0);
    let res = emu.send(patch(&path, &sender, 100_000, &too_much)).await;
    assert_eq!(res.status, 413);
    assert_eq!(res.text(), "Request contains more data than the file's upload length");

    let res = emu.send(patch(&path, &sender, 100_000, &content[100_000..])).await;
    assert_eq!(res.status, 204);
    assert_eq!(res.header("upload-offset"), Some("300000"));
    // The final PATCH answers before processing: nothing has moved yet.
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "UploadStarted");
    // The idempotent final PATCH: 204 with the length, even past it.
    let res = emu.send(patch(&path, &sender, 300_000, b"")).await;
    assert_eq!((res.status, res.header("upload-offset")), (204, Some("300000")));
    let res = emu.send(patch(&path, &sender, 400_000, b"xyz")).await;
    assert_eq!((res.status, res.header("upload-offset")), (204, Some("300000")));

    emu.run_jobs().await;
    let o = emu.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "UploadProcessing");
    assert_eq!(o["fileTransferSize"], 300_000);
    emu.advance("PT1S").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    let o = emu.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Published");
    assert_eq!(o["checksum"], md5_hex(&content));
    assert_eq!(emu.recipient_download(&id).await, content);
    let types = event_types(&emu.events().await, &id);
    assert_eq!(types, ["filetransferinitialized", "uploadprocessing", "published", "published"]);

    // After completion: termination and a new creation are refused with error 4's text.
    let res = emu.send(empty(tus("DELETE", &path, Some(&sender)))).await;
    assert_eq!(res.status, 409);
    assert_eq!(res.text(), altinn_broker_core::BrokerErrorCode::FileTransferAlreadyUploaded.message());
    assert_eq!(emu.send(create(&id, &sender, 10)).await.status, 409);
}

#[tokio::test]
async fn creation_with_upload_writes_the_first_chunk() {
    let (emu, sender, id) = setup().await;
    let content = pattern(5000, 3);
    let req = tus("POST", &format!("{TUS}/{id}"), Some(&sender))
        .header("Upload-Length", 5000)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Content-Length", 2000)
        .body(Body::from(content[..2000].to_vec()))
        .unwrap();
    let res = emu.send(req).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.header("upload-offset"), Some("2000"));
    let res = emu.send(patch(&format!("{TUS}/{id}"), &sender, 2000, &content[2000..])).await;
    assert_eq!(res.status, 204);
    emu.run_jobs().await;
    emu.advance("PT1S").await;
    assert_eq!(emu.recipient_download(&id).await, content);
}

#[tokio::test]
async fn request_errors_are_the_services_plain_text_answers() {
    let (emu, sender, id) = setup().await;
    let path = format!("{TUS}/{id}");
    // Without Tus-Resumable it is not a tus request: an empty 404 (after authentication).
    let res = emu.send(empty(request("HEAD", &path, Some(&sender)))).await;
    assert_eq!((res.status, res.body.len()), (404, 0));
    assert_eq!(emu.send(empty(request("HEAD", &path, None))).await.status, 401);
    let res = emu.send(empty(request("HEAD", &path, Some(&sender)).header("Tus-Resumable", "0.2.2"))).await;
    assert_eq!(res.status, 412);
    assert_eq!(res.header("tus-version"), Some("1.0.0"));
    // Ids.
    let res = emu.send(create("not-a-guid", &sender, 10)).await;
    assert_eq!((res.status, res.text().as_str()), (404, "Missing file transfer id"));
    let unknown = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let res = emu.send(create(unknown, &sender, 10)).await;
    assert_eq!((res.status, res.text().as_str()), (404, "The requested file transfer was not found"));
    // Nothing created yet: the file URL is unknown.
    let res = emu.send(empty(tus("HEAD", &path, Some(&sender)))).await;
    assert_eq!((res.status, res.body.len()), (404, 0));
    assert_eq!(emu.send(patch(&path, &sender, 0, b"abc")).await.status, 404);
    // Lengths.
    let res = emu.send(empty(tus("POST", &path, Some(&sender)).header("Upload-Defer-Length", "1"))).await;
    assert_eq!((res.status, res.text().as_str()), (400, "Header Upload-Defer-Length is not supported"));
    let res = emu.send(empty(tus("POST", &path, Some(&sender)))).await;
    assert_eq!((res.status, res.text().as_str()), (400, "Missing Upload-Length header"));
    let res = emu.send(create(&id, &sender, 50_000_000_001)).await;
    assert_eq!((res.status, res.text().as_str()), (400, "File size exceeds maximum"));
    let res = emu
        .send(empty(tus("POST", &path, Some(&sender)).header("Upload-Length", 5).header("Upload-Metadata", "a !!")))
        .await;
    assert_eq!(res.status, 400);
    // Another org may not upload as the sender: 401 with error 6's text.
    let stranger = emu.token(OTHER_RECIPIENT, WRITE).await;
    let res = emu.send(create(&id, &stranger, 10)).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.text(), altinn_broker_core::BrokerErrorCode::NoAccessToResource.message());
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "Initialized");
    // The authorized creations above opened an upload session; inside it HEAD only checks that the transfer is
    // uploading, which an `Initialized` one is not: 409 with error 4's text, as the service answers.
    let res = emu.send(empty(tus("HEAD", &format!("{path}/partial/{}", "b".repeat(32)), Some(&sender)))).await;
    assert_eq!(res.status, 409);
}

#[tokio::test]
async fn upload_checksum_is_answered_460_after_the_chunk_was_stored() {
    let (emu, sender, id) = setup().await;
    let path = format!("{TUS}/{id}");
    assert_eq!(emu.send(create(&id, &sender, 100)).await.status, 201);
    let with_checksum = |offset: u64, algo: &str| {
        tus("PATCH", &path, Some(&sender))
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", offset)
            .header("Upload-Checksum", format!("{algo} XrY7u+Ae7tCTyyK7j1rNww=="))
            .body(Body::from(vec![1u8; 10]))
            .unwrap()
    };
    let res = emu.send(with_checksum(0, "sha1")).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.text(), "Unsupported checksum algorithm. Supported algorithms are: md5");
    let res = emu.send(with_checksum(0, "md5")).await;
    assert_eq!(res.status, 460);
    assert_eq!(res.text(), "Header Upload-Checksum does not match the checksum of the file");
    // The chunk was kept: a retry at the old offset conflicts.
    let res = emu.send(patch(&path, &sender, 0, &[1u8; 10])).await;
    assert_eq!(res.status, 409);
    assert_eq!(res.text(), "Offset does not match file. File offset: 10. Request offset: 0");
    head_until(&emu, &path, &sender, 10).await;
}

#[tokio::test]
async fn parallel_partials_and_final_concatenation() {
    let (emu, sender, id) = setup().await;
    let parts = [pattern(70_000, 1), pattern(50_000, 2), pattern(1, 3)];
    let mut locations = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let res = emu
            .send(empty(
                tus("POST", &format!("{TUS}/{id}"), Some(&sender))
                    .header("Upload-Length", p.len())
                    .header("Upload-Concat", "partial"),
            ))
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let location = res.header("location").unwrap().to_owned();
        let pid = location.rsplit('/').next().unwrap();
        assert_eq!(location, format!("{TUS}/{id}/partial/{pid}"));
        assert!(pid.len() == 32 && pid.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert!(res.header("upload-expires").is_some());
        if i == 0 {
            assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "UploadStarted");
        }
        let head = emu.send(empty(tus("HEAD", &location, Some(&sender)))).await;
        assert_eq!(head.header("upload-concat"), Some("partial"));
        assert_eq!(head.header("upload-offset"), Some("0"));
        locations.push(location);
    }
    // The first part in two chunks, the second through the legacy path form.
    let res = emu.send(patch(&locations[0], &sender, 0, &parts[0][..30_000])).await;
    assert_eq!(res.status, 204);
    let res = emu.send(patch(&locations[0], &sender, 30_000, &parts[0][30_000..])).await;
    assert_eq!(res.status, 204);
    // Not every part is finished yet.
    let final_header = format!("final;http://127.0.0.1:5096{} {} {}", locations[0], locations[1], locations[2]);
    let final_req =
        || empty(tus("POST", &format!("{TUS}/{id}"), Some(&sender)).header("Upload-Concat", final_header.as_str()));
    let res = emu.send(final_req()).await;
    assert_eq!(res.status, 400);
    assert!(res.text().starts_with("Some of the files supplied for concatenation are not finished"), "{}", res.text());
    let legacy = locations[1].replace("/partial/", "/");
    assert_eq!(emu.send(patch(&legacy, &sender, 0, &parts[1])).await.status, 204);
    assert_eq!(emu.send(patch(&locations[2], &sender, 0, &parts[2])).await.status, 204);

    let res = emu.send(final_req()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.header("location"), Some(format!("{TUS}/{id}").as_str()));
    assert!(res.header("upload-expires").is_none());
    // Completed at creation: UploadProcessing without an event, before any processing.
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "UploadProcessing");
    let head = emu.send(empty(tus("HEAD", &format!("{TUS}/{id}"), Some(&sender)))).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("upload-length"), Some("120001"));
    assert!(head.header("upload-offset").is_none(), "no offset before the concatenation is done");
    assert!(head.header("upload-concat").unwrap().starts_with("final;"));
    // A final cannot be patched.
    let res = emu.send(patch(&format!("{TUS}/{id}"), &sender, 0, b"x")).await;
    assert_eq!(res.status, 403);

    emu.run_jobs().await;
    let head = emu.send(empty(tus("HEAD", &format!("{TUS}/{id}"), Some(&sender)))).await;
    assert_eq!(head.header("upload-offset"), Some("120001"));
    assert!(head.header("upload-concat").is_none(), "the parts are forgotten once joined");
    emu.advance("PT1S").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "Published");
    let expected: Vec<u8> = parts.concat();
    assert_eq!(emu.recipient_download(&id).await, expected);
    // The parts are stored as pieces of one file, not copied (BlobStore::place): ranges across, inside and at the
    // edges of them read the right bytes.
    let recipient = emu.token(RECIPIENT, altinn_broker_core::scopes::READ).await;
    for (range, from, to) in [
        ("bytes=69990-70009", 69_990, 70_010),
        ("bytes=70000-119999", 70_000, 120_000),
        ("bytes=119990-", 119_990, 120_001),
        ("bytes=-1", 120_000, 120_001),
        ("bytes=5-69999", 5, 70_000),
    ] {
        let req = request("GET", &format!("/broker/api/v1/filetransfer/{id}/download"), Some(&recipient))
            .header("Range", range)
            .body(Default::default())
            .unwrap();
        let res = emu.send(req).await;
        assert_eq!(res.status, 206, "{range}");
        assert_eq!(res.header("content-range"), Some(format!("bytes {from}-{}/120001", to - 1).as_str()), "{range}");
        assert!(res.body.as_ref() == &expected[from..to], "{range}");
    }
    assert_eq!(event_types(&emu.events().await, &id), ["filetransferinitialized", "published", "published"]);
}

#[tokio::test]
async fn a_final_may_only_join_complete_partials_of_its_own_transfer() {
    let (emu, sender, id) = setup().await;
    let other = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let res = emu
        .send(empty(
            tus("POST", &format!("{TUS}/{other}"), Some(&sender))
                .header("Upload-Length", 3)
                .header("Upload-Concat", "partial"),
        ))
        .await;
    let foreign = res.header("location").unwrap().to_owned();
    assert_eq!(emu.send(patch(&foreign, &sender, 0, b"abc")).await.status, 204);
    let foreign_pid = foreign.rsplit('/').next().unwrap();
    let post_final = |list: String| {
        empty(tus("POST", &format!("{TUS}/{id}"), Some(&sender)).header("Upload-Concat", format!("final;{list}")))
    };
    // Another transfer's URL does not even parse for this one.
    let res = emu.send(post_final(foreign.clone())).await;
    assert_eq!(res.status, 400);
    assert!(res.text().starts_with("Header Upload-Concat: Header is invalid"));
    // Its id under this transfer's URL: found, complete, but not ours.
    let res = emu.send(post_final(format!("{TUS}/{id}/partial/{foreign_pid}"))).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.text(), format!("Partial upload {foreign_pid} does not belong to file transfer {id}."));
    let res = emu.send(post_final(format!("{TUS}/{id}/partial/{}", "c".repeat(32)))).await;
    assert_eq!(res.status, 400);
    assert!(res.text().starts_with("Could not find some of the files supplied for concatenation"));
}

#[tokio::test]
async fn x_http_method_override_turns_a_post_into_a_patch() {
    let (emu, sender, id) = setup().await;
    let path = format!("{TUS}/{id}");
    assert_eq!(emu.send(create(&id, &sender, 4)).await.status, 201);
    let req = tus("POST", &path, Some(&sender))
        .header("X-HTTP-Method-Override", "PATCH")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", 0)
        .body(Body::from(&b"abcd"[..]))
        .unwrap();
    let res = emu.send(req).await;
    assert_eq!((res.status, res.header("upload-offset")), (204, Some("4")));
}

#[tokio::test]
async fn a_chunk_announced_over_2_gib_is_refused_before_it_is_read() {
    let (emu, sender, id) = setup().await;
    let path = format!("{TUS}/{id}");
    assert_eq!(emu.send(create(&id, &sender, 3_000_000_000)).await.status, 201);
    let req = tus("PATCH", &path, Some(&sender))
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", 0)
        .header("Content-Length", 2_147_483_648u64)
        .body(Body::from(&b"the rest never comes"[..]))
        .unwrap();
    let res = emu.send(req).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.text(), format!("TUS chunk size exceeds maximum supported size for file id {id}."));
}

#[tokio::test]
async fn the_stuck_upload_job_spares_an_upload_with_tus_activity_in_the_last_hour() {
    let (emu, sender, id) = setup().await;
    let path = format!("{TUS}/{id}");
    assert_eq!(emu.send(create(&id, &sender, 100)).await.status, 201);
    emu.advance("PT23H30M").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    assert_eq!(emu.send(patch(&path, &sender, 0, &[1u8; 10])).await.status, 204);
    head_until(&emu, &path, &sender, 10).await;
    // More than 24 h in UploadStarted at the next half-hour run, but active within the hour: left alone.
    emu.advance("PT1H").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "UploadStarted");
    emu.advance("PT2H").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    let o = emu.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Failed");
    assert_eq!(
        o["fileTransferStatusText"],
        "File transfer was stuck in UploadStarted as it failed upload mid-request."
    );
}

#[tokio::test]
async fn termination_drops_the_upload_and_keeps_the_status() {
    let (emu, sender, id) = setup().await;
    let path = format!("{TUS}/{id}");
    assert_eq!(emu.send(create(&id, &sender, 100)).await.status, 201);
    assert_eq!(emu.send(patch(&path, &sender, 0, &[9u8; 40])).await.status, 204);
    let res = emu.send(empty(tus("DELETE", &path, Some(&sender)))).await;
    assert_eq!((res.status, res.header("tus-resumable")), (204, Some("1.0.0")));
    assert_eq!(emu.send(empty(tus("HEAD", &path, Some(&sender)))).await.status, 404);
    assert_eq!(emu.send(patch(&path, &sender, 40, &[9u8; 60])).await.status, 404);
    assert_eq!(emu.overview(&sender, &id).await["fileTransferStatus"], "UploadStarted");
    // A new creation starts over.
    assert_eq!(emu.send(create(&id, &sender, 100)).await.status, 201);
    let head = emu.send(empty(tus("HEAD", &path, Some(&sender)))).await;
    assert_eq!(head.header("upload-offset"), Some("0"));
}

#[tokio::test]
async fn uploads_expire_24_hours_after_their_last_use() {
    let (emu, sender, id) = setup().await;
    let path = format!("{TUS}/{id}");
    assert_eq!(emu.send(create(&id, &sender, 100)).await.status, 201);
    emu.advance("PT23H").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    // Still alive, and the PATCH slides the expiry.
    assert_eq!(emu.send(patch(&path, &sender, 0, &[1u8; 10])).await.status, 204);
    head_until(&emu, &path, &sender, 10).await;
    emu.advance("PT23H").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    assert_eq!(emu.send(empty(tus("HEAD", &path, Some(&sender)))).await.status, 200);
    emu.advance("PT25H").await;
    let sender = emu.token(DIGDIR, WRITE).await;
    let res = emu.send(empty(tus("HEAD", &path, Some(&sender)))).await;
    assert_eq!((res.status, res.body.len()), (404, 0));
}

#[tokio::test]
async fn an_expired_token_is_accepted_only_inside_an_active_upload_session() {
    let (emu, sender, id) = setup().await;
    let path = format!("{TUS}/{id}");
    let short = emu
        .send(get(&format!("/api/GetEnterpriseToken?env=tt02&orgNo={DIGDIR}&scopes={WRITE}&ttl=60"), None))
        .await
        .text();
    // A second short token of the same org that never touched the upload (no session key of its own).
    let never_used = emu
        .send(get(&format!("/api/GetEnterpriseToken?env=tt02&orgNo={DIGDIR}&scopes={WRITE}&ttl=60"), None))
        .await
        .text();
    let stranger_short = emu
        .send(get(&format!("/api/GetEnterpriseToken?env=tt02&orgNo={OTHER_RECIPIENT}&scopes={WRITE}&ttl=60"), None))
        .await
        .text();
    assert_eq!(emu.send(create(&id, &short, 100)).await.status, 201);
    assert_eq!(emu.send(patch(&path, &short, 0, &[1u8; 10])).await.status, 204);
    head_until(&emu, &path, &short, 10).await;
    emu.advance("PT2M").await;
    // Recent activity on the transfer and the sender's org: the other expired token is carried too; another
    // org's is not.
    assert_eq!(emu.send(empty(tus("HEAD", &path, Some(&never_used)))).await.status, 200);
    assert_eq!(emu.send(empty(tus("HEAD", &path, Some(&stranger_short)))).await.status, 401);
    // Expired, but the session carries it for PATCH, HEAD, POST and DELETE.
    let res = emu.send(get(&format!("/broker/api/v1/filetransfer/{id}"), Some(&short))).await;
    assert_eq!(res.status, 401, "the token itself is expired");
    let res = emu.send(patch(&path, &short, 10, &[1u8; 10])).await;
    assert_eq!(res.status, 204, "{}", res.text());
    head_until(&emu, &path, &short, 20).await;
    // Without an active session (another transfer, no activity) the same token is refused.
    let other = emu.initialize(&sender_token(&emu).await, init_body(RESOURCE, &[RECIPIENT])).await;
    let res = emu.send(empty(tus("HEAD", &format!("{TUS}/{other}"), Some(&short)))).await;
    assert_eq!(res.status, 401);
    assert!(res.header("www-authenticate").unwrap().contains("expired"));
    // A day later the session and the activity have lapsed.
    emu.advance("PT25H").await;
    let res = emu.send(empty(tus("HEAD", &path, Some(&short)))).await;
    assert_eq!(res.status, 401);
    drop(sender);
}

async fn sender_token(emu: &Broker) -> String {
    emu.token(DIGDIR, WRITE).await
}

#[tokio::test]
async fn the_transfer_may_hold_at_most_50000_chunks_over_all_partials() {
    let (emu, sender, id) = setup().await;
    let mut locations = Vec::new();
    for _ in 0..2 {
        let res = emu
            .send(empty(
                tus("POST", &format!("{TUS}/{id}"), Some(&sender))
                    .header("Upload-Length", 10)
                    .header("Upload-Concat", "partial"),
            ))
            .await;
        locations.push(res.header("location").unwrap().to_owned());
    }
    let first = locations[0].rsplit('/').next().unwrap().to_owned();
    emu.state()
        .store
        .conn()
        .unwrap()
        .execute("UPDATE tus_upload SET chunks = 49999 WHERE upload_id = ?1", [&first])
        .unwrap();
    // The 50,000th chunk (on the other partial) is fine, the next one is not.
    assert_eq!(emu.send(patch(&locations[1], &sender, 0, b"12345")).await.status, 204);
    head_until(&emu, &locations[1], &sender, 5).await;
    let res = emu.send(patch(&locations[1], &sender, 5, b"67890")).await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.text(),
        format!(
            "Upload exceeds maximum block count (50000) for file id {}. Increase TUS chunk size to at least 1 bytes.",
            locations[1].rsplit('/').next().unwrap()
        )
    );
}

#[tokio::test]
async fn a_deferred_md5_mismatch_fails_the_transfer_with_uploadfailed() {
    let emu = Broker::in_process_with(Options::cors(&["*"]));
    let sender = emu.token(DIGDIR, WRITE).await;
    let mut body = init_body(RESOURCE, &[RECIPIENT]);
    body["checksum"] = md5_hex(b"something else").into();
    let id = emu.initialize(&sender, body).await;
    assert_eq!(emu.send(create(&id, &sender, 5)).await.status, 201);
    assert_eq!(emu.send(patch(&format!("{TUS}/{id}"), &sender, 0, b"hello")).await.status, 204);
    emu.run_jobs().await;
    let o = emu.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Failed");
    assert_eq!(o["fileTransferStatusText"], "Checksum mismatch");
    assert_eq!(event_types(&emu.events().await, &id), ["filetransferinitialized", "uploadprocessing", "uploadfailed"]);
    assert!(!emu.state().store.blobs().exists(altinn_broker_core::FileTransferId::parse(&id).unwrap()));
}
