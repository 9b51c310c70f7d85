//! The event side of the surface (events-auth contract §1, contract §6): reading a pushed or polled CloudEvent
//! (`parseEvent`, `isValidationEvent`), the subscription calls and polling on `BrokerClient`, and the two things that
//! are async iterators — pages of polled events and a transfer's status changes (`watch`) — whose merging of
//! sources, timers and `return()` live in `event_pages.js` and `watch.js`, driven by the rules core gives
//! (`crate::events::order`). wasm-bindgen cannot export an async iterator; these hand one back built over this
//! client.

use altinn_broker_core::subscriptions::POLL_MAX_SIZE;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::api::events::{EventsQuery, SubscribeRequest};
use crate::bindings::args::transfer_id;
use crate::bindings::client::{wait_target, BrokerClient, Call};
use crate::bindings::options::NoOptions;
use crate::error::Error;
use crate::events::order::watch_rules;
use crate::events::parse::{self, IncomingEvent};
use crate::js::value::{data, json_text, to_js};

#[wasm_bindgen(module = "/src/bindings/watch.js")]
extern "C" {
    #[wasm_bindgen(js_name = watchTransfer)]
    fn watch_transfer(client: JsValue, file_transfer_id: &str, options: &JsValue, rules: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = waitOnWatch)]
    fn wait_on_watch(
        client: JsValue,
        file_transfer_id: &str,
        target: &JsValue,
        options: &JsValue,
        rules: &JsValue,
    ) -> Promise;
}

#[wasm_bindgen(module = "/src/bindings/event_pages.js")]
extern "C" {
    #[wasm_bindgen(js_name = eventPages)]
    fn event_pages(client: JsValue, query: &JsValue, options: &JsValue, max_page_size: u32) -> JsValue;
    #[wasm_bindgen(js_name = pollEvents)]
    fn poll_events(client: JsValue, query: &JsValue, options: &JsValue, max_page_size: u32) -> JsValue;
}

#[wasm_bindgen(typescript_custom_section)]
const EVENT_TYPES: &'static str = r#"
/** The eight Broker event types (contract §6), as Events delivers them: lower-case, whatever Broker's docs show. */
export type BrokerEventType =
  | "no.altinn.broker.filetransferinitialized"
  | "no.altinn.broker.uploadprocessing"
  | "no.altinn.broker.published"
  | "no.altinn.broker.uploadfailed"
  | "no.altinn.broker.downloadconfirmed"
  | "no.altinn.broker.allconfirmeddownloaded"
  | "no.altinn.broker.filepurged"
  | "no.altinn.broker.fileneverconfirmeddownloaded";

/** A Broker CloudEvent, pushed to a webhook or polled (events-auth §1.8). */
export interface BrokerEvent {
  kind: "broker";
  /** The CloudEvent id: the same for every delivery of one event (deduplicate on it). */
  id: string;
  /** One of the Broker types in its canonical lower-case form (matched case-insensitively), or the type as written. */
  type: BrokerEventType | (string & {});
  /** Whether `type` is one of the eight Broker types. */
  knownType: boolean;
  specversion: string;
  source: string;
  /** As the service wrote it (`…Z` after Events re-encoded it); null when absent. */
  time: string | null;
  /** `urn:altinn:resource:<resourceId>`. */
  resource: string | null;
  resourceId: string | null;
  /** `resourceinstance`: the file transfer the event is about. */
  fileTransferId: string | null;
  /** `urn:altinn:organization:identifier-no:<orgnr>`: the party the event is for. */
  subject: string | null;
  /** The subject's organisation in the `0192:` form. */
  subjectOrg: string | null;
  /** `data.Role`: the subject's role in the transfer. */
  role: "Sender" | "Recipient" | null;
  data: unknown;
}

/** The handshake Events sends to a new subscription's endpoint; every 2xx answer validates it (events-auth §1.4). */
export interface SubscriptionValidationEvent {
  kind: "validation";
  id: string;
  type: "platform.events.validatesubscription";
  specversion: string;
  source: string;
  /** The subscription's id, read from the end of `source`. */
  subscriptionId: number | null;
}

export type IncomingEvent = BrokerEvent | SubscriptionValidationEvent;

/** A webhook body: its text, its bytes, or the JSON value already parsed. */
export type EventBody = string | Uint8Array | ArrayBuffer | object;

/**
 * Reads a pushed or polled CloudEvent. A `Request` is read (its body consumed) and the result is a Promise.
 * Throws `InvalidEventError` for a body that is not a CloudEvent (not JSON, not an object, or `specversion`, `id`,
 * `source` or `type` missing); an event of an unknown type is kept (`knownType: false`), not refused.
 */
export function parseEvent(request: Request): Promise<IncomingEvent>;
export function parseEvent(body: EventBody): IncomingEvent;

/** Whether `event` (a parsed event or a body) is the subscription validation handshake. */
export function isValidationEvent(event: IncomingEvent | EventBody): event is SubscriptionValidationEvent;
"#;

#[wasm_bindgen(typescript_custom_section)]
const SUBSCRIPTIONS: &'static str = r#"
export interface SubscribeRequest {
  /** Where Events pushes: an absolute `https` URL (the emulator also takes loopback `http` with `allowHttpEndpoint`). */
  endpoint: string;
  resourceId: string;
  /** Only the events for this organisation (`0192:…`, digits or the URN); omit for every party you may see. */
  subjectOrg?: string;
  /** Only this type (short `published` or full, in either case: sent as the lower-case full name Events matches). */
  type?: BrokerEventType | string;
  /** Also the sub-units' events; needs `subjectOrg`. */
  includeSubunits?: boolean;
  /** Refused by Events for Broker resources (§1.2), as Broker's docs still prescribe it: rejected with its message. */
  sourceFilter?: string;
  /** Refused by Events for Broker resources (§1.2): rejected with its message. */
  alternativeSubjectFilter?: string;
  /** Let a loopback `http://` endpoint pass the client's check (the emulator's `--allow-http-webhooks`). */
  allowHttpEndpoint?: boolean;
}

/** A subscription as Events returns it; `validated` stays false until the endpoint answered the handshake. */
export interface Subscription {
  id: number;
  endPoint: string;
  sourceFilter?: string;
  resourceFilter?: string;
  subjectFilter?: string;
  typeFilter?: string;
  /** `/org/…`, `/organisation/…`, `/systemuser/…` or `/user/…`: who the token said the caller is. */
  consumer: string;
  createdBy: string;
  created: string;
  validated: boolean;
  includeSubunits: boolean;
}

export interface SubscriptionList { count: number; subscriptions: Subscription[] }

export interface EventsQuery {
  resourceId: string;
  /** The id of the last event seen, or `"0"` from the start. */
  after: string;
  /** Only the events for this party (an organisation as `0192:…`, digits or its URN, or a subject URN). */
  subject?: string;
  /** Only these types (Broker types short or full; anything else is an SQL LIKE pattern to the service). */
  types?: readonly string[];
  /** Events per page, 1–1000 (default 50). */
  size?: number;
}

export interface EventPage {
  events: BrokerEvent[];
  /** The service's `next` header (only on a non-empty page). */
  next: string | null;
  /** The cursor for the following page (`after`); null for an empty page: keep the one you had. */
  after: string | null;
}

export interface EventPagesOptions {
  signal?: AbortSignal;
  /** Keep polling once caught up, every `pollIntervalMs` (default false: end at the first empty page). */
  follow?: boolean;
  /** Between polls once caught up (default 10000; events become visible 30 s after they happened). */
  pollIntervalMs?: number;
}

/** A source of events for `watch`: `createEventFeed()` fed by a webhook, `client.pollEvents(...)`, or your own. */
export type EventFeed = AsyncIterable<IncomingEvent>;

export interface WatchOptions {
  /** Pushed or polled events; each event of this transfer moves the watch at once, others are ignored. */
  events?: EventFeed;
  signal?: AbortSignal;
  /** First overview poll interval (default 1000 ms; 5000 with `events`), growing ×1.5 up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  /** Default 30000 (60000 with `events`). */
  maxPollIntervalMs?: number;
}

/** One step of a transfer along the state machine. */
export interface TransferStatusChange {
  fileTransferId: string;
  status: FileTransferStatus;
  /** The status yielded before (null for the first). */
  previous: FileTransferStatus | null;
  /** What showed it: an event (pushed or polled) or a read of the overview. */
  source: "event" | "poll";
  event: BrokerEvent | null;
  overview: FileTransferOverview | null;
}

/**
 * Status changes of one transfer, each status once and only forward along the state machine (a late or repeated
 * event is absorbed); ends after a terminal status (`Purged`). `return()` (a `break` out of `for await`) stops it.
 */
export type TransferWatch = AsyncIterableIterator<TransferStatusChange>;
"#;

/// A body's text: a string, bytes, or a JSON value as `JSON.stringify` writes it.
fn body_text(body: &JsValue) -> Result<String, Error> {
    if let Some(s) = body.as_string() {
        return Ok(s);
    }
    let bytes = if let Some(b) = body.dyn_ref::<js_sys::Uint8Array>() {
        Some(b.to_vec())
    } else {
        body.dyn_ref::<js_sys::ArrayBuffer>().map(|b| js_sys::Uint8Array::new(b).to_vec())
    };
    if let Some(bytes) = bytes {
        return String::from_utf8(bytes).map_err(|_| Error::InvalidEvent("the body is not UTF-8 text".into()));
    }
    json_text(body, "event")?.ok_or_else(|| Error::InvalidEvent("the body is empty".into()))
}

fn parse_text(text: &str) -> Result<JsValue, Error> {
    let e = parse::parse_text(text).map_err(|e| Error::InvalidEvent(e.0))?;
    to_js(&e)
}

/// A `Request` (or what a server adapter hands over in its place): something with a `method` and a `text()`.
fn request_like(v: &JsValue) -> Option<js_sys::Function> {
    if !v.is_object() || v.is_instance_of::<js_sys::Uint8Array>() {
        return None;
    }
    let method = Reflect::get(v, &JsValue::from_str("method")).ok()?;
    let text = Reflect::get(v, &JsValue::from_str("text")).ok()?;
    (method.is_string()).then(|| text.dyn_into::<js_sys::Function>().ok()).flatten()
}

#[wasm_bindgen(js_name = parseEvent, skip_typescript)]
pub fn parse_event(body: JsValue) -> Result<JsValue, JsValue> {
    if let Some(text) = request_like(&body) {
        let promise = text.call0(&body)?;
        return Ok(wasm_bindgen_futures::future_to_promise(async move {
            let text = JsFuture::from(Promise::resolve(&promise)).await?;
            let text = text.as_string().ok_or_else(|| Error::InvalidEvent("the body is not text".into()))?;
            Ok(parse_text(&text)?)
        })
        .into());
    }
    Ok(parse_text(&body_text(&body)?)?)
}

#[wasm_bindgen(js_name = isValidationEvent, skip_typescript)]
pub fn is_validation_event(event: JsValue) -> bool {
    let kind = Reflect::get(&event, &JsValue::from_str("kind")).ok().and_then(|k| k.as_string());
    match kind.as_deref() {
        Some("validation") => true,
        Some("broker") => false,
        _ => body_text(&event).ok().is_some_and(|t| matches!(parse::parse_text(&t), Ok(IncomingEvent::Validation(_)))),
    }
}

/// The eight Broker event types (contract §6) as Events delivers them.
#[wasm_bindgen(js_name = brokerEventTypes, unchecked_return_type = "BrokerEventType[]")]
pub fn broker_event_types() -> Result<JsValue, JsValue> {
    let all: Vec<String> = altinn_broker_core::events::EventType::ALL.iter().map(|e| e.type_name()).collect();
    Ok(to_js(&all)?)
}

fn subscription_id(id: f64) -> Result<i64, Error> {
    if id.fract() != 0.0 || !(0.0..9.0e15).contains(&id) {
        return Err(Error::client(format!("a subscription id is a non-negative integer, not {id}")));
    }
    Ok(id as i64)
}

#[wasm_bindgen]
impl BrokerClient {
    /// Creates a subscription (`POST {platform}/events/api/v1/subscriptions`). Refused before sending, with the
    /// service's own message (`SubscriptionError`, `local: true`), when the service would refuse it; refused with a
    /// `ClientError` when the service would accept it and then deliver nothing (an empty filter, a type that is not
    /// Broker's). A new subscription gets no events until its endpoint answered the validation handshake.
    #[wasm_bindgen(unchecked_return_type = "Promise<Subscription>")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SubscribeRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            let r: SubscribeRequest = data(request, "subscription request")?;
            to_js(&c.client.subscribe(&r, &c.guard).await?)
        })
    }

    /// The caller's subscriptions, validated or not.
    #[wasm_bindgen(js_name = listSubscriptions, unchecked_return_type = "Promise<SubscriptionList>")]
    pub fn list_subscriptions(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move { to_js(&c.client.list_subscriptions(&c.guard).await?) })
    }

    /// One subscription (only its creator may read it: 403 otherwise).
    #[wasm_bindgen(js_name = getSubscription, unchecked_return_type = "Promise<Subscription>")]
    pub fn get_subscription(
        &self,
        id: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, move |c: Call<NoOptions>| async move {
            to_js(&c.client.get_subscription(subscription_id(id)?, &c.guard).await?)
        })
    }

    #[wasm_bindgen(js_name = deleteSubscription, unchecked_return_type = "Promise<void>")]
    pub fn delete_subscription(
        &self,
        id: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, move |c: Call<NoOptions>| async move {
            c.client.delete_subscription(subscription_id(id)?, &c.guard).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// One page of polled events (`GET {platform}/events/api/v1/events`). Events show 30 s after they happened;
    /// a page may be short or empty while more exist (the service drops the events the caller may not see).
    #[wasm_bindgen(unchecked_return_type = "Promise<EventPage>")]
    pub fn events(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EventsQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            let q: EventsQuery = data(query, "events query")?;
            to_js(&c.client.events(&q, &c.guard).await?)
        })
    }

    /// The non-empty pages from `query.after` on; ends when caught up, or with `follow` keeps polling. An empty
    /// page is looked past once with the largest page size, as a window of events the caller may not see comes
    /// back empty and without a cursor.
    #[wasm_bindgen(js_name = eventPages, unchecked_return_type = "AsyncIterableIterator<EventPage>")]
    pub fn event_pages(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EventsQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "EventPagesOptions")] options: JsValue,
    ) -> JsValue {
        event_pages(self.handle(), &query, &options, POLL_MAX_SIZE)
    }

    /// Every event from `query.after` on, polling until `signal` aborts: an `EventFeed` for `watch`.
    #[wasm_bindgen(js_name = pollEvents, unchecked_return_type = "AsyncIterableIterator<BrokerEvent>")]
    pub fn poll_events(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EventsQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "EventPagesOptions")] options: JsValue,
    ) -> JsValue {
        poll_events(self.handle(), &query, &options, POLL_MAX_SIZE)
    }

    /// Follows one transfer: its status changes, each once and in the state machine's order, from pushed or
    /// polled `events` and from polling its overview (with backoff), until a terminal status.
    #[wasm_bindgen(unchecked_return_type = "TransferWatch")]
    pub fn watch(
        &self,
        #[wasm_bindgen(js_name = fileTransferId, unchecked_param_type = "string")] file_transfer_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WatchOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let id = transfer_id(&file_transfer_id)?.to_string();
        let rules = to_js(&watch_rules())?;
        Ok(watch_transfer(self.handle(), &id, &options, &rules))
    }
}

impl BrokerClient {
    /// `waitFor` with `options.events`: the same wait over a watch (`watch.js`), so an event ends it at once. `None`
    /// when no events are given (the polling `waitFor` then runs as before).
    pub(super) fn wait_with_events(
        &self,
        id: &JsValue,
        target: &JsValue,
        options: &JsValue,
    ) -> Option<Result<Promise, Error>> {
        let events = Reflect::get(options, &JsValue::from_str("events")).ok()?;
        if events.is_undefined() || events.is_null() {
            return None;
        }
        Some((|| {
            let id = transfer_id(id)?.to_string();
            // The target is read as the polling wait reads it, so an unknown status is refused the same way.
            wait_target(target.clone())?;
            Ok(wait_on_watch(self.handle(), &id, target, options, &to_js(&watch_rules())?))
        })())
    }

    /// A second JS handle on this client (the same state), for the iterators to call its methods through.
    fn handle(&self) -> JsValue {
        BrokerClient { inner: self.inner.clone() }.into()
    }
}
