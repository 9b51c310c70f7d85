//! The malware scan held and released by hand. Holding scans is global to the emulator: the test sets the scan
//! back to automatic before it ends, and wasm-bindgen-test runs one test at a time, so no other test's transfer
//! waits on the hold.
use crate::support::*;
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn wait_for_times_out_and_malware_fails_send() {
    hook("POST", "/emulator/api/scan?mode=hold", None).await;
    let s = sender();
    let id = ok(s.initialize(meta("held.txt"), none())).await.as_string().unwrap();
    ok(s.upload(JsValue::from(id.clone()), generated_bytes(100).into(), none())).await;
    let e = fails(s.wait_for(
        JsValue::from(id.clone()),
        "Published".into(),
        obj(json!({ "timeoutMs": 300, "intervalMs": 50 })),
    ))
    .await;
    assert_eq!((e.name.as_deref(), e.kind.as_deref()), (Some("TimeoutError"), Some("wait")));
    let o = ok(s.wait_for(JsValue::from(id.clone()), json(json!(["UploadProcessing", "Published"])), none())).await;
    assert_eq!(get::<String>(&o, "fileTransferStatus"), "UploadProcessing");
    hook("POST", &format!("/emulator/api/scan/release?fileTransferId={id}&result=malware"), None).await;
    let e = fails(s.wait_for(JsValue::from(id), "Published".into(), obj(json!({ "timeoutMs": 10000 })))).await;
    assert_eq!((e.name.as_deref(), e.transfer_status.as_deref()), (Some("TransferFailedError"), Some("Failed")));
    assert!(e.status_text.as_deref().is_some_and(|t| t.starts_with("Malware scan failed")), "{e:?}");
    hook("POST", "/emulator/api/scan?mode=auto", None).await;
}
