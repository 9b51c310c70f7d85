//! Command-line options.

use std::path::PathBuf;

use clap::Parser;

/// A faithful local Altinn 3 Broker (Production profile) for integration tests and development.
#[derive(Debug, Clone, Parser)]
#[command(name = "altinn-broker-emulator", version, about)]
pub struct Cli {
    /// TCP port on 127.0.0.1; 0 picks a free port. The real service's local port is 5096.
    #[arg(long, default_value_t = 5096)]
    pub port: u16,

    /// Directory for the SQLite database, uploaded files, the signing key and the clock offset.
    /// A fresh temporary directory (removed on exit) when omitted.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,

    /// A JSON or TOML file that replaces the seed world (service owners, resources, organisations).
    #[arg(long)]
    pub config: Option<PathBuf>,

    /// Enables CORS for this origin; repeat for several, `*` for any. Off by default, like the real service.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,

    /// How long the simulated malware scan takes, in milliseconds of emulator time.
    #[arg(long, default_value_t = 200)]
    pub scan_delay_ms: u64,

    /// Log filter (`info`, `debug`, `altinn_broker_emulator=trace`, ...); `RUST_LOG` when not given, as every
    /// `tracing-subscriber` program reads it. Logs go to stderr.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log: String,

    /// Writes `n` and `e` of the Altinn JWKS (`/authentication/api/v1/openid/.well-known/openid-configuration/jwks`)
    /// base64url, as strict JOSE libraries want, instead of the standard Base64 Altinn's real JWKS uses.
    #[arg(long)]
    pub jwks_base64url: bool,

    /// Altinn Events: let subscriptions name `http://` webhooks on a loopback host (`127.0.0.1`, `localhost`, `[::1]`).
    /// Off by default: the real service takes `https` endpoints only (events-auth contract §1.2).
    #[arg(long)]
    pub allow_http_webhooks: bool,

    /// Altinn Events: multiplies every delay of the emulated Events (push and handshake retry schedules, the 30 s
    /// before an event can be polled, the 45 s push timeout). 1 is the real timing; 0.01 makes the 10 s first
    /// retry 100 ms for interactive use. The delays run on the emulator clock either way.
    #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
    pub events_time_scale: f64,

    /// Test hook: SIGKILL the process at a named point of an upload's life (see README, "Crash points").
    #[arg(long, env = "ALTINN_EMULATOR_CRASH_AT", value_name = "POINT")]
    pub crash_at: Option<String>,
}

fn parse_scale(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a non-negative number")),
    }
}
