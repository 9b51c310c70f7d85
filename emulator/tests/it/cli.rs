//! Black-box tests of the binary's surface: the first stdout line, CORS on and off, and logs that never contain
//! a token.

use crate::fixture::*;
use altinn_broker_core::scopes::WRITE;
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_off_by_default() {
    let emu = Broker::process();
    assert!(emu.base().starts_with("http://127.0.0.1:"));
    let req = request("OPTIONS", "/broker/api/v1/filetransfer", None)
        .header("Origin", "http://app.example")
        .header("Access-Control-Request-Method", "POST");
    let res = emu.send(empty(req)).await;
    assert!(res.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_for_listed_origins_answers_preflight_before_auth() {
    let emu = Broker::process_with(Options::cors(&["http://app.example", "http://other.example"]));
    let preflight = |origin: &'static str| {
        let req = request("OPTIONS", "/broker/api/v1/filetransfer/upload/tus/x", None)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PATCH")
            .header("Access-Control-Request-Headers", "authorization, tus-resumable, upload-offset, content-type");
        emu.send(empty(req))
    };
    let res = preflight("http://app.example").await;
    assert!((200..300).contains(&res.status));
    assert_eq!(res.headers["access-control-allow-origin"], "http://app.example");
    let allowed = res.headers["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    for h in ["authorization", "tus-resumable", "upload-offset", "content-type", "range"] {
        assert!(allowed.contains(h), "{h} in {allowed}");
    }
    let res = preflight("http://evil.example").await;
    assert!(res.headers.get("access-control-allow-origin").is_none());

    // Actual responses expose the headers a browser client reads, errors included.
    let req = request("GET", "/broker/api/v1/filetransfer/00000000-0000-0000-0000-000000000000/download", None)
        .header("Origin", "http://other.example");
    let res = emu.send(empty(req)).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.headers["access-control-allow-origin"], "http://other.example");
    let exposed = res.headers["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    for h in ["content-range", "content-disposition", "location", "retry-after", "upload-offset", "www-authenticate"] {
        assert!(exposed.contains(h), "{h} in {exposed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_never_contain_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut emu =
        Broker::process_with(Options { extra: vec!["--log", "trace"], stderr: Some(log), ..Default::default() });
    let sender = emu.token(DIGDIR, WRITE).await;
    emu.initialize(&sender, init_body(RESOURCE, &[RECIPIENT])).await;
    // A refused token is not logged either.
    let forged = format!("{}x", &sender[..sender.len() - 1]);
    let res = emu.get("/broker/api/v1/filetransfer?resourceId=x", Some(&forged)).await;
    assert_eq!(res.status, 401);
    emu.kill();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("/broker/api/v1/filetransfer"), "trace logs are written");
    let signature = sender.rsplit('.').next().unwrap();
    assert!(!logs.contains(signature), "a token signature reached the log");
    assert!(!logs.contains(&sender[..40]), "a token reached the log");
}
