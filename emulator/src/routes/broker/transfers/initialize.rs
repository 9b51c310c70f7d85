//! `POST /broker/api/v1/filetransfer` (contract §1.2).

use altinn_broker_core::model::{InitializeRequest, InitializeResponse};
use altinn_broker_core::{validate, BrokerErrorCode, FileTransferId, OrgNumber, ResourceId};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;

use crate::auth::{pdp, AsSender, Caller};
use crate::error::AppError;
use crate::routes::json_input::{self, BodyModel};
use crate::state::AppState;
use crate::store::jobs::JobKind;
use crate::store::resources;
use crate::store::statistics::{self, VendorRole};
use crate::store::transfers::NewTransfer;

pub async fn initialize(
    AsSender(caller): AsSender,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<InitializeResponse>, AppError> {
    let req = parse_body(&headers, &body)?;
    let id = create(&state, &caller, req)?;
    Ok(Json(InitializeResponse { file_transfer_id: id }))
}

/// `FileTransferInitalizeExt` as MVC names it in binding errors.
const INITIALIZE_EXT: BodyModel = BodyModel {
    parameter: "initializeExt",
    type_name: "Altinn.Broker.Models.FileTransferInitalizeExt",
    members: &[
        ("fileName", "System.String"),
        ("resourceId", "System.String"),
        ("sendersFileTransferReference", "System.String"),
        ("sender", "System.String"),
        ("recipients", "System.Collections.Generic.List`1[System.String]"),
        ("propertyList", "System.Collections.Generic.Dictionary`2[System.String,System.String]"),
        ("checksum", "System.String"),
        ("disableVirusScan", "System.Nullable`1[System.Boolean]"),
    ],
    required: &[],
};

/// Reads the body as the service binds it (JSON content type or 415, ASP.NET leniency, binding errors keyed by
/// JSON path), then runs the model validation.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<InitializeRequest, AppError> {
    let req: InitializeRequest = json_input::parse(headers, body, &INITIALIZE_EXT)?;
    let errors = validate::initialize(&req);
    if errors.is_empty() {
        Ok(req)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The handler of contract §1.2 for a validated request: checks in the service's order, then creates the transfer.
/// Shared with initialize+upload.
pub fn create(state: &AppState, caller: &Caller, req: InitializeRequest) -> Result<FileTransferId, AppError> {
    let invalid = || AppError::Internal("a validated initialize request lacks a field".into());
    let resource_id = ResourceId::parse(req.resource_id.as_deref().ok_or_else(invalid)?).map_err(|_| invalid())?;
    let sender = req.sender.clone().ok_or_else(invalid)?;
    let recipients: Vec<OrgNumber> = req
        .recipients
        .as_deref()
        .ok_or_else(invalid)?
        .iter()
        .map(|r| OrgNumber::parse_input(r))
        .collect::<Result<_, _>>()
        .map_err(|_| invalid())?;
    let use_virus_scan = !req.disable_virus_scan.unwrap_or(false);

    let now = state.clock.now();
    let id = FileTransferId::new_random();
    state.store.tx(|tx| {
        let resource = resources::get(tx, resource_id.as_str())?;
        // 1. PDP: write as the sender (an unconfigured resource is a deny in production).
        pdp::check_send(&state.world, resource.as_ref(), caller, &sender)?;
        // 2. Configured in Broker.
        let resource = resource.ok_or(BrokerErrorCode::ResourceNotConfigured)?;
        // 3. Service owner.
        let owner = super::service_owner_of(tx, &resource)?;
        // 4. Disabled virus scan needs approval in production.
        if !use_virus_scan && state.settings.is_production() && !resource.approved_for_disabled_virus_scan {
            return Err(BrokerErrorCode::NeedApprovalForDisabledVirusScan.into());
        }
        // 5. A storage provider of the needed kind.
        if !owner.storage_ready(use_virus_scan) {
            return Err(BrokerErrorCode::StorageProviderNotReady.into());
        }
        // 6.–8. Registry, access list, required party.
        let entry = pdp::check_registered(&state.world, resource_id.as_str())?;
        pdp::check_access_list(Some(entry), &recipients)?;
        pdp::check_required_party(&resource, &sender, &recipients)?;
        // 9. Create.
        let expiration = now + resource.time_to_live();
        let new = NewTransfer {
            id,
            resource_id: resource_id.as_str().to_owned(),
            file_name: req.file_name.clone().ok_or_else(invalid)?,
            senders_reference: req.senders_file_transfer_reference.clone(),
            sender: sender.clone(),
            recipients: recipients.iter().map(OrgNumber::to_prefixed).collect(),
            checksum: req.checksum.clone().filter(|c| !c.trim().is_empty()),
            use_virus_scan,
            created: now,
            expiration,
            property_list: req.property_list.clone().unwrap_or_default(),
        };
        crate::lifecycle::create(tx, &state.settings, &new)?;
        // The statistics' sender vendor is the one recorded with the `Initialized` status.
        if let Ok(sender_org) = OrgNumber::parse_lenient(&sender) {
            statistics::record_caller_vendor(tx, id, &sender_org, VendorRole::Sender, caller, now)?;
        }
        crate::jobs::schedule(state, tx, JobKind::ExpiryPurge, Some(id), expiration)?;
        Ok(())
    })?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
        h
    }

    #[test]
    fn body_leniency_and_validation() {
        let ok = parse_body(
            &json(),
            br#"{"FileName":"a.txt","RESOURCEID":"altinn-broker-test-resource-1","sendersFileTransferReference":"r",
                "sender":"0192:991825827","recipients":["0192:986252932"],"disableVirusScan":"false"}"#,
        )
        .unwrap();
        assert_eq!(ok.file_name.as_deref(), Some("a.txt"));
        assert_eq!(ok.disable_virus_scan, Some(false));
        let Err(AppError::Validation(e)) = parse_body(&json(), br#"{"fileName":"a"}"#) else { panic!("validation") };
        assert!(e.contains_key("Sender") && e.contains_key("Recipients") && e.contains_key("ResourceId"));
        let Err(AppError::Validation(e)) = parse_body(&json(), b"{nope") else { panic!("validation") };
        assert!(e.contains_key("initializeExt") && e.contains_key("$"));
        let Err(AppError::Validation(e)) = parse_body(&json(), br#"{"recipients":"0192:986252932"}"#) else {
            panic!("validation")
        };
        assert!(e["$.recipients"][0].contains("System.Collections.Generic.List`1[System.String]"), "{e:?}");
        assert!(matches!(parse_body(&json(), b""), Err(AppError::Validation(_))));
        assert!(matches!(parse_body(&HeaderMap::new(), b"{}"), Err(AppError::Client(_))));
    }
}
