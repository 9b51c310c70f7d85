//! The emulated Maskinporten (events-auth contract §2) at `{base}/maskinporten/`: the token endpoint, the
//! authorization server metadata and the JWKS it names. The checks and the tokens are `crate::auth::maskinporten`'s.

use altinn_broker_core::platform::{MASKINPORTEN_JWKS, MASKINPORTEN_METADATA, MASKINPORTEN_TOKEN};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::maskinporten::grant::GrantError;
use crate::auth::maskinporten::IssueError;
use crate::error::AppError;
use crate::routes::openapi;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(token)).routes(routes!(metadata)).routes(routes!(jwks))
}

/// The token endpoint's form (`application/x-www-form-urlencoded`).
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: the form is read as pairs.
struct TokenForm {
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer`.
    grant_type: String,
    /// The signed JWT grant.
    assertion: String,
}

/// A successful token answer (§2.4).
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: the answer is `auth::maskinporten::TokenResponse`.
struct AccessToken {
    access_token: String,
    /// `Bearer`.
    token_type: String,
    /// Seconds the access token lives.
    expires_in: i64,
    /// The granted scopes, space-separated.
    scope: String,
}

/// An OAuth2 error (§2.5).
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: the answer is `GrantError`.
struct OAuthError {
    /// `invalid_grant`, `invalid_client`, `invalid_scope`, `invalid_request`, `unsupported_grant_type`,
    /// `invalid_authorization_details` or `invalid_altinn_customer_configuration`.
    error: String,
    /// The reason, with Maskinporten's id where it has one (`MP-100`, `MP-110`, `MP-120`, `MP-303`).
    error_description: String,
}

/// OAuth2 answers are not to be cached (RFC 6749 §5.1).
fn no_store(status: StatusCode, body: Value) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], Json(body)).into_response()
}

fn oauth_error(e: GrantError) -> Response {
    no_store(StatusCode::BAD_REQUEST, json!({ "error": e.error, "error_description": e.description }))
}

#[utoipa::path(post, path = MASKINPORTEN_TOKEN, tag = openapi::TAG_AUTH, operation_id = "maskinporten_token",
    summary = "Maskinporten token endpoint (JWT-bearer grant, events-auth contract §2)",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token", body = AccessToken, content_type = "application/json"),
        (status = 400, description = "The grant is refused", body = OAuthError, content_type = "application/json"),
    ))]
async fn token(State(state): State<AppState>, form: Result<Form<Vec<(String, String)>>, FormRejection>) -> Response {
    let Ok(Form(pairs)) = form else {
        return oauth_error(GrantError::invalid_request(
            "The body must be application/x-www-form-urlencoded with grant_type and assertion",
        ));
    };
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match state.maskinporten.issue(field("grant_type"), field("assertion"), state.clock.unix_seconds()) {
        Ok(t) => no_store(StatusCode::OK, serde_json::to_value(t).unwrap_or(Value::Null)),
        Err(IssueError::Grant(e)) => oauth_error(e),
        Err(IssueError::Key(e)) => AppError::internal(e).into_response(),
    }
}

#[utoipa::path(get, path = MASKINPORTEN_METADATA, tag = openapi::TAG_AUTH, operation_id = "maskinporten_metadata",
    summary = "Maskinporten's authorization server metadata (RFC 8414)",
    responses((status = 200, description = "OK", body = Object, content_type = "application/json")))]
async fn metadata(State(state): State<AppState>) -> Json<Value> {
    Json(state.maskinporten.metadata())
}

#[utoipa::path(get, path = MASKINPORTEN_JWKS, tag = openapi::TAG_AUTH, operation_id = "maskinporten_jwks",
    summary = "Maskinporten's signing keys (base64url JWKS)",
    responses((status = 200, description = "JWKS", body = Object, content_type = "application/json")))]
async fn jwks(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state.maskinporten.jwks().map(Json).map_err(AppError::internal)
}
