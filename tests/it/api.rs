//! Every operation and every error path the API can reach, against a real emulator process.
use crate::support::*;
use altinn_broker_client::{allowed_actions, timeline, validate_initialize};
use altinn_broker_core::paths;
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

async fn published(file: &str, size: u32) -> String {
    let r = ok(sender().send(generated_bytes(size).into(), meta(file), obj(json!({ "timeoutMs": 20000 })))).await;
    get(&r, "fileTransferId")
}

#[wasm_bindgen_test]
async fn send_search_download_verify_confirm_timeline() {
    let s = sender();
    let r = ok(s.send(generated_bytes(100_000).into(), meta("flow.bin"), obj(json!({ "timeoutMs": 20000 })))).await;
    let id: String = get(&r, "fileTransferId");
    let overview = field(&r, "overview");
    assert_eq!(get::<String>(&overview, "fileTransferStatus"), "Published");
    assert_eq!(get::<f64>(&r, "size"), 100_000.0);
    let checksum: String = get(&r, "checksum");
    assert_eq!(get::<String>(&overview, "checksum"), checksum);

    let rc = recipient();
    let found: Vec<String> = serde_wasm_bindgen::from_value(
        ok(rc.search(json(json!({ "resourceId": RESOURCE, "status": "Published" })), none())).await,
    )
    .unwrap();
    assert!(found.contains(&id));

    let o = ok(rc.overview(JsValue::from(id.clone()), none())).await;
    let acts = allowed_actions(o.clone(), format!("0192:{RECIPIENT}").into()).unwrap();
    assert!(get::<bool>(&acts, "download") && !get::<bool>(&acts, "confirm") && !get::<bool>(&acts, "upload"));

    let d = ok(rc.download(JsValue::from(id.clone()), obj(json!({ "verify": true })))).await;
    assert_eq!(get::<f64>(&d, "size"), 100_000.0);
    assert_eq!(get::<String>(&d, "fileName"), "flow.bin");
    assert_eq!(get::<String>(&d, "checksum"), checksum);
    let read = read_all(&field(&d, "stream"), 0.0).await.unwrap();
    assert_eq!(read.length, 100_000.0);
    assert!(read.ok);

    let o = ok(rc.overview(JsValue::from(id.clone()), none())).await;
    assert!(get::<bool>(&allowed_actions(o, RECIPIENT.into()).unwrap(), "confirm"));
    ok(rc.confirm_download(JsValue::from(id.clone()), none())).await;
    let o = ok(rc.overview(JsValue::from(id.clone()), none())).await;
    assert_eq!(get::<String>(&o, "fileTransferStatus"), "AllConfirmedDownloaded");

    let t = ok(s.timeline(JsValue::from(id.clone()), none())).await;
    let entries: Vec<serde_json::Value> = serde_wasm_bindgen::from_value(t.clone()).unwrap();
    let statuses: Vec<&str> = entries.iter().map(|e| e["status"].as_str().unwrap()).collect();
    let pos = |s: &str| statuses.iter().position(|x| *x == s).unwrap_or_else(|| panic!("{s} missing in {statuses:?}"));
    assert!(pos("Initialized") < pos("UploadStarted"));
    assert!(pos("UploadStarted") < pos("Published"));
    assert!(pos("Published") < pos("DownloadStarted"));
    assert!(pos("DownloadConfirmed") < pos("AllConfirmedDownloaded"));
    let times: Vec<&str> = entries.iter().map(|e| e["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by_key(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap());
    assert_eq!(times, sorted);
    // The free function orders details the same way.
    let details = ok(s.details(JsValue::from(id), none())).await;
    assert_eq!(js_sys::JSON::stringify(&timeline(details).unwrap()).unwrap(), js_sys::JSON::stringify(&t).unwrap());
}

#[wasm_bindgen_test]
async fn step_by_step_with_blob_and_urn_sender() {
    let s = sender();
    let m = meta("blob.txt");
    js_sys::Reflect::set(&m, &"sender".into(), &format!("urn:altinn:organization:identifier-no:{DIGDIR}").into())
        .unwrap();
    let id = ok(s.initialize(m, none())).await.as_string().unwrap();
    let o = ok(s.overview(JsValue::from(id.clone()), none())).await;
    assert_eq!(get::<String>(&o, "sender"), format!("0192:{DIGDIR}"), "the client sends the 0192: form");
    assert_eq!(get::<String>(&o, "fileTransferStatus"), "Initialized");
    assert!(get::<bool>(&allowed_actions(o, DIGDIR.into()).unwrap(), "upload"));
    let up = ok(s.upload(JsValue::from(id.clone()), generated_blob(5000).into(), none())).await;
    assert_eq!(get::<f64>(&up, "size"), 5000.0);
    let o = ok(s.wait_for(JsValue::from(id.clone()), "Published".into(), obj(json!({ "timeoutMs": 20000 })))).await;
    assert_eq!(get::<f64>(&o, "fileTransferSize"), 5000.0);
    // The sender finds its transfer by search (it would not have with a URN-form sender).
    let found: Vec<String> = serde_wasm_bindgen::from_value(
        ok(s.search(json(json!({ "resourceId": RESOURCE, "role": "Sender" })), none())).await,
    )
    .unwrap();
    assert!(found.contains(&id));
    // A second upload is refused by the service.
    let e = fails(s.upload(JsValue::from(id), generated_bytes(10).into(), none())).await;
    assert_eq!((e.name.as_deref(), e.status, e.code.as_deref()), (Some("BrokerError"), Some(409), Some("BRO-00004")));
}

#[wasm_bindgen_test]
async fn zero_byte_file() {
    let id = published("empty.txt", 0).await;
    let rc = recipient();
    let d = ok(rc.download(JsValue::from(id.clone()), obj(json!({ "verify": true })))).await;
    assert_eq!(get::<f64>(&d, "size"), 0.0);
    let read = read_all(&field(&d, "stream"), 0.0).await.unwrap();
    assert_eq!(read.length, 0.0);
    let o = ok(rc.overview(JsValue::from(id.clone()), none())).await;
    assert_eq!(get::<String>(&o, "checksum"), "d41d8cd98f00b204e9800998ecf8427e");
    // Any range of an empty file is unsatisfiable.
    let e = fails(rc.download(JsValue::from(id), obj(json!({ "range": { "start": 0 } })))).await;
    assert_eq!((e.status, e.code.as_deref()), (Some(416), Some("BRO-00029")));
}

#[wasm_bindgen_test]
async fn stream_upload_hashes_while_sending() {
    let g = generated_stream(3_000_000.0, 65_536);
    let sent =
        sender().send(stream_of(&g).into(), meta("stream.bin"), obj(json!({ "size": 3_000_000, "timeoutMs": 20000 })));
    if !stream_bodies_supported() {
        let e = fails(sent).await;
        assert_eq!(e.name.as_deref(), Some("UnsupportedError"), "{e:?}");
        assert_eq!(stream_pulled(&g), 0.0, "the stream was not read, let alone buffered");
        return;
    }
    let r = ok(sent).await;
    let overview = field(&r, "overview");
    let checksum: String = get(&r, "checksum");
    assert_eq!(checksum.len(), 32);
    assert_eq!(get::<String>(&overview, "checksum"), checksum, "the service recorded the same MD5");
    assert_eq!(get::<f64>(&overview, "fileTransferSize"), 3_000_000.0);
}

#[wasm_bindgen_test]
async fn ranges_and_resumed_download() {
    let id = published("range.bin", 300_000).await;
    let rc = recipient();
    let d = ok(rc.download(JsValue::from(id.clone()), obj(json!({ "range": { "start": 10, "end": 19 } })))).await;
    assert_eq!(get::<u16>(&d, "status"), 206);
    assert_eq!(get::<f64>(&d, "size"), 10.0);
    let range = field(&d, "range");
    assert_eq!(
        (get::<f64>(&range, "start"), get::<f64>(&range, "end"), get::<f64>(&range, "total")),
        (10.0, 19.0, 300_000.0)
    );
    let read = read_all(&field(&d, "stream"), 10.0).await.unwrap();
    assert!(read.ok && read.length == 10.0);

    let d = ok(rc.download(JsValue::from(id.clone()), obj(json!({ "range": { "suffix": 5 } })))).await;
    let read = read_all(&field(&d, "stream"), 299_995.0).await.unwrap();
    assert!(read.ok && read.length == 5.0);

    // The service cuts the body after 100 000 bytes; the client continues from there.
    let path = paths::fill(paths::DOWNLOAD, &[&id]);
    hook("POST", "/emulator/api/faults", Some(json!({ "method": "GET", "path": path, "dropAfterBytes": 100_000 })))
        .await;
    let d = ok(rc.download(JsValue::from(id.clone()), obj(json!({ "verify": true })))).await;
    let read = read_all(&field(&d, "stream"), 0.0).await.unwrap();
    assert!(read.ok, "resumed bytes are the right ones");
    assert_eq!(read.length, 300_000.0);

    // Without resuming the cut surfaces as a network error from the stream.
    hook("POST", "/emulator/api/faults", Some(json!({ "method": "GET", "path": path, "dropAfterBytes": 100_000 })))
        .await;
    let d = ok(rc.download(JsValue::from(id), obj(json!({ "resume": false })))).await;
    let e = err_info(&read_all(&field(&d, "stream"), 0.0).await.expect_err("the cut must fail the stream"));
    assert_eq!(e.name.as_deref(), Some("NetworkError"));
}

#[wasm_bindgen_test]
async fn abort_mid_upload_and_mid_download() {
    let s = sender();
    let id = ok(s.initialize(meta("abort.bin"), none())).await.as_string().unwrap();
    let g = generated_stream(512.0 * 1024.0 * 1024.0, 1 << 16);
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"signal".into(), &abort_after(100)).unwrap();
    let e = fails(s.upload(JsValue::from(id), stream_of(&g).into(), Some(opts))).await;
    if stream_bodies_supported() {
        assert_eq!(e.name.as_deref(), Some("AbortError"));
        sleep(50).await;
        assert!(stream_cancelled(&g), "the source stream is cancelled");
        assert!(stream_pulled(&g) < 512.0 * 1024.0 * 1024.0);
    } else {
        // Refused before the abort could fire, without reading the stream.
        assert_eq!(e.name.as_deref(), Some("UnsupportedError"), "{e:?}");
        assert_eq!(stream_pulled(&g), 0.0);
    }

    let id = published("abort-down.bin", 2_000_000).await;
    let c = web_sys::AbortController::new().unwrap();
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"signal".into(), &c.signal()).unwrap();
    let d = ok(recipient().download(JsValue::from(id), Some(opts))).await;
    let reader = call(read_some(&field(&d, "stream"), 1.0)).await.unwrap();
    c.abort();
    let e = err_info(&call(read_rest(&reader)).await.expect_err("reading on after abort must fail"));
    assert_eq!(e.name.as_deref(), Some("AbortError"));
}

#[wasm_bindgen_test]
async fn token_is_refreshed_once_after_401() {
    let (c, tokens) = client_with(DIGDIR, WRITE, json!({}));
    let id = ok(c.initialize(meta("token.txt"), none())).await.as_string().unwrap();
    assert_eq!(token_calls(&tokens), 1);
    poison_tokens(&tokens, 1);
    ok(c.overview(JsValue::from(id.clone()), none())).await;
    assert_eq!((token_calls(&tokens), token_refreshes(&tokens)), (3, 1));
    poison_tokens(&tokens, 2);
    let e = fails(c.overview(JsValue::from(id), none())).await;
    assert_eq!((e.name.as_deref(), e.status), (Some("BrokerError"), Some(401)));
    assert_eq!((token_calls(&tokens), token_refreshes(&tokens)), (5, 2), "one refresh, then the 401 stands");
}

#[wasm_bindgen_test]
async fn retries_honour_retry_after_and_never_repeat_initialize() {
    let s = sender();
    let id = ok(s.initialize(meta("retry.txt"), none())).await.as_string().unwrap();
    let path = paths::fill(paths::OVERVIEW, &[&id]);
    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "GET", "path": path, "count": 1, "status": 429, "retryAfter": 1 })),
    )
    .await;
    hook("POST", "/emulator/api/faults", Some(json!({ "method": "GET", "path": path, "count": 1, "status": 503 })))
        .await;
    let t0 = js_sys::Date::now();
    ok(s.overview(JsValue::from(id), none())).await;
    assert!(js_sys::Date::now() - t0 >= 950.0, "Retry-After: 1 was honoured");

    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "POST", "path": paths::FILE_TRANSFER, "count": 1, "status": 503 })),
    )
    .await;
    let e = fails(s.initialize(meta("never-twice.txt"), none())).await;
    assert_eq!(e.status, Some(503), "initialize is not retried");
    // The fault was used up by that single attempt, so the next initialize goes through.
    ok(s.initialize(meta("after.txt"), none())).await;

    // A retried request that keeps failing gives up after the configured retries.
    let (c, _) = client_with(DIGDIR, WRITE, json!({ "retry": { "retries": 1, "baseDelayMs": 1 } }));
    let id = ok(c.initialize(meta("retry2.txt"), none())).await.as_string().unwrap();
    let path = paths::fill(paths::OVERVIEW, &[&id]);
    hook("POST", "/emulator/api/faults", Some(json!({ "method": "GET", "path": path, "count": 2, "status": 503 })))
        .await;
    assert_eq!(fails(c.overview(JsValue::from(id.clone()), none())).await.status, Some(503));
    ok(c.overview(JsValue::from(id), none())).await;
}

#[wasm_bindgen_test]
async fn stall_timeout_and_deadline() {
    let (c, _) = client_with(DIGDIR, WRITE, json!({ "stallTimeoutMs": 300, "retry": false }));
    let id = ok(c.initialize(meta("stall.txt"), none())).await.as_string().unwrap();
    let path = paths::fill(paths::OVERVIEW, &[&id]);
    hook("POST", "/emulator/api/faults", Some(json!({ "method": "GET", "path": path, "delayMs": 1500 }))).await;
    let e = fails(c.overview(JsValue::from(id.clone()), none())).await;
    assert_eq!((e.name.as_deref(), e.kind.as_deref()), (Some("TimeoutError"), Some("stall")));
    hook("POST", "/emulator/api/faults", Some(json!({ "method": "GET", "path": path, "delayMs": 1500 }))).await;
    let (c, _) = client_with(DIGDIR, WRITE, json!({ "retry": false }));
    let e = fails(c.overview(JsValue::from(id.clone()), obj(json!({ "deadlineMs": 200 })))).await;
    assert_eq!((e.name.as_deref(), e.kind.as_deref()), (Some("TimeoutError"), Some("deadline")));
}

#[wasm_bindgen_test]
async fn multipart_initialize_and_upload() {
    let s = sender();
    let id =
        ok(s.initialize_and_upload(generated_bytes(1234).into(), meta("multi.bin"), none())).await.as_string().unwrap();
    let o = ok(s.wait_for(JsValue::from(id), "Published".into(), obj(json!({ "timeoutMs": 20000 })))).await;
    assert_eq!(get::<f64>(&o, "fileTransferSize"), 1234.0);
    assert_eq!(get::<String>(&o, "fileName"), "multi.bin");
}

#[wasm_bindgen_test]
async fn search_all_pages_past_the_cap() {
    let s = sender();
    let start = ok(s.initialize(meta("page-0.txt"), none())).await.as_string().unwrap();
    let from: String = get(&ok(s.overview(JsValue::from(start.clone()), none())).await, "created");
    let mut ids = vec![start];
    for i in 1..105 {
        ids.push(ok(s.initialize(meta(&format!("page-{i}.txt")), none())).await.as_string().unwrap());
    }
    // `from` is exclusive on its own; step back a microsecond.
    let from = time::OffsetDateTime::parse(&from, &time::format_description::well_known::Rfc3339).unwrap()
        - time::Duration::microseconds(1);
    let q = json(json!({ "resourceId": RESOURCE, "role": "Sender",
        "from": from.format(&time::format_description::well_known::Rfc3339).unwrap() }));
    let one: Vec<String> = serde_wasm_bindgen::from_value(ok(s.search(q.clone(), none())).await).unwrap();
    assert_eq!(one.len(), 100, "the service caps a page");
    let all: Vec<String> = serde_wasm_bindgen::from_value(ok(s.search_all(q.clone(), none())).await).unwrap();
    for id in &ids {
        assert!(all.contains(id), "{id} missing");
    }
    let mut dedup = all.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), all.len(), "no id twice");
    let capped: Vec<String> =
        serde_wasm_bindgen::from_value(ok(s.search_all(q, obj(json!({ "max": 7 })))).await).unwrap();
    assert_eq!(capped.len(), 7);
}

#[wasm_bindgen_test]
async fn broker_errors_are_typed() {
    let s = sender();
    let e = fails(s.overview("8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab".into(), none())).await;
    assert!(e.is_error);
    assert_eq!((e.name.as_deref(), e.status, e.code.as_deref()), (Some("BrokerError"), Some(404), Some("BRO-00001")));
    assert_eq!(e.detail.as_deref(), Some("The requested file transfer was not found"));
    assert_eq!(e.local, Some(false));

    // A malformed id never leaves the client.
    let e = fails(s.overview("not-a-guid".into(), none())).await;
    assert_eq!((e.status, e.local), (Some(400), Some(true)));

    let id = published("errors.txt", 10).await;
    // Download needs the recipient scope: 403 with an empty body.
    let e = fails(s.download(JsValue::from(id.clone()), none())).await;
    assert_eq!((e.name.as_deref(), e.status, e.code), (Some("BrokerError"), Some(403), None));
    // Confirm before any download.
    let e = fails(recipient().confirm_download(JsValue::from(id.clone()), none())).await;
    assert_eq!((e.status, e.code.as_deref()), (Some(400), Some("BRO-00019")));
    // An organisation that is neither sender nor recipient.
    let e = fails(client(OTHER_RECIPIENT, READ).overview(JsValue::from(id.clone()), none())).await;
    assert_eq!((e.status, e.code.as_deref()), (Some(401), Some("BRO-00006")));
    // Network errors are their own class.
    let (c, _) = client_with(DIGDIR, WRITE, json!({ "baseUrl": "http://127.0.0.1:9", "retry": false }));
    let e = fails(c.overview(JsValue::from(id), none())).await;
    assert_eq!(e.name.as_deref(), Some("NetworkError"));
}

#[wasm_bindgen_test]
async fn validation_agrees_with_the_server() {
    let good = json!({
        "fileName": "v.txt", "resourceId": RESOURCE, "sendersFileTransferReference": "v",
        "sender": format!("0192:{DIGDIR}"), "recipients": [format!("0192:{RECIPIENT}")]
    });
    let with = |k: &str, v: serde_json::Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let table = vec![
        with("sender", json!("991825827")),
        with("sender", json!("")),
        with("recipients", json!([])),
        with("recipients", json!(["0192:1"])),
        with("fileName", json!("")),
        with("fileName", json!("x".repeat(256))),
        with("resourceId", json!("a:b")),
        with("sendersFileTransferReference", json!("")),
        with("checksum", json!("abc")),
        with("checksum", json!("A".repeat(32))),
        with("propertyList", json!((0..11).map(|i| (i.to_string(), json!("v"))).collect::<serde_json::Map<_, _>>())),
        with("propertyList", json!({ "k".repeat(51): "v" })),
        with("propertyList", json!({ "k": "v".repeat(3001) })),
    ];
    let (c, tokens) = client_with(DIGDIR, WRITE, json!({}));
    for body in table {
        let local = validate_initialize(json(body.clone())).unwrap();
        assert!(!local.is_null(), "the client accepts {body}");
        let e = fails(c.initialize(json(body.clone()), none())).await;
        assert_eq!((e.status, e.local), (Some(400), Some(true)), "{body}");
        let (status, server) = raw_initialize(DIGDIR, body.clone()).await;
        assert_eq!(status, 400, "the server accepts {body}");
        let theirs: std::collections::BTreeMap<String, Vec<String>> = get(&server, "errors");
        assert_eq!(e.errors.clone().unwrap(), theirs, "{body}");
    }
    assert_eq!(token_calls(&tokens), 0, "nothing was sent");
    assert!(validate_initialize(json(good)).unwrap().is_null());
}

#[wasm_bindgen_test]
async fn resources_service_owner_and_statistics() {
    let o = owner();
    let r = ok(o.get_resource(RESOURCE.into(), none())).await;
    assert!(!field(&r, "purgeFileTransferAfterAllRecipientsConfirmed").is_undefined());
    ok(o.configure_resource(RESOURCE.into(), json(json!({ "fileTransferTimeToLive": "P2D" })), none())).await;
    let r = ok(o.get_resource(RESOURCE.into(), none())).await;
    assert_eq!(get::<String>(&r, "fileTransferTimeToLive"), "2.00:00:00");
    ok(o.configure_resource(RESOURCE.into(), json(json!({ "fileTransferTimeToLive": "P30D" })), none())).await;
    let e =
        fails(o.configure_resource(RESOURCE.into(), json(json!({ "purgeFileTransferGracePeriod": "PT25H" })), none()))
            .await;
    assert_eq!((e.status, e.code.as_deref(), e.local), (Some(400), Some("BRO-00018"), Some(true)));

    let so = ok(o.get_service_owner(none())).await;
    assert!(!get::<String>(&so, "name").is_empty());
    let e = fails(o.register_service_owner("Again".into(), none())).await;
    assert_eq!((e.status, e.code.as_deref()), (Some(409), Some("BRO-07002")));

    let now = js_sys::Date::new_0();
    let csv = ok(o.monthly_statistics(
        json(json!({ "year": now.get_utc_full_year(), "month": now.get_utc_month() + 1 })),
        none(),
    ))
    .await
    .as_string()
    .unwrap();
    assert!(csv.starts_with("year,month,resourceId"), "{csv}");
    let e = fails(o.monthly_statistics(json(json!({ "year": 2026, "month": 13 })), none())).await;
    assert_eq!((e.code.as_deref(), e.local), (Some("BRO-06003"), Some(true)));
}

/// Without a `token` (a page behind a same-origin proxy that adds it server-side) no Authorization header is sent,
/// and the service's 401 is the caller's answer at once: there is no callback to ask for a fresh token.
#[wasm_bindgen_test]
async fn without_a_token_no_authorization_is_sent_and_a_401_is_a_broker_error() {
    let rec = recording_fetch();
    let opts = json(json!({ "baseUrl": url(), "retry": false }));
    js_sys::Reflect::set(&opts, &"fetch".into(), &recording_fetch_fn(&rec)).unwrap();
    let c = altinn_broker_client::BrokerClient::new(opts).unwrap();
    let e = fails(c.overview("8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab".into(), none())).await;
    assert_eq!((e.name.as_deref(), e.status), (Some("BrokerError"), Some(401)));
    assert_eq!(recorded_authorizations(&rec), "[null]", "one request, without Authorization");

    // The same client shape with a token sends it (so the recording above can tell the two apart).
    let rec = recording_fetch();
    let opts = json(json!({ "baseUrl": url(), "retry": false }));
    js_sys::Reflect::set(&opts, &"fetch".into(), &recording_fetch_fn(&rec)).unwrap();
    js_sys::Reflect::set(&opts, &"token".into(), &token_fn(&constant_tokens("abc"))).unwrap();
    let c = altinn_broker_client::BrokerClient::new(opts).unwrap();
    let e = fails(c.overview("8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab".into(), none())).await;
    assert_eq!(e.status, Some(401));
    assert_eq!(recorded_authorizations(&rec), r#"["Bearer abc","Bearer abc"]"#, "the 401 asked for a refresh once");
}
