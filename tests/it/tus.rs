//! Resumable (tus) uploads against a real emulator process: single and parallel uploads byte-exact, dropped
//! connections, stalled answers, 429s, expiring tokens, pause/resume with a resume store, termination and stream
//! sources.
use crate::support::*;
use altinn_broker_client::{md5_hex, memory_resume_store, BrokerClient, TusUpload};
use altinn_broker_core::paths;
use js_sys::{Promise, Reflect};
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen(module = "/tests/it/tus_support.js")]
extern "C" {
    type CachingTokens;
    #[wasm_bindgen(js_name = cachingTokens)]
    fn caching_tokens(base_url: &str, org: &str, scopes: &str, ttl: u32) -> CachingTokens;
    #[wasm_bindgen(js_name = cachingFn)]
    fn caching_fn(s: &CachingTokens) -> js_sys::Function;
    #[wasm_bindgen(js_name = cachingCalls)]
    fn caching_calls(s: &CachingTokens) -> u32;
    #[wasm_bindgen(js_name = cachingIssued)]
    fn caching_issued(s: &CachingTokens) -> u32;
    type Recorder;
    #[wasm_bindgen(js_name = progressRecorder)]
    fn progress_recorder() -> Recorder;
    #[wasm_bindgen(js_name = recorderFn)]
    fn recorder_fn(r: &Recorder) -> js_sys::Function;
    #[wasm_bindgen(js_name = recorderEvents)]
    fn recorder_events(r: &Recorder) -> JsValue;
    fn now() -> f64;
    #[wasm_bindgen(js_name = rawHead)]
    fn raw_head(base_url: &str, token: &str, path: &str) -> Promise;
}

const MIB: u32 = 1024 * 1024;

async fn new_transfer(s: &BrokerClient, name: &str) -> String {
    ok(s.initialize(meta(name), none())).await.as_string().unwrap()
}

/// Waits for `Published`, downloads as the recipient and checks every byte against the generated source.
async fn published_and_exact(id: &str, size: u32) {
    ok(sender().wait_for(id.into(), "Published".into(), obj(json!({ "timeoutMs": 30000 })))).await;
    let d = ok(recipient().download(id.into(), none())).await;
    let read = read_all(&field(&d, "stream"), 0.0).await.unwrap();
    assert_eq!(read.length, f64::from(size));
    assert!(read.ok, "the downloaded bytes differ from the source");
}

fn opts(v: serde_json::Value) -> Option<js_sys::Object> {
    obj(v)
}

fn with(o: Option<js_sys::Object>, key: &str, v: &JsValue) -> Option<js_sys::Object> {
    let o = o.unwrap();
    Reflect::set(&o, &key.into(), v).unwrap();
    Some(o)
}

async fn done(upload: &TusUpload) -> JsValue {
    ok(upload.done()).await
}

#[wasm_bindgen_test]
async fn single_upload_reports_acknowledged_progress_and_is_byte_exact() {
    let s = sender();
    let id = new_transfer(&s, "tus-single.bin").await;
    let size = 3 * MIB + 123;
    let rec = progress_recorder();
    let o = with(opts(json!({ "chunkSize": 512 * 1024, "resumeStore": false })), "onProgress", &recorder_fn(&rec));
    let up = s.start_upload(JsValue::from(id.clone()), generated_blob(size).into(), o).unwrap();
    assert_eq!(up.file_transfer_id(), id);
    let r = done(&up).await;
    assert_eq!(get::<f64>(&r, "size"), f64::from(size));
    assert_eq!(get::<f64>(&r, "parts"), 1.0);
    let events: Vec<serde_json::Value> = serde_wasm_bindgen::from_value(recorder_events(&rec)).unwrap();
    let loaded: Vec<f64> = events.iter().map(|e| e["loaded"].as_f64().unwrap()).collect();
    assert!(loaded.windows(2).all(|w| w[0] < w[1]), "progress only grows here: {loaded:?}");
    // Every value is a chunk boundary the service acknowledged.
    assert!(loaded.iter().all(|l| *l as u32 % (512 * 1024) == 0 || *l as u32 == size), "{loaded:?}");
    assert_eq!(loaded.last().copied(), Some(f64::from(size)));
    assert_eq!(get::<f64>(&up.progress(), "loaded"), f64::from(size));
    published_and_exact(&id, size).await;
}

#[wasm_bindgen_test]
async fn parallel_upload_with_four_partials_is_byte_exact() {
    let s = sender();
    let id = new_transfer(&s, "tus-parallel.bin").await;
    let size = 5 * MIB + 7;
    let up = s
        .start_upload(
            JsValue::from(id.clone()),
            generated_blob(size).into(),
            opts(json!({ "chunkSize": 256 * 1024, "parallel": 4, "resumeStore": false })),
        )
        .unwrap();
    let r = done(&up).await;
    assert_eq!(get::<f64>(&r, "parts"), 4.0);
    published_and_exact(&id, size).await;
}

#[wasm_bindgen_test]
async fn connections_dropped_mid_chunk_are_resumed_from_head() {
    let s = sender();
    let id = new_transfer(&s, "tus-drop.bin").await;
    let size = 2 * MIB;
    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "PATCH", "path": format!("**/tus/{id}"), "count": 2, "dropAfterBytes": 100_000 })),
    )
    .await;
    let up = s
        .start_upload(
            JsValue::from(id.clone()),
            generated_blob(size).into(),
            opts(json!({ "chunkSize": 512 * 1024, "resumeStore": false })),
        )
        .unwrap();
    done(&up).await;
    published_and_exact(&id, size).await;
}

#[wasm_bindgen_test]
async fn a_stalled_answer_trips_the_idle_timer_and_is_retried() {
    let s = sender();
    let id = new_transfer(&s, "tus-stall.bin").await;
    let size = MIB;
    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "PATCH", "path": format!("**/tus/{id}"), "count": 1, "delayMs": 4000 })),
    )
    .await;
    let up = s
        .start_upload(
            JsValue::from(id.clone()),
            generated_blob(size).into(),
            opts(json!({ "chunkSize": 256 * 1024, "stallTimeoutMs": 1000, "resumeStore": false })),
        )
        .unwrap();
    done(&up).await;
    published_and_exact(&id, size).await;
}

#[wasm_bindgen_test]
async fn the_idle_timer_gives_up_when_nothing_moves() {
    let s = sender();
    let id = new_transfer(&s, "tus-stuck.bin").await;
    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "PATCH", "path": format!("**/tus/{id}"), "count": 3, "delayMs": 2000 })),
    )
    .await;
    let up = s
        .start_upload(
            JsValue::from(id.clone()),
            generated_blob(MIB).into(),
            opts(json!({ "chunkSize": 256 * 1024, "stallTimeoutMs": 200, "retries": 1, "resumeStore": false })),
        )
        .unwrap();
    let e = fails(up.done()).await;
    assert_eq!((e.name.as_deref(), e.kind.as_deref()), (Some("TimeoutError"), Some("stall")), "{e:?}");
    hook("DELETE", "/emulator/api/faults", None).await;
}

#[wasm_bindgen_test]
async fn injected_429s_pause_every_partial_for_retry_after() {
    let s = sender();
    let id = new_transfer(&s, "tus-429.bin").await;
    let size = 2 * MIB;
    hook("POST", "/emulator/api/faults", Some(json!({ "method": "PATCH", "path": format!("**/tus/{id}/partial/*"), "count": 2, "status": 429, "retryAfter": 1 }))).await;
    let started = now();
    let up = s
        .start_upload(
            JsValue::from(id.clone()),
            generated_blob(size).into(),
            opts(json!({ "chunkSize": 256 * 1024, "parallel": 2, "resumeStore": false })),
        )
        .unwrap();
    done(&up).await;
    assert!(now() - started >= 950.0, "the service's Retry-After of 1 s was honoured");
    published_and_exact(&id, size).await;
}

#[wasm_bindgen_test]
async fn a_token_that_expires_mid_upload_is_asked_for_again() {
    // The caller caches a 1-second token; slow chunks make it expire mid-upload. The service tolerates an expired
    // token inside an active upload session, and the client asks the callback before every chunk.
    let tokens = caching_tokens(url(), DIGDIR, WRITE, 1);
    let o = json(json!({ "baseUrl": url(), "retry": { "baseDelayMs": 20 } }));
    Reflect::set(&o, &"token".into(), &caching_fn(&tokens)).unwrap();
    let s = BrokerClient::new(o).unwrap();
    let id = new_transfer(&s, "tus-token.bin").await;
    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "PATCH", "path": format!("**/tus/{id}"), "count": 3, "delayMs": 700 })),
    )
    .await;
    let calls_before = caching_calls(&tokens);
    let size = MIB;
    let up = s
        .start_upload(
            JsValue::from(id.clone()),
            generated_blob(size).into(),
            opts(json!({ "chunkSize": 256 * 1024, "resumeStore": false })),
        )
        .unwrap();
    done(&up).await;
    let asked = caching_calls(&tokens) - calls_before;
    // One creation and four chunks at least, each with a fresh call to the callback.
    assert!(asked >= 5, "the token callback was asked {asked} times");
    assert!(caching_issued(&tokens) >= 1);
    published_and_exact(&id, size).await;
}

#[wasm_bindgen_test]
async fn a_refused_token_is_refreshed_once() {
    let (s, tokens) = client_with(DIGDIR, WRITE, json!({}));
    let id = new_transfer(&s, "tus-401.bin").await;
    poison_tokens(&tokens, 1);
    let up = s
        .start_upload(JsValue::from(id.clone()), generated_blob(300_000).into(), opts(json!({ "resumeStore": false })))
        .unwrap();
    done(&up).await;
    assert!(token_refreshes(&tokens) >= 1);
    published_and_exact(&id, 300_000).await;
}

#[wasm_bindgen_test]
async fn pause_find_and_resume_with_a_store() {
    let s = sender();
    let store = memory_resume_store();
    let id = new_transfer(&s, "tus-pause.bin").await;
    let size = 4 * MIB;
    let blob = generated_blob(size);
    // Slow chunks, so the pause lands mid-upload.
    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "PATCH", "path": format!("**/tus/{id}"), "count": 4, "delayMs": 150 })),
    )
    .await;
    let o = with(opts(json!({ "chunkSize": 512 * 1024 })), "resumeStore", &store);
    let up = s.start_upload(JsValue::from(id.clone()), blob.clone().into(), o).unwrap();
    while get::<f64>(&up.progress(), "loaded") < 512.0 * 1024.0 {
        sleep(5).await;
    }
    ok(up.pause()).await;
    let e = fails(up.done()).await;
    assert_eq!(e.name.as_deref(), Some("AbortError"), "{e:?}");
    let loaded: f64 = get(&up.progress(), "loaded");
    assert!(loaded > 0.0 && loaded < f64::from(size), "paused mid-upload at {loaded}");

    let find_opts = with(opts(json!({})), "store", &store);
    let found = ok(s.find_resumable_uploads(blob.clone().into(), find_opts.clone())).await;
    let records: Vec<serde_json::Value> = serde_wasm_bindgen::from_value(found.clone()).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["fileTransferId"], id);
    assert!(!records[0].to_string().contains("tus-pause.bin"), "no file name in the record");
    // A different file does not match.
    let other = ok(s.find_resumable_uploads(generated_blob(size - 1).into(), find_opts.clone())).await;
    assert_eq!(js_sys::Array::from(&other).length(), 0);

    // The record refuses another file of the same size.
    let changed = generated_bytes(size);
    changed.set_index(0, changed.get_index(0) ^ 0xff);
    let record = js_sys::Array::from(&found).get(0);
    let e = fails(s.resume(record, changed.into(), with(opts(json!({})), "resumeStore", &store))).await;
    assert_eq!(e.name.as_deref(), Some("ClientError"), "{e:?}");

    let rec = progress_recorder();
    let o = with(with(opts(json!({})), "resumeStore", &store), "onProgress", &recorder_fn(&rec));
    let resumed = ok(s.resume(id.clone().into(), blob.clone().into(), o)).await;
    let done_p: Promise = Reflect::get(&resumed, &"done".into()).unwrap().into();
    let r = ok(done_p).await;
    assert!(!get::<bool>(&r, "alreadyComplete"));
    let events: Vec<serde_json::Value> = serde_wasm_bindgen::from_value(recorder_events(&rec)).unwrap();
    let first = events.first().and_then(|e| e["loaded"].as_f64()).unwrap();
    assert!(first > 0.0, "the resumed upload started where the service was, not at 0");
    published_and_exact(&id, size).await;
    let after = ok(s.find_resumable_uploads(blob.into(), find_opts)).await;
    assert_eq!(js_sys::Array::from(&after).length(), 0, "a finished upload leaves no record");
}

#[wasm_bindgen_test]
async fn an_abort_signal_pauses_and_terminate_deletes() {
    let s = sender();
    let store = memory_resume_store();
    let id = new_transfer(&s, "tus-terminate.bin").await;
    let blob = generated_blob(2 * MIB);
    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "PATCH", "path": format!("**/tus/{id}"), "count": 10, "delayMs": 100 })),
    )
    .await;
    let o =
        with(with(opts(json!({ "chunkSize": 256 * 1024 })), "resumeStore", &store), "signal", &abort_after(250).into());
    let up = s.start_upload(JsValue::from(id.clone()), blob.clone().into(), o).unwrap();
    let e = fails(up.done()).await;
    assert_eq!(e.name.as_deref(), Some("AbortError"), "{e:?}");
    let record: serde_json::Value = serde_wasm_bindgen::from_value(up.record().unwrap()).unwrap();
    let path = record["uploads"][0]["path"].as_str().unwrap().to_owned();
    ok(up.terminate()).await;
    let find_opts = with(opts(json!({})), "store", &store);
    let found = ok(s.find_resumable_uploads(blob.into(), find_opts)).await;
    assert_eq!(js_sys::Array::from(&found).length(), 0, "terminate forgets the record");
    // The upload is gone from the service; the transfer itself stays UploadStarted (it cannot be cancelled).
    let token = issue_token(DIGDIR, WRITE).await;
    let head = ok(raw_head(url(), &token, &path)).await;
    assert_eq!(get::<u16>(&head, "status"), 404);
    let o = ok(s.overview(JsValue::from(id), none())).await;
    assert_eq!(get::<String>(&o, "fileTransferStatus"), "UploadStarted");
    assert!(path.starts_with(&format!("{}/", paths::TUS)));
}

#[wasm_bindgen_test]
async fn a_stream_is_sent_one_chunk_at_a_time() {
    let s = sender();
    let id = new_transfer(&s, "tus-stream.bin").await;
    let size = 3.0 * f64::from(MIB) + 5.0;
    let g = generated_stream(size, 64 * 1024);
    // Slow chunks, to watch how far ahead of the service the stream is read.
    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "PATCH", "path": format!("**/tus/{id}"), "count": 4, "delayMs": 100 })),
    )
    .await;
    let up = s
        .start_upload(
            JsValue::from(id.clone()),
            stream_of(&g).into(),
            opts(json!({ "size": size, "chunkSize": MIB, "resumeStore": false })),
        )
        .unwrap();
    let mut ahead_max = 0.0f64;
    while get::<f64>(&up.progress(), "loaded") < size {
        ahead_max = ahead_max.max(stream_pulled(&g) - get::<f64>(&up.progress(), "loaded"));
        sleep(10).await;
    }
    done(&up).await;
    assert!(ahead_max > 0.0, "the stream was read while the upload ran");
    assert!(
        ahead_max <= f64::from(MIB + 64 * 1024),
        "at most one chunk (and one read) ahead of what the service acknowledged, not {ahead_max} bytes"
    );
    published_and_exact(&id, size as u32).await;

    // A stream cannot feed parallel partials.
    let id = new_transfer(&s, "tus-stream-parallel.bin").await;
    let g = generated_stream(size, 64 * 1024);
    let up = s
        .start_upload(
            JsValue::from(id),
            stream_of(&g).into(),
            opts(json!({ "size": size, "chunkSize": MIB, "parallel": 2, "resumeStore": false })),
        )
        .unwrap();
    let e = fails(up.done()).await;
    assert_eq!(e.name.as_deref(), Some("UnsupportedError"), "{e:?}");
}

#[wasm_bindgen_test]
async fn an_empty_file_and_bad_options() {
    let s = sender();
    let id = new_transfer(&s, "tus-empty.bin").await;
    let up = s
        .start_upload(JsValue::from(id.clone()), generated_bytes(0).into(), opts(json!({ "resumeStore": false })))
        .unwrap();
    done(&up).await;
    published_and_exact(&id, 0).await;
    assert!(s.start_upload("nope".into(), generated_bytes(1).into(), none()).is_err());
    let e = fails(
        s.start_upload(
            JsValue::from(id),
            generated_bytes(10).into(),
            opts(json!({ "chunkSize": 0, "resumeStore": false })),
        )
        .unwrap()
        .done(),
    )
    .await;
    assert_eq!(e.name.as_deref(), Some("ClientError"), "{e:?}");
}

#[wasm_bindgen_test]
async fn send_can_upload_over_tus_in_parallel() {
    let s = sender();
    let size = 3 * MIB + 1;
    let rec = progress_recorder();
    let o = with(
        opts(
            json!({ "resumable": true, "parallel": 3, "chunkSize": 512 * 1024, "resumeStore": false, "timeoutMs": 30000 }),
        ),
        "onProgress",
        &recorder_fn(&rec),
    );
    let r = ok(s.send(generated_blob(size).into(), meta("tus-send.bin"), o)).await;
    let id: String = get(&r, "fileTransferId");
    assert_eq!(get::<String>(&field(&r, "overview"), "fileTransferStatus"), "Published");
    let checksum: String = get(&r, "checksum");
    assert_eq!(
        get::<String>(&field(&r, "overview"), "checksum"),
        checksum,
        "the service verified the initialize checksum"
    );
    let events: Vec<serde_json::Value> = serde_wasm_bindgen::from_value(recorder_events(&rec)).unwrap();
    assert_eq!(events.last().and_then(|e| e["loaded"].as_f64()), Some(f64::from(size)));
    published_and_exact(&id, size).await;
}

#[wasm_bindgen_test]
async fn a_stream_sent_over_tus_is_hashed_on_the_way() {
    let s = sender();
    let size = 2.0 * f64::from(MIB) + 9.0;
    let g = generated_stream(size, 100_000);
    let o = opts(
        json!({ "resumable": true, "size": size, "chunkSize": 512 * 1024, "resumeStore": false, "timeoutMs": 30000 }),
    );
    let r = ok(s.send(stream_of(&g).into(), meta("tus-send-stream.bin"), o)).await;
    let ours: String = get(&r, "checksum");
    assert_eq!(ours, md5_hex(&generated_bytes(size as u32)), "the MD5 of every byte, computed while sending");
    assert_eq!(get::<String>(&field(&r, "overview"), "checksum"), ours, "and the service recorded the same");

    // The handle's result carries the MD5 itself (here after a dropped chunk made the upload resync).
    let id = new_transfer(&s, "tus-stream-md5.bin").await;
    hook(
        "POST",
        "/emulator/api/faults",
        Some(json!({ "method": "PATCH", "path": format!("**/tus/{id}"), "count": 1, "dropAfterBytes": 50_000 })),
    )
    .await;
    let g = generated_stream(size, 100_000);
    let o = opts(json!({ "hash": true, "size": size, "chunkSize": 512 * 1024, "resumeStore": false }));
    let r = done(&s.start_upload(JsValue::from(id), stream_of(&g).into(), o).unwrap()).await;
    assert_eq!(get::<Option<String>>(&r, "md5"), Some(md5_hex(&generated_bytes(size as u32))));
    let r = done(
        &s.start_upload(
            JsValue::from(new_transfer(&s, "tus-no-md5.bin").await),
            generated_blob(10).into(),
            opts(json!({ "resumeStore": false })),
        )
        .unwrap(),
    )
    .await;
    assert_eq!(get::<Option<String>>(&r, "md5"), None, "nothing is hashed unless asked");
}
