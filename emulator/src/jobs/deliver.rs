//! Altinn Events' outbound side (events-auth contract §1.4, §1.5): the recorded Broker events fanned out to every
//! matching validated subscription whose consumer the PDP permits, and the pushes (handshakes and events) sent with
//! their retry schedules on the emulator clock.
//!
//! Each push is one `POST {endPoint}` with one structured CloudEvent, `Content-Type: application/json;
//! charset=utf-8` and no authentication (the service's `WebhookService`); any 2xx is done; anything else, a
//! timeout or a network error is retried after the next delay of the schedule (scaled by `--events-time-scale`)
//! and, after the last, dead-lettered. A handshake that succeeds marks its subscription validated.
//!
//! The outbox lives in SQLite (`store::subscriptions`), so pending pushes and their due times survive a restart;
//! a push interrupted by a stop is sent again after the next start (Events promises at-least-once, not exactly-once).
//! Pushes run concurrently, so a slow endpoint does not hold the others — nor the transfer jobs, which have their
//! own runner.
//!
//! The one-hour cache of matching subscriptions and authorization decisions (§1.5) is not emulated: a validated
//! subscription gets the events recorded after its validation at once. That is the behaviour of a fresh pod.

use std::collections::HashSet;
use std::time::Duration;

use altinn_broker_core::subscriptions::{
    self as contract, DELIVERY_RETRY_DELAYS, PUSH_TIMEOUT, VALIDATION_RETRY_DELAYS,
};
use tokio::task::JoinSet;

use crate::auth::pdp;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::subscriptions::{self as store, Delivery, DeliveryKind};

/// How often the runner looks for work at the least: the clock can move under it, and events are recorded by
/// request handlers that do not wake it.
const POLL: Duration = Duration::from_millis(200);
/// At most this many pushes in flight at once.
const MAX_IN_FLIGHT: usize = 64;

/// The HTTP client of the pushes: no redirects followed (a 3xx is not a 2xx), no proxy from the environment
/// (webhooks are the subscriber's own URLs).
pub fn client() -> Result<reqwest::Client, AppError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(AppError::internal)
}

/// Runs fan-out and pushes until `stop` turns true.
pub async fn run_forever(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let client = match client() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "events: no HTTP client, pushes are off");
            return;
        }
    };
    let mut in_flight: HashSet<i64> = HashSet::new();
    let mut tasks: JoinSet<i64> = JoinSet::new();
    loop {
        if *stop.borrow() {
            // Pushes in flight are dropped; their deliveries are still pending in the database.
            tasks.abort_all();
            return;
        }
        if let Err(e) = fan_out(&state) {
            tracing::error!(error = %e, "events: fan-out");
        }
        match dispatch(&state, &client, &mut in_flight, &mut tasks) {
            Ok(()) => {}
            Err(e) => tracing::error!(error = %e, "events: dispatch"),
        }
        let wait = match state.store.conn().and_then(|c| store::earliest_due(&c)) {
            Ok(Some(due)) => Duration::try_from(due - state.clock.now()).unwrap_or(Duration::ZERO).min(POLL),
            _ => POLL,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.events_changed.notified() => {}
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(id) = done {
                    in_flight.remove(&id);
                }
                while let Some(done) = tasks.try_join_next() {
                    if let Ok(id) = done {
                        in_flight.remove(&id);
                    }
                }
            }
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}

/// Starts every due push that is not already in flight.
fn dispatch(
    state: &AppState,
    client: &reqwest::Client,
    in_flight: &mut HashSet<i64>,
    tasks: &mut JoinSet<i64>,
) -> Result<(), AppError> {
    if in_flight.len() >= MAX_IN_FLIGHT {
        return Ok(());
    }
    let due = store::due(&*state.store.conn()?, state.clock.now(), MAX_IN_FLIGHT * 2)?;
    for d in due {
        if in_flight.len() >= MAX_IN_FLIGHT {
            break;
        }
        if !in_flight.insert(d.id) {
            continue;
        }
        let (state, client) = (state.clone(), client.clone());
        tasks.spawn(async move {
            let id = d.id;
            if let Err(e) = attempt(&state, &client, d).await {
                tracing::error!(error = %e, delivery = id, "events: recording a push");
            }
            id
        });
    }
    Ok(())
}

/// The retry schedule of a push.
fn schedule(kind: DeliveryKind) -> &'static [Duration] {
    match kind {
        DeliveryKind::Validation => &VALIDATION_RETRY_DELAYS,
        DeliveryKind::Event | DeliveryKind::Replay => &DELIVERY_RETRY_DELAYS,
    }
}

/// One push, then its outcome recorded and the next attempt (if any) scheduled.
async fn attempt(state: &AppState, client: &reqwest::Client, d: Delivery) -> Result<(), AppError> {
    let at = state.clock.now();
    let timeout = state.settings.events_delay(PUSH_TIMEOUT).max(Duration::from_millis(50));
    let sent = client
        .post(&d.end_point)
        .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(d.body.clone())
        .timeout(timeout)
        .send()
        .await;
    let (status, outcome, success) = match sent {
        Ok(res) => {
            let status = res.status();
            // The body is ignored, but read so the connection can be reused.
            let _ = tokio::time::timeout(timeout, res.bytes()).await;
            let ok = status.is_success();
            (Some(status.as_u16()), if ok { "delivered" } else { "failed: status not 2xx" }.to_owned(), ok)
        }
        Err(e) if e.is_timeout() => (None, format!("failed: no answer within {timeout:?}"), false),
        Err(e) if e.is_connect() => (None, "failed: could not connect".to_owned(), false),
        Err(e) if e.is_builder() => {
            (None, "failed: the emulator cannot send to this URL (https needs TLS)".into(), false)
        }
        Err(_) => (None, "failed: the request broke off".to_owned(), false),
    };
    let done = state.clock.now();
    let delays = schedule(d.kind);
    let next = usize::try_from(d.attempts)
        .ok()
        .and_then(|n| delays.get(n))
        .map(|delay| done + state.settings.events_delay(*delay));
    state.store.tx(|tx| {
        store::record_attempt(tx, &d, at, status, &outcome, success, next)?;
        if success && d.kind == DeliveryKind::Validation {
            store::mark_validated(tx, d.subscription_id)?;
        }
        Ok(())
    })?;
    if !success && next.is_none() {
        tracing::warn!(
            delivery = d.id,
            subscription = d.subscription_id,
            kind = d.kind.name(),
            "events: dead-lettered"
        );
    }
    Ok(())
}

/// Matches the events recorded since the last call against the validated subscriptions (`getsubscriptions.sql`),
/// authorizes each subscription's consumer (`subscribe`), and queues one push per (event, subscription).
pub fn fan_out(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let queued = state.store.tx(|tx| {
        let last = store::fanned_out_through(tx)?;
        let batch = crate::store::events::after(tx, last, 500)?;
        let mut queued = 0;
        for (_, event) in &batch {
            let type_name = event.event_type.type_name();
            let subscriptions = store::matching(tx, &event.resource, event.subject.as_deref(), &type_name)?;
            if !subscriptions.is_empty() {
                let id = event.resource.strip_prefix(contract::RESOURCE_URN_PREFIX).unwrap_or("");
                let resource = crate::store::resources::get(tx, id)?;
                let body = contract::reencode(event);
                for (s, org) in subscriptions {
                    if pdp::permit_subscribe(&state.world, resource.as_ref(), org, event.subject.as_deref()) {
                        store::enqueue(tx, &s, DeliveryKind::Event, &event.id, &body, now)?;
                        queued += 1;
                    }
                }
            }
        }
        if let Some((seq, _)) = batch.last() {
            store::set_fanned_out_through(tx, *seq)?;
        }
        Ok(queued)
    })?;
    Ok(queued)
}
