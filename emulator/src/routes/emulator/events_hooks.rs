//! Test hooks for the emulated Altinn Events (unauthenticated, documented in the README): every subscription, the
//! pushes with each attempt (time, status, outcome), the dead letters, and a replay that sends an event to a
//! subscription again (for duplicate and reordering tests of a receiver).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::routes::openapi::TAG_HOOKS;
use crate::state::AppState;
use crate::store::subscriptions::{self as store, DEAD};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(subscriptions))
        .routes(routes!(deliveries))
        .routes(routes!(dead_letters))
        .routes(routes!(replay))
}

/// One push and its attempts.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct DeliveryView {
    id: i64,
    subscription_id: i64,
    /// `validation` (the handshake), `event`, or `replay`.
    kind: &'static str,
    /// The CloudEvent `id` pushed.
    event_id: String,
    end_point: String,
    /// `pending`, `delivered` or `dead-lettered`.
    state: String,
    /// When the next attempt is due (emulator clock), while pending.
    next_attempt_at: Option<String>,
    /// The exact body pushed.
    body: String,
    attempts: Vec<AttemptView>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct AttemptView {
    /// When the attempt started (emulator clock).
    at: String,
    /// The HTTP status, when there was an answer.
    status: Option<u16>,
    outcome: String,
}

fn bad_request(msg: impl Into<String>) -> AppError {
    AppError::PlainText(StatusCode::BAD_REQUEST, msg.into())
}

/// A `subscriptionId` query value.
fn subscription_id(raw: Option<&str>) -> Result<Option<i64>, AppError> {
    raw.map(|s| s.trim().parse::<i64>().map_err(|_| bad_request(format!("subscriptionId {s:?} is not an integer"))))
        .transpose()
}

/// The pushes (of the subscription `subscription` names, an integer, if given; only those in state `only` if given)
/// as the listing hooks answer them.
fn views(state: &AppState, subscription: Option<&str>, only: Option<&str>) -> Result<Response, AppError> {
    let subscription = subscription_id(subscription)?;
    let conn = state.store.conn()?;
    let format = altinn_broker_core::timestamp::format;
    let views = store::deliveries(&conn, subscription, only)?
        .into_iter()
        .map(|d| {
            let attempts = store::attempts(&conn, d.id)?
                .into_iter()
                .map(|a| AttemptView { at: format(a.at), status: a.status, outcome: a.outcome })
                .collect();
            Ok(DeliveryView {
                id: d.id,
                subscription_id: d.subscription_id,
                kind: d.kind.name(),
                event_id: d.event_id,
                end_point: d.end_point,
                next_attempt_at: d.next_at.filter(|_| d.state == store::PENDING).map(format),
                state: d.state,
                body: d.body,
                attempts,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Json(views).into_response())
}

#[utoipa::path(get, path = "/emulator/api/events/subscriptions", tag = TAG_HOOKS,
    summary = "Every Altinn Events subscription, whoever made it",
    responses((status = 200, description = "`{count, subscriptions}`", body = altinn_broker_core::subscriptions::SubscriptionList,
        content_type = "application/json")))]
async fn subscriptions(State(state): State<AppState>) -> Result<Response, AppError> {
    let all = store::list(&*state.store.conn()?, None)?;
    Ok(Json(json!({ "count": all.len(), "subscriptions": all })).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct DeliveriesQuery {
    /// Only the pushes to this subscription (an integer).
    subscription_id: Option<String>,
    /// Only pushes in this state: `pending`, `delivered` or `dead-lettered`.
    state: Option<String>,
}

#[utoipa::path(get, path = "/emulator/api/events/deliveries", tag = TAG_HOOKS,
    summary = "Altinn Events' pushes (handshakes and events), each with its attempts, oldest first",
    params(DeliveriesQuery),
    responses(
        (status = 200, description = "The pushes", body = Vec<DeliveryView>, content_type = "application/json"),
        (status = 400, description = "`subscriptionId` is not an integer", body = String, content_type = "text/plain"),
    ))]
async fn deliveries(State(state): State<AppState>, Query(q): Query<DeliveriesQuery>) -> Result<Response, AppError> {
    views(&state, q.subscription_id.as_deref(), q.state.as_deref())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct SubscriptionQuery {
    /// Only the dead letters of this subscription (an integer).
    subscription_id: Option<String>,
}

#[utoipa::path(get, path = "/emulator/api/events/dead-letters", tag = TAG_HOOKS,
    summary = "Pushes whose every attempt failed (the service's dead-letter and error queues)",
    params(SubscriptionQuery),
    responses(
        (status = 200, description = "The dead letters", body = Vec<DeliveryView>, content_type = "application/json"),
        (status = 400, description = "`subscriptionId` is not an integer", body = String, content_type = "text/plain"),
    ))]
async fn dead_letters(State(state): State<AppState>, Query(q): Query<SubscriptionQuery>) -> Result<Response, AppError> {
    views(&state, q.subscription_id.as_deref(), Some(DEAD))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct ReplayQuery {
    /// The subscription to push to (an integer, required).
    subscription_id: Option<String>,
    /// The id of a recorded Broker event (required).
    event_id: Option<String>,
}

#[utoipa::path(post, path = "/emulator/api/events/replay", tag = TAG_HOOKS,
    summary = "Push a recorded event to a subscription again, now (duplicates and reordering for receiver tests)",
    params(ReplayQuery),
    responses(
        (status = 202, description = "Queued: `{deliveryId}`", body = Object, content_type = "application/json"),
        (status = 400, description = "`subscriptionId` or `eventId` missing, or `subscriptionId` not an integer",
            body = String, content_type = "text/plain"),
        (status = 404, description = "No such subscription or event", body = String, content_type = "text/plain"),
    ))]
async fn replay(State(state): State<AppState>, Query(q): Query<ReplayQuery>) -> Result<Response, AppError> {
    let (Some(subscription), Some(event)) = (subscription_id(q.subscription_id.as_deref())?, q.event_id.as_deref())
    else {
        return Err(bad_request("subscriptionId and eventId are required"));
    };
    match crate::service::events::replay(&state, subscription, event)? {
        Some(id) => Ok((StatusCode::ACCEPTED, Json(json!({ "deliveryId": id }))).into_response()),
        None => Err(AppError::PlainText(StatusCode::NOT_FOUND, "no such subscription or event".into())),
    }
}
