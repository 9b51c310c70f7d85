//! The emulated Altinn Events (events-auth contract §1): subscriptions with §1.2's checks and messages, the
//! handshake, pushes with their retry schedule on the emulator clock, dead letters, and polling. Pushes go to real
//! webhook receivers on 127.0.0.1 (an axum listener per test) from a real emulator process.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use altinn_broker_core::scopes::{READ, SERVICE_OWNER, WRITE};
use altinn_broker_core::seed::{DIGDIR, FAILED_ACCESS_RESOURCE, OTHER_RECIPIENT, RECIPIENT, RESOURCE};
use altinn_broker_core::subscriptions as contract;
use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::{json, Value};

use crate::fixture::*;

const SUBSCRIBE: &str = "altinn:events.subscribe";
const SUBSCRIPTIONS: &str = "/events/api/v1/subscriptions";

fn urn(org: &str) -> String {
    format!("urn:altinn:organization:identifier-no:{org}")
}

fn resource_urn(id: &str) -> String {
    format!("urn:altinn:resource:{id}")
}

/// One request a webhook received.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: Value,
}

/// A webhook on 127.0.0.1: records every request; answers the handshake with 200 unless `fail_handshakes`, and
/// the first `fail_events` other pushes with 500, then 200.
struct Webhook {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    _server: tokio::task::JoinHandle<()>,
}

impl Webhook {
    async fn start(fail_events: usize, fail_handshakes: bool) -> Self {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let failures = Arc::new(AtomicUsize::new(fail_events));
        let (rec, fail) = (received.clone(), failures.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let (rec, fail) = (rec.clone(), fail.clone());
                async move {
                    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let handshake = contract::is_validation_event(&body);
                    rec.lock().unwrap().push(Received { headers, body });
                    let failing = if handshake {
                        fail_handshakes
                    } else {
                        fail.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
                    };
                    if failing {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        // Any 2xx counts (§1.5); 204 shows it is not only 200.
                        StatusCode::NO_CONTENT
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, received, _server: server }
    }

    fn events(&self) -> Vec<Received> {
        self.received.lock().unwrap().iter().filter(|r| !contract::is_validation_event(&r.body)).cloned().collect()
    }

    fn handshakes(&self) -> Vec<Received> {
        self.received.lock().unwrap().iter().filter(|r| contract::is_validation_event(&r.body)).cloned().collect()
    }
}

/// An emulator process that takes http webhooks on loopback.
fn events_emulator() -> Broker {
    Broker::process_with(Options { extra: vec!["--allow-http-webhooks"], ..Default::default() })
}

async fn events_token(app: &Broker, org: &str) -> String {
    app.token(org, &format!("{WRITE} {READ} {SUBSCRIBE}")).await
}

fn subscription_body(endpoint: &str, subject: Option<&str>) -> Value {
    let mut b = json!({"endPoint": endpoint, "resourceFilter": resource_urn(RESOURCE)});
    if let Some(s) = subject {
        b["subjectFilter"] = json!(urn(s));
    }
    b
}

async fn subscribe(app: &Broker, token: &str, body: Value) -> Resp {
    app.call(Method::POST, SUBSCRIPTIONS, Some(token), Some(body)).await
}

/// Polls `check` until it is true, for up to 20 s.
async fn eventually<F: FnMut() -> bool>(what: &str, mut check: F) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The pushes (with attempts) of one subscription, from the hook.
async fn deliveries(app: &Broker, subscription: i64) -> Vec<Value> {
    let r = app.get(&format!("/emulator/api/events/deliveries?subscriptionId={subscription}"), None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json().as_array().unwrap().clone()
}

/// Waits until the subscription's pushes of `kind` have made `n` attempts in all.
async fn wait_attempts(app: &Broker, subscription: i64, kind: &str, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let d: Vec<Value> = deliveries(app, subscription).await.into_iter().filter(|d| d["kind"] == kind).collect();
        let made: usize = d.iter().map(|d| d["attempts"].as_array().map_or(0, Vec::len)).sum();
        if made >= n {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("subscription {subscription}: {kind} never reached {n} attempts: {:?}", deliveries(app, subscription).await);
}

async fn wait_validated(app: &Broker, token: &str, id: i64) {
    for _ in 0..200 {
        let r = app.get(&format!("{SUBSCRIPTIONS}/{id}"), Some(token)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        if r.json()["validated"] == true {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("subscription {id} never validated");
}

fn at(v: &Value) -> time::OffsetDateTime {
    altinn_broker_core::timestamp::parse(v["at"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn a_transfer_life_reaches_the_senders_and_the_recipients_subscriptions() {
    let app = events_emulator();
    let (sender_hook, recipient_hook) = (Webhook::start(0, false).await, Webhook::start(0, false).await);
    let sender = events_token(&app, DIGDIR).await;
    let recipient = events_token(&app, RECIPIENT).await;

    let r = subscribe(&app, &sender, subscription_body(&sender_hook.url, Some(DIGDIR))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let s = r.json();
    let sender_sub = s["id"].as_i64().unwrap();
    assert_eq!(r.header("location"), Some(format!("/events/api/v1/subscription/{sender_sub}").as_str()));
    assert_eq!(s["validated"], false, "a 201 is not a validation");
    assert_eq!(s["consumer"], format!("/organisation/{DIGDIR}"));
    assert_eq!(s["createdBy"], s["consumer"]);
    assert!(s.get("typeFilter").is_none() && s.get("sourceFilter").is_none(), "null members are omitted: {s}");
    assert_eq!(s["includeSubunits"], false);
    assert!(s["created"].as_str().unwrap().ends_with('Z'));

    let r = subscribe(&app, &recipient, subscription_body(&recipient_hook.url, Some(RECIPIENT))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let recipient_sub = r.json()["id"].as_i64().unwrap();

    // The handshake: exactly four attributes, specversion first, source naming the subscription.
    wait_validated(&app, &sender, sender_sub).await;
    wait_validated(&app, &recipient, recipient_sub).await;
    let hs = sender_hook.handshakes();
    assert_eq!(hs.len(), 1);
    let keys: Vec<&String> = hs[0].body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{:?}", hs[0].body);
    assert_eq!(hs[0].body["source"], format!("{}/events/api/v1/subscriptions/{sender_sub}", app.base()));
    assert_eq!(hs[0].body["specversion"], "1.0");

    // A whole life: initialize, upload, published, the recipient downloads and confirms, all confirmed.
    let id = app.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    assert_eq!(app.upload(&sender, &id, b"hello events").await.status, 200);
    app.wait_for_status(&sender, &id, "Published").await;
    app.recipient_download(&id).await;
    let c = app
        .call(Method::POST, &format!("/broker/api/v1/filetransfer/{id}/confirmdownload"), Some(&recipient), None)
        .await;
    assert_eq!(c.status, 204, "{}", c.text());
    app.wait_for_status(&sender, &id, "AllConfirmedDownloaded").await;

    // Each subscription receives exactly the recorded events about its own org, as Events re-encodes them.
    let recorded = app.events().await;
    for (hook, org, role) in [(&sender_hook, DIGDIR, "Sender"), (&recipient_hook, RECIPIENT, "Recipient")] {
        let want: Vec<&Value> = recorded.iter().filter(|e| e["subject"] == urn(org)).collect();
        eventually(&format!("{role}'s events"), || hook.events().len() >= want.len()).await;
        let got = hook.events();
        assert_eq!(got.len(), want.len(), "{role}: {:?}", got.iter().map(|r| &r.body["type"]).collect::<Vec<_>>());
        for w in &want {
            let g = got.iter().find(|g| g.body["id"] == w["id"]).unwrap_or_else(|| panic!("{role}: missing {w}"));
            assert_eq!(g.body["type"], w["type"]);
            assert_eq!(g.body["subject"], urn(org));
            assert_eq!(g.body["data"], json!({"Role": role}));
            assert_eq!(g.body["datacontenttype"], "application/json");
            assert_eq!(g.body["resourceinstance"], id);
            assert_eq!(g.body["resource"], resource_urn(RESOURCE));
            let time = g.body["time"].as_str().unwrap();
            assert!(time.ends_with('Z') && !time.contains("+00:00"), "{time}");
            let recorded_time = altinn_broker_core::timestamp::parse(w["time"].as_str().unwrap()).unwrap();
            assert_eq!(altinn_broker_core::timestamp::parse(time).unwrap(), recorded_time);
            assert_eq!(g.headers["content-type"], "application/json; charset=utf-8");
            assert!(g.headers.get("authorization").is_none(), "pushes are unauthenticated");
        }
        let types: Vec<&str> = got.iter().filter_map(|g| g.body["type"].as_str()).collect();
        for t in ["published", "downloadconfirmed"] {
            assert!(types.contains(&format!("no.altinn.broker.{t}").as_str()), "{role}: {types:?}");
        }
    }
    let sender_types: Vec<String> =
        sender_hook.events().iter().filter_map(|g| g.body["type"].as_str().map(str::to_owned)).collect();
    for t in ["filetransferinitialized", "allconfirmeddownloaded"] {
        assert!(sender_types.contains(&format!("no.altinn.broker.{t}")), "{sender_types:?}");
    }
}

#[tokio::test]
async fn an_endpoint_that_fails_twice_gets_the_event_on_the_schedule() {
    let app = events_emulator();
    let hook = Webhook::start(2, false).await;
    let sender = events_token(&app, DIGDIR).await;
    let body = json!({"endPoint": hook.url, "resourceFilter": resource_urn(RESOURCE), "subjectFilter": urn(DIGDIR),
                      "typeFilter": "no.altinn.broker.filetransferinitialized"});
    let r = subscribe(&app, &sender, body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let sub = r.json()["id"].as_i64().unwrap();
    wait_validated(&app, &sender, sub).await;

    app.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    wait_attempts(&app, sub, "event", 1).await;
    // The first retry waits 10 s of emulator time; nothing happens before.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(hook.events().len(), 1);
    app.advance("PT10S").await;
    wait_attempts(&app, sub, "event", 2).await;
    app.advance("PT30S").await;
    let d = wait_attempts(&app, sub, "event", 3).await;
    assert_eq!(d.len(), 1, "one push per (event, subscription): {d:?}");
    assert_eq!(d[0]["state"], "delivered");
    let attempts = d[0]["attempts"].as_array().unwrap();
    let statuses: Vec<_> = attempts.iter().map(|a| a["status"].as_u64()).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(204)]);
    assert!(at(&attempts[1]) - at(&attempts[0]) >= time::Duration::seconds(10));
    assert!(at(&attempts[2]) - at(&attempts[1]) >= time::Duration::seconds(30));
    assert_eq!(hook.events().len(), 3, "the same event, three times");
    assert!(hook.events().iter().all(|e| e.body["type"] == "no.altinn.broker.filetransferinitialized"));
}

#[tokio::test]
async fn an_endpoint_that_always_fails_is_dead_lettered_after_the_twelfth_attempt() {
    let app = events_emulator();
    let hook = Webhook::start(usize::MAX, false).await;
    let sender = events_token(&app, DIGDIR).await;
    let body = json!({"endPoint": hook.url, "resourceFilter": resource_urn(RESOURCE), "subjectFilter": urn(DIGDIR),
                      "typeFilter": "no.altinn.broker.filetransferinitialized"});
    let sub = subscribe(&app, &sender, body).await.json()["id"].as_i64().unwrap();
    wait_validated(&app, &sender, sub).await;
    app.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    wait_attempts(&app, sub, "event", 1).await;
    for (i, delay) in contract::DELIVERY_RETRY_DELAYS.iter().enumerate() {
        let d = deliveries(&app, sub).await.into_iter().find(|d| d["kind"] == "event").unwrap();
        assert_eq!(d["state"], "pending", "after {} attempts", i + 1);
        app.advance(&format!("PT{}S", delay.as_secs())).await;
        wait_attempts(&app, sub, "event", i + 2).await;
    }
    let d = deliveries(&app, sub).await.into_iter().find(|d| d["kind"] == "event").unwrap();
    assert_eq!(d["state"], "dead-lettered");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 12);
    let dead = app.get(&format!("/emulator/api/events/dead-letters?subscriptionId={sub}"), None).await.json();
    assert_eq!(dead.as_array().unwrap().len(), 1);
    // Nothing more after the last.
    app.advance("P2D").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(hook.events().len(), 12);
}

#[tokio::test]
async fn an_unvalidated_subscription_receives_nothing() {
    let app = events_emulator();
    let hook = Webhook::start(0, true).await;
    let sender = events_token(&app, DIGDIR).await;
    let sub = subscribe(&app, &sender, subscription_body(&hook.url, Some(DIGDIR))).await.json()["id"].as_i64().unwrap();
    wait_attempts(&app, sub, "validation", 1).await;
    // The handshake's own schedule (§1.4): 9 attempts, then given up.
    for (i, delay) in contract::VALIDATION_RETRY_DELAYS.iter().enumerate() {
        app.advance(&format!("PT{}S", delay.as_secs())).await;
        wait_attempts(&app, sub, "validation", i + 2).await;
    }
    let d = deliveries(&app, sub).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["state"], "dead-lettered");
    let id = app.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    assert_eq!(app.upload(&sender, &id, b"x").await.status, 200);
    app.wait_for_status(&sender, &id, "Published").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(hook.events().is_empty(), "an unvalidated subscription got {:?}", hook.events());
    assert!(deliveries(&app, sub).await.iter().all(|d| d["kind"] == "validation"));
    let s = app.get(&format!("{SUBSCRIPTIONS}/{sub}"), Some(&sender)).await.json();
    assert_eq!(s["validated"], false);

    // Re-POSTing the same subscription returns it and runs the handshake again.
    let again = subscribe(&app, &sender, subscription_body(&hook.url, Some(DIGDIR))).await;
    assert_eq!((again.status, again.json()["id"].as_i64()), (201, Some(sub)));
    wait_attempts(&app, sub, "validation", 10).await;
    // (The new handshake's own retries may have begun.)
    assert!(hook.handshakes().len() >= 10);
}

#[tokio::test]
async fn replay_pushes_a_recorded_event_again() {
    let app = events_emulator();
    let hook = Webhook::start(0, false).await;
    let sender = events_token(&app, DIGDIR).await;
    let sub = subscribe(&app, &sender, subscription_body(&hook.url, Some(DIGDIR))).await.json()["id"].as_i64().unwrap();
    wait_validated(&app, &sender, sub).await;
    app.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    eventually("the first push", || hook.events().len() == 1).await;
    let event_id = hook.events()[0].body["id"].as_str().unwrap().to_owned();
    let r = app
        .call(Method::POST, &format!("/emulator/api/events/replay?subscriptionId={sub}&eventId={event_id}"), None, None)
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    eventually("the replay", || hook.events().len() == 2).await;
    assert_eq!(hook.events()[0].body, hook.events()[1].body, "a replay is the same event, same id");
    let missing = app
        .call(Method::POST, &format!("/emulator/api/events/replay?subscriptionId={sub}&eventId=nope"), None, None)
        .await;
    assert_eq!(missing.status, 404);
}

/// A §1.2 rejection: the status and the JSON string literal body.
fn assert_message(r: &Resp, status: u16, message: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(r.text(), serde_json::to_string(message).unwrap());
}

#[tokio::test]
async fn every_validation_message_of_1_2_in_order() {
    let app = Broker::in_process();
    let token = events_token(&app, DIGDIR).await;
    let ok = json!({"endPoint": "https://example.com/hook", "resourceFilter": resource_urn(RESOURCE),
                    "subjectFilter": urn(DIGDIR)});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let cases = [
        (json!({"resourceFilter": resource_urn(RESOURCE)}), 400, Some(contract::MSG_ENDPOINT)),
        (with("endPoint", json!("http://example.com/hook")), 400, Some(contract::MSG_ENDPOINT)),
        // The emulator takes loopback http only with --allow-http-webhooks (off here, as by default).
        (with("endPoint", json!("http://127.0.0.1:9/hook")), 400, Some(contract::MSG_ENDPOINT)),
        (with("endPoint", json!("/relative")), 400, Some(contract::MSG_ENDPOINT)),
        // Step 1 comes before step 2.
        (json!({"endPoint": "nope", "sourceFilter": "nope"}), 400, Some(contract::MSG_ENDPOINT)),
        (with("sourceFilter", json!("http://example.com/src")), 400, Some(contract::MSG_SOURCE_FILTER_URL)),
        (with("resourceFilter", json!("urn:altinn:resource:Altinn-Broker")), 400, Some(contract::MSG_RESOURCE_URN)),
        (with("resourceFilter", json!("not a urn")), 400, Some(contract::MSG_RESOURCE_URN)),
        // An empty string is not null: it fails the URN rule before "required" is asked (step 4 before 5).
        (with("resourceFilter", json!("")), 400, Some(contract::MSG_RESOURCE_URN)),
        (json!({"endPoint": "https://example.com/hook"}), 400, Some(contract::MSG_RESOURCE_REQUIRED)),
        (with("sourceFilter", json!("https://example.com/src")), 400, Some(contract::MSG_SOURCE_FILTER_UNSUPPORTED)),
        (
            with("alternativeSubjectFilter", json!("/organisation/991825827")),
            400,
            Some(contract::MSG_ALTERNATIVE_SUBJECT_UNSUPPORTED),
        ),
        (
            json!({"endPoint": "https://example.com/hook", "resourceFilter": resource_urn(RESOURCE), "includeSubunits": true}),
            400,
            Some(contract::MSG_INCLUDE_SUBUNITS),
        ),
    ];
    for (body, status, message) in cases {
        let r = subscribe(&app, &token, body.clone()).await;
        assert_message(&r, status, message.unwrap());
    }
    // Step 6: the PDP. Another org's subject, the resource that permits nobody, a resource Broker does not know.
    for (body, filter) in [
        (with("subjectFilter", json!(urn(RECIPIENT))), resource_urn(RESOURCE)),
        (with("resourceFilter", json!(resource_urn(FAILED_ACCESS_RESOURCE))), resource_urn(FAILED_ACCESS_RESOURCE)),
        (
            with("resourceFilter", json!("urn:altinn:resource:no-such-resource")),
            "urn:altinn:resource:no-such-resource".into(),
        ),
    ] {
        let r = subscribe(&app, &token, body).await;
        assert_message(&r, 403, &contract::not_authorized_message(&filter));
    }
    // Step 3: a generic subscription without altinn:events.subscribe: 403, empty body (after steps 1-2, before 4).
    let no_scope = app.token(DIGDIR, WRITE).await;
    let r = subscribe(&app, &no_scope, with("resourceFilter", json!("UPPER"))).await;
    assert_eq!((r.status, r.body.len()), (403, 0), "{}", r.text());
    let r = subscribe(&app, &no_scope, with("endPoint", json!("http://x/"))).await;
    assert_message(&r, 400, contract::MSG_ENDPOINT);
    // No token: 401. Not JSON: 415. Unreadable JSON: the automatic ValidationProblemDetails.
    assert_eq!(subscribe(&app, "", ok.clone()).await.status, 401);
    let r = app
        .send(
            request("POST", SUBSCRIPTIONS, Some(&token))
                .header("content-type", "text/plain")
                .body(axum::body::Body::from(ok.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.text());
    let r = app
        .send(
            request("POST", SUBSCRIPTIONS, Some(&token))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{\"endPoint\": 5}"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"].is_object(), "{}", r.text());

    // The service owner may subscribe without a subject; member names bind case-insensitively.
    let owner = app.token(DIGDIR, &format!("{SERVICE_OWNER} {SUBSCRIBE}")).await;
    let r = subscribe(
        &app,
        &owner,
        json!({"endpoint": "https://example.com/all", "RESOURCEFILTER": resource_urn(RESOURCE)}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = subscribe(
        &app,
        &events_token(&app, RECIPIENT).await,
        json!({"endPoint": "https://example.com/all",
        "resourceFilter": resource_urn(RESOURCE)}),
    )
    .await;
    assert_message(&r, 403, &contract::not_authorized_message(&resource_urn(RESOURCE)));
}

#[tokio::test]
async fn subscriptions_are_idempotent_and_their_creators_own() {
    let app = Broker::in_process();
    let token = events_token(&app, DIGDIR).await;
    let body = subscription_body("https://example.com/hook", Some(DIGDIR));
    let first = subscribe(&app, &token, body.clone()).await.json();
    let again = subscribe(&app, &token, body.clone()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), first, "the identical subscription comes back");
    let other = subscribe(&app, &token, with_type(&body, "no.altinn.broker.published")).await.json();
    assert_ne!(other["id"], first["id"]);
    // Each POST queued a handshake.
    let d = app.get(&format!("/emulator/api/events/deliveries?subscriptionId={}", first["id"]), None).await.json();
    assert_eq!(d.as_array().unwrap().len(), 2);
    assert!(d.as_array().unwrap().iter().all(|d| d["kind"] == "validation" && d["state"] == "pending"));

    let list = app.get(SUBSCRIPTIONS, Some(&token)).await.json();
    assert_eq!(list["count"], 2);
    let id = first["id"].as_i64().unwrap();
    let stranger = events_token(&app, RECIPIENT).await;
    assert_eq!(app.get(SUBSCRIPTIONS, Some(&stranger)).await.json(), json!({"count": 0, "subscriptions": []}));
    let one = format!("{SUBSCRIPTIONS}/{id}");
    assert_eq!(app.get(&one, Some(&stranger)).await.status, 403);
    assert_eq!(app.call(Method::DELETE, &one, Some(&stranger), None).await.status, 403);
    assert_eq!(app.get(&format!("{SUBSCRIPTIONS}/999999"), Some(&token)).await.status, 404);
    assert_eq!(app.get(&format!("{SUBSCRIPTIONS}/abc"), Some(&token)).await.status, 400);
    assert_eq!(app.get(&one, None).await.status, 401);
    let del = app.call(Method::DELETE, &one, Some(&token), None).await;
    assert_eq!((del.status, del.body.len()), (200, 0));
    assert_eq!(app.get(&one, Some(&token)).await.status, 404);
}

fn with_type(body: &Value, t: &str) -> Value {
    let mut b = body.clone();
    b["typeFilter"] = json!(t);
    b
}

#[tokio::test]
async fn exchanged_and_system_user_tokens_subscribe_under_their_own_consumer() {
    let app = Broker::in_process();
    let mp = crate::maskinporten::maskinporten_token(&app, DIGDIR, &format!("{WRITE} {SUBSCRIBE}")).await;
    let altinn = crate::maskinporten::exchange(&app, &mp).await;
    let r = subscribe(&app, &altinn, subscription_body("https://example.com/x", Some(DIGDIR))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["consumer"], format!("/organisation/{DIGDIR}"));
    // A system user token: the consumer is the system user, the PDP asks for the system user's org.
    let su = app.system_user_token(RECIPIENT, DIGDIR, &format!("{WRITE} {SUBSCRIBE}")).await;
    let su_id = claims(&su)["authorization_details"][0]["systemuser_id"][0].as_str().unwrap().to_owned();
    let r = subscribe(&app, &su, subscription_body("https://example.com/su", Some(RECIPIENT))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["consumer"], format!("/systemuser/{su_id}"));
    let r = subscribe(&app, &su, subscription_body("https://example.com/su", Some(DIGDIR))).await;
    assert_message(&r, 403, &contract::not_authorized_message(&resource_urn(RESOURCE)));
    // A raw Maskinporten token is not signed by Altinn: 401 (§1.1).
    assert_eq!(subscribe(&app, &mp, subscription_body("https://example.com/x", Some(DIGDIR))).await.status, 401);
    // Events reads the cookie when there is no Authorization header.
    let r = app
        .send(
            request("GET", SUBSCRIPTIONS, None)
                .header("cookie", format!("a=b; AltinnStudioRuntime={altinn}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!((r.status, r.json()["count"].as_u64()), (200, Some(1)));
}

async fn poll(app: &Broker, token: &str, query: &str) -> Resp {
    app.get(&format!("/events/api/v1/events?{query}"), Some(token)).await
}

fn page(r: &Resp) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/cloudevents+json; charset=utf-8"));
    r.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn polling_pages_after_the_thirty_second_delay() {
    let app = Broker::in_process();
    let sender = events_token(&app, DIGDIR).await;
    let recipient = events_token(&app, RECIPIENT).await;
    for _ in 0..3 {
        app.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    }
    let resource = resource_urn(RESOURCE);
    let q = format!("resource={resource}&after=0");
    // Registered but not yet 30 s old: an empty page, and no `next`.
    let r = poll(&app, &sender, &q).await;
    assert!(page(&r).is_empty());
    assert_eq!(r.header("next"), None);
    app.advance("PT29S").await;
    assert!(page(&poll(&app, &sender, &q).await).is_empty());
    app.advance("PT1S").await;
    let all = page(&poll(&app, &sender, &q).await);
    assert_eq!(all.len(), 3, "three filetransferinitialized for the sender");
    assert!(all.iter().all(|e| e["subject"] == urn(DIGDIR) && e["datacontenttype"] == "application/json"));
    assert!(all.iter().all(|e| e["time"].as_str().unwrap().ends_with('Z')));
    // The recipient is not the subject of any of them: authorization drops them all.
    assert!(page(&poll(&app, &recipient, &q).await).is_empty());

    // Paging with size=1: `next` carries the last id and every other parameter, unescaped.
    let mut url = format!("/events/api/v1/events?resource={resource}&after=0&size=1&type=no.altinn.broker.%25");
    let mut seen = Vec::new();
    loop {
        let r = app.get(&url, Some(&sender)).await;
        let p = page(&r);
        if p.is_empty() {
            assert_eq!(r.header("next"), None, "no next on an empty page");
            break;
        }
        assert_eq!(p.len(), 1);
        let id = p[0]["id"].as_str().unwrap().to_owned();
        let next = r.header("next").unwrap().to_owned();
        assert_eq!(
            next,
            format!(
                "{}/events/api/v1/events?after={id}&resource={resource}&size=1&type=no.altinn.broker.%",
                app.base()
            )
        );
        seen.push(id);
        url = next.strip_prefix(app.base()).unwrap().replace('%', "%25");
    }
    assert_eq!(seen, all.iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>());

    // Filters: type (LIKE), subject; size below 1 is the default 50.
    assert_eq!(page(&poll(&app, &sender, &format!("{q}&type=no.altinn.broker.published")).await).len(), 0);
    assert_eq!(page(&poll(&app, &sender, &format!("{q}&type=%25initialized")).await).len(), 3);
    assert_eq!(page(&poll(&app, &sender, &format!("{q}&subject={}", urn(OTHER_RECIPIENT))).await).len(), 0);
    assert_eq!(page(&poll(&app, &sender, &format!("{q}&size=0")).await).len(), 3);
    // An `after` that names the second event: only the third.
    assert_eq!(page(&poll(&app, &sender, &format!("resource={resource}&after={}", seen[1])).await).len(), 1);

    // The rules of §1.6.
    let problem = |r: Resp, detail: &str| {
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(r.json()["detail"], detail);
    };
    problem(poll(&app, &sender, "resource=urn:altinn:app:x&after=0").await, contract::MSG_POLL_RESOURCE);
    problem(poll(&app, &sender, &format!("resource={resource}")).await, contract::MSG_POLL_AFTER);
    problem(poll(&app, &sender, &format!("resource={resource}&after=")).await, contract::MSG_POLL_AFTER);
    let r = poll(&app, &sender, "after=0").await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["resource"].is_array(), "{}", r.text());
    let r = app
        .send(
            request("GET", &format!("/events/api/v1/events?{q}&subject={}", urn(DIGDIR)), Some(&sender))
                .header("Altinn-AlternativeSubject", "/organisation/991825827")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    problem(r, contract::MSG_POLL_SUBJECT_AND_ALTERNATIVE);
    let no_scope = app.token(DIGDIR, WRITE).await;
    assert_eq!(poll(&app, &no_scope, &q).await.status, 403);
    assert_eq!(app.get(&format!("/events/api/v1/events?{q}"), None).await.status, 401);
}

#[tokio::test]
async fn http_webhooks_need_the_flag_and_responses_carry_the_emulator_date() {
    let app = Broker::process();
    let token = events_token(&app, DIGDIR).await;
    let r = subscribe(&app, &token, subscription_body("http://127.0.0.1:9/hook", Some(DIGDIR))).await;
    assert_message(&r, 400, contract::MSG_ENDPOINT);
    let with_flag = events_emulator();
    let token = events_token(&with_flag, DIGDIR).await;
    assert_eq!(
        subscribe(&with_flag, &token, subscription_body("http://127.0.0.1:9/hook", Some(DIGDIR))).await.status,
        201
    );
    assert_eq!(
        subscribe(&with_flag, &token, subscription_body("http://example.com/hook", Some(DIGDIR))).await.status,
        400
    );

    // `Date` follows the emulator clock.
    with_flag.advance("P400D").await;
    let r = with_flag.get("/emulator/api/clock", None).await;
    let date = r.header("date").unwrap().to_owned();
    let now = altinn_broker_core::timestamp::parse(r.json()["now"].as_str().unwrap()).unwrap();
    let year = now.year().to_string();
    assert!(date.ends_with(" GMT") && date.contains(&year), "{date} vs {now}");
}

#[tokio::test]
async fn the_time_scale_shortens_every_events_delay() {
    // 0.01: the 10 s first retry is 100 ms, the 30 s polling delay 300 ms, without moving the clock.
    let app = Broker::process_with(Options {
        extra: vec!["--allow-http-webhooks", "--events-time-scale", "0.01"],
        ..Default::default()
    });
    let hook = Webhook::start(1, false).await;
    let sender = events_token(&app, DIGDIR).await;
    let body = json!({"endPoint": hook.url, "resourceFilter": resource_urn(RESOURCE), "subjectFilter": urn(DIGDIR),
                      "typeFilter": "no.altinn.broker.filetransferinitialized"});
    let sub = subscribe(&app, &sender, body).await.json()["id"].as_i64().unwrap();
    wait_validated(&app, &sender, sub).await;
    app.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let d = wait_attempts(&app, sub, "event", 2).await;
    let attempts = d[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts[1]["status"], 204);
    let gap = at(&attempts[1]) - at(&attempts[0]);
    assert!(gap >= time::Duration::milliseconds(100) && gap < time::Duration::seconds(10), "{gap}");
    let q = format!("resource={}&after=0", resource_urn(RESOURCE));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(page(&poll(&app, &sender, &q).await).len(), 1);
}

#[tokio::test]
async fn pending_pushes_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let app = Broker::process_with(Options {
        data_dir: Some(dir.path()),
        extra: vec!["--allow-http-webhooks"],
        ..Default::default()
    });
    let hook = Webhook::start(1, false).await;
    let sender = events_token(&app, DIGDIR).await;
    let body = json!({"endPoint": hook.url, "resourceFilter": resource_urn(RESOURCE), "subjectFilter": urn(DIGDIR),
                      "typeFilter": "no.altinn.broker.filetransferinitialized"});
    let sub = subscribe(&app, &sender, body).await.json()["id"].as_i64().unwrap();
    wait_validated(&app, &sender, sub).await;
    app.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    wait_attempts(&app, sub, "event", 1).await;
    // The retry is due in 10 s; the process goes away and a new one on the same data dir sends it.
    let app = app.restart();
    app.advance("PT10S").await;
    let d = wait_attempts(&app, sub, "event", 2).await;
    assert_eq!(d[0]["state"], "delivered");
    assert_eq!(hook.events().len(), 2);
}
