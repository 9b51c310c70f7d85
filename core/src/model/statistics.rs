//! Monthly statistics (contract §8.5).

use serde::{Deserialize, Serialize};

/// The CSV header row of `GET /broker/api/v1/statistics/monthly`.
pub const MONTHLY_STATISTICS_HEADER: &str = "year,month,resourceId,senderVendor,recipientVendor,sender,recipient,totalFileTransfers,uploadCount,totalTransferDownloadAttempts,transfersWithDownloadConfirmed";

/// The query of `GET /broker/api/v1/statistics/monthly`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase")]
pub struct MonthlyStatisticsQuery {
    pub year: i32,
    pub month: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Defaults to true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_end_user: Option<bool>,
    /// Defaults to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_vendor: Option<bool>,
}

impl MonthlyStatisticsQuery {
    /// The query pairs, in the service's parameter names.
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![("year", self.year.to_string()), ("month", self.month.to_string())];
        if let Some(r) = &self.resource_id {
            q.push(("resourceId", r.clone()));
        }
        if let Some(b) = self.include_end_user {
            q.push(("includeEndUser", b.to_string()));
        }
        if let Some(b) = self.include_vendor {
            q.push(("includeVendor", b.to_string()));
        }
        q
    }

    /// Whether year and month name a real month (error 6003 otherwise; 9999-12 is refused too).
    pub fn month_is_valid(&self) -> bool {
        (1..=9999).contains(&self.year) && (1..=12).contains(&self.month) && !(self.year == 9999 && self.month == 12)
    }
}
