//! Generated initialize bodies (missing, null, wrong type, each length bound, org-number and URN forms,
//! property-list limits, checksum shapes, unknown and case-variant members, broken JSON) and the invariants the
//! service's binding guarantees (see `binding.rs` for the upstream sources).

use altinn_broker_core::binding::{bind_initialize, PARAMETER};
use altinn_broker_core::model::InitializeRequest;
use altinn_broker_core::validate::{initialize, initialize_json, InitializeRejection};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const NAMES: [&str; 8] = [
    "fileName",
    "resourceId",
    "sendersFileTransferReference",
    "sender",
    "recipients",
    "propertyList",
    "checksum",
    "disableVirusScan",
];

fn org_forms() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0192:991825827".to_owned()),
        Just("urn:altinn:organization:identifier-no:986252932".to_owned()),
        Just("9999:123456789".to_owned()),
        Just("991825827".to_owned()),
        Just("0192:99182582".to_owned()),
        Just("0192:9918258270".to_owned()),
        Just("0192:991825827\n".to_owned()),
        Just(" 0192:991825827".to_owned()),
        Just("\u{660}\u{661}\u{669}\u{662}:\u{669}\u{669}\u{661}\u{668}\u{662}\u{665}\u{668}\u{662}\u{667}".to_owned()),
        Just("\u{ff10}\u{ff11}\u{ff19}\u{ff12}:991825827".to_owned()),
        Just("0192:99182582\u{1D7CF}".to_owned()),
        Just("urn:altinn:organization:identifier-no:".to_owned()),
        Just("URN:altinn:organization:identifier-no:986252932".to_owned()),
        Just(String::new()),
        Just("  ".to_owned()),
        "[0-9:a-z]{0,16}",
    ]
}

fn text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" \t".to_owned()),
        Just("a".to_owned()),
        Just("x".repeat(max)),
        Just("x".repeat(max + 1)),
        Just("\u{1F600}".repeat(max / 2 + 1)),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ]
}

fn resource_forms() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("urn:altinn:resource:altinn-broker-test-resource-1".to_owned()),
        Just("altinn-broker-test-resource-1".to_owned()),
        Just("a:b".to_owned()),
        Just("urn:altinn:resource:".to_owned()),
        Just(format!("urn:altinn:resource:{}", "x".repeat(235))),
        Just(format!("urn:altinn:resource:{}", "x".repeat(240))),
        Just(format!("{}\n", "x".repeat(255))),
        Just("x".repeat(255)),
        Just("x".repeat(256)),
        text(255),
    ]
}

fn checksum_forms() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{32}",
        "[0-9A-F]{32}",
        "[0-9a-f]{31}",
        "[a-z]{32}",
        Just("   ".to_owned()),
        Just(String::new()),
        Just("\u{c9}".repeat(32)),
    ]
}

fn wrong_type() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
        Just(json!(["x"])),
        Just(json!({"a": 1})),
        Just(json!(1.5)),
    ]
}

fn string_member(s: BoxedStrategy<String>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        3 => s.prop_map(|s| Some(Value::String(s))),
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        1 => wrong_type().prop_map(Some),
    ]
    .boxed()
}

fn recipients_member() -> BoxedStrategy<Option<Value>> {
    let element = prop_oneof![6 => org_forms().prop_map(Value::String), 1 => Just(Value::Null), 1 => wrong_type()];
    prop_oneof![
        4 => proptest::collection::vec(element, 0..4).prop_map(|v| Some(Value::Array(v))),
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        1 => org_forms().prop_map(|s| Some(Value::String(s))),
        1 => Just(Some(json!({"0": "0192:991825827"}))),
    ]
    .boxed()
}

fn property_list_member() -> BoxedStrategy<Option<Value>> {
    let key = prop_oneof!["[a-z]{1,8}", Just("k".repeat(50)), Just("k".repeat(51)), Just("a b".to_owned())];
    let value = prop_oneof![
        8 => "[ -~]{0,8}".prop_map(Value::String),
        1 => Just(Value::String("v".repeat(3000))),
        1 => Just(Value::String("v".repeat(3001))),
        1 => Just(Value::Null),
        1 => wrong_type(),
    ];
    prop_oneof![
        4 => proptest::collection::vec((key, value), 0..13)
            .prop_map(|kv| Some(Value::Object(kv.into_iter().collect::<Map<_, _>>()))),
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        1 => Just(Some(json!([]))),
        1 => Just(Some(json!("a=b"))),
    ]
    .boxed()
}

fn bool_member() -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        any::<bool>().prop_map(|b| Some(Value::Bool(b))),
        Just(Some(json!("true"))),
        Just(Some(json!(1))),
    ]
    .boxed()
}

/// How a member name is written: as declared, upper-, lower- or alternating case.
fn casing(name: &str, how: u8) -> String {
    match how % 4 {
        0 => name.to_owned(),
        1 => name.to_uppercase(),
        2 => name.to_lowercase(),
        _ => name
            .chars()
            .enumerate()
            .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect(),
    }
}

fn extra_members() -> impl Strategy<Value = Vec<(String, Value)>> {
    let value = prop_oneof![Just(Value::Null), wrong_type(), "[ -~]{0,6}".prop_map(Value::String)];
    proptest::collection::vec(("[a-zA-Z$ ]{1,10}", value), 0..3)
}

/// A whole body: each member present or not, in any casing, plus unknown members, compact or pretty.
fn body() -> impl Strategy<Value = Vec<u8>> {
    (
        (
            string_member(text(255).boxed()),
            string_member(resource_forms().boxed()),
            string_member(text(4096).boxed()),
            string_member(org_forms().boxed()),
            recipients_member(),
            property_list_member(),
            string_member(checksum_forms().boxed()),
            bool_member(),
        ),
        proptest::collection::vec(any::<u8>(), 8),
        extra_members(),
        any::<bool>(),
    )
        .prop_map(|((a, b, c, d, e, f, g, h), casings, extra, pretty)| {
            let members = [a, b, c, d, e, f, g, h];
            let mut pairs: Vec<(String, Value)> = Vec::new();
            for ((name, value), how) in NAMES.iter().zip(members).zip(casings) {
                if let Some(v) = value {
                    pairs.push((casing(name, how), v));
                }
            }
            pairs.extend(extra);
            let object = Value::Object(pairs.into_iter().collect());
            if pretty {
                serde_json::to_vec_pretty(&object).unwrap_or_default()
            } else {
                serde_json::to_vec(&object).unwrap_or_default()
            }
        })
}

/// Bodies whose every member is valid, in any casing and order.
fn valid_body() -> impl Strategy<Value = Vec<u8>> {
    let sender = prop_oneof![
        Just("0192:991825827".to_owned()),
        Just("urn:altinn:organization:identifier-no:991825827".to_owned()),
        Just("\u{ff10}\u{ff11}\u{ff19}\u{ff12}:991825827".to_owned()),
    ];
    (
        "[a-z]{1,20}\\.txt",
        prop_oneof![Just("urn:altinn:resource:r-1".to_owned()), "[a-z-]{1,40}"],
        "[ -~]{0,20}[a-z]",
        sender,
        proptest::collection::vec(Just("0192:986252932".to_owned()), 1..4),
        proptest::option::of(proptest::collection::btree_map("[a-z]{1,50}", "[ -~]{0,30}", 0..=10)),
        proptest::option::of("[0-9a-f]{32}"),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(any::<u8>(), 8),
        extra_members(),
    )
        .prop_map(|(file, res, reference, sender, recipients, props, checksum, scan, casings, extra)| {
            let values: [Option<Value>; 8] = [
                Some(json!(file)),
                Some(json!(res)),
                Some(json!(reference)),
                Some(json!(sender)),
                Some(json!(recipients)),
                props.map(|p| json!(p)),
                checksum.map(Value::String),
                scan.map(Value::Bool),
            ];
            let mut pairs: Vec<(String, Value)> = NAMES
                .iter()
                .zip(values)
                .zip(casings)
                .filter_map(|((n, v), how)| v.map(|v| (casing(n, how), v)))
                .collect();
            // Unknown members only; a name that matches a declared member case-insensitively would replace it.
            pairs.extend(extra.into_iter().filter(|(k, _)| !NAMES.iter().any(|n| n.eq_ignore_ascii_case(k))));
            serde_json::to_vec(&Value::Object(pairs.into_iter().collect())).unwrap_or_default()
        })
}

/// The invariants every verdict holds.
fn check_shape(body: &[u8], verdict: &Result<InitializeRequest, InitializeRejection>) -> Result<(), TestCaseError> {
    if let Err(InitializeRejection::Invalid(errors)) = verdict {
        prop_assert!(!errors.is_empty());
        let json_keys = errors.keys().filter(|k| k.starts_with('$')).count();
        prop_assert!(json_keys <= 1, "more than one JSON error: {errors:?}");
        let binding = json_keys == 1 || errors.contains_key("");
        if binding {
            // The first binding error, plus the parameter's entry, and nothing from the model validation.
            prop_assert_eq!(errors.len(), 2, "{:?}", errors);
            prop_assert!(errors.contains_key(PARAMETER));
            prop_assert!(bind_initialize(body).is_err());
        } else {
            prop_assert!(!errors.contains_key(PARAMETER));
            prop_assert!(bind_initialize(body).is_ok());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn generated_bodies(body in body()) {
        let verdict = initialize_json(&body);
        prop_assert_eq!(&verdict, &initialize_json(&body), "not deterministic");
        check_shape(&body, &verdict)?;
        // Valid JSON that serde_json reads never meets a syntax error, only conversion errors.
        if let Err(InitializeRejection::Invalid(errors)) = &verdict {
            for (k, msgs) in errors {
                if k.starts_with('$') {
                    prop_assert!(msgs[0].starts_with("The JSON value could not be converted to "), "{}", msgs[0]);
                }
            }
        }
        if let Ok(req) = &verdict {
            let again = serde_json::to_vec(req).unwrap_or_default();
            let rebound = initialize_json(&again);
            prop_assert_eq!(rebound, Ok(as_rebound(req)), "re-bound differently");
            prop_assert!(initialize(req).is_empty());
        }
    }

    #[test]
    fn valid_members_in_any_casing_are_accepted(body in valid_body()) {
        let verdict = initialize_json(&body);
        prop_assert!(verdict.is_ok(), "{:?} for {}", verdict, String::from_utf8_lossy(&body));
        let req = verdict.unwrap_or_default();
        let again = serde_json::to_vec(&req).unwrap_or_default();
        prop_assert_eq!(initialize_json(&again), Ok(req));
    }

    /// Broken JSON: truncated, or with a structural byte put in. The reader refuses exactly what serde_json
    /// refuses (both follow RFC 8259; the generated bytes avoid where they differ: escapes, non-ASCII, exponents).
    #[test]
    fn broken_json_is_refused_at_the_first_error(body in body(), cut in any::<prop::sample::Index>(),
            insert in prop::sample::select(b"{}[],:\" 01-.tn\n/".to_vec()), mode in 0u8..3) {
        let mut body = body;
        if body.contains(&b'\\') || !body.is_ascii() {
            return Ok(());
        }
        let at = cut.index(body.len() + 1);
        match mode {
            0 => body.truncate(at),
            1 => body.insert(at, insert),
            _ => { if at < body.len() { body[at] = insert; } }
        }
        let verdict = initialize_json(&body);
        prop_assert_eq!(&verdict, &initialize_json(&body));
        check_shape(&body, &verdict)?;
        let serde_ok = serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok();
        let bound = bind_initialize(&body);
        if !serde_ok {
            prop_assert!(bound.is_err(), "accepted invalid JSON: {}", String::from_utf8_lossy(&body));
        } else if let Err(errors) = &bound {
            for (k, msgs) in errors {
                if k.starts_with('$') {
                    prop_assert!(msgs[0].starts_with("The JSON value could not be converted to "),
                        "syntax error on valid JSON {}: {}", String::from_utf8_lossy(&body), msgs[0]);
                }
            }
        }
    }

    /// A request built in Rust is judged exactly as the JSON serde writes for it.
    #[test]
    fn rust_requests_agree_with_their_json(
        file in proptest::option::of(text(255)), res in proptest::option::of(resource_forms()),
        reference in proptest::option::of(text(4096)), sender in proptest::option::of(org_forms()),
        recipients in proptest::option::of(proptest::collection::vec(org_forms(), 0..3)),
        props in proptest::option::of(proptest::collection::btree_map(
            prop_oneof!["[a-z]{1,4}", Just("k".repeat(51))], prop_oneof!["[a-z]{0,4}", Just("v".repeat(3001))], 0..12)),
        checksum in proptest::option::of(checksum_forms()), scan in proptest::option::of(any::<bool>()),
    ) {
        let req = InitializeRequest {
            file_name: file, resource_id: res, senders_file_transfer_reference: reference, sender, recipients,
            property_list: props, checksum, disable_virus_scan: scan,
        };
        let json = serde_json::to_vec(&req).unwrap_or_default();
        let from_json = match initialize_json(&json) {
            Ok(_) => Default::default(),
            Err(InitializeRejection::Invalid(e)) => e,
            Err(InitializeRejection::Unhandled(why)) => return Err(TestCaseError::fail(why)),
        };
        prop_assert_eq!(initialize(&req), from_json);
    }
}

/// What `req` binds as once serde has written it: serde leaves a `None` checksum out, and an omitted member keeps
/// the model's initialiser (`""`, `BoundInitialize::default`), while an explicit `null` binds `None` — so a body
/// with `"checksum": null` comes back with `Some("")`. Both mean "no checksum" to the service's validation.
fn as_rebound(req: &InitializeRequest) -> InitializeRequest {
    let mut r = req.clone();
    r.checksum = r.checksum.or_else(|| Some(String::new()));
    r
}

/// The case proptest found (a valid body with `"checksum": null`): the round trip keeps every member but the
/// checksum's null, which becomes the model's default.
#[test]
fn a_null_checksum_rebinds_as_the_models_default() {
    let body = br#"{"checksum":null,"fileName":"a","recipients":["0192:991825827"],"resourceId":"r","sender":"0192:991825827","sendersFileTransferReference":"!"}"#;
    let req = initialize_json(body).unwrap_or_default();
    assert_eq!(req.checksum, None);
    let again = serde_json::to_vec(&req).unwrap_or_default();
    let rebound = initialize_json(&again).unwrap_or_default();
    assert_eq!(rebound.checksum.as_deref(), Some(""));
    assert_eq!(rebound, as_rebound(&req));
}
