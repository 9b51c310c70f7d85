//! The helpers every emulator test shares: a real emulator process on a free loopback port ([`Emulator`]), the
//! whole app in-process on a fresh data dir for `oneshot` tests ([`InProc`]), tokens from the emulator's own test
//! token issuer, and request builders.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use altinn_broker_emulator::state::{AppState, Settings};

pub const DIGDIR: &str = "991825827";
pub const RECIPIENT: &str = "986252932";
pub const OTHER_RECIPIENT: &str = "312195771";
pub const STRANGER: &str = "311764837";
/// Owns a registry resource but is not a Broker service owner.
pub const UNREGISTERED_OWNER: &str = "313301753";
pub const RESOURCE: &str = "altinn-broker-test-resource-1";
pub const WRITE: &str = "altinn:broker.write";
pub const READ: &str = "altinn:broker.read";
pub const SERVICE_OWNER: &str = "altinn:serviceowner";
/// The base URL of an in-process app (the emulator's default).
pub const BASE_URL: &str = "http://127.0.0.1:5096";

/// A running emulator process; killed (SIGKILL) on drop.
pub struct Emulator {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    /// Owns the data dir unless the test passed its own.
    _temp: Option<tempfile::TempDir>,
}

pub struct Options<'a> {
    pub data_dir: Option<&'a Path>,
    /// 0: a free port; a fixed one to restart on the port of an earlier process.
    pub port: u16,
    pub scan_delay_ms: u64,
    pub crash_at: Option<&'a str>,
    pub extra: Vec<&'a str>,
    /// Where stderr (the logs) goes; inherited when `None`.
    pub stderr: Option<std::fs::File>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self { data_dir: None, port: 0, scan_delay_ms: 50, crash_at: None, extra: Vec::new(), stderr: None }
    }
}

impl Emulator {
    pub fn start() -> Self {
        Self::start_with(Options::default())
    }

    /// The command that starts the binary with `opts` (stdout and stderr not yet set).
    pub fn command(opts: &Options<'_>, data_dir: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_altinn-broker-emulator"));
        let log = if opts.extra.contains(&"--log") { Vec::new() } else { vec!["--log", "warn"] };
        cmd.args(["--port", &opts.port.to_string(), "--scan-delay-ms", &opts.scan_delay_ms.to_string()])
            .args(log)
            .arg("--data-dir")
            .arg(data_dir)
            .args(&opts.extra)
            .env_remove("ALTINN_EMULATOR_CRASH_AT");
        if let Some(p) = opts.crash_at {
            cmd.env("ALTINN_EMULATOR_CRASH_AT", p);
        }
        cmd
    }

    pub fn start_with(mut opts: Options<'_>) -> Self {
        let (data_dir, temp) = match opts.data_dir {
            Some(d) => (d.to_owned(), None),
            None => {
                let t = tempfile::tempdir().unwrap();
                (t.path().to_owned(), Some(t))
            }
        };
        let stderr = opts.stderr.take().map(Stdio::from).unwrap_or_else(Stdio::inherit);
        let mut child =
            Self::command(&opts, &data_dir).stdout(Stdio::piped()).stderr(stderr).spawn().expect("spawn emulator");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("first line");
        let base =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}")).to_owned();
        Self { child, base, data_dir, _temp: temp }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// A token from the emulator's enterprise token issuer.
    pub async fn token(&self, org: &str, scopes: &str) -> String {
        let res = client()
            .get(self.url("/api/GetEnterpriseToken"))
            .query(&[("orgNo", org), ("scopes", scopes)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "token for {org} {scopes}");
        res.text().await.unwrap()
    }

    /// A GET with a bearer token: status and body text.
    pub async fn get(&self, path: &str, token: &str) -> (u16, String) {
        let res = client().get(self.url(path)).bearer_auth(token).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// Initializes a transfer of RESOURCE from DIGDIR to RECIPIENT; answers its id.
    pub async fn initialize(&self, token: &str) -> String {
        let res = client()
            .post(self.url("/broker/api/v1/filetransfer"))
            .bearer_auth(token)
            .json(&init_body(RESOURCE, &[RECIPIENT]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json::<serde_json::Value>().await.unwrap()["fileTransferId"].as_str().unwrap().to_owned()
    }

    /// A streamed upload; an `Err` when the connection broke.
    pub async fn upload(&self, token: &str, id: &str, content: Vec<u8>) -> reqwest::Result<reqwest::Response> {
        client()
            .post(self.url(&format!("/broker/api/v1/filetransfer/{id}/upload")))
            .bearer_auth(token)
            .header("Content-Type", "application/octet-stream")
            .body(content)
            .send()
            .await
    }

    pub async fn overview(&self, token: &str, id: &str) -> serde_json::Value {
        let (status, body) = self.get(&format!("/broker/api/v1/filetransfer/{id}"), token).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Polls the overview until the transfer has status `want` (at most 60 s: a large scan in a debug build); answers
    /// the overview.
    pub async fn wait_for_status(&self, token: &str, id: &str, want: &str) -> serde_json::Value {
        self.wait_for_status_within(token, id, want, Duration::from_secs(60)).await
    }

    /// [`Emulator::wait_for_status`] for at most `limit`.
    pub async fn wait_for_status_within(
        &self,
        token: &str,
        id: &str,
        want: &str,
        limit: Duration,
    ) -> serde_json::Value {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let o = self.overview(token, id).await;
            if o["fileTransferStatus"] == want || std::time::Instant::now() > deadline {
                assert_eq!(o["fileTransferStatus"], want, "{o}");
                return o;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// A whole download: status and bytes.
    pub async fn download(&self, token: &str, id: &str) -> (u16, Vec<u8>) {
        let res = client()
            .get(self.url(&format!("/broker/api/v1/filetransfer/{id}/download")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
    }

    /// Waits for the process to exit (after a crash point) and answers whether it was killed by a signal.
    pub fn wait_killed(&mut self) -> bool {
        use std::os::unix::process::ExitStatusExt;
        let status = self.child.wait().unwrap();
        status.signal() == Some(libc_sigkill())
    }

    /// Peak resident memory of the process (VmHWM), in bytes.
    pub fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024
    }
}

fn libc_sigkill() -> i32 {
    9
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap()
}

/// The initialize body for `resource` from DIGDIR to `recipients`.
pub fn init_body(resource: &str, recipients: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "fileName": "input.txt",
        "resourceId": resource,
        "sendersFileTransferReference": "test-data",
        "sender": format!("0192:{DIGDIR}"),
        "recipients": recipients.iter().map(|r| format!("0192:{r}")).collect::<Vec<_>>(),
        "propertyList": {"caseNumber": "123"},
    })
}

/// The settings of an in-process app: Production, a 50 ms scan, CORS for `cors_origins`.
pub fn settings(dir: &Path, base_url: &str, cors_origins: &[&str]) -> Settings {
    Settings {
        base_url: base_url.into(),
        environment: "Production".into(),
        scan_delay: Duration::from_millis(50),
        cors_origins: cors_origins.iter().map(|o| o.to_string()).collect(),
        crash_at: None,
        data_dir: dir.to_owned(),
    }
}

/// An in-process emulator on a fresh data dir (not listening anywhere), driven with `oneshot`, with its state for
/// direct inspection. There is no background job runner: [`InProc::run_jobs`] or [`InProc::advance`] run them.
pub struct InProc {
    pub app: axum::Router,
    pub state: AppState,
    dir: tempfile::TempDir,
}

/// A collected response.
pub struct Resp {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: bytes::Bytes,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `code` of a Broker problem body.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

impl InProc {
    /// With CORS for any origin (`--cors-origin '*'`).
    pub fn new() -> Self {
        Self::with_cors(&["*"])
    }

    /// At the emulator's default base URL, with CORS for `origins` (none: off, as by default).
    pub fn with_cors(origins: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(settings(dir.path(), BASE_URL, origins)).unwrap();
        Self { app: altinn_broker_emulator::app::app(state.clone()), state, dir }
    }

    /// The same data dir opened again, as after a restart, at another base URL.
    pub fn restart(self, base_url: &str) -> Self {
        let InProc { app, state, dir } = self;
        let mut settings = state.settings.clone();
        settings.base_url = base_url.into();
        drop(app);
        drop(state);
        let state = AppState::open(settings).unwrap();
        Self { app: altinn_broker_emulator::app::app(state.clone()), state, dir }
    }

    pub async fn send(&self, req: axum::http::Request<axum::body::Body>) -> Resp {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Resp { status, headers, body }
    }

    /// A request with an optional bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: axum::http::Method,
        path: &str,
        token: Option<&str>,
        json: Option<serde_json::Value>,
    ) -> Resp {
        let req = request(method.as_str(), path, token);
        self.send(match json {
            Some(v) => req.header("Content-Type", "application/json").body(v.to_string().into()).unwrap(),
            None => req.body(axum::body::Body::empty()).unwrap(),
        })
        .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(get(path, token)).await
    }

    /// An enterprise token from the app's own generator.
    pub async fn token(&self, org: &str, scopes: &str) -> String {
        let scopes = scopes.replace(' ', "%20");
        let res = self.get(&format!("/api/GetEnterpriseToken?orgNo={org}&scopes={scopes}"), None).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.text()
    }

    /// A system user token for `org`, made by a system of `vendor`.
    pub async fn system_user_token(&self, org: &str, vendor: &str, scopes: &str) -> String {
        let scopes = scopes.replace(' ', "%20");
        let path = format!("/api/GetSystemUserToken?systemUserOrg={org}&supplierOrgNo={vendor}&scopes={scopes}");
        let res = self.get(&path, None).await;
        assert_eq!(res.status, 200, "token: {}", res.text());
        res.text()
    }

    /// Configures `resource` (a PUT as DIGDIR, its owner) with `body`; expects 204.
    pub async fn configure_resource(&self, resource: &str, body: serde_json::Value) {
        let owner = self.token(DIGDIR, SERVICE_OWNER).await;
        let path = format!("/broker/api/v1/resource/{resource}");
        let res = self.call(axum::http::Method::PUT, &path, Some(&owner), Some(body)).await;
        assert_eq!(res.status, 204, "{}", res.text());
    }

    /// Initializes a transfer of RESOURCE from DIGDIR to `recipients`; answers its id.
    pub async fn initialize(&self, token: &str, body: serde_json::Value) -> String {
        let res = self.send(post_json("/broker/api/v1/filetransfer", Some(token), &body)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["fileTransferId"].as_str().unwrap().to_owned()
    }

    pub async fn upload(&self, token: &str, id: &str, content: &[u8]) -> Resp {
        self.send(post_bytes(&format!("/broker/api/v1/filetransfer/{id}/upload"), Some(token), content.to_vec())).await
    }

    pub async fn overview(&self, token: &str, id: &str) -> serde_json::Value {
        let res = self.get(&format!("/broker/api/v1/filetransfer/{id}"), Some(token)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    }

    /// Runs due background jobs now (there is no background runner in-process).
    pub async fn run_jobs(&self) {
        altinn_broker_emulator::jobs::run_due(&self.state).await.unwrap();
    }

    /// Moves the clock through the hook.
    pub async fn advance(&self, by: &str) {
        let res =
            self.call(axum::http::Method::POST, &format!("/emulator/api/clock/advance?by={by}"), None, None).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }

    pub async fn events(&self) -> Vec<serde_json::Value> {
        self.get("/emulator/api/events", None).await.json().as_array().unwrap().clone()
    }
}

/// The claims of a JWT, read without checking anything.
pub fn claims(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub fn request(method: &str, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    let mut b = axum::http::Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header("Authorization", format!("Bearer {t}"));
    }
    b
}

pub fn get(path: &str, token: Option<&str>) -> axum::http::Request<axum::body::Body> {
    request("GET", path, token).body(axum::body::Body::empty()).unwrap()
}

pub fn post_json(path: &str, token: Option<&str>, body: &serde_json::Value) -> axum::http::Request<axum::body::Body> {
    request("POST", path, token)
        .header("Content-Type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap()
}

pub fn post_bytes(path: &str, token: Option<&str>, body: Vec<u8>) -> axum::http::Request<axum::body::Body> {
    let len = body.len();
    request("POST", path, token)
        .header("Content-Type", "application/octet-stream")
        .header("Content-Length", len)
        .body(axum::body::Body::from(body))
        .unwrap()
}

/// A body of `len` bytes produced in 256 KiB chunks, never held whole.
pub fn generated(len: u64) -> reqwest::Body {
    let chunk = bytes::Bytes::from(vec![0x5a; 256 * 1024]);
    let stream = futures_util::stream::unfold(len, move |left| {
        let chunk = chunk.clone();
        async move {
            if left == 0 {
                return None;
            }
            let n = left.min(chunk.len() as u64);
            Some((Ok::<bytes::Bytes, std::io::Error>(chunk.slice(..n as usize)), left - n))
        }
    });
    reqwest::Body::wrap_stream(stream)
}

pub fn md5_hex(b: &[u8]) -> String {
    use md5::{Digest, Md5};
    format!("{:x}", Md5::digest(b))
}
