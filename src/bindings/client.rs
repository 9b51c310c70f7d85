//! `BrokerClient`, the surface's one class: each method reads its arguments and hands them to
//! [`Client`](crate::client::Client) through [`BrokerClient::call`], which does what every call shares.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use altinn_broker_core::model::{MonthlyStatisticsQuery, ResourceConfig, SearchQuery};
use altinn_broker_core::{timeline as history, FileTransferStatus};
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::api::transfers::{bind_from_js, initialize_from_js};
use crate::bindings::args::{text, transfer_id};
use crate::bindings::options::{
    self, BrokerClientOptions, CallOptions, DownloadOptions, FindResumableOptions, NoOptions, SearchAllOptions,
    SendOptions, StartUploadOptions, UploadOptions, WaitOptions,
};
use crate::bindings::tus_upload::{launch, TusUpload};
use crate::bindings::types::{DownloadResult, SendResult, UploadResult};
use crate::client::Client;
use crate::download;
use crate::error::Error;
use crate::http::auth::TokenProvider;
use crate::http::guard::CallGuard;
use crate::http::transport::Transport;
use crate::js::runtime;
use crate::js::value::{data, to_js};
use crate::resume::record::ResumeRecord;
use crate::track::wait::Target;
use crate::upload::source::Source;
use crate::upload::tus::start;

/// A client of one Broker.
#[wasm_bindgen]
pub struct BrokerClient {
    pub(super) inner: Rc<Client>,
}

/// What the body of a call gets: the client, the call's own options, the common ones, and the call's guard.
pub(super) struct Call<O> {
    pub client: Rc<Client>,
    pub options: O,
    pub common: CallOptions,
    pub guard: CallGuard,
}

impl BrokerClient {
    /// Every promise of the client: reads `options` into the call's own `O` and its `signal`/`deadlineMs` into
    /// the call's guard, then runs `body`; the promise rejects with the client's typed errors.
    pub(super) fn call<O, F, Fut>(&self, options: Option<Object>, body: F) -> Promise
    where
        O: options::FromJs,
        F: FnOnce(Call<O>) -> Fut + 'static,
        Fut: Future<Output = Result<JsValue, Error>> + 'static,
    {
        let client = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(Box::pin(async move {
            let own: O = options::read(&options)?;
            let (common, guard) = common(&client, &options)?;
            body(Call { client, options: own, common, guard }).await
        }))
    }
}

/// The part of every call that does not depend on its types, once in the wasm rather than once per method.
fn common(client: &Client, options: &JsValue) -> Result<(CallOptions, CallGuard), Error> {
    let common: CallOptions = options::read(options)?;
    let guard = client.transport.guard(common.signal.clone(), common.deadline_ms)?;
    Ok((common, guard))
}

/// One `future_to_promise` for every method: generic over the future, it was instantiated (with the future's
/// whole state machine inlined into it) once per method.
pub(super) fn promise(body: Pin<Box<dyn Future<Output = Result<JsValue, Error>>>>) -> Promise {
    wasm_bindgen_futures::future_to_promise(async move { body.await.map_err(JsValue::from) })
}

#[wasm_bindgen]
impl BrokerClient {
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "BrokerClientOptions")] options: JsValue,
    ) -> Result<BrokerClient, JsValue> {
        Ok(Self { inner: Rc::new(build_client(options::read(&options)?)?) })
    }

    /// Creates a transfer (`POST /filetransfer`) and resolves to its id. The sender is sent in the `0192:` form.
    /// Never retried automatically: if the answer is lost, search by `sendersFileTransferReference` before trying again.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn initialize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "InitializeRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            let req = initialize_from_js(&request)?;
            Ok(c.client.initialize(req, &c.guard).await?.to_string().into())
        })
    }

    /// Uploads the file of an initialized transfer, streamed (`POST /filetransfer/{id}/upload`).
    #[wasm_bindgen(unchecked_return_type = "Promise<UploadResult>")]
    pub fn upload(
        &self,
        #[wasm_bindgen(js_name = fileTransferId, unchecked_param_type = "string")] file_transfer_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "UploadSource")] file: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "UploadOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<UploadOptions>| async move {
            let id = transfer_id(&file_transfer_id)?;
            let source = Source::from_js(file, c.options.size)?;
            let hash = c.options.hash.unwrap_or(false);
            let up = c.client.upload(id, &source, hash, c.options.on_progress, &c.guard).await?;
            to_js(&UploadResult { file_transfer_id: id.to_string(), size: up.size, md5: up.md5 })
        })
    }

    /// Creates a transfer and uploads its file in one multipart request (a Blob or bytes, at most 2 GiB). The
    /// request goes as `Metadata.*` form fields and is judged as the service judges that form (an empty value binds
    /// `null`; errors keyed `Metadata.FileName`); a value that does not bind as an initialize request gets the JSON
    /// binder's verdict.
    #[wasm_bindgen(js_name = initializeAndUpload, unchecked_return_type = "Promise<string>")]
    pub fn initialize_and_upload(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Blob | Uint8Array | ArrayBuffer")] file: JsValue,
        #[wasm_bindgen(unchecked_param_type = "InitializeRequest")] metadata: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            let source = Source::from_js(file, None)?;
            let meta = bind_from_js(&metadata)?;
            Ok(c.client.initialize_and_upload(&source, meta, &c.guard).await?.to_string().into())
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
        let all: JsValue = options.clone().map(Into::into).unwrap_or(JsValue::UNDEFINED);
        self.call(options, |c: Call<SendOptions>| async move {
            let o = c.options;
            let source = Source::from_js(file, o.size)?;
            let meta = initialize_from_js(&metadata)?;
            let wait = options::read::<WaitOptions>(&all)?.polling_after_upload();
            let resumable = match o.resumable {
                Some(true) => Some(options::read::<StartUploadOptions>(&all)?.into_start(c.client.transport.timeouts)?),
                _ => None,
            };
            let hash = o.hash.unwrap_or(true);
            let s = c.client.send(&source, meta, hash, o.on_progress, &wait, resumable, &c.guard).await?;
            let (file_transfer_id, overview) = (s.id.to_string(), s.overview);
            to_js(&SendResult { file_transfer_id, checksum: s.checksum, size: s.size, overview })
        })
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<FileTransferOverview>")]
    pub fn overview(
        &self,
        #[wasm_bindgen(js_name = fileTransferId, unchecked_param_type = "string")] file_transfer_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            to_js(&c.client.overview(transfer_id(&file_transfer_id)?, &c.guard).await?)
        })
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<FileTransferDetails>")]
    pub fn details(
        &self,
        #[wasm_bindgen(js_name = fileTransferId, unchecked_param_type = "string")] file_transfer_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            to_js(&c.client.details(transfer_id(&file_transfer_id)?, &c.guard).await?)
        })
    }

    /// The transfer's history, both the transfer's and the recipients' statuses, oldest first.
    #[wasm_bindgen(unchecked_return_type = "Promise<TimelineEntry[]>")]
    pub fn timeline(
        &self,
        #[wasm_bindgen(js_name = fileTransferId, unchecked_param_type = "string")] file_transfer_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            to_js(&history::timeline(&c.client.details(transfer_id(&file_transfer_id)?, &c.guard).await?))
        })
    }

    /// Up to 100 ids (the service's cap), newest first unless `orderAscending`.
    #[wasm_bindgen(unchecked_return_type = "Promise<string[]>")]
    pub fn search(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SearchQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            to_js(&c.client.search(&search_query(query)?, &c.guard).await?)
        })
    }

    /// Every id the query matches, paging past the 100-id cap by narrowing the time window.
    #[wasm_bindgen(js_name = searchAll, unchecked_return_type = "Promise<string[]>")]
    pub fn search_all(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SearchQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SearchAllOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<SearchAllOptions>| async move {
            let max = c.options.max.map(|m| m as usize);
            to_js(&c.client.search_all(&search_query(query)?, max, &c.guard).await?)
        })
    }

    /// Streams the file: resolves as soon as the answer's headers arrive, with the body as a `ReadableStream`.
    #[wasm_bindgen(unchecked_return_type = "Promise<DownloadResult>")]
    pub fn download(
        &self,
        #[wasm_bindgen(js_name = fileTransferId, unchecked_param_type = "string")] file_transfer_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "DownloadOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<DownloadOptions>| async move {
            let id = transfer_id(&file_transfer_id)?;
            let o = download::DownloadOptions {
                range: c.options.range,
                resume_attempts: c.options.resume_attempts(),
                verify: c.options.verify.unwrap_or(false),
                signal: c.common.signal,
                deadline_ms: c.common.deadline_ms,
                progress: c.options.on_progress,
            };
            let d = download::download(c.client, id, o, c.guard).await?;
            let (size, file_name, range) = (d.size, d.file_name, d.range.map(Into::into));
            let rest = to_js(&DownloadResult { size, file_name, range, status: d.status, checksum: d.checksum })?;
            let out = Object::new();
            Reflect::set(&out, &JsValue::from_str("stream"), &d.stream)
                .map_err(|e| Error::client_caused("cannot convert a result for JS", e))?;
            Ok(Object::assign(&out, &rest.unchecked_into()).into())
        })
    }

    /// Confirms the caller (a recipient) has downloaded the file.
    #[wasm_bindgen(js_name = confirmDownload, unchecked_return_type = "Promise<void>")]
    pub fn confirm_download(
        &self,
        #[wasm_bindgen(js_name = fileTransferId, unchecked_param_type = "string")] file_transfer_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            c.client.confirm_download(transfer_id(&file_transfer_id)?, &c.guard).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Polls the overview until the transfer matches `target`. A status target rejects with a
    /// `TransferFailedError` as soon as the transfer can no longer reach it. With `events` (an `EventFeed`) it waits
    /// on `watch` instead, so a pushed or polled event ends it as soon as it arrives.
    #[wasm_bindgen(js_name = waitFor, unchecked_return_type = "Promise<FileTransferOverview>")]
    pub fn wait_for(
        &self,
        #[wasm_bindgen(js_name = fileTransferId, unchecked_param_type = "string")] file_transfer_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WaitTarget")] target: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: Option<Object>,
    ) -> Promise {
        if let Some(waiting) = options.as_ref().and_then(|o| self.wait_with_events(&file_transfer_id, &target, o)) {
            return waiting.unwrap_or_else(|e| Promise::reject(&e.into()));
        }
        self.call(options, |c: Call<WaitOptions>| async move {
            let (id, t) = (transfer_id(&file_transfer_id)?, wait_target(target)?);
            to_js(&c.client.wait_for(id, &t, &c.options.polling(), &c.guard).await?)
        })
    }

    #[wasm_bindgen(js_name = getResource, unchecked_return_type = "Promise<ResourceConfig>")]
    pub fn get_resource(
        &self,
        #[wasm_bindgen(js_name = resourceId, unchecked_param_type = "string")] resource_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            to_js(&c.client.get_resource(&text(&resource_id, "resourceId")?, &c.guard).await?)
        })
    }

    /// Changes the fields given (a partial update).
    #[wasm_bindgen(js_name = configureResource, unchecked_return_type = "Promise<void>")]
    pub fn configure_resource(
        &self,
        #[wasm_bindgen(js_name = resourceId, unchecked_param_type = "string")] resource_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ResourceConfig")] config: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            let cfg: ResourceConfig = data(config, "resource configuration")?;
            c.client.configure_resource(&text(&resource_id, "resourceId")?, &cfg, &c.guard).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(js_name = getServiceOwner, unchecked_return_type = "Promise<ServiceOwnerOverview>")]
    pub fn get_service_owner(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move { to_js(&c.client.get_service_owner(&c.guard).await?) })
    }

    /// Registers the caller's organisation as a service owner.
    #[wasm_bindgen(js_name = registerServiceOwner, unchecked_return_type = "Promise<void>")]
    pub fn register_service_owner(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<NoOptions>| async move {
            c.client.register_service_owner(&text(&name, "service owner name")?, &c.guard).await?;
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
        self.call(options, |c: Call<NoOptions>| async move {
            let q: MonthlyStatisticsQuery = data(query, "statistics query")?;
            Ok(c.client.monthly_statistics(&q, &c.guard).await?.into())
        })
    }

    /// Starts a resumable (tus) upload to an initialized transfer and gives its handle at once.
    #[wasm_bindgen(js_name = startUpload)]
    pub fn start_upload(
        &self,
        #[wasm_bindgen(js_name = fileTransferId, unchecked_param_type = "string")] file_transfer_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer")]
        source: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "StartUploadOptions")] options: Option<Object>,
    ) -> Result<TusUpload, JsValue> {
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let id = transfer_id(&file_transfer_id)?;
        let o = options::read::<StartUploadOptions>(&options)?.into_start(self.inner.transport.timeouts)?;
        let source = Source::from_js(source, o.size)?;
        Ok(launch(self.inner.clone(), id, source, o, None)?)
    }

    /// The interrupted uploads of `file` this client's service still knows of (expired records are removed).
    #[wasm_bindgen(js_name = findResumableUploads, unchecked_return_type = "Promise<ResumeRecord[]>")]
    pub fn find_resumable_uploads(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer")]
        file: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "FindResumableOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<FindResumableOptions>| async move {
            let source = Source::from_js(file, c.options.size)?;
            let store = c.options.store.or_default()?;
            to_js(&start::find(&c.client, &store, &source, c.options.fingerprint.as_deref()).await?)
        })
    }

    /// Continues an interrupted upload: a record from `findResumableUploads`, or the transfer id (looked up in the
    /// store by the file's fingerprint). `source` must be the same file.
    #[wasm_bindgen(unchecked_return_type = "Promise<TusUpload>")]
    pub fn resume(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResumeRecord | string")] record: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer")]
        source: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "StartUploadOptions")] options: Option<Object>,
    ) -> Promise {
        self.call(options, |c: Call<StartUploadOptions>| async move {
            let o = c.options.into_start(c.client.transport.timeouts)?;
            let source = Source::from_js(source, o.size)?;
            let record: ResumeRecord = match record.as_string() {
                Some(id) => start::find_by_id(&c.client, &o, &source, &id).await?,
                None => data(record, "resume record")?,
            };
            start::check_same_file(&record, &source, o.settings.fingerprint_hint.as_deref()).await?;
            let id = crate::api::transfer_id(&record.file_transfer_id)?;
            Ok(launch(c.client, id, source, o, Some(record))?.into())
        })
    }
}

fn build_client(o: BrokerClientOptions) -> Result<Client, Error> {
    let timeouts = o.timeouts();
    let base_url = o.base_url.ok_or_else(|| Error::client("`baseUrl` is required"))?;
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return Err(Error::client("`baseUrl` must be an http(s) URL"));
    }
    let stream_bodies = o.stream_request_bodies.unwrap_or_else(|| {
        runtime::request_streams_supported() && (runtime::is_server_runtime() || base_url.starts_with("https://"))
    });
    Ok(Client {
        transport: Transport {
            base_url,
            tokens: TokenProvider::new(o.token),
            subscription_key: o.subscription_key,
            fetch: o.fetch,
            retry: o.retry,
            timeouts,
            refuse_redirects: runtime::redirect_error_supported(),
        },
        stream_bodies,
        tus_capabilities: Default::default(),
    })
}

/// Reads a search query, accepting `Date` objects for `from`/`to` (`JSON.stringify` writes them as ISO text). An
/// invalid `Date` is refused: its JSON is `null`, which would drop the bound without a word.
fn search_query(v: JsValue) -> Result<SearchQuery, Error> {
    if !v.is_object() {
        return Err(Error::client_caused("the search query must be an object", v));
    }
    for k in ["from", "to"] {
        if let Some(d) = Reflect::get(&v, &JsValue::from_str(k)).ok().and_then(|d| d.dyn_into::<js_sys::Date>().ok()) {
            if d.get_time().is_nan() {
                return Err(Error::client_caused(format!("`{k}` is an invalid Date"), d.into()));
            }
        }
    }
    data(v, "search query")
}

/// A status, a list of statuses, or a predicate on the overview.
pub(super) fn wait_target(v: JsValue) -> Result<Target, Error> {
    if let Some(f) = v.dyn_ref::<js_sys::Function>() {
        return Ok(Target::Predicate(f.clone()));
    }
    let names: Vec<String> = if js_sys::Array::is_array(&v) { data(v, "statuses")? } else { vec![data(v, "status")?] };
    let statuses = names
        .iter()
        .map(|n| FileTransferStatus::parse(n).ok_or_else(|| Error::client(format!("unknown status {n:?}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Target::Statuses(statuses))
}
