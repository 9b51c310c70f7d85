//! Confirming a download (contract §1.9): the recipient's `DownloadConfirmed`, and when every recipient has
//! confirmed, the transfer's `AllConfirmedDownloaded` with the resource's graceful purge scheduled.

use altinn_broker_core::events::EventType;
use altinn_broker_core::transitions::{self, Trigger};
use altinn_broker_core::{BrokerErrorCode, FileTransferId, RecipientStatus};

use super::lookup::{load, recipient_orgs, resource_of};
use crate::auth::{pdp, Caller};
use crate::error::AppError;
use crate::lifecycle::events::{self, Subject};
use crate::state::AppState;
use crate::store::jobs::JobKind;
use crate::store::statistics::{self, VendorRole};
use crate::store::transfers;

/// Confirms `caller`'s download of `id`, in the service's order of checks; confirming twice is a no-op.
pub fn confirm(state: &AppState, caller: &Caller, id: FileTransferId) -> Result<(), AppError> {
    let now = state.clock.now();
    state.store.tx(|tx| {
        let t = load(tx, id)?;
        let resource = resource_of(tx, &t)?;
        pdp::check_receive(&state.world, resource.as_ref(), caller, &recipient_orgs(tx, id)?)?;
        if !t.has_file {
            return Err(BrokerErrorCode::NoFileUploaded.into());
        }
        if !transitions::accepts_confirm(transfers::current_status(tx, id)?.status) {
            return Err(BrokerErrorCode::FileTransferNotPublished.into());
        }
        let org = caller.org.ok_or(BrokerErrorCode::NoAccessToResource)?;
        let actor = org.to_prefixed();
        let recipients = transfers::recipients_current(tx, id)?;
        // The service takes `.First(...)` of the caller's row: a caller with none makes it throw (500).
        let mine = recipients
            .iter()
            .find(|r| r.actor == actor)
            .ok_or_else(|| AppError::Internal(format!("{actor} has no recipient status on {id}")))?;
        if mine.status == RecipientStatus::DownloadConfirmed {
            return Ok(());
        }
        if mine.status < RecipientStatus::DownloadStarted {
            return Err(BrokerErrorCode::ConfirmDownloadBeforeDownloadStarted.into());
        }
        events::record(tx, &state.settings, &t, EventType::DownloadConfirmed, Subject::Recipient(&actor), now)?;
        events::record(tx, &state.settings, &t, EventType::DownloadConfirmed, Subject::Sender, now)?;
        transfers::push_recipient_status(tx, id, &actor, RecipientStatus::DownloadConfirmed, now)?;
        statistics::record_caller_vendor(tx, id, &org, VendorRole::Recipient, caller.vendor.as_ref(), now)?;
        let everyone = recipients.iter().all(|r| r.actor == actor || r.status == RecipientStatus::DownloadConfirmed);
        if everyone
            && crate::lifecycle::apply(tx, &state.settings, &t, Trigger::AllRecipientsConfirmed, None, now)?.is_some()
        {
            if let Some(r) = resource.filter(|r| r.purge_file_transfer_after_all_recipients_confirmed) {
                crate::jobs::schedule(state, tx, JobKind::ConfirmedPurge, Some(id), now + r.grace_period())?;
            }
        }
        Ok(())
    })
}
