//! Initialize, overview, details and confirm-download (contract §1.2, §1.5, §1.6, §1.9).

use altinn_broker_core::model::{FileTransferDetails, FileTransferOverview, InitializeRequest, InitializeResponse};
use altinn_broker_core::paths;
use altinn_broker_core::validate::InitializeRejection;
use altinn_broker_core::{validate, FileTransferId, OrgNumber};
use wasm_bindgen::JsValue;

use crate::client::Client;
use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::http::retry::Replay;
use crate::http::transport::{read_json, Request};
use crate::js::value::json_text;

/// The start of the text of the `ClientError` for a request the service itself would fail on.
pub const UNHANDLED_PREFIX: &str = "the service would fail on this initialize request with HTTP 500";

/// A JS caller's initialize request judged as the service judges the body it would receive: the value as
/// `JSON.stringify` writes it (what `fetch` would send), bound as System.Text.Json binds it, then model-validated
/// (`altinn_broker_core::validate::initialize_json`). So a wrong type (`"fileName": 5`), a case variant
/// (`"FILENAME"`), an unknown member or a `null` gets exactly the service's 400 — same keys, same messages, the
/// first binding error only — and never a serde text. The request returned is the one the service would have
/// bound, with the sender in the `0192:` form: that is what is sent.
pub fn initialize_from_js(request: &JsValue) -> Result<InitializeRequest, Error> {
    let body = json_text(request, "initialize request")?.unwrap_or_default();
    initialize_from_json(body.as_bytes())
}

/// A JS caller's initialize request as the service's JSON binding reads it, without the model validation: for
/// `initializeAndUpload`, whose request reaches the service as a form (`upload::multipart::form_verdict` judges
/// that). A value that does not bind as the request type is refused with the binding's verdict.
pub fn bind_from_js(request: &JsValue) -> Result<InitializeRequest, Error> {
    let body = json_text(request, "initialize request")?.unwrap_or_default();
    let bound = altinn_broker_core::binding::bind_initialize(body.as_bytes()).map_err(Error::Validation)?;
    validate::bound_to_request(bound).map_err(|e| match e {
        InitializeRejection::Invalid(errors) => Error::Validation(errors),
        InitializeRejection::Unhandled(why) => Error::client(format!("{UNHANDLED_PREFIX}: {why}")),
    })
}

/// [`initialize_from_js`] on the JSON text itself.
pub fn initialize_from_json(body: &[u8]) -> Result<InitializeRequest, Error> {
    match validate::initialize_json(body) {
        Ok(mut req) => {
            normalize_sender(&mut req);
            Ok(req)
        }
        Err(InitializeRejection::Invalid(errors)) => Err(Error::Validation(errors)),
        // The service answers these with a 500 from an unhandled NullReferenceException (a null property value,
        // a null recipient): no verdict a caller could act on, so the client refuses them itself and says why.
        Err(InitializeRejection::Unhandled(why)) => Err(Error::client(format!("{UNHANDLED_PREFIX}: {why}"))),
    }
}

/// The sender in the `0192:` form (a URN-form sender is stored verbatim by the service and then never matches its
/// sender search, contract §4). A sender that is not in an input form stays as it is, for the validation to judge.
fn normalize_sender(req: &mut InitializeRequest) {
    if let Some(org) = req.sender.as_deref().and_then(|s| OrgNumber::parse_input(s).ok()) {
        req.sender = Some(org.to_prefixed());
    }
}

/// `req` with the sender in the `0192:` form.
pub fn normalized(mut req: InitializeRequest) -> InitializeRequest {
    normalize_sender(&mut req);
    req
}

/// Prepares an initialize body built in Rust: the sender in the `0192:` form, then the service's model validation.
pub fn prepare_initialize(mut req: InitializeRequest) -> Result<InitializeRequest, Error> {
    normalize_sender(&mut req);
    let errors = validate::initialize(&req);
    if errors.is_empty() {
        Ok(req)
    } else {
        Err(Error::Validation(errors))
    }
}

impl Client {
    /// `POST /filetransfer`. Never retried: a lost answer may already have created the transfer.
    pub async fn initialize(&self, req: InitializeRequest, guard: &CallGuard) -> Result<FileTransferId, Error> {
        let req = prepare_initialize(req)?;
        let body = serde_json::to_string(&req).map_err(|e| Error::client(e.to_string()))?;
        let r = Request::new("POST", paths::FILE_TRANSFER, Replay::Never).json(body);
        let resp = self.transport.send(&r, guard).await?;
        let out: InitializeResponse = read_json(resp, guard).await?;
        Ok(out.file_transfer_id)
    }

    pub async fn overview(&self, id: FileTransferId, guard: &CallGuard) -> Result<FileTransferOverview, Error> {
        let resp = self.transport.send(&Request::get(paths::fill(paths::OVERVIEW, &[&id.to_string()])), guard).await?;
        read_json(resp, guard).await
    }

    pub async fn details(&self, id: FileTransferId, guard: &CallGuard) -> Result<FileTransferDetails, Error> {
        let resp = self.transport.send(&Request::get(paths::fill(paths::DETAILS, &[&id.to_string()])), guard).await?;
        read_json(resp, guard).await
    }

    /// `POST /filetransfer/{id}/confirmdownload`; any 2xx is success (the service answers 204).
    pub async fn confirm_download(&self, id: FileTransferId, guard: &CallGuard) -> Result<(), Error> {
        let r = Request::new("POST", paths::fill(paths::CONFIRM_DOWNLOAD, &[&id.to_string()]), Replay::WhenRefused);
        self.transport.send(&r, guard).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_is_normalised_and_rules_apply() {
        let req = InitializeRequest {
            file_name: Some("a.txt".into()),
            resource_id: Some("altinn-broker-test-resource-1".into()),
            senders_file_transfer_reference: Some("ref".into()),
            sender: Some("urn:altinn:organization:identifier-no:991825827".into()),
            recipients: Some(vec!["0192:986252932".into()]),
            ..Default::default()
        };
        assert_eq!(prepare_initialize(req.clone()).unwrap().sender.as_deref(), Some("0192:991825827"));
        let bad = InitializeRequest { recipients: Some(vec![]), ..req };
        match prepare_initialize(bad) {
            Err(Error::Validation(e)) => assert_eq!(e["Recipients"], vec![validate::MSG_RECIPIENTS_REQUIRED]),
            other => panic!("{other:?}"),
        }
    }

    fn verdict(body: &str) -> Result<InitializeRequest, Error> {
        initialize_from_json(body.as_bytes())
    }

    const GOOD: &str = r#"{"fileName":"a.txt","resourceId":"altinn-broker-test-resource-1",
        "sendersFileTransferReference":"ref","sender":"urn:altinn:organization:identifier-no:991825827",
        "recipients":["0192:986252932"]}"#;

    #[test]
    fn json_is_bound_as_the_service_binds_it() {
        // The request sent is the bound one: model defaults filled in, the sender normalised.
        let req = verdict(GOOD).unwrap();
        assert_eq!(req.sender.as_deref(), Some("0192:991825827"));
        assert_eq!(req.property_list, Some(Default::default()));
        // Names bind case-insensitively (System.Text.Json's web defaults).
        let upper = GOOD.replace("\"fileName\"", "\"FILENAME\"");
        assert_eq!(verdict(&upper).unwrap().file_name.as_deref(), Some("a.txt"));
        // A wrong type is the binder's first error with its real position, beside the parameter entry.
        match verdict(r#"{"fileName": 5}"#) {
            Err(Error::Validation(e)) => {
                assert_eq!(
                    e["$.fileName"],
                    vec!["The JSON value could not be converted to System.String. Path: $.fileName | LineNumber: 0 | BytePositionInLine: 14."]
                );
                assert_eq!(e["initializeExt"], vec!["The initializeExt field is required."]);
                assert_eq!(e.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        // No body at all (`JSON.stringify(undefined)`).
        match verdict("") {
            Err(Error::Validation(e)) => assert_eq!(e[""], vec!["A non-empty request body is required."]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn what_the_service_fails_on_is_a_client_error() {
        let null_value = GOOD.replace("\"recipients\"", "\"propertyList\":{\"k\":null},\"recipients\"");
        match verdict(&null_value) {
            Err(Error::Client { message, .. }) => {
                assert!(message.starts_with(UNHANDLED_PREFIX), "{message}");
                assert!(message.contains("PropertyListAttribute"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let null_recipient = GOOD.replace("[\"0192:986252932\"]", "[null]");
        assert!(matches!(verdict(&null_recipient), Err(Error::Client { .. })));
    }
}
