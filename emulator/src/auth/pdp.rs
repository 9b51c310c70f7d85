//! The emulated Altinn PDP and the initialize rules that ask the registry (contract §1.2 steps 1, 6–8, §7.5).
//!
//! The real service asks Altinn Authorization whether the caller may `write` or `read` on a resource for a party.
//! The emulated decision is what Altinn's test world answers: an organisation listed as a party may act as itself;
//! a resource whose policy permits nobody denies everyone; and, as the service short-circuits, a resource that is
//! not configured in Broker (or has no service owner) means no access. A deny is 401 with error 6.
//!
//! Every function takes plain data so handlers call it with what they have already read.

use altinn_broker_core::{BrokerErrorCode, OrgNumber};

use super::Caller;
use crate::store::resources::Resource;
use crate::world::{RegistryEntry, World};

/// A deny, as handlers answer it.
pub const DENY: BrokerErrorCode = BrokerErrorCode::NoAccessToResource;

/// One PDP question: may `caller` do `action` on `resource` for `party`.
fn permit(world: &World, resource: Option<&Resource>, caller: &Caller, party: &OrgNumber) -> bool {
    permit_org(world, resource, caller.org, party)
}

/// [`permit`] for an organisation rather than a token's caller (Events authorizes stored consumers at delivery).
fn permit_org(world: &World, resource: Option<&Resource>, org: Option<OrgNumber>, party: &OrgNumber) -> bool {
    // The service's short-circuit: not in Broker's database, or no service owner, means no access.
    let Some(resource) = resource else { return false };
    if resource.service_owner_id.trim().is_empty() {
        return false;
    }
    if world.registry_entry(&resource.id).is_some_and(|e| e.deny_all) {
        return false;
    }
    match org {
        Some(org) => org == *party && world.parties.contains(&org),
        None => false,
    }
}

fn decide(permitted: bool) -> Result<(), BrokerErrorCode> {
    if permitted {
        Ok(())
    } else {
        Err(DENY)
    }
}

/// Initialize (party = the body's `sender`) and upload/tus (party = the stored sender): `write`.
/// `sender` is read leniently; an unreadable one is a deny.
pub fn check_send(
    world: &World,
    resource: Option<&Resource>,
    caller: &Caller,
    sender: &str,
) -> Result<(), BrokerErrorCode> {
    let party = OrgNumber::parse_lenient(sender).ok();
    decide(party.is_some_and(|p| permit(world, resource, caller, &p)))
}

/// Download and confirm: `read` as any of the transfer's recipients.
pub fn check_receive(
    world: &World,
    resource: Option<&Resource>,
    caller: &Caller,
    recipients: &[OrgNumber],
) -> Result<(), BrokerErrorCode> {
    decide(recipients.iter().any(|r| permit(world, resource, caller, r)))
}

/// Overview and details: `write` as the sender or `read` as any recipient.
pub fn check_view(
    world: &World,
    resource: Option<&Resource>,
    caller: &Caller,
    sender: &str,
    recipients: &[OrgNumber],
) -> Result<(), BrokerErrorCode> {
    check_send(world, resource, caller, sender).or_else(|_| check_receive(world, resource, caller, recipients))
}

/// Search: `write` and `read` for the caller's own org; a caller without an org is denied.
pub fn check_search(world: &World, resource: Option<&Resource>, caller: &Caller) -> Result<(), BrokerErrorCode> {
    decide(caller.org.is_some_and(|org| permit(world, resource, caller, &org)))
}

/// Altinn Events' `subscribe` decision on a Broker resource (events-auth §1.2 step 6; at delivery, §1.5; per polled
/// event, §1.6): the consumer's organisation may subscribe where it may send or receive, i.e. for events about
/// itself (`subject` its own org URN); without a subject only the resource's service owner may (the docs make
/// `subjectFilter` required "unless the caller is a service owner"). A resource whose policy permits nobody
/// (`altinn-broker-test-resource-failed-access`) or that Broker does not know is denied to all.
pub fn permit_subscribe(
    world: &World,
    resource: Option<&Resource>,
    consumer_org: Option<OrgNumber>,
    subject: Option<&str>,
) -> bool {
    let Some(org) = consumer_org else { return false };
    match subject {
        Some(s) => {
            OrgNumber::parse_lenient(s).is_ok_and(|p| s == p.to_urn() && permit_org(world, resource, Some(org), &p))
        }
        None => {
            resource.and_then(Resource::service_owner_org).is_some_and(|owner| owner == org)
                && permit_org(world, resource, Some(org), &org)
        }
    }
}

/// Step 6: the resource must be known to the Resource Registry (403/5).
pub fn check_registered<'w>(world: &'w World, resource_id: &str) -> Result<&'w RegistryEntry, BrokerErrorCode> {
    world.registry_entry(resource_id).ok_or(BrokerErrorCode::ResourceNotRegistered)
}

/// Step 7: with the access list enabled, every recipient must be on it (400/28). `recipients` are the body's
/// recipients `WithoutPrefix` (`InitializeFileTransferHandler.cs` looks each up in the list by that form; a form no
/// member has, `""` included, is not on it).
pub fn check_access_list(entry: Option<&RegistryEntry>, recipients: &[&str]) -> Result<(), BrokerErrorCode> {
    match entry.and_then(|e| e.access_list.as_ref()) {
        Some(members) if !recipients.iter().all(|r| members.iter().any(|m| m.digits() == *r)) => {
            Err(BrokerErrorCode::RecipientsNotInAccessList)
        }
        _ => Ok(()),
    }
}

/// Step 8: with a required party that is not the sender, there may be one recipient only (400/27), and it must be
/// the required party (400/26). `recipients` are the body's recipients `WithoutPrefix`.
pub fn check_required_party(resource: &Resource, sender: &str, recipients: &[&str]) -> Result<(), BrokerErrorCode> {
    let Some(required) = resource.required_party.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    // The service compares the forms without prefix (`WithoutPrefix`: what follows the last ':').
    let bare = |s: &str| s.rsplit(':').next().unwrap_or(s).to_owned();
    let required = bare(required);
    if bare(sender) == required {
        return Ok(());
    }
    if recipients.len() > 1 {
        return Err(BrokerErrorCode::RequiredPartyTooManyRecipients);
    }
    match recipients.first() {
        Some(r) if *r == required => Ok(()),
        _ => Err(BrokerErrorCode::RequiredPartyMissing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use altinn_broker_core::seed::{ACCESS_LIST_MEMBER, DIGDIR};

    fn org(s: &str) -> OrgNumber {
        OrgNumber::parse_lenient(s).unwrap()
    }

    fn caller(o: &str) -> Caller {
        Caller::from_claims(serde_json::json!({"urn:altinn:orgNumber": o}).as_object().unwrap())
    }

    fn resource(id: &str) -> Resource {
        Resource::new(id, org(DIGDIR))
    }

    #[test]
    fn send_only_as_own_org() {
        let w = World::default();
        let r = resource("altinn-broker-test-resource-1");
        assert_eq!(check_send(&w, Some(&r), &caller(DIGDIR), "0192:991825827"), Ok(()));
        assert_eq!(
            check_send(&w, Some(&r), &caller(DIGDIR), "urn:altinn:organization:identifier-no:991825827"),
            Ok(())
        );
        assert_eq!(check_send(&w, Some(&r), &caller(DIGDIR), "0192:986252932"), Err(DENY));
        // Not configured in Broker: no access, whoever asks.
        assert_eq!(check_send(&w, None, &caller(DIGDIR), "0192:991825827"), Err(DENY));
        // A stranger to the world may not act even as itself.
        assert_eq!(check_send(&w, Some(&r), &caller("910753614"), "0192:910753614"), Err(DENY));
        let denied = resource("altinn-broker-test-resource-failed-access");
        assert_eq!(check_send(&w, Some(&denied), &caller(DIGDIR), "0192:991825827"), Err(DENY));
        let no_org = Caller::from_claims(serde_json::json!({}).as_object().unwrap());
        assert_eq!(check_send(&w, Some(&r), &no_org, "0192:991825827"), Err(DENY));
        assert_eq!(check_search(&w, Some(&r), &no_org), Err(DENY));
    }

    #[test]
    fn read_only_when_addressed() {
        let w = World::default();
        let r = resource("altinn-broker-test-resource-1");
        let recipients = [org("986252932")];
        assert_eq!(check_receive(&w, Some(&r), &caller("986252932"), &recipients), Ok(()));
        assert_eq!(check_receive(&w, Some(&r), &caller("312195771"), &recipients), Err(DENY));
        assert_eq!(check_view(&w, Some(&r), &caller(DIGDIR), "0192:991825827", &recipients), Ok(()));
        assert_eq!(check_view(&w, Some(&r), &caller("986252932"), "0192:991825827", &recipients), Ok(()));
        assert_eq!(check_view(&w, Some(&r), &caller("312195771"), "0192:991825827", &recipients), Err(DENY));
        assert_eq!(check_search(&w, Some(&r), &caller("312195771")), Ok(()));
    }

    #[test]
    fn subscribe_for_own_org_or_as_owner() {
        let w = World::default();
        let r = resource("altinn-broker-test-resource-1");
        let own = "urn:altinn:organization:identifier-no:986252932";
        let caller = |o: &str| Some(org(o));
        assert!(permit_subscribe(&w, Some(&r), caller("986252932"), Some(own)));
        assert!(!permit_subscribe(&w, Some(&r), caller("312195771"), Some(own)));
        assert!(!permit_subscribe(&w, Some(&r), caller("986252932"), Some("0192:986252932")));
        assert!(permit_subscribe(&w, Some(&r), caller(DIGDIR), None));
        assert!(!permit_subscribe(&w, Some(&r), caller("986252932"), None));
        let denied = resource("altinn-broker-test-resource-failed-access");
        let digdir = "urn:altinn:organization:identifier-no:991825827";
        assert!(!permit_subscribe(&w, Some(&denied), caller(DIGDIR), Some(digdir)));
        assert!(!permit_subscribe(&w, None, caller(DIGDIR), Some(digdir)));
    }

    #[test]
    fn registry_and_access_list() {
        let w = World::default();
        assert!(check_registered(&w, "nope").is_err());
        let entry = check_registered(&w, "ttd-broker-tilgangsliste").unwrap();
        assert_eq!(check_access_list(Some(entry), &[ACCESS_LIST_MEMBER]), Ok(()));
        assert_eq!(check_access_list(Some(entry), &[""]), Err(BrokerErrorCode::RecipientsNotInAccessList));
        assert_eq!(
            check_access_list(Some(entry), &[ACCESS_LIST_MEMBER, "986252932"]),
            Err(BrokerErrorCode::RecipientsNotInAccessList)
        );
        let open = check_registered(&w, "altinn-broker-test-resource-1").unwrap();
        assert_eq!(check_access_list(Some(open), &["986252932", ""]), Ok(()));
    }

    #[test]
    fn required_party_rules() {
        let mut r = resource("ttd-brokertestressurs");
        r.required_party = Some("0192:991825827".into());
        let others = ["986252932", "312195771"];
        assert_eq!(check_required_party(&r, "0192:991825827", &others), Ok(()));
        assert_eq!(
            check_required_party(&r, "0192:986252932", &others),
            Err(BrokerErrorCode::RequiredPartyTooManyRecipients)
        );
        assert_eq!(
            check_required_party(&r, "0192:986252932", &["312195771"]),
            Err(BrokerErrorCode::RequiredPartyMissing)
        );
        assert_eq!(check_required_party(&r, "0192:986252932", &[DIGDIR]), Ok(()));
        r.required_party = None;
        assert_eq!(check_required_party(&r, "0192:986252932", &others), Ok(()));
    }
}
