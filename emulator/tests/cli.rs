//! Black-box tests of the binary's surface: the first stdout line, CORS on and off, and logs that never contain
//! a token.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_off_by_default() {
    let emu = Emulator::start();
    assert!(emu.base.starts_with("http://127.0.0.1:"));
    let res = client()
        .request(reqwest::Method::OPTIONS, emu.url("/broker/api/v1/filetransfer"))
        .header("Origin", "http://app.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_for_listed_origins_answers_preflight_before_auth() {
    let emu = Emulator::start_with(Options {
        extra: vec!["--cors-origin", "http://app.example", "--cors-origin", "http://other.example"],
        ..Default::default()
    });
    let preflight = |origin: &'static str| {
        client()
            .request(reqwest::Method::OPTIONS, emu.url("/broker/api/v1/filetransfer/upload/tus/x"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PATCH")
            .header("Access-Control-Request-Headers", "authorization, tus-resumable, upload-offset, content-type")
            .send()
    };
    let res = preflight("http://app.example").await.unwrap();
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "http://app.example");
    let allowed = res.headers()["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    for h in ["authorization", "tus-resumable", "upload-offset", "content-type", "range"] {
        assert!(allowed.contains(h), "{h} in {allowed}");
    }
    let res = preflight("http://evil.example").await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    // Actual responses expose the headers a browser client reads, errors included.
    let res = client()
        .get(emu.url("/broker/api/v1/filetransfer/00000000-0000-0000-0000-000000000000/download"))
        .header("Origin", "http://other.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["access-control-allow-origin"], "http://other.example");
    let exposed = res.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
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
        Emulator::start_with(Options { extra: vec!["--log", "trace"], stderr: Some(log), ..Default::default() });
    let sender = emu.token(DIGDIR, WRITE).await;
    emu.initialize(&sender).await;
    let http = client();
    // A refused token is not logged either.
    let forged = format!("{}x", &sender[..sender.len() - 1]);
    let res = http.get(emu.url("/broker/api/v1/filetransfer?resourceId=x")).bearer_auth(&forged).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let _ = emu.child.kill();
    let _ = emu.child.wait();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("/broker/api/v1/filetransfer"), "trace logs are written");
    let signature = sender.rsplit('.').next().unwrap();
    assert!(!logs.contains(signature), "a token signature reached the log");
    assert!(!logs.contains(&sender[..40]), "a token reached the log");
}
