//! Altinn Events for Broker resources (events-auth contract §1): creating, reading and deleting subscriptions in
//! the service's order of checks, and the polling feed. Pushes (handshake and events) are queued here and sent by
//! `jobs::deliver`.

use altinn_broker_core::subscriptions::{
    self as contract, Subscription, SubscriptionRejection, SubscriptionRequest, RESOURCE_URN_PREFIX,
};
use axum::http::{HeaderMap, StatusCode};
use uuid::Uuid;

use crate::auth::events_consumer::{self, EventsCaller};
use crate::auth::pdp;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::subscriptions::{self as store, DeliveryKind};

/// 401 as Events' JwtCookie scheme answers it.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<EventsCaller, AppError> {
    Ok(events_consumer::authenticate(&state.auth, headers, state.clock.now())?)
}

fn rejection(r: SubscriptionRejection) -> AppError {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
    match r.message() {
        Some(m) => AppError::JsonString(status, m),
        None => AppError::Forbidden,
    }
}

/// The resource id a `resourceFilter` names (`urn:altinn:resource:<id>`).
fn resource_id(resource_filter: &str) -> Option<&str> {
    resource_filter.strip_prefix(RESOURCE_URN_PREFIX)
}

/// `POST /subscriptions` (§1.2): validation in the service's order, then the existing identical subscription or a
/// new unvalidated one, and either way a handshake queued (§1.4).
pub fn create(state: &AppState, caller: &EventsCaller, req: &SubscriptionRequest) -> Result<Subscription, AppError> {
    contract::validate_before_scope(req, state.settings.endpoint_policy()).map_err(rejection)?;
    if !req.is_app_subscription() && !caller.caller.has_scope(contract::SCOPE_SUBSCRIBE) {
        return Err(rejection(SubscriptionRejection::MissingScope));
    }
    if req.is_app_subscription() {
        // App subscriptions (Altinn Studio apps) are not Broker's; the emulator has no apps to authorize against.
        let filter = req.resource_filter.clone().unwrap_or_default();
        return Err(rejection(SubscriptionRejection::NotAuthorized(filter)));
    }
    contract::validate_after_scope(req).map_err(rejection)?;
    let filter = req.resource_filter.clone().unwrap_or_default();
    let resource = match resource_id(&filter) {
        Some(id) => crate::store::resources::get(&*state.store.conn()?, id)?,
        None => None,
    };
    if !pdp::permit_subscribe(&state.world, resource.as_ref(), caller.caller.org, req.subject_filter.as_deref()) {
        return Err(rejection(SubscriptionRejection::NotAuthorized(filter)));
    }
    // Events stores the consumer the token names; a token that names none cannot own a subscription.
    let consumer = caller.consumer.clone().ok_or(AppError::Forbidden)?;
    let end_point = req.end_point.clone().unwrap_or_default();
    let now = state.clock.now();
    let subscription = state.store.tx(|tx| {
        let s = match store::find_same(tx, req, &consumer)? {
            Some(existing) => existing,
            None => store::insert(tx, req, &end_point, &consumer, caller.caller.org.as_ref(), now)?,
        };
        let id = Uuid::new_v4().hyphenated().to_string();
        let body = contract::validation_event(&state.settings.events_base(), s.id, &id);
        store::enqueue(tx, &s, DeliveryKind::Validation, &id, &body, now)?;
        Ok(s)
    })?;
    state.events_changed.notify_one();
    Ok(subscription)
}

/// `GET`/`DELETE /subscriptions/{id}`: 404 unknown, 403 (empty) when the caller is not its creator.
pub fn own(state: &AppState, caller: &EventsCaller, id: i64) -> Result<Subscription, AppError> {
    let s = store::get(&*state.store.conn()?, id)?.ok_or(AppError::Empty(StatusCode::NOT_FOUND))?;
    if caller.consumer.as_deref() != Some(s.created_by.as_str()) {
        return Err(AppError::Forbidden);
    }
    Ok(s)
}

pub fn list(state: &AppState, caller: &EventsCaller) -> Result<Vec<Subscription>, AppError> {
    match &caller.consumer {
        Some(c) => store::list(&*state.store.conn()?, Some(c)),
        None => Ok(Vec::new()),
    }
}

pub fn delete(state: &AppState, caller: &EventsCaller, id: i64) -> Result<(), AppError> {
    own(state, caller, id)?;
    store::delete(&*state.store.conn()?, id)?;
    Ok(())
}

/// A page of the polling feed (§1.6).
pub struct Page {
    /// Each event as Events writes it (§1.8).
    pub events: Vec<String>,
    /// The id of the last returned event: the `next` cursor (none on an empty page, §1.6).
    pub last_returned: Option<String>,
    /// The first returned event's subject (for `next` when only the alternative-subject header was used).
    pub first_subject: Option<String>,
}

/// What `GET /events` asks for, already checked.
pub struct PollQuery<'a> {
    pub resource: &'a str,
    pub after: &'a str,
    pub subject: Option<&'a str>,
    pub alternative_subject: Option<&'a str>,
    pub types: &'a [String],
    pub size: u32,
}

/// `getevents_v2` then `AuthorizeEvents`: events of the resource after `after` (an unknown id means from the start),
/// at least the (scaled) 30 s old, filtered, `size` of them in `seq` order; then each one the caller may not
/// `subscribe` to is dropped, so a page may be short or empty while more exist.
pub fn poll(state: &AppState, caller: &EventsCaller, q: &PollQuery<'_>) -> Result<Page, AppError> {
    let now = state.clock.now();
    let visible_until = now - state.settings.events_delay(contract::POLL_VISIBILITY_DELAY);
    let conn = state.store.conn()?;
    let mut cursor = crate::store::events::seq_of(&conn, q.after)?.unwrap_or(0);
    let mut selected = Vec::new();
    'scan: loop {
        let batch = crate::store::events::of_resource_after(&conn, q.resource, cursor, 500)?;
        if batch.is_empty() {
            break;
        }
        for (seq, e) in batch {
            cursor = seq;
            if e.time > visible_until {
                // Recorded in time order: nothing later is old enough either.
                break 'scan;
            }
            let type_name = e.event_type.type_name();
            let matches = q.subject.is_none_or(|s| e.subject.as_deref() == Some(s))
                // Broker's events carry no `alternativesubject`, so that filter matches none of them.
                && q.alternative_subject.is_none()
                && (q.types.is_empty() || q.types.iter().any(|t| sql_like(&type_name, t)));
            if matches {
                selected.push(e);
                if selected.len() >= q.size as usize {
                    break 'scan;
                }
            }
        }
    }
    let resource = crate::store::resources::get(&conn, q.resource.strip_prefix(RESOURCE_URN_PREFIX).unwrap_or(""))?;
    drop(conn);
    let authorized: Vec<_> = selected
        .into_iter()
        .filter(|e| pdp::permit_subscribe(&state.world, resource.as_ref(), caller.caller.org, e.subject.as_deref()))
        .collect();
    Ok(Page {
        last_returned: authorized.last().map(|e| e.id.clone()),
        first_subject: authorized.first().and_then(|e| e.subject.clone()),
        events: authorized.iter().map(contract::reencode).collect(),
    })
}

/// PostgreSQL `LIKE` (case-sensitive): `%` any run, `_` one character, `\` escapes.
pub fn sql_like(text: &str, pattern: &str) -> bool {
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some(('\\', rest)) if !rest.is_empty() => t.first() == Some(&rest[0]) && go(&t[1..], &rest[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest),
        }
    }
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&t, &p)
}

/// The replay hook: `event_id` queued again, now, for `subscription_id` (validated or not: a test asks for it).
pub fn replay(state: &AppState, subscription_id: i64, event_id: &str) -> Result<Option<i64>, AppError> {
    let now = state.clock.now();
    let id = state.store.tx(|tx| {
        let Some(s) = store::get(tx, subscription_id)? else { return Ok(None) };
        let Some(e) = crate::store::events::by_id(tx, event_id)? else { return Ok(None) };
        Ok(Some(store::enqueue(tx, &s, DeliveryKind::Replay, &e.id, &contract::reencode(&e), now)?))
    })?;
    state.events_changed.notify_one();
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::sql_like;

    #[test]
    fn like_wildcards() {
        assert!(sql_like("no.altinn.broker.published", "no.altinn.broker.published"));
        assert!(sql_like("no.altinn.broker.published", "no.altinn.broker.%"));
        assert!(sql_like("no.altinn.broker.published", "%publish_d"));
        assert!(!sql_like("no.altinn.broker.published", "no.altinn.broker.Published"));
        assert!(!sql_like("no.altinn.broker.published", "published"));
    }
}
