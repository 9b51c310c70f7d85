//! Altinn Events for Broker resources (events-auth contract §1): subscriptions (§1.2, §1.3) and the polling feed
//! (§1.6). The work is `crate::service::events`'; this module reads the request as ASP.NET binds it and writes the
//! answer as the Events controllers do.

use altinn_broker_core::subscriptions::{
    self as contract, Subscription, SubscriptionList, SubscriptionRequest, ALTERNATIVE_SUBJECT_HEADER, EVENTS,
    LOCATION_PREFIX, NEXT_HEADER, SUBSCRIPTION, SUBSCRIPTIONS,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa::IntoResponses;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::events_consumer::EventsCaller;
use crate::error::AppError;
use crate::routes::openapi;
use crate::service::events::{self as service, PollQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_subscription, list_subscriptions))
        .routes(routes!(get_subscription, delete_subscription))
        .routes(routes!(poll_events))
}

/// `[Consumes("application/json")]`: another media type (or none) is a 415.
fn require_json(headers: &HeaderMap) -> Result<(), AppError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") || media.to_ascii_lowercase().ends_with("+json") {
        Ok(())
    } else {
        Err(AppError::Client(StatusCode::UNSUPPORTED_MEDIA_TYPE))
    }
}

/// An `int id` route value: anything else is a model-binding 400.
fn subscription_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i32>()
        .map(i64::from)
        .map_err(|_| AppError::validation("id", format!("The value '{raw}' is not valid.")))
}

#[utoipa::path(post, path = SUBSCRIPTIONS, tag = openapi::TAG_EVENTS,
    extensions(("x-altinn-scopes" = json!([contract::SCOPE_SUBSCRIBE]))),
    summary = "Create a subscription (events-auth contract §1.2); the handshake is queued on every call",
    request_body(content = SubscriptionRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The subscription (new or the identical existing one); `Location` uses the singular `subscription`",
            body = Subscription, content_type = "application/json"),
        (status = 400, description = "A §1.2 rule broken: the message as a JSON string; or an unreadable body (ValidationProblemDetails)",
            content((String = "application/json"), (openapi::ValidationProblemDetails = "application/problem+json"))),
        (status = 401, description = "No or an invalid Altinn token; empty body"),
        (status = 403, description = "No `altinn:events.subscribe` (empty body) or the PDP did not permit `subscribe` (a JSON string)",
            body = String, content_type = "application/json"),
        (status = 415, description = "Not `application/json`", body = openapi::ProblemDetails, content_type = "application/problem+json"),
    ))]
async fn create_subscription(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let caller = service::authenticate(&state, &headers)?;
    require_json(&headers)?;
    let req = SubscriptionRequest::from_json(&body).map_err(|e| AppError::validation(&e.field, e.message))?;
    let s = service::create(&state, &caller, &req)?;
    let mut res = (StatusCode::CREATED, Json(&s)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{LOCATION_PREFIX}{}", s.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

#[utoipa::path(get, path = SUBSCRIPTIONS, tag = openapi::TAG_EVENTS,
    extensions(("x-altinn-scopes" = json!([]))),
    summary = "The caller's subscriptions, validated or not (events-auth contract §1.3)",
    responses(
        (status = 200, description = "`{count, subscriptions}`", body = SubscriptionList, content_type = "application/json"),
        (status = 401, description = "No or an invalid Altinn token; empty body"),
    ))]
async fn list_subscriptions(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let caller = service::authenticate(&state, &headers)?;
    let subscriptions = service::list(&state, &caller)?;
    Ok(Json(SubscriptionList { count: subscriptions.len(), subscriptions }).into_response())
}

/// What both operations on one subscription answer besides success.
#[derive(IntoResponses)]
#[allow(dead_code)] // Documentation only: the answers come from `own` and the service.
enum OneSubscriptionRefusals {
    /// `id` is not an integer
    #[response(status = 400, content_type = "application/problem+json")]
    BadId(openapi::ProblemDetails),
    /// No or an invalid Altinn token; empty body
    #[response(status = 401)]
    Unauthenticated,
    /// Not the creator; empty body
    #[response(status = 403)]
    NotCreator,
    /// No such subscription; empty body
    #[response(status = 404)]
    NotFound,
}

/// The caller (401 first) and the subscription id of `GET`/`DELETE /subscriptions/{id}`.
fn caller_and_id(state: &AppState, headers: &HeaderMap, raw_id: &str) -> Result<(EventsCaller, i64), AppError> {
    let caller = service::authenticate(state, headers)?;
    Ok((caller, subscription_id(raw_id)?))
}

#[utoipa::path(get, path = SUBSCRIPTION, tag = openapi::TAG_EVENTS,
    extensions(("x-altinn-scopes" = json!([]))),
    summary = "One subscription, to its creator (events-auth contract §1.3)",
    params(("id" = i32, Path, description = "The subscription id")),
    responses(
        (status = 200, description = "The subscription", body = Subscription, content_type = "application/json"),
        OneSubscriptionRefusals,
    ))]
async fn get_subscription(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (caller, id) = caller_and_id(&state, &headers, &id)?;
    Ok(Json(service::own(&state, &caller, id)?).into_response())
}

#[utoipa::path(delete, path = SUBSCRIPTION, tag = openapi::TAG_EVENTS,
    extensions(("x-altinn-scopes" = json!([]))),
    summary = "Delete a subscription, as its creator (events-auth contract §1.3)",
    params(("id" = i32, Path, description = "The subscription id")),
    responses(
        (status = 200, description = "Deleted; empty body"),
        OneSubscriptionRefusals,
    ))]
async fn delete_subscription(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (caller, id) = caller_and_id(&state, &headers, &id)?;
    service::delete(&state, &caller, id)?;
    Ok(StatusCode::OK.into_response())
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// The first value of a query key, matched case-insensitively as ASP.NET binds `[FromQuery]`.
fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

#[utoipa::path(get, path = EVENTS, tag = openapi::TAG_EVENTS,
    extensions(("x-altinn-scopes" = json!([contract::SCOPE_SUBSCRIBE]))),
    summary = "Poll a resource's events (events-auth contract §1.6): 30 s after registration, `next` on non-empty pages",
    params(
        ("resource" = String, Query, description = "`urn:altinn:resource:<resourceId>` (required)"),
        ("after" = String, Query, description = "An event id; one that does not exist (`0`) means from the start (required)"),
        ("subject" = Option<String>, Query, description = "Exact match on `subject`"),
        ("type" = Option<Vec<String>>, Query, description = "Repeatable; SQL `LIKE` patterns (`%`, `_`)"),
        ("size" = Option<i32>, Query, description = "Page size: below 1 or absent 50, at most 1000"),
        ("Altinn-AlternativeSubject" = Option<String>, Header, description = "Exact match on `alternativesubject` (Broker's events have none)"),
    ),
    responses(
        (status = 200, description = "A JSON array of CloudEvents; header `next` with the next page's URL when non-empty",
            body = Vec<serde_json::Value>, content_type = "application/cloudevents+json"),
        (status = 400, description = "A rule of §1.6 broken (ProblemDetails `detail`)", body = openapi::ProblemDetails,
            content_type = "application/problem+json"),
        (status = 401, description = "No or an invalid Altinn token; empty body"),
        (status = 403, description = "No `altinn:events.subscribe`; empty body"),
    ))]
async fn poll_events(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Result<Response, AppError> {
    let caller = service::authenticate(&state, &headers)?;
    if !caller.caller.has_scope(contract::SCOPE_SUBSCRIBE) {
        return Err(AppError::Forbidden);
    }
    let pairs = query_pairs(&uri);
    let bad = |m: &str| AppError::Problem(StatusCode::BAD_REQUEST, m.to_owned());
    // `[FromQuery, Required] string resource`: absent or empty is the automatic ValidationProblemDetails.
    let resource = first(&pairs, "resource")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| AppError::validation("resource", "The resource field is required."))?;
    let after = first(&pairs, "after").unwrap_or("");
    let size = match first(&pairs, "size") {
        None | Some("") => None,
        Some(s) => Some(
            s.trim()
                .parse::<i32>()
                .map_err(|_| AppError::validation("size", format!("The value '{s}' is not valid.")))?,
        ),
    };
    if !resource.starts_with(contract::RESOURCE_URN_PREFIX) {
        return Err(bad(contract::MSG_POLL_RESOURCE));
    }
    if after.is_empty() {
        return Err(bad(contract::MSG_POLL_AFTER));
    }
    let subject = first(&pairs, "subject").filter(|s| !s.is_empty());
    let alternative = headers.get(ALTERNATIVE_SUBJECT_HEADER).and_then(|v| v.to_str().ok()).filter(|s| !s.is_empty());
    if subject.is_some() && alternative.is_some() {
        return Err(bad(contract::MSG_POLL_SUBJECT_AND_ALTERNATIVE));
    }
    let types: Vec<String> =
        pairs.iter().filter(|(k, v)| k.eq_ignore_ascii_case("type") && !v.is_empty()).map(|(_, v)| v.clone()).collect();
    let q = PollQuery {
        resource,
        after,
        subject,
        alternative_subject: alternative,
        types: &types,
        size: contract::clamp_poll_size(size.map(i64::from)),
    };
    let page = service::poll(&state, &caller, &q)?;
    // The custom CloudEvent formatter joins the elements with ", ".
    let body = format!("[{}]", page.events.join(", "));
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/cloudevents+json; charset=utf-8"));
    if let Some(last) = &page.last_returned {
        // `SetNextLink`: base URI + path + `?after=<last id>`, then every other query pair unescaped, in order.
        let mut next = format!("{}{}?after={last}", state.settings.base_url, uri.path());
        for (k, v) in pairs.iter().filter(|(k, _)| k != "after") {
            next.push_str(&format!("&{k}={v}"));
        }
        if alternative.is_some() && subject.is_none() {
            if let Some(s) = &page.first_subject {
                next.push_str(&format!("&subject={s}"));
            }
        }
        // Unescaped values can hold bytes a header cannot; those are percent-encoded rather than dropped.
        let value = HeaderValue::from_str(&next).unwrap_or_else(|_| {
            let escaped = percent_encoding::utf8_percent_encode(&next, percent_encoding::CONTROLS).to_string();
            HeaderValue::from_str(&escaped).unwrap_or_else(|_| HeaderValue::from_static(""))
        });
        res.headers_mut().insert(NEXT_HEADER, value);
    }
    Ok(res)
}
