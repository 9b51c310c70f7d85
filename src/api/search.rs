//! Search (contract §4): at most 100 ids per call, and [`Client::search_all`], which pages past the cap by
//! narrowing the time window to what the previous page had not reached.

use std::collections::HashSet;

use altinn_broker_core::model::search::SEARCH_LIMIT;
use altinn_broker_core::model::SearchQuery;
use altinn_broker_core::paths;
use altinn_broker_core::problem::ValidationErrors;
use altinn_broker_core::validate::required_message;
use time::{Duration, OffsetDateTime};

use crate::client::Client;
use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::http::transport::{read_json, Request};

fn check(q: &SearchQuery) -> Result<(), Error> {
    if q.resource_id.trim().is_empty() {
        let mut errors = ValidationErrors::new();
        errors.insert("resourceId".into(), vec![required_message("resourceId")]);
        return Err(Error::Validation(errors));
    }
    Ok(())
}

/// The window of the next page. The sort key of the page's last id is `boundary`; the next window reaches one
/// microsecond past it so that transfers sharing that timestamp are not lost (the service's bounds are strict
/// when only one is given); ids seen before are dropped by the caller.
pub fn next_window(q: &SearchQuery, boundary: OffsetDateTime) -> SearchQuery {
    let mut next = q.clone();
    let step = Duration::microseconds(1);
    if q.order_ascending == Some(true) {
        next.from = Some(boundary - step);
    } else {
        next.to = Some(boundary + step);
    }
    next
}

impl Client {
    /// `GET /filetransfer?...`: up to 100 ids, newest first unless `orderAscending`.
    pub async fn search(&self, q: &SearchQuery, guard: &CallGuard) -> Result<Vec<String>, Error> {
        check(q)?;
        let mut r = Request::get(paths::FILE_TRANSFER);
        r.query = q.to_query_pairs();
        let resp = self.transport.send(&r, guard).await?;
        read_json(resp, guard).await
    }

    /// Every id the query matches, paging past the cap. Each further page costs one overview (to learn the sort
    /// key of the last id) and one search. Stops at `max` ids when given.
    pub async fn search_all(
        &self,
        q: &SearchQuery,
        max: Option<usize>,
        guard: &CallGuard,
    ) -> Result<Vec<String>, Error> {
        check(q)?;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut window = q.clone();
        loop {
            let page = self.search(&window, guard).await?;
            let full = page.len() >= SEARCH_LIMIT;
            let last = page.last().cloned();
            let mut fresh = 0;
            for id in page {
                if seen.insert(id.clone()) {
                    out.push(id);
                    fresh += 1;
                    if max.is_some_and(|m| out.len() >= m) {
                        return Ok(out);
                    }
                }
            }
            // A short page is the last one; a full page of nothing new means more than 100 transfers share one
            // timestamp, which no window can separate.
            let Some(last) = last.filter(|_| full && fresh > 0) else {
                return Ok(out);
            };
            let o = self.overview(super::transfer_id(&last)?, guard).await?;
            // With a status filter the service sorts by when the transfer entered it, which for a transfer whose
            // latest status matches is `fileTransferStatusChanged`; otherwise by `created`.
            let key = if q.status.is_some() { o.summary.file_transfer_status_changed } else { o.summary.created };
            window = next_window(&window, key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn windows_move_the_right_way() {
        let t = datetime!(2026-11-24 08:00:00.000005 UTC);
        let mut q = SearchQuery::new("r");
        q.from = Some(datetime!(2026-01-01 0:00 UTC));
        let down = next_window(&q, t);
        assert_eq!(down.to, Some(datetime!(2026-11-24 08:00:00.000006 UTC)));
        assert_eq!(down.from, q.from);
        q.order_ascending = Some(true);
        let up = next_window(&q, t);
        assert_eq!(up.from, Some(datetime!(2026-11-24 08:00:00.000004 UTC)));
        assert_eq!(up.to, None);
    }

    #[test]
    fn resource_id_is_required() {
        assert!(matches!(check(&SearchQuery::new(" ")), Err(Error::Validation(_))));
        assert!(check(&SearchQuery::new("r")).is_ok());
    }
}
