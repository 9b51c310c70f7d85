//! Altinn 3 Broker client for JavaScript runtimes (browser, Web Worker, Node, workerd, Deno), built with
//! wasm-bindgen.
//!
//! This file is only the JS surface: each method reads its arguments, makes a [`CallGuard`] and delegates to
//! [`client::Client`]. The work happens in [`http`], [`api`], [`upload`], [`download`] and [`track`]; the contract
//! itself (model, statuses, rules) comes from `altinn-broker-core`.

pub mod api;
pub mod client;
pub mod download;
pub mod error;
pub mod http;
pub mod js;
pub mod resume;
pub mod track;
pub mod upload;

pub use crate::resume::memory_resume_store; // TEMP root re-export for tests (C1's refactor provides it)
pub use crate::upload::tus::handle::TusUpload; // TEMP root re-export for tests (C1's refactor provides it)

use std::future::Future;
use std::rc::Rc;

use altinn_broker_core::model::{
    FileTransferDetails, FileTransferOverview, InitializeRequest, MonthlyStatisticsQuery, ResourceConfig, SearchQuery,
};
use altinn_broker_core::{actions, timeline as history, transitions, FileTransferStatus, OrgNumber, RecipientStatus};
use js_sys::{Object, Promise, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::client::Client;
use crate::download::headers::RangeSpec;
use crate::error::Error;
use crate::http::auth::TokenProvider;
use crate::http::guard::{CallGuard, Timeouts};
use crate::http::retry::RetryPolicy;
use crate::http::transport::Transport;
use crate::js::options::{self as opt, to_js};
use crate::track::wait::{Target, WaitOptions};
use crate::upload::source::Source;

/// Runs `f` as a JS promise that rejects with the client's typed errors.
fn promise<F>(f: F) -> Promise
where
    F: Future<Output = Result<JsValue, Error>> + 'static,
{
    wasm_bindgen_futures::future_to_promise(async move { f.await.map_err(JsValue::from) })
}

/// A client of one Broker.
#[wasm_bindgen]
pub struct BrokerClient {
    inner: Rc<Client>,
}

fn guard(c: &Client, options: &JsValue) -> Result<CallGuard, Error> {
    c.transport.guard(opt::signal(options)?, opt::number(options, "deadlineMs")?)
}

fn transfer_id(id: &str) -> Result<altinn_broker_core::FileTransferId, Error> {
    api::transfer_id(id)
}

/// Reads a search query, accepting `Date` objects for `from`/`to`.
fn search_query(v: JsValue) -> Result<SearchQuery, Error> {
    if !v.is_object() {
        return Err(Error::client_caused("the search query must be an object", v));
    }
    let copy = Object::assign(&Object::new(), v.unchecked_ref());
    for k in ["from", "to"] {
        if let Some(d) = opt::get(&copy, k).and_then(|d| d.dyn_into::<js_sys::Date>().ok()) {
            let _ = Reflect::set(&copy, &JsValue::from_str(k), &d.to_iso_string());
        }
    }
    opt::data(copy.into(), "search query")
}

fn wait_options(options: &JsValue) -> Result<WaitOptions, Error> {
    let d = WaitOptions::default();
    Ok(WaitOptions {
        timeout_ms: opt::number(options, "timeoutMs")?,
        interval_ms: opt::number(options, "intervalMs")?.unwrap_or(d.interval_ms),
        max_interval_ms: opt::number(options, "maxIntervalMs")?.unwrap_or(d.max_interval_ms),
    })
}

fn wait_target(v: JsValue) -> Result<Target, Error> {
    if let Some(f) = v.dyn_ref::<js_sys::Function>() {
        return Ok(Target::Predicate(f.clone()));
    }
    let names: Vec<String> =
        if js_sys::Array::is_array(&v) { opt::data(v, "statuses")? } else { vec![opt::data(v, "status")?] };
    let statuses = names
        .iter()
        .map(|n| FileTransferStatus::parse(n).ok_or_else(|| Error::client(format!("unknown status {n:?}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Target::Statuses(statuses))
}

fn range_spec(options: &JsValue) -> Result<Option<RangeSpec>, Error> {
    let Some(r) = opt::get(options, "range") else { return Ok(None) };
    let int = |k: &str| -> Result<Option<u64>, Error> {
        opt::number(&r, k)?
            .map(|n| {
                if n.fract() == 0.0 {
                    Ok(n as u64)
                } else {
                    Err(Error::client(format!("range.{k} must be an integer")))
                }
            })
            .transpose()
    };
    if let Some(n) = int("suffix")? {
        return Ok(Some(RangeSpec::Suffix(n)));
    }
    let start = int("start")?.ok_or_else(|| Error::client("range needs `start` or `suffix`"))?;
    Ok(Some(RangeSpec::From { start, end: int("end")? }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UploadResult {
    file_transfer_id: String,
    size: f64,
    md5: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendResult {
    file_transfer_id: String,
    checksum: Option<String>,
    size: f64,
    overview: FileTransferOverview,
}

#[wasm_bindgen]
impl BrokerClient {
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "BrokerClientOptions")] options: JsValue,
    ) -> Result<BrokerClient, JsValue> {
        Ok(Self { inner: Rc::new(build_client(&options)?) })
    }

    /// Creates a transfer (`POST /filetransfer`) and resolves to its id. The sender is sent in the `0192:` form.
    /// Never retried automatically: if the answer is lost, search by `sendersFileTransferReference` before trying again.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn initialize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "InitializeRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let req: InitializeRequest = opt::data(request, "initialize request")?;
            let g = guard(&c, &options)?;
            Ok(c.initialize(req, &g).await?.to_string().into())
        })
    }

    /// Uploads the file of an initialized transfer, streamed (`POST /filetransfer/{id}/upload`).
    #[wasm_bindgen(unchecked_return_type = "Promise<UploadResult>")]
    pub fn upload(
        &self,
        #[wasm_bindgen(js_name = fileTransferId)] file_transfer_id: String,
        #[wasm_bindgen(unchecked_param_type = "UploadSource")] file: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "UploadOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let id = transfer_id(&file_transfer_id)?;
            let source = Source::from_js(file, opt::number(&options, "size")?)?;
            let hash = opt::boolean(&options, "hash")?.unwrap_or(true);
            let g = guard(&c, &options)?;
            let up = c.upload(id, &source, hash, opt::function(&options, "onProgress")?, &g).await?;
            to_js(&UploadResult { file_transfer_id: id.to_string(), size: up.size, md5: up.md5 })
        })
    }

    /// Creates a transfer and uploads its file in one multipart request (a Blob or bytes, at most 2 GiB).
    #[wasm_bindgen(js_name = initializeAndUpload, unchecked_return_type = "Promise<string>")]
    pub fn initialize_and_upload(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Blob | Uint8Array | ArrayBuffer")] file: JsValue,
        #[wasm_bindgen(unchecked_param_type = "InitializeRequest")] metadata: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let source = Source::from_js(file, None)?;
            let meta: InitializeRequest = opt::data(metadata, "initialize request")?;
            let g = guard(&c, &options)?;
            Ok(c.initialize_and_upload(&source, meta, &g).await?.to_string().into())
        })
    }

    /// Hash → initialize → upload → wait for `Published`. Rejects with a `TransferFailedError` carrying the
    /// status text when the transfer ends `Failed` (checksum mismatch, malware).
    #[wasm_bindgen(unchecked_return_type = "Promise<SendResult>")]
    pub fn send(
        &self,
        #[wasm_bindgen(unchecked_param_type = "UploadSource")] file: JsValue,
        #[wasm_bindgen(unchecked_param_type = "InitializeRequest")] metadata: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SendOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let source = Source::from_js(file, opt::number(&options, "size")?)?;
            let meta: InitializeRequest = opt::data(metadata, "initialize request")?;
            let hash = opt::boolean(&options, "hash")?.unwrap_or(true);
            let wait = wait_options(&options)?;
            let g = guard(&c, &options)?;
            let resumable = upload::tus::handle::resumable_options(&c, &options)?;
            let s = c.send(&source, meta, hash, opt::function(&options, "onProgress")?, &wait, resumable, &g).await?;
            to_js(&SendResult {
                file_transfer_id: s.id.to_string(),
                checksum: s.checksum,
                size: s.size,
                overview: s.overview,
            })
        })
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<FileTransferOverview>")]
    pub fn overview(
        &self,
        #[wasm_bindgen(js_name = fileTransferId)] file_transfer_id: String,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let id = transfer_id(&file_transfer_id)?;
            let g = guard(&c, &options)?;
            to_js(&c.overview(id, &g).await?)
        })
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<FileTransferDetails>")]
    pub fn details(
        &self,
        #[wasm_bindgen(js_name = fileTransferId)] file_transfer_id: String,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let id = transfer_id(&file_transfer_id)?;
            let g = guard(&c, &options)?;
            to_js(&c.details(id, &g).await?)
        })
    }

    /// The transfer's history, both the transfer's and the recipients' statuses, oldest first.
    #[wasm_bindgen(unchecked_return_type = "Promise<TimelineEntry[]>")]
    pub fn timeline(
        &self,
        #[wasm_bindgen(js_name = fileTransferId)] file_transfer_id: String,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let id = transfer_id(&file_transfer_id)?;
            let g = guard(&c, &options)?;
            to_js(&history::timeline(&c.details(id, &g).await?))
        })
    }

    /// Up to 100 ids (the service's cap), newest first unless `orderAscending`.
    #[wasm_bindgen(unchecked_return_type = "Promise<string[]>")]
    pub fn search(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SearchQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let q = search_query(query)?;
            let g = guard(&c, &options)?;
            to_js(&c.search(&q, &g).await?)
        })
    }

    /// Every id the query matches, paging past the 100-id cap by narrowing the time window.
    #[wasm_bindgen(js_name = searchAll, unchecked_return_type = "Promise<string[]>")]
    pub fn search_all(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SearchQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SearchAllOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let q = search_query(query)?;
            let max = opt::number(&options, "max")?.map(|m| m as usize);
            let g = guard(&c, &options)?;
            to_js(&c.search_all(&q, max, &g).await?)
        })
    }

    /// Streams the file: resolves as soon as the answer's headers arrive, with the body as a `ReadableStream`.
    #[wasm_bindgen(unchecked_return_type = "Promise<DownloadResult>")]
    pub fn download(
        &self,
        #[wasm_bindgen(js_name = fileTransferId)] file_transfer_id: String,
        #[wasm_bindgen(unchecked_optional_param_type = "DownloadOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let id = transfer_id(&file_transfer_id)?;
            let resume_attempts = match opt::get(&options, "resume") {
                None => 3,
                Some(v) if v.as_bool() == Some(true) => 3,
                Some(v) if v.as_bool() == Some(false) => 0,
                Some(v) => v
                    .as_f64()
                    .filter(|n| *n >= 0.0)
                    .map(|n| n as u32)
                    .ok_or_else(|| Error::client("`resume` must be a boolean or a number of attempts"))?,
            };
            let o = download::DownloadOptions {
                range: range_spec(&options)?,
                resume_attempts,
                verify: opt::boolean(&options, "verify")?.unwrap_or(false),
                signal: opt::signal(&options)?,
                deadline_ms: opt::number(&options, "deadlineMs")?,
                progress: opt::function(&options, "onProgress")?,
            };
            let d = download::download(c, id, o).await?;
            let out = Object::new();
            let set = |k: &str, v: JsValue| {
                let _ = Reflect::set(&out, &JsValue::from_str(k), &v);
            };
            set("stream", d.stream.into());
            set("size", d.size.map(JsValue::from).unwrap_or(JsValue::NULL));
            set("fileName", d.file_name.map(JsValue::from).unwrap_or(JsValue::NULL));
            set(
                "range",
                match d.range {
                    Some(r) => to_js(&serde_json::json!({"start": r.start, "end": r.end, "total": r.total}))?,
                    None => JsValue::NULL,
                },
            );
            set("status", JsValue::from(d.status));
            set("checksum", d.checksum.map(JsValue::from).unwrap_or(JsValue::NULL));
            Ok(out.into())
        })
    }

    /// Confirms the caller (a recipient) has downloaded the file.
    #[wasm_bindgen(js_name = confirmDownload, unchecked_return_type = "Promise<void>")]
    pub fn confirm_download(
        &self,
        #[wasm_bindgen(js_name = fileTransferId)] file_transfer_id: String,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let id = transfer_id(&file_transfer_id)?;
            let g = guard(&c, &options)?;
            c.confirm_download(id, &g).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Polls the overview until the transfer matches `target`. A status target rejects with a
    /// `TransferFailedError` as soon as the transfer can no longer reach it.
    #[wasm_bindgen(js_name = waitFor, unchecked_return_type = "Promise<FileTransferOverview>")]
    pub fn wait_for(
        &self,
        #[wasm_bindgen(js_name = fileTransferId)] file_transfer_id: String,
        #[wasm_bindgen(unchecked_param_type = "WaitTarget")] target: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let id = transfer_id(&file_transfer_id)?;
            let t = wait_target(target)?;
            let w = wait_options(&options)?;
            let g = guard(&c, &options)?;
            to_js(&c.wait_for(id, &t, &w, &g).await?)
        })
    }

    #[wasm_bindgen(js_name = getResource, unchecked_return_type = "Promise<ResourceConfig>")]
    pub fn get_resource(
        &self,
        #[wasm_bindgen(js_name = resourceId)] resource_id: String,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let g = guard(&c, &options)?;
            to_js(&c.get_resource(&resource_id, &g).await?)
        })
    }

    /// Changes the fields given (a partial update).
    #[wasm_bindgen(js_name = configureResource, unchecked_return_type = "Promise<void>")]
    pub fn configure_resource(
        &self,
        #[wasm_bindgen(js_name = resourceId)] resource_id: String,
        #[wasm_bindgen(unchecked_param_type = "ResourceConfig")] config: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let cfg: ResourceConfig = opt::data(config, "resource configuration")?;
            let g = guard(&c, &options)?;
            c.configure_resource(&resource_id, &cfg, &g).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(js_name = getServiceOwner, unchecked_return_type = "Promise<ServiceOwnerOverview>")]
    pub fn get_service_owner(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let g = guard(&c, &options)?;
            to_js(&c.get_service_owner(&g).await?)
        })
    }

    /// Registers the caller's organisation as a service owner.
    #[wasm_bindgen(js_name = registerServiceOwner, unchecked_return_type = "Promise<void>")]
    pub fn register_service_owner(
        &self,
        name: String,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let g = guard(&c, &options)?;
            c.register_service_owner(&name, &g).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The month's statistics as the service's CSV document.
    #[wasm_bindgen(js_name = monthlyStatistics, unchecked_return_type = "Promise<string>")]
    pub fn monthly_statistics(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MonthlyStatisticsQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let q: MonthlyStatisticsQuery = opt::data(query, "statistics query")?;
            let g = guard(&c, &options)?;
            Ok(c.monthly_statistics(&q, &g).await?.into())
        })
    }
}

fn build_client(options: &JsValue) -> Result<Client, Error> {
    let base_url = opt::string(options, "baseUrl")?.ok_or_else(|| Error::client("`baseUrl` is required"))?;
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return Err(Error::client("`baseUrl` must be an http(s) URL"));
    }
    let token = opt::function(options, "token")?.ok_or_else(|| Error::client("`token` (a function) is required"))?;
    let retry = match opt::get(options, "retry") {
        Some(v) if v.as_bool() == Some(false) => RetryPolicy::disabled(),
        Some(v) => {
            let d = RetryPolicy::default();
            RetryPolicy {
                retries: opt::number(&v, "retries")?.map(|n| n as u32).unwrap_or(d.retries),
                base_delay_ms: opt::number(&v, "baseDelayMs")?.unwrap_or(d.base_delay_ms),
                max_delay_ms: opt::number(&v, "maxDelayMs")?.unwrap_or(d.max_delay_ms),
            }
        }
        None => RetryPolicy::default(),
    };
    let stream_bodies = match opt::boolean(options, "streamRequestBodies")? {
        Some(b) => b,
        None => {
            js::runtime::request_streams_supported()
                && (js::runtime::is_server_runtime() || base_url.starts_with("https://"))
        }
    };
    Ok(Client {
        transport: Transport {
            base_url,
            tokens: TokenProvider::new(token),
            subscription_key: opt::string(options, "subscriptionKey")?,
            fetch: opt::function(options, "fetch")?,
            retry,
            timeouts: Timeouts {
                stall_ms: Some(opt::number(options, "stallTimeoutMs")?.unwrap_or(60_000.0)),
                deadline_ms: opt::number(options, "deadlineMs")?,
            },
        },
        stream_bodies,
    })
}

// ---- Transfer state logic, shared with the emulator through `altinn-broker-core`. ----

fn status(s: &str) -> Result<FileTransferStatus, JsValue> {
    FileTransferStatus::parse(s).ok_or_else(|| Error::client(format!("unknown file transfer status {s:?}")).into())
}

/// What `callerOrg` may do with the transfer now (upload, download, confirm).
#[wasm_bindgen(js_name = allowedActions, unchecked_return_type = "AllowedActions")]
pub fn allowed_actions(
    #[wasm_bindgen(unchecked_param_type = "FileTransferOverview | FileTransferDetails")] transfer: JsValue,
    #[wasm_bindgen(js_name = callerOrg)] caller_org: String,
) -> Result<JsValue, JsValue> {
    let t: FileTransferOverview = opt::data(transfer, "file transfer")?;
    let org = OrgNumber::parse_lenient(&caller_org).map_err(|e| Error::client(e.to_string()))?;
    Ok(to_js(&actions::allowed_actions(&t.summary, &org))?)
}

/// Both histories of `details` merged and ordered by time (the service does not order them).
#[wasm_bindgen(unchecked_return_type = "TimelineEntry[]")]
pub fn timeline(
    #[wasm_bindgen(unchecked_param_type = "FileTransferDetails")] details: JsValue,
) -> Result<JsValue, JsValue> {
    let d: FileTransferDetails = opt::data(details, "file transfer details")?;
    Ok(to_js(&history::timeline(&d))?)
}

/// The statuses a transfer can move to next (contract §3.1).
#[wasm_bindgen(unchecked_return_type = "FileTransferStatus[]")]
pub fn successors(#[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] s: String) -> Result<JsValue, JsValue> {
    let next: Vec<&str> = transitions::successors(status(&s)?).into_iter().map(FileTransferStatus::as_str).collect();
    Ok(to_js(&next)?)
}

/// A status nothing moves out of (`Purged`).
#[wasm_bindgen(js_name = isTerminal)]
pub fn is_terminal(#[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] s: String) -> Result<bool, JsValue> {
    Ok(transitions::is_terminal(status(&s)?))
}

/// A status whose outcome is settled (`Failed`, `Cancelled`, `AllConfirmedDownloaded`, `Purged`).
#[wasm_bindgen(js_name = isSettled)]
pub fn is_settled(#[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] s: String) -> Result<bool, JsValue> {
    Ok(transitions::is_settled(status(&s)?))
}

/// Whether a transfer in `from` can still reach `to`.
#[wasm_bindgen(js_name = canReach)]
pub fn can_reach(
    #[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] from: String,
    #[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] to: String,
) -> Result<bool, JsValue> {
    Ok(actions::can_reach(status(&from)?, status(&to)?))
}

/// The service's fixed text for a transfer status.
#[wasm_bindgen(js_name = statusText)]
pub fn status_text(#[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] s: String) -> Result<String, JsValue> {
    Ok(status(&s)?.default_text().to_owned())
}

/// The service's fixed text for a recipient status.
#[wasm_bindgen(js_name = recipientStatusText)]
pub fn recipient_status_text(
    #[wasm_bindgen(unchecked_param_type = "RecipientStatus")] s: String,
) -> Result<String, JsValue> {
    RecipientStatus::parse(&s)
        .map(|r| r.default_text().to_owned())
        .ok_or_else(|| Error::client(format!("unknown recipient status {s:?}")).into())
}

/// Every transfer status, in the service's order.
#[wasm_bindgen(js_name = fileTransferStatuses, unchecked_return_type = "FileTransferStatus[]")]
pub fn file_transfer_statuses() -> Result<JsValue, JsValue> {
    let all: Vec<&str> = FileTransferStatus::ALL.iter().map(|s| s.as_str()).collect();
    Ok(to_js(&all)?)
}

/// The service's validation of an initialize body: its messages keyed as it keys them, or `null` when valid.
#[wasm_bindgen(js_name = validateInitialize, unchecked_return_type = "ValidationErrors | null")]
pub fn validate_initialize(
    #[wasm_bindgen(unchecked_param_type = "InitializeRequest")] request: JsValue,
) -> Result<JsValue, JsValue> {
    let req: InitializeRequest = opt::data(request, "initialize request")?;
    match api::transfers::prepare_initialize(req) {
        Ok(_) => Ok(JsValue::NULL),
        Err(Error::Validation(e)) => Ok(to_js(&e)?),
        Err(e) => Err(e.into()),
    }
}

/// An organisation number in the `0192:` form the service stores (accepts the URN form and bare digits).
#[wasm_bindgen(js_name = normalizeOrgNumber)]
pub fn normalize_org_number(org: String) -> Result<String, JsValue> {
    OrgNumber::parse_lenient(&org).map(|o| o.to_prefixed()).map_err(|e| Error::client(e.to_string()).into())
}

/// Incremental MD5 in wasm, as the uploads use it.
#[wasm_bindgen]
pub struct Md5(upload::md5::Hasher);

#[wasm_bindgen]
impl Md5 {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Md5 {
        Md5(upload::md5::Hasher::new())
    }

    pub fn update(&mut self, bytes: &js_sys::Uint8Array) {
        self.0.update_js(bytes);
    }

    /// Lower-case hex; the hasher is reset.
    #[wasm_bindgen(js_name = digestHex)]
    pub fn digest_hex(&mut self) -> String {
        std::mem::take(&mut self.0).finish_hex()
    }
}

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

/// The lower-case hex MD5 of `bytes`.
#[wasm_bindgen(js_name = md5Hex)]
pub fn md5_hex(bytes: &js_sys::Uint8Array) -> String {
    let mut h = upload::md5::Hasher::new();
    h.update_js(bytes);
    h.finish_hex()
}
