//! Resource configuration (`ResourceExt`, contract §8.1, §8.2).

use serde::{Deserialize, Serialize};

/// The resource PUT body and GET answer. On PUT every field is optional and only present, non-null fields change.
/// On GET the two durations come back in .NET `TimeSpan` form (`"30.00:00:00"`), not ISO-8601.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ResourceExt))]
#[serde(rename_all = "camelCase")]
pub struct ResourceConfig {
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub max_file_transfer_size: Option<i64>,
    #[serde(default)]
    /// PUT: an ISO 8601 duration (`P30D`). GET: a .NET `TimeSpan` (`30.00:00:00`).
    pub file_transfer_time_to_live: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_bool")]
    pub purge_file_transfer_after_all_recipients_confirmed: Option<bool>,
    #[serde(default)]
    /// PUT: an ISO 8601 duration (`PT2H`). GET: a .NET `TimeSpan` (`02:00:00`).
    pub purge_file_transfer_grace_period: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_bool")]
    pub use_manifest_file_shim: Option<bool>,
    #[serde(default)]
    pub external_service_code_legacy: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_i32")]
    pub external_service_edition_code_legacy: Option<i32>,
    #[serde(default)]
    pub required_party: Option<String>,
}

impl ResourceConfig {
    pub const FIELDS: &'static [&'static str] = &[
        "maxFileTransferSize",
        "fileTransferTimeToLive",
        "purgeFileTransferAfterAllRecipientsConfirmed",
        "purgeFileTransferGracePeriod",
        "useManifestFileShim",
        "externalServiceCodeLegacy",
        "externalServiceEditionCodeLegacy",
        "requiredParty",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_strings() {
        let r: ResourceConfig =
            serde_json::from_str(r#"{"maxFileTransferSize":"1112391230","useManifestFileShim":"false"}"#).unwrap();
        assert_eq!(r.max_file_transfer_size, Some(1_112_391_230));
        assert_eq!(r.use_manifest_file_shim, Some(false));
        let all_null = serde_json::to_value(ResourceConfig::default()).unwrap();
        assert_eq!(all_null.as_object().unwrap().len(), ResourceConfig::FIELDS.len());
    }
}
