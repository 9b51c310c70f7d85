//! Altinn Events for Broker resources (events-auth contract §1): subscriptions (§1.2, §1.3) and polling (§1.6).
//! Events lives on the platform host beside Broker (`{platform}/events/api/v1/...`), so the client's base URL — the
//! platform's, as for every Broker call — is the base of these paths too.
//!
//! A subscription fails silently in ways the service does not refuse (an empty `typeFilter` matches nothing; a
//! type written as Broker's docs show it, `no.altinn.broker.Published`, matches nothing either), and loudly in
//! others with a JSON string literal for a body (§1.2). Both are caught here before anything is sent: the
//! service's own checks through core, and the silent ones with the client's own words.

use altinn_broker_core::events::EventType;
use altinn_broker_core::subscriptions::{
    self as core_subs, EndpointPolicy, Subscription, SubscriptionList, SubscriptionRequest, EVENTS, NEXT_HEADER,
    RESOURCE_URN_PREFIX, SUBSCRIPTION, SUBSCRIPTIONS,
};
use altinn_broker_core::OrgNumber;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::Client;
use crate::error::Error;
use crate::events::parse::{self, IncomingEvent, ORGANIZATION_URN_PREFIX};
use crate::http::guard::CallGuard;
use crate::http::retry::Replay;
use crate::http::transport::{read_json, read_text, Request};

/// `client.subscribe(...)`'s argument.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribeRequest {
    pub endpoint: Option<String>,
    pub resource_id: Option<String>,
    pub subject_org: Option<String>,
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    pub include_subunits: Option<bool>,
    /// Refused by Events for Broker resources (§1.2); read so that a caller following Broker's docs hears why.
    pub source_filter: Option<String>,
    pub alternative_subject_filter: Option<String>,
    /// Let an `http://` endpoint through the client's check (the emulator with `--allow-http-webhooks`).
    pub allow_http_endpoint: Option<bool>,
}

/// `client.events(...)`'s argument.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsQuery {
    pub resource_id: String,
    pub after: String,
    pub subject: Option<String>,
    pub types: Option<Vec<String>>,
    pub size: Option<u32>,
}

/// One page of polled events.
#[derive(Debug, Clone, Serialize)]
pub struct EventPage {
    pub events: Vec<parse::BrokerEvent>,
    /// The `next` header as the service sent it (§1.6: only on a non-empty page).
    pub next: Option<String>,
    /// The cursor for the following call: the `after` of `next`, else the last event's id; `null` for an empty page.
    pub after: Option<String>,
}

/// A Broker event type, short (`published`) or full, in any case → the full lower-case name Events matches
/// exactly (§1.2: `typeFilter` is an exact match; §1.8: the types are lower-case although the docs show
/// `Published`).
pub fn event_type_name(t: &str) -> Option<String> {
    EventType::parse(&t.to_ascii_lowercase()).map(|e| e.type_name())
}

/// An organisation in any form the client takes (`0192:…`, bare digits, the URN) → the event subject URN.
pub fn subject_urn(org: &str) -> Result<String, Error> {
    if org.starts_with("urn:") && !org.starts_with(ORGANIZATION_URN_PREFIX) {
        return Ok(org.to_owned());
    }
    let o = OrgNumber::parse_lenient(org).map_err(|e| Error::client(format!("`subjectOrg`: {e}")))?;
    Ok(format!("{ORGANIZATION_URN_PREFIX}{}", o.digits()))
}

/// The body for `r` (`SubscriptionRequestModel`, §1.2). Filters are written as the service stores and matches them:
/// the resource as `urn:altinn:resource:<id>` verbatim (the URN rule is the service's to judge, and core's below), the
/// subject as an organisation URN, a Broker type in its lower-case full name. An empty value stays empty, so that the
/// check below can name it.
pub fn subscription_request(r: &SubscribeRequest) -> Result<SubscriptionRequest, Error> {
    let subject_filter = match r.subject_org.as_deref() {
        Some(s) if s.trim().is_empty() => Some(String::new()),
        Some(s) => Some(subject_urn(s)?),
        None => None,
    };
    Ok(SubscriptionRequest {
        end_point: r.endpoint.clone(),
        source_filter: r.source_filter.clone(),
        resource_filter: r.resource_id.as_ref().map(|id| format!("{RESOURCE_URN_PREFIX}{id}")),
        subject_filter,
        alternative_subject_filter: r.alternative_subject_filter.clone(),
        type_filter: r.event_type.as_deref().map(|t| event_type_name(t).unwrap_or_else(|| t.trim().to_owned())),
        include_subunits: r.include_subunits.unwrap_or(false),
    })
}

/// What the client checks before sending: the service's own checks in its order (core's `subscriptions::validate`,
/// steps 1, 2, 4, 5 of §1.2; a refusal is the service's status and message), then what the service accepts and then
/// never delivers (core's `silent_mismatch_warnings`: an empty filter matches no event), then a type that is no
/// Broker type (`typeFilter` is an exact match, so it would match none either).
pub fn check_subscription(req: &SubscriptionRequest, allow_http_endpoint: bool) -> Result<(), Error> {
    let policy = if allow_http_endpoint { EndpointPolicy::AllowLoopbackHttp } else { EndpointPolicy::HttpsOnly };
    core_subs::validate(req, policy).map_err(|r| Error::Subscription {
        status: r.status(),
        message: r.message().unwrap_or_else(|| r.to_string()),
        local: true,
    })?;
    if let Some(w) = core_subs::silent_mismatch_warnings(req).first() {
        return Err(Error::client(format!("refused before sending: {w}")));
    }
    if let Some(t) = req.type_filter.as_deref().filter(|t| event_type_name(t).is_none()) {
        return Err(Error::client(format!(
            "refused before sending: type {t:?} is not a Broker event type, and typeFilter is an exact match, so it \
             would match no event; one of: {}",
            EventType::ALL.iter().map(|e| e.short_name()).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(())
}

/// The service's refusals of a subscription are a JSON string literal (§1.2); read one as the typed error.
fn subscription_error(e: Error) -> Error {
    match e {
        Error::Broker { status, problem: None, body: Some(body) } => match serde_json::from_str::<String>(&body) {
            Ok(message) => Error::Subscription { status, message, local: false },
            Err(_) => Error::Broker { status, problem: None, body: Some(body) },
        },
        other => other,
    }
}

/// The `after` of a `next` header (§1.6: `{base}{path}?after={id}&k=v…`, values appended unescaped).
pub fn after_of_next(next: &str) -> Option<String> {
    let query = next.split_once('?')?.1;
    query.split('&').find_map(|kv| kv.strip_prefix("after=")).filter(|a| !a.is_empty()).map(str::to_owned)
}

/// Reads a polled page's body: an array of structured CloudEvents (§1.6).
pub fn read_page(text: &str, next: Option<String>) -> Result<EventPage, Error> {
    let values: Vec<Value> = serde_json::from_str(text)
        .map_err(|e| Error::client(format!("unexpected events page from the service: {e}")))?;
    let mut events = Vec::with_capacity(values.len());
    for v in values {
        match parse::parse_value(v) {
            Ok(IncomingEvent::Broker(e)) => events.push(*e),
            Ok(IncomingEvent::Validation(_)) => {}
            Err(e) => return Err(Error::client(format!("unexpected event in the page from the service: {e}"))),
        }
    }
    let after = next.as_deref().and_then(after_of_next).or_else(|| events.last().map(|e| e.id.clone()));
    Ok(EventPage { events, next, after })
}

impl Client {
    /// `POST /events/api/v1/subscriptions`. Idempotent at the service (an identical subscription is returned with
    /// its id, §1.2), so retried like any idempotent call.
    pub async fn subscribe(&self, r: &SubscribeRequest, guard: &CallGuard) -> Result<Subscription, Error> {
        let body = subscription_request(r)?;
        check_subscription(&body, r.allow_http_endpoint.unwrap_or(false))?;
        let json = serde_json::to_string(&body).map_err(|e| Error::client(e.to_string()))?;
        let req = Request::new("POST", SUBSCRIPTIONS, Replay::Idempotent).json(json);
        let resp = self.transport.send(&req, guard).await.map_err(subscription_error)?;
        read_json(resp, guard).await
    }

    pub async fn list_subscriptions(&self, guard: &CallGuard) -> Result<SubscriptionList, Error> {
        let resp = self.transport.send(&Request::get(SUBSCRIPTIONS), guard).await.map_err(subscription_error)?;
        read_json(resp, guard).await
    }

    pub async fn get_subscription(&self, id: i64, guard: &CallGuard) -> Result<Subscription, Error> {
        let path = SUBSCRIPTION.replace("{id}", &id.to_string());
        let resp = self.transport.send(&Request::get(path), guard).await.map_err(subscription_error)?;
        read_json(resp, guard).await
    }

    /// A hard delete (§1.3); `200` with an empty body.
    pub async fn delete_subscription(&self, id: i64, guard: &CallGuard) -> Result<(), Error> {
        let path = SUBSCRIPTION.replace("{id}", &id.to_string());
        let req = Request::new("DELETE", path, Replay::Idempotent);
        self.transport.send(&req, guard).await.map_err(subscription_error).map(|_| ())
    }

    /// `GET /events/api/v1/events`: one page. Events become visible 30 s after the service registered them, and
    /// a page can be short or empty while more exist (unauthorized events are dropped after the limit, §1.6).
    pub async fn events(&self, q: &EventsQuery, guard: &CallGuard) -> Result<EventPage, Error> {
        let mut req = Request::get(EVENTS);
        req.accept = Some("application/cloudevents+json, application/json");
        req.query.push(("resource", format!("{RESOURCE_URN_PREFIX}{}", q.resource_id)));
        req.query.push(("after", q.after.clone()));
        if let Some(s) = &q.subject {
            req.query.push(("subject", subject_urn(s)?));
        }
        for t in q.types.iter().flatten() {
            // Known types in the exact form the service stores; anything else as given (the service matches
            // `type` with SQL LIKE, so `no.altinn.broker.%` is a pattern).
            req.query.push(("type", event_type_name(t).unwrap_or_else(|| t.clone())));
        }
        if let Some(size) = q.size {
            req.query.push(("size", size.to_string()));
        }
        let resp = self.transport.send(&req, guard).await?;
        let next = resp.headers().get(NEXT_HEADER).ok().flatten();
        let text = read_text(resp, guard).await?;
        read_page(&text, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(endpoint: &str, resource: &str) -> SubscribeRequest {
        SubscribeRequest { endpoint: Some(endpoint.into()), resource_id: Some(resource.into()), ..Default::default() }
    }

    #[test]
    fn the_body_of_a_subscription() {
        let r = SubscribeRequest {
            subject_org: Some("0192:991825827".into()),
            event_type: Some("Published".into()),
            ..request("https://hooks.example/broker", "my-resource")
        };
        let b = subscription_request(&r).unwrap();
        check_subscription(&b, false).unwrap();
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            serde_json::json!({
                "endPoint": "https://hooks.example/broker",
                "resourceFilter": "urn:altinn:resource:my-resource",
                "subjectFilter": "urn:altinn:organization:identifier-no:991825827",
                "typeFilter": "no.altinn.broker.published",
                "includeSubunits": false,
            })
        );
    }

    fn refusal(r: &SubscribeRequest, allow_http: bool) -> Error {
        check_subscription(&subscription_request(r).unwrap(), allow_http).unwrap_err()
    }

    #[test]
    fn the_service_checks_come_first_with_its_words() {
        use altinn_broker_core::subscriptions::{MSG_ENDPOINT, MSG_RESOURCE_URN};
        let http = request("http://127.0.0.1:9/hook", "r");
        assert!(
            matches!(refusal(&http, false), Error::Subscription { status: 400, ref message, local: true } if message == MSG_ENDPOINT)
        );
        assert!(check_subscription(&subscription_request(&http).unwrap(), true).is_ok());
        let upper = request("https://h/x", "My-Resource");
        assert!(
            matches!(refusal(&upper, false), Error::Subscription { ref message, .. } if message == MSG_RESOURCE_URN)
        );
    }

    #[test]
    fn silent_failures_refused() {
        for t in ["", " ", "no.altinn.broker.renamed"] {
            let r = SubscribeRequest { event_type: Some(t.into()), ..request("https://h/x", "r") };
            assert!(matches!(refusal(&r, false), Error::Client { .. }), "{t:?}");
        }
        let r = SubscribeRequest { subject_org: Some(String::new()), ..request("https://h/x", "r") };
        assert!(matches!(refusal(&r, false), Error::Client { .. }));
    }

    #[test]
    fn paging_cursor() {
        assert_eq!(
            after_of_next(
                "https://platform.tt02.altinn.no/events/api/v1/events?after=5e1c&resource=urn:altinn:resource:r&size=2"
            )
            .as_deref(),
            Some("5e1c")
        );
        assert_eq!(after_of_next("https://h/events/api/v1/events?resource=x"), None);
        let page = read_page("[]", None).unwrap();
        assert!(page.events.is_empty() && page.after.is_none());
    }

    #[test]
    fn server_refusal_is_typed() {
        let e = subscription_error(Error::Broker {
            status: 400,
            problem: None,
            body: Some("\"Resource filter is required.\"".into()),
        });
        assert!(
            matches!(e, Error::Subscription { status: 400, ref message, local: false } if message == "Resource filter is required.")
        );
        let e = subscription_error(Error::Broker { status: 403, problem: None, body: None });
        assert!(matches!(e, Error::Broker { status: 403, .. }));
    }
}
