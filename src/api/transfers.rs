//! Initialize, overview, details and confirm-download (contract §1.2, §1.5, §1.6, §1.9).

use altinn_broker_core::model::{FileTransferDetails, FileTransferOverview, InitializeRequest, InitializeResponse};
use altinn_broker_core::paths;
use altinn_broker_core::{validate, FileTransferId, OrgNumber};

use crate::client::Client;
use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::http::retry::Replay;
use crate::http::transport::{read_json, Request};

/// Prepares an initialize body: the sender in the `0192:` form (a URN-form sender is stored verbatim by the
/// service and then never matches its sender search, contract §4), then the service's model validation.
pub fn prepare_initialize(mut req: InitializeRequest) -> Result<InitializeRequest, Error> {
    if let Some(org) = req.sender.as_deref().and_then(|s| OrgNumber::parse_input(s).ok()) {
        req.sender = Some(org.to_prefixed());
    }
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
}
