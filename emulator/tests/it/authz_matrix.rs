//! The authorization matrix over every endpoint of the OpenAPI document: anonymous, sender, recipient, stranger and
//! service owner against each operation that declares a policy, on a real published transfer.
//!
//! - no token: 401, empty body, `WWW-Authenticate: Bearer`;
//! - a token without any of the policy's scopes: 403, empty body;
//! - a token with one of them passes authentication and scope (whatever the handler then says);
//! - the stranger (a party with both broker scopes, neither sender nor recipient) is denied by the PDP (401) on
//!   every operation on the transfer, and on initialize as someone else.
//!
//! `tests/it/authz.rs` and `tests/it/admin.rs` check the handlers' own outcomes for the same actors in detail.

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, SERVICE_OWNER, WRITE};
use altinn_broker_core::seed::{DIGDIR, OTHER_RECIPIENT, RECIPIENT, RESOURCE};
use altinn_broker_emulator::auth::Policy;
use altinn_broker_emulator::routes::openapi;
use axum::body::Body;
use axum::http::{header, Method, Request};
use serde_json::json;

struct Actor {
    name: &'static str,
    token: String,
    scopes: &'static [&'static str],
}

async fn publish_one(app: &Broker, sender: &str) -> String {
    let body = json!({
        "fileName": "a.txt", "resourceId": RESOURCE, "sendersFileTransferReference": "ref",
        "sender": format!("0192:{DIGDIR}"), "recipients": [format!("0192:{RECIPIENT}")],
    });
    let r = app.call(Method::POST, "/broker/api/v1/filetransfer", Some(sender), Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = r.json()["fileTransferId"].as_str().unwrap().to_owned();
    let req = Request::post(format!("/broker/api/v1/filetransfer/{id}/upload"))
        .header(header::AUTHORIZATION, format!("Bearer {sender}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from("hello"))
        .unwrap();
    assert_eq!(app.send(req).await.status, 200);
    app.call(Method::POST, "/emulator/api/clock/advance?by=PT1S", None, None).await;
    let o = app.get(&format!("/broker/api/v1/filetransfer/{id}"), Some(sender)).await.json();
    assert_eq!(o["fileTransferStatus"], "Published");
    id
}

/// The request for one operation: path parameters filled, required query parameters and a plausible body.
fn request(template: &str, method: &str, id: &str, token: Option<&str>) -> Request<Body> {
    let mut path = template
        .replace("{fileTransferId}", id)
        .replace("{partialUploadId}", "0123456789abcdef0123456789abcdef")
        .replace("{partialId}", "0123456789abcdef0123456789abcdef")
        .replace("{resourceId}", RESOURCE);
    match template {
        "/broker/api/v1/filetransfer" if method == "get" => path.push_str(&format!("?resourceId={RESOURCE}")),
        "/broker/api/v1/statistics/monthly" => path.push_str("?year=2026&month=1"),
        _ => {}
    }
    let mut b = Request::builder().method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap()).uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if template.contains("/tus/") {
        b = b.header("Tus-Resumable", "1.0.0");
    }
    let json_body = match (template, method) {
        ("/broker/api/v1/filetransfer", "post") => Some(json!({
            "fileName": "a.txt", "resourceId": RESOURCE, "sendersFileTransferReference": "ref",
            "sender": format!("0192:{DIGDIR}"), "recipients": [format!("0192:{RECIPIENT}")],
        })),
        ("/broker/api/v1/resource/{resourceId}", "put") => Some(json!({})),
        ("/broker/api/v1/serviceowner", "post") => Some(json!({"name": "x"})),
        _ => None,
    };
    match json_body {
        Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
        None if template.ends_with("/upload") && template.contains("{fileTransferId}") => {
            b.header(header::CONTENT_TYPE, "application/octet-stream").body(Body::from("x")).unwrap()
        }
        None => b.body(Body::empty()).unwrap(),
    }
}

fn auth_layer_failure(r: &Resp) -> bool {
    (r.status == 401 || r.status == 403) && r.body.is_empty()
}

#[tokio::test]
async fn every_endpoint_for_every_actor() {
    let app = Broker::in_process();
    let actors = [
        Actor { name: "sender", token: app.token(DIGDIR, WRITE).await, scopes: &[WRITE] },
        Actor { name: "recipient", token: app.token(RECIPIENT, READ).await, scopes: &[READ] },
        Actor {
            name: "stranger",
            token: app.token(OTHER_RECIPIENT, &format!("{WRITE} {READ}")).await,
            scopes: &[WRITE, READ],
        },
        Actor { name: "service owner", token: app.token(DIGDIR, SERVICE_OWNER).await, scopes: &[SERVICE_OWNER] },
    ];
    let id = publish_one(&app, &actors[0].token).await;

    let doc = openapi::document();
    let mut checked = 0;
    for (template, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let Some(policy) = openapi::policy_of(op) else {
                // Outside Broker's policies a token is required exactly where `x-altinn-scopes` says (Altinn
                // Events, the token refresh), with those scopes.
                let expected = match op.get(openapi::SCOPES_EXTENSION) {
                    Some(scopes) => json!([{ "bearer": scopes }]),
                    None => json!([]),
                };
                assert_eq!(op["security"], expected, "{method} {template}: security without x-altinn-policy");
                continue;
            };
            // Anonymous.
            let r = app.send(request(template, method, &id, None)).await;
            assert_eq!(r.status, 401, "anonymous {method} {template}: {}", r.text());
            assert!(r.body.is_empty(), "anonymous {method} {template}: {}", r.text());
            assert!(
                r.header("www-authenticate").unwrap_or_default().starts_with("Bearer"),
                "anonymous {method} {template}"
            );

            for actor in &actors {
                let r = app.send(request(template, method, &id, Some(&actor.token))).await;
                let holds_scope = policy.scopes().iter().any(|s| actor.scopes.contains(s));
                let what = format!("{} {method} {template}: {} {}", actor.name, r.status, r.text());
                if !holds_scope {
                    assert_eq!((r.status, r.body.len()), (403, 0), "{what}");
                    continue;
                }
                // tus OPTIONS skips the file-level check: the token's scope is all it needs (contract §5).
                let on_the_transfer = (template.contains("{fileTransferId}") && method != "options")
                    || (template == "/broker/api/v1/filetransfer" && method == "post");
                if actor.name == "stranger" && on_the_transfer {
                    // The PDP's deny; a HEAD answer has no body to tell it from the auth layer's.
                    assert_eq!(r.status, 401, "{what}");
                    if !template.contains("/tus/") {
                        assert_eq!(Resp::json(&r)["code"], "BRO-00006", "{what}");
                    }
                    continue;
                }
                assert!(!auth_layer_failure(&r), "{what}");
                if actor.name != "stranger" && policy != Policy::ServiceOwner {
                    assert_ne!(r.status, 401, "{what}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 13, "only {checked} operations carry a policy");
    // The document declares what the implementation enforces: a sender's token never passes a ServiceOwner route.
    let r = app.get("/broker/api/v1/serviceowner", Some(&actors[0].token)).await;
    assert_eq!(r.status, 403);
}
