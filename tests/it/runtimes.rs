//! What a browser does differently, asserted in every runtime (in headless Chromium the emulator is cross-origin,
//! so CORS is exercised on every call): Blob uploads, stream bodies, abort, readable error bodies and headers, and
//! a full send/receive.
use crate::support::*;
use js_sys::Reflect;
use serde_json::json;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn blob_send_and_receive() {
    let s = sender();
    let events = js_sys::Array::new();
    let ev = events.clone();
    let cb = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |p| {
        ev.push(&p);
    });
    let opts = json(json!({ "timeoutMs": 20000 }));
    Reflect::set(&opts, &"onProgress".into(), cb.as_ref()).unwrap();
    let r = ok(s.send(generated_blob(200_000).into(), meta("browser.bin"), Some(opts.into()))).await;
    let id: String = get(&r, "fileTransferId");
    let phases: Vec<String> = events.iter().map(|e| get::<String>(&e, "phase")).collect();
    // Every phase, in order, each at least once; `published` exactly once, last.
    let mut order = phases.clone();
    order.dedup();
    assert_eq!(order, ["hash", "upload", "processing", "published"], "{phases:?}");
    let at = |phase: &str| events.iter().filter(|e| get::<String>(e, "phase") == phase).collect::<Vec<_>>();
    let hashed = at("hash");
    assert_eq!(get::<f64>(&hashed[hashed.len() - 1], "loaded"), 200_000.0);
    let uploaded = at("upload");
    assert_eq!(get::<f64>(&uploaded[uploaded.len() - 1], "loaded"), 200_000.0);
    let processing = at("processing");
    assert_eq!(get::<String>(&processing[0], "status"), "UploadProcessing", "the status as polled");
    let last = events.get(events.length() - 1);
    assert_eq!(
        (get::<String>(&last, "phase"), get::<String>(&last, "status"), get::<f64>(&last, "loaded")),
        ("published".into(), "Published".into(), 200_000.0)
    );

    let rc = recipient();
    let d = ok(rc.download(id.clone(), obj(json!({ "verify": true })))).await;
    assert_eq!(get::<String>(&d, "fileName"), "browser.bin", "Content-Disposition is readable cross-origin");
    let read = read_all(&field(&d, "stream"), 0.0).await.unwrap();
    assert!(read.ok && read.length == 200_000.0);
    ok(rc.confirm_download(id.clone(), none())).await;
    let d = ok(rc.download(id, obj(json!({ "range": { "start": 100, "end": 199 } })))).await;
    assert_eq!(get::<f64>(&field(&d, "range"), "total"), 200_000.0, "Content-Range is readable cross-origin");
}

/// A stream body is sent only where the runtime's `fetch` can send one (README: Node, Chromium only over HTTP/2);
/// elsewhere `upload` refuses it rather than buffering it.
#[wasm_bindgen_test]
async fn a_stream_body_is_refused_over_http_in_a_browser() {
    let (s, tokens) = client_with(DIGDIR, WRITE, json!({}));
    let id = ok(s.initialize(meta("stream.bin"), none())).await.as_string().unwrap();
    let g = generated_stream(1000.0, 100);
    if stream_bodies_supported() {
        let r = ok(s.upload(id, stream_of(&g).into(), none())).await;
        assert_eq!(get::<f64>(&r, "size"), 1000.0);
        assert_eq!(token_calls(&tokens), 2, "initialize and the upload were sent");
        assert_eq!(stream_pulled(&g), 1000.0, "the stream was sent whole");
        return;
    }
    let e = fails(s.upload(id, stream_of(&g).into(), none())).await;
    assert_eq!(e.name.as_deref(), Some("UnsupportedError"));
    assert_eq!(token_calls(&tokens), 1, "only initialize was sent");
    assert_eq!(stream_pulled(&g), 0.0, "the stream was not read, let alone buffered");
}

#[wasm_bindgen_test]
async fn abort_mid_download_and_readable_errors() {
    let id =
        ok(sender().send(generated_bytes(3_000_000).into(), meta("abort.bin"), obj(json!({ "timeoutMs": 20000 }))))
            .await;
    let id: String = get(&id, "fileTransferId");
    let c = web_sys::AbortController::new().unwrap();
    let opts = js_sys::Object::new();
    Reflect::set(&opts, &"signal".into(), &c.signal()).unwrap();
    let d = ok(recipient().download(id.clone(), Some(opts))).await;
    let reader = call(read_some(&field(&d, "stream"), 1.0)).await.unwrap();
    c.abort();
    let e = err_info(&call(read_rest(&reader)).await.expect_err("reading on after abort must fail"));
    assert_eq!(e.name.as_deref(), Some("AbortError"));

    // A problem body crosses origins intact.
    let e = fails(sender().overview("8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab".into(), none())).await;
    assert_eq!((e.name.as_deref(), e.status, e.code.as_deref()), (Some("BrokerError"), Some(404), Some("BRO-00001")));
    // An aborted upload of a Blob rejects with AbortError too.
    let s = sender();
    let up = ok(s.initialize(meta("abort-up.bin"), none())).await.as_string().unwrap();
    let opts = js_sys::Object::new();
    let ctl = web_sys::AbortController::new().unwrap();
    ctl.abort();
    Reflect::set(&opts, &"signal".into(), &ctl.signal()).unwrap();
    let e = fails(s.upload(up, generated_blob(1000).into(), Some(opts))).await;
    assert_eq!(e.name.as_deref(), Some("AbortError"));
}

/// `send` follows its signal while it hashes a Blob: aborted mid-hash, it stops reading and rejects with AbortError
/// before sending anything.
#[wasm_bindgen_test]
async fn send_aborted_while_hashing_sends_nothing() {
    let (c, tokens) = client_with(DIGDIR, WRITE, json!({}));
    // Parts of 1 MiB: Node streams an in-memory Blob one part per chunk, so the hash sees 16 chunks.
    let parts = js_sys::Array::new();
    for _ in 0..16 {
        parts.push(&generated_bytes(1 << 20));
    }
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap();
    let total = blob.size();
    let ctl = web_sys::AbortController::new().unwrap();
    let hashed = std::rc::Rc::new(std::cell::Cell::new(0.0));
    let (h, abort) = (hashed.clone(), ctl.clone());
    let cb = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |p| {
        if get::<String>(&p, "phase") == "hash" {
            let loaded: f64 = get(&p, "loaded");
            h.set(loaded);
            if loaded > 0.0 {
                abort.abort();
            }
        }
    });
    let opts = js_sys::Object::new();
    Reflect::set(&opts, &"onProgress".into(), cb.as_ref()).unwrap();
    Reflect::set(&opts, &"signal".into(), &ctl.signal()).unwrap();
    let e = fails(c.send(blob.into(), meta("abort-hash.bin"), Some(opts))).await;
    assert_eq!(e.name.as_deref(), Some("AbortError"), "{e:?}");
    // Firefox hands a 16 MiB in-memory Blob's stream over in one chunk: the abort then comes after the only read,
    // and what is checked there is the rejection and that nothing was sent. Node and Chromium read it in parts.
    if is_firefox() {
        assert!(hashed.get() > 0.0, "the hash had started");
    } else {
        assert!(hashed.get() > 0.0 && hashed.get() < total, "hashing stopped after {} of {total} bytes", hashed.get());
    }
    assert_eq!(token_calls(&tokens), 0, "nothing was sent");
}

/// `upload` hashes only with `hash: true`, and then returns the MD5 whatever the runtime: a Blob as a stream body
/// (Node) is hashed on the way, a Blob a browser sends as the Blob in a second read; bytes and streams too.
#[wasm_bindgen_test]
async fn upload_hashes_only_when_asked_in_every_runtime() {
    let s = sender();
    let size = 300_000;
    let want = altinn_broker_client::md5_hex(&generated_bytes(size));
    let up = |source: wasm_bindgen::JsValue, options: serde_json::Value| {
        let s = &s;
        async move {
            let id = ok(s.initialize(meta("hash-policy.bin"), none())).await.as_string().unwrap();
            let events = js_sys::Array::new();
            let ev = events.clone();
            let cb = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |p| {
                ev.push(&p);
            });
            let o = json(options);
            Reflect::set(&o, &"onProgress".into(), cb.as_ref()).unwrap();
            let r = ok(s.upload(id, source, Some(o.into()))).await;
            let loaded: Vec<f64> = events.iter().map(|e| get::<f64>(&e, "loaded")).collect();
            assert!(loaded.windows(2).all(|w| w[0] <= w[1]), "progress only grows: {loaded:?}");
            assert_eq!(loaded.last().copied(), Some(f64::from(size)), "the last event has every byte");
            assert_eq!(get::<f64>(&r, "size"), f64::from(size));
            get::<Option<String>>(&r, "md5")
        }
    };
    assert_eq!(up(generated_blob(size).into(), json!({})).await, None, "nothing is hashed unless asked");
    assert_eq!(up(generated_blob(size).into(), json!({ "hash": true })).await.as_deref(), Some(want.as_str()));
    assert_eq!(up(generated_bytes(size).into(), json!({ "hash": true })).await.as_deref(), Some(want.as_str()));
    assert_eq!(up(generated_bytes(size).into(), json!({})).await, None);
    if stream_bodies_supported() {
        let g = generated_stream(f64::from(size), 1 << 14);
        let md5 = up(stream_of(&g).into(), json!({ "hash": true, "size": size })).await;
        assert_eq!(md5.as_deref(), Some(want.as_str()));
        let g = generated_stream(f64::from(size), 1 << 14);
        assert_eq!(up(stream_of(&g).into(), json!({ "size": size })).await, None);
    }
}

/// A stream body the runtime stops pulling (the service reads nothing for 3 s) trips the stall timer, which runs
/// in the JS counting body, and the source is cancelled. Only where the Blob goes as a stream body: a Blob a browser
/// sends as the Blob shows no progress, so the wait for its answer is no stall.
#[wasm_bindgen_test]
async fn a_stream_body_that_stops_moving_trips_the_stall_timer() {
    if !stream_bodies_supported() {
        return;
    }
    let (c, _) = client_with(DIGDIR, WRITE, json!({ "stallTimeoutMs": 400, "retry": false }));
    let id = ok(c.initialize(meta("stalled-body.bin"), none())).await.as_string().unwrap();
    let path = altinn_broker_core::paths::fill(altinn_broker_core::paths::UPLOAD, &[&id]);
    hook("POST", "/emulator/api/faults", Some(json!({ "method": "POST", "path": path, "delayMs": 3000 }))).await;
    // More than loopback's socket buffers take, so the runtime must wait for the service to read.
    let size = 256.0 * 1024.0 * 1024.0;
    let g = generated_stream(size, 1 << 16);
    let e = fails(c.upload(id, stream_of(&g).into(), obj(json!({ "size": size })))).await;
    assert_eq!((e.name.as_deref(), e.kind.as_deref()), (Some("TimeoutError"), Some("stall")), "{e:?}");
    sleep(50).await;
    assert!(stream_cancelled(&g), "the source stream is cancelled");
    assert!(stream_pulled(&g) < size);
}
