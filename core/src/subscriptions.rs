//! Altinn Events as a Broker subscriber meets it (`docs/contract/events-auth-contract.md` §1): the subscription
//! request and its validation in the service's order with the service's own messages (§1.2), the `Subscription`
//! body (§1.2, §1.3), the validation handshake event (§1.4), the delivery schedule (§1.5), the polling rules (§1.6)
//! and Broker's events as Events re-encodes them (§1.8).
//!
//! The emulator answers with these and the client refuses with them before anything is sent. The two checks that
//! need the caller's token (the `altinn:events.subscribe` scope, step 3, and the PDP, step 6) sit between the
//! pure steps: [`validate_before_scope`] is steps 1–2, [`validate_after_scope`] steps 4–5, and [`validate`] all
//! four pure steps for a caller that cannot judge the token.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};

use crate::events::CloudEvent;

/// Where the Events API lives on the platform host (EV `SubscriptionController`, `EventsController` `[Route]`).
pub const EVENTS_PREFIX: &str = "/events/api/v1/";
/// `POST` (create), `GET` (list own).
pub const SUBSCRIPTIONS: &str = "/events/api/v1/subscriptions";
/// `GET`, `DELETE` one subscription (creator only).
pub const SUBSCRIPTION: &str = "/events/api/v1/subscriptions/{id}";
/// The `Location` of a created subscription: **singular** `subscription`, a path that does not exist (§1.2).
pub const LOCATION_PREFIX: &str = "/events/api/v1/subscription/";
/// `GET`: polling generic events (§1.6); `POST` is publishing (§1.7).
pub const EVENTS: &str = "/events/api/v1/events";

/// The scope a generic (non-app) subscription and polling need (§1.1).
pub const SCOPE_SUBSCRIBE: &str = "altinn:events.subscribe";
/// The prefix of a resource URN; Broker's resources are `urn:altinn:resource:<resourceId>`.
pub const RESOURCE_URN_PREFIX: &str = "urn:altinn:resource:";
/// `resourceFilter` values with this prefix (any case) are app subscriptions (EV `IsAppSubscription`).
pub const APP_RESOURCE_PREFIX: &str = "urn:altinn:resource:app_";
/// Hosts ending with this make a `sourceFilter` an app subscription (`PlatformSettings:AppsDomain`).
pub const APPS_DOMAIN: &str = "apps.altinn.no";

/// The CloudEvent `type` of the validation handshake (§1.4).
pub const VALIDATE_SUBSCRIPTION_TYPE: &str = "platform.events.validatesubscription";

// §1.2 messages, each sent as a JSON string literal (`StatusCode(400, "text")` under `Produces("application/json")`).
pub const MSG_ENDPOINT: &str = "Missing or invalid endpoint to push events towards";
pub const MSG_SOURCE_FILTER_URL: &str = "SourceFilter must be an absolute URL with the https scheme.";
pub const MSG_RESOURCE_URN: &str = "Resource filter must be a valid urn";
pub const MSG_RESOURCE_REQUIRED: &str = "Resource filter is required.";
pub const MSG_SOURCE_FILTER_UNSUPPORTED: &str = "Source filter is not supported for subscriptions on this resource.";
pub const MSG_ALTERNATIVE_SUBJECT_UNSUPPORTED: &str =
    "AlternativeSubject filter is not supported for subscriptions on this resource.";
pub const MSG_INCLUDE_SUBUNITS: &str = "IncludeSubunits requires a subject filter.";

/// `"Not authorized to create a subscription for resource <resourceFilter>."` (step 6, 403).
pub fn not_authorized_message(resource_filter: &str) -> String {
    format!("Not authorized to create a subscription for resource {resource_filter}.")
}

// §1.6 polling messages (ProblemDetails `detail`, 400).
pub const MSG_POLL_RESOURCE: &str = "The 'resource' parameter must begin with `urn:altinn:resource:`";
pub const MSG_POLL_AFTER: &str = "The 'after' parameter must be defined.";
pub const MSG_POLL_SUBJECT_AND_ALTERNATIVE: &str = "Only one of 'subject' or 'alternativeSubject' can be defined.";
/// The polling request header that filters on `alternativesubject`.
pub const ALTERNATIVE_SUBJECT_HEADER: &str = "Altinn-AlternativeSubject";
/// The polling response header that carries the next page's URL (set only on a non-empty page).
pub const NEXT_HEADER: &str = "next";
/// `size` below 1 or absent.
pub const POLL_DEFAULT_SIZE: u32 = 50;
/// `size` above this is clamped to it.
pub const POLL_MAX_SIZE: u32 = 1000;
/// An event is pollable only this long after it was registered (`registeredtime <= now() - 30 s`).
pub const POLL_VISIBILITY_DELAY: Duration = Duration::from_secs(30);

/// `size` as the service reads it: `< 1` or absent → 50, above 1000 → 1000.
pub fn clamp_poll_size(size: Option<i64>) -> u32 {
    match size {
        Some(s) if s >= 1 => u32::try_from(s.min(i64::from(POLL_MAX_SIZE))).unwrap_or(POLL_MAX_SIZE),
        _ => POLL_DEFAULT_SIZE,
    }
}

/// Waits before each delivery retry (§1.5, [code] Service Bus path = [docs]): 12 attempts in all, then dead-letter.
pub const DELIVERY_RETRY_DELAYS: [Duration; 11] = [
    Duration::from_secs(10),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(3600),
    Duration::from_secs(3 * 3600),
    Duration::from_secs(6 * 3600),
    Duration::from_secs(12 * 3600),
    Duration::from_secs(12 * 3600),
];
/// Waits before each handshake retry (§1.4, Service Bus path): 9 attempts in about 8 minutes, then given up.
pub const VALIDATION_RETRY_DELAYS: [Duration; 8] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(10),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(120),
    Duration::from_secs(120),
    Duration::from_secs(120),
];
/// The per-request timeout of a push (`EventsOutboundSettings:RequestTimeout`, §1.5).
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(45);
/// How long matching subscriptions and authorization decisions are cached (`SubscriptionCachingLifetimeInSeconds`).
pub const SUBSCRIPTION_CACHE_LIFETIME: Duration = Duration::from_secs(3600);

/// The body of `POST /subscriptions` (`SubscriptionRequestModel`). Every member is optional on the wire; the checks
/// below say which are required. Read it with [`SubscriptionRequest::from_json`] to bind member names
/// case-insensitively as ASP.NET does (`endpoint` works as well as `endPoint`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_point: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative_subject_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_filter: Option<String>,
    #[serde(default)]
    pub include_subunits: bool,
}

/// Why a body could not be bound at all (step 7: the automatic `[ApiController]` 400 ValidationProblemDetails).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BindError {
    /// The ValidationProblemDetails key (`$` for the body, `$.endPoint` for a member).
    pub field: String,
    pub message: String,
}

impl SubscriptionRequest {
    /// Binds a JSON body as ASP.NET + System.Text.Json do: member names case-insensitively, `null` as absent,
    /// unknown members ignored; a member of the wrong JSON type, or a body that is not an object, is a [`BindError`].
    pub fn from_json(body: &[u8]) -> Result<Self, BindError> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| BindError {
            field: "$".into(),
            message: format!("The JSON value could not be converted: {e}"),
        })?;
        let serde_json::Value::Object(members) = value else {
            return Err(BindError {
                field: "$".into(),
                message:
                    "The JSON value could not be converted to Altinn.Platform.Events.Models.SubscriptionRequestModel."
                        .into(),
            });
        };
        let mut out = SubscriptionRequest::default();
        for (name, v) in members {
            let lower = name.to_ascii_lowercase();
            let slot = match lower.as_str() {
                "endpoint" => &mut out.end_point,
                "sourcefilter" => &mut out.source_filter,
                "resourcefilter" => &mut out.resource_filter,
                "subjectfilter" => &mut out.subject_filter,
                "alternativesubjectfilter" => &mut out.alternative_subject_filter,
                "typefilter" => &mut out.type_filter,
                "includesubunits" => {
                    match v {
                        serde_json::Value::Bool(b) => out.include_subunits = b,
                        serde_json::Value::Null => {}
                        _ => return Err(type_error(&name, "System.Boolean")),
                    }
                    continue;
                }
                _ => continue,
            };
            match v {
                serde_json::Value::String(s) => *slot = Some(s),
                serde_json::Value::Null => *slot = None,
                _ => {
                    return Err(type_error(
                        &name,
                        if lower.ends_with("filter") { "System.String" } else { "System.Uri" },
                    ))
                }
            }
        }
        Ok(out)
    }

    /// An app subscription (`urn:altinn:resource:app_…` or a source on the apps domain); Broker's are generic.
    pub fn is_app_subscription(&self) -> bool {
        if let Some(r) = &self.resource_filter {
            if r.len() >= APP_RESOURCE_PREFIX.len()
                && r[..APP_RESOURCE_PREFIX.len()].eq_ignore_ascii_case(APP_RESOURCE_PREFIX)
            {
                return true;
            }
        }
        match self.source_filter.as_deref().and_then(parse_absolute) {
            Some(u) => u.host.to_ascii_lowercase().ends_with(APPS_DOMAIN),
            None => false,
        }
    }
}

fn type_error(member: &str, target: &str) -> BindError {
    BindError { field: format!("$.{member}"), message: format!("The JSON value could not be converted to {target}.") }
}

/// Which webhook endpoints are acceptable. The real service takes only `https`; the emulator, started with
/// `--allow-http-webhooks`, also takes `http` to a loopback host so tests need no certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointPolicy {
    #[default]
    HttpsOnly,
    AllowLoopbackHttp,
}

/// A refused subscription request: the status and body the service answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionRejection {
    #[error("{MSG_ENDPOINT}")]
    InvalidEndpoint,
    #[error("{MSG_SOURCE_FILTER_URL}")]
    InvalidSourceFilter,
    /// Step 3: a generic subscription without `altinn:events.subscribe` (403, empty body).
    #[error("the token lacks the scope altinn:events.subscribe")]
    MissingScope,
    #[error("{MSG_RESOURCE_URN}")]
    InvalidResourceUrn,
    #[error("{MSG_RESOURCE_REQUIRED}")]
    ResourceRequired,
    #[error("{MSG_SOURCE_FILTER_UNSUPPORTED}")]
    SourceFilterUnsupported,
    #[error("{MSG_ALTERNATIVE_SUBJECT_UNSUPPORTED}")]
    AlternativeSubjectUnsupported,
    #[error("{MSG_INCLUDE_SUBUNITS}")]
    IncludeSubunitsRequiresSubject,
    /// Step 6: the PDP did not permit `subscribe`; carries the `resourceFilter` (403).
    #[error("Not authorized to create a subscription for resource {0}.")]
    NotAuthorized(String),
}

impl SubscriptionRejection {
    pub fn status(&self) -> u16 {
        match self {
            Self::MissingScope | Self::NotAuthorized(_) => 403,
            _ => 400,
        }
    }

    /// The body's text (sent as a JSON string literal), or `None` for the empty 403 of step 3.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::MissingScope => None,
            other => Some(other.to_string()),
        }
    }
}

/// Steps 1–2: the endpoint, then a `sourceFilter` that is not an absolute https URL.
pub fn validate_before_scope(req: &SubscriptionRequest, policy: EndpointPolicy) -> Result<(), SubscriptionRejection> {
    if !is_acceptable_endpoint(req.end_point.as_deref(), policy) {
        return Err(SubscriptionRejection::InvalidEndpoint);
    }
    if let Some(s) = &req.source_filter {
        if !parse_absolute(s).is_some_and(|u| u.scheme.eq_ignore_ascii_case("https")) {
            return Err(SubscriptionRejection::InvalidSourceFilter);
        }
    }
    Ok(())
}

/// Steps 4–5 for a generic subscription: the URN rule, then `GenericSubscriptionService.ValidateSubscription`.
pub fn validate_after_scope(req: &SubscriptionRequest) -> Result<(), SubscriptionRejection> {
    if let Some(r) = &req.resource_filter {
        if !is_valid_urn(r) {
            return Err(SubscriptionRejection::InvalidResourceUrn);
        }
    }
    if req.resource_filter.as_deref().is_none_or(str::is_empty) {
        return Err(SubscriptionRejection::ResourceRequired);
    }
    if req.source_filter.is_some() {
        return Err(SubscriptionRejection::SourceFilterUnsupported);
    }
    if req.alternative_subject_filter.as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(SubscriptionRejection::AlternativeSubjectUnsupported);
    }
    if req.include_subunits && req.subject_filter.as_deref().is_none_or(str::is_empty) {
        return Err(SubscriptionRejection::IncludeSubunitsRequiresSubject);
    }
    Ok(())
}

/// Every step that needs no token (1, 2, 4, 5), in the service's order: what a client can check before sending.
pub fn validate(req: &SubscriptionRequest, policy: EndpointPolicy) -> Result<(), SubscriptionRejection> {
    validate_before_scope(req, policy)?;
    validate_after_scope(req)
}

/// Filters that are accepted but silently useless (§1.2 warnings, §6): an empty `typeFilter` or `subjectFilter`
/// matches nothing, because the service compares them with `=`. Not a service rule: a client may warn or refuse.
pub fn silent_mismatch_warnings(req: &SubscriptionRequest) -> Vec<&'static str> {
    let mut out = Vec::new();
    if req.type_filter.as_deref() == Some("") {
        out.push("typeFilter is an empty string: it matches no event (omit it to receive every type)");
    }
    if req.subject_filter.as_deref() == Some("") {
        out.push("subjectFilter is an empty string: it matches no event (omit it or give an organization URN)");
    }
    if let Some(t) = req.type_filter.as_deref() {
        if t != t.to_ascii_lowercase() {
            out.push("typeFilter has upper-case letters: Broker's types are lower-case (no.altinn.broker.published)");
        }
    }
    out
}

/// The URN rule (EV `UriExtensions`): well-formed as an absolute URI and matching
/// `^urn:[a-z0-9-]{1,30}(:[a-z0-9()+,.\-;$_!\/]{1,100}){1,10}$` — lower case only.
pub fn is_valid_urn(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("urn:") else { return false };
    let mut parts = rest.split(':');
    let Some(nid) = parts.next() else { return false };
    if nid.is_empty()
        || nid.len() > 30
        || !nid.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return false;
    }
    let mut count = 0;
    for p in parts {
        count += 1;
        if p.is_empty() || p.len() > 100 || !p.bytes().all(is_urn_part_byte) {
            return false;
        }
    }
    (1..=10).contains(&count)
}

fn is_urn_part_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b"()+,.-;$_!/".contains(&b)
}

/// The parts of an absolute URL the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsoluteUrl<'a> {
    pub scheme: &'a str,
    /// The host without port and brackets kept for IPv6 (`[::1]`).
    pub host: &'a str,
}

/// A `scheme://host[:port][/…]` URL, as `Uri.TryCreate(…, UriKind.Absolute)` takes a web URL: a scheme of
/// letters, digits, `+`, `-`, `.`; a non-empty host; no white space or control characters.
pub fn parse_absolute(s: &str) -> Option<AbsoluteUrl<'_>> {
    let s = s.trim();
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (scheme, rest) = s.split_once("://")?;
    let mut chars = scheme.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        let end = host_port.find(']')?;
        &host_port[..=end]
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return None;
    }
    Some(AbsoluteUrl { scheme, host })
}

/// `127.0.0.0/8`, `localhost` or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host
            .strip_prefix("127.")
            .is_some_and(|r| r.split('.').count() == 3 && r.split('.').all(|p| p.parse::<u8>().is_ok()))
}

/// Step 1: present, absolute, `https` — or `http` to a loopback host under [`EndpointPolicy::AllowLoopbackHttp`].
pub fn is_acceptable_endpoint(endpoint: Option<&str>, policy: EndpointPolicy) -> bool {
    let Some(u) = endpoint.and_then(parse_absolute) else { return false };
    u.scheme.eq_ignore_ascii_case("https")
        || (policy == EndpointPolicy::AllowLoopbackHttp
            && u.scheme.eq_ignore_ascii_case("http")
            && is_loopback_host(u.host))
}

/// A stored subscription as the service writes it (camelCase, null members omitted, `includeSubunits` always).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    pub id: i64,
    pub end_point: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_filter: Option<String>,
    /// `/org/…`, `/organisation/…`, `/systemuser/…` or `/user/…` (§1.2).
    pub consumer: String,
    pub created_by: String,
    /// UTC with a `Z`, e.g. `2023-04-05T13:57:11.234994Z`.
    pub created: String,
    /// `false` until the handshake succeeds.
    pub validated: bool,
    pub include_subunits: bool,
}

/// `GET /subscriptions`: the caller's subscriptions, validated or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionList {
    pub count: usize,
    pub subscriptions: Vec<Subscription>,
}

/// The handshake event (§1.4): exactly these four attributes, `specversion` first. `events_base` is the Events API
/// base ending in `/events/api/v1/` (`PlatformSettings:ApiEventsEndpoint`).
pub fn validation_event(events_base: &str, subscription_id: i64, event_id: &str) -> String {
    let source = format!("{events_base}subscriptions/{subscription_id}");
    let mut w = OrderedJson::default();
    w.member("specversion", &"1.0");
    w.member("id", &event_id);
    w.member("source", &source);
    w.member("type", &VALIDATE_SUBSCRIPTION_TYPE);
    w.finish()
}

/// A JSON object written member by member in the order given (serde_json's own map sorts its keys here).
#[derive(Default)]
struct OrderedJson(String);

impl OrderedJson {
    fn member<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        self.0.push_str(&serde_json::to_string(name).unwrap_or_default());
        self.0.push(':');
        self.0.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "null".into()));
    }

    fn finish(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

/// Whether a received CloudEvent JSON is the handshake.
pub fn is_validation_event(event: &serde_json::Value) -> bool {
    event.get("type").and_then(serde_json::Value::as_str) == Some(VALIDATE_SUBSCRIPTION_TYPE)
}

/// A UTC time as the CloudEvents SDK writes it (CE `Timestamps.Format`): `Z`, and 0, 3, 6 or 7 fractional digits,
/// the fewest that lose nothing.
pub fn format_time_z(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let ticks = t.nanosecond() / 100; // .NET keeps 100 ns ticks
    let mut out = String::with_capacity(32);
    crate::timestamp::write_date_time(&mut out, t);
    let frac = match ticks {
        0 => String::new(),
        t if t % 10_000 == 0 => format!(".{:03}", t / 10_000),
        t if t % 10 == 0 => format!(".{:06}", t / 10),
        t => format!(".{t:07}"),
    };
    out.push_str(&frac);
    out.push('Z');
    out
}

/// A Broker event as a subscriber receives it, pushed or polled (§1.8): Events decodes Broker's event and writes
/// it again with the CE formatter — JSON-null attributes dropped, `datacontenttype: application/json` added when
/// `data` is present, `time` in `Z` form. Member order follows the CE formatter (`specversion` first, then as set).
pub fn reencode(event: &CloudEvent) -> String {
    let mut w = OrderedJson::default();
    w.member("specversion", &event.specversion);
    w.member("id", &event.id);
    w.member("type", &event.event_type.type_name());
    w.member("time", &format_time_z(event.time));
    w.member("resource", &event.resource);
    w.member("resourceinstance", &event.resourceinstance);
    if let Some(s) = &event.subject {
        w.member("subject", s);
    }
    w.member("source", &event.source);
    if let Some(d) = &event.data {
        w.member("datacontenttype", "application/json");
        w.member("data", d);
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broker(endpoint: &str) -> SubscriptionRequest {
        SubscriptionRequest {
            end_point: Some(endpoint.into()),
            resource_filter: Some("urn:altinn:resource:altinn-broker-test-resource-1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn order_and_messages() {
        let ok = broker("https://example.com/hook");
        assert_eq!(validate(&ok, EndpointPolicy::HttpsOnly), Ok(()));
        // Step 1 before everything else.
        let mut r = SubscriptionRequest { source_filter: Some("nope".into()), ..broker("http://example.com/") };
        assert_eq!(validate(&r, EndpointPolicy::HttpsOnly), Err(SubscriptionRejection::InvalidEndpoint));
        r.end_point = Some("https://example.com/".into());
        assert_eq!(validate(&r, EndpointPolicy::HttpsOnly), Err(SubscriptionRejection::InvalidSourceFilter));
        r.source_filter = Some("https://example.com/src".into());
        assert_eq!(validate(&r, EndpointPolicy::HttpsOnly), Err(SubscriptionRejection::SourceFilterUnsupported));
        let upper = SubscriptionRequest {
            resource_filter: Some("urn:altinn:resource:Upper".into()),
            ..broker("https://example.com/")
        };
        assert_eq!(validate(&upper, EndpointPolicy::HttpsOnly), Err(SubscriptionRejection::InvalidResourceUrn));
        let none = SubscriptionRequest { resource_filter: None, ..broker("https://example.com/") };
        assert_eq!(validate(&none, EndpointPolicy::HttpsOnly), Err(SubscriptionRejection::ResourceRequired));
        let alt = SubscriptionRequest { alternative_subject_filter: Some("/org/x".into()), ..ok.clone() };
        assert_eq!(
            validate(&alt, EndpointPolicy::HttpsOnly),
            Err(SubscriptionRejection::AlternativeSubjectUnsupported)
        );
        let sub = SubscriptionRequest { include_subunits: true, ..ok.clone() };
        assert_eq!(
            validate(&sub, EndpointPolicy::HttpsOnly),
            Err(SubscriptionRejection::IncludeSubunitsRequiresSubject)
        );
        assert_eq!(
            SubscriptionRejection::NotAuthorized("urn:altinn:resource:x".into()).message().as_deref(),
            Some("Not authorized to create a subscription for resource urn:altinn:resource:x.")
        );
        assert_eq!(SubscriptionRejection::MissingScope.message(), None);
    }

    #[test]
    fn loopback_http_only_with_the_policy() {
        for e in ["http://127.0.0.1:8080/hook", "http://localhost/x", "http://[::1]:9/"] {
            assert!(!is_acceptable_endpoint(Some(e), EndpointPolicy::HttpsOnly), "{e}");
            assert!(is_acceptable_endpoint(Some(e), EndpointPolicy::AllowLoopbackHttp), "{e}");
        }
        assert!(!is_acceptable_endpoint(Some("http://example.com/"), EndpointPolicy::AllowLoopbackHttp));
        assert!(!is_acceptable_endpoint(Some("/relative"), EndpointPolicy::AllowLoopbackHttp));
        assert!(!is_acceptable_endpoint(None, EndpointPolicy::AllowLoopbackHttp));
    }

    #[test]
    fn urn_rule() {
        assert!(is_valid_urn("urn:altinn:resource:altinn-broker-test-resource-1"));
        assert!(!is_valid_urn("urn:altinn:resource:Altinn"));
        assert!(!is_valid_urn("urn:altinn"));
        assert!(!is_valid_urn("urn:altinn:resource:a b"));
    }

    #[test]
    fn binds_case_insensitively() {
        let r = SubscriptionRequest::from_json(
            br#"{"endpoint":"https://x/","RESOURCEFILTER":"urn:a:b","typeFilter":null}"#,
        )
        .unwrap();
        assert_eq!(r.end_point.as_deref(), Some("https://x/"));
        assert_eq!(r.resource_filter.as_deref(), Some("urn:a:b"));
        assert!(SubscriptionRequest::from_json(b"[1]").is_err());
        assert!(SubscriptionRequest::from_json(br#"{"includeSubunits":"yes"}"#).is_err());
    }

    #[test]
    fn time_z_form() {
        let t = crate::timestamp::parse("2026-08-18T11:40:51.1234567+00:00").unwrap();
        assert_eq!(format_time_z(t), "2026-08-18T11:40:51.1234567Z");
        let t = crate::timestamp::parse("2026-08-18T11:40:51.120+00:00").unwrap();
        assert_eq!(format_time_z(t), "2026-08-18T11:40:51.120Z");
        let t = crate::timestamp::parse("2026-08-18T11:40:51.123456+00:00").unwrap();
        assert_eq!(format_time_z(t), "2026-08-18T11:40:51.123456Z");
        let t = crate::timestamp::parse("2026-08-18T11:40:51+00:00").unwrap();
        assert_eq!(format_time_z(t), "2026-08-18T11:40:51Z");
    }

    #[test]
    fn handshake_shape() {
        let e = validation_event("https://platform.altinn.no/events/api/v1/", 1234, "g");
        assert_eq!(
            e,
            r#"{"specversion":"1.0","id":"g","source":"https://platform.altinn.no/events/api/v1/subscriptions/1234","type":"platform.events.validatesubscription"}"#
        );
    }
}
