//! The authorization matrix of the file-transfer endpoints (sender / recipient / stranger / service owner), and the
//! remaining error codes that need a changed world (sizes, storage provider, service owner, storage failure).

use crate::fixture::*;
use altinn_broker_core::model::service_owner::{DeploymentStatus, StorageProviderType};
use altinn_broker_core::scopes::{READ, SERVICE_OWNER, WRITE};
use altinn_broker_core::seed::{DIGDIR, OTHER_RECIPIENT, RECIPIENT, RESOURCE};
use altinn_broker_core::OrgNumber;
use altinn_broker_emulator::store::service_owners::{self, StorageProviderRow};
use serde_json::json;

/// Who calls, and with what.
struct Actors {
    sender: String,
    recipient: String,
    /// A party the PDP knows, holding both scopes, but neither sender nor recipient of the transfer.
    stranger: String,
    /// The resource owner's service-owner token (no broker scopes).
    service_owner: String,
}

async fn actors(e: &Broker) -> Actors {
    Actors {
        sender: e.token(DIGDIR, WRITE).await,
        recipient: e.token(RECIPIENT, READ).await,
        stranger: e.token(OTHER_RECIPIENT, &format!("{WRITE} {READ}")).await,
        service_owner: e.token(DIGDIR, SERVICE_OWNER).await,
    }
}

/// (status, BRO code or "") of a call.
async fn call(e: &Broker, method: &str, path: &str, token: &str, body: Option<axum::body::Body>) -> (u16, String) {
    let mut b = request(method, path, Some(token));
    let body = match body {
        Some(body) => {
            b = b.header(
                "Content-Type",
                if path.ends_with("/upload") { "application/octet-stream" } else { "application/json" },
            );
            body
        }
        None => axum::body::Body::empty(),
    };
    let res = e.send(b.body(body).unwrap()).await;
    let is_json = res.header("content-type").is_some_and(|c| c.contains("json"));
    let code = if is_json { res.json()["code"].as_str().unwrap_or_default().to_owned() } else { String::new() };
    (res.status, code)
}

#[tokio::test]
async fn matrix() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let a = actors(&e).await;
    let init = || axum::body::Body::from(init_body(RESOURCE, &[RECIPIENT]).to_string());
    let ok = |s: u16| (s, String::new());
    let deny = || (401, "BRO-00006".to_owned());
    let forbidden = || (403, String::new());

    // Initialize.
    let path = "/broker/api/v1/filetransfer";
    assert_eq!(call(&e, "POST", path, &a.recipient, Some(init())).await, forbidden());
    assert_eq!(call(&e, "POST", path, &a.stranger, Some(init())).await, deny());
    assert_eq!(call(&e, "POST", path, &a.service_owner, Some(init())).await, forbidden());
    assert_eq!(call(&e, "POST", path, &a.sender, Some(init())).await.0, 200);

    // Upload.
    let id = e.initialize(&a.sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let up = format!("/broker/api/v1/filetransfer/{id}/upload");
    let bytes = || Some(axum::body::Body::from("content"));
    assert_eq!(call(&e, "POST", &up, &a.recipient, bytes()).await, forbidden());
    assert_eq!(call(&e, "POST", &up, &a.stranger, bytes()).await, deny());
    assert_eq!(call(&e, "POST", &up, &a.service_owner, bytes()).await, forbidden());
    assert_eq!(call(&e, "POST", &up, &a.sender, bytes()).await.0, 200);
    e.advance("PT1S").await;

    // Overview, details.
    for p in [format!("/broker/api/v1/filetransfer/{id}"), format!("/broker/api/v1/filetransfer/{id}/details")] {
        assert_eq!(call(&e, "GET", &p, &a.sender, None).await.0, 200, "{p}");
        assert_eq!(call(&e, "GET", &p, &a.recipient, None).await.0, 200, "{p}");
        assert_eq!(call(&e, "GET", &p, &a.stranger, None).await, deny(), "{p}");
        assert_eq!(call(&e, "GET", &p, &a.service_owner, None).await, forbidden(), "{p}");
    }

    // Search: each party sees only its own transfers.
    let s = format!("/broker/api/v1/filetransfer?resourceId={RESOURCE}");
    for t in [&a.sender, &a.recipient] {
        let res = e.send(get(&s, Some(t))).await;
        assert_eq!(res.status, 200);
        assert!(res.json().as_array().unwrap().iter().any(|v| v == id.as_str()));
    }
    let res = e.send(get(&s, Some(&a.stranger))).await;
    assert_eq!((res.status, res.json()), (200, json!([])));
    assert_eq!(call(&e, "GET", &s, &a.service_owner, None).await, forbidden());

    // Download and confirm.
    let dl = format!("/broker/api/v1/filetransfer/{id}/download");
    let cf = format!("/broker/api/v1/filetransfer/{id}/confirmdownload");
    for p in [&dl, &cf] {
        assert_eq!(call(&e, if p == &dl { "GET" } else { "POST" }, p, &a.sender, None).await, forbidden(), "{p}");
        assert_eq!(call(&e, if p == &dl { "GET" } else { "POST" }, p, &a.stranger, None).await, deny(), "{p}");
        assert_eq!(
            call(&e, if p == &dl { "GET" } else { "POST" }, p, &a.service_owner, None).await,
            forbidden(),
            "{p}"
        );
    }
    assert_eq!(call(&e, "GET", &dl, &a.recipient, None).await, ok(200));
    assert_eq!(call(&e, "POST", &cf, &a.recipient, None).await, ok(204));
}

#[tokio::test]
async fn file_size_limits() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    e.configure_resource(RESOURCE, json!({"maxFileTransferSize": 10})).await;
    let sender = e.token(DIGDIR, WRITE).await;
    let id = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let res = e.upload(&sender, &id, b"eleven bytes").await;
    assert_eq!((res.status, res.code()), (400, "BRO-00016".into()));
    assert_eq!(e.overview(&sender, &id).await["fileTransferStatus"], "Initialized");
    assert_eq!(e.upload(&sender, &id, b"ten bytes!").await.status, 200);
}

#[tokio::test]
async fn storage_provider_and_service_owner_missing() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let published = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    assert_eq!(e.upload(&sender, &published, b"x").await.status, 200);
    e.advance("PT1S").await;
    let sender = e.token(DIGDIR, WRITE).await;
    let id = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let digdir = OrgNumber::parse_lenient(DIGDIR).unwrap();
    {
        let conn = e.state().store.conn().unwrap();
        let deploying = StorageProviderRow {
            provider_type: StorageProviderType::AltinnAzure,
            status: DeploymentStatus::DeployingResources,
        };
        service_owners::set_storage_provider(&conn, &digdir, deploying).unwrap();
    }
    let res = e.send(post_json("/broker/api/v1/filetransfer", Some(&sender), &init_body(RESOURCE, &[RECIPIENT]))).await;
    assert_eq!((res.status, res.code()), (503, "BRO-00021".into()));
    let res = e.upload(&sender, &id, b"x").await;
    assert_eq!((res.status, res.code()), (503, "BRO-00021".into()));

    e.state().store.conn().unwrap().execute("DELETE FROM storage_provider", []).unwrap();
    e.state().store.conn().unwrap().execute("DELETE FROM service_owner", []).unwrap();
    let res = e.send(post_json("/broker/api/v1/filetransfer", Some(&sender), &init_body(RESOURCE, &[RECIPIENT]))).await;
    assert_eq!((res.status, res.code()), (400, "BRO-00002".into()));
    let res = e.upload(&sender, &id, b"x").await;
    assert_eq!((res.status, res.code()), (400, "BRO-00002".into()));
    let recipient = e.token(RECIPIENT, READ).await;
    let res = e.send(get(&format!("/broker/api/v1/filetransfer/{published}/download"), Some(&recipient))).await;
    assert_eq!((res.status, res.code()), (400, "BRO-00002".into()));
}

#[tokio::test]
async fn a_broken_body_fails_the_upload_with_500_8() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let sender = e.token(DIGDIR, WRITE).await;
    let id = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let stream = futures_util::stream::iter(vec![
        Ok(bytes::Bytes::from_static(b"first part")),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer went away")),
    ]);
    let req = request("POST", &format!("/broker/api/v1/filetransfer/{id}/upload"), Some(&sender))
        .header("Content-Type", "application/octet-stream")
        .body(axum::body::Body::from_stream(stream))
        .unwrap();
    let res = e.send(req).await;
    assert_eq!((res.status, res.code()), (500, "BRO-00008".into()));
    assert_eq!(res.json()["detail"], "Error occurred while uploading file See /details for more information.");
    let o = e.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Failed");
    assert_eq!(o["fileTransferStatusText"], "Error occurred while uploading fileTransfer");
    assert!(e.events().await.iter().any(|ev| ev["type"] == "no.altinn.broker.uploadfailed"));
    let leftovers = std::fs::read_dir(e.state().store.data_dir().join("blobs")).unwrap().count();
    assert_eq!(leftovers, 0);
}

#[tokio::test]
async fn expiry_skips_all_confirmed_when_the_resource_purges_after_confirmation() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    e.configure_resource(RESOURCE, json!({"fileTransferTimeToLive": "PT1H", "purgeFileTransferGracePeriod": "PT3H"}))
        .await;
    let sender = e.token(DIGDIR, WRITE).await;
    let id = e.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let o = e.overview(&sender, &id).await;
    let created = altinn_broker_core::timestamp::parse(o["created"].as_str().unwrap()).unwrap();
    let expires = altinn_broker_core::timestamp::parse(o["expirationTime"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, time::Duration::hours(1));
    e.upload(&sender, &id, b"x").await;
    e.advance("PT1S").await;
    let recipient = e.token(RECIPIENT, READ).await;
    e.send(get(&format!("/broker/api/v1/filetransfer/{id}/download"), Some(&recipient))).await;
    let res = e
        .send(
            request("POST", &format!("/broker/api/v1/filetransfer/{id}/confirmdownload"), Some(&recipient))
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 204);
    // Expiry at 1 h is skipped; the post-confirmation purge runs after the 3 h grace period.
    e.advance("PT2H").await;
    let sender = e.token(DIGDIR, WRITE).await;
    assert_eq!(e.overview(&sender, &id).await["fileTransferStatus"], "AllConfirmedDownloaded");
    e.advance("PT1H1M").await;
    let sender = e.token(DIGDIR, WRITE).await;
    assert_eq!(e.overview(&sender, &id).await["fileTransferStatus"], "Purged");
}

#[tokio::test]
async fn approved_resource_without_virus_scan_publishes_synchronously() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    e.state()
        .store
        .conn()
        .unwrap()
        .execute("UPDATE altinn_resource SET approved_for_disabled_virus_scan = 1 WHERE id = ?1", [RESOURCE])
        .unwrap();
    let sender = e.token(DIGDIR, WRITE).await;
    let mut body = init_body(RESOURCE, &[RECIPIENT]);
    body["disableVirusScan"] = json!(true);
    // No storage provider without virus scan yet: 503/21.
    let res = e.send(post_json("/broker/api/v1/filetransfer", Some(&sender), &body)).await;
    assert_eq!((res.status, res.code()), (503, "BRO-00021".into()));
    {
        let conn = e.state().store.conn().unwrap();
        let ready = StorageProviderRow {
            provider_type: StorageProviderType::AltinnAzureWithoutVirusScan,
            status: DeploymentStatus::Ready,
        };
        service_owners::set_storage_provider(&conn, &OrgNumber::parse_lenient(DIGDIR).unwrap(), ready).unwrap();
    }
    let id = e.initialize(&sender, body).await;
    assert_eq!(e.overview(&sender, &id).await["useVirusScan"], false);
    assert_eq!(e.upload(&sender, &id, b"unscanned").await.status, 200);
    // Published before the answer, checksum computed right away, no uploadprocessing event.
    let o = e.overview(&sender, &id).await;
    assert_eq!(o["fileTransferStatus"], "Published");
    assert_eq!(o["checksum"], md5_hex(b"unscanned"));
    let kinds: Vec<String> = e
        .events()
        .await
        .iter()
        .filter(|ev| ev["resourceinstance"] == id.as_str())
        .map(|ev| ev["type"].as_str().unwrap().trim_start_matches("no.altinn.broker.").to_owned())
        .collect();
    assert_eq!(kinds, ["filetransferinitialized", "published", "published"]);
}
