//! Flat memory: uploading 256 MiB leaves wasm memory where 32 MiB left it (its byteLength is a high-water mark,
//! as wasm memory never shrinks), streamed in one request and over tus (the path for runtimes that cannot stream
//! a request body). Every test before them in the same wasm instance moves the mark, so scripts/test.sh runs each
//! of these in an instance of its own (see main.rs).
use crate::support::*;
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn memory_stays_flat_for_any_size() {
    let s = sender();
    let upload = |size: f64| {
        let s = &s;
        async move {
            let id = ok(s.initialize(meta("big.bin"), none())).await.as_string().unwrap();
            let g = generated_stream(size, 1 << 20);
            // Hashed: every chunk crosses into wasm for the MD5, the path that could grow wasm memory.
            let up = s.upload(JsValue::from(id), stream_of(&g).into(), obj(json!({ "size": size, "hash": true })));
            if stream_bodies_supported() {
                let r = ok(up).await;
                assert_eq!(get::<f64>(&r, "size"), size);
                assert!(get::<Option<String>>(&r, "md5").is_some());
            } else {
                // Refused, not buffered: the tus test below is this runtime's way to send a stream.
                assert_eq!(fails(up).await.name.as_deref(), Some("UnsupportedError"));
                assert_eq!(stream_pulled(&g), 0.0);
            }
        }
    };
    upload(32.0 * 1024.0 * 1024.0).await;
    let after_small = wasm_memory_bytes();
    upload(256.0 * 1024.0 * 1024.0).await;
    let after_big = wasm_memory_bytes();
    assert_eq!(after_small, after_big, "wasm memory grew from {after_small} to {after_big} bytes");
}

#[wasm_bindgen_test]
async fn a_tus_stream_upload_keeps_wasm_memory_flat() {
    let s = sender();
    let upload = |size: f64| {
        let s = &s;
        async move {
            let id = ok(s.initialize(meta("tus-big.bin"), none())).await.as_string().unwrap();
            let g = generated_stream(size, 1 << 20);
            let o = obj(json!({ "size": size, "chunkSize": 8 << 20, "resumeStore": false }));
            let up = s.start_upload(JsValue::from(id), stream_of(&g).into(), o).unwrap();
            let r = ok(up.done()).await;
            assert_eq!(get::<f64>(&r, "size"), size);
        }
    };
    upload(32.0 * 1024.0 * 1024.0).await;
    let after_small = wasm_memory_bytes();
    upload(256.0 * 1024.0 * 1024.0).await;
    let after_big = wasm_memory_bytes();
    assert_eq!(after_small, after_big, "wasm memory grew from {after_small} to {after_big} bytes");
}
