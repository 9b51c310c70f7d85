//! The token issuer (test token generator, OpenID configuration, JWKS) and bearer validation, in-process.

use crate::fixture::*;
use altinn_broker_core::scopes::{READ, SERVICE_OWNER, WRITE};
use altinn_broker_core::seed::{DIGDIR, RECIPIENT};
use altinn_broker_emulator::auth::{Auth, Lifetime};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

const SERVICE_OWNER_PATH: &str = "/broker/api/v1/serviceowner";

#[tokio::test]
async fn enterprise_token_has_altinn_shape() {
    let app = Broker::in_process();
    let r = app
        .get("/api/GetEnterpriseToken?env=tt02&org=digdir&orgNo=991825827&scopes=altinn:broker.write,altinn:broker.read&ttl=120", None)
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap_or_default().starts_with("text/plain"));
    let c = claims(&r.text());
    assert_eq!(c["scope"], "altinn:broker.write altinn:broker.read");
    assert_eq!(c["urn:altinn:orgNumber"], DIGDIR);
    assert_eq!(c["consumer"], json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}));
    assert_eq!(c["iss"], "http://127.0.0.1:5096/authentication/api/v1/openid/");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 120);
    assert!(uuid::Uuid::parse_str(c["jti"].as_str().unwrap()).is_ok());
    // iat is emulator time.
    let now = app.state().clock.now().unix_timestamp();
    assert!((c["iat"].as_i64().unwrap() - now).abs() <= 2);
    // Two tokens never share a jti.
    let again = claims(&app.token(DIGDIR, WRITE).await);
    assert_ne!(again["jti"], c["jti"]);
}

#[tokio::test]
async fn system_user_token_carries_authorization_details() {
    let app = Broker::in_process();
    let jwt = app.system_user_token(RECIPIENT, DIGDIR, READ).await;
    let c = claims(&jwt);
    assert_eq!(c["authorization_details"]["type"], "urn:altinn:systemuser");
    assert_eq!(c["authorization_details"]["systemuser_org"]["ID"], "0192:986252932");
    assert_eq!(c["consumer"]["ID"], "0192:991825827");
    assert!(c.get("urn:altinn:orgNumber").is_none());
    let r =
        app.get("/api/GetSystemUserToken?systemUserOrg=986252932&scopes=a&systemUserId=su-1&clientId=c-1", None).await;
    let c = claims(&r.text());
    assert_eq!(c["authorization_details"]["systemuser_id"], json!(["su-1"]));
    assert_eq!(c["client_id"], "c-1");
}

#[tokio::test]
async fn bad_token_requests_are_400_with_a_reason() {
    let app = Broker::in_process();
    for (query, needle) in [
        ("/api/GetEnterpriseToken?scopes=a", "orgNo is required"),
        ("/api/GetEnterpriseToken?orgNo=12345&scopes=a", "orgNo must be an organisation number of 9 digits"),
        ("/api/GetEnterpriseToken?orgNo=991825827", "scopes is required"),
        ("/api/GetEnterpriseToken?orgNo=991825827&scopes=,", "scopes must name at least one scope"),
        ("/api/GetEnterpriseToken?orgNo=991825827&scopes=a&ttl=soon", "ttl must be a whole number"),
        ("/api/GetEnterpriseToken?orgNo=991825827&scopes=a&ttl=0", "ttl must be a whole number"),
        ("/api/GetSystemUserToken?scopes=a", "systemUserOrg is required"),
        ("/api/GetSystemUserToken?systemUserOrg=986252932&scopes=a&supplierOrgNo=x", "supplierOrgNo must be"),
    ] {
        let r = app.get(query, None).await;
        assert_eq!(r.status, 400, "{query}");
        assert!(r.text().contains(needle), "{query}: {}", r.text());
    }
}

#[tokio::test]
async fn openid_configuration_and_jwks_validate_issued_tokens() {
    let app = Broker::in_process();
    let r = app.get("/authentication/api/v1/openid/.well-known/openid-configuration", None).await;
    assert_eq!(r.status, 200);
    let config = r.json();
    assert_eq!(config["issuer"], "http://127.0.0.1:5096/authentication/api/v1/openid/");
    let jwks_uri = config["jwks_uri"].as_str().unwrap();
    let jwks_path = jwks_uri.strip_prefix(BASE_URL).unwrap();
    let jwks = app.get(jwks_path, None).await.json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");

    let jwt = app.token(DIGDIR, WRITE).await;
    let head = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(head.alg, Algorithm::RS256);
    assert_eq!(head.kid.as_deref(), key["kid"].as_str());
    let decoding = DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap()).unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[config["issuer"].as_str().unwrap()]);
    let data = jsonwebtoken::decode::<Value>(&jwt, &decoding, &v).unwrap();
    assert_eq!(data.claims["urn:altinn:orgNumber"], DIGDIR);
}

fn www_authenticate(r: &Resp) -> String {
    r.header("www-authenticate").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn missing_malformed_forged_and_foreign_tokens_are_401_with_empty_body() {
    let app = Broker::in_process();
    let r = app.get(SERVICE_OWNER_PATH, None).await;
    assert_eq!((r.status, www_authenticate(&r).as_str(), r.body.len()), (401, "Bearer", 0));

    let r = app.get(SERVICE_OWNER_PATH, Some("not-a-jwt")).await;
    assert_eq!((r.status, www_authenticate(&r).as_str(), r.body.len()), (401, "Bearer error=\"invalid_token\"", 0));

    // Signed by another key.
    let other = Auth::ephemeral(BASE_URL).unwrap();
    let mut c = claims(&app.token(DIGDIR, SERVICE_OWNER).await).as_object().unwrap().clone();
    let forged = other.sign(&c).unwrap();
    let r = app.get(SERVICE_OWNER_PATH, Some(&forged)).await;
    assert_eq!(r.status, 401);
    assert_eq!(www_authenticate(&r), "Bearer error=\"invalid_token\", error_description=\"The signature is invalid\"");
    assert!(r.body.is_empty());

    // Our key, another issuer.
    c.insert("iss".into(), "https://platform.tt02.altinn.no/authentication/api/v1/openid/".into());
    let foreign = app.state().auth.sign(&c).unwrap();
    let r = app.get(SERVICE_OWNER_PATH, Some(&foreign)).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        www_authenticate(&r),
        "Bearer error=\"invalid_token\", error_description=\"The issuer 'https://platform.tt02.altinn.no/authentication/api/v1/openid/' is invalid\""
    );

    // No exp at all.
    c.insert("iss".into(), app.state().auth.issuer().into());
    c.remove("exp");
    let r = app.get(SERVICE_OWNER_PATH, Some(&app.state().auth.sign(&c).unwrap())).await;
    assert_eq!(r.status, 401);
    assert!(www_authenticate(&r).contains("error=\"invalid_token\""));
}

#[tokio::test]
async fn tokens_expire_on_the_emulator_clock_without_skew() {
    let app = Broker::in_process();
    let jwt = app.get("/api/GetEnterpriseToken?orgNo=991825827&scopes=altinn:serviceowner&ttl=600", None).await.text();
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&jwt)).await.status, 200);

    let r = app.call(Method::POST, "/emulator/api/clock/advance?by=PT10M", None, None).await;
    assert!(r.status < 300, "advance: {} {}", r.status, r.text());
    let r = app.get(SERVICE_OWNER_PATH, Some(&jwt)).await;
    assert_eq!(r.status, 401);
    assert!(r.body.is_empty());
    let exp = claims(&jwt)["exp"].as_i64().unwrap();
    let exp = time::OffsetDateTime::from_unix_timestamp(exp).unwrap();
    let expected = format!(
        "Bearer error=\"invalid_token\", error_description=\"The token expired at '{:02}/{:02}/{:04} {:02}:{:02}:{:02}'\"",
        u8::from(exp.month()),
        exp.day(),
        exp.year(),
        exp.hour(),
        exp.minute(),
        exp.second()
    );
    assert_eq!(www_authenticate(&r), expected);

    // The tus rescue: the same token is still valid apart from its lifetime.
    let mut headers = HeaderMap::new();
    headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {jwt}")).unwrap());
    let now = app.state().clock.now();
    let caller = app.state().auth.authenticate(&headers, now, Lifetime::IgnoreExpiry).unwrap();
    assert_eq!(caller.org.unwrap().digits(), DIGDIR);
    assert!(app.state().auth.authenticate(&headers, now, Lifetime::Enforce).is_err());

    // A fresh token, issued on the advanced clock, works.
    let fresh = app.token(DIGDIR, SERVICE_OWNER).await;
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&fresh)).await.status, 200);
}

#[tokio::test]
async fn valid_token_without_the_policy_scope_is_403_empty() {
    let app = Broker::in_process();
    for scopes in [READ, WRITE, "altinn:broker.maintenance"] {
        let r = app.get(SERVICE_OWNER_PATH, Some(&app.token(DIGDIR, scopes).await)).await;
        assert_eq!((r.status, r.body.len()), (403, 0), "{scopes}");
        assert_eq!(www_authenticate(&r), "");
    }
    // `urn:altinn:scope` wins over `scope`.
    let mut c = claims(&app.token(DIGDIR, SERVICE_OWNER).await).as_object().unwrap().clone();
    c.insert("urn:altinn:scope".into(), READ.into());
    let r = app.get(SERVICE_OWNER_PATH, Some(&app.state().auth.sign(&c).unwrap())).await;
    assert_eq!(r.status, 403);
    c.insert("urn:altinn:scope".into(), format!("{READ} {SERVICE_OWNER}").into());
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&app.state().auth.sign(&c).unwrap())).await.status, 200);
}

#[tokio::test]
async fn caller_org_comes_from_system_user_then_org_number_then_consumer() {
    let app = Broker::in_process();
    // A system user of an org that is not a service owner, made by DIGDIR's system: the system user's org counts.
    let su = app.system_user_token(RECIPIENT, DIGDIR, SERVICE_OWNER).await;
    let r = app.get(SERVICE_OWNER_PATH, Some(&su)).await;
    assert_eq!((r.status, r.code().as_str()), (404, "BRO-07004"));
    // A system user of DIGDIR made by another vendor: DIGDIR.
    let su = app.system_user_token(DIGDIR, RECIPIENT, SERVICE_OWNER).await;
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&su)).await.json()["name"], "Digitaliseringsdirektoratet Avd Oslo");

    // urn:altinn:orgNumber before consumer.
    let mut c = claims(&app.token(RECIPIENT, SERVICE_OWNER).await).as_object().unwrap().clone();
    c.insert("consumer".into(), json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}));
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&app.state().auth.sign(&c).unwrap())).await.status, 404);
    // consumer alone.
    c.remove("urn:altinn:orgNumber");
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&app.state().auth.sign(&c).unwrap())).await.status, 200);
    // No org at all: 400/7001.
    c.remove("consumer");
    let r = app.get(SERVICE_OWNER_PATH, Some(&app.state().auth.sign(&c).unwrap())).await;
    assert_eq!((r.status, r.code().as_str()), (400, "BRO-07001"));
}

#[tokio::test]
async fn tokens_and_key_survive_a_restart_on_another_port() {
    let app = Broker::in_process();
    let jwt = app.token(DIGDIR, SERVICE_OWNER).await;
    let jwks = app.get("/authentication/api/v1/openid/.well-known/openid-configuration/jwks", None).await.json();
    let app = app.restart_on(40123);
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&jwt)).await.status, 200);
    assert_eq!(app.get("/authentication/api/v1/openid/.well-known/openid-configuration/jwks", None).await.json(), jwks);
    let config = app.get("/authentication/api/v1/openid/.well-known/openid-configuration", None).await.json();
    assert_eq!(config["issuer"], "http://127.0.0.1:40123/authentication/api/v1/openid/");
}
