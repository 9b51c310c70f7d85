//! The served OpenAPI document against the running app, by real requests (no source scanning):
//!
//! - the document served at `/swagger/v1/swagger.json` is the one the routers generate;
//! - every documented operation is routed (a request to it is not the router's 404/405 fallback), and every answer
//!   it gives to a handful of requests (no token, the policy's token, an unacceptable `Accept`, a foreign
//!   `Content-Type`, on a real published transfer and on an unknown one) is a status documented for it;
//! - a method the document does not list for a path is 405;
//! - every route of core's table (`altinn_broker_core::paths::ROUTES`) is documented with its methods, at core's
//!   template, and the Broker operations' query parameters are the ones the service reads.
//!
//! Schemathesis (`scripts/schemathesis.sh`) then checks the statuses, content types and schemas of generated
//! requests against the same served document.

use std::collections::BTreeSet;

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, SERVICE_OWNER, WRITE};
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE};
use altinn_broker_emulator::routes::openapi;
use axum::body::Body;
use axum::http::Method;
use serde_json::Value;

/// `{anything}` → `{}`: core names the partial id `{partialId}`, a template's parameter names are not the route.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// A concrete path for a template: `id` for every transfer id, 32 hex digits for partial ids, the seed resource.
fn concrete(template: &str, id: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').unwrap();
        out.push_str(&rest[..open]);
        out.push_str(match &rest[open + 1..close] {
            "fileTransferId" => id,
            "resourceId" => RESOURCE,
            _ => "0123456789abcdef0123456789abcdef",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A routing miss: 405, or 404 with ASP.NET's client-error body (a problem without a Broker `code`).
fn routing_miss(r: &Resp) -> bool {
    r.status == 405
        || (r.status == 404
            && serde_json::from_slice::<Value>(&r.body)
                .is_ok_and(|b| b.get("title").is_some() && b.get("code").is_none()))
}

/// Whether `status` is one of the operation's documented responses (`default` and `2XX`-style ranges included).
fn documented(op: &Value, status: u16) -> bool {
    let responses = op["responses"].as_object().unwrap();
    responses.contains_key(&status.to_string())
        || responses.contains_key(&format!("{}XX", status / 100))
        || responses.contains_key("default")
}

fn methods(doc: &Value, template: &str) -> BTreeSet<String> {
    doc["paths"][template].as_object().map(|ops| ops.keys().cloned().collect()).unwrap_or_default()
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let app = Broker::in_process();
    let served = app.get(openapi::PATH, None).await;
    assert_eq!(served.status, 200);
    assert!(served.header("content-type").unwrap_or_default().starts_with("application/json"));
    let doc = served.json();
    assert_eq!(doc, openapi::document());
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["title"], "Altinn 3 Broker (emulator)");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    // Operation ids are unique (clients generate method names from them).
    let mut ids = BTreeSet::new();
    for ops in doc["paths"].as_object().unwrap().values() {
        for (method, op) in ops.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method}: no operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
        }
    }
    // Every `$ref` resolves.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for part in doc.to_string().split("#/components/schemas/").skip(1) {
        let name: String = part.chars().take_while(|c| *c != '"').collect();
        assert!(schemas.contains_key(&name), "unresolved $ref {name}");
    }
}

/// A published transfer from DIGDIR to RECIPIENT.
async fn published(app: &Broker, sender: &str) -> String {
    let id = app.initialize(sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let r = app.upload(sender, &id, b"hello").await;
    assert_eq!(r.status, 200, "{}", r.text());
    for _ in 0..100 {
        if app.overview(sender, &id).await["fileTransferStatus"] == "Published" {
            return id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        app.run_jobs().await;
    }
    panic!("{id} was not published");
}

/// One request to an operation: what it is, the transfer id, the token, an extra header.
type Try<'a> = (&'static str, &'a str, Option<&'a str>, Option<(&'static str, &'static str)>);

#[tokio::test]
async fn every_operation_is_served_and_answers_only_documented_statuses() {
    let app = Broker::in_process();
    let doc = app.get(openapi::PATH, None).await.json();
    let sender = app.token(DIGDIR, &format!("{WRITE} {READ}")).await;
    let recipient = app.token(RECIPIENT, READ).await;
    let owner = app.token(DIGDIR, SERVICE_OWNER).await;
    let id = published(&app, &sender).await;
    let unknown = "8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab";
    let mut operations = 0;
    for (template, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            operations += 1;
            let token = openapi::policy_of(op).map(|p| match p.scopes() {
                [s] if *s == READ => recipient.as_str(),
                [s] if *s == SERVICE_OWNER => owner.as_str(),
                _ => sender.as_str(),
            });
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let tries: [Try; 6] = [
                ("with the policy's token", id.as_str(), token, None),
                ("on an unknown transfer", unknown, token, None),
                ("without a token", id.as_str(), None, None),
                ("with Accept: application/xml", id.as_str(), token, Some(("Accept", "application/xml"))),
                ("with Content-Type: text/plain", id.as_str(), token, Some(("Content-Type", "text/plain"))),
                ("as tus 1.0.0", id.as_str(), token, Some(("Tus-Resumable", "1.0.0"))),
            ];
            for (what, transfer, token, extra) in tries {
                let mut req = request(m.as_str(), &concrete(template, transfer), token);
                if let Some((name, value)) = extra {
                    req = req.header(name, value);
                }
                let r = app
                    .send(
                        req.body(Body::from(if extra.is_some_and(|e| e.0 == "Content-Type") { "x" } else { "" }))
                            .unwrap(),
                    )
                    .await;
                assert!(!routing_miss(&r), "{method} {template} {what}: not routed: {} {}", r.status, r.text());
                assert!(
                    documented(op, r.status),
                    "{method} {template} {what}: {} is not documented ({:?}): {}",
                    r.status,
                    op["responses"].as_object().unwrap().keys().collect::<Vec<_>>(),
                    r.text()
                );
            }
        }
        // A method the document does not list is not served.
        let listed = methods(&doc, template);
        for m in [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            if listed.contains(&m.as_str().to_lowercase()) {
                continue;
            }
            let r = app.send(request(m.as_str(), &concrete(template, &id), None).body(Body::empty()).unwrap()).await;
            assert_eq!(r.status, 405, "{m} {template} is served but not documented: {}", r.text());
        }
    }
    assert!(operations >= 35, "only {operations} operations documented");
}

#[test]
fn every_route_of_core_is_documented_at_its_template() {
    let doc = openapi::document();
    for (template, route_methods) in altinn_broker_core::paths::ROUTES {
        let documented = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .find(|p| shape(p) == shape(template))
            .unwrap_or_else(|| panic!("{template} is not in the document"));
        // The document spells core's template (parameter names included), so clients and the doc agree.
        assert_eq!(documented, template, "the document names {template} differently");
        let listed = methods(&doc, documented);
        for m in *route_methods {
            assert!(listed.contains(&m.to_lowercase()), "{m} {template} is not documented");
        }
    }
}

fn query_names(doc: &Value, template: &str, method: &str) -> BTreeSet<String> {
    doc["paths"][template][method]["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter().filter(|p| p["in"] == "query").filter_map(|p| p["name"].as_str()).map(str::to_owned).collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_query_parameters_the_handlers_read_are_documented() {
    let doc = openapi::document();
    let set = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    use altinn_broker_core::paths;
    for (template, method, names) in [
        (
            paths::FILE_TRANSFER,
            "get",
            set(&["resourceId", "status", "recipientStatus", "from", "to", "orderAscending", "role"]),
        ),
        (paths::STATISTICS_MONTHLY, "get", set(&["year", "month", "resourceId", "includeEndUser", "includeVendor"])),
        ("/emulator/api/events", "get", set(&["fileTransferId", "type"])),
        ("/emulator/api/clock/advance", "post", set(&["by"])),
        ("/emulator/api/scan", "post", set(&["mode"])),
        ("/emulator/api/scan/release", "post", set(&["fileTransferId", "result"])),
        (
            "/api/GetEnterpriseToken",
            "get",
            set(&[
                "env",
                "scopes",
                "orgNo",
                "org",
                "supplierOrgNo",
                "clientId",
                "ttl",
                "delegationSource",
                "bulkCount",
                "dump",
            ]),
        ),
        (
            "/api/GetSystemUserToken",
            "get",
            set(&[
                "env",
                "systemUserId",
                "orgNo",
                "systemUserOrg",
                "scopes",
                "supplierOrgNo",
                "clientId",
                "ttl",
                "dump",
            ]),
        ),
        ("/authentication/api/v1/exchange/{tokenProvider}", "get", set(&["test"])),
    ] {
        let documented = query_names(&doc, template, method);
        for name in &names {
            assert!(documented.contains(name), "{method} {template} reads ?{name}, which is not documented");
        }
    }
}
