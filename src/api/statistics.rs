//! Monthly statistics (contract §8.5): a CSV document.

use altinn_broker_core::model::MonthlyStatisticsQuery;
use altinn_broker_core::paths;
use altinn_broker_core::BrokerErrorCode;

use crate::client::Client;
use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::http::transport::{read_text, Request};

/// The service's checks of the query, in its order.
pub fn check_statistics_query(q: &MonthlyStatisticsQuery) -> Result<(), Error> {
    if !q.month_is_valid() {
        return Err(Error::Refused(BrokerErrorCode::InvalidYearOrMonth));
    }
    if q.include_end_user == Some(false) && q.include_vendor != Some(true) {
        return Err(Error::Refused(BrokerErrorCode::NoStatisticsAudience));
    }
    Ok(())
}

impl Client {
    pub async fn monthly_statistics(&self, q: &MonthlyStatisticsQuery, guard: &CallGuard) -> Result<String, Error> {
        check_statistics_query(q)?;
        let mut r = Request::get(paths::STATISTICS_MONTHLY);
        r.query = q.to_query_pairs();
        // The action produces text/csv; an Accept naming only JSON would get 406.
        r.accept = None;
        let resp = self.transport.send(&r, guard).await?;
        read_text(resp, guard).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_rules() {
        let q = |year, month, end_user, vendor| MonthlyStatisticsQuery {
            year,
            month,
            resource_id: None,
            include_end_user: end_user,
            include_vendor: vendor,
        };
        assert!(check_statistics_query(&q(2026, 4, None, None)).is_ok());
        assert!(matches!(
            check_statistics_query(&q(2026, 13, None, None)),
            Err(Error::Refused(BrokerErrorCode::InvalidYearOrMonth))
        ));
        assert!(matches!(
            check_statistics_query(&q(2026, 1, Some(false), None)),
            Err(Error::Refused(BrokerErrorCode::NoStatisticsAudience))
        ));
        assert!(check_statistics_query(&q(2026, 1, Some(false), Some(true))).is_ok());
    }
}
