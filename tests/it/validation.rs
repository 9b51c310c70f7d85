//! The service's verdict on every initialize value a JS caller can pass (issue 8): the value as `JSON.stringify`
//! writes it, bound as System.Text.Json binds it, then model-validated (`core::validate::initialize_json`) — in
//! `validateInitialize` and in every method that validates locally — and the request sent is the bound one.
//! Against a real emulator process. `tests/fidelity/validation.mjs` holds the same rule over a
//! generated table of thousands of payloads, message for message.
use std::collections::BTreeMap;

use crate::support::*;
use altinn_broker_client::validate_initialize;
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

type Errors = BTreeMap<String, Vec<String>>;

/// A JS value from JSON text, keeping the members in the order written (their order decides the first error).
fn js(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

/// The good body with `member` set to the JSON `value` (appended, so the binder meets it last).
fn good_with(member: &str, value: &str) -> String {
    format!(
        r#"{{"fileName":"v.txt","resourceId":"{RESOURCE}","sendersFileTransferReference":"v","sender":"0192:{DIGDIR}","recipients":["0192:{RECIPIENT}"],"{member}":{value}}}"#
    )
}

fn local_errors(v: &JsValue) -> Option<Errors> {
    let e = validate_initialize(v.clone()).unwrap_or_else(|e| panic!("validateInitialize threw {:?}", err_info(&e)));
    (!e.is_null()).then(|| serde_wasm_bindgen::from_value(e).unwrap())
}

/// `$.member`'s conversion error (without its position) and the parameter entry beside it.
fn conversion(path: &str, dotnet_type: &str) -> (String, String) {
    (path.to_owned(), format!("The JSON value could not be converted to {dotnet_type}. Path: {path} | LineNumber: 0 | BytePositionInLine: "))
}

#[wasm_bindgen_test]
async fn wrong_types_get_the_binders_first_error_in_every_method() {
    let list = "System.Collections.Generic.List`1[System.String]";
    let dict = "System.Collections.Generic.Dictionary`2[System.String,System.String]";
    let table = [
        (good_with("fileName", "5"), conversion("$.fileName", "System.String")),
        (good_with("fileName", "{}"), conversion("$.fileName", "System.String")),
        (good_with("recipients", r#""0192:986252932""#), conversion("$.recipients", list)),
        (good_with("recipients", "[5]"), conversion("$.recipients[0]", "System.String")),
        (good_with("propertyList", r#""k=v""#), conversion("$.propertyList", dict)),
        (good_with("propertyList", "[]"), conversion("$.propertyList", dict)),
        (good_with("propertyList", r#"{"k":5}"#), conversion("$.propertyList.k", "System.String")),
        (
            good_with("disableVirusScan", r#""true""#),
            conversion("$.disableVirusScan", "System.Nullable`1[System.Boolean]"),
        ),
        (good_with("checksum", "true"), conversion("$.checksum", "System.String")),
    ];
    let (c, tokens) = client_with(DIGDIR, WRITE, json!({}));
    for (body, (path, message_start)) in table {
        let v = js(&body);
        let errors = local_errors(&v).unwrap_or_else(|| panic!("the client accepts {body}"));
        assert_eq!(errors.keys().collect::<Vec<_>>(), vec![&path, &"initializeExt".to_owned()], "{body}");
        assert!(errors[&path].len() == 1 && errors[&path][0].starts_with(&message_start), "{body}: {errors:?}");
        assert_eq!(errors["initializeExt"], vec!["The initializeExt field is required."]);
        // Every method that validates refuses it the same way, as a local BrokerError, before any request.
        for e in [
            fails(c.initialize(v.clone(), none())).await,
            fails(c.send(generated_bytes(10).into(), v.clone(), none())).await,
            fails(c.initialize_and_upload(generated_bytes(10).into(), v.clone(), none())).await,
        ] {
            assert_eq!((e.name.as_deref(), e.status, e.local), (Some("BrokerError"), Some(400), Some(true)), "{body}");
            assert_eq!(e.errors.as_ref(), Some(&errors), "{body}");
        }
        // The emulator refuses it too (tests/fidelity/validation.mjs compares the keys and messages, which need
        // the emulator's System.Text.Json binding: the same core function).
        let (status, _) = raw_initialize(DIGDIR, serde_json::from_str(&body).unwrap()).await;
        assert_eq!(status, 400, "the emulator accepts {body}");
    }
    assert_eq!(token_calls(&tokens), 0, "nothing was sent");
}

#[wasm_bindgen_test]
async fn non_objects_omitted_members_and_unknown_members() {
    // Not an object at all: the root's conversion error; nothing: the empty-body entry.
    let e = local_errors(&js("5")).unwrap();
    assert!(e["$"][0]
        .starts_with("The JSON value could not be converted to Altinn.Broker.Models.FileTransferInitalizeExt."));
    let e = local_errors(&JsValue::UNDEFINED).unwrap();
    assert_eq!(e[""], vec!["A non-empty request body is required."]);
    let e = local_errors(&JsValue::NULL).unwrap();
    assert_eq!(e[""], vec!["A non-empty request body is required."]);
    // An omitted list keeps the model's empty list, so it gets MinLength's message, not Required's.
    let e = local_errors(&js(r#"{"fileName":"v.txt"}"#)).unwrap();
    assert_eq!(e["Recipients"], vec!["One or more recipients are required"]);
    // Unknown members are skipped whatever they hold.
    assert_eq!(local_errors(&js(&good_with("extra", r#"[1,{"a":null}]"#))), None);
    // undefined members and functions are left out by JSON.stringify, as fetch would send them.
    let v = js(&good_with("checksum", "null"));
    js_sys::Reflect::set(&v, &"checksum".into(), &JsValue::UNDEFINED).unwrap();
    assert_eq!(local_errors(&v), None);
}

#[wasm_bindgen_test]
async fn case_variants_bind_and_the_bound_request_is_sent() {
    let body = format!(
        r#"{{"FILENAME":"upper.txt","ResourceId":"{RESOURCE}","sendersFileTransferReference":"case","SENDER":"urn:altinn:organization:identifier-no:{DIGDIR}","Recipients":["0192:{RECIPIENT}"],"DisableVirusScan":false,"foo":1}}"#
    );
    let v = js(&body);
    assert_eq!(local_errors(&v), None, "member names bind case-insensitively");
    let s = sender();
    let id = ok(s.initialize(v, none())).await.as_string().unwrap();
    let o = ok(s.overview(JsValue::from(id), none())).await;
    assert_eq!(get::<String>(&o, "fileName"), "upper.txt");
    assert_eq!(get::<String>(&o, "sender"), format!("0192:{DIGDIR}"), "the sender is sent in the 0192: form");
}

#[wasm_bindgen_test]
async fn what_the_service_fails_on_is_refused_locally() {
    let (c, tokens) = client_with(DIGDIR, WRITE, json!({}));
    for body in [good_with("propertyList", r#"{"k":null}"#), good_with("recipients", "[null]")] {
        let v = js(&body);
        let e = err_info(&validate_initialize(v.clone()).expect_err(&body));
        assert_eq!(e.name.as_deref(), Some("ClientError"), "{body}");
        let message = e.message.unwrap_or_default();
        assert!(message.starts_with("the service would fail on this initialize request with HTTP 500"), "{message}");
        let e = fails(c.initialize(v, none())).await;
        assert_eq!(e.name.as_deref(), Some("ClientError"), "{body}");
    }
    assert_eq!(token_calls(&tokens), 0, "nothing was sent");
}

#[wasm_bindgen_test]
async fn initialize_and_upload_is_judged_as_its_form() {
    let (c, tokens) = client_with(DIGDIR, WRITE, json!({}));
    // An empty string is written into the form and binds null: only "required", keyed by the form's name.
    let e =
        fails(c.initialize_and_upload(generated_bytes(10).into(), js(&good_with("fileName", r#""""#)), none())).await;
    assert_eq!((e.name.as_deref(), e.status, e.local), (Some("BrokerError"), Some(400), Some(true)));
    let errors = e.errors.unwrap();
    assert_eq!(errors.keys().collect::<Vec<_>>(), ["Metadata.FileName"]);
    assert_eq!(errors["Metadata.FileName"], ["The FileName field is required."]);
    // An empty recipient binds null in the form, on which the service throws.
    let e = fails(c.initialize_and_upload(generated_bytes(10).into(), js(&good_with("recipients", r#"[""]"#)), none()))
        .await;
    assert_eq!(e.name.as_deref(), Some("ClientError"));
    assert_eq!(token_calls(&tokens), 0, "nothing was sent");
    // A valid one goes through.
    let id =
        ok(c.initialize_and_upload(generated_bytes(10).into(), js(&good_with("propertyList", r#"{"k":"v"}"#)), none()))
            .await;
    assert!(id.as_string().is_some());
}

#[wasm_bindgen_test]
async fn an_id_that_is_not_a_string_is_a_client_error() {
    // wasm-bindgen's own `String` parameters fail inside its glue on these (a RuntimeError "memory access out of
    // bounds" for a number or an object, a TypeError for `null`): each must be a ClientError naming the argument,
    // and the instance must go on working.
    let s = sender();
    let send_result = js(r#"{"fileTransferId":"3c2118b4-d4fd-4b2c-a0ec-a0df07243a19","size":1}"#);
    for bad in [JsValue::from(42), JsValue::NULL, JsValue::UNDEFINED, js("{}"), js(r#"["x"]"#), send_result.clone()] {
        for e in [
            fails(s.overview(bad.clone(), none())).await,
            fails(s.download(bad.clone(), none())).await,
            fails(s.wait_for(bad.clone(), "Published".into(), none())).await,
        ] {
            assert_eq!(e.name.as_deref(), Some("ClientError"), "{bad:?}: {e:?}");
            let m = e.message.clone().unwrap_or_default();
            assert!(m.contains("the fileTransferId must be a string"), "{bad:?}: {m}");
        }
    }
    let e = fails(s.overview(send_result, none())).await;
    assert!(e.message.unwrap_or_default().contains("pass the result's fileTransferId"), "the hint for a SendResult");
    let e = fails(s.get_resource(JsValue::from(7), none())).await;
    assert_eq!(e.name.as_deref(), Some("ClientError"));
    assert!(e.message.unwrap_or_default().contains("the resourceId must be a string"));
    // A malformed string is still the service's route-binding refusal.
    let e = fails(s.overview(JsValue::from("not-a-uuid"), none())).await;
    assert_eq!(e.errors.unwrap()["fileTransferId"], vec!["The value 'not-a-uuid' is not valid."]);
    // The instance works on.
    let id = ok(s.initialize(js(&good_with("fileName", r#""after.txt""#)), none())).await.as_string().unwrap();
    let o = ok(s.overview(JsValue::from(id), none())).await;
    assert_eq!(get::<String>(&o, "fileTransferStatus"), "Initialized");
}
