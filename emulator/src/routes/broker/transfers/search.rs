//! `GET /broker/api/v1/filetransfer?resourceId=...` (contract §4).

use altinn_broker_core::model::search::{SearchQuery, SearchRole, SEARCH_LIMIT};
use altinn_broker_core::problem::ValidationErrors;
use altinn_broker_core::{paths, BrokerErrorCode, FileTransferStatus, RecipientStatus};
use axum::extract::{Query, State};
use axum::Json;
use time::OffsetDateTime;

use crate::auth::pdp;
use crate::error::AppError;
use crate::extract::AsSenderOrRecipient;
use crate::routes::openapi::{self, Auth, NotAcceptable, ValidationProblemDetails};
use crate::state::AppState;
use crate::store::resources;
use crate::store::transfers::{self, Search};

/// The query is read leniently (names in any case, as MVC binds `[FromQuery]`) into core's [`SearchQuery`], whose
/// fields are the documented parameters.
#[utoipa::path(
    get,
    path = paths::FILE_TRANSFER,
    tag = openapi::TAG_TRANSFER,
    summary = "Search the caller's file transfers (at most 100 ids)",
    extensions(("x-altinn-policy" = json!("SenderOrRecipient"))),
    params(SearchQuery),
    responses(
        (status = 200, description = "Ids", body = Vec<uuid::Uuid>, content_type = "application/json"),
        (status = 400, description = "resourceId missing or a parameter unreadable", body = ValidationProblemDetails,
            content_type = "application/problem+json"),
        Auth,
        NotAcceptable,
    ),
)]
pub async fn search(
    AsSenderOrRecipient(caller): AsSenderOrRecipient,
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<Vec<String>>, AppError> {
    let q = Params::parse(&pairs)?;
    let org = caller.org.ok_or(BrokerErrorCode::NoAccessToResource)?;
    let conn = state.store.conn()?;
    let resource = resources::get(&conn, &q.resource_id)?;
    pdp::check_search(&state.world, resource.as_ref(), &caller)?;
    if resource.is_none() {
        return Err(BrokerErrorCode::ResourceNotRegistered.into());
    }
    let actor = org.to_prefixed();
    if !transfers::actor_known(&conn, &actor)? {
        return Ok(Json(Vec::new()));
    }
    let ids = transfers::search(
        &conn,
        &Search {
            resource_id: q.resource_id,
            caller: actor,
            status: q.status,
            recipient_status: q.recipient_status,
            from: q.from,
            to: q.to,
            ascending: q.order_ascending,
            role: q.role,
            limit: SEARCH_LIMIT,
        },
    )?;
    Ok(Json(ids.into_iter().map(|i| i.to_string()).collect()))
}

/// The query, bound as ASP.NET binds it: names case-insensitive, a bad value is a validation error keyed by the
/// parameter name.
#[derive(Debug)]
struct Params {
    resource_id: String,
    status: Option<FileTransferStatus>,
    recipient_status: Option<RecipientStatus>,
    from: Option<OffsetDateTime>,
    to: Option<OffsetDateTime>,
    order_ascending: bool,
    role: Option<SearchRole>,
}

impl Params {
    fn parse(pairs: &[(String, String)]) -> Result<Self, AppError> {
        let get = |name: &str| pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        let mut errors = ValidationErrors::new();
        let mut invalid = |name: &str, value: &str| {
            errors.entry(name.to_owned()).or_default().push(format!("The value '{value}' is not valid."));
        };
        let resource_id = get("resourceId").filter(|v| !v.trim().is_empty()).map(str::to_owned);
        let mut parse = |name: &str, f: &dyn Fn(&str) -> bool| {
            if let Some(v) = get(name).filter(|v| !v.is_empty()) {
                if !f(v) {
                    invalid(name, v);
                }
            }
        };
        parse("status", &|v| FileTransferStatus::parse(v).is_some());
        parse("recipientStatus", &|v| RecipientStatus::parse(v).is_some());
        parse("from", &|v| parse_time(v).is_some());
        parse("to", &|v| parse_time(v).is_some());
        parse("orderAscending", &|v| parse_bool(v).is_some());
        parse("role", &|v| SearchRole::parse(v).is_some());
        let Some(resource_id) = resource_id else {
            errors.insert("resourceId".into(), vec![altinn_broker_core::validate::required_message("resourceId")]);
            return Err(AppError::Validation(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let opt = |name: &str| get(name).filter(|v| !v.is_empty());
        Ok(Self {
            resource_id,
            status: opt("status").and_then(FileTransferStatus::parse),
            recipient_status: opt("recipientStatus").and_then(RecipientStatus::parse),
            from: opt("from").and_then(parse_time),
            to: opt("to").and_then(parse_time),
            order_ascending: opt("orderAscending").and_then(parse_bool).unwrap_or(false),
            role: opt("role").and_then(SearchRole::parse),
        })
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// `DateTimeOffset` binding: RFC 3339 with or without an offset (no offset means UTC here), or a bare date.
fn parse_time(v: &str) -> Option<OffsetDateTime> {
    let v = v.trim();
    if let Ok(t) = altinn_broker_core::timestamp::parse(v) {
        return Some(t);
    }
    let with_zone = if v.len() == 10 { format!("{v}T00:00:00Z") } else { format!("{v}Z") };
    altinn_broker_core::timestamp::parse(&with_zone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn binds_like_aspnet() {
        let p = Params::parse(&pairs(&[
            ("RESOURCEID", "r"),
            ("status", "published"),
            ("from", "2026-08-18"),
            ("to", "2026-08-19T10:00:00+02:00"),
            ("orderAscending", "True"),
            ("role", "recipient"),
        ]))
        .unwrap();
        assert_eq!(p.status, Some(FileTransferStatus::Published));
        assert!(p.order_ascending);
        assert_eq!(p.role, Some(SearchRole::Recipient));
        assert!(p.from.unwrap() < p.to.unwrap());
        let Err(AppError::Validation(e)) = Params::parse(&pairs(&[("status", "nope")])) else { panic!() };
        assert!(e.contains_key("resourceId") && e.contains_key("status"));
    }
}
