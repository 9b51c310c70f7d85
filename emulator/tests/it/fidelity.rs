//! Fidelity at the HTTP and JSON layer (issue 8), each case tied to the file of the real service
//! (Altinn/altinn-broker @161ba12) it follows: the Accept check, the initialize body's System.Text.Json binding and
//! model defaults, the initialize+upload form binding, the caller's organisation, and a graceful shutdown.

use std::io::Read;
use std::time::Duration;

use crate::fixture::*;
use altinn_broker_core::binding::BoundInitialize;
use altinn_broker_core::scopes::{READ, SERVICE_OWNER, WRITE};
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE};
use altinn_broker_core::validate::{self, InitializeRejection};
use altinn_broker_core::BrokerErrorCode;
use serde_json::{json, Value};

const INITIALIZE: &str = "/broker/api/v1/filetransfer";

fn accept_request(path: &str, accept: &str) -> axum::http::Request<axum::body::Body> {
    request("POST", path, None).header("Accept", accept).body(Default::default()).unwrap()
}

/// `src/Altinn.Broker.API/Helpers/AcceptHeaderValidationMiddleware.cs`: media-type parameters stripped,
/// lower-cased, `*/*` accepted anywhere in the list; the 406 lists the produced types and `*/*`.
#[tokio::test]
async fn accept_header_validation_middleware() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    for ok in [
        "*/*;q=0.8",
        "text/plain, */*",
        "Application/JSON",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ] {
        let res = e.send(accept_request(INITIALIZE, ok)).await;
        assert_eq!(res.status, 401, "{ok}: past the Accept check, to authentication");
    }
    let res = e.send(accept_request(INITIALIZE, "application/*")).await;
    assert_eq!(res.status, 406);
    assert_eq!(
        res.text(),
        "This endpoint does not support the requested Accept header. Supported Accept headers are: \
         application/json, */*."
    );
    // The monthly statistics produce text/csv.
    let path = "/broker/api/v1/statistics/monthly?year=2026&month=4";
    let res = e.send(request("GET", path, None).header("Accept", "TEXT/CSV; q=1").body(Default::default()).unwrap());
    assert_eq!(res.await.status, 401);
    let res = e.send(request("GET", path, None).header("Accept", "application/json").body(Default::default()).unwrap());
    let res = res.await;
    assert_eq!(res.status, 406);
    assert!(res.text().ends_with("Supported Accept headers are: text/csv, */*."), "{}", res.text());
}

async fn post_raw(e: &Broker, token: &str, body: &str) -> Resp {
    e.send(
        request("POST", INITIALIZE, Some(token))
            .header("Content-Type", "application/json")
            .body(body.to_owned().into())
            .unwrap(),
    )
    .await
}

/// `src/Altinn.Broker.API/Controllers/FileTransferController.cs` binds `Models/FileTransferInitializeExt.cs` with
/// System.Text.Json: the emulator answers exactly `altinn_broker_core::validate::initialize_json`'s verdict, the
/// same code the client runs.
#[tokio::test]
async fn initialize_body_binds_as_system_text_json() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let t = e.token(DIGDIR, WRITE).await;
    let valid = init_body(RESOURCE, &[RECIPIENT]).to_string();
    let bodies = [
        // Case-insensitive member names.
        r#"{"FILENAME":"a.txt","resourceid":"altinn-broker-test-resource-1","SendersFileTransferReference":"r",
            "SENDER":"0192:991825827","Recipients":["0192:986252932"],"DisableVirusScan":false}"#
            .to_owned(),
        // A string for a bool? is refused, at its real position.
        valid.replacen('{', r#"{"disableVirusScan": "true", "#, 1),
        // Only the first JSON error, on its line.
        "{\n  \"fileName\": 5,\n  \"recipients\": \"x\"\n}".to_owned(),
        r#"{"propertyList": []}"#.to_owned(),
        // Defaults: an omitted member is what "" or [] would be.
        r#"{"fileName":"a.txt"}"#.to_owned(),
        "   ".to_owned(),
        "{nope".to_owned(),
        r#"{"recipients":[null]}"#.to_owned(),
        r#"{"sender":"0192:991825827","resourceId":"x:y"}"#.to_owned(),
    ];
    for body in &bodies {
        let res = post_raw(&e, &t, body).await;
        match validate::initialize_json(body.as_bytes()) {
            Ok(_) => assert_eq!(res.status, 200, "{body}: {}", res.text()),
            Err(InitializeRejection::Invalid(errors)) => {
                assert_eq!(res.status, 400, "{body}");
                assert_eq!(res.json()["errors"], serde_json::to_value(&errors).unwrap(), "{body}");
            }
            Err(InitializeRejection::Unhandled(_)) => assert_eq!(res.status, 500, "{body}"),
        }
    }
    // No [Consumes] on the action: whatever SystemTextJsonInputFormatter reads (application/json, text/json,
    // application/*+json) binds; anything else is 415.
    for (content_type, status) in
        [("text/json", 200), ("application/vnd.x+json; charset=utf-8", 200), ("text/plain", 415)]
    {
        let req = request("POST", INITIALIZE, Some(&t)).header("Content-Type", content_type).body(valid.clone().into());
        assert_eq!(e.send(req.unwrap()).await.status, status, "{content_type}");
    }
    // The cases above say what they claim.
    let errors = |body: &str| match validate::initialize_json(body.as_bytes()) {
        Err(InitializeRejection::Invalid(e)) => e,
        other => panic!("{body}: {other:?}"),
    };
    let e1 = errors(&bodies[1]);
    assert!(e1["$.disableVirusScan"][0].contains("BytePositionInLine: 27."), "{e1:?}");
    let e2 = errors(&bodies[2]);
    assert_eq!(e2.len(), 2, "the first error and the parameter: {e2:?}");
    assert!(e2["$.fileName"][0].contains("LineNumber: 1 | BytePositionInLine: 15."), "{e2:?}");
    assert_eq!(errors(&bodies[4])["Recipients"], ["One or more recipients are required"]);
    assert!(errors(&bodies[5])["$"][0].starts_with("The input does not contain any JSON tokens."));
}

/// `src/Altinn.Broker.Application/InitializeFileTransfer/InitializeFileTransferHandler.cs`: what validation lets
/// through is initialized (an empty recipient passes `ValidateElementsInList`, .NET's `\d` is any Unicode digit),
/// each recipient recorded as `WithoutPrefix().WithPrefix()` (`src/Altinn.Broker.Common/StringExtensions.cs`).
#[tokio::test]
async fn initialize_handler_takes_what_validation_lets_through() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let t = e.token(DIGDIR, WRITE).await;
    let arabic = "\u{669}\u{668}\u{666}\u{662}\u{665}\u{662}\u{669}\u{663}\u{662}";
    let mut body = init_body(RESOURCE, &[RECIPIENT]);
    body["recipients"] =
        json!(["", format!("0192:{arabic}"), format!("urn:altinn:organization:identifier-no:{RECIPIENT}")]);
    assert!(validate::initialize_json(body.to_string().as_bytes()).is_ok());
    let res = e.send(post_json(INITIALIZE, Some(&t), &body)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let id = res.json()["fileTransferId"].as_str().unwrap().to_owned();
    let o = e.overview(&t, &id).await;
    let recipients: Vec<&str> =
        o["recipients"].as_array().unwrap().iter().map(|r| r["recipient"].as_str().unwrap()).collect();
    assert_eq!(recipients, ["", &format!("0192:{arabic}"), &format!("0192:{RECIPIENT}")]);
    // On an access-list resource a recipient no member has, "" included, is not on the list (400/28).
    body["resourceId"] = json!("ttd-broker-tilgangsliste");
    body["recipients"] = json!([""]);
    let res = e.send(post_json(INITIALIZE, Some(&t), &body)).await;
    assert_eq!((res.status, res.code()), (400, BrokerErrorCode::RecipientsNotInAccessList.code()));
}

fn multipart(fields: &[(&str, &str)], file: bool) -> axum::http::Request<axum::body::Body> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(format!("--b\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes());
    }
    if file {
        body.extend(
            b"--b\r\nContent-Disposition: form-data; name=\"FileTransfer\"; filename=\"a.txt\"\r\n\r\nhello\r\n",
        );
    }
    body.extend(b"--b--\r\n");
    axum::http::Request::post("/broker/api/v1/filetransfer/upload")
        .header("Content-Type", "multipart/form-data; boundary=b")
        .body(body.into())
        .unwrap()
}

/// `src/Altinn.Broker.API/Models/FileTransferInitializeAndUploadExt.cs` bound by MVC's form binders: absent members
/// keep `FileTransferInitializeExt.cs`'s defaults, white space binds null, the errors keyed `Metadata.*`.
#[tokio::test]
async fn initialize_and_upload_form_binds_as_mvc() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let t = e.token(DIGDIR, WRITE).await;
    let with_token = |mut r: axum::http::Request<axum::body::Body>| {
        r.headers_mut().insert("Authorization", format!("Bearer {t}").parse().unwrap());
        r
    };
    let fields = [
        ("Metadata.FileName", "a.txt"),
        ("Metadata.SendersFileTransferReference", "r"),
        ("Metadata.Sender", "0192:991825827"),
        ("Metadata.Checksum", " "),
    ];
    let res = e.send(with_token(multipart(&fields, true))).await;
    assert_eq!(res.status, 400);
    // What core says of the model bound from these fields: ResourceId and Recipients keep their defaults ("" and
    // an empty list), a blank Checksum is null.
    let bound = BoundInitialize {
        file_name: Some("a.txt".into()),
        senders_file_transfer_reference: Some("r".into()),
        sender: Some("0192:991825827".into()),
        checksum: None,
        ..BoundInitialize::default()
    };
    let want: serde_json::Map<String, Value> = validate::initialize_bound(&bound)
        .unwrap()
        .into_iter()
        .map(|(k, v)| (format!("Metadata.{k}"), json!(v)))
        .collect();
    assert_eq!(res.json()["errors"], Value::Object(want));
    assert_eq!(res.json()["errors"]["Metadata.Recipients"], json!(["One or more recipients are required"]));

    // No Metadata field at all: the model is null, its implicit [Required] and the file's.
    let res = e.send(with_token(multipart(&[], false))).await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json()["errors"],
        json!({"Metadata": ["The Metadata field is required."], "FileTransfer": ["The FileTransfer field is required."]})
    );

    let mut ok = fields.to_vec();
    ok.extend([("metadata.resourceid", RESOURCE), ("Metadata.Recipients", "0192:986252932")]);
    let res = e.send(with_token(multipart(&ok, true))).await;
    assert_eq!(res.status, 200, "{}", res.text());
}

/// `src/Altinn.Broker.API/Program.cs` keeps System.Text.Json's web defaults for every body: numbers may come as
/// strings, booleans may not (`ResourceExt.useManifestFileShim` is a `bool?`); a white-space-only body has no JSON
/// token (`$`), only an empty one is "A non-empty request body is required.".
#[tokio::test]
async fn admin_bodies_refuse_strings_for_booleans() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let so = e.token(DIGDIR, SERVICE_OWNER).await;
    let path = format!("/broker/api/v1/resource/{RESOURCE}");
    let put = |body: &'static str| {
        request("PUT", &path, Some(&so)).header("Content-Type", "application/json").body(body.into()).unwrap()
    };
    // Named as written, at the reader's position after the string, the first failing member only.
    let res = e
        .send(put("{\n  \"maxFileTransferSize\": \"5\",\n  \"UseManifestFileShim\": \"true\", \"requiredParty\": 5}"))
        .await;
    assert_eq!(res.status, 400);
    let errors = &res.json()["errors"];
    assert_eq!(
        errors,
        &json!({
            "$.UseManifestFileShim": ["The JSON value could not be converted to System.Nullable`1[System.Boolean]. \
                Path: $.UseManifestFileShim | LineNumber: 2 | BytePositionInLine: 31."],
            "resourceExt": ["The resourceExt field is required."],
        })
    );
    let res =
        e.send(put(r#"{"purgeFileTransferAfterAllRecipientsConfirmed": true, "maxFileTransferSize": "1000"}"#)).await;
    assert_eq!(res.status, 204, "{}", res.text());
    let res = e.send(put(" \n  ")).await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json()["errors"]["$"][0],
        "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when \
         isFinalBlock is true. Path: $ | LineNumber: 1 | BytePositionInLine: 2."
    );
}

/// A token signed by the emulator with `edit` applied to a real system user token's claims.
async fn edited_token(e: &Broker, scopes: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let base = e.system_user_token(RECIPIENT, DIGDIR, scopes).await;
    let mut claims = claims(&base).as_object().unwrap().clone();
    edit(&mut claims);
    e.state().auth.sign(&claims).unwrap()
}

/// `src/Altinn.Broker.Common/ClaimsPrincipalExtensions.cs` (`GetCallerOrganizationId`) with
/// `Models/SystemUserAuthorizationDetails.cs`: an `authorization_details` claim that does not deserialize (its
/// members are all `required`) leaves the caller without an organisation, with no fallback to
/// `urn:altinn:orgNumber` or `consumer`; each endpoint then answers as its handler does for a null caller
/// (`GetFileTransfersHandler.cs`, `GetResourceHandler.cs`: 401/6; `ServiceOwnerController.cs`: 400/7001).
#[tokio::test]
async fn caller_without_organisation_follows_get_caller_organization_id() {
    let e = Broker::in_process_with(Options::cors(&["*"]));
    let search = format!("/broker/api/v1/filetransfer?resourceId={RESOURCE}");
    // The unedited token finds the caller's org.
    let good = edited_token(&e, READ, |_| {}).await;
    assert_eq!(e.get(&search, Some(&good)).await.status, 200);

    let incomplete = |c: &mut serde_json::Map<String, Value>| {
        // The generator writes an array (events-auth contract §4.2): its first element is the claim.
        c["authorization_details"][0].as_object_mut().unwrap().remove("systemuser_id");
        c.insert("urn:altinn:orgNumber".into(), json!(RECIPIENT));
    };
    let t = edited_token(&e, &format!("{READ} {WRITE}"), incomplete).await;
    let res = e.get(&search, Some(&t)).await;
    assert_eq!((res.status, res.code()), (401, BrokerErrorCode::NoAccessToResource.code()));

    let so = edited_token(&e, SERVICE_OWNER, |c| {
        c.insert("authorization_details".into(), json!("{not json"));
        c.insert("urn:altinn:orgNumber".into(), json!(RECIPIENT));
    })
    .await;
    let res =
        e.call(axum::http::Method::POST, "/broker/api/v1/serviceowner", Some(&so), Some(json!({"name": "x"}))).await;
    assert_eq!((res.status, res.code()), (400, BrokerErrorCode::CallerOrganizationUnknown.code()));
    let res = e.get(&format!("/broker/api/v1/resource/{RESOURCE}"), Some(&so)).await;
    assert_eq!((res.status, res.code()), (401, BrokerErrorCode::NoAccessToResource.code()));
}

fn read_log(path: &std::path::Path) -> String {
    let mut s = String::new();
    std::fs::File::open(path).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn sigterm_and_wait(emu: &mut Broker) -> std::process::ExitStatus {
    emu.terminate(Duration::from_secs(60))
}

fn start_logged(dir: &std::path::Path, log: &std::path::Path, scan_delay_ms: u64) -> Broker {
    Broker::process_with(Options {
        data_dir: Some(dir),
        scan_delay_ms,
        extra: vec!["--log", "info"],
        stderr: Some(std::fs::File::create(log).unwrap()),
        ..Options::default()
    })
}

/// Issue 8, graceful shutdown: SIGTERM with held scans, pending scan jobs and a tus upload whose last chunk was
/// just answered (its commit and finalisation pending) ends the process cleanly with nothing logged at ERROR;
/// after a restart on the same data dir every transfer is published. (The service's own jobs are Hangfire's, persisted the same way: `src/Altinn.Broker.API/Program.cs`.)
#[tokio::test]
async fn sigterm_with_pending_scans_then_restart_completes_them() {
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let (log1, log2) = (logs.path().join("run1.log"), logs.path().join("run2.log"));

    // Run 1: scans take 1.5 s.
    let mut emu = start_logged(dir.path(), &log1, 1500);
    let sender = emu.token(DIGDIR, WRITE).await;
    let held = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let res = client().post(emu.url("/emulator/api/scan?mode=hold")).send().await.unwrap();
    assert!(res.status().is_success());
    assert_eq!(emu.upload(&sender, &held, b"held").await.status, 200);
    let res = client().post(emu.url("/emulator/api/scan?mode=auto")).send().await.unwrap();
    assert!(res.status().is_success());
    // A big file scanned as the signal comes: the job is running.
    let running = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let big = vec![b'x'; 32 * 1024 * 1024];
    assert_eq!(emu.upload(&sender, &running, &big).await.status, 200);
    let held_again = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let res = client().post(emu.url("/emulator/api/scan?mode=hold")).send().await.unwrap();
    assert!(res.status().is_success());
    assert_eq!(emu.upload(&sender, &held_again, b"held again").await.status, 200);
    // `held` may have been scanned already (its delay ran during the big upload); the others wait.
    for id in [&running, &held_again] {
        assert_eq!(emu.overview(&sender, id).await["fileTransferStatus"], "UploadProcessing");
    }
    // A tus upload whose last chunk is answered just before the signal: its commit and its finalisation are pending.
    let by_tus = emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    let tus_body = vec![b'y'; 4 * 1024 * 1024];
    let tus_path = emu.url(&format!("{}/{by_tus}", altinn_broker_core::paths::TUS));
    let res = client()
        .post(&tus_path)
        .bearer_auth(&sender)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", tus_body.len())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = client()
        .patch(&tus_path)
        .bearer_auth(&sender)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", 0)
        .header("Content-Type", "application/offset+octet-stream")
        .body(tus_body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let status = sigterm_and_wait(&mut emu);
    assert!(status.success(), "{status:?}: {}", read_log(&log1));

    // Run 2 on the same data dir: every pending scan completes.
    let emu = start_logged(dir.path(), &log2, 50);
    let sender = emu.token(DIGDIR, WRITE).await;
    for id in [&held, &running, &held_again, &by_tus] {
        emu.wait_for_status(&sender, id, "Published").await;
    }
    let recipient = emu.token(RECIPIENT, READ).await;
    assert_eq!(emu.download(&recipient, &running).await, (200, big));
    assert_eq!(emu.download(&recipient, &by_tus).await, (200, tus_body));
    drop(emu);

    for (name, log) in [("run 1", read_log(&log1)), ("run 2", read_log(&log2))] {
        assert!(!log.contains("ERROR"), "{name} logged at ERROR:\n{log}");
        assert!(!log.contains("cancelled"), "{name}:\n{log}");
    }
    assert!(read_log(&log1).contains("shutting down"), "{}", read_log(&log1));
}
