//! Test hooks under `/emulator/api/` (unauthenticated, documented in the README): move the clock, hold and release
//! malware scans, inject faults, read the recorded events.

use altinn_broker_core::duration::parse_iso8601;
use altinn_broker_core::FileTransferId;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::jobs::scan::Verdict;
use crate::routes::openapi::TAG_HOOKS;
use crate::state::faults::FaultSpec;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(clock))
        .routes(routes!(advance))
        .routes(routes!(scan_mode))
        .routes(routes!(release))
        .routes(routes!(add_fault, clear_faults))
        .routes(routes!(events))
}

fn bad_request(msg: impl Into<String>) -> AppError {
    AppError::PlainText(StatusCode::BAD_REQUEST, msg.into())
}

fn clock_json(state: &AppState) -> serde_json::Value {
    json!({
        "now": altinn_broker_core::timestamp::format(state.clock.now()),
        "offsetSeconds": state.clock.offset().as_secs_f64(),
    })
}

#[utoipa::path(get, path = "/emulator/api/clock", tag = TAG_HOOKS, summary = "The emulator clock",
    responses((status = 200, description = "`now` and `offsetSeconds`", body = Object, content_type = "application/json")))]
async fn clock(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(clock_json(&state))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AdvanceQuery {
    /// An ISO 8601 duration, e.g. PT30S, P31D (required).
    by: Option<String>,
}

/// `POST /emulator/api/clock/advance?by=P31D`: moves the clock and runs everything that fell due.
#[utoipa::path(post, path = "/emulator/api/clock/advance", tag = TAG_HOOKS,
    summary = "Move the clock and run what fell due",
    params(AdvanceQuery),
    responses(
        (status = 200, description = "The clock and `jobsRun`", body = Object, content_type = "application/json"),
        (status = 400, description = "`by` missing or not a duration", body = String, content_type = "text/plain"),
    ))]
async fn advance(State(state): State<AppState>, Query(q): Query<AdvanceQuery>) -> Result<Response, AppError> {
    let by =
        q.by.ok_or_else(|| bad_request("query parameter 'by' (an ISO 8601 duration such as PT30S) is required"))?;
    let d = parse_iso8601(&by).map_err(|e| bad_request(e.to_string()))?;
    state.clock.advance(d)?;
    let ran = crate::jobs::run_due(&state).await?;
    // Altinn Events' pushes that fell due go out now (on their own runner, so the hook does not wait for them).
    state.events_changed.notify_one();
    let mut body = clock_json(&state);
    body["jobsRun"] = json!(ran);
    Ok(Json(body).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ScanModeQuery {
    /// `hold` (scans wait for a release) or `auto` (required).
    mode: Option<String>,
}

/// `POST /emulator/api/scan?mode=hold|auto`.
#[utoipa::path(post, path = "/emulator/api/scan", tag = TAG_HOOKS, summary = "Hold or automate malware scans",
    params(ScanModeQuery),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "`mode` is not hold or auto", body = String, content_type = "text/plain"),
    ))]
async fn scan_mode(State(state): State<AppState>, Query(q): Query<ScanModeQuery>) -> Result<StatusCode, AppError> {
    match q.mode.as_deref() {
        Some("hold") => state.scan.set_hold(true),
        Some("auto") => {
            state.scan.set_hold(false);
            crate::jobs::scan::resume_held(&state)?;
        }
        _ => return Err(bad_request("query parameter 'mode' must be 'hold' or 'auto'")),
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ReleaseQuery {
    /// The transfer whose held scan finishes (required).
    file_transfer_id: Option<String>,
    /// `clean` or `malware`; by content (EICAR) when omitted.
    result: Option<String>,
}

/// `POST /emulator/api/scan/release?fileTransferId=<id>&result=clean|malware` (result: by content when omitted).
#[utoipa::path(post, path = "/emulator/api/scan/release", tag = TAG_HOOKS, summary = "Finish a held scan",
    params(ReleaseQuery),
    responses(
        (status = 204, description = "Released"),
        (status = 400, description = "A parameter is missing or invalid", body = String, content_type = "text/plain"),
        (status = 409, description = "The transfer is not waiting for a malware scan", body = String,
            content_type = "text/plain"),
    ))]
async fn release(State(state): State<AppState>, Query(q): Query<ReleaseQuery>) -> Result<StatusCode, AppError> {
    let id = q
        .file_transfer_id
        .as_deref()
        .ok_or_else(|| bad_request("query parameter 'fileTransferId' is required"))
        .and_then(|s| FileTransferId::parse(s).map_err(|e| bad_request(e.to_string())))?;
    let verdict = match q.result.as_deref() {
        None => None,
        Some("clean") => Some(Verdict::Clean),
        Some("malware") => Some(Verdict::Malicious { sha256_upper: String::new() }),
        Some(other) => return Err(bad_request(format!("result must be 'clean' or 'malware', not {other:?}"))),
    };
    if crate::jobs::scan::release(&state, id, verdict).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::PlainText(StatusCode::CONFLICT, format!("file transfer {id} is not waiting for a malware scan")))
    }
}

/// `POST /emulator/api/faults` with a [`FaultSpec`].
#[utoipa::path(post, path = "/emulator/api/faults", tag = TAG_HOOKS,
    summary = "Arm a fault rule (the next `count` matching requests answer `status`, stall or lose their connection)",
    request_body(content = FaultSpec, content_type = "application/json"),
    responses(
        (status = 204, description = "Armed"),
        (status = 400, description = "Not a fault rule", body = String, content_type = "text/plain"),
    ))]
async fn add_fault(State(state): State<AppState>, body: axum::body::Bytes) -> Result<StatusCode, AppError> {
    let spec: FaultSpec = serde_json::from_slice(&body).map_err(|e| bad_request(format!("invalid fault: {e}")))?;
    state.faults.add(spec).map_err(|e| bad_request(e.to_string()))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/emulator/api/faults", tag = TAG_HOOKS, summary = "Remove every fault rule",
    responses((status = 204, description = "Removed")))]
async fn clear_faults(State(state): State<AppState>) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// Only the events of this transfer (`resourceinstance`).
    file_transfer_id: Option<String>,
    /// Only events of this type, short (`published`) or full (`no.altinn.broker.published`).
    #[serde(rename = "type")]
    event_type: Option<String>,
}

/// `GET /emulator/api/events[?fileTransferId=<id>][&type=<type>]`: the recorded CloudEvents, oldest first.
#[utoipa::path(get, path = "/emulator/api/events", tag = TAG_HOOKS, summary = "The recorded CloudEvents, oldest first",
    params(EventsQuery),
    responses((status = 200, description = "CloudEvents", body = Vec<Object>, content_type = "application/json")))]
async fn events(
    State(state): State<AppState>,
    Query(q): Query<EventsQuery>,
) -> Result<Json<Vec<serde_json::Value>>, AppError> {
    let wanted_type = q.event_type.as_deref().map(|t| {
        altinn_broker_core::events::EventType::parse(t).map(|e| e.type_name()).unwrap_or_else(|| t.to_owned())
    });
    let events = crate::store::events::all(&*state.store.conn()?)?
        .into_iter()
        .filter(|e| q.file_transfer_id.as_deref().is_none_or(|id| e["resourceinstance"] == id))
        .filter(|e| wanted_type.as_deref().is_none_or(|t| e["type"] == t))
        .collect();
    Ok(Json(events))
}
