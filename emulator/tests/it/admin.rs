//! Resource configuration, service owners and monthly statistics (contract §8), in-process: every error code these
//! endpoints can reach, their header rules, the seed world, persistence across a restart, and who may call them.

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, SERVICE_OWNER, WRITE};
use altinn_broker_core::seed::{
    ACCESS_LIST_MEMBER, ACCESS_LIST_RESOURCE, CONFIGURED_OWNER_RESOURCE, DIGDIR, FAILED_ACCESS_RESOURCE,
    GRACEFUL_PURGE_RESOURCE, NOT_CONFIGURED_RESOURCE, OTHER_RECIPIENT, RECIPIENT, REQUIRED_PARTY_RESOURCE, RESOURCE,
    UNCONFIGURED_OWNER_RESOURCE, UNREGISTERED_OWNER,
};
use altinn_broker_core::{FileTransferId, FileTransferStatus, RecipientStatus};
use altinn_broker_emulator::store::transfers::{self, NewTransfer};
use axum::body::Body;
use axum::http::{header, Method, Request};
use serde_json::{json, Value};

fn resource_path(id: &str) -> String {
    format!("/broker/api/v1/resource/{id}")
}

async fn put_resource(app: &Broker, token: &str, id: &str, body: Value) -> Resp {
    app.call(Method::PUT, &resource_path(id), Some(token), Some(body)).await
}

fn raw(method: Method, path: &str, token: &str, content_type: Option<&str>, body: &str) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b.body(Body::from(body.to_owned())).unwrap()
}

#[tokio::test]
async fn seed_world_is_in_place() {
    let app = Broker::in_process();
    let so = app.token(DIGDIR, SERVICE_OWNER).await;
    let r = app.get("/broker/api/v1/serviceowner", Some(&so)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"name": "Digitaliseringsdirektoratet Avd Oslo",
               "storageProviders": [{"type": "AltinnAzure", "deploymentStatus": "Ready", "deploymentEnvironment": "Production"}]})
    );
    for configured in [RESOURCE, REQUIRED_PARTY_RESOURCE, ACCESS_LIST_RESOURCE, FAILED_ACCESS_RESOURCE] {
        assert_eq!(app.get(&resource_path(configured), Some(&so)).await.status, 200, "{configured}");
    }
    for not_configured in [NOT_CONFIGURED_RESOURCE, GRACEFUL_PURGE_RESOURCE, CONFIGURED_OWNER_RESOURCE] {
        let r = app.get(&resource_path(not_configured), Some(&so)).await;
        assert_eq!((r.status, r.code().as_str()), (400, "BRO-00025"), "{not_configured}");
    }
    let r = app.get(&resource_path(REQUIRED_PARTY_RESOURCE), Some(&so)).await.json();
    assert_eq!(r["requiredParty"], DIGDIR);
    assert_eq!(r["purgeFileTransferAfterAllRecipientsConfirmed"], true);
    assert_eq!(r["fileTransferTimeToLive"], Value::Null);
    // The org that owns registry resources is not a service owner.
    let r = app.get("/broker/api/v1/serviceowner", Some(&app.token(UNREGISTERED_OWNER, SERVICE_OWNER).await)).await;
    assert_eq!((r.status, r.code().as_str()), (404, "BRO-07004"));
}

#[tokio::test]
async fn resource_put_configures_partially_and_get_shows_timespans() {
    let app = Broker::in_process();
    let so = app.token(DIGDIR, SERVICE_OWNER).await;
    let r = put_resource(&app, &so, NOT_CONFIGURED_RESOURCE, json!({})).await;
    assert_eq!((r.status, r.body.len()), (204, 0));
    let got = app.get(&resource_path(NOT_CONFIGURED_RESOURCE), Some(&so)).await;
    assert_eq!(got.status, 200);
    assert!(got.header("content-type").unwrap_or_default().starts_with("application/json"));
    assert_eq!(
        got.json(),
        json!({"maxFileTransferSize": null, "fileTransferTimeToLive": null,
               "purgeFileTransferAfterAllRecipientsConfirmed": true, "purgeFileTransferGracePeriod": null,
               "useManifestFileShim": null, "externalServiceCodeLegacy": null,
               "externalServiceEditionCodeLegacy": null, "requiredParty": null})
    );

    // PascalCase names and numbers as strings, as the Postman collection sends them; unknown members ignored.
    let r = put_resource(
        &app,
        &so,
        NOT_CONFIGURED_RESOURCE,
        json!({"MaxFileTransferSize": "1112391230", "fileTransferTimeToLive": "P30D",
               "purgeFileTransferGracePeriod": "PT2H", "resourceId": "{{resourceId}}"}),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = put_resource(
        &app,
        &so,
        NOT_CONFIGURED_RESOURCE,
        json!({"purgeFileTransferAfterAllRecipientsConfirmed": false,
        "useManifestFileShim": true, "externalServiceCodeLegacy": "4711", "externalServiceEditionCodeLegacy": 1,
        "requiredParty": "0192:991825827"}),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let got = app.get(&resource_path(NOT_CONFIGURED_RESOURCE), Some(&so)).await.json();
    assert_eq!(got["maxFileTransferSize"], 1_112_391_230_i64);
    assert_eq!(got["fileTransferTimeToLive"], "30.00:00:00");
    assert_eq!(got["purgeFileTransferGracePeriod"], "02:00:00");
    assert_eq!(got["purgeFileTransferAfterAllRecipientsConfirmed"], false);
    assert_eq!(got["useManifestFileShim"], true);
    assert_eq!(got["externalServiceCodeLegacy"], "4711");
    assert_eq!(got["externalServiceEditionCodeLegacy"], 1);
    assert_eq!(got["requiredParty"], "0192:991825827");

    // The store sees what the transfer handlers will use.
    let stored = app.state().store.resource(NOT_CONFIGURED_RESOURCE).unwrap().unwrap();
    assert_eq!(stored.time_to_live(), std::time::Duration::from_secs(30 * 86_400));
    assert!(!stored.purge_file_transfer_after_all_recipients_confirmed);

    // Configuration survives a restart; the seed does not overwrite it.
    let app = app.restart();
    let so = app.token(DIGDIR, SERVICE_OWNER).await;
    assert_eq!(
        app.get(&resource_path(NOT_CONFIGURED_RESOURCE), Some(&so)).await.json()["fileTransferTimeToLive"],
        "30.00:00:00"
    );
    let r = put_resource(&app, &so, RESOURCE, json!({"fileTransferTimeToLive": "PT1H"})).await;
    assert_eq!(r.status, 204);
    let app = app.restart();
    let so = app.token(DIGDIR, SERVICE_OWNER).await;
    assert_eq!(app.get(&resource_path(RESOURCE), Some(&so)).await.json()["fileTransferTimeToLive"], "01:00:00");
}

#[tokio::test]
async fn resource_put_errors_in_the_service_order() {
    let app = Broker::in_process();
    let so = app.token(DIGDIR, SERVICE_OWNER).await;
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("nope-not-in-registry", json!({}), 403, "BRO-00005"),
        (RESOURCE, json!({"maxFileTransferSize": -1}), 400, "BRO-00011"),
        (RESOURCE, json!({"maxFileTransferSize": 0}), 400, "BRO-00012"),
        (RESOURCE, json!({"maxFileTransferSize": 50_000_000_001_i64}), 400, "BRO-00013"),
        (RESOURCE, json!({"fileTransferTimeToLive": "30 days"}), 400, "BRO-00014"),
        (RESOURCE, json!({"fileTransferTimeToLive": "P366D"}), 400, "BRO-00015"),
        (RESOURCE, json!({"purgeFileTransferGracePeriod": "2 hours"}), 400, "BRO-00017"),
        (RESOURCE, json!({"purgeFileTransferGracePeriod": "PT25H"}), 400, "BRO-00018"),
        (RESOURCE, json!({"purgeFileTransferGracePeriod": "P3D"}), 400, "BRO-00018"),
        // Size is checked first, then TTL, then grace period.
        (RESOURCE, json!({"maxFileTransferSize": 0, "fileTransferTimeToLive": "bad"}), 400, "BRO-00012"),
        (RESOURCE, json!({"fileTransferTimeToLive": "bad", "purgeFileTransferGracePeriod": "bad"}), 400, "BRO-00014"),
    ];
    for (id, body, status, code) in cases {
        let r = put_resource(&app, &so, id, body.clone()).await;
        assert_eq!((r.status, r.code().as_str()), (status, code), "{id} {body}");
        assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"), "{:?}", r.headers);
    }
    // A rejected update changes nothing, and a rejected first configuration creates nothing.
    assert_eq!(app.get(&resource_path(RESOURCE), Some(&so)).await.json()["maxFileTransferSize"], Value::Null);
    let r = put_resource(&app, &so, NOT_CONFIGURED_RESOURCE, json!({"maxFileTransferSize": -1})).await;
    assert_eq!(r.code(), "BRO-00011");
    assert_eq!(app.get(&resource_path(NOT_CONFIGURED_RESOURCE), Some(&so)).await.code(), "BRO-00025");

    // Error 22 needs a resource approved for disabled virus scan (otherwise 13 comes first in Production).
    let mut approved = app.state().store.resource(RESOURCE).unwrap().unwrap();
    approved.approved_for_disabled_virus_scan = true;
    altinn_broker_emulator::store::resources::upsert(&app.state().store.conn().unwrap(), &approved).unwrap();
    let r = put_resource(&app, &so, RESOURCE, json!({"maxFileTransferSize": 1_677_721_600_001_i64})).await;
    assert_eq!((r.status, r.code().as_str()), (400, "BRO-00022"));
    let r = put_resource(&app, &so, RESOURCE, json!({"maxFileTransferSize": 60_000_000_000_i64})).await;
    assert_eq!(r.status, 204);

    // Owned by another org: 401/6, for a new resource and for a configured one.
    let other = app.token(RECIPIENT, SERVICE_OWNER).await;
    for id in [NOT_CONFIGURED_RESOURCE, RESOURCE] {
        let r = put_resource(&app, &other, id, json!({})).await;
        assert_eq!((r.status, r.code().as_str()), (401, "BRO-00006"), "{id}");
        let r = app.get(&resource_path(RESOURCE), Some(&other)).await;
        assert_eq!((r.status, r.code().as_str()), (401, "BRO-00006"));
    }
    // The registry owner is not a Broker service owner: 400/24.
    let owner = app.token(UNREGISTERED_OWNER, SERVICE_OWNER).await;
    let r = put_resource(&app, &owner, UNCONFIGURED_OWNER_RESOURCE, json!({})).await;
    assert_eq!((r.status, r.code().as_str()), (400, "BRO-00024"));
    // ... until it registers.
    let r = app.call(Method::POST, "/broker/api/v1/serviceowner", Some(&owner), Some(json!({"name": "Owner"}))).await;
    assert_eq!(r.status, 200);
    assert_eq!(put_resource(&app, &owner, UNCONFIGURED_OWNER_RESOURCE, json!({})).await.status, 204);
}

#[tokio::test]
async fn resource_put_model_validation_and_media_types() {
    let app = Broker::in_process();
    let so = app.token(DIGDIR, SERVICE_OWNER).await;
    let path = resource_path(RESOURCE);

    // The manifest shim rule is class-level: key "".
    let r = put_resource(&app, &so, RESOURCE, json!({"useManifestFileShim": true})).await;
    assert_eq!(r.status, 400);
    let body = r.json();
    assert_eq!(body["title"], "One or more validation errors occurred.");
    assert!(body["errors"][""][0].as_str().unwrap().contains("ExternalServiceCodeLegacy"));
    assert!(body.get("code").is_none());
    let r =
        put_resource(&app, &so, RESOURCE, json!({"useManifestFileShim": true, "externalServiceCodeLegacy": "1"})).await;
    assert!(r.json()["errors"][""][0].as_str().unwrap().contains("ExternalServiceEditionCodeLegacy"));

    // Bodies that do not bind.
    let r = app.send(raw(Method::PUT, &path, &so, Some("application/json"), "")).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][""][0], "A non-empty request body is required.");
    assert_eq!(r.json()["errors"]["resourceExt"][0], "The resourceExt field is required.");
    let r = app.send(raw(Method::PUT, &path, &so, Some("application/json"), "{nope")).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["$"][0].as_str().unwrap().contains("Path: $"));
    let r = app.send(raw(Method::PUT, &path, &so, Some("application/json"), r#"{"maxFileTransferSize": "big"}"#)).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["$.maxFileTransferSize"][0].as_str().unwrap().contains("System.Int64"));

    // Content-Type: a foreign one is 415 even before authentication; a missing one is 415 after it.
    let r = app.send(raw(Method::PUT, &path, "garbage", Some("text/plain"), "{}")).await;
    assert_eq!(r.status, 415);
    let r = app.send(raw(Method::PUT, &path, &so, None, "{}")).await;
    assert_eq!(r.status, 415);
    let r = app.send(raw(Method::PUT, &path, "garbage", None, "{}")).await;
    assert_eq!(r.status, 401);
    let r = app.send(raw(Method::PUT, &path, &so, Some("application/json; charset=utf-8"), "{}")).await;
    assert_eq!(r.status, 204);

    // Accept: checked before authentication.
    let req = Request::get(&path).header(header::ACCEPT, "application/xml").body(Body::empty()).unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, 406);
    let req = Request::get(&path)
        .header(header::ACCEPT, "*/*")
        .header(header::AUTHORIZATION, format!("Bearer {so}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, 200);
    // Every response carries the security headers.
    let r = app.get(&path, Some(&so)).await;
    assert_eq!(r.header("x-content-type-options").unwrap_or_default(), "nosniff");
    assert_eq!(r.header("cache-control").unwrap_or_default(), "no-store");
}

#[tokio::test]
async fn service_owner_register_and_read() {
    let app = Broker::in_process();
    let owner = app.token(RECIPIENT, SERVICE_OWNER).await;
    let r = app.get("/broker/api/v1/serviceowner", Some(&owner)).await;
    assert_eq!((r.status, r.code().as_str()), (404, "BRO-07004"));

    // `name` is required; extra members (the Postman collection sends deletionTime) are ignored.
    let r = app
        .call(Method::POST, "/broker/api/v1/serviceowner", Some(&owner), Some(json!({"deletionTime": "P30D"})))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["$"][0].as_str().unwrap().contains("'name'"));
    let r = app
        .call(
            Method::POST,
            "/broker/api/v1/serviceowner",
            Some(&owner),
            Some(json!({"name": "Test AS", "deletionTime": "P30D"})),
        )
        .await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    let r = app.call(Method::POST, "/broker/api/v1/serviceowner", Some(&owner), Some(json!({"name": "Again"}))).await;
    assert_eq!((r.status, r.code().as_str()), (409, "BRO-07002"));
    // The POST has no [Produces]: its problems are application/problem+json.
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/problem+json"));

    let r = app.get("/broker/api/v1/serviceowner", Some(&owner)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"name": "Test AS", "storageProviders": [
            {"type": "AltinnAzure", "deploymentStatus": "Ready", "deploymentEnvironment": "Production"},
            {"type": "AltinnAzureWithoutVirusScan", "deploymentStatus": "Ready", "deploymentEnvironment": "Production"}]})
    );

    let r = app.send(raw(Method::POST, "/broker/api/v1/serviceowner", &owner, Some("text/plain"), "{}")).await;
    assert_eq!(r.status, 415);

    // A token naming no organisation: 400/7001 on both.
    let mut c = claims(&owner).as_object().unwrap().clone();
    c.remove("urn:altinn:orgNumber");
    c.remove("consumer");
    let anonymous = app.state().auth.sign(&c).unwrap();
    let r = app.call(Method::POST, "/broker/api/v1/serviceowner", Some(&anonymous), Some(json!({"name": "x"}))).await;
    assert_eq!((r.status, r.code().as_str()), (400, "BRO-07001"));
    let r = app.get("/broker/api/v1/serviceowner", Some(&anonymous)).await;
    assert_eq!((r.status, r.code().as_str()), (400, "BRO-07001"));

    // Registered service owners persist.
    let app = app.restart();
    assert_eq!(app.get("/broker/api/v1/serviceowner", Some(&owner)).await.json()["name"], "Test AS");
}

fn stats_path(query: &str) -> String {
    format!("/broker/api/v1/statistics/monthly?{query}")
}

#[tokio::test]
async fn statistics_errors_and_headers() {
    let app = Broker::in_process();
    let so = app.token(DIGDIR, SERVICE_OWNER).await;
    for (query, status, code) in [
        ("year=2026&month=13", 400, "BRO-06003"),
        ("year=0&month=1", 400, "BRO-06003"),
        ("year=9999&month=12", 400, "BRO-06003"),
        ("month=1", 400, "BRO-06003"),
        ("year=2026&month=1&includeEndUser=false&includeVendor=false", 400, "BRO-06005"),
        ("year=2026&month=1&resourceId=nope", 400, "BRO-00025"),
    ] {
        let r = app.get(&stats_path(query), Some(&so)).await;
        assert_eq!((r.status, r.code().as_str()), (status, code), "{query}");
    }
    let r = app.get(&stats_path("year=abc&month=1"), Some(&so)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"]["Year"][0], "The value 'abc' is not valid for Year.");

    // A sender-scoped token: 403. Another service owner asking about DIGDIR's resource: 401/6.
    assert_eq!(app.get(&stats_path("year=2026&month=1"), Some(&app.token(DIGDIR, WRITE).await)).await.status, 403);
    let other = app.token(RECIPIENT, SERVICE_OWNER).await;
    let r = app.get(&stats_path(&format!("year=2026&month=1&resourceId={RESOURCE}")), Some(&other)).await;
    assert_eq!((r.status, r.code().as_str()), (401, "BRO-00006"));

    let r = app.get(&stats_path("year=2026&month=4"), Some(&so)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type").unwrap_or_default(), "text/csv");
    assert!(r
        .header("content-disposition")
        .unwrap_or_default()
        .starts_with("attachment; filename=monthly_statistics_all-resources_2026-04.csv"));
    assert_eq!(r.text(), format!("{}\n", altinn_broker_core::model::MONTHLY_STATISTICS_HEADER));
    let r = app.get(&stats_path(&format!("year=2026&month=4&resourceId={RESOURCE}")), Some(&so)).await;
    assert!(r
        .header("content-disposition")
        .unwrap_or_default()
        .contains(&format!("monthly_statistics_{RESOURCE}_2026-04.csv")));

    // Accept is checked against text/csv.
    let req = Request::get(stats_path("year=2026&month=4"))
        .header(header::ACCEPT, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {so}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, 406);
}

/// A transfer from DIGDIR to `recipients`, created, published and acted on at the given times.
fn transfer(
    app: &Broker,
    resource: &str,
    sender: &str,
    recipients: &[&str],
    created: time::OffsetDateTime,
) -> FileTransferId {
    let id = FileTransferId::new_random();
    let conn = app.state().store.conn().unwrap();
    transfers::insert(
        &conn,
        &NewTransfer {
            id,
            resource_id: resource.into(),
            file_name: "a.txt".into(),
            senders_reference: Some("ref".into()),
            sender: sender.into(),
            recipients: recipients.iter().map(|r| format!("0192:{r}")).collect(),
            checksum: None,
            use_virus_scan: true,
            created,
            expiration: created + time::Duration::days(30),
            property_list: Default::default(),
        },
    )
    .unwrap();
    id
}

#[tokio::test]
async fn statistics_aggregate_the_month() {
    use time::macros::datetime;
    let app = Broker::in_process();
    let so = app.token(DIGDIR, SERVICE_OWNER).await;
    let jan = datetime!(2026-01-10 12:00 UTC);
    let feb = datetime!(2026-02-02 12:00 UTC);
    let sender = "urn:altinn:organization:identifier-no:991825827";

    // Two transfers in January to RECIPIENT, one published and downloaded twice and confirmed, one never published.
    let a = transfer(&app, RESOURCE, sender, &[RECIPIENT, OTHER_RECIPIENT], jan);
    let b = transfer(&app, RESOURCE, "0192:991825827", &[RECIPIENT], jan);
    // One created in January, published in February.
    let c = transfer(&app, REQUIRED_PARTY_RESOURCE, "0192:991825827", &[RECIPIENT], jan);
    {
        let conn = app.state().store.conn().unwrap();
        transfers::push_status(&conn, a, FileTransferStatus::Published, None, jan).unwrap();
        let actor = format!("0192:{RECIPIENT}");
        transfers::push_recipient_status(&conn, a, &actor, RecipientStatus::DownloadStarted, jan).unwrap();
        transfers::push_recipient_status(&conn, a, &actor, RecipientStatus::DownloadStarted, jan).unwrap();
        transfers::push_recipient_status(&conn, a, &actor, RecipientStatus::DownloadConfirmed, jan).unwrap();
        transfers::push_status(&conn, c, FileTransferStatus::Published, None, feb).unwrap();
        let _ = b;
    }
    let r = app.get(&stats_path("year=2026&month=1"), Some(&so)).await;
    assert_eq!(r.status, 200);
    let csv = r.text();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        vec![
            altinn_broker_core::model::MONTHLY_STATISTICS_HEADER,
            // Both January transfers to RECIPIENT merge once the URN-form sender is normalised.
            "2026,1,altinn-broker-test-resource-1,,,0192:991825827,0192:312195771,1,1,0,0",
            "2026,1,altinn-broker-test-resource-1,,,0192:991825827,0192:986252932,2,1,2,1",
            "2026,1,ttd-brokertestressurs,,,0192:991825827,0192:986252932,1,0,0,0",
        ],
        "{csv}"
    );
    let feb_csv = app.get(&stats_path("year=2026&month=2&resourceId=ttd-brokertestressurs"), Some(&so)).await.text();
    assert!(feb_csv.contains("\n2026,2,ttd-brokertestressurs,,,0192:991825827,0192:986252932,0,1,0,0\n"), "{feb_csv}");

    // Vendors, when recorded, fill their columns with includeVendor; end users can be left out.
    {
        let conn = app.state().store.conn().unwrap();
        let vendor = altinn_broker_core::OrgNumber::parse_lenient(ACCESS_LIST_MEMBER).unwrap();
        let digdir = altinn_broker_core::OrgNumber::parse_lenient(DIGDIR).unwrap();
        let recipient = altinn_broker_core::OrgNumber::parse_lenient(RECIPIENT).unwrap();
        use altinn_broker_emulator::store::statistics::{record_vendor, VendorRole};
        record_vendor(&conn, &b.to_string(), &digdir, VendorRole::Sender, &vendor, jan).unwrap();
        record_vendor(&conn, &a.to_string(), &recipient, VendorRole::Recipient, &vendor, jan).unwrap();
    }
    let csv = app.get(&stats_path("year=2026&month=1&includeEndUser=false&includeVendor=true"), Some(&so)).await.text();
    assert!(csv.contains("\n2026,1,altinn-broker-test-resource-1,,0192:311764837,,,1,1,2,1\n"), "{csv}");
    assert!(csv.contains("\n2026,1,altinn-broker-test-resource-1,0192:311764837,,,,1,0,0,0\n"), "{csv}");

    // Another service owner sees none of DIGDIR's transfers.
    let other = app.token(RECIPIENT, SERVICE_OWNER).await;
    app.call(Method::POST, "/broker/api/v1/serviceowner", Some(&other), Some(json!({"name": "x"}))).await;
    let csv = app.get(&stats_path("year=2026&month=1"), Some(&other)).await.text();
    assert_eq!(csv.lines().count(), 1, "{csv}");
}

/// The vendor columns come from the tokens' `consumer`: the sender's vendor recorded at initialize, the
/// recipient's at download and confirm (system user tokens, so vendor and end user differ).
#[tokio::test]
async fn statistics_vendor_columns_come_from_the_callers_tokens() {
    const SENDER_VENDOR: &str = ACCESS_LIST_MEMBER;
    const RECIPIENT_VENDOR: &str = OTHER_RECIPIENT;
    let app = Broker::in_process();
    let so = app.token(DIGDIR, SERVICE_OWNER).await;
    let sender = app.system_user_token(DIGDIR, SENDER_VENDOR, WRITE).await;
    let recipient = app.system_user_token(RECIPIENT, RECIPIENT_VENDOR, READ).await;
    let init = json!({
        "fileName": "a.txt", "resourceId": RESOURCE, "sendersFileTransferReference": "r",
        "sender": format!("0192:{DIGDIR}"), "recipients": [format!("0192:{RECIPIENT}")],
    });
    let r = app.call(Method::POST, "/broker/api/v1/filetransfer", Some(&sender), Some(init)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = r.json()["fileTransferId"].as_str().unwrap().to_owned();
    let upload = Request::post(format!("/broker/api/v1/filetransfer/{id}/upload"))
        .header(header::AUTHORIZATION, format!("Bearer {sender}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from("hello"))
        .unwrap();
    assert_eq!(app.send(upload).await.status, 200);
    // The scan runs when the clock reaches it.
    app.call(Method::POST, "/emulator/api/clock/advance?by=PT1S", None, None).await;
    let r = app.get(&format!("/broker/api/v1/filetransfer/{id}/download"), Some(&recipient)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let confirm = format!("/broker/api/v1/filetransfer/{id}/confirmdownload");
    assert_eq!(app.call(Method::POST, &confirm, Some(&recipient), None).await.status, 204);

    let now = app.state().clock.now();
    let (year, month) = (now.year(), u8::from(now.month()));
    let query = |extra: &str| stats_path(&format!("year={year}&month={month}&resourceId={RESOURCE}{extra}"));
    let csv = app.get(&query("&includeVendor=true"), Some(&so)).await.text();
    let row = format!(
        "{year},{month},{RESOURCE},0192:{SENDER_VENDOR},0192:{RECIPIENT_VENDOR},0192:{DIGDIR},0192:{RECIPIENT},1,1,1,1"
    );
    assert_eq!(csv.lines().nth(1), Some(row.as_str()), "{csv}");
    let csv = app.get(&query("&includeVendor=true&includeEndUser=false"), Some(&so)).await.text();
    let row = format!("{year},{month},{RESOURCE},0192:{SENDER_VENDOR},0192:{RECIPIENT_VENDOR},,,1,1,1,1");
    assert_eq!(csv.lines().nth(1), Some(row.as_str()), "{csv}");
    // Without includeVendor the columns stay empty.
    let csv = app.get(&query(""), Some(&so)).await.text();
    let row = format!("{year},{month},{RESOURCE},,,0192:{DIGDIR},0192:{RECIPIENT},1,1,1,1");
    assert_eq!(csv.lines().nth(1), Some(row.as_str()), "{csv}");
}

#[tokio::test]
async fn admin_authz_matrix() {
    let app = Broker::in_process();
    // Who calls: a sender, a recipient, a party with no role, and the service owner.
    let callers = [
        ("sender", app.token(DIGDIR, WRITE).await),
        ("recipient", app.token(RECIPIENT, READ).await),
        ("stranger", app.token(OTHER_RECIPIENT, "altinn:broker.maintenance").await),
        ("service owner", app.token(DIGDIR, SERVICE_OWNER).await),
    ];
    let endpoints: Vec<(Method, String, Option<Value>, u16)> = vec![
        (Method::GET, resource_path(RESOURCE), None, 200),
        (Method::PUT, resource_path(RESOURCE), Some(json!({})), 204),
        (Method::GET, "/broker/api/v1/serviceowner".into(), None, 200),
        (Method::POST, "/broker/api/v1/serviceowner".into(), Some(json!({"name": "x"})), 409),
        (Method::GET, stats_path("year=2026&month=1"), None, 200),
    ];
    for (who, token) in &callers {
        for (method, path, body, owner_status) in &endpoints {
            let r = app.call(method.clone(), path, Some(token), body.clone()).await;
            let expected = if *who == "service owner" { *owner_status } else { 403 };
            assert_eq!(r.status, expected, "{who} {method} {path}: {}", r.text());
            if expected == 403 {
                assert!(r.body.is_empty());
            }
            let anonymous = app.call(method.clone(), path, None, body.clone()).await;
            assert_eq!(
                (anonymous.status, anonymous.header("www-authenticate").unwrap_or_default()),
                (401, "Bearer"),
                "{method} {path}"
            );
        }
    }
}
