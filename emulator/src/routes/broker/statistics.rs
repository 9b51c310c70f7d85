//! `GET /broker/api/v1/statistics/monthly` (contract §8.5), `ServiceOwner` policy: the caller's transfers of one
//! month as a CSV attachment. The real service reads a rollup refreshed by a daily job; the emulator aggregates
//! live with the same rules ([`crate::store::statistics`]), so a report is current at once.

use altinn_broker_core::model::MonthlyStatisticsQuery;
use altinn_broker_core::problem::ValidationErrors;
use altinn_broker_core::{paths, BrokerErrorCode};
use axum::extract::{Query, State};
use axum::http::header;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use time::{Date, Month, OffsetDateTime, Time};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::extract::accept;
use crate::extract::AsServiceOwner;
use crate::routes::openapi::{self, Auth, NotAcceptable, ProblemDetails};
use crate::state::AppState;
use crate::store::statistics;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(monthly)).route_layer(middleware::from_fn(accept::produces_csv))
}

/// Binds the query as MVC binds `[FromQuery] GetMonthlyStatisticsReportRequest`: names case-insensitive, a missing
/// number is 0 (then refused as error 6003), an unreadable value is a validation error keyed by the property.
fn bind(pairs: &[(String, String)]) -> Result<MonthlyStatisticsQuery, AppError> {
    let get = |name: &str| pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
    let mut errors = ValidationErrors::new();
    let mut invalid = |property: &str, value: &str| {
        errors
            .entry(property.to_owned())
            .or_default()
            .push(format!("The value '{value}' is not valid for {property}."));
    };
    let mut int = |name: &str, property: &str| match get(name) {
        None | Some("") => 0,
        Some(v) => v.parse::<i32>().unwrap_or_else(|_| {
            invalid(property, v);
            0
        }),
    };
    let year = int("year", "Year");
    let month = int("month", "Month");
    let mut boolean = |name: &str, property: &str| match get(name) {
        None | Some("") => None,
        Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
        Some(v) => {
            invalid(property, v);
            None
        }
    };
    let include_end_user = boolean("includeEndUser", "IncludeEndUser");
    let include_vendor = boolean("includeVendor", "IncludeVendor");
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let resource_id = get("resourceId").filter(|r| !r.is_empty()).map(str::to_owned);
    Ok(MonthlyStatisticsQuery { year, month, resource_id, include_end_user, include_vendor })
}

/// The report's file name, as the service builds it.
fn file_name(resource_id: Option<&str>, year: i32, month: i32) -> String {
    let segment = match resource_id {
        None => "all-resources".to_owned(),
        // .NET's invalid file name characters on Linux are '\0' and '/'.
        Some(r) => r.split(['/', '\0']).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("_"),
    };
    format!("monthly_statistics_{segment}_{year:04}-{month:02}.csv")
}

fn month_start(year: i32, month: i32) -> Option<OffsetDateTime> {
    let m = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Some(Date::from_calendar_date(year, m, 1).ok()?.with_time(Time::MIDNIGHT).assume_utc())
}

/// The query binds into core's [`MonthlyStatisticsQuery`], whose fields are the documented parameters.
#[utoipa::path(
    get,
    path = paths::STATISTICS_MONTHLY,
    tag = openapi::TAG_SERVICE_OWNER,
    summary = "Monthly statistics of the caller's resources as CSV",
    extensions(("x-altinn-policy" = json!("ServiceOwner"))),
    params(MonthlyStatisticsQuery),
    responses(
        (status = 200, description = "CSV attachment `monthly_statistics_<resource or all-resources>_<yyyy-MM>.csv`",
            body = String, content_type = "text/csv"),
        (status = 400, description = "BRO-06003/06005/00025, or an unreadable parameter (validation)",
            body = ProblemDetails, content_type = "application/problem+json"),
        Auth,
        NotAcceptable,
    ),
)]
async fn monthly(
    State(state): State<AppState>,
    AsServiceOwner(caller): AsServiceOwner,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let q = bind(&pairs)?;
    if !q.month_is_valid() {
        return Err(BrokerErrorCode::InvalidYearOrMonth.into());
    }
    let include_end_user = q.include_end_user.unwrap_or(true);
    let include_vendor = q.include_vendor.unwrap_or(false);
    if !include_end_user && !include_vendor {
        return Err(BrokerErrorCode::NoStatisticsAudience.into());
    }
    let from = month_start(q.year, q.month).ok_or(BrokerErrorCode::InvalidYearOrMonth)?;
    let (next_year, next_month) = if q.month == 12 { (q.year + 1, 1) } else { (q.year, q.month + 1) };
    let to = month_start(next_year, next_month).ok_or(BrokerErrorCode::InvalidYearOrMonth)?;
    let owner = caller.org.ok_or(BrokerErrorCode::NoAccessToResource)?;
    if let Some(resource_id) = q.resource_id.as_deref() {
        let resource = state.store.resource(resource_id)?.ok_or(BrokerErrorCode::ResourceNotConfigured)?;
        if resource.organization_number != owner {
            return Err(BrokerErrorCode::NoAccessToResource.into());
        }
    }
    let rows = statistics::monthly(&*state.store.conn()?, &owner, from, to, q.resource_id.as_deref())?;
    let csv = statistics::to_csv(q.year, q.month, &statistics::project(rows, include_end_user, include_vendor));
    let name = file_name(q.resource_id.as_deref(), q.year, q.month);
    let disposition = format!("attachment; filename={name}; filename*=UTF-8''{}", percent_encode(&name));
    Ok(([(header::CONTENT_TYPE, "text/csv".to_owned()), (header::CONTENT_DISPOSITION, disposition)], csv)
        .into_response())
}

/// RFC 5987 value encoding for `filename*`.
fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
        .replace("%2E", ".")
        .replace("%5F", "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_months() {
        assert_eq!(file_name(None, 2026, 1), "monthly_statistics_all-resources_2026-01.csv");
        assert_eq!(file_name(Some("a/b"), 2026, 12), "monthly_statistics_a_b_2026-12.csv");
        assert!(month_start(2026, 13).is_none());
        assert_eq!(month_start(2026, 2).unwrap().to_string(), "2026-02-01 0:00:00.0 +00:00:00");
    }

    #[test]
    fn binding() {
        let q = |s: &[(&str, &str)]| bind(&s.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>());
        let ok = q(&[("YEAR", "2026"), ("month", "4"), ("includeVendor", "True")]).unwrap();
        assert_eq!((ok.year, ok.month, ok.include_vendor, ok.include_end_user), (2026, 4, Some(true), None));
        assert_eq!(q(&[]).unwrap().year, 0);
        match q(&[("year", "abc")]) {
            Err(AppError::Validation(e)) => assert_eq!(e["Year"], ["The value 'abc' is not valid for Year."]),
            other => panic!("{other:?}"),
        }
    }
}
