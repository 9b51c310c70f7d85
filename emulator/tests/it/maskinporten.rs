//! The emulated Maskinporten (events-auth contract §2): grants signed here with the private keys the clients hook
//! hands out, checked exactly as §2.2 says, answered in §2.4's shape or with §2.5's errors.

use crate::fixture::*;
use altinn_broker_core::platform::{JWT_BEARER_GRANT_TYPE, MASKINPORTEN_METADATA, MASKINPORTEN_TOKEN};
use altinn_broker_core::scopes::{READ, WRITE};
use altinn_broker_core::seed::{
    maskinporten_client_id, DIGDIR, OTHER_RECIPIENT, RECIPIENT, SYSTEM_USER_EXTERNAL_REF, SYSTEM_USER_ID,
    SYSTEM_USER_WITH_REF_ID,
};
use axum::body::Body;
use axum::http::Request;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde_json::{json, Value};

/// A client as the hook lists it, with its private key ready to sign.
pub struct TestClient {
    pub client_id: String,
    pub kid: String,
    pub key: EncodingKey,
    pub info: Value,
}

/// `GET /emulator/api/maskinporten/clients`.
pub async fn clients(app: &Broker) -> Vec<TestClient> {
    let r = app.get("/emulator/api/maskinporten/clients", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| TestClient {
            client_id: c["clientId"].as_str().unwrap().to_owned(),
            kid: c["kid"].as_str().unwrap().to_owned(),
            key: encoding_key(&c["privateJwk"]),
            info: c.clone(),
        })
        .collect()
}

/// The client of `org` in the default world.
pub async fn client_of(app: &Broker, org: &str) -> TestClient {
    let id = maskinporten_client_id(org);
    clients(app).await.into_iter().find(|c| c.client_id == id).unwrap()
}

/// An RSA private JWK as jsonwebtoken's signing key.
fn encoding_key(jwk: &Value) -> EncodingKey {
    let big = |name: &str| rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap());
    let key = rsa::RsaPrivateKey::from_components(big("n"), big("e"), big("d"), vec![big("p"), big("q")]).unwrap();
    EncodingKey::from_rsa_der(key.to_pkcs1_der().unwrap().as_bytes())
}

/// The emulator's Maskinporten issuer (`aud` of every grant).
pub fn issuer(app: &Broker) -> String {
    format!("{}/maskinporten/", app.base())
}

/// The emulator clock, Unix seconds.
pub async fn now(app: &Broker) -> i64 {
    let r = app.get("/emulator/api/clock", None).await.json();
    time::OffsetDateTime::parse(r["now"].as_str().unwrap(), &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp()
}

/// Good grant claims for `client` asking for `scope`.
pub fn grant_claims(app: &Broker, client: &TestClient, scope: &str, now: i64) -> Value {
    json!({
        "aud": issuer(app),
        "iss": client.client_id,
        "scope": scope,
        "iat": now,
        "exp": now + 120,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

pub fn sign(client: &TestClient, alg: Algorithm, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(client.kid.clone());
    jsonwebtoken::encode(&header, claims, &client.key).unwrap()
}

/// `POST /maskinporten/token` with a form body.
pub async fn post_form(app: &Broker, body: &str) -> Resp {
    let req = Request::post(MASKINPORTEN_TOKEN)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    app.send(req).await
}

pub async fn token_request(app: &Broker, assertion: &str) -> Resp {
    post_form(app, &format!("grant_type={}&assertion={assertion}", JWT_BEARER_GRANT_TYPE.replace(':', "%3A"))).await
}

/// A Maskinporten access token for `org`'s client with `scope`.
pub async fn maskinporten_token(app: &Broker, org: &str, scope: &str) -> String {
    let client = client_of(app, org).await;
    let grant = sign(&client, Algorithm::RS256, &grant_claims(app, &client, scope, now(app).await));
    let r = token_request(app, &grant).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["access_token"].as_str().unwrap().to_owned()
}

/// The exchange of a Maskinporten token for an Altinn token (raw text).
pub async fn exchange(app: &Broker, mp_token: &str) -> String {
    let r = app.get("/authentication/api/v1/exchange/maskinporten", Some(mp_token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.text()
}

fn error_of(r: &Resp) -> (u16, String, String) {
    let b = r.json();
    (
        r.status,
        b["error"].as_str().unwrap_or_default().to_owned(),
        b["error_description"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_grant_gives_a_token_that_exchanges_into_a_broker_token() {
    let app = Broker::in_process();
    let client = client_of(&app, DIGDIR).await;
    assert_eq!(client.info["org"], DIGDIR);
    assert_eq!(
        client.info["scopes"],
        json!(["altinn:broker.write", "altinn:broker.read", "altinn:serviceowner", "altinn:events.subscribe"])
    );
    let now = now(&app).await;
    let grant = sign(&client, Algorithm::RS256, &grant_claims(&app, &client, &format!("{WRITE} {READ}"), now));
    let r = token_request(&app, &grant).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let body = r.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], format!("{WRITE} {READ}"));
    assert_eq!(body["expires_in"], 120);
    let access = body["access_token"].as_str().unwrap();

    // §2.4: the header has kid and alg only; the claims as observed in tt02 tokens.
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(access.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header.as_object().unwrap().keys().collect::<Vec<_>>(), ["alg", "kid"]);
    let c = claims(access);
    assert_eq!(c["iss"], issuer(&app));
    assert_eq!(c["client_id"], client.client_id);
    assert_eq!(c["client_amr"], "private_key_jwt");
    assert_eq!(c["token_type"], "Bearer");
    assert_eq!(c["scope"], format!("{WRITE} {READ}"));
    assert_eq!(c["consumer"], json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}));
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 120);
    assert!(c.get("aud").is_none(), "no aud without resource");
    assert!(c.get("authorization_details").is_none());
    assert!(c["jti"].as_str().unwrap().len() >= 32);

    // The token verifies against the JWKS the metadata names.
    let meta = app.get(MASKINPORTEN_METADATA, None).await.json();
    assert_eq!(meta["issuer"], issuer(&app));
    assert_eq!(meta["token_endpoint"], format!("{}{MASKINPORTEN_TOKEN}", app.base()));
    let jwks = app.get(meta["jwks_uri"].as_str().unwrap().strip_prefix(app.base()).unwrap(), None).await.json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kid"], header["kid"]);
    let decoding =
        jsonwebtoken::DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap()).unwrap();
    let mut v = jsonwebtoken::Validation::new(Algorithm::RS256);
    v.set_issuer(&[issuer(&app)]);
    v.validate_exp = false;
    assert!(jsonwebtoken::decode::<Value>(access, &decoding, &v).is_ok());

    // Exchanged for an Altinn token, Broker takes it.
    let altinn = exchange(&app, access).await;
    let init = app
        .send(post_json(
            "/broker/api/v1/filetransfer",
            Some(&altinn),
            &init_body(altinn_broker_core::seed::RESOURCE, &[RECIPIENT]),
        ))
        .await;
    assert_eq!(init.status, 200, "{}", init.text());
}

#[tokio::test]
async fn every_signing_algorithm_of_the_jwtgrant_page_is_taken() {
    let app = Broker::in_process();
    let client = client_of(&app, RECIPIENT).await;
    let now = now(&app).await;
    for alg in [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512] {
        let r = token_request(&app, &sign(&client, alg, &grant_claims(&app, &client, READ, now))).await;
        assert_eq!(r.status, 200, "{alg:?}: {}", r.text());
    }
}

#[tokio::test]
async fn refused_grants_answer_the_documented_errors() {
    let app = Broker::in_process();
    let client = client_of(&app, DIGDIR).await;
    let other = client_of(&app, RECIPIENT).await;
    let now = now(&app).await;
    let good = || grant_claims(&app, &client, WRITE, now);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut c = good();
        edit(&mut c);
        sign(&client, Algorithm::RS256, &c)
    };

    // Tampered: the payload changed after signing.
    let signed = sign(&client, Algorithm::RS256, &good());
    let mut parts: Vec<String> = signed.split('.').map(str::to_owned).collect();
    let mut c = good();
    c["scope"] = json!(format!("{WRITE} {READ}"));
    parts[1] = URL_SAFE_NO_PAD.encode(c.to_string());
    let tampered = parts.join(".");
    // Signed with another client's key under this client's kid.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(client.kid.clone());
    let foreign_key = jsonwebtoken::encode(&header, &good(), &other.key).unwrap();
    let mut unknown_kid = Header::new(Algorithm::RS256);
    unknown_kid.kid = Some("no-such-kid".into());
    let unknown_kid = jsonwebtoken::encode(&unknown_kid, &good(), &client.key).unwrap();
    let no_kid = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &good(), &client.key).unwrap();

    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("tampered signature", tampered, "invalid_grant", "MP-100"),
        ("signed with another key", foreign_key, "invalid_grant", "MP-100"),
        ("unknown kid", unknown_kid, "invalid_grant", "MP-120"),
        ("no kid", no_kid, "invalid_grant", "MP-100"),
        (
            "expired",
            with(&|c| {
                c["iat"] = json!(now - 8);
                c["exp"] = json!(now - 2)
            }),
            "invalid_grant",
            "expired",
        ),
        ("exp - iat > 120", with(&|c| c["exp"] = json!(now + 121)), "invalid_grant", "exp - iat"),
        (
            "wrong aud",
            with(&|c| c["aud"] = json!(format!("{}/maskinporten/token", app.base()))),
            "invalid_grant",
            "MP-110",
        ),
        ("aud array", with(&|c| c["aud"] = json!([issuer(&app)])), "invalid_grant", "MP-110"),
        (
            "no aud",
            with(&|c| {
                c.as_object_mut().unwrap().remove("aud");
            }),
            "invalid_grant",
            "MP-110",
        ),
        (
            "iat 11 s ahead",
            with(&|c| {
                c["iat"] = json!(now + 11);
                c["exp"] = json!(now + 100)
            }),
            "invalid_grant",
            "iat",
        ),
        ("iat 11 s behind", with(&|c| c["iat"] = json!(now - 11)), "invalid_grant", "iat"),
        ("unknown client", with(&|c| c["iss"] = json!("no-such-client")), "invalid_client", "Unknown client"),
        (
            "unregistered scope",
            with(&|c| c["scope"] = json!(format!("{WRITE} altinn:broker.maintenance"))),
            "invalid_scope",
            "altinn:broker.maintenance",
        ),
        (
            "no scope",
            with(&|c| {
                c.as_object_mut().unwrap().remove("scope");
            }),
            "invalid_scope",
            "no scope",
        ),
        ("not a JWT", "not-a-jwt".to_owned(), "invalid_grant", "MP-100"),
    ];
    for (name, assertion, error, needle) in cases {
        let r = token_request(&app, &assertion).await;
        let (status, e, description) = error_of(&r);
        assert_eq!((status, e.as_str()), (400, error), "{name}: {description}");
        assert!(description.contains(needle), "{name}: {description}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{name}");
    }

    // HS256 (a shared secret) is not among the accepted algorithms.
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(client.kid.clone());
    let hs = jsonwebtoken::encode(&hs, &good(), &EncodingKey::from_secret(b"secret")).unwrap();
    let (status, e, d) = error_of(&token_request(&app, &hs).await);
    assert_eq!((status, e.as_str()), (400, "invalid_grant"), "{d}");
    assert!(d.contains("RS256, RS384 or RS512"), "{d}");

    // The form itself.
    let (status, e, _) = error_of(&post_form(&app, "grant_type=client_credentials&assertion=x").await);
    assert_eq!((status, e.as_str()), (400, "unsupported_grant_type"));
    let (status, e, _) = error_of(&post_form(&app, &format!("grant_type={JWT_BEARER_GRANT_TYPE}")).await);
    assert_eq!((status, e.as_str()), (400, "invalid_request"));
    let json_body = app.send(post_json(MASKINPORTEN_TOKEN, None, &json!({"assertion": "x"}))).await;
    assert_eq!(error_of(&json_body).0, 400);
    assert_eq!(error_of(&json_body).1, "invalid_request");
}

#[tokio::test]
async fn a_jti_is_used_once_and_a_refused_grant_does_not_use_it_up() {
    let app = Broker::in_process();
    let client = client_of(&app, DIGDIR).await;
    let now = now(&app).await;
    let mut c = grant_claims(&app, &client, WRITE, now);
    // Refused for its scope first: its jti stays unused.
    c["scope"] = json!("altinn:nope");
    let r = token_request(&app, &sign(&client, Algorithm::RS256, &c)).await;
    assert_eq!(error_of(&r).1, "invalid_scope");
    c["scope"] = json!(WRITE);
    let grant = sign(&client, Algorithm::RS256, &c);
    assert_eq!(token_request(&app, &grant).await.status, 200);
    let (status, e, d) = error_of(&token_request(&app, &grant).await);
    assert_eq!((status, e.as_str()), (400, "invalid_grant"));
    assert!(d.contains("already been used"), "{d}");
    // The same jti from another client is another grant.
    let other = client_of(&app, RECIPIENT).await;
    let mut o = grant_claims(&app, &other, WRITE, now);
    o["jti"] = c["jti"].clone();
    assert_eq!(token_request(&app, &sign(&other, Algorithm::RS256, &o)).await.status, 200);
    // Without a jti a grant is not remembered (jti is only recommended).
    let mut n = grant_claims(&app, &client, WRITE, now);
    n.as_object_mut().unwrap().remove("jti");
    let no_jti = sign(&client, Algorithm::RS256, &n);
    assert_eq!(token_request(&app, &no_jti).await.status, 200);
    assert_eq!(token_request(&app, &no_jti).await.status, 200);
}

#[tokio::test]
async fn iat_is_checked_against_the_emulator_clock() {
    let app = Broker::in_process();
    let client = client_of(&app, DIGDIR).await;
    let real_now = now(&app).await;
    let r = app.call(axum::http::Method::POST, "/emulator/api/clock/advance?by=PT1H", None, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Signed at real time, an hour behind the emulator: refused.
    let stale = sign(&client, Algorithm::RS256, &grant_claims(&app, &client, WRITE, real_now));
    let (status, _, d) = error_of(&token_request(&app, &stale).await);
    assert_eq!(status, 400);
    assert!(d.contains("iat"), "{d}");
    // Signed at emulator time: taken, and the token's times are emulator time.
    let emu_now = now(&app).await;
    assert!(emu_now - real_now >= 3600);
    let r = token_request(&app, &sign(&client, Algorithm::RS256, &grant_claims(&app, &client, WRITE, emu_now))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let c = claims(r.json()["access_token"].as_str().unwrap());
    assert!((c["iat"].as_i64().unwrap() - emu_now).abs() <= 2);
}

#[tokio::test]
async fn resource_becomes_the_audience() {
    let app = Broker::in_process();
    let client = client_of(&app, DIGDIR).await;
    let now = now(&app).await;
    for resource in [json!("https://broker.example/api"), json!(["https://a.example", "https://b.example"])] {
        let mut c = grant_claims(&app, &client, WRITE, now);
        c["resource"] = resource.clone();
        let r = token_request(&app, &sign(&client, Algorithm::RS256, &c)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(claims(r.json()["access_token"].as_str().unwrap())["aud"], resource);
    }
}

fn system_user_details(org_id: &str, external_ref: Option<&str>) -> Value {
    let mut entry = json!({
        "type": "urn:altinn:systemuser",
        "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": org_id},
    });
    if let Some(r) = external_ref {
        entry["externalRef"] = json!(r);
    }
    json!([entry])
}

#[tokio::test]
async fn system_user_grants_follow_the_system_register() {
    let app = Broker::in_process();
    let vendor = client_of(&app, DIGDIR).await;
    assert_eq!(
        vendor.info["systemUsers"],
        json!([
            {"org": RECIPIENT, "id": SYSTEM_USER_ID, "externalRef": null},
            {"org": OTHER_RECIPIENT, "id": SYSTEM_USER_WITH_REF_ID, "externalRef": SYSTEM_USER_EXTERNAL_REF},
        ])
    );
    let now = now(&app).await;
    let grant = |details: Value| {
        let mut c = grant_claims(&app, &vendor, &format!("{WRITE} {READ}"), now);
        c["authorization_details"] = details;
        sign(&vendor, Algorithm::RS256, &c)
    };

    // Created without an externalRef: found by org, `0192:` or bare; its externalRef is the org number.
    for (id, external_ref) in
        [(format!("0192:{RECIPIENT}"), None), (RECIPIENT.to_owned(), None), (RECIPIENT.to_owned(), Some(RECIPIENT))]
    {
        let r = token_request(&app, &grant(system_user_details(&id, external_ref))).await;
        assert_eq!(r.status, 200, "{id}: {}", r.text());
        let c = claims(r.json()["access_token"].as_str().unwrap());
        let d = &c["authorization_details"];
        assert!(d.is_array(), "Maskinporten writes an array: {d}");
        assert_eq!(d[0]["type"], "urn:altinn:systemuser");
        assert_eq!(
            d[0]["systemuser_org"],
            json!({"authority": "iso6523-actorid-upis", "ID": format!("0192:{RECIPIENT}")})
        );
        assert_eq!(d[0]["systemuser_id"], json!([SYSTEM_USER_ID]));
        // consumer is the vendor, not the system user's org.
        assert_eq!(c["consumer"]["ID"], format!("0192:{DIGDIR}"));
    }

    // Created with an externalRef: a grant must send it.
    let r = token_request(&app, &grant(system_user_details(OTHER_RECIPIENT, Some(SYSTEM_USER_EXTERNAL_REF)))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let c = claims(r.json()["access_token"].as_str().unwrap());
    assert_eq!(c["authorization_details"][0]["externalRef"], SYSTEM_USER_EXTERNAL_REF);
    assert_eq!(c["authorization_details"][0]["systemuser_id"], json!([SYSTEM_USER_WITH_REF_ID]));
    for (details, error) in [
        (system_user_details(OTHER_RECIPIENT, None), "invalid_altinn_customer_configuration"),
        (system_user_details(OTHER_RECIPIENT, Some("wrong")), "invalid_altinn_customer_configuration"),
        (system_user_details(RECIPIENT, Some("wrong")), "invalid_altinn_customer_configuration"),
        // A system user of no client of this vendor.
        (system_user_details("311764837", None), "invalid_altinn_customer_configuration"),
        (system_user_details("9908:986252932", None), "invalid_authorization_details"),
        (json!({"type": "urn:altinn:systemuser"}), "invalid_authorization_details"),
        (json!([{"type": "urn:altinn:consent"}]), "invalid_authorization_details"),
        (json!([]), "invalid_authorization_details"),
    ] {
        let (status, e, d) = error_of(&token_request(&app, &grant(details.clone())).await);
        assert_eq!((status, e.as_str()), (400, error), "{details}: {d}");
        if error == "invalid_altinn_customer_configuration" {
            assert!(d.contains("MP-303"), "{d}");
        }
    }
    // Another vendor's client has no system users.
    let other = client_of(&app, RECIPIENT).await;
    let mut c = grant_claims(&app, &other, WRITE, now);
    c["authorization_details"] = system_user_details(RECIPIENT, None);
    let (_, e, _) = error_of(&token_request(&app, &sign(&other, Algorithm::RS256, &c)).await);
    assert_eq!(e, "invalid_altinn_customer_configuration");
}

#[tokio::test]
async fn client_keys_are_made_once_per_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let first = Broker::in_process_with(Options { data_dir: Some(dir.path()), ..Default::default() });
    let before = clients(&first).await.into_iter().map(|c| c.info).collect::<Vec<_>>();
    let jwks = first.get("/maskinporten/jwk", None).await.json();
    let again = first.restart();
    let after = clients(&again).await.into_iter().map(|c| c.info).collect::<Vec<_>>();
    assert_eq!(before, after);
    assert_eq!(again.get("/maskinporten/jwk", None).await.json(), jwks);
    // Another data dir: other keys.
    let other = Broker::in_process();
    let elsewhere = clients(&other).await;
    assert_ne!(elsewhere[0].info["privateJwk"], before[0]["privateJwk"]);
    // Every seed org has a client.
    let orgs: Vec<_> = before.iter().map(|c| c["org"].as_str().unwrap().to_owned()).collect();
    assert_eq!(orgs, altinn_broker_core::seed::PARTIES);
}

/// A world whose clients registered their own public keys, one as a PEM and one as a JWK: grants signed with the
/// matching private keys are taken, the hook hands out no private key for them, and an unreadable key stops the
/// start with a message.
#[tokio::test]
async fn clients_with_registered_public_keys() {
    use rsa::pkcs8::EncodePublicKey;
    use rsa::traits::PublicKeyParts;
    let pem_key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let jwk_key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let pem = pem_key.to_public_key().to_public_key_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    let n = URL_SAFE_NO_PAD.encode(jwk_key.n().to_bytes_be());
    let world = |pem: &str| {
        format!(
            r#"parties = ["991825827", "986252932"]

[[maskinporten_clients]]
client_id = "pem-client"
org = "991825827"
scopes = ["altinn:broker.write"]
kid = "pem-kid"
public_key = """{pem}"""

[[maskinporten_clients]]
client_id = "jwk-client"
org = "0192:986252932"
scopes = ["altinn:broker.read"]
token_lifetime_seconds = 600
public_key = {{ kty = "RSA", n = "{n}", e = "AQAB", kid = "jwk-kid" }}

[[maskinporten_clients.system_users]]
org = "991825827"
id = "0b8c4a52-2d1e-4c2a-9f3b-5a6b7c8d9e0f"
external_ref = "ref-1"
"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("world.toml");
    std::fs::write(&path, world(&pem)).unwrap();
    let app = Broker::process_with(Options { extra: vec!["--config", path.to_str().unwrap()], ..Default::default() });
    let listed = app.get("/emulator/api/maskinporten/clients", None).await.json();
    assert_eq!(listed[0]["kid"], "pem-kid");
    assert_eq!(listed[1]["kid"], "jwk-kid", "the JWK's kid when the client names none");
    assert_eq!(listed[1]["org"], "986252932");
    assert!(listed[0]["privateJwk"].is_null() && listed[1]["privateJwk"].is_null());
    assert_eq!(listed[1]["systemUsers"][0]["externalRef"], "ref-1");

    let key = |k: &rsa::RsaPrivateKey| EncodingKey::from_rsa_der(k.to_pkcs1_der().unwrap().as_bytes());
    let as_client = |id: &str, kid: &str, k: &rsa::RsaPrivateKey| TestClient {
        client_id: id.to_owned(),
        kid: kid.to_owned(),
        key: key(k),
        info: Value::Null,
    };
    let now = now(&app).await;
    let pem_client = as_client("pem-client", "pem-kid", &pem_key);
    let r =
        token_request(&app, &sign(&pem_client, Algorithm::RS256, &grant_claims(&app, &pem_client, WRITE, now))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let jwk_client = as_client("jwk-client", "jwk-kid", &jwk_key);
    let mut c = grant_claims(&app, &jwk_client, READ, now);
    c["authorization_details"] = system_user_details("0192:991825827", Some("ref-1"));
    let r = token_request(&app, &sign(&jwk_client, Algorithm::RS512, &c)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["expires_in"], 600);
    // The PEM client's key does not sign for the JWK client.
    let wrong = as_client("jwk-client", "jwk-kid", &pem_key);
    let (_, e, _) =
        error_of(&token_request(&app, &sign(&wrong, Algorithm::RS256, &grant_claims(&app, &wrong, READ, now))).await);
    assert_eq!(e, "invalid_grant");
    drop(app);

    std::fs::write(&path, world("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let opts = Options { extra: vec!["--config", path.to_str().unwrap()], ..Default::default() };
    let out = Broker::command(&opts, data.path()).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pem-client"), "{stderr}");
}

/// Broker's policies also list the `LegacyAndMaskinporten` scheme (broker-contract §7.1): a raw Maskinporten token
/// is taken as it is (signature, issuer, lifetime without skew), with the caller's org read as §7.3 says.
#[tokio::test]
async fn broker_takes_raw_maskinporten_tokens_as_its_second_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let app = Broker::in_process_with(Options { data_dir: Some(dir.path()), ..Default::default() });
    let access = maskinporten_token(&app, DIGDIR, WRITE).await;
    let init = app
        .send(post_json(
            "/broker/api/v1/filetransfer",
            Some(&access),
            &init_body(altinn_broker_core::seed::RESOURCE, &[RECIPIENT]),
        ))
        .await;
    assert_eq!(init.status, 200, "{}", init.text());
    // A system-user token (authorization_details as Maskinporten's array) acts for the system user's org.
    let vendor = client_of(&app, DIGDIR).await;
    let mut c = grant_claims(&app, &vendor, WRITE, now(&app).await);
    c["authorization_details"] = system_user_details(RECIPIENT, None);
    let su = token_request(&app, &sign(&vendor, Algorithm::RS256, &c)).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut body = init_body(altinn_broker_core::seed::RESOURCE, &[DIGDIR]);
    body["sender"] = json!(format!("0192:{RECIPIENT}"));
    assert_eq!(app.send(post_json("/broker/api/v1/filetransfer", Some(&su), &body)).await.status, 200);
    // The scope still decides: a read-only token is no sender.
    let read = maskinporten_token(&app, DIGDIR, READ).await;
    let r = app
        .send(post_json(
            "/broker/api/v1/filetransfer",
            Some(&read),
            &init_body(altinn_broker_core::seed::RESOURCE, &[RECIPIENT]),
        ))
        .await;
    assert_eq!((r.status, r.body.len()), (403, 0));
    // Our issuer, another key: the signature is refused.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("x".into());
    let forged = jsonwebtoken::encode(&header, &claims(&access), &vendor.key).unwrap();
    let r = app.get("/broker/api/v1/filetransfer?resourceId=altinn-broker-test-resource-1", Some(&forged)).await;
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap_or_default().contains("The signature is invalid"));
    // It survives a restart (the key is kept), and expires on the emulator clock without skew (120 s).
    let app = app.restart();
    let search = "/broker/api/v1/filetransfer?resourceId=altinn-broker-test-resource-1";
    assert_eq!(app.get(search, Some(&access)).await.status, 200);
    let r = app.call(axum::http::Method::POST, "/emulator/api/clock/advance?by=PT121S", None, None).await;
    assert_eq!(r.status, 200);
    let r = app.get(search, Some(&access)).await;
    assert_eq!(r.status, 401);
    assert!(
        r.header("www-authenticate").unwrap_or_default().contains("The token expired at"),
        "{:?}",
        r.header("www-authenticate")
    );
}
