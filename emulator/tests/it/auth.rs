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
        .get("/api/GetEnterpriseToken?env=tt02&org=digdir&orgNo=991825827&scopes=altinn:broker.write,altinn:broker.read&ttl=120&supplierOrgNo=986252932&clientId=c-1&delegationSource=https://example.org/x", None)
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap_or_default().starts_with("text/plain"));
    let c = claims(&r.text());
    assert_eq!(c["scope"], "altinn:broker.write altinn:broker.read");
    assert_eq!(c["token_type"], "Bearer");
    assert_eq!(c["urn:altinn:orgNumber"], DIGDIR);
    assert_eq!(c["urn:altinn:org"], "digdir");
    assert_eq!(c["urn:altinn:authenticatemethod"], "maskinporten");
    assert_eq!(c["urn:altinn:authlevel"], 3);
    assert_eq!(c["consumer"], json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}));
    assert_eq!(c["supplier"], json!({"authority": "iso6523-actorid-upis", "ID": "0192:986252932"}));
    assert_eq!(c["client_id"], "c-1");
    assert_eq!(c["delegation_source"], "https://example.org/x");
    assert_eq!(c["actual_iss"], "altinn-test-tools");
    assert_eq!(c["iss"], "http://127.0.0.1:5096/authentication/api/v1/openid/");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 120);
    assert_eq!(c["nbf"], c["iat"]);
    // `RandomString(43)`.
    assert_eq!(c["jti"].as_str().unwrap().len(), 43);
    // iat is emulator time.
    let now = app.state().clock.now().unix_timestamp();
    assert!((c["iat"].as_i64().unwrap() - now).abs() <= 2);
    // Two tokens never share a jti; the default ttl is 1800 s.
    let again = claims(&app.token(DIGDIR, WRITE).await);
    assert_ne!(again["jti"], c["jti"]);
    assert_eq!(again["exp"].as_i64().unwrap() - again["iat"].as_i64().unwrap(), 1800);
    assert!(again.get("supplier").is_none() && again.get("urn:altinn:org").is_none());
    // As a JSON string for Accept: application/json (ASP.NET's OkObjectResult(string)).
    let req = get("/api/GetEnterpriseToken?env=tt02&orgNo=991825827&scopes=a", None);
    let (mut parts, body) = req.into_parts();
    parts.headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let r = app.send(axum::http::Request::from_parts(parts, body)).await;
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"));
    assert!(claims(r.json().as_str().unwrap())["scope"] == "a");
}

#[tokio::test]
async fn absent_org_no_gives_a_random_test_org_and_bulk_count_many() {
    let app = Broker::in_process();
    let orgs: std::collections::BTreeSet<String> = futures_util::future::join_all((0..5).map(|_| async {
        let c = claims(&app.get("/api/GetEnterpriseToken?env=tt02&scopes=a", None).await.text());
        assert_eq!(c["consumer"]["ID"], format!("0192:{}", c["urn:altinn:orgNumber"].as_str().unwrap()));
        c["urn:altinn:orgNumber"].as_str().unwrap().to_owned()
    }))
    .await
    .into_iter()
    .collect();
    assert!(orgs.len() > 1, "random orgs: {orgs:?}");
    assert!(orgs.iter().all(|o| o.len() == 9 && o.starts_with('3')), "{orgs:?}");
    // A random org is no party of the world: the PDP denies it (no fallback to a seed org).
    let r = app.get("/api/GetEnterpriseToken?env=tt02&scopes=altinn:broker.write", None).await.text();
    let init = app
        .send(post_json(
            "/broker/api/v1/filetransfer",
            Some(&r),
            &init_body(altinn_broker_core::seed::RESOURCE, &[RECIPIENT]),
        ))
        .await;
    assert_eq!(init.status, 401, "{}", init.text());

    let r = app.get("/api/GetEnterpriseToken?env=tt02&scopes=a&bulkCount=3", None).await;
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"));
    let map = r.json();
    let map = map.as_object().unwrap();
    assert_eq!(map.len(), 3);
    for (org, jwt) in map {
        assert_eq!(claims(jwt.as_str().unwrap())["urn:altinn:orgNumber"], org.as_str());
    }
}

#[tokio::test]
async fn dump_answers_the_decoded_header_and_payload() {
    let app = Broker::in_process();
    let r = app.get("/api/GetEnterpriseToken?env=tt02&orgNo=991825827&scopes=a&dump=1", None).await;
    assert_eq!(r.status, 200);
    let text = r.text();
    let (header, payload) = text.split_once("\n.\n").unwrap();
    let header: Value = serde_json::from_str(header).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert!(payload.starts_with("{\n  \""), "pretty-printed: {payload}");
    assert_eq!(serde_json::from_str::<Value>(payload).unwrap()["urn:altinn:orgNumber"], DIGDIR);
    let id = uuid::Uuid::new_v4();
    let r = app.get(&format!("/api/GetSystemUserToken?env=tt02&systemUserId={id}&dump=yes"), None).await;
    let (_, payload) = r.text().split_once("\n.\n").map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&payload).unwrap()["authorization_details"][0]["systemuser_id"][0],
        id.to_string()
    );
}

#[tokio::test]
async fn system_user_token_carries_authorization_details() {
    let app = Broker::in_process();
    let jwt = app.system_user_token(RECIPIENT, DIGDIR, READ).await;
    let c = claims(&jwt);
    // The generator writes an array (contract §4.2); the caller's org is read from its first element (§7.3).
    let d = &c["authorization_details"];
    assert_eq!(d.as_array().unwrap().len(), 1);
    assert_eq!(d[0]["type"], "urn:altinn:systemuser");
    assert_eq!(d[0]["systemuser_org"]["ID"], "0192:986252932");
    assert!(uuid::Uuid::parse_str(d[0]["system_id"].as_str().unwrap()).is_ok());
    assert_eq!(c["consumer"]["ID"], "0192:991825827");
    assert!(c.get("urn:altinn:orgNumber").is_none());
    assert_eq!(c["actual_iss"], "altinn-test-tools");
    let id = "5d5a3b4e-2c1f-4a8e-9b7d-0e6f1a2b3c4d";
    let r = app
        .get(&format!("/api/GetSystemUserToken?env=tt02&systemUserOrg=986252932&scopes=a&systemUserId={id}&clientId=c-1&supplierOrgNo=312195771"), None)
        .await;
    let c = claims(&r.text());
    assert_eq!(c["authorization_details"][0]["systemuser_id"], json!([id]));
    assert_eq!(c["client_id"], "c-1");
    assert_eq!(c["supplier"]["ID"], "0192:312195771");
    // Defaults: orgNo and systemUserOrg 991825827, scope altinn:enduser.
    let c = claims(&app.get(&format!("/api/GetSystemUserToken?env=tt02&systemUserId={id}"), None).await.text());
    assert_eq!(c["scope"], "altinn:enduser");
    assert_eq!(c["consumer"]["ID"], "0192:991825827");
    assert_eq!(c["authorization_details"][0]["systemuser_org"]["ID"], "0192:991825827");
}

#[tokio::test]
async fn bad_token_requests_are_400_with_the_generators_messages() {
    let app = Broker::in_process();
    let must = "Parameter must be supplied";
    let invalid = "Parameter was supplied with an invalid value";
    for (query, body) in [
        ("/api/GetEnterpriseToken?orgNo=991825827&scopes=a", json!({"env": must})),
        ("/api/GetEnterpriseToken", json!({"env": must, "scopes": must})),
        ("/api/GetEnterpriseToken?env=none&scopes=a", json!({"env": invalid})),
        ("/api/GetEnterpriseToken?env=tt02&orgNo=12345&scopes=a", json!({"orgNo": invalid})),
        ("/api/GetEnterpriseToken?env=tt02&orgNo=0192:991825827&scopes=a", json!({"orgNo": invalid})),
        ("/api/GetEnterpriseToken?env=tt02&scopes=Altinn:Broker.Write", json!({"scopes": invalid})),
        ("/api/GetEnterpriseToken?env=tt02&scopes=a&ttl=soon", json!({"ttl": invalid})),
        ("/api/GetEnterpriseToken?env=tt02&scopes=a&ttl=-1", json!({"ttl": invalid})),
        ("/api/GetEnterpriseToken?env=tt02&scopes=a&supplierOrgNo=x&org=a.b", json!({"org": invalid, "supplierOrgNo": invalid})),
        ("/api/GetSystemUserToken?env=tt02&scopes=a", json!({"systemUserId": must})),
        ("/api/GetSystemUserToken?systemUserId=nope", json!({"env": must, "systemUserId": invalid})),
        (
            "/api/GetSystemUserToken?env=tt02&systemUserId=5d5a3b4e-2c1f-4a8e-9b7d-0e6f1a2b3c4d&systemUserOrg=1&orgNo=2",
            json!({"orgNo": invalid, "systemUserOrg": invalid}),
        ),
    ] {
        let r = app.get(query, None).await;
        assert_eq!(r.status, 400, "{query}");
        assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"), "{query}");
        assert_eq!(r.json(), body, "{query}");
    }
    // ttl=0 is a uint: a token that is expired on arrival.
    let r = app.get("/api/GetEnterpriseToken?env=tt02&orgNo=991825827&scopes=altinn:serviceowner&ttl=0", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(app.get(SERVICE_OWNER_PATH, Some(&r.text())).await.status, 401);
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
    // Altinn writes n and e in standard Base64 (contract §3.2): padded, so a strict base64url reader refuses it.
    let n = key["n"].as_str().unwrap();
    assert!(n.ends_with("=="), "{n}");
    assert_eq!(key["e"], "AQAB");
    let std = base64::engine::general_purpose::STANDARD;
    let decoding = DecodingKey::from_rsa_raw_components(
        &base64::Engine::decode(&std, n).unwrap(),
        &base64::Engine::decode(&std, "AQAB").unwrap(),
    );

    let jwt = app.token(DIGDIR, WRITE).await;
    let head = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(head.alg, Algorithm::RS256);
    assert_eq!(head.kid.as_deref(), key["kid"].as_str());
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[config["issuer"].as_str().unwrap()]);
    let data = jsonwebtoken::decode::<Value>(&jwt, &decoding, &v).unwrap();
    assert_eq!(data.claims["urn:altinn:orgNumber"], DIGDIR);
}

#[tokio::test]
async fn jwks_base64url_flag_writes_what_strict_jose_libraries_read() {
    let app = Broker::process_with(Options { extra: vec!["--jwks-base64url"], ..Default::default() });
    let jwks = app.get("/authentication/api/v1/openid/.well-known/openid-configuration/jwks", None).await.json();
    let key = &jwks["keys"][0];
    let n = key["n"].as_str().unwrap();
    assert!(!n.contains(['+', '/', '=']), "{n}");
    let decoding = DecodingKey::from_rsa_components(n, key["e"].as_str().unwrap()).unwrap();
    let jwt = app.token(DIGDIR, WRITE).await;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[format!("{}/authentication/api/v1/openid/", app.base())]);
    assert!(jsonwebtoken::decode::<Value>(&jwt, &decoding, &v).is_ok());
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
    let jwt = app
        .get("/api/GetEnterpriseToken?env=tt02&orgNo=991825827&scopes=altinn:serviceowner&ttl=600", None)
        .await
        .text();
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
