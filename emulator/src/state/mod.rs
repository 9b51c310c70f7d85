//! Shared state of the running emulator: one cheap-clone handle passed to every handler and background job.
//!
//! A leaf of the emulator's layers: it holds the parts below it (store, clock, auth, world) and the in-memory
//! tables of its own submodules ([`faults`], [`tus`]), and imports nothing that handlers, workflows or jobs are
//! made of. Opening a data dir with its start-up work (seed, crash recovery) is [`crate::app`]'s.

pub mod faults;
pub mod tus;

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use altinn_broker_core::FileTransferId;
use time::OffsetDateTime;

use crate::auth::maskinporten::Maskinporten;
use crate::auth::{verify, Auth, Caller, JwkEncoding, Lifetime, Policy, Rejection};
use crate::clock::Clock;
use crate::crash::CrashPoint;
use crate::error::AppError;
use crate::store::Store;
use crate::world::World;
use axum::http::{header, HeaderMap};

use self::faults::Faults;
use self::tus::Live;

/// Fixed facts about this emulator instance.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `http://127.0.0.1:PORT`, no trailing slash. Token issuer and event `source` derive from it.
    pub base_url: String,
    /// The ASP.NET environment name the service reports; the emulator plays `Production`.
    pub environment: String,
    /// How long the simulated malware scan takes (emulator time).
    pub scan_delay: Duration,
    /// Origins allowed by CORS; empty means CORS is off.
    pub cors_origins: Vec<String>,
    /// Test hook: die at this point of an upload.
    pub crash_at: Option<CrashPoint>,
    pub data_dir: PathBuf,
    /// The Altinn JWKS writes `n` and `e` base64url (`--jwks-base64url`) instead of Altinn's standard Base64.
    pub jwks_base64url: bool,
    /// Altinn Events takes `http://` webhooks to a loopback host (`--allow-http-webhooks`); the real service
    /// takes `https` only.
    pub allow_http_webhooks: bool,
    /// Multiplies every Altinn Events delay (retry schedules, the 30 s polling delay, the push timeout)
    /// (`--events-time-scale`); 1 is the real service's timing.
    pub events_time_scale: f64,
}

impl Settings {
    pub fn is_production(&self) -> bool {
        self.environment == "Production"
    }

    /// An Altinn Events delay as this emulator runs it (`events_time_scale`).
    pub fn events_delay(&self, real: Duration) -> Duration {
        let scale = if self.events_time_scale.is_finite() && self.events_time_scale >= 0.0 {
            self.events_time_scale
        } else {
            1.0
        };
        Duration::try_from_secs_f64(real.as_secs_f64() * scale).unwrap_or(real)
    }

    /// Which webhook endpoints a subscription may name.
    pub fn endpoint_policy(&self) -> altinn_broker_core::subscriptions::EndpointPolicy {
        use altinn_broker_core::subscriptions::EndpointPolicy;
        if self.allow_http_webhooks {
            EndpointPolicy::AllowLoopbackHttp
        } else {
            EndpointPolicy::HttpsOnly
        }
    }

    /// `PlatformSettings:ApiEventsEndpoint`: the Events API base, ending in `/events/api/v1/`.
    pub fn events_base(&self) -> String {
        format!("{}{}", self.base_url, altinn_broker_core::subscriptions::EVENTS_PREFIX)
    }
}

/// Whether scans finish on their own after the delay (`auto`) or wait for `/emulator/api/scan/release` (`hold`).
#[derive(Debug, Default)]
pub struct ScanControl {
    hold: AtomicBool,
}

impl ScanControl {
    pub fn hold(&self) -> bool {
        self.hold.load(Ordering::SeqCst)
    }

    pub fn set_hold(&self, hold: bool) {
        self.hold.store(hold, Ordering::SeqCst);
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub settings: Settings,
    pub store: Store,
    pub clock: Clock,
    pub scan: ScanControl,
    pub faults: Faults,
    /// Wakes the background job runner when new work is scheduled.
    pub jobs_changed: tokio::sync::Notify,
    /// Wakes the Altinn Events delivery runner (a push queued, the clock moved).
    pub events_changed: tokio::sync::Notify,
    /// Serialises job runs (the background runner and `clock/advance`).
    pub jobs_running: tokio::sync::Mutex<()>,
    /// The token issuer and validator (key kept in the data dir).
    pub auth: Auth,
    /// The emulated Maskinporten (its keys kept in the data dir, made on first use).
    pub maskinporten: Maskinporten,
    /// The world around Broker: parties, the Resource Registry, the seed.
    pub world: World,
    /// What the tus routes keep in process memory (accepted offsets, metadata, file locks).
    pub tus: Live,
    /// When each (transfer, caller) last had a ranged download recorded (the service's 5-minute HybridCache key).
    ranged_downloads: std::sync::Mutex<std::collections::HashMap<(FileTransferId, String), OffsetDateTime>>,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Opens the parts kept in the data dir (database, blobs, key, clock) around `world`. Seeding and crash
    /// recovery are start-up work and come after ([`crate::app`]'s `AppState::open_with_world`).
    pub fn assemble(settings: Settings, world: World) -> Result<Self, AppError> {
        let store = Store::open(&settings.data_dir)?;
        let encoding = if settings.jwks_base64url { JwkEncoding::Base64Url } else { JwkEncoding::Base64 };
        let auth = Auth::open(&settings.data_dir, &settings.base_url)
            .map_err(AppError::internal)?
            .with_jwks_encoding(encoding);
        let maskinporten =
            Maskinporten::open(Some(&settings.data_dir), &settings.base_url, &world.config().maskinporten_clients)
                .map_err(AppError::internal)?;
        let clock = Clock::open(&settings.data_dir)?;
        Ok(AppState(Arc::new(Inner {
            settings,
            store,
            clock,
            scan: ScanControl::default(),
            faults: Faults::default(),
            jobs_changed: tokio::sync::Notify::new(),
            events_changed: tokio::sync::Notify::new(),
            jobs_running: tokio::sync::Mutex::new(()),
            auth,
            maskinporten,
            world,
            tus: Live::default(),
            ranged_downloads: std::sync::Mutex::default(),
        })))
    }

    /// Authenticates a Broker request as the service's policies do, each listing several schemes (broker-contract
    /// §7.1): an Altinn token (`Bearer`), else a raw Maskinporten token (`LegacyAndMaskinporten`). A token that
    /// neither issuer claims keeps the Altinn scheme's rejection (and its `WWW-Authenticate`).
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        now: OffsetDateTime,
        lifetime: Lifetime,
    ) -> Result<Caller, Rejection> {
        let rejection = match self.auth.authenticate(headers, now, lifetime) {
            Ok(caller) => return Ok(caller),
            Err(r @ (Rejection::BadSignature | Rejection::BadIssuer(_))) => r,
            Err(r) => return Err(r),
        };
        let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = verify::bearer_token(token).map_err(|_| rejection.clone())?;
        match self.maskinporten.validate(token, now, lifetime) {
            Some(claims) => claims.map(|c| Caller::from_claims(&c)),
            None => Err(rejection),
        }
    }

    /// Authenticates (401) and checks the policy's scopes (403).
    pub fn authorize(&self, headers: &HeaderMap, policy: Policy, now: OffsetDateTime) -> Result<Caller, AppError> {
        let caller = self.authenticate(headers, now, Lifetime::Enforce)?;
        policy.check(&caller)?;
        Ok(caller)
    }

    /// Whether a ranged download by `actor` at `now` should record `DownloadStarted`: once per `window`.
    pub fn debounce_download(&self, id: FileTransferId, actor: &str, now: OffsetDateTime, window: Duration) -> bool {
        let mut seen = self.ranged_downloads.lock().unwrap_or_else(|p| p.into_inner());
        let key = (id, actor.to_owned());
        match seen.get(&key) {
            Some(last) if now - *last < window => false,
            _ => {
                seen.insert(key, now);
                true
            }
        }
    }
}
