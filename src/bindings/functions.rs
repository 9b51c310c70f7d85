//! The free functions of the surface: the transfer state logic (shared with the emulator through
//! `altinn-broker-core`), the service's validation of an initialize body, organisation numbers, and MD5.

use altinn_broker_core::model::{FileTransferDetails, FileTransferOverview};
use altinn_broker_core::{
    actions, paths, timeline as history, transitions, FileTransferStatus, OrgNumber, RecipientStatus,
};
use wasm_bindgen::prelude::*;

use crate::api;
use crate::bindings::args::text;
use crate::error::Error;
use crate::js::value::{data, to_js};
use crate::upload::md5::Hasher;

fn status(v: &JsValue) -> Result<FileTransferStatus, JsValue> {
    let s = text(v, "status")?;
    FileTransferStatus::parse(&s).ok_or_else(|| Error::client(format!("unknown file transfer status {s:?}")).into())
}

/// What `callerOrg` may do with the transfer now (upload, download, confirm).
#[wasm_bindgen(js_name = allowedActions, unchecked_return_type = "AllowedActions")]
pub fn allowed_actions(
    #[wasm_bindgen(unchecked_param_type = "FileTransferOverview | FileTransferDetails")] transfer: JsValue,
    #[wasm_bindgen(js_name = callerOrg, unchecked_param_type = "string")] caller_org: JsValue,
) -> Result<JsValue, JsValue> {
    let t: FileTransferOverview = data(transfer, "file transfer")?;
    let org = OrgNumber::parse_lenient(&text(&caller_org, "callerOrg")?).map_err(|e| Error::client(e.to_string()))?;
    Ok(to_js(&actions::allowed_actions(&t.summary, &org))?)
}

/// Both histories of `details` merged and ordered by time (the service does not order them).
#[wasm_bindgen(unchecked_return_type = "TimelineEntry[]")]
pub fn timeline(
    #[wasm_bindgen(unchecked_param_type = "FileTransferDetails")] details: JsValue,
) -> Result<JsValue, JsValue> {
    let d: FileTransferDetails = data(details, "file transfer details")?;
    Ok(to_js(&history::timeline(&d))?)
}

/// The statuses a transfer can move to next (contract §3.1).
#[wasm_bindgen(unchecked_return_type = "FileTransferStatus[]")]
pub fn successors(#[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] s: JsValue) -> Result<JsValue, JsValue> {
    let next: Vec<&str> = transitions::successors(status(&s)?).into_iter().map(FileTransferStatus::as_str).collect();
    Ok(to_js(&next)?)
}

/// A status nothing moves out of (`Purged`).
#[wasm_bindgen(js_name = isTerminal)]
pub fn is_terminal(#[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] s: JsValue) -> Result<bool, JsValue> {
    Ok(transitions::is_terminal(status(&s)?))
}

/// A status whose outcome is settled (`Failed`, `Cancelled`, `AllConfirmedDownloaded`, `Purged`).
#[wasm_bindgen(js_name = isSettled)]
pub fn is_settled(#[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] s: JsValue) -> Result<bool, JsValue> {
    Ok(transitions::is_settled(status(&s)?))
}

/// Whether a transfer in `from` can still reach `to`.
#[wasm_bindgen(js_name = canReach)]
pub fn can_reach(
    #[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] from: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] to: JsValue,
) -> Result<bool, JsValue> {
    Ok(actions::can_reach(status(&from)?, status(&to)?))
}

/// The service's fixed text for a transfer status.
#[wasm_bindgen(js_name = statusText)]
pub fn status_text(#[wasm_bindgen(unchecked_param_type = "FileTransferStatus")] s: JsValue) -> Result<String, JsValue> {
    Ok(status(&s)?.default_text().to_owned())
}

/// The service's fixed text for a recipient status.
#[wasm_bindgen(js_name = recipientStatusText)]
pub fn recipient_status_text(
    #[wasm_bindgen(unchecked_param_type = "RecipientStatus")] s: JsValue,
) -> Result<String, JsValue> {
    let s = text(&s, "recipient status")?;
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

/// The service's verdict on an initialize body — the value as `JSON.stringify` writes it, bound and validated as
/// the service does — its messages keyed as it keys them, or `null` when valid. Throws a `ClientError` for a
/// request the service itself would fail on (HTTP 500), or a value JSON cannot hold.
#[wasm_bindgen(js_name = validateInitialize, unchecked_return_type = "ValidationErrors | null")]
pub fn validate_initialize(
    #[wasm_bindgen(unchecked_param_type = "InitializeRequest")] request: JsValue,
) -> Result<JsValue, JsValue> {
    match api::transfers::initialize_from_js(&request) {
        Ok(_) => Ok(JsValue::NULL),
        Err(Error::Validation(e)) => Ok(to_js(&e)?),
        Err(e) => Err(e.into()),
    }
}

/// An organisation number in the `0192:` form the service stores (accepts the URN form and bare digits).
#[wasm_bindgen(js_name = normalizeOrgNumber)]
pub fn normalize_org_number(#[wasm_bindgen(unchecked_param_type = "string")] org: JsValue) -> Result<String, JsValue> {
    OrgNumber::parse_lenient(&text(&org, "organisation number")?)
        .map(|o| o.to_prefixed())
        .map_err(|e| Error::client(e.to_string()).into())
}

#[wasm_bindgen(typescript_custom_section)]
const BROKER_API_ROUTE: &'static str = r#"
/** One route of the Broker API: an HTTP method and a path template with `{name}` segments. */
export interface BrokerApiRoute { method: string; template: string }
"#;

/// One row of [`paths::ROUTES`] per method, as JS reads it.
#[derive(serde::Serialize)]
struct Route {
    method: &'static str,
    template: &'static str,
}

/// Every route of the Broker API (contract §1, §5, §8) with each method it answers: core's `paths::ROUTES`, the
/// table the emulator's router is checked against and the edge proxy's allow-list is built from.
#[wasm_bindgen(js_name = brokerApiRoutes, unchecked_return_type = "BrokerApiRoute[]")]
pub fn broker_api_routes() -> Result<JsValue, JsValue> {
    let all: Vec<Route> = paths::ROUTES
        .iter()
        .flat_map(|(template, methods)| methods.iter().map(move |method| Route { method, template }))
        .collect();
    Ok(to_js(&all)?)
}

/// Incremental MD5 in wasm, as the uploads use it.
#[wasm_bindgen]
pub struct Md5(Hasher);

#[wasm_bindgen]
impl Md5 {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Md5 {
        Md5(Hasher::new())
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
    let mut h = Hasher::new();
    h.update_js(bytes);
    h.finish_hex()
}
