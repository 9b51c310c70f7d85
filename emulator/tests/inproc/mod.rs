//! In-process helpers for the auth and admin tests: the whole app on a fresh data dir, driven with `oneshot`, and
//! tokens from its own test token generator.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::Path;
use std::time::Duration;

use altinn_broker_emulator::state::{AppState, Settings};
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const DIGDIR: &str = "991825827";
pub const RECIPIENT: &str = "986252932";
pub const OTHER_PARTY: &str = "312195771";
/// Owns a registry resource but is not a Broker service owner.
pub const UNREGISTERED_OWNER: &str = "313301753";
pub const WRITE: &str = "altinn:broker.write";
pub const READ: &str = "altinn:broker.read";
pub const SERVICE_OWNER: &str = "altinn:serviceowner";
pub const BASE_URL: &str = "http://127.0.0.1:5096";

pub struct App {
    pub router: Router,
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }

    /// The `code` of a Broker problem body.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

pub fn settings(dir: &Path, base_url: &str) -> Settings {
    Settings {
        base_url: base_url.into(),
        environment: "Production".into(),
        scan_delay: Duration::from_millis(50),
        cors_origins: Vec::new(),
        crash_at: None,
        data_dir: dir.to_owned(),
    }
}

impl App {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(settings(dir.path(), BASE_URL)).unwrap();
        Self { router: altinn_broker_emulator::app::app(state.clone()), state, dir }
    }

    /// The same data dir opened again, as after a restart, at another base URL.
    pub fn restart(self, base_url: &str) -> Self {
        let App { router, state, dir } = self;
        drop(router);
        drop(state);
        let state = AppState::open(settings(dir.path(), base_url)).unwrap();
        Self { router: altinn_broker_emulator::app::app(state.clone()), state, dir }
    }

    pub async fn call(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, headers, body }
    }

    /// A request with an optional bearer token, optional JSON body.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, json: Option<Value>) -> Reply {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match json {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.call(b.body(body).unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, None).await
    }

    /// An enterprise token from the app's own generator.
    pub async fn token(&self, org: &str, scopes: &str) -> String {
        let r =
            self.get(&format!("/api/GetEnterpriseToken?orgNo={org}&scopes={}", scopes.replace(' ', "%20")), None).await;
        assert_eq!(r.status, 200, "token: {}", r.text());
        r.text()
    }

    /// A system user token for `org`, made by a system of `vendor`.
    pub async fn system_user_token(&self, org: &str, vendor: &str, scopes: &str) -> String {
        let r = self
            .get(&format!("/api/GetSystemUserToken?systemUserOrg={org}&supplierOrgNo={vendor}&scopes={scopes}"), None)
            .await;
        assert_eq!(r.status, 200, "token: {}", r.text());
        r.text()
    }
}

/// The claims of a JWT, read without checking anything.
pub fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}
