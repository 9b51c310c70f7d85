//! Every input rule the service checks before it acts, with its exact messages (contract §1.2, §8.1).
//!
//! The emulator answers with these; the client refuses with them before anything is sent. Lengths count UTF-16
//! code units, as .NET's `string.Length` does.
//!
//! For the initialize body, [`initialize_json`] gives the service's whole verdict on the bytes a caller sends
//! ([`crate::binding`] first, then the model's attributes); [`initialize`] judges a request built in Rust as the
//! service judges the JSON serde writes for it.

use std::time::Duration;

use crate::binding::{bind_initialize, BoundInitialize};
use crate::duration::parse_iso8601;
use crate::error_codes::BrokerErrorCode;
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

fn push(errors: &mut ValidationErrors, field: &str, msg: impl Into<String>) {
    errors.entry(field.to_owned()).or_default().push(msg.into());
}

/// `[Required]` (explicit, or implied by a non-nullable reference type under `<Nullable>enable</Nullable>`):
/// `null`, empty and white-space-only strings fail (`string.IsNullOrWhiteSpace`; Rust's `char::is_whitespace` is the
/// same Unicode `White_Space` set as .NET's `char.IsWhiteSpace`).
fn required_fails(value: Option<&str>) -> bool {
    value.is_none_or(|v| v.trim().is_empty())
}

/// `[StringLength(max, MinimumLength = 1)]`: `null` passes; the length counts UTF-16 code units.
fn length_fails(value: Option<&str>, max: usize) -> bool {
    value.is_some_and(|v| !(1..=max).contains(&utf16_len(v)))
}

/// A string member with `[Required]` and `[StringLength(max, MinimumLength = 1)]`. MVC runs every validator of a
/// member and puts `[Required]` first (`DataAnnotationsModelValidatorProvider`), so an empty string gets both.
fn check_string(errors: &mut ValidationErrors, field: &str, value: Option<&str>, max: usize) {
    if required_fails(value) {
        push(errors, field, required_message(field));
    }
    if length_fails(value, max) {
        push(errors, field, string_length_message(field, 1, max));
    }
}

/// .NET's `\d` without `RegexOptions.ECMAScript`: any UTF-16 code unit of category `Nd` — the BMP's 37 decimal
/// digit runs (a supplementary-plane digit is two surrogate units, neither a digit). Generated from Unicode's
/// `UnicodeData.txt`; the BMP has gained no `Nd` run since Unicode 6.
const BMP_DECIMAL_DIGITS: &[(u32, u32)] = &[
    (0x0030, 0x0039),
    (0x0660, 0x0669),
    (0x06F0, 0x06F9),
    (0x07C0, 0x07C9),
    (0x0966, 0x096F),
    (0x09E6, 0x09EF),
    (0x0A66, 0x0A6F),
    (0x0AE6, 0x0AEF),
    (0x0B66, 0x0B6F),
    (0x0BE6, 0x0BEF),
    (0x0C66, 0x0C6F),
    (0x0CE6, 0x0CEF),
    (0x0D66, 0x0D6F),
    (0x0DE6, 0x0DEF),
    (0x0E50, 0x0E59),
    (0x0ED0, 0x0ED9),
    (0x0F20, 0x0F29),
    (0x1040, 0x1049),
    (0x1090, 0x1099),
    (0x17E0, 0x17E9),
    (0x1810, 0x1819),
    (0x1946, 0x194F),
    (0x19D0, 0x19D9),
    (0x1A80, 0x1A89),
    (0x1A90, 0x1A99),
    (0x1B50, 0x1B59),
    (0x1BB0, 0x1BB9),
    (0x1C40, 0x1C49),
    (0x1C50, 0x1C59),
    (0xA620, 0xA629),
    (0xA8D0, 0xA8D9),
    (0xA900, 0xA909),
    (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9),
    (0xAA50, 0xAA59),
    (0xABF0, 0xABF9),
    (0xFF10, 0xFF19),
];

/// Whether `c` matches .NET's `\d`.
pub fn is_dotnet_digit(c: char) -> bool {
    let c = c as u32;
    BMP_DECIMAL_DIGITS.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

fn dotnet_digits(s: &str, n: usize) -> bool {
    s.chars().count() == n && s.chars().all(is_dotnet_digit)
}

/// `Constants.OrgNumberPattern`, `^(?:\d{4}:\d{9}|urn:altinn:organization:identifier-no:\d{9})$`, as
/// `RegularExpressionAttribute` applies it: the match must cover the whole string, so `$` matching before a final
/// `\n` does not help. `\d` is .NET's (any `Nd` digit, e.g. `٠١٩٢:٩١٠٧٥٣٦١٤` matches).
pub fn matches_org_number_pattern(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("urn:altinn:organization:identifier-no:") {
        return dotnet_digits(rest, 9);
    }
    match s.split_once(':') {
        Some((icd, rest)) => dotnet_digits(icd, 4) && dotnet_digits(rest, 9),
        None => false,
    }
}

/// `RegularExpressionAttribute.IsValid`: `null` and `""` pass ("RequiredAttribute should be used to assert a value is
/// not empty"); anything else must match.
fn org_attribute_passes(value: Option<&str>) -> bool {
    value.is_none_or(|v| v.is_empty() || matches_org_number_pattern(v))
}

/// `ResourceIdentifierAttribute.IsValidResourceFormat`: `""` passes, otherwise `Regex.IsMatch` with
/// `^(?:urn:altinn:resource:)?[^:]{1,255}$` (UTF-16 units; `$` also matches before a final `\n`).
pub fn is_valid_resource_format(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let tail = s.strip_prefix("urn:altinn:resource:").unwrap_or(s);
    let len = utf16_len(tail);
    !tail.contains(':') && ((1..=255).contains(&len) || (len == 256 && tail.ends_with('\n')))
}

/// What the service does with an initialize body, end to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitializeRejection {
    /// 400 ValidationProblemDetails with these errors (binding, or model validation).
    Invalid(ValidationErrors),
    /// The service throws on this input (HTTP 500, `UseExceptionHandler`'s ProblemDetails); the text says where.
    Unhandled(&'static str),
}

/// The service's `NullReferenceException`s on bound values that pass (or reach) the validation.
pub const UNHANDLED_NULL_PROPERTY_VALUE: &str =
    "PropertyListAttribute reads keyValuePair.Value.Length of a null value (PropertyListAttribute.cs)";
pub const UNHANDLED_NULL_RECIPIENT: &str =
    "InitializeFileTransferHandler calls recipient.StartsWith on a null recipient (InitializeFileTransferHandler.cs)";

/// The model validation of a bound initialize body (`FileTransferInitializeExt.cs` and its attributes). An empty map
/// means valid.
pub fn initialize_bound(m: &BoundInitialize) -> Result<ValidationErrors, InitializeRejection> {
    let mut errors = ValidationErrors::new();

    // [StringLength(255, MinimumLength = 1)] [Required]
    check_string(&mut errors, "FileName", m.file_name.as_deref(), 255);

    // [StringLength(255, MinimumLength = 1)] [Required] [ResourceIdentifier]; the last refuses a null value too.
    check_string(&mut errors, "ResourceId", m.resource_id.as_deref(), 255);
    if m.resource_id.as_deref().is_none_or(|r| !is_valid_resource_format(r)) {
        push(&mut errors, "ResourceId", MSG_RESOURCE_ID);
    }

    // [StringLength(4096, MinimumLength = 1)] plus the implicit [Required] of a non-nullable `string`.
    check_string(&mut errors, "SendersFileTransferReference", m.senders_file_transfer_reference.as_deref(), 4096);

    // [RegularExpression(OrgNumberPattern)] [Required]: white space alone fails both.
    let sender = m.sender.as_deref();
    if required_fails(sender) {
        push(&mut errors, "Sender", required_message("Sender"));
    }
    if !org_attribute_passes(sender) {
        push(&mut errors, "Sender", MSG_SENDER);
    }

    // [ValidateElementsInList(RegularExpression)] [Required] [MinLength(1)]: a null or empty element passes the
    // per-element check (`ValidateElementsInList.cs` calls `RegularExpressionAttribute.IsValid` on each).
    match &m.recipients {
        None => push(&mut errors, "Recipients", required_message("Recipients")),
        Some(list) => {
            if !list.iter().all(|r| org_attribute_passes(r.as_deref())) {
                push(&mut errors, "Recipients", MSG_RECIPIENT);
            }
            if list.is_empty() {
                push(&mut errors, "Recipients", MSG_RECIPIENTS_REQUIRED);
            }
        }
    }

    // [PropertyList] plus the implicit [Required] of a non-nullable `Dictionary`.
    match &m.property_list {
        None => push(&mut errors, "PropertyList", required_message("PropertyList")),
        Some(entries) => {
            if let Some(msg) = property_list_rule(entries)? {
                push(&mut errors, "PropertyList", msg);
            }
        }
    }

    // [MD5Checksum] on a `string?`: null passes.
    if let Some(msg) = m.checksum.as_deref().and_then(checksum_error) {
        push(&mut errors, "Checksum", msg);
    }

    Ok(errors)
}

/// `PropertyListAttribute`: the count first, then each entry in order, key before value.
fn property_list_rule(entries: &[(String, Option<String>)]) -> Result<Option<String>, InitializeRejection> {
    if entries.len() > MAX_PROPERTIES {
        return Ok(Some(MSG_PROPERTY_COUNT.to_owned()));
    }
    for (k, v) in entries {
        let kl = utf16_len(k);
        if kl > MAX_PROPERTY_KEY {
            return Ok(Some(format!(
                "PropertyList Key can not be longer than {MAX_PROPERTY_KEY}. Length:{kl}, KeyValue:{k}"
            )));
        }
        let v = v.as_deref().ok_or(InitializeRejection::Unhandled(UNHANDLED_NULL_PROPERTY_VALUE))?;
        let vl = utf16_len(v);
        if vl > MAX_PROPERTY_VALUE {
            return Ok(Some(format!(
                "PropertyList Value can not be longer than {MAX_PROPERTY_VALUE}. Length:{vl}, Value:{v}"
            )));
        }
    }
    Ok(None)
}

/// The initialize body's model validation, for a request built in Rust: judged as the service judges the JSON serde
/// writes for it (a `None` serialized as `null` is a null member, a skipped one keeps the model's default; see
/// [`BoundInitialize::from_request`]). An empty map means valid.
pub fn initialize(req: &InitializeRequest) -> ValidationErrors {
    // A request from Rust holds no null recipient or property value, so the validation cannot throw.
    initialize_bound(&BoundInitialize::from_request(req)).unwrap_or_default()
}

/// The service's verdict on an initialize body: the binding errors if it does not bind, else the model validation,
/// else the request the handler receives.
pub fn initialize_json(body: &[u8]) -> Result<InitializeRequest, InitializeRejection> {
    let bound = bind_initialize(body).map_err(InitializeRejection::Invalid)?;
    let errors = initialize_bound(&bound)?;
    if !errors.is_empty() {
        return Err(InitializeRejection::Invalid(errors));
    }
    bound_to_request(bound)
}

/// A validated model as [`InitializeRequest`] (a null recipient is the handler's `NullReferenceException`). Every
/// member the validation requires is present by now; for a model bound elsewhere (the emulator's form binding).
pub fn bound_to_request(m: BoundInitialize) -> Result<InitializeRequest, InitializeRejection> {
    let recipients = m
        .recipients
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.ok_or(InitializeRejection::Unhandled(UNHANDLED_NULL_RECIPIENT)))
        .collect::<Result<Vec<_>, _>>()?;
    let property_list =
        crate::small::map(m.property_list.unwrap_or_default().into_iter().map(|(k, v)| (k, v.unwrap_or_default())));
    Ok(InitializeRequest {
        file_name: m.file_name,
        resource_id: m.resource_id,
        senders_file_transfer_reference: m.senders_file_transfer_reference,
        sender: m.sender,
        recipients: Some(recipients),
        property_list: Some(property_list),
        checksum: m.checksum,
        disable_virus_scan: m.disable_virus_scan,
    })
}

/// The first property-list rule broken, as the service reports only one.
pub fn property_list_error<'a>(props: impl IntoIterator<Item = (&'a String, &'a String)> + Clone) -> Option<String> {
    let entries: Vec<(String, Option<String>)> = props.into_iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
    property_list_rule(&entries).ok().flatten()
}

/// `MD5ChecksumAttribute`: blank is fine; otherwise exactly 32 UTF-16 units, equal to its `ToLowerInvariant()` (hex
/// digits are not checked).
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
