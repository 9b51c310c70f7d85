//! `altinn-broker-emulator`: parse the CLI, open the data dir, bind 127.0.0.1:PORT, print
//! `listening on http://127.0.0.1:PORT` as the first stdout line, serve.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use altinn_broker_emulator::app::app;
use altinn_broker_emulator::cli::Cli;
use altinn_broker_emulator::crash::CrashPoint;
use altinn_broker_emulator::http::conn::{ConnHandle, KillableListener};
use altinn_broker_emulator::state::{AppState, Settings};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("altinn-broker-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let crash_at = cli.crash_at.as_deref().map(str::parse::<CrashPoint>).transpose()?;
    // Keep the temporary directory alive (and removed at exit) when no data dir was given.
    let (data_dir, _temp) = match &cli.data_dir {
        Some(d) => (d.clone(), None),
        None => {
            let t = tempfile::Builder::new().prefix("altinn-broker-emulator-").tempdir()?;
            (t.path().to_owned(), Some(t))
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", cli.port)).await?;
    let port = listener.local_addr()?.port();
    let base_url = format!("http://127.0.0.1:{port}");
    let settings = Settings {
        base_url: base_url.clone(),
        environment: "Production".into(),
        scan_delay: Duration::from_millis(cli.scan_delay_ms),
        cors_origins: cli.cors_origins.clone(),
        crash_at,
        data_dir: data_dir.clone(),
        jwks_base64url: cli.jwks_base64url,
        allow_http_webhooks: cli.allow_http_webhooks,
        events_time_scale: cli.events_time_scale,
    };
    let world = altinn_broker_emulator::world::World::load(cli.config.as_deref())?;
    let state = AppState::open_with_world(settings, world)?;
    let (stop_jobs, jobs_stop) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn(altinn_broker_emulator::jobs::run_forever(state.clone(), jobs_stop.clone()));
    let pushes = tokio::spawn(altinn_broker_emulator::jobs::deliver::run_forever(state.clone(), jobs_stop));

    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {base_url}")?;
    out.flush()?;
    drop(out);
    tracing::info!(data_dir = %data_dir.display(), "serving");

    let service = app(state).into_make_service_with_connect_info::<ConnHandle>();
    axum::serve(KillableListener::new(listener), service).with_graceful_shutdown(shutdown()).await?;
    // SIGTERM or Ctrl-C, and every connection is done: let the job in progress (a scan, a tus finalisation) finish,
    // keep the others in the database for the next start, and let the detached tus chunk commits run, so that the
    // runtime cancels nothing half-way (which would log "task was cancelled" at ERROR and drop the job).
    tracing::info!("shutting down: finishing the work in progress");
    let _ = stop_jobs.send(true);
    if tokio::time::timeout(SHUTDOWN_GRACE, runner).await.is_err() {
        tracing::warn!("the job in progress did not finish in time; it runs again after the next start");
    }
    // Pushes in flight are abandoned (still pending in the database, sent again after the next start).
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, pushes).await;
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    let metrics = tokio::runtime::Handle::current().metrics();
    while metrics.num_alive_tasks() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// How long a graceful shutdown waits for the work in progress, each stage.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

async fn shutdown() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
