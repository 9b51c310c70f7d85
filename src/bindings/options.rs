//! The option objects of the JS surface: each one a struct declared with [`options!`] beside its TypeScript
//! declaration, every field read from the JS object by a reader that checks its type, so a wrong type is a
//! `ClientError` naming the option (`` `retry.retries` must be a non-negative number ``) with the refused value as
//! its `cause`, and JS objects (functions, signals, resume stores) pass through untouched as the JS values they are.
//!
//! Read by hand through `Reflect::get` rather than serde: serde-wasm-bindgen's deserializer, serde_path_to_error
//! (for the option's name in the message) and one `Deserialize` impl per options struct were 43 + 25 + 17 KB of
//! the wasm before wasm-opt (twiggy), for what is a handful of `typeof` checks per call.

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use crate::bindings::resume_stores::default_store;
use crate::download::headers::RangeSpec;
use crate::error::Error;
use crate::http::guard::Timeouts;
use crate::http::retry::RetryPolicy;
use crate::resume::Store;
use crate::track::wait::WaitOptions as Polling;
use crate::upload::tus::start::{StartOptions, DEFAULT_RETRIES};
use crate::upload::tus::transfer::Settings;

/// An options struct, read field by field from a JS object.
pub trait FromJs: Default {
    fn from_object(o: &JsValue) -> Result<Self, Error>;
}

/// Reads `options` into `T`; `undefined`, `null` and non-objects read as all defaults (as no option given).
pub fn read<T: FromJs>(options: &JsValue) -> Result<T, Error> {
    if !options.is_object() {
        return Ok(T::default());
    }
    T::from_object(options)
}

/// What a field reader refused: what the value must be, the value (the `ClientError`'s `cause`), and the nested
/// key below the option it was found under (`.retries` of `retry`).
pub struct Refused {
    suffix: String,
    must: &'static str,
    value: JsValue,
}

fn refuse(suffix: impl Into<String>, must: &'static str, value: JsValue) -> Refused {
    Refused { suffix: suffix.into(), must, value }
}

/// Reads option `name` of `o` with `read`; a refusal becomes the `ClientError` naming it. Generic over the field
/// type only (a handful of instances), not over the options struct; what does not depend on the type is in
/// [`get`] and [`refused`], out of line, so each options struct's reader is a call per field.
fn field<T>(o: &JsValue, name: &str, read: fn(Option<JsValue>) -> Result<T, Refused>) -> Result<T, Error> {
    read(get(o, name)?).map_err(|r| refused(name, r))
}

/// `o[name]`, `None` when `undefined` or `null`.
#[inline(never)]
fn get(o: &JsValue, name: &str) -> Result<Option<JsValue>, Error> {
    let v = Reflect::get(o, &JsValue::from_str(name))
        .map_err(|e| Error::client_caused(format!("`{name}` cannot be read (its getter threw)"), e))?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

#[inline(never)]
fn refused(name: &str, r: Refused) -> Error {
    Error::client_caused(format!("`{name}{}` {}", r.suffix, r.must), r.value)
}

// ---- Field readers: each gets the option's value, `None` when absent (`undefined` or `null`). ----

fn non_negative(v: &JsValue) -> Option<f64> {
    v.as_f64().filter(|n| n.is_finite() && *n >= 0.0)
}

fn number(v: Option<JsValue>) -> Result<Option<f64>, Refused> {
    v.map(|v| non_negative(&v).ok_or_else(|| refuse("", "must be a non-negative number", v))).transpose()
}

fn integer(v: Option<JsValue>) -> Result<Option<u64>, Refused> {
    v.map(|v| nested_integer(v, "")).transpose()
}

fn nested_integer(v: JsValue, suffix: &str) -> Result<u64, Refused> {
    match non_negative(&v) {
        Some(n) if n.fract() == 0.0 => Ok(n as u64),
        Some(_) => Err(refuse(suffix, "must be an integer", v)),
        None => Err(refuse(suffix, "must be a non-negative number", v)),
    }
}

fn boolean(v: Option<JsValue>) -> Result<Option<bool>, Refused> {
    v.map(|v| v.as_bool().ok_or_else(|| refuse("", "must be a boolean", v))).transpose()
}

fn string(v: Option<JsValue>) -> Result<Option<String>, Refused> {
    v.map(|v| v.as_string().ok_or_else(|| refuse("", "must be a string", v))).transpose()
}

fn function(v: Option<JsValue>) -> Result<Option<Function>, Refused> {
    v.map(|v| v.dyn_into::<Function>().map_err(|v| refuse("", "must be a function", v))).transpose()
}

fn signal(v: Option<JsValue>) -> Result<Option<AbortSignal>, Refused> {
    v.map(|v| v.dyn_into::<AbortSignal>().map_err(|v| refuse("", "must be an AbortSignal", v))).transpose()
}

/// A resume store object, or `false` for none; absent: the runtime's default store.
fn store_or_false(v: Option<JsValue>) -> Result<StoreChoice, Refused> {
    Ok(match v {
        None => StoreChoice::Default,
        Some(v) if v.as_bool() == Some(false) => StoreChoice::None,
        Some(v) => StoreChoice::Given(v),
    })
}

fn store(v: Option<JsValue>) -> Result<StoreChoice, Refused> {
    Ok(v.map_or(StoreChoice::Default, StoreChoice::Given))
}

/// `obj[key]` of a nested option object, absent when `undefined` or `null`; a getter that throws is refused (the
/// exception as the cause), as at the top level.
fn key(obj: &JsValue, key: &str) -> Result<Option<JsValue>, Refused> {
    let v = Reflect::get(obj, &JsValue::from_str(key))
        .map_err(|e| refuse(format!(".{key}"), "cannot be read (its getter threw)", e))?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

fn nested_number(obj: &JsValue, k: &str) -> Result<Option<f64>, Refused> {
    key(obj, k)?
        .map(|v| non_negative(&v).ok_or_else(|| refuse(format!(".{k}"), "must be a non-negative number", v)))
        .transpose()
}

/// Where a resumable upload is remembered.
#[derive(Default)]
pub enum StoreChoice {
    /// IndexedDB in a browser page, memory elsewhere.
    #[default]
    Default,
    /// Nowhere (`false`).
    None,
    Given(JsValue),
}

impl StoreChoice {
    /// The store to use; `None` for `false`.
    fn into_store(self) -> Result<Option<Store>, Error> {
        match self {
            StoreChoice::None => Ok(None),
            StoreChoice::Default => Store::from_js(default_store()).map(Some),
            StoreChoice::Given(v) => Store::from_js(v).map(Some),
        }
    }

    /// The store to look in (where `false` is no choice, the default store).
    pub fn or_default(self) -> Result<Store, Error> {
        match self {
            StoreChoice::Given(v) => Store::from_js(v),
            StoreChoice::Default | StoreChoice::None => Store::from_js(default_store()),
        }
    }
}

// ---- The options. ----

/// Declares an options struct: every field public, read from the JS key given before its type by the reader named
/// after `=` (which checks its type), absent fields at their default.
macro_rules! options {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$doc:meta])* $field:ident $js:literal: $ty:ty = $read:ident,)* }) => {
        $(#[$meta])*
        #[derive(Default)]
        pub struct $name {
            $($(#[$doc])* pub $field: $ty,)*
        }

        impl FromJs for $name {
            fn from_object(o: &JsValue) -> Result<Self, Error> {
                Ok(Self { $($field: field(o, $js, $read)?,)* })
            }
        }

        #[cfg(test)]
        impl $name {
            /// The JS keys read, for the test that each is declared in the TypeScript beside it.
            const KEYS: &'static [&'static str] = &[$($js),*];
        }
    };
}

#[wasm_bindgen(typescript_custom_section)]
const CLIENT_OPTIONS: &'static str = r#"
/** What the token callback is told: `refresh` is true when the previous token was refused with 401. */
export interface TokenRequest { refresh: boolean }

export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 disables). */
  retries?: number;
  /** First backoff in ms (default 250), doubled per retry, with full jitter. */
  baseDelayMs?: number;
  /** Backoff cap in ms (default 30000). A `Retry-After` from the service is honoured even above it. */
  maxDelayMs?: number;
}

export interface BrokerClientOptions {
  /** The service's base URL, e.g. `https://platform.tt02.altinn.no`, or a same-origin proxy in a browser. */
  baseUrl: string;
  /**
   * Returns a bearer token (Altinn or Maskinporten). Called before every request, and once more after a 401.
   * Omit it behind a proxy that adds the token itself (a page with `baseUrl: location.origin`): no
   * `Authorization` header is sent then, and a 401 rejects with a `BrokerError` at once.
   */
  token?: (request: TokenRequest) => Promise<string> | string;
  /** Sent as `Ocp-Apim-Subscription-Key` when an API Management gateway needs one. */
  subscriptionKey?: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Retry policy for idempotent requests and for 429/503 answers; `false` disables retries. */
  retry?: RetryOptions | false;
  /** Fail when no bytes move for this long while waiting on the network (default 60000; 0 disables). */
  stallTimeoutMs?: number;
  /** An overall deadline per call in ms (default none). */
  deadlineMs?: number;
  /**
   * Whether this runtime's `fetch` may send a `ReadableStream` body to `baseUrl`. By default: yes in Node, Deno,
   * Bun and workerd; in a browser only for an `https:` base URL where the feature test passes (Chromium needs
   * HTTP/2; Firefox never).
   */
  streamRequestBodies?: boolean;
}
"#;

options! {
    pub struct BrokerClientOptions {
        base_url "baseUrl": Option<String> = string,
        token "token": Option<Function> = function,
        subscription_key "subscriptionKey": Option<String> = string,
        fetch "fetch": Option<Function> = function,
        retry "retry": RetryPolicy = retry,
        stall_timeout_ms "stallTimeoutMs": Option<f64> = number,
        deadline_ms "deadlineMs": Option<f64> = number,
        stream_request_bodies "streamRequestBodies": Option<bool> = boolean,
    }
}

/// `RetryOptions | false` (anything else that is not an object: the defaults).
fn retry(v: Option<JsValue>) -> Result<RetryPolicy, Refused> {
    let d0 = RetryPolicy::default();
    Ok(match v {
        None => d0,
        Some(v) if v.as_bool() == Some(false) => RetryPolicy::disabled(),
        Some(v) => RetryPolicy {
            retries: nested_number(&v, "retries")?.map(|n| n as u32).unwrap_or(d0.retries),
            base_delay_ms: nested_number(&v, "baseDelayMs")?.unwrap_or(d0.base_delay_ms),
            max_delay_ms: nested_number(&v, "maxDelayMs")?.unwrap_or(d0.max_delay_ms),
        },
    })
}

impl BrokerClientOptions {
    /// The client's stall timeout (default 60 s) and deadline.
    pub fn timeouts(&self) -> Timeouts {
        Timeouts { stall_ms: Some(self.stall_timeout_ms.unwrap_or(60_000.0)), deadline_ms: self.deadline_ms }
    }
}

#[wasm_bindgen(typescript_custom_section)]
const CALL_OPTIONS: &'static str = r#"
export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's `deadlineMs` for this call. */
  deadlineMs?: number;
}
"#;

options! {
    /// What every call takes: read beside the call's own options, into the call's guard.
    pub struct CallOptions {
        signal "signal": Option<AbortSignal> = signal,
        deadline_ms "deadlineMs": Option<f64> = number,
    }
}

/// A call without options of its own.
#[derive(Default)]
pub struct NoOptions {}

impl FromJs for NoOptions {
    fn from_object(_: &JsValue) -> Result<Self, Error> {
        Ok(Self {})
    }
}

#[wasm_bindgen(typescript_custom_section)]
const UPLOAD_OPTIONS: &'static str = r#"
export interface Progress {
  /**
   * - `hash`: reading the file for its MD5 before anything is sent (`send` with a Blob or bytes);
   * - `upload`: bytes handed to the runtime's `fetch` (a tus upload: bytes the service acknowledged);
   * - `download`: bytes of a download read;
   * - `processing` (`send` only): the upload is done and the service is working on it; told once per new status
   *   polled (`UploadProcessing`, ...), with `loaded` = `total` = the bytes sent;
   * - `published` (`send` only): the transfer is `Published`, the last event before `send` resolves.
   */
  phase: "hash" | "upload" | "download" | "processing" | "published";
  loaded: number;
  total: number | null;
  /** With `processing` and `published`: the transfer's status as polled. */
  status?: FileTransferStatus;
}

export interface UploadOptions extends CallOptions {
  /** The size of a stream, when known. */
  size?: number;
  /**
   * Compute the MD5 of the bytes sent and return it as `UploadResult.md5` (default false: nothing is hashed, and
   * `md5` is absent). The same in every runtime: a stream body (Node, Deno, workerd; a browser over HTTP/2, or
   * a caller's stream) is hashed chunk by chunk as it goes; a Blob a browser sends as the Blob is read a second
   * time through its stream while it uploads; bytes are hashed as they are. The service's own checksum is not
   * involved: to have the service refuse a changed file, pass `checksum` to `initialize` (or use `send`, which
   * does).
   */
  hash?: boolean;
  /**
   * `upload` progress, byte-exact where the runtime can send a stream body (Node, Deno, workerd): the Blob then goes
   * through a counting stream, which also lets the stall timer watch the sending. Without `onProgress` and `hash`
   * a Blob goes to `fetch` as the Blob (the fastest body; no progress until the answer, and no stall timer while
   * it is sent).
   */
  onProgress?: (progress: Progress) => void;
}
"#;

options! {
    pub struct UploadOptions {
        size "size": Option<f64> = number,
        hash "hash": Option<bool> = boolean,
        on_progress "onProgress": Option<Function> = function,
    }
}

#[wasm_bindgen(typescript_custom_section)]
const WAIT_OPTIONS: &'static str = r#"
export interface WaitOptions extends CallOptions {
  /** Give up after this many ms (rejects with a `TimeoutError` of kind `'wait'`). */
  timeoutMs?: number;
  /** Polling interval (default 50 ms), kept for the first second, then growing ×1.5 up to `maxIntervalMs` (default 5000). */
  intervalMs?: number;
  maxIntervalMs?: number;
  /**
   * Pushed or polled events (`createEventFeed()`, `pollEvents(...)`): the wait runs over `watch`, and an event of
   * this transfer ends it at once (the result is still the overview, read again). A predicate is then asked at
   * each status change rather than at each poll.
   */
  events?: EventFeed;
}
"#;

options! {
    pub struct WaitOptions {
        timeout_ms "timeoutMs": Option<f64> = number,
        interval_ms "intervalMs": Option<f64> = number,
        max_interval_ms "maxIntervalMs": Option<f64> = number,
    }
}

impl WaitOptions {
    pub fn polling(&self) -> Polling {
        self.polling_from(Polling::default())
    }

    /// `send`'s wait for `Published` (see [`Polling::after_upload`]).
    pub fn polling_after_upload(&self) -> Polling {
        self.polling_from(Polling::after_upload())
    }

    fn polling_from(&self, d: Polling) -> Polling {
        Polling {
            timeout_ms: self.timeout_ms,
            interval_ms: self.interval_ms.unwrap_or(d.interval_ms),
            max_interval_ms: self.max_interval_ms.unwrap_or(d.max_interval_ms),
            ..d
        }
    }
}

#[wasm_bindgen(typescript_custom_section)]
const SEND_OPTIONS: &'static str = r#"
export interface SendOptions extends WaitOptions, ResumableSendOptions {
  /** The size of a stream, when known. */
  size?: number;
  /**
   * Compute the MD5 (default true). A Blob or bytes are read once for it before anything is sent (phase `hash`),
   * and the checksum goes with initialize, so the service refuses a file that changed on disk meanwhile; a stream
   * is hashed while it uploads and compared with the checksum the service records. `SendResult.checksum` is the
   * MD5 either way; a `checksum` in the metadata is used as given, and nothing is hashed. In Node a Blob of 16 MiB
   * or more is hashed on a worker thread (node:crypto), where Node allows workers; elsewhere, and after a worker
   * failed (its `hash` progress then starts over at 0), the wasm hashes it. The MD5 and the progress events are
   * the same.
   */
  hash?: boolean;
  /**
   * Every phase in order: `hash` (a Blob or bytes, with `hash`; at its start, every 4 MiB and at its end),
   * `upload`, `processing` (each new status while the service scans and publishes), `published`. The wait polls the overview at once after the upload, then
   * every 50 ms for a second, then growing ×1.5 up to 1 s unless `intervalMs`/`maxIntervalMs` say otherwise.
   */
  onProgress?: (progress: Progress) => void;
}

/** The options `send` takes to upload over tus (`resumable: true`) instead of one streamed POST. */
export interface ResumableSendOptions {
  /** Upload in chunks over tus: survives dropped connections, stalls, token expiry and restarts (default false). */
  resumable?: boolean;
  /** With `resumable`: bytes per PATCH (default 8 MiB). */
  chunkSize?: number;
  /** With `resumable`: partial uploads sent side by side, then joined (default 1); one upload on a server
   * without the tus `concatenation` extension (see `StartUploadOptions.parallel`). */
  parallel?: number;
  /** With `resumable`: where to remember the upload (see `StartUploadOptions`). */
  resumeStore?: ResumeStore | false;
  /** With `resumable`: failed requests in a row before giving up (default 10). */
  retries?: number;
}
"#;

options! {
    /// `send`'s own options; the wait's come from [`WaitOptions`], and with `resumable` the tus upload's from
    /// [`StartUploadOptions`], all read from the same object.
    pub struct SendOptions {
        size "size": Option<f64> = number,
        hash "hash": Option<bool> = boolean,
        on_progress "onProgress": Option<Function> = function,
        resumable "resumable": Option<bool> = boolean,
    }
}

#[wasm_bindgen(typescript_custom_section)]
const SEARCH_ALL_OPTIONS: &'static str = r#"
export interface SearchAllOptions extends CallOptions {
  /** Stop after this many ids. */
  max?: number;
}
"#;

options! {
    pub struct SearchAllOptions {
        max "max": Option<f64> = number,
    }
}

#[wasm_bindgen(typescript_custom_section)]
const DOWNLOAD_OPTIONS: &'static str = r#"
export type ByteRange = { start: number; end?: number } | { suffix: number };

export interface DownloadOptions extends CallOptions {
  range?: ByteRange;
  /** Continue a body cut by the network from the last byte received (true = 3 attempts). Default true. */
  resume?: boolean | number;
  /** Check the MD5 against the transfer's checksum (whole-file downloads only). Default false. */
  verify?: boolean;
  onProgress?: (progress: Progress) => void;
}
"#;

options! {
    pub struct DownloadOptions {
        range "range": Option<RangeSpec> = range,
        /// Attempts at continuing a cut body (absent: [`DownloadOptions::resume_attempts`]'s default).
        resume "resume": Option<u32> = resume,
        verify "verify": Option<bool> = boolean,
        on_progress "onProgress": Option<Function> = function,
    }
}

/// `resume: true` means this many attempts.
const DEFAULT_RESUME_ATTEMPTS: u32 = 3;

impl DownloadOptions {
    pub fn resume_attempts(&self) -> u32 {
        self.resume.unwrap_or(DEFAULT_RESUME_ATTEMPTS)
    }
}

/// `boolean | number` of attempts.
fn resume(v: Option<JsValue>) -> Result<Option<u32>, Refused> {
    v.map(|v| match v.as_bool() {
        Some(true) => Ok(DEFAULT_RESUME_ATTEMPTS),
        Some(false) => Ok(0),
        None => v
            .as_f64()
            .filter(|n| *n >= 0.0)
            .map(|n| n as u32)
            .ok_or_else(|| refuse("", "must be a boolean or a number of attempts", v)),
    })
    .transpose()
}

/// A `ByteRange`.
fn range(v: Option<JsValue>) -> Result<Option<RangeSpec>, Refused> {
    let Some(r) = v else { return Ok(None) };
    let int = |k: &str| key(&r, k)?.map(|v| nested_integer(v, &format!(".{k}"))).transpose();
    if let Some(n) = int("suffix")? {
        return Ok(Some(RangeSpec::Suffix(n)));
    }
    let start = int("start")?.ok_or_else(|| refuse("", "needs `start` or `suffix`", r.clone()))?;
    Ok(Some(RangeSpec::From { start, end: int("end")? }))
}

#[wasm_bindgen(typescript_custom_section)]
const START_UPLOAD_OPTIONS: &'static str = r#"
export interface StartUploadOptions {
  /** Bytes per PATCH (default 8 MiB), raised when needed to stay within the service's 50,000 chunks. */
  chunkSize?: number;
  /**
   * Partial uploads sent side by side, then joined (default 1). Needs a Blob or bytes. Asks the server's
   * `Tus-Extension` first (OPTIONS, once per client): without `concatenation` the file goes as one upload and
   * the result says `fallback: true`.
   */
  parallel?: number;
  /** Aborting pauses the upload: it stays resumable. */
  signal?: AbortSignal;
  /** Called with the bytes the service acknowledged. */
  onProgress?: (progress: Progress) => void;
  /** Where to remember the upload; default IndexedDB in a browser page, memory elsewhere; false: nowhere. */
  resumeStore?: ResumeStore | false;
  /** Give up after this many ms overall (default: the client's `deadlineMs`, else none). */
  deadlineMs?: number;
  /** Retry a request that moves no bytes for this long (default: the client's `stallTimeoutMs`). */
  stallTimeoutMs?: number;
  /** Failed requests in a row (no chunk acknowledged between them) before giving up (default 10). */
  retries?: number;
  /** The size of a stream source. */
  size?: number;
  /** A key of your own for a stream source, so it can be found again with `findResumableUploads`. */
  fingerprint?: string;
  /** Compute the MD5 of a stream source while sending it (`TusUploadResult.md5`). Default false. */
  hash?: boolean;
}
"#;

options! {
    pub struct StartUploadOptions {
        chunk_size "chunkSize": Option<u64> = integer,
        parallel "parallel": Option<u64> = integer,
        signal "signal": Option<AbortSignal> = signal,
        on_progress "onProgress": Option<Function> = function,
        resume_store "resumeStore": StoreChoice = store_or_false,
        deadline_ms "deadlineMs": Option<f64> = number,
        stall_timeout_ms "stallTimeoutMs": Option<f64> = number,
        retries "retries": Option<u64> = integer,
        size "size": Option<f64> = number,
        fingerprint "fingerprint": Option<String> = string,
        hash "hash": Option<bool> = boolean,
    }
}

impl StartUploadOptions {
    /// The engine's settings; the deadline and stall timeout default to the client's.
    pub fn into_start(self, client: Timeouts) -> Result<StartOptions, Error> {
        let parallel = u32::try_from(self.parallel.unwrap_or(1))
            .map_err(|_| Error::client(crate::upload::tus::plan::PlanError::Parallel.to_string()))?;
        Ok(StartOptions {
            settings: Settings {
                chunk_size: self.chunk_size,
                parallel,
                fingerprint_hint: self.fingerprint,
                hash: self.hash.unwrap_or(false),
            },
            store: self.resume_store.into_store()?,
            progress: self.on_progress,
            signal: self.signal,
            deadline_ms: self.deadline_ms.or(client.deadline_ms),
            stall_ms: self.stall_timeout_ms.or(client.stall_ms),
            retries: self.retries.map(|n| n.min(u64::from(u32::MAX)) as u32).unwrap_or(DEFAULT_RETRIES),
            size: self.size,
        })
    }
}

#[wasm_bindgen(typescript_custom_section)]
const FIND_RESUMABLE_OPTIONS: &'static str = r#"
export interface FindResumableOptions {
  /** Default: IndexedDB in a browser page, memory elsewhere. */
  store?: ResumeStore;
  /** The key a stream source was started with. */
  fingerprint?: string;
  /** The size of a stream source. */
  size?: number;
}
"#;

options! {
    pub struct FindResumableOptions {
        store "store": StoreChoice = store,
        fingerprint "fingerprint": Option<String> = string,
        size "size": Option<f64> = number,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Every interface declared in `sections`: its own keys (the lines indented two spaces that start with a lower-case
    /// name) and the interfaces it extends.
    fn interfaces(sections: &[&str]) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
        let mut out = BTreeMap::new();
        for text in sections {
            for decl in text.split("export interface ").skip(1) {
                let (head, body) = decl.split_once('{').unwrap();
                let body = &body[..body.find("\n}").or_else(|| body.find('}')).unwrap()];
                let mut head = head.split_whitespace();
                let name = head.next().unwrap().to_string();
                let extends = head.skip(1).map(|n| n.trim_matches(',').to_string()).collect();
                let keys = body
                    .lines()
                    .filter_map(|l| l.strip_prefix("  "))
                    .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
                    .map(|l| l.split(['?', ':', '(']).next().unwrap().to_string())
                    .collect();
                out.insert(name, (extends, keys));
            }
        }
        out
    }

    fn declared(all: &BTreeMap<String, (Vec<String>, Vec<String>)>, name: &str) -> Vec<String> {
        let (extends, keys) = &all[name];
        let mut keys = keys.clone();
        for e in extends {
            keys.extend(declared(all, e));
        }
        keys
    }

    /// The keys the readers take are the keys the `.d.ts` documents (a typo on either side would make an option
    /// silently ignored).
    #[test]
    fn every_key_read_is_declared_in_typescript() {
        // The TypeScript sections are consumed by `#[wasm_bindgen]`: read them from this file's text (its raw
        // strings).
        let sections: Vec<&str> = include_str!("options.rs")
            .split("r#\"")
            .skip(1)
            .filter_map(|s| s.split_once("\"#").map(|(ts, _)| ts))
            .collect();
        let all = interfaces(&sections);
        for (name, keys) in [
            ("BrokerClientOptions", BrokerClientOptions::KEYS),
            ("CallOptions", CallOptions::KEYS),
            ("UploadOptions", UploadOptions::KEYS),
            ("WaitOptions", WaitOptions::KEYS),
            ("SendOptions", SendOptions::KEYS),
            ("SearchAllOptions", SearchAllOptions::KEYS),
            ("DownloadOptions", DownloadOptions::KEYS),
            ("StartUploadOptions", StartUploadOptions::KEYS),
            ("FindResumableOptions", FindResumableOptions::KEYS),
        ] {
            let ts = declared(&all, name);
            for k in keys {
                assert!(ts.iter().any(|t| t == k), "{name}.{k} is read but not declared (declared: {ts:?})");
            }
        }
    }
}
