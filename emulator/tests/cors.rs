//! CORS in front of tus: a real tus OPTIONS (no `Access-Control-Request-Method`) reaches the tus handler even when
//! CORS is on, while a preflight is still answered by the CORS layer before authentication.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

const ORIGIN: &str = "http://portal.example";
const TUS_PATH: &str = "/broker/api/v1/filetransfer/upload/tus/0f8fad5b-d9cb-469f-a165-70867728950e";

fn app_with_cors(dir: &tempfile::TempDir) -> axum::Router {
    let settings = altinn_broker_emulator::state::Settings {
        base_url: "http://127.0.0.1:5096".into(),
        environment: "Production".into(),
        scan_delay: std::time::Duration::from_millis(50),
        cors_origins: vec![ORIGIN.into()],
        crash_at: None,
        data_dir: dir.path().to_owned(),
    };
    altinn_broker_emulator::app::app(altinn_broker_emulator::state::AppState::open(settings).unwrap())
}

async fn send(app: &axum::Router, req: Request<Body>) -> axum::response::Response {
    app.clone().oneshot(req).await.unwrap()
}

async fn writer_token(app: &axum::Router) -> String {
    let req = Request::get("/api/GetEnterpriseToken?orgNo=991825827&scopes=altinn:broker.write").body(Body::empty());
    let res = send(app, req.unwrap()).await;
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

#[tokio::test]
async fn a_real_tus_options_reaches_the_handler_and_gets_cors_headers() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_cors(&dir);
    let token = writer_token(&app).await;
    let req = Request::builder()
        .method("OPTIONS")
        .uri(TUS_PATH)
        .header("origin", ORIGIN)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["tus-version"], "1.0.0");
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);
    let exposed = res.headers()["access-control-expose-headers"].to_str().unwrap();
    assert!(exposed.split(',').any(|h| h == "tus-extension"), "{exposed}");

    // Without a token the tus handler's policy answers, not the CORS layer.
    let req = Request::builder().method("OPTIONS").uri(TUS_PATH).header("origin", ORIGIN).body(Body::empty()).unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);

    // A foreign origin gets the answer without CORS headers, so its browser refuses to read it.
    let req = Request::builder()
        .method("OPTIONS")
        .uri(TUS_PATH)
        .header("origin", "http://evil.example")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = send(&app, req).await;
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_preflight_is_still_answered_before_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_cors(&dir);
    let req = Request::builder()
        .method("OPTIONS")
        .uri(TUS_PATH)
        .header("origin", ORIGIN)
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization,tus-resumable,upload-offset,content-type")
        .body(Body::empty())
        .unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);
    assert!(res.headers().get("tus-version").is_none());
    // Security headers wrap the CORS answers too.
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}
