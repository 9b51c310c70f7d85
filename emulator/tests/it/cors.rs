//! CORS in front of tus: a real tus OPTIONS (no `Access-Control-Request-Method`) reaches the tus handler even when
//! CORS is on, while a preflight is still answered by the CORS layer before authentication.

use crate::fixture::*;
use altinn_broker_core::scopes::WRITE;
use altinn_broker_core::seed::DIGDIR;
use axum::body::Body;

const ORIGIN: &str = "http://portal.example";
const TUS_PATH: &str = "/broker/api/v1/filetransfer/upload/tus/0f8fad5b-d9cb-469f-a165-70867728950e";

#[tokio::test]
async fn a_real_tus_options_reaches_the_handler_and_gets_cors_headers() {
    let emu = Broker::in_process_with(Options::cors(&[ORIGIN]));
    let token = emu.token(DIGDIR, WRITE).await;
    let req = request("OPTIONS", TUS_PATH, Some(&token)).header("origin", ORIGIN).body(Body::empty()).unwrap();
    let res = emu.send(req).await;
    assert_eq!(res.status, 204);
    assert_eq!(res.headers["tus-version"], "1.0.0");
    assert_eq!(res.headers["access-control-allow-origin"], ORIGIN);
    let exposed = res.headers["access-control-expose-headers"].to_str().unwrap();
    assert!(exposed.split(',').any(|h| h == "tus-extension"), "{exposed}");

    // Without a token the tus handler's policy answers, not the CORS layer.
    let req = request("OPTIONS", TUS_PATH, None).header("origin", ORIGIN).body(Body::empty()).unwrap();
    let res = emu.send(req).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.headers["access-control-allow-origin"], ORIGIN);

    // A foreign origin gets the answer without CORS headers, so its browser refuses to read it.
    let req =
        request("OPTIONS", TUS_PATH, Some(&token)).header("origin", "http://evil.example").body(Body::empty()).unwrap();
    let res = emu.send(req).await;
    assert!(res.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_preflight_is_still_answered_before_authentication() {
    let emu = Broker::in_process_with(Options::cors(&[ORIGIN]));
    let req = request("OPTIONS", TUS_PATH, None)
        .header("origin", ORIGIN)
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization,tus-resumable,upload-offset,content-type")
        .body(Body::empty())
        .unwrap();
    let res = emu.send(req).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.headers["access-control-allow-origin"], ORIGIN);
    assert!(res.headers.get("tus-version").is_none());
    // Security headers wrap the CORS answers too.
    assert_eq!(res.headers["x-content-type-options"], "nosniff");
}
