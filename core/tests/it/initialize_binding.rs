//! Hand-written initialize bodies with the service's exact verdict, each tied to the upstream rule it follows
//! (Altinn/altinn-broker @161ba12 unless a .NET component is named).

use altinn_broker_core::binding::{bind_initialize, MODEL_TYPE, MSG_EMPTY_BODY, PARAMETER};
use altinn_broker_core::model::InitializeRequest;
use altinn_broker_core::problem::ValidationErrors;
use altinn_broker_core::validate::{
    initialize, initialize_json, required_message, string_length_message, InitializeRejection, MSG_CHECKSUM_CASE,
    MSG_CHECKSUM_LENGTH, MSG_PROPERTY_COUNT, MSG_RECIPIENT, MSG_RECIPIENTS_REQUIRED, MSG_RESOURCE_ID, MSG_SENDER,
    UNHANDLED_NULL_PROPERTY_VALUE, UNHANDLED_NULL_RECIPIENT,
};
use serde_json::{json, Map, Value};

const RECIPIENT: &str = "urn:altinn:organization:identifier-no:986252932";

fn base() -> Map<String, Value> {
    match json!({
        "fileName": "a.txt",
        "resourceId": "urn:altinn:resource:altinn-broker-test-resource-1",
        "sendersFileTransferReference": "ref",
        "sender": "0192:991825827",
        "recipients": [RECIPIENT],
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn with(key: &str, value: Value) -> Vec<u8> {
    let mut m = base();
    m.insert(key.to_owned(), value);
    serde_json::to_vec(&m).unwrap()
}

fn without(key: &str) -> Vec<u8> {
    let mut m = base();
    m.remove(key);
    serde_json::to_vec(&m).unwrap()
}

fn errors(entries: &[(&str, &[&str])]) -> ValidationErrors {
    entries.iter().map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect())).collect()
}

/// A binding error: the JSON path entry plus the parameter entry ASP.NET adds.
fn binding(path: &str, message: &str) -> Result<(), InitializeRejection> {
    let required = required_message(PARAMETER);
    Err(InitializeRejection::Invalid(errors(&[(path, &[message]), (PARAMETER, &[required.as_str()])])))
}

fn conversion(type_name: &str, path: &str, line: u64, byte: u64) -> String {
    format!(
        "The JSON value could not be converted to {type_name}. Path: {path} | LineNumber: {line} | BytePositionInLine: {byte}."
    )
}

fn invalid(entries: &[(&str, &[&str])]) -> Result<(), InitializeRejection> {
    Err(InitializeRejection::Invalid(errors(entries)))
}

fn verdict(body: &[u8]) -> Result<(), InitializeRejection> {
    initialize_json(body).map(|_| ())
}

const STRING: &str = "System.String";

#[test]
fn the_service_verdict_for_each_case() {
    let req = |f: &str| required_message(f);
    let len = |f: &str, max: usize| string_length_message(f, 1, max);
    let (r_file, l_file) = (req("FileName"), len("FileName", 255));
    let (r_res, l_res) = (req("ResourceId"), len("ResourceId", 255));
    let (r_ref, l_ref) = (req("SendersFileTransferReference"), len("SendersFileTransferReference", 4096));
    let r_sender = req("Sender");
    let r_recipients = req("Recipients");
    let r_props = req("PropertyList");
    let props = |n: usize| Value::Object((0..n).map(|i| (format!("k{i}"), json!("v"))).collect());
    let long_key = "k".repeat(51);
    let long_value = "v".repeat(3001);
    let key_msg = format!("PropertyList Key can not be longer than 50. Length:51, KeyValue:{long_key}");
    let value_msg = format!("PropertyList Value can not be longer than 3000. Length:3001, Value:{long_value}");
    let upper: Map<String, Value> = base().into_iter().map(|(k, v)| (k.to_uppercase(), v)).collect();
    let deep = format!("{{\"x\":{}", "[".repeat(32));

    type Case = (&'static str, Vec<u8>, Result<(), InitializeRejection>);
    let cases: Vec<Case> = vec![
        // --- binding (ASP.NET Core SystemTextJsonInputFormatter + BodyModelBinder, System.Text.Json) ---
        ("empty body: BodyModelBinder's message under \"\"", vec![],
            invalid(&[("", &[MSG_EMPTY_BODY]), (PARAMETER, &[req(PARAMETER).as_str()])])),
        ("null body deserializes to a null model: NoValue, as an empty body", b"null".to_vec(),
            invalid(&[("", &[MSG_EMPTY_BODY]), (PARAMETER, &[req(PARAMETER).as_str()])])),
        ("white space is not empty to ASP.NET: the reader finds no token", b"   ".to_vec(),
            binding("$", "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true. Path: $ | LineNumber: 0 | BytePositionInLine: 3.")),
        ("an array for the model", b"[]".to_vec(), binding("$", &conversion(MODEL_TYPE, "$", 0, 1))),
        ("a string for the model", b"\"x\"".to_vec(), binding("$", &conversion(MODEL_TYPE, "$", 0, 3))),
        ("a string for bool? is refused (no coercion; NumberHandling is for numbers)", br#"{"disableVirusScan":"true"}"#.to_vec(),
            binding("$.disableVirusScan", &conversion("System.Nullable`1[System.Boolean]", "$.disableVirusScan", 0, 26))),
        ("the path keeps the JSON's casing (ReadStack.JsonPath uses the name as read)", br#"{"DisableVirusScan":1}"#.to_vec(),
            binding("$.DisableVirusScan", &conversion("System.Nullable`1[System.Boolean]", "$.DisableVirusScan", 0, 21))),
        ("a number for a string", br#"{"fileName":5}"#.to_vec(), binding("$.fileName", &conversion(STRING, "$.fileName", 0, 13))),
        ("an object for a string fails at its '{'", br#"{"sender":{"a":1}}"#.to_vec(), binding("$.sender", &conversion(STRING, "$.sender", 0, 11))),
        ("a string for List<string>", br#"{"recipients":"0192:991825827"}"#.to_vec(),
            binding("$.recipients", &conversion("System.Collections.Generic.List`1[System.String]", "$.recipients", 0, 30))),
        ("a non-string element is keyed by its index", br#"{"recipients":["0192:991825827",5]}"#.to_vec(),
            binding("$.recipients[1]", &conversion(STRING, "$.recipients[1]", 0, 33))),
        ("[] for Dictionary<string,string>", br#"{"propertyList":[]}"#.to_vec(),
            binding("$.propertyList", &conversion("System.Collections.Generic.Dictionary`2[System.String,System.String]", "$.propertyList", 0, 17))),
        ("a string for Dictionary<string,string>", br#"{"propertyList":"a"}"#.to_vec(),
            binding("$.propertyList", &conversion("System.Collections.Generic.Dictionary`2[System.String,System.String]", "$.propertyList", 0, 19))),
        ("a non-string property value is keyed by its key", br#"{"propertyList":{"key":1}}"#.to_vec(),
            binding("$.propertyList.key", &conversion(STRING, "$.propertyList.key", 0, 24))),
        ("a key with a space is bracketed in the path", br#"{"propertyList":{"a b":true}}"#.to_vec(),
            binding("$.propertyList['a b']", &conversion(STRING, "$.propertyList['a b']", 0, 27))),
        ("binding stops at the first JSON error", br#"{"fileName":5,"sender":6}"#.to_vec(),
            binding("$.fileName", &conversion(STRING, "$.fileName", 0, 13))),
        ("a trailing comma is a syntax error keyed $", br#"{"fileName":"a",}"#.to_vec(),
            binding("$", "The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options. Path: $ | LineNumber: 0 | BytePositionInLine: 16.")),
        ("a bad value is keyed by the member being read", br#"{"fileName": x}"#.to_vec(),
            binding("$.fileName", "'x' is an invalid start of a value. Path: $.fileName | LineNumber: 0 | BytePositionInLine: 13.")),
        ("line numbers are 0-based, byte positions reset after LF", b"{\n  \"fileName\": 5\n}".to_vec(),
            binding("$.fileName", &conversion(STRING, "$.fileName", 1, 15))),
        ("only white space may follow the body", br#"{"fileName":"a"} x"#.to_vec(),
            binding("$", "'x' is invalid after a single JSON value. Expected end of data. Path: $ | LineNumber: 0 | BytePositionInLine: 17.")),
        ("an unknown member is skipped, but its JSON must be valid", br#"{"unknown": [1, 2,]}"#.to_vec(),
            binding("$.unknown", "The JSON array contains a trailing comma at the end which is not supported in this mode. Change the reader options. Path: $.unknown | LineNumber: 0 | BytePositionInLine: 18.")),
        ("a lone surrogate escape does not convert to System.String", br#"{"fileName":"\ud800"}"#.to_vec(),
            binding("$.fileName", &conversion(STRING, "$.fileName", 0, 20))),
        ("MaxDepth 32 (ASP.NET Core JsonOptions)", deep.into_bytes(),
            binding("$.x", "The maximum configured depth of 32 has been exceeded. Cannot read next JSON array. Path: $.x | LineNumber: 0 | BytePositionInLine: 36.")),
        ("comments are not allowed", br#"{"fileName":"a" /* c */}"#.to_vec(),
            binding("$", "'/' is invalid after a value. Expected either ',', '}', or ']'. Path: $ | LineNumber: 0 | BytePositionInLine: 16.")),
        ("a UTF-8 BOM is skipped before positions count", b"\xEF\xBB\xBF{\"fileName\":5}".to_vec(),
            binding("$.fileName", &conversion(STRING, "$.fileName", 0, 13))),
        // --- the model and its attributes (Models/FileTransferInitializeExt.cs, ValidationAttributes/*) ---
        ("the valid base", serde_json::to_vec(&base()).unwrap(), Ok(())),
        ("member names bind case-insensitively (web defaults)", serde_json::to_vec(&upper).unwrap(), Ok(())),
        ("unknown members are ignored", with("extra", json!({"deep": [1, {"a": null}]})), Ok(())),
        ("an escaped name is unescaped before the look-up", String::from_utf8(serde_json::to_vec(&base()).unwrap()).unwrap().replace("fileName", "file\\u004Eame").into_bytes(), Ok(())),
        (
            "OrdinalIgnoreCase keeps dotless i apart from I (pal_casing.c): an unknown member, fileName omitted",
            String::from_utf8(serde_json::to_vec(&base()).unwrap())
                .unwrap()
                .replace("fileName", "f\u{131}leName")
                .into_bytes(),
            invalid(&[("FileName", &[r_file.as_str(), l_file.as_str()])]),
        ),
        ("an omitted recipients keeps the empty list: [MinLength(1)]", without("recipients"), invalid(&[("Recipients", &[MSG_RECIPIENTS_REQUIRED])])),
        ("a null recipients: [Required]", with("recipients", Value::Null), invalid(&[("Recipients", &[r_recipients.as_str()])])),
        ("an omitted fileName keeps \"\": [Required] then [StringLength]", without("fileName"), invalid(&[("FileName", &[r_file.as_str(), l_file.as_str()])])),
        ("a null fileName: [Required] only ([StringLength] passes null)", with("fileName", Value::Null), invalid(&[("FileName", &[r_file.as_str()])])),
        ("a blank fileName: [Required] (IsNullOrWhiteSpace)", with("fileName", json!("  ")), invalid(&[("FileName", &[r_file.as_str()])])),
        ("fileName of 256 UTF-16 units", with("fileName", json!("x".repeat(256))), invalid(&[("FileName", &[l_file.as_str()])])),
        ("fileName of 128 emoji = 256 UTF-16 units", with("fileName", json!("\u{1F600}".repeat(128))), invalid(&[("FileName", &[l_file.as_str()])])),
        ("an omitted reference keeps \"\": implicit [Required] of a non-nullable string, then [StringLength]", without("sendersFileTransferReference"),
            invalid(&[("SendersFileTransferReference", &[r_ref.as_str(), l_ref.as_str()])])),
        ("a null reference: the implicit [Required]", with("sendersFileTransferReference", Value::Null),
            invalid(&[("SendersFileTransferReference", &[r_ref.as_str()])])),
        ("reference of 4097", with("sendersFileTransferReference", json!("r".repeat(4097))), invalid(&[("SendersFileTransferReference", &[l_ref.as_str()])])),
        ("a blank sender fails [Required] and the pattern", with("sender", json!(" ")), invalid(&[("Sender", &[r_sender.as_str(), MSG_SENDER])])),
        ("an empty sender: the pattern passes \"\" (RegularExpressionAttribute)", with("sender", json!("")), invalid(&[("Sender", &[r_sender.as_str()])])),
        ("nine digits without a country code", with("sender", json!("991825827")), invalid(&[("Sender", &[MSG_SENDER])])),
        ("Arabic-Indic digits match .NET's \\d", with("sender", json!("\u{660}\u{661}\u{669}\u{662}:\u{669}\u{669}\u{661}\u{668}\u{662}\u{665}\u{668}\u{662}\u{667}")), Ok(())),
        ("fullwidth digits match .NET's \\d", with("sender", json!("\u{ff10}\u{ff11}\u{ff19}\u{ff12}:991825827")), Ok(())),
        ("a supplementary-plane digit is two surrogates, not \\d", with("sender", json!("0192:99182582\u{1D7CF}")), invalid(&[("Sender", &[MSG_SENDER])])),
        ("the match must cover the string: no final LF", with("sender", json!("0192:991825827\n")), invalid(&[("Sender", &[MSG_SENDER])])),
        ("an empty recipient passes the per-element check", with("recipients", json!([""])), Ok(())),
        ("a null recipient passes validation; the handler throws", with("recipients", json!([null])),
            Err(InitializeRejection::Unhandled(UNHANDLED_NULL_RECIPIENT))),
        ("a recipient off the pattern", with("recipients", json!(["0192:1"])), invalid(&[("Recipients", &[MSG_RECIPIENT])])),
        ("one bad recipient among good ones", with("recipients", json!([RECIPIENT, "bad"])), invalid(&[("Recipients", &[MSG_RECIPIENT])])),
        ("a null resourceId: [Required] and [ResourceIdentifier] (not a string)", with("resourceId", Value::Null),
            invalid(&[("ResourceId", &[r_res.as_str(), MSG_RESOURCE_ID])])),
        ("an omitted resourceId: \"\" passes [ResourceIdentifier]", without("resourceId"), invalid(&[("ResourceId", &[r_res.as_str(), l_res.as_str()])])),
        ("a colon in the bare id", with("resourceId", json!("a:b")), invalid(&[("ResourceId", &[MSG_RESOURCE_ID])])),
        ("prefix + 240: too long for [StringLength], fine for the pattern", with("resourceId", json!(format!("urn:altinn:resource:{}", "x".repeat(240)))),
            invalid(&[("ResourceId", &[l_res.as_str()])])),
        ("255 + LF: the pattern's $ matches before a final LF", with("resourceId", json!(format!("{}\n", "x".repeat(255)))),
            invalid(&[("ResourceId", &[l_res.as_str()])])),
        ("a null propertyList: the implicit [Required] of a non-nullable Dictionary", with("propertyList", Value::Null),
            invalid(&[("PropertyList", &[r_props.as_str()])])),
        ("11 properties", with("propertyList", props(11)), invalid(&[("PropertyList", &[MSG_PROPERTY_COUNT])])),
        ("10 properties", with("propertyList", props(10)), Ok(())),
        ("a repeated key is one entry (last wins)", String::from_utf8(with("propertyList", props(10))).unwrap().replace("\"k9\":\"v\"", "\"k9\":\"v\",\"k0\":\"w\"").into_bytes(), Ok(())),
        ("a key of 51", with("propertyList", json!({ long_key.clone(): "v" })), invalid(&[("PropertyList", &[key_msg.as_str()])])),
        ("a value of 3001", with("propertyList", json!({ "k": long_value.clone() })), invalid(&[("PropertyList", &[value_msg.as_str()])])),
        ("a null property value: PropertyListAttribute throws", with("propertyList", json!({ "k": null })),
            Err(InitializeRejection::Unhandled(UNHANDLED_NULL_PROPERTY_VALUE))),
        ("a long key is reported before its null value is read", with("propertyList", json!({ long_key.clone(): null })),
            invalid(&[("PropertyList", &[key_msg.as_str()])])),
        ("a checksum of 3", with("checksum", json!("abc")), invalid(&[("Checksum", &[MSG_CHECKSUM_LENGTH])])),
        ("an upper-case checksum", with("checksum", json!("A".repeat(32))), invalid(&[("Checksum", &[MSG_CHECKSUM_CASE])])),
        ("a null or blank checksum passes [MD5Checksum]", with("checksum", Value::Null), Ok(())),
        ("a null disableVirusScan binds to bool? null", with("disableVirusScan", Value::Null), Ok(())),
        ("an empty object: every default judged", b"{}".to_vec(), invalid(&[
            ("FileName", &[r_file.as_str(), l_file.as_str()]),
            ("ResourceId", &[r_res.as_str(), l_res.as_str()]),
            ("SendersFileTransferReference", &[r_ref.as_str(), l_ref.as_str()]),
            ("Sender", &[r_sender.as_str()]),
            ("Recipients", &[MSG_RECIPIENTS_REQUIRED]),
        ])),
        ("a repeated member: the last one wins", String::from_utf8(serde_json::to_vec(&base()).unwrap()).unwrap().replace("{", "{\"FILENAME\":null,").replace("}", ",\"FILENAME\":null}").into_bytes(),
            invalid(&[("FileName", &[r_file.as_str()])])),
    ];
    assert!(cases.len() >= 40);
    for (name, body, expected) in &cases {
        assert_eq!(&verdict(body), expected, "{name}: {}", String::from_utf8_lossy(body));
    }
}

#[test]
fn an_accepted_body_becomes_the_request_the_handler_gets() {
    let req = initialize_json(&without("propertyList")).unwrap();
    assert_eq!(req.file_name.as_deref(), Some("a.txt"));
    assert_eq!(req.recipients, Some(vec![RECIPIENT.to_owned()]));
    // The model's defaults: an empty dictionary, "" and false.
    assert_eq!(req.property_list, Some(Default::default()));
    assert_eq!(req.checksum.as_deref(), Some(""));
    assert_eq!(req.disable_virus_scan, Some(false));
    assert!(bind_initialize(b"{}").is_ok());
}

#[test]
fn a_request_built_in_rust_is_judged_as_its_json() {
    let valid = InitializeRequest {
        file_name: Some("a.txt".into()),
        resource_id: Some("urn:altinn:resource:r".into()),
        senders_file_transfer_reference: Some("ref".into()),
        sender: Some("0192:991825827".into()),
        recipients: Some(vec![RECIPIENT.into()]),
        property_list: None,
        checksum: None,
        disable_virus_scan: None,
    };
    for mutate in [
        (|r: &mut InitializeRequest| r.file_name = None) as fn(&mut InitializeRequest),
        |r| r.resource_id = None,
        |r| r.sender = Some(" ".into()),
        |r| r.recipients = Some(vec![String::new()]),
        |r| r.recipients = None,
        |r| r.checksum = Some("abc".into()),
    ] {
        let mut r = valid.clone();
        mutate(&mut r);
        let json = serde_json::to_vec(&r).unwrap();
        let from_json = match initialize_json(&json) {
            Ok(_) => ValidationErrors::new(),
            Err(InitializeRejection::Invalid(e)) => e,
            Err(other) => panic!("{other:?}"),
        };
        assert_eq!(initialize(&r), from_json, "{r:?}");
    }
}

#[test]
fn a_large_property_list_binds_in_linear_time() {
    // 200,000 distinct keys and one repeated: bound (then refused for the count) without quadratic work.
    let mut body = String::from("{\"propertyList\":{");
    for i in 0..200_000 {
        body.push_str(&format!("\"k{i}\":\"v\","));
    }
    body.push_str("\"k0\":\"w\"}}");
    let bound = bind_initialize(body.as_bytes()).unwrap();
    let props = bound.property_list.unwrap();
    assert_eq!(props.len(), 200_000);
    assert_eq!(props[0], ("k0".to_owned(), Some("w".to_owned())));
}
