//! The test token generator, in the shape of Altinn's (`altinn-testtools-token-generator`):
//!
//! - `GET /api/GetEnterpriseToken?orgNo=<9 digits>&scopes=<space or comma separated>[&ttl=<seconds>]`
//! - `GET /api/GetSystemUserToken?systemUserOrg=<9 digits>&scopes=...[&ttl=][&systemUserId=][&systemId=]
//!   [&clientId=][&supplierOrgNo=]`
//!
//! Both answer the JWT as `text/plain`. Other parameters of the real generator (`env`, `org`, ...) are accepted and
//! ignored; parameter names match case-insensitively, as in the real one. Unlike the real generator there is no
//! basic authentication: the emulator only listens on loopback. Bad parameters give 400 with a plain-text reason.

use altinn_broker_core::OrgNumber;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::issuer::{self, SystemUserOptions, TokenRequest, TokenRequestError};
use crate::error::AppError;
use crate::routes::openapi;
use crate::state::AppState;

pub const ENTERPRISE_TOKEN_PATH: &str = "/api/GetEnterpriseToken";
pub const SYSTEM_USER_TOKEN_PATH: &str = "/api/GetSystemUserToken";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(enterprise)).routes(routes!(system_user))
}

/// Query parameters, looked up case-insensitively; the first occurrence wins.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    }
}

fn bad_request(e: TokenRequestError) -> Response {
    AppError::PlainText(StatusCode::BAD_REQUEST, e.to_string()).into_response()
}

fn token_response(state: &AppState, claims: &serde_json::Map<String, serde_json::Value>) -> Response {
    match state.auth.sign(claims) {
        Ok(jwt) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], jwt).into_response(),
        Err(e) => e.into_response(),
    }
}

#[utoipa::path(
    get,
    path = ENTERPRISE_TOKEN_PATH,
    tag = openapi::TAG_AUTH,
    summary = "A test enterprise token (shape of Altinn's test token generator)",
    params(
        ("orgNo" = String, Query, description = "9-digit organisation number"),
        ("scopes" = String, Query, description = "Space or comma separated"),
        ("ttl" = Option<i64>, Query, description = "Lifetime in seconds (default 1800)"),
        ("env" = Option<String>, Query, description = "Accepted and ignored"),
        ("org" = Option<String>, Query, description = "Accepted and ignored"),
    ),
    responses(
        (status = 200, description = "The JWT", body = String, content_type = "text/plain"),
        (status = 400, description = "A parameter is missing or invalid (plain-text reason)", body = String,
            content_type = "text/plain"),
    ),
)]
async fn enterprise(State(state): State<AppState>, Query(q): Query<Vec<(String, String)>>) -> Response {
    let q = Params(q);
    let parsed = issuer::parse_org_param("orgNo", q.get("orgNo"))
        .and_then(|org| Ok((org, TokenRequest::parse(q.get("scopes"), q.get("ttl"))?)));
    match parsed {
        Ok((org, req)) => {
            token_response(&state, &issuer::enterprise_claims(state.auth.issuer(), &org, &req, state.clock.now()))
        }
        Err(e) => bad_request(e),
    }
}

#[utoipa::path(
    get,
    path = SYSTEM_USER_TOKEN_PATH,
    tag = openapi::TAG_AUTH,
    summary = "A test system user token carrying authorization_details",
    params(
        ("systemUserOrg" = String, Query, description = "The org the system user acts for"),
        ("scopes" = String, Query, description = "Space or comma separated"),
        ("ttl" = Option<i64>, Query, description = "Lifetime in seconds (default 1800)"),
        ("supplierOrgNo" = Option<String>, Query, description = "The system's vendor (`consumer`); default systemUserOrg"),
        ("systemUserId" = Option<String>, Query, description = "Default: a new GUID"),
        ("systemId" = Option<String>, Query, description = "Default: <vendor>_emulator"),
        ("clientId" = Option<String>, Query, description = "Default: a new GUID"),
    ),
    responses(
        (status = 200, description = "The JWT", body = String, content_type = "text/plain"),
        (status = 400, description = "A parameter is missing or invalid (plain-text reason)", body = String,
            content_type = "text/plain"),
    ),
)]
async fn system_user(State(state): State<AppState>, Query(q): Query<Vec<(String, String)>>) -> Response {
    let q = Params(q);
    let parsed = (|| {
        let org = issuer::parse_org_param("systemUserOrg", q.get("systemUserOrg"))?;
        let req = TokenRequest::parse(q.get("scopes"), q.get("ttl"))?;
        let supplier: Option<OrgNumber> = match q.get("supplierOrgNo").filter(|v| !v.trim().is_empty()) {
            Some(v) => Some(issuer::parse_org_param("supplierOrgNo", Some(v))?),
            None => None,
        };
        let options = SystemUserOptions {
            system_user_id: q.text("systemUserId"),
            system_id: q.text("systemId"),
            client_id: q.text("clientId"),
            supplier,
        };
        Ok::<_, TokenRequestError>((org, req, options))
    })();
    match parsed {
        Ok((org, req, options)) => token_response(
            &state,
            &issuer::system_user_claims(state.auth.issuer(), &org, &options, &req, state.clock.now()),
        ),
        Err(e) => bad_request(e),
    }
}
