//! Every input rule the service checks before it acts, with its exact messages (contract §1.2, §8.1).
//!
//! The emulator answers with these; the client refuses with them before anything is sent. Lengths count UTF-16
//! code units, as .NET's `string.Length` does.

use std::time::Duration;

use crate::duration::parse_iso8601;
use crate::error_codes::BrokerErrorCode;
use crate::ids::{OrgNumber, ResourceId};
use crate::model::{InitializeRequest, ResourceConfig};
use crate::problem::ValidationErrors;

pub const MSG_SENDER: &str = "Organization numbers should be on the form countrycode:organizationnumber (e.g. 0192:910753614) or urn:altinn:organization:identifier-no:organizationnumber";
pub const MSG_RECIPIENT: &str = "Each recipient should be on the form countrycode:organizationnumber (e.g. 0192:910753614) or urn:altinn:organization:identifier-no:organizationnumber";
pub const MSG_RECIPIENTS_REQUIRED: &str = "One or more recipients are required";
pub const MSG_PROPERTY_COUNT: &str = "PropertyList can contain at most 10 properties";
pub const MSG_CHECKSUM_LENGTH: &str = "The checksum, if used, must be a MD5 hash with a length of 32 characters";
pub const MSG_CHECKSUM_CASE: &str = "The checksum, if used, must be a MD5 hash in lower case";
pub const MSG_RESOURCE_ID: &str = "Invalid Resource identifier format";
pub const MSG_SHIM_CODE: &str = "ExternalServiceCodeLegacy must be set and not be an empty string.";
pub const MSG_SHIM_EDITION: &str = "ExternalServiceEditionCodeLegacy must be set and not be zero.";

/// At most this many properties in `propertyList`.
pub const MAX_PROPERTIES: usize = 10;
pub const MAX_PROPERTY_KEY: usize = 50;
pub const MAX_PROPERTY_VALUE: usize = 3000;
/// Uploads with a virus scan are limited to 50 GB (decimal).
pub const MAX_VIRUS_SCAN_UPLOAD_SIZE: i64 = 50_000_000_000;
/// The highest `maxFileTransferSize` the service accepts (32 × 50,000 × 1 MiB).
pub const MAX_FILE_TRANSFER_SIZE: i64 = 1_677_721_600_000;
pub const MAX_TIME_TO_LIVE: Duration = Duration::from_secs(365 * 86_400);
pub const DEFAULT_TIME_TO_LIVE: Duration = Duration::from_secs(30 * 86_400);
pub const MAX_GRACE_PERIOD: Duration = Duration::from_secs(24 * 3600);
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(2 * 3600);

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// ASP.NET's `[Required]` message.
pub fn required_message(field: &str) -> String {
    format!("The {field} field is required.")
}

/// ASP.NET's `[StringLength(max, MinimumLength = min)]` message.
pub fn string_length_message(field: &str, min: usize, max: usize) -> String {
    format!("The field {field} must be a string with a minimum length of {min} and a maximum length of {max}.")
}

fn check_string(errors: &mut ValidationErrors, field: &str, value: Option<&str>, max: usize) {
    let mut msgs = Vec::new();
    match value {
        None => msgs.push(required_message(field)),
        Some(v) => {
            if v.trim().is_empty() {
                msgs.push(required_message(field));
            }
            let len = utf16_len(v);
            if !(1..=max).contains(&len) {
                msgs.push(string_length_message(field, 1, max));
            }
        }
    }
    if !msgs.is_empty() {
        errors.entry(field.to_owned()).or_default().extend(msgs);
    }
}

fn push(errors: &mut ValidationErrors, field: &str, msg: impl Into<String>) {
    errors.entry(field.to_owned()).or_default().push(msg.into());
}

/// The initialize body's model validation. An empty map means valid.
pub fn initialize(req: &InitializeRequest) -> ValidationErrors {
    let mut errors = ValidationErrors::new();

    check_string(&mut errors, "FileName", req.file_name.as_deref(), 255);

    check_string(&mut errors, "ResourceId", req.resource_id.as_deref(), 255);
    if let Some(r) = req.resource_id.as_deref().filter(|r| !r.is_empty()) {
        if ResourceId::parse(r).is_err() {
            push(&mut errors, "ResourceId", MSG_RESOURCE_ID);
        }
    }

    check_string(&mut errors, "SendersFileTransferReference", req.senders_file_transfer_reference.as_deref(), 4096);

    match req.sender.as_deref() {
        None => push(&mut errors, "Sender", required_message("Sender")),
        Some(s) if s.trim().is_empty() => push(&mut errors, "Sender", required_message("Sender")),
        Some(s) => {
            if OrgNumber::parse_input(s).is_err() {
                push(&mut errors, "Sender", MSG_SENDER);
            }
        }
    }

    match req.recipients.as_deref() {
        None => push(&mut errors, "Recipients", required_message("Recipients")),
        Some([]) => push(&mut errors, "Recipients", MSG_RECIPIENTS_REQUIRED),
        Some(list) => {
            if list.iter().any(|r| OrgNumber::parse_input(r).is_err()) {
                push(&mut errors, "Recipients", MSG_RECIPIENT);
            }
        }
    }

    if let Some(props) = &req.property_list {
        if let Some(msg) = property_list_error(props) {
            push(&mut errors, "PropertyList", msg);
        }
    }

    if let Some(msg) = req.checksum.as_deref().and_then(checksum_error) {
        push(&mut errors, "Checksum", msg);
    }

    errors
}

/// The first property-list rule broken, as the service reports only one.
pub fn property_list_error<'a>(props: impl IntoIterator<Item = (&'a String, &'a String)> + Clone) -> Option<String> {
    if props.clone().into_iter().count() > MAX_PROPERTIES {
        return Some(MSG_PROPERTY_COUNT.to_owned());
    }
    for (k, v) in props {
        let kl = utf16_len(k);
        if kl > MAX_PROPERTY_KEY {
            return Some(format!(
                "PropertyList Key can not be longer than {MAX_PROPERTY_KEY}. Length:{kl}, KeyValue:{k}"
            ));
        }
        let vl = utf16_len(v);
        if vl > MAX_PROPERTY_VALUE {
            return Some(format!(
                "PropertyList Value can not be longer than {MAX_PROPERTY_VALUE}. Length:{vl}, Value:{v}"
            ));
        }
    }
    None
}

/// The checksum rule: blank is fine; otherwise exactly 32 characters, all lower-case (hex digits are not checked).
pub fn checksum_error(checksum: &str) -> Option<&'static str> {
    if checksum.trim().is_empty() {
        None
    } else if utf16_len(checksum) != 32 {
        Some(MSG_CHECKSUM_LENGTH)
    } else if checksum.to_lowercase() != checksum {
        Some(MSG_CHECKSUM_CASE)
    } else {
        None
    }
}

/// The resource PUT body's model validation (the class-level manifest-shim rule, keyed `""`).
pub fn resource_model(cfg: &ResourceConfig) -> ValidationErrors {
    let mut errors = ValidationErrors::new();
    if cfg.use_manifest_file_shim == Some(true) {
        if cfg.external_service_code_legacy.as_deref().is_none_or(str::is_empty) {
            push(&mut errors, "", MSG_SHIM_CODE);
        } else if cfg.external_service_edition_code_legacy.is_none_or(|e| e == 0) {
            push(&mut errors, "", MSG_SHIM_EDITION);
        }
    }
    errors
}

/// A resource PUT's values, checked in the handler's order (contract §8.1). `production` enables error 13.
/// `scan_disable_approved`: the resource is pre-approved for uploads without virus scan.
pub fn resource_update(
    cfg: &ResourceConfig,
    production: bool,
    scan_disable_approved: bool,
) -> Result<(), BrokerErrorCode> {
    if let Some(max) = cfg.max_file_transfer_size {
        if max < 0 {
            return Err(BrokerErrorCode::MaxFileTransferSizeNegative);
        }
        if max == 0 {
            return Err(BrokerErrorCode::MaxFileTransferSizeZero);
        }
        if production && max > MAX_VIRUS_SCAN_UPLOAD_SIZE && !scan_disable_approved {
            return Err(BrokerErrorCode::MaxFileTransferSizeOverScanLimit);
        }
        if max > MAX_FILE_TRANSFER_SIZE {
            return Err(BrokerErrorCode::MaxFileTransferSizeOverGlobalLimit);
        }
    }
    if let Some(ttl) = &cfg.file_transfer_time_to_live {
        let d = parse_iso8601(ttl).map_err(|_| BrokerErrorCode::InvalidTimeToLiveFormat)?;
        if d > MAX_TIME_TO_LIVE {
            return Err(BrokerErrorCode::TimeToLiveTooLong);
        }
    }
    if let Some(grace) = &cfg.purge_file_transfer_grace_period {
        let d = parse_iso8601(grace).map_err(|_| BrokerErrorCode::InvalidGracePeriodFormat)?;
        if d > MAX_GRACE_PERIOD {
            return Err(BrokerErrorCode::GracePeriodTooLong);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn valid() -> InitializeRequest {
        InitializeRequest {
            file_name: Some("a.txt".into()),
            resource_id: Some("urn:altinn:resource:altinn-broker-test-resource-1".into()),
            senders_file_transfer_reference: Some("ref".into()),
            sender: Some("0192:991825827".into()),
            recipients: Some(vec!["urn:altinn:organization:identifier-no:986252932".into()]),
            property_list: None,
            checksum: None,
            disable_virus_scan: None,
        }
    }

    #[test]
    fn valid_passes() {
        assert!(initialize(&valid()).is_empty());
    }

    #[test]
    fn each_rule() {
        type Mutation = Box<dyn Fn(&mut InitializeRequest)>;
        let cases: Vec<(Mutation, &str, String)> = vec![
            (Box::new(|r| r.file_name = None), "FileName", required_message("FileName")),
            (Box::new(|r| r.file_name = Some("x".repeat(256))), "FileName", string_length_message("FileName", 1, 255)),
            (Box::new(|r| r.resource_id = Some("a:b".into())), "ResourceId", MSG_RESOURCE_ID.into()),
            (
                Box::new(|r| r.senders_file_transfer_reference = Some(String::new())),
                "SendersFileTransferReference",
                required_message("SendersFileTransferReference"),
            ),
            (Box::new(|r| r.sender = Some("991825827".into())), "Sender", MSG_SENDER.into()),
            (Box::new(|r| r.recipients = Some(vec![])), "Recipients", MSG_RECIPIENTS_REQUIRED.into()),
            (Box::new(|r| r.recipients = Some(vec!["0192:1".into()])), "Recipients", MSG_RECIPIENT.into()),
            (Box::new(|r| r.checksum = Some("abc".into())), "Checksum", MSG_CHECKSUM_LENGTH.into()),
            (Box::new(|r| r.checksum = Some("A".repeat(32))), "Checksum", MSG_CHECKSUM_CASE.into()),
            (
                Box::new(|r| r.property_list = Some((0..11).map(|i| (i.to_string(), "v".into())).collect())),
                "PropertyList",
                MSG_PROPERTY_COUNT.into(),
            ),
            (
                Box::new(|r| r.property_list = Some(BTreeMap::from([("k".repeat(51), "v".into())]))),
                "PropertyList",
                format!("PropertyList Key can not be longer than 50. Length:51, KeyValue:{}", "k".repeat(51)),
            ),
            (
                Box::new(|r| r.property_list = Some(BTreeMap::from([("k".into(), "v".repeat(3001))]))),
                "PropertyList",
                format!("PropertyList Value can not be longer than 3000. Length:3001, Value:{}", "v".repeat(3001)),
            ),
        ];
        for (mutate, key, msg) in cases {
            let mut r = valid();
            mutate(&mut r);
            let errs = initialize(&r);
            assert_eq!(errs.len(), 1, "{key}: {errs:?}");
            assert!(errs[key].contains(&msg), "{key}: {errs:?}");
        }
    }

    #[test]
    fn empty_file_name_gets_both_messages() {
        let mut r = valid();
        r.file_name = Some(String::new());
        assert_eq!(
            initialize(&r)["FileName"],
            vec![required_message("FileName"), string_length_message("FileName", 1, 255)]
        );
    }

    #[test]
    fn blank_checksum_is_fine_and_hex_is_not_checked() {
        assert_eq!(checksum_error(""), None);
        assert_eq!(checksum_error(&"z".repeat(32)), None);
    }

    #[test]
    fn resource_rules() {
        let cfg = |f: fn(&mut ResourceConfig)| {
            let mut c = ResourceConfig::default();
            f(&mut c);
            c
        };
        use BrokerErrorCode::*;
        assert_eq!(
            resource_update(&cfg(|c| c.max_file_transfer_size = Some(-1)), true, false),
            Err(MaxFileTransferSizeNegative)
        );
        assert_eq!(
            resource_update(&cfg(|c| c.max_file_transfer_size = Some(0)), true, false),
            Err(MaxFileTransferSizeZero)
        );
        assert_eq!(
            resource_update(&cfg(|c| c.max_file_transfer_size = Some(50_000_000_001)), true, false),
            Err(MaxFileTransferSizeOverScanLimit)
        );
        assert_eq!(resource_update(&cfg(|c| c.max_file_transfer_size = Some(50_000_000_001)), true, true), Ok(()));
        assert_eq!(
            resource_update(&cfg(|c| c.max_file_transfer_size = Some(MAX_FILE_TRANSFER_SIZE + 1)), true, true),
            Err(MaxFileTransferSizeOverGlobalLimit)
        );
        assert_eq!(
            resource_update(&cfg(|c| c.file_transfer_time_to_live = Some("30 days".into())), true, false),
            Err(InvalidTimeToLiveFormat)
        );
        assert_eq!(
            resource_update(&cfg(|c| c.file_transfer_time_to_live = Some("P366D".into())), true, false),
            Err(TimeToLiveTooLong)
        );
        assert_eq!(resource_update(&cfg(|c| c.file_transfer_time_to_live = Some("P365D".into())), true, false), Ok(()));
        assert_eq!(
            resource_update(&cfg(|c| c.purge_file_transfer_grace_period = Some("2h".into())), true, false),
            Err(InvalidGracePeriodFormat)
        );
        assert_eq!(
            resource_update(&cfg(|c| c.purge_file_transfer_grace_period = Some("PT25H".into())), true, false),
            Err(GracePeriodTooLong)
        );
        assert_eq!(
            resource_update(&cfg(|c| c.purge_file_transfer_grace_period = Some("P3D".into())), true, false),
            Err(GracePeriodTooLong)
        );
        assert_eq!(
            resource_update(&cfg(|c| c.purge_file_transfer_grace_period = Some("PT24H".into())), true, false),
            Ok(())
        );
        let shim = cfg(|c| c.use_manifest_file_shim = Some(true));
        assert_eq!(resource_model(&shim)[""], vec![MSG_SHIM_CODE.to_string()]);
    }
}
