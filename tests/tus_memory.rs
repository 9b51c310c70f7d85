//! Flat memory on the resumable path: a stream sent over tus (the path for runtimes that cannot stream a request
//! body) leaves wasm memory where a small one left it (its byteLength is a high-water mark, as wasm memory never
//! shrinks). Its own test binary, so no concurrent test moves the mark.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use serde_json::json;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn a_tus_stream_upload_keeps_wasm_memory_flat() {
    let s = sender();
    let upload = |size: f64| {
        let s = &s;
        async move {
            let id = ok(s.initialize(meta("tus-big.bin"), none())).await.as_string().unwrap();
            let g = generated_stream(size, 1 << 20);
            let o = obj(json!({ "size": size, "chunkSize": 8 << 20, "resumeStore": false }));
            let up = s.start_upload(id, stream_of(&g).into(), o).unwrap();
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
