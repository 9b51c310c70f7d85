//! Initializing a file transfer (contract §1.2) from a validated request: the service's checks in its order, then
//! the transfer created with its `Initialized` status, its sender's vendor and its expiry purge. Shared by
//! initialize and initialize+upload.

use altinn_broker_core::model::InitializeRequest;
use altinn_broker_core::{BrokerErrorCode, FileTransferId, OrgNumber, ResourceId};

use super::lookup::service_owner_of;
use crate::auth::{pdp, Caller};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::jobs::JobKind;
use crate::store::resources;
use crate::store::statistics::{self, VendorRole};
use crate::store::transfers::NewTransfer;

/// The handler of contract §1.2 for a validated request: checks in the service's order, then creates the transfer.
/// Shared with initialize+upload.
pub fn create(state: &AppState, caller: &Caller, req: InitializeRequest) -> Result<FileTransferId, AppError> {
    let invalid = || AppError::Internal("a validated initialize request lacks a field".into());
    // `InitializeFileTransferMapper.cs`: `ResourceId.WithoutPrefix()` (the validation left no other ':' in it).
    let resource_id = ResourceId::verbatim(without_prefix(req.resource_id.as_deref().ok_or_else(invalid)?));
    let sender = req.sender.clone().ok_or_else(invalid)?;
    // `InitializeFileTransferHandler.cs` takes the recipients as the validation let them through (an empty one
    // passes the per-element rule, and .NET's `\d` takes any Unicode digit): it compares them `WithoutPrefix`, and
    // records each recipient as `WithoutPrefix().WithPrefix()` (`StringExtensions.cs`).
    let given = req.recipients.as_deref().ok_or_else(invalid)?;
    let bare: Vec<&str> = given.iter().map(|r| without_prefix(r)).collect();
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
        let owner = service_owner_of(tx, &resource)?;
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
        pdp::check_access_list(Some(entry), &bare)?;
        pdp::check_required_party(&resource, &sender, &bare)?;
        // 9. Create.
        let expiration = now + resource.time_to_live();
        let new = NewTransfer {
            id,
            resource_id: resource_id.as_str().to_owned(),
            file_name: req.file_name.clone().ok_or_else(invalid)?,
            senders_reference: req.senders_file_transfer_reference.clone(),
            sender: sender.clone(),
            recipients: bare.iter().map(|r| with_prefix(r)).collect(),
            checksum: req.checksum.clone().filter(|c| !c.trim().is_empty()),
            use_virus_scan,
            created: now,
            expiration,
            property_list: req.property_list.clone().unwrap_or_default(),
        };
        crate::lifecycle::create(tx, &state.settings, &new)?;
        // The statistics' sender vendor is the one recorded with the `Initialized` status.
        if let Ok(sender_org) = OrgNumber::parse_lenient(&sender) {
            statistics::record_caller_vendor(tx, id, &sender_org, VendorRole::Sender, caller.vendor.as_ref(), now)?;
        }
        crate::jobs::schedule(state, tx, JobKind::ExpiryPurge, Some(id), expiration)?;
        Ok(())
    })?;
    Ok(id)
}

/// `StringExtensions.WithoutPrefix`: white space alone is `""`, else what follows the last `:`.
fn without_prefix(s: &str) -> &str {
    if s.trim().is_empty() {
        ""
    } else {
        s.rsplit(':').next().unwrap_or(s)
    }
}

/// `StringExtensions.WithPrefix`: white space alone is `""`, a `0192:` form is kept, else `0192:` is put before it.
fn with_prefix(s: &str) -> String {
    if s.trim().is_empty() {
        String::new()
    } else if s.starts_with("0192:") {
        s.to_owned()
    } else {
        format!("0192:{s}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `src/Altinn.Broker.Common/StringExtensions.cs`.
    #[test]
    fn prefixes_as_string_extensions() {
        assert_eq!(without_prefix("urn:altinn:organization:identifier-no:986252932"), "986252932");
        assert_eq!(without_prefix("0192:986252932"), "986252932");
        assert_eq!(without_prefix(" "), "");
        assert_eq!(with_prefix(without_prefix("0192:986252932")), "0192:986252932");
        assert_eq!(with_prefix(without_prefix("")), "");
        assert_eq!(with_prefix("\u{663}86252932"), "0192:\u{663}86252932");
    }
}
