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
    assert!(phases.contains(&"hash".to_string()) && phases.contains(&"upload".to_string()), "{phases:?}");
    let last = events.get(events.length() - 1);
    assert_eq!((get::<String>(&last, "phase"), get::<f64>(&last, "loaded")), ("upload".into(), 200_000.0));

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
