//! The fixture every emulator test shares: one [`Broker`] with two transports and the same verbs on both.
//!
//! - [`Broker::in_process`]: the whole app (`app()`) on a fresh data dir, driven with tower's `oneshot`, not
//!   listening anywhere, with its [`AppState`] open for direct inspection ([`Broker::state`]). There is no background
//!   job runner: [`Broker::run_jobs`], [`Broker::advance`] and [`Broker::wait_for_status`] run due jobs.
//! - [`Broker::process`]: the real binary on a free loopback port, killed (SIGKILL) on drop; its own job runner
//!   runs the jobs.
//!
//! Every verb ([`Broker::send`], [`Broker::get`], [`Broker::call`], [`Broker::token`], [`Broker::initialize`],
//! [`Broker::upload`], [`Broker::overview`], [`Broker::wait_for_status`], [`Broker::download`],
//! [`Broker::configure_resource`], [`Broker::advance`], [`Broker::events`], [`Broker::restart`], ...) has one
//! signature and answers a collected [`Resp`] on both, so a test switches transport by changing its constructor.
//! Tests of the wire itself (bodies streamed from a generator, a response cut off mid-body) use [`client`] and
//! [`Broker::url`] directly; they only make sense against the process.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use altinn_broker_core::scopes::SERVICE_OWNER;
use altinn_broker_core::seed::{DIGDIR, RECIPIENT};
use altinn_broker_emulator::state::{AppState, Settings};
use axum::body::Body;
use axum::http::{Method, Request};

/// The base URL of an in-process app (the emulator's default).
pub const BASE_URL: &str = "http://127.0.0.1:5096";
/// The tus creation endpoint; an upload's URL is `{TUS}/{fileTransferId}`.
pub const TUS: &str = "/broker/api/v1/filetransfer/upload/tus";

/// Why a request got no answer (the connection broke, the process died); only a process fails this way.
pub type SendError = Box<dyn std::error::Error + Send + Sync>;

/// How a [`Broker`] starts. The common options apply to both transports; the process-only ones panic in-process
/// rather than being ignored.
pub struct Options<'a> {
    /// The data dir to open; a fresh temporary one, removed on drop, when `None`.
    pub data_dir: Option<&'a Path>,
    /// The port: the process listens on it (0: a free one); in-process it only names the base URL (0: 5096).
    pub port: u16,
    pub scan_delay_ms: u64,
    /// Origins allowed by CORS (`--cors-origin`); none: CORS is off, as by default.
    pub cors_origins: &'a [&'a str],
    /// Process only: the named point at which the process kills itself (`ALTINN_EMULATOR_CRASH_AT`).
    pub crash_at: Option<&'a str>,
    /// Process only: more command-line arguments.
    pub extra: Vec<&'a str>,
    /// Process only: where stderr (the logs) goes; inherited when `None`.
    pub stderr: Option<std::fs::File>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            data_dir: None,
            port: 0,
            scan_delay_ms: 50,
            cors_origins: &[],
            crash_at: None,
            extra: Vec::new(),
            stderr: None,
        }
    }
}

impl<'a> Options<'a> {
    /// The defaults with CORS for `origins`.
    pub fn cors(origins: &'a [&'a str]) -> Self {
        Self { cors_origins: origins, ..Default::default() }
    }
}

/// An emulator under test, in-process or as a process.
pub struct Broker {
    base: String,
    data_dir: PathBuf,
    transport: Transport,
    /// Owns the data dir unless the test passed its own; declared last, so it goes after the process.
    _temp: Option<tempfile::TempDir>,
}

enum Transport {
    InProcess { app: axum::Router, state: AppState },
    Process { child: Running, spawn: Spawn },
}

/// A child process, killed (SIGKILL) and reaped on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The owned form of the process options, to start the binary again on [`Broker::restart`].
struct Spawn {
    port: u16,
    scan_delay_ms: u64,
    cors_origins: Vec<String>,
    crash_at: Option<String>,
    extra: Vec<String>,
    stderr: Option<std::fs::File>,
}

impl Spawn {
    fn of(opts: &Options<'_>) -> Self {
        Self {
            port: opts.port,
            scan_delay_ms: opts.scan_delay_ms,
            cors_origins: opts.cors_origins.iter().map(|o| o.to_string()).collect(),
            crash_at: opts.crash_at.map(str::to_owned),
            extra: opts.extra.iter().map(|a| a.to_string()).collect(),
            stderr: None,
        }
    }

    fn command(&self, data_dir: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_altinn-broker-emulator"));
        let log = if self.extra.iter().any(|a| a == "--log") { Vec::new() } else { vec!["--log", "warn"] };
        cmd.args(["--port", &self.port.to_string(), "--scan-delay-ms", &self.scan_delay_ms.to_string()])
            .args(log)
            .arg("--data-dir")
            .arg(data_dir);
        for origin in &self.cors_origins {
            cmd.args(["--cors-origin", origin]);
        }
        cmd.args(&self.extra).env_remove("ALTINN_EMULATOR_CRASH_AT");
        if let Some(p) = &self.crash_at {
            cmd.env("ALTINN_EMULATOR_CRASH_AT", p);
        }
        cmd
    }

    /// Starts the binary on `data_dir`; answers it and its base URL, read from its first stdout line.
    fn start(&self, data_dir: &Path) -> (Running, String) {
        let stderr = match &self.stderr {
            Some(f) => Stdio::from(f.try_clone().unwrap()),
            None => Stdio::inherit(),
        };
        let child = self.command(data_dir).stdout(Stdio::piped()).stderr(stderr).spawn().expect("spawn emulator");
        let mut child = Running(child);
        let stdout = child.0.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("first line");
        let base =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}")).to_owned();
        (child, base)
    }
}

/// The settings of an in-process app: Production, the scan delay, CORS for `cors_origins`.
fn settings(dir: &Path, base_url: &str, opts: &Options<'_>) -> Settings {
    Settings {
        base_url: base_url.into(),
        environment: "Production".into(),
        scan_delay: Duration::from_millis(opts.scan_delay_ms),
        cors_origins: opts.cors_origins.iter().map(|o| o.to_string()).collect(),
        crash_at: None,
        data_dir: dir.to_owned(),
        jwks_base64url: false,
        allow_http_webhooks: false,
        events_time_scale: 1.0,
    }
}

fn in_process_base(port: u16) -> String {
    if port == 0 {
        BASE_URL.to_owned()
    } else {
        format!("http://127.0.0.1:{port}")
    }
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

impl Broker {
    /// In-process with the binary's defaults (CORS off).
    pub fn in_process() -> Self {
        Self::in_process_with(Options::default())
    }

    pub fn in_process_with(opts: Options<'_>) -> Self {
        assert!(
            opts.crash_at.is_none() && opts.extra.is_empty() && opts.stderr.is_none(),
            "crash_at, extra and stderr are options of a process"
        );
        let (data_dir, temp) = data_dir(&opts);
        let base = in_process_base(opts.port);
        let state = AppState::open(settings(&data_dir, &base, &opts)).unwrap();
        let app = altinn_broker_emulator::app::app(state.clone());
        Self { base, data_dir, transport: Transport::InProcess { app, state }, _temp: temp }
    }

    /// The binary with its defaults on a free port.
    pub fn process() -> Self {
        Self::process_with(Options::default())
    }

    pub fn process_with(mut opts: Options<'_>) -> Self {
        let (data_dir, temp) = data_dir(&opts);
        let spawn = Spawn { stderr: opts.stderr.take(), ..Spawn::of(&opts) };
        let (child, base) = spawn.start(&data_dir);
        Self { base, data_dir, transport: Transport::Process { child, spawn }, _temp: temp }
    }

    /// The command that starts the binary with `opts` on `data_dir` (stdout and stderr not yet set), for a test
    /// that watches a start fail.
    pub fn command(opts: &Options<'_>, data_dir: &Path) -> Command {
        Spawn::of(opts).command(data_dir)
    }

    /// `http://127.0.0.1:PORT`: where the process listens, or the in-process app's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The port of [`Broker::base`].
    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The in-process app's state, for direct inspection.
    pub fn state(&self) -> &AppState {
        match &self.transport {
            Transport::InProcess { state, .. } => state,
            Transport::Process { .. } => panic!("the state of a process is not open to the test"),
        }
    }

    /// The same data dir opened again at the same address, as after a restart. A process is killed first (if it
    /// is still running) and starts without its crash point, which has done its work.
    pub fn restart(self) -> Self {
        let port = self.port();
        self.restart_on(port)
    }

    /// [`Broker::restart`] at another address: the process listens on `port` (0: a free one); in-process it is
    /// the port of the base URL.
    pub fn restart_on(self, port: u16) -> Self {
        let Broker { base: _, data_dir, transport, _temp } = self;
        let (base, transport) = match transport {
            Transport::InProcess { app, state } => {
                let base = in_process_base(port);
                let mut settings = state.settings.clone();
                settings.base_url = base.clone();
                drop(app);
                drop(state);
                let state = AppState::open(settings).unwrap();
                (base, Transport::InProcess { app: altinn_broker_emulator::app::app(state.clone()), state })
            }
            Transport::Process { child, spawn } => {
                drop(child);
                let spawn = Spawn { port, crash_at: None, ..spawn };
                let (child, base) = spawn.start(&data_dir);
                (base, Transport::Process { child, spawn })
            }
        };
        Self { base, data_dir, transport, _temp }
    }

    /// Sends `req` (a path, no scheme or host); `Err` when no answer came.
    pub async fn try_send(&self, req: Request<Body>) -> Result<Resp, SendError> {
        use http_body_util::BodyExt;
        match &self.transport {
            Transport::InProcess { app, .. } => {
                use tower::ServiceExt;
                let res = app.clone().oneshot(req).await.unwrap();
                let status = res.status().as_u16();
                let headers = res.headers().clone();
                let body = res.into_body().collect().await.unwrap().to_bytes();
                Ok(Resp { status, headers, body })
            }
            Transport::Process { .. } => {
                use http_body::Body as _;
                let (parts, body) = req.into_parts();
                let mut b = client().request(parts.method, self.url(&parts.uri.to_string())).headers(parts.headers);
                // A body of known length goes out with its length (as `Content-Length`), any other one chunked.
                b = match body.size_hint().exact() {
                    Some(0) => b,
                    Some(_) => b.body(body.collect().await?.to_bytes()),
                    None => b.body(reqwest::Body::wrap_stream(body.into_data_stream())),
                };
                let res = b.send().await?;
                let status = res.status().as_u16();
                let headers = res.headers().clone();
                let body = res.bytes().await.expect("the response body");
                Ok(Resp { status, headers, body })
            }
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        self.try_send(req).await.expect("an answer")
    }

    /// A request with an optional bearer token and an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, json: Option<serde_json::Value>) -> Resp {
        let req = request(method.as_str(), path, token);
        self.send(match json {
            Some(v) => req.header("Content-Type", "application/json").body(v.to_string().into()).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        })
        .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(get(path, token)).await
    }

    /// An enterprise token from the emulator's own test token issuer.
    pub async fn token(&self, org: &str, scopes: &str) -> String {
        let scopes = scopes.replace(' ', "%20");
        let res = self.get(&format!("/api/GetEnterpriseToken?env=tt02&orgNo={org}&scopes={scopes}"), None).await;
        assert_eq!(res.status, 200, "token for {org} {scopes}: {}", res.text());
        res.text()
    }

    /// A system user token for `org`, made by a system of `vendor`.
    pub async fn system_user_token(&self, org: &str, vendor: &str, scopes: &str) -> String {
        let scopes = scopes.replace(' ', "%20");
        let id = uuid::Uuid::new_v4();
        let path = format!(
            "/api/GetSystemUserToken?env=tt02&systemUserOrg={org}&orgNo={vendor}&systemUserId={id}&scopes={scopes}"
        );
        let res = self.get(&path, None).await;
        assert_eq!(res.status, 200, "token: {}", res.text());
        res.text()
    }

    /// Configures `resource` (a PUT as DIGDIR, its owner) with `body`; expects 204.
    pub async fn configure_resource(&self, resource: &str, body: serde_json::Value) {
        let owner = self.token(DIGDIR, SERVICE_OWNER).await;
        let path = format!("/broker/api/v1/resource/{resource}");
        let res = self.call(Method::PUT, &path, Some(&owner), Some(body)).await;
        assert_eq!(res.status, 204, "{}", res.text());
    }

    /// Initializes a transfer with `body` (e.g. [`init_body`]); answers its id.
    pub async fn initialize(&self, token: &str, body: serde_json::Value) -> String {
        let res = self.send(post_json("/broker/api/v1/filetransfer", Some(token), &body)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["fileTransferId"].as_str().unwrap().to_owned()
    }

    /// A whole upload of `content` with its length.
    pub async fn upload(&self, token: &str, id: &str, content: &[u8]) -> Resp {
        self.try_upload(token, id, content).await.expect("an answer")
    }

    /// [`Broker::upload`]; `Err` when the connection broke before an answer.
    pub async fn try_upload(&self, token: &str, id: &str, content: &[u8]) -> Result<Resp, SendError> {
        self.try_send(post_bytes(&format!("/broker/api/v1/filetransfer/{id}/upload"), Some(token), content.to_vec()))
            .await
    }

    pub async fn overview(&self, token: &str, id: &str) -> serde_json::Value {
        let res = self.get(&format!("/broker/api/v1/filetransfer/{id}"), Some(token)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    }

    /// Polls the overview (running due jobs in-process) until the transfer has status `want`, for at most 60 s
    /// (a large scan in a debug build); answers the overview.
    pub async fn wait_for_status(&self, token: &str, id: &str, want: &str) -> serde_json::Value {
        self.wait_for_status_within(token, id, want, Duration::from_secs(60)).await
    }

    /// [`Broker::wait_for_status`] for at most `limit`.
    pub async fn wait_for_status_within(
        &self,
        token: &str,
        id: &str,
        want: &str,
        limit: Duration,
    ) -> serde_json::Value {
        let deadline = std::time::Instant::now() + limit;
        loop {
            self.run_jobs().await;
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
        let res = self.get(&format!("/broker/api/v1/filetransfer/{id}/download"), Some(token)).await;
        (res.status, res.body.to_vec())
    }

    /// The published file, downloaded by RECIPIENT; expects 200.
    pub async fn recipient_download(&self, id: &str) -> Vec<u8> {
        let recipient = self.token(RECIPIENT, altinn_broker_core::scopes::READ).await;
        let (status, body) = self.download(&recipient, id).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        body
    }

    /// Runs due background jobs now in-process (where there is no background runner); a process runs its own.
    pub async fn run_jobs(&self) {
        if let Transport::InProcess { state, .. } = &self.transport {
            altinn_broker_emulator::jobs::run_due(state).await.unwrap();
        }
    }

    /// Moves the emulator's clock through the hook (which runs the jobs that became due).
    pub async fn advance(&self, by: &str) {
        let res = self.call(Method::POST, &format!("/emulator/api/clock/advance?by={by}"), None, None).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }

    /// Every event published so far.
    pub async fn events(&self) -> Vec<serde_json::Value> {
        self.get("/emulator/api/events", None).await.json().as_array().unwrap().clone()
    }

    fn child(&mut self) -> &mut Child {
        match &mut self.transport {
            Transport::Process { child, .. } => &mut child.0,
            Transport::InProcess { .. } => panic!("an in-process app has no process"),
        }
    }

    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let child = self.child();
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Asks the process to stop (SIGTERM) and waits for it, at most `within`.
    pub fn terminate(&mut self, within: std::time::Duration) -> std::process::ExitStatus {
        let child = self.child();
        let pid = i32::try_from(child.id()).unwrap();
        // SAFETY: a plain kill(2) of the child this fixture started and has not reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(std::time::Instant::now() < deadline, "the emulator did not stop after SIGTERM");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Waits for the process to exit (after a crash point) and answers whether it was killed by SIGKILL.
    pub fn wait_killed(&mut self) -> bool {
        use std::os::unix::process::ExitStatusExt;
        let status = self.child().wait().unwrap();
        status.signal() == Some(libc::SIGKILL)
    }

    /// Peak resident memory (VmHWM) of the emulator process — not of the test process, so tests running in
    /// parallel threads of this binary do not disturb it — in bytes.
    pub fn peak_rss(&self) -> u64 {
        let Transport::Process { child, .. } = &self.transport else { panic!("an in-process app has no process") };
        let pid = child.0.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024
    }
}

fn data_dir(opts: &Options<'_>) -> (PathBuf, Option<tempfile::TempDir>) {
    match opts.data_dir {
        Some(d) => (d.to_owned(), None),
        None => {
            let t = tempfile::tempdir().unwrap();
            (t.path().to_owned(), Some(t))
        }
    }
}

/// An HTTP client for the wire-level tests of a process (a new one per call: no connection outlives a restart).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap()
}

/// Serialises the two tests that move hundreds of MiB through one process (`memory`, `tus_memory`): each ran alone
/// in its own binary before they shared this one. What they measure is the emulator child's VmHWM, which no other
/// test can disturb; the lock only keeps two 256 MiB round trips on 2 cores from slowing each other past their waits.
pub async fn heavy() -> tokio::sync::MutexGuard<'static, ()> {
    static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    HEAVY.lock().await
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

/// The claims of a JWT, read without checking anything.
pub fn claims(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub fn request(method: &str, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header("Authorization", format!("Bearer {t}"));
    }
    b
}

pub fn get(path: &str, token: Option<&str>) -> Request<Body> {
    request("GET", path, token).body(Body::empty()).unwrap()
}

pub fn post_json(path: &str, token: Option<&str>, body: &serde_json::Value) -> Request<Body> {
    request("POST", path, token).header("Content-Type", "application/json").body(Body::from(body.to_string())).unwrap()
}

pub fn post_bytes(path: &str, token: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let len = body.len();
    request("POST", path, token)
        .header("Content-Type", "application/octet-stream")
        .header("Content-Length", len)
        .body(Body::from(body))
        .unwrap()
}

/// A tus request (`Tus-Resumable: 1.0.0`).
pub fn tus(method: &str, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    request(method, path, token).header("Tus-Resumable", "1.0.0")
}

pub fn empty(b: axum::http::request::Builder) -> Request<Body> {
    b.body(Body::empty()).unwrap()
}

/// A tus PATCH of `data` at `offset`.
pub fn patch(path: &str, token: &str, offset: u64, data: &[u8]) -> Request<Body> {
    tus("PATCH", path, Some(token))
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset)
        .header("Content-Length", data.len())
        .body(Body::from(data.to_vec()))
        .unwrap()
}

/// A tus creation of a single upload of `length` bytes for transfer `id`.
pub fn create(id: &str, token: &str, length: u64) -> Request<Body> {
    empty(tus("POST", &format!("{TUS}/{id}"), Some(token)).header("Upload-Length", length))
}

/// `n` bytes of a simple pattern that differs by `seed`.
pub fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
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
