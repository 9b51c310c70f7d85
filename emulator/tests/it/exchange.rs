//! Altinn's token exchange and refresh (events-auth contract §3): Maskinporten tokens from the emulated
//! Maskinporten in, Altinn tokens out, which Broker takes as it takes the test generator's.

use crate::fixture::*;
use crate::maskinporten::{client_of, grant_claims, now, sign, token_request};
use altinn_broker_core::scopes::{READ, SERVICE_OWNER, WRITE};
use altinn_broker_core::seed::{DIGDIR, RECIPIENT, RESOURCE, SYSTEM_USER_ID};
use axum::http::{header, HeaderValue, Method, Request};
use jsonwebtoken::Algorithm;
use serde_json::{json, Map, Value};

const EXCHANGE: &str = "/authentication/api/v1/exchange/maskinporten";
const REFRESH: &str = "/authentication/api/v1/refresh";
const SERVICE_OWNER_PATH: &str = "/broker/api/v1/serviceowner";

async fn mp_token(app: &Broker, org: &str, scope: &str) -> String {
    crate::maskinporten::maskinporten_token(app, org, scope).await
}

/// A GET with extra headers.
async fn get_with(app: &Broker, path: &str, headers: &[(&str, &str)]) -> Resp {
    let mut b = Request::get(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    app.send(b.body(axum::body::Body::empty()).unwrap()).await
}

fn assert_401_problem(r: &Resp, what: &str) {
    assert_eq!(r.status, 401, "{what}: {}", r.text());
    // `Unauthorized()` under [ApiController]: ASP.NET's client-error ProblemDetails.
    let p = r.json();
    assert_eq!((p["status"].as_u64(), p["title"].as_str()), (Some(401), Some("Unauthorized")), "{what}");
}

#[tokio::test]
async fn exchanged_tokens_carry_the_claims_of_contract_3_1() {
    let app = Broker::in_process();
    let mp = mp_token(&app, DIGDIR, &format!("{WRITE} {SERVICE_OWNER}")).await;
    let r = app.get(EXCHANGE, Some(&mp)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let (m, a) = (claims(&mp), claims(&r.text()));
    for copied in ["scope", "token_type", "client_id", "consumer"] {
        assert_eq!(a[copied], m[copied], "{copied}");
    }
    for removed in ["client_amr", "aud"] {
        assert!(a.get(removed).is_none(), "{removed}");
    }
    assert_eq!(a["urn:altinn:orgNumber"], DIGDIR);
    assert_eq!(a["urn:altinn:authenticatemethod"], "maskinporten");
    assert_eq!(a["urn:altinn:authlevel"], json!(3));
    assert_eq!(a["urn:altinn:org"], "digdir");
    assert_eq!(a["iss"], format!("{BASE_URL}/authentication/api/v1/openid/"));
    assert!(uuid::Uuid::parse_str(a["sid"].as_str().unwrap()).is_ok());
    assert!(uuid::Uuid::parse_str(a["jti"].as_str().unwrap()).is_ok());
    assert_ne!(a["jti"], m["jti"]);
    assert_eq!(a["exp"].as_i64().unwrap() - a["iat"].as_i64().unwrap(), 1800);
    assert_eq!(a["nbf"], a["iat"]);
    // Broker takes it (the service-owner endpoint names DIGDIR's registration).
    let so = app.get(SERVICE_OWNER_PATH, Some(&r.text())).await;
    assert_eq!(so.status, 200, "{}", so.text());

    // ?test=true turns digdir into ttd; the provider matches case-insensitively.
    let a = claims(&app.get("/authentication/api/v1/exchange/MaskinPorten?test=True", Some(&mp)).await.text());
    assert_eq!(a["urn:altinn:org"], "ttd");
    let r = app.get(&format!("{EXCHANGE}?test=yes"), Some(&mp)).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["errors"]["test"].is_array());
    // No altinn:serviceowner scope, or an org outside the org register: no urn:altinn:org.
    let a = claims(&app.get(EXCHANGE, Some(&mp_token(&app, DIGDIR, WRITE).await)).await.text());
    assert!(a.get("urn:altinn:org").is_none());
    let a = claims(&app.get(EXCHANGE, Some(&mp_token(&app, RECIPIENT, SERVICE_OWNER).await)).await.text());
    assert!(a.get("urn:altinn:org").is_none());
    assert_eq!(a["urn:altinn:orgNumber"], RECIPIENT);
}

#[tokio::test]
async fn accept_decides_between_raw_text_and_a_json_string() {
    let app = Broker::in_process();
    let mp = mp_token(&app, DIGDIR, WRITE).await;
    let bearer = format!("Bearer {mp}");
    for (accept, json) in [
        ("*/*", false),
        ("text/plain", false),
        ("application/json", true),
        ("text/plain;q=0.1, application/json", true),
    ] {
        let r = get_with(&app, EXCHANGE, &[("authorization", &bearer), ("accept", accept)]).await;
        assert_eq!(r.status, 200, "{accept}");
        let jwt = if json {
            assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"), "{accept}");
            assert!(r.text().starts_with("\"eyJ"), "{accept}");
            r.json().as_str().unwrap().to_owned()
        } else {
            assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"), "{accept}");
            assert!(r.text().starts_with("eyJ"), "{accept}");
            r.text()
        };
        assert_eq!(
            app.send(post_json("/broker/api/v1/filetransfer", Some(&jwt), &init_body(RESOURCE, &[RECIPIENT])))
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn tokens_the_exchange_refuses() {
    let app = Broker::in_process();
    let mp = mp_token(&app, DIGDIR, WRITE).await;
    assert_401_problem(&app.get(EXCHANGE, None).await, "no token");
    assert_401_problem(&get_with(&app, EXCHANGE, &[("authorization", &format!("Basic {mp}"))]).await, "Basic");
    assert_401_problem(&app.get(EXCHANGE, Some("not-a-jwt")).await, "unreadable");
    // An Altinn token is not signed by Maskinporten.
    assert_401_problem(&app.get(EXCHANGE, Some(&app.token(DIGDIR, WRITE).await)).await, "Altinn-signed");
    // A changed payload breaks the signature.
    let mut parts: Vec<&str> = mp.split('.').collect();
    let mut c = claims(&mp);
    c["consumer"]["ID"] = json!("0192:986252932");
    let forged_payload = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, c.to_string());
    parts[1] = &forged_payload;
    assert_401_problem(&app.get(EXCHANGE, Some(&parts.join("."))).await, "tampered");

    // Signed by Maskinporten, but with an issuer that is not a part of its metadata URL, or a bad consumer.
    let key = app.state().maskinporten.signing_key().unwrap();
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.kid = Some(key.kid().to_owned());
    let sign_mp = |c: &Value| jsonwebtoken::encode(&header, c, key.encoding()).unwrap();
    let mut foreign_iss = claims(&mp);
    foreign_iss["iss"] = json!("https://test.maskinporten.no/");
    assert_401_problem(&app.get(EXCHANGE, Some(&sign_mp(&foreign_iss))).await, "foreign iss");
    // `iss` is compared as a substring of the metadata URL: a prefix of it passes, as in the service.
    let mut prefix_iss = claims(&mp);
    prefix_iss["iss"] = json!(format!("{BASE_URL}/maskinporten"));
    assert_eq!(app.get(EXCHANGE, Some(&sign_mp(&prefix_iss))).await.status, 200);
    for consumer in [
        json!({"authority": "other", "ID": "0192:991825827"}),
        json!({"authority": "iso6523-actorid-upis", "ID": "991825827"}),
        Value::Null,
    ] {
        let mut c = claims(&mp);
        c["consumer"] = consumer.clone();
        assert_401_problem(&app.get(EXCHANGE, Some(&sign_mp(&c))).await, &consumer.to_string());
    }
    let mut no_exp = claims(&mp);
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_401_problem(&app.get(EXCHANGE, Some(&sign_mp(&no_exp))).await, "no exp");

    // The provider is read after the token: an unknown one is a 400 with the controller's text.
    let r = app.get("/authentication/api/v1/exchange/idporten", Some(&mp)).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        "Invalid token provider: idporten. Trusted token providers are 'Maskinporten', 'Id-porten' and 'AltinnStudio'."
    );
    assert_401_problem(&app.get("/authentication/api/v1/exchange/idporten", None).await, "unknown provider, no token");
    assert_401_problem(&app.get("/authentication/api/v1/exchange/id-porten", Some(&mp)).await, "ID-porten");

    // Virksomhetsbruker is gone.
    let r = get_with(
        &app,
        EXCHANGE,
        &[("authorization", &format!("Bearer {mp}")), ("X-Altinn-EnterpriseUser-Authentication", "x")],
    )
    .await;
    assert_eq!(r.status, 410);
    assert_eq!(r.header("content-type"), Some("application/problem+json; charset=utf-8"));
    assert_eq!(r.json()["title"], "Virksomhetsbruker is no longer available");
    assert_eq!(r.json()["status"], 410);
}

#[tokio::test]
async fn a_maskinporten_token_expires_with_ten_seconds_of_skew() {
    let app = Broker::in_process();
    let mp = mp_token(&app, DIGDIR, WRITE).await;
    let advance = |by: &'static str| {
        let app = &app;
        async move {
            let r = app.call(Method::POST, &format!("/emulator/api/clock/advance?by={by}"), None, None).await;
            assert_eq!(r.status, 200);
        }
    };
    // It lives 120 s; 125 s later it is still taken (skew 10 s), 135 s later no more.
    advance("PT125S").await;
    assert_eq!(app.get(EXCHANGE, Some(&mp)).await.status, 200);
    advance("PT10S").await;
    assert_401_problem(&app.get(EXCHANGE, Some(&mp)).await, "expired");
}

#[tokio::test]
async fn system_user_tokens_unwrap_authorization_details_and_act_for_the_system_users_org() {
    let app = Broker::in_process();
    let vendor = client_of(&app, DIGDIR).await;
    let mut c = grant_claims(&app, &vendor, &format!("{WRITE} {READ}"), now(&app).await);
    c["authorization_details"] = json!([{
        "type": "urn:altinn:systemuser",
        "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{RECIPIENT}")},
    }]);
    let r = token_request(&app, &sign(&vendor, Algorithm::RS256, &c)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mp = r.json()["access_token"].as_str().unwrap().to_owned();
    let altinn = app.get(EXCHANGE, Some(&mp)).await.text();
    let a = claims(&altinn);
    let d = &a["authorization_details"];
    assert!(d.is_object(), "unwrapped to one object: {d}");
    assert_eq!(d["systemuser_id"], json!([SYSTEM_USER_ID]));
    assert_eq!(d["systemuser_org"]["ID"], format!("0192:{RECIPIENT}"));
    // orgNumber is the vendor (consumer); the caller's org is the system user's (broker-contract §7.3).
    assert_eq!(a["urn:altinn:orgNumber"], DIGDIR);
    let mut body = init_body(RESOURCE, &[DIGDIR]);
    body["sender"] = json!(format!("0192:{RECIPIENT}"));
    let r = app.send(post_json("/broker/api/v1/filetransfer", Some(&altinn), &body)).await;
    assert_eq!(r.status, 200, "as the system user's org: {}", r.text());
    let r = app.send(post_json("/broker/api/v1/filetransfer", Some(&altinn), &init_body(RESOURCE, &[RECIPIENT]))).await;
    assert_eq!(r.status, 401, "not as the vendor: {}", r.text());
}

#[tokio::test]
async fn exchanged_tokens_last_thirty_minutes_on_the_emulator_clock_and_refresh() {
    let app = Broker::in_process();
    let altinn = app.get(EXCHANGE, Some(&mp_token(&app, DIGDIR, SERVICE_OWNER).await)).await.text();
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&altinn)).await.status, 200);
    let r = app.call(Method::POST, "/emulator/api/clock/advance?by=PT20M", None, None).await;
    assert_eq!(r.status, 200);
    // Refresh: the same claims with fresh iat, nbf and exp (now + 30 min).
    let r = app.get(REFRESH, Some(&altinn)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let refreshed = r.text();
    let (old, new) = (claims(&altinn), claims(&refreshed));
    let strip = |c: &Value| {
        let mut m: Map<String, Value> = c.as_object().unwrap().clone();
        for t in ["iat", "nbf", "exp"] {
            m.remove(t);
        }
        m
    };
    assert_eq!(strip(&old), strip(&new));
    assert!(new["iat"].as_i64().unwrap() >= old["iat"].as_i64().unwrap() + 1200);
    assert_eq!(new["exp"].as_i64().unwrap() - new["iat"].as_i64().unwrap(), 1800);
    // From the AltinnStudioRuntime cookie too, and as a JSON string for Accept: application/json.
    let r = get_with(
        &app,
        REFRESH,
        &[("cookie", &format!("a=b; AltinnStudioRuntime={altinn}")), ("accept", "application/json")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.json().as_str().unwrap().starts_with("eyJ"));

    // 30 min after the exchange the original is expired; the refreshed one still works.
    let r = app.call(Method::POST, "/emulator/api/clock/advance?by=PT10M", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&altinn)).await.status, 401);
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&refreshed)).await.status, 200);
    // Refresh wants a valid Altinn token: an empty 401 otherwise.
    for (what, token) in [("expired", Some(altinn.as_str())), ("none", None), ("garbage", Some("x.y.z"))] {
        let r = app.get(REFRESH, token).await;
        assert_eq!((r.status, r.body.len()), (401, 0), "{what}");
    }
    let mp = mp_token(&app, DIGDIR, WRITE).await;
    assert_eq!(app.get(REFRESH, Some(&mp)).await.status, 401, "a Maskinporten token is not an Altinn token");
    // Test-generator tokens refresh as well.
    let generated = app.token(DIGDIR, WRITE).await;
    let mut req = get(REFRESH, None);
    req.headers_mut().insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {generated}")).unwrap());
    let r = app.send(req).await;
    assert_eq!(r.status, 200);
    assert_eq!(claims(&r.text())["actual_iss"], "altinn-test-tools");
}
