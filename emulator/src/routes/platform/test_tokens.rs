//! The test token generator, in the shape of Altinn's (`altinn-testtools-token-generator`, events-auth contract §4):
//!
//! - `GET /api/GetEnterpriseToken?env=tt02&scopes=...[&orgNo=][&org=][&supplierOrgNo=][&clientId=][&ttl=]
//!   [&delegationSource=][&bulkCount=][&dump=1]`
//! - `GET /api/GetSystemUserToken?env=tt02&systemUserId=<GUID>[&orgNo=<vendor>][&systemUserOrg=][&scopes=]
//!   [&supplierOrgNo=][&clientId=][&ttl=][&dump=1]`
//!
//! Both answer the JWT as `text/plain` (a quoted JSON string for `Accept: application/json`, as ASP.NET writes an
//! `OkObjectResult(string)`); bad parameters give 400 with the generator's JSON object of messages. Parameter names
//! match case-insensitively. Unlike the real generator there is no basic authentication: the emulator only listens
//! on loopback. Parsing and claims are `crate::auth::issuer`'s.

use altinn_broker_core::platform::{ENTERPRISE_TOKEN, SYSTEM_USER_TOKEN};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::issuer::{self, EnterpriseRequest, ParamErrors, SystemUserRequest};
use crate::error::AppError;
use crate::routes::openapi;
use crate::routes::platform::negotiate::{json_result, string_result};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(enterprise)).routes(routes!(system_user))
}

fn bad_request(e: ParamErrors) -> Response {
    json_result(StatusCode::BAD_REQUEST, &e.to_json())
}

/// The token, or its `dump` (header and payload pretty-printed).
fn token_response(state: &AppState, claims: &Map<String, Value>, dump: bool, headers: &HeaderMap) -> Response {
    match state.auth.sign(claims) {
        Ok(jwt) if dump => match issuer::dump(&jwt) {
            Some(text) => string_result(StatusCode::OK, &text, headers),
            None => AppError::internal("a signed token did not decode").into_response(),
        },
        Ok(jwt) => string_result(StatusCode::OK, &jwt, headers),
        Err(e) => e.into_response(),
    }
}

#[utoipa::path(
    get,
    path = ENTERPRISE_TOKEN,
    tag = openapi::TAG_AUTH,
    summary = "A test enterprise token (shape of Altinn's test token generator, events-auth contract §4.1)",
    params(
        ("env" = String, Query, description = "at22, at23, at24, yt01, tt02 or dev (required; iss is the emulator's whatever it says)"),
        ("scopes" = String, Query, description = "Space or comma separated (required)"),
        ("orgNo" = Option<String>, Query, description = "9 digits; absent: a random test organisation"),
        ("org" = Option<String>, Query, description = "Service-owner code, written as urn:altinn:org"),
        ("supplierOrgNo" = Option<String>, Query, description = "9 digits, written as supplier"),
        ("clientId" = Option<String>, Query, description = "Default: a new GUID"),
        ("ttl" = Option<u32>, Query, description = "Lifetime in seconds (default 1800)"),
        ("delegationSource" = Option<String>, Query, description = "An absolute URI, written as delegation_source"),
        ("bulkCount" = Option<u32>, Query, description = "Answer a JSON object of that many random organisations' tokens (at most 1000)"),
        ("dump" = Option<String>, Query, description = "Any value: the decoded header and payload instead of the token"),
    ),
    responses(
        (status = 200, description = "The JWT (or its dump): text, or a JSON string with `Accept: application/json`; \
            with bulkCount a JSON object orgNo → JWT",
            content((String = "text/plain"), (Object = "application/json"))),
        (status = 400, description = "Parameter errors: {\"<name>\": \"Parameter must be supplied\" | \"Parameter was supplied with an invalid value\"}",
            body = Object, content_type = "application/json"),
    ),
)]
async fn enterprise(
    State(state): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let q = issuer::Query(q);
    let req = match EnterpriseRequest::parse(&q) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    let now = state.clock.now();
    if req.bulk_count > 0 {
        let mut tokens = Map::new();
        for org in issuer::random_test_orgs(req.bulk_count) {
            match state.auth.sign(&issuer::enterprise_claims(state.auth.issuer(), &org, &req, now)) {
                Ok(jwt) => tokens.insert(org.digits().to_owned(), jwt.into()),
                Err(e) => return e.into_response(),
            };
        }
        return json_result(StatusCode::OK, &Value::Object(tokens));
    }
    let org = req.org_no.unwrap_or_else(issuer::random_test_org);
    token_response(&state, &issuer::enterprise_claims(state.auth.issuer(), &org, &req, now), q.dump(), &headers)
}

#[utoipa::path(
    get,
    path = SYSTEM_USER_TOKEN,
    tag = openapi::TAG_AUTH,
    summary = "A test system user token carrying authorization_details (events-auth contract §4.2)",
    params(
        ("env" = String, Query, description = "at22, at23, at24, yt01, tt02 or dev (required)"),
        ("systemUserId" = String, Query, description = "The system user's GUID (required)"),
        ("orgNo" = Option<String>, Query, description = "The vendor, written as consumer (default 991825827)"),
        ("systemUserOrg" = Option<String>, Query, description = "The org the system user acts for (default 991825827)"),
        ("scopes" = Option<String>, Query, description = "Space or comma separated (default altinn:enduser)"),
        ("supplierOrgNo" = Option<String>, Query, description = "9 digits, written as supplier"),
        ("clientId" = Option<String>, Query, description = "Default: a new GUID"),
        ("ttl" = Option<u32>, Query, description = "Lifetime in seconds (default 1800)"),
        ("dump" = Option<String>, Query, description = "Any value: the decoded header and payload instead of the token"),
    ),
    responses(
        (status = 200, description = "The JWT (or its dump): text, or a JSON string with `Accept: application/json`",
            content((String = "text/plain"), (String = "application/json"))),
        (status = 400, description = "Parameter errors (JSON object of messages)", body = Object,
            content_type = "application/json"),
    ),
)]
async fn system_user(
    State(state): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let q = issuer::Query(q);
    match SystemUserRequest::parse(&q) {
        Ok(req) => token_response(
            &state,
            &issuer::system_user_claims(state.auth.issuer(), &req, state.clock.now()),
            q.dump(),
            &headers,
        ),
        Err(e) => bad_request(e),
    }
}
