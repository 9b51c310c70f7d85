//! What the client does without any service: argument checks, validation before the network, the error
//! classes, MD5, and the state logic exported to JS.
use crate::support::*;
use altinn_broker_client::{
    broker_event_types, can_reach, file_resume_store, file_transfer_statuses, indexed_db_resume_store, is_settled,
    is_terminal, is_validation_event, md5_hex, normalize_org_number, parse_event, recipient_status_text, status_text,
    successors, validate_initialize, BrokerClient, Md5,
};
use js_sys::Reflect;
use serde_json::json;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

/// A client whose base URL nothing listens on: any request it sent would fail as a NetworkError.
fn nowhere() -> (BrokerClient, TokenSource) {
    let tokens = constant_tokens("a-token");
    let o = json(json!({ "baseUrl": "http://127.0.0.1:9", "retry": false }));
    Reflect::set(&o, &"token".into(), &token_fn(&tokens)).unwrap();
    (BrokerClient::new(o).unwrap(), tokens)
}

#[wasm_bindgen_test]
async fn invalid_input_is_refused_before_the_network() {
    let (c, tokens) = nowhere();
    let bad = json(json!({
        "fileName": "", "resourceId": "urn:altinn:resource:x", "sendersFileTransferReference": "r",
        "sender": "991825827", "recipients": [], "checksum": "ABC"
    }));
    let e = fails(c.initialize(bad.clone(), none())).await;
    assert!(e.is_error);
    assert_eq!((e.name.as_deref(), e.status, e.local), (Some("BrokerError"), Some(400), Some(true)));
    let errors = e.errors.unwrap();
    assert_eq!(
        errors["Sender"],
        vec!["Organization numbers should be on the form countrycode:organizationnumber (e.g. 0192:910753614) or urn:altinn:organization:identifier-no:organizationnumber"]
    );
    assert_eq!(errors["Recipients"], vec!["One or more recipients are required"]);
    assert_eq!(errors["Checksum"], vec!["The checksum, if used, must be a MD5 hash with a length of 32 characters"]);
    assert!(errors.contains_key("FileName"));
    assert!(!errors.contains_key("ResourceId"), "the URN prefix is accepted");
    let e = fails(c.send(generated_bytes(10).into(), bad, none())).await;
    assert_eq!(e.local, Some(true));
    let e = fails(c.search(json(json!({ "resourceId": "" })), none())).await;
    assert_eq!(e.errors.unwrap()["resourceId"], vec!["The resourceId field is required."]);
    let e = fails(c.configure_resource("r".into(), json(json!({ "fileTransferTimeToLive": "P400D" })), none())).await;
    assert_eq!((e.status, e.code.as_deref()), (Some(400), Some("BRO-00015")));
    let e =
        fails(c.monthly_statistics(json(json!({ "year": 2026, "month": 1, "includeEndUser": false })), none())).await;
    assert_eq!(e.code.as_deref(), Some("BRO-06005"));
    assert_eq!(token_calls(&tokens), 0, "no request was even prepared");

    // With valid input the same client reaches for the network, and fails there with its own error class.
    let e = fails(c.overview("8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab".into(), none())).await;
    assert_eq!(e.name.as_deref(), Some("NetworkError"));
    assert_eq!(token_calls(&tokens), 1);
}

#[wasm_bindgen_test]
async fn bad_arguments_are_client_errors() {
    assert!(BrokerClient::new(json(json!({ "baseUrl": "ftp://x" }))).is_err());
    // `token` is optional (a page behind a proxy has none), but when given it must be a function.
    assert!(BrokerClient::new(json(json!({ "baseUrl": "http://x" }))).is_ok());
    let e = BrokerClient::new(json(json!({ "baseUrl": "http://x", "token": "abc" }))).err().unwrap();
    assert_eq!(err_info(&e).name.as_deref(), Some("ClientError"));
    let (c, _) = nowhere();
    let e = fails(c.upload("8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab".into(), JsValue::from(42), none())).await;
    assert_eq!(e.name.as_deref(), Some("ClientError"));
    let e = fails(c.wait_for("8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab".into(), "Done".into(), none())).await;
    assert_eq!(e.name.as_deref(), Some("ClientError"));
}

#[wasm_bindgen_test]
async fn an_aborted_signal_stops_the_call_before_it_starts() {
    let (c, tokens) = nowhere();
    let ctl = web_sys::AbortController::new().unwrap();
    ctl.abort();
    let opts = js_sys::Object::new();
    Reflect::set(&opts, &"signal".into(), &ctl.signal()).unwrap();
    let e = fails(c.overview("8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab".into(), Some(opts))).await;
    assert_eq!(e.name.as_deref(), Some("AbortError"));
    assert_eq!(token_calls(&tokens), 0);
}

#[wasm_bindgen_test]
fn md5_in_wasm() {
    assert_eq!(md5_hex(&js_sys::Uint8Array::new_with_length(0)), "d41d8cd98f00b204e9800998ecf8427e");
    let bytes = js_sys::Uint8Array::from(&b"The quick brown fox jumps over the lazy dog"[..]);
    assert_eq!(md5_hex(&bytes), "9e107d9d372bb6826bd81d3542a419d6");
    let mut h = Md5::new();
    h.update(&bytes.subarray(0, 10));
    h.update(&bytes.subarray(10, bytes.length()));
    assert_eq!(h.digest_hex(), "9e107d9d372bb6826bd81d3542a419d6");
    // Larger than the copy buffer, in one chunk.
    let big = generated_bytes(3 * 1024 * 1024 + 7);
    let mut h = Md5::new();
    h.update(&big.subarray(0, 1_000_000));
    h.update(&big.subarray(1_000_000, big.length()));
    assert_eq!(h.digest_hex(), md5_hex(&big));
}

#[wasm_bindgen_test]
fn state_logic_for_js() {
    let names: Vec<String> = serde_wasm_bindgen::from_value(file_transfer_statuses().unwrap()).unwrap();
    assert_eq!(names.len(), 8);
    let next: Vec<String> = serde_wasm_bindgen::from_value(successors("UploadStarted".into()).unwrap()).unwrap();
    assert!(next.contains(&"Published".to_string()) && next.contains(&"UploadProcessing".to_string()));
    assert!(is_terminal("Purged".into()).unwrap());
    assert!(!is_terminal("Failed".into()).unwrap());
    assert!(is_settled("Failed".into()).unwrap());
    assert!(!can_reach("Failed".into(), "Published".into()).unwrap());
    assert!(can_reach("Initialized".into(), "Purged".into()).unwrap());
    assert_eq!(status_text("Published".into()).unwrap(), "Ready for download");
    assert!(status_text("Nope".into()).is_err());
    assert_eq!(
        normalize_org_number("urn:altinn:organization:identifier-no:991825827".into()).unwrap(),
        "0192:991825827"
    );
    assert!(validate_initialize(json(json!({}))).unwrap().is_object());
}

/// The errors as JS receives them, through the exported surface only: a validation failure (rejected before the
/// network) and a client error (a refused constructor argument).
#[wasm_bindgen_test]
async fn errors_are_error_subclasses() {
    let (c, _) = nowhere();
    let e = call(c.initialize(json(json!({})), none())).await.expect_err("an empty initialize body is refused");
    assert_eq!(err_info(&e).local, Some(true), "refused by the client's own validation");
    assert!(e.is_instance_of::<js_sys::Error>());
    let e = BrokerClient::new(json(json!({ "baseUrl": "http://x", "token": "abc" }))).err().unwrap();
    assert_eq!(err_info(&e).name.as_deref(), Some("ClientError"));
    assert!(e.dyn_ref::<js_sys::Error>().is_some());
}

/// Whether a stream body is sent is decided by what the runtime can do (README "Uploading without loading the
/// file"): over https Node, Deno, workerd and Chromium send it — here to a port where nothing listens, so the call
/// fails on the network — while Firefox would send the text "[object ReadableStream]", so `upload` refuses it
/// before reading a byte.
#[wasm_bindgen_test]
async fn over_https_a_stream_body_goes_out_where_the_runtime_can_send_one() {
    let c = BrokerClient::new(json(json!({ "baseUrl": "https://127.0.0.1:1", "retry": false }))).unwrap();
    let g = generated_stream(1000.0, 100);
    let e = fails(c.upload("8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab".into(), stream_of(&g).into(), none())).await;
    if is_firefox() {
        assert_eq!(e.name.as_deref(), Some("UnsupportedError"));
        assert_eq!(stream_pulled(&g), 0.0, "the stream was not read");
    } else {
        assert_eq!(e.name.as_deref(), Some("NetworkError"), "{:?}", e.message);
    }
}

#[wasm_bindgen_test]
fn events_are_read_from_text_bytes_and_values() {
    let body = json!({
        "specversion": "1.0", "id": "e1", "type": "no.altinn.broker.UploadFailed", "source": "https://p/broker/api/v1/filetransfer",
        "time": "2026-08-18T11:40:51Z", "resource": "urn:altinn:resource:r1",
        "resourceinstance": "8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab",
        "subject": "urn:altinn:organization:identifier-no:991825827", "data": { "Role": "Sender" }
    });
    let text = body.to_string();
    for input in [JsValue::from_str(&text), js_sys::Uint8Array::from(text.as_bytes()).into(), json(body.clone())] {
        let e = parse_event(input).unwrap();
        assert_eq!(get::<String>(&e, "type"), "no.altinn.broker.uploadfailed");
        assert_eq!(get::<String>(&e, "subjectOrg"), "0192:991825827");
        assert_eq!(get::<String>(&e, "role"), "Sender");
        assert_eq!(get::<String>(&e, "resourceId"), "r1");
        assert!(!is_validation_event(e));
    }
    let bad = parse_event(JsValue::from_str(r#"{"specversion":"1.0","id":"x","type":"t"}"#)).unwrap_err();
    assert_eq!(err_info(&bad).name.as_deref(), Some("InvalidEventError"));
    let handshake = json(json!({ "specversion": "1.0", "id": "v", "type": "platform.events.validatesubscription",
        "source": "https://platform.altinn.no/events/api/v1/subscriptions/7" }));
    assert!(is_validation_event(handshake));
    let types: Vec<String> = serde_wasm_bindgen::from_value(broker_event_types().unwrap()).unwrap();
    assert_eq!(types.len(), 8);
}

#[wasm_bindgen_test]
async fn subscriptions_are_refused_before_the_network() {
    let (c, tokens) = nowhere();
    let e = fails(c.subscribe(json(json!({ "endpoint": "https://h.example/x", "resourceId": "Upper-Case" })), none()))
        .await;
    assert_eq!((e.name.as_deref(), e.status, e.local), (Some("SubscriptionError"), Some(400), Some(true)));
    assert_eq!(e.detail.as_deref(), Some("Resource filter must be a valid urn"));
    let e =
        fails(c.subscribe(json(json!({ "endpoint": "https://h.example/x", "resourceId": "r", "type": "" })), none()))
            .await;
    assert_eq!(e.name.as_deref(), Some("ClientError"));
    assert_eq!(token_calls(&tokens), 0, "nothing was sent");
}

/// A wrong option is a `ClientError` that names it — nested keys by their path — with the refused value as its
/// `cause`; a plain-data argument of the wrong shape names the argument and what was expected.
#[wasm_bindgen_test]
async fn a_refused_option_is_named_with_its_value_as_the_cause() {
    const ID: &str = "8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab";
    fn message_and_cause(e: &JsValue) -> (String, JsValue) {
        let name = Reflect::get(e, &"name".into()).unwrap().as_string();
        assert_eq!(name.as_deref(), Some("ClientError"), "{e:?}");
        let message = Reflect::get(e, &"message".into()).unwrap().as_string().unwrap();
        (message, Reflect::get(e, &"cause".into()).unwrap())
    }
    let new = |v| BrokerClient::new(json(v)).err().expect("refused");
    let (m, cause) = message_and_cause(&new(json!({ "baseUrl": "http://x", "token": "abc" })));
    assert_eq!(m, "`token` must be a function");
    assert_eq!(cause.as_string().as_deref(), Some("abc"));
    let (m, cause) = message_and_cause(&new(json!({ "baseUrl": "http://x", "retry": { "retries": -1 } })));
    assert_eq!(m, "`retry.retries` must be a non-negative number");
    assert_eq!(cause.as_f64(), Some(-1.0));
    let (m, _) = message_and_cause(&new(json!({ "baseUrl": 7 })));
    assert_eq!(m, "`baseUrl` must be a string");
    let (m, _) = message_and_cause(&new(json!({ "baseUrl": "http://x", "streamRequestBodies": "yes" })));
    assert_eq!(m, "`streamRequestBodies` must be a boolean");

    let (c, tokens) = nowhere();
    let rejected = |p| async move { message_and_cause(&call(p).await.expect_err("rejected")) };
    let (m, cause) = rejected(c.download(ID.into(), obj(json!({ "range": { "start": 1.5 } })))).await;
    assert_eq!(m, "`range.start` must be an integer");
    assert_eq!(cause.as_f64(), Some(1.5));
    let (m, _) = rejected(c.download(ID.into(), obj(json!({ "range": {} })))).await;
    assert_eq!(m, "`range` needs `start` or `suffix`");
    let (m, _) = rejected(c.download(ID.into(), obj(json!({ "resume": "x" })))).await;
    assert_eq!(m, "`resume` must be a boolean or a number of attempts");
    let (m, _) = rejected(c.upload(ID.into(), generated_bytes(4).into(), obj(json!({ "hash": 1 })))).await;
    assert_eq!(m, "`hash` must be a boolean");
    let (m, _) = rejected(c.overview(ID.into(), obj(json!({ "signal": {} })))).await;
    assert_eq!(m, "`signal` must be an AbortSignal");
    let (m, _) = rejected(c.overview(ID.into(), obj(json!({ "deadlineMs": "soon" })))).await;
    assert_eq!(m, "`deadlineMs` must be a non-negative number");
    let (m, _) = rejected(c.wait_for(ID.into(), "Published".into(), obj(json!({ "intervalMs": -5 })))).await;
    assert_eq!(m, "`intervalMs` must be a non-negative number");
    let e = c.start_upload(ID.into(), generated_bytes(4).into(), obj(json!({ "chunkSize": 2.5 }))).err().unwrap();
    assert_eq!(message_and_cause(&e).0, "`chunkSize` must be an integer");
    let e = c.start_upload(ID.into(), generated_bytes(4).into(), obj(json!({ "onProgress": true }))).err().unwrap();
    assert_eq!(message_and_cause(&e).0, "`onProgress` must be a function");
    assert_eq!(token_calls(&tokens), 0, "nothing was sent");
    // Unknown keys, `undefined` and `null` are no option at all.
    let o = obj(json!({ "verify": null, "somethingElse": 1 })).unwrap();
    Reflect::set(&o, &"range".into(), &JsValue::UNDEFINED).unwrap();
    let e = fails(c.download(ID.into(), Some(o))).await;
    assert_eq!(e.name.as_deref(), Some("NetworkError"), "the options were accepted: {e:?}");

    // Plain-data arguments name the argument and what was expected.
    let q = json!({ "year": "2026", "month": 1, "includeEndUser": false });
    let (m, cause) = rejected(c.monthly_statistics(json(q), none())).await;
    assert!(m.starts_with("invalid statistics query: ") && m.contains("expected i32"), "{m}");
    assert!(cause.is_object());
    let (m, _) = rejected(c.wait_for(ID.into(), JsValue::from(5), none())).await;
    assert!(m.starts_with("invalid status: ") && !m.contains(" at line "), "{m}");
    let (m, _) = rejected(c.wait_for(ID.into(), JsValue::UNDEFINED, none())).await;
    assert_eq!(m, "the status is missing");
    // An invalid Date would be `null` in JSON (no bound at all): refused.
    let q = obj(json!({ "resourceId": "r" })).unwrap();
    Reflect::set(&q, &"from".into(), &js_sys::Date::new(&f64::NAN.into())).unwrap();
    let (m, _) = rejected(c.search(q.into(), none())).await;
    assert_eq!(m, "`from` is an invalid Date");

    // A getter that throws, at the top level and nested: refused with the exception as the cause.
    let throwing = js_sys::Function::new_no_args("throw new Error('boom')");
    let getter = |o: &js_sys::Object, key: &str| {
        let d = js_sys::Object::new();
        Reflect::set(&d, &"get".into(), &throwing).unwrap();
        js_sys::Object::define_property(o, &key.into(), &d);
    };
    let retry = js_sys::Object::new();
    getter(&retry, "retries");
    let o = obj(json!({ "baseUrl": "http://x" })).unwrap();
    Reflect::set(&o, &"retry".into(), &retry).unwrap();
    let (m, cause) = message_and_cause(&BrokerClient::new(o.into()).err().expect("refused"));
    assert_eq!(m, "`retry.retries` cannot be read (its getter threw)");
    assert!(cause.is_instance_of::<js_sys::Error>());
    let o = obj(json!({ "baseUrl": "http://x" })).unwrap();
    getter(&o, "fetch");
    let (m, _) = message_and_cause(&BrokerClient::new(o.into()).err().expect("refused"));
    assert_eq!(m, "`fetch` cannot be read (its getter threw)");
    let range = js_sys::Object::new();
    getter(&range, "start");
    let o = js_sys::Object::new();
    Reflect::set(&o, &"range".into(), &range).unwrap();
    let (m, _) = rejected(c.download(ID.into(), Some(o))).await;
    assert_eq!(m, "`range.start` cannot be read (its getter threw)");
}

#[wasm_bindgen_test]
fn the_state_functions_refuse_what_is_not_a_string() {
    // wasm-bindgen's own `String` parameters trap in its glue on a number or an object ("memory access out of
    // bounds") and throw a TypeError on null: each must be a ClientError naming the argument.
    let bad = || [JsValue::from(7), JsValue::NULL, JsValue::UNDEFINED, js_sys::Object::new().into()];
    for v in bad() {
        let named = |e: JsValue, what: &str| {
            let i = err_info(&e);
            assert_eq!(i.name.as_deref(), Some("ClientError"), "{v:?}: {i:?}");
            assert!(i.message.unwrap_or_default().contains(&format!("the {what} must be a string")), "{v:?}");
        };
        named(successors(v.clone()).unwrap_err(), "status");
        named(is_terminal(v.clone()).unwrap_err(), "status");
        named(is_settled(v.clone()).unwrap_err(), "status");
        named(can_reach("Published".into(), v.clone()).unwrap_err(), "status");
        named(status_text(v.clone()).unwrap_err(), "status");
        named(normalize_org_number(v.clone()).unwrap_err(), "organisation number");
        named(recipient_status_text(v.clone()).unwrap_err(), "recipient status");
    }
    for v in [JsValue::from(7), js_sys::Object::new().into()] {
        let i = err_info(&file_resume_store(v.clone()).unwrap_err());
        assert_eq!(i.name.as_deref(), Some("ClientError"), "{v:?}: {i:?}");
        assert!(i.message.unwrap_or_default().contains("the directory of fileResumeStore must be a string"));
        let i = err_info(&indexed_db_resume_store(v.clone()).unwrap_err());
        assert!(i.message.unwrap_or_default().contains("the database name of indexedDbResumeStore must be a string"));
    }
    // The database name is optional; without IndexedDB (Node) the store fails only when used.
    assert!(indexed_db_resume_store(JsValue::UNDEFINED).is_ok());
    // Strings are judged as before.
    assert!(is_terminal("Purged".into()).unwrap());
    assert_eq!(normalize_org_number("991825827".into()).unwrap(), "0192:991825827");
    assert_eq!(err_info(&status_text("Nope".into()).unwrap_err()).name.as_deref(), Some("ClientError"));
}

#[wasm_bindgen_test]
async fn a_service_owner_name_that_is_not_a_string_is_refused_before_the_network() {
    let (c, tokens) = nowhere();
    for v in [JsValue::from(7), JsValue::NULL, js_sys::Object::new().into()] {
        let e = fails(c.register_service_owner(v.clone(), none())).await;
        assert_eq!(e.name.as_deref(), Some("ClientError"), "{v:?}: {e:?}");
        assert!(e.message.unwrap_or_default().contains("the service owner name must be a string"), "{v:?}");
    }
    assert_eq!(token_calls(&tokens), 0, "nothing was sent");
}
