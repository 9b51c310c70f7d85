//! The issuer's OpenID configuration and JWKS, where Altinn's platform publishes them, so that any JWT validator
//! pointed at `<base_url>/authentication/api/v1/openid/` finds the emulator's key.

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{JWKS_PATH, OPENID_CONFIGURATION_PATH};
use crate::routes::openapi;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(configuration)).routes(routes!(jwks))
}

#[utoipa::path(get, path = OPENID_CONFIGURATION_PATH, tag = openapi::TAG_AUTH,
    summary = "OpenID configuration of the emulator's issuer",
    responses((status = 200, description = "OK", body = Object, content_type = "application/json")))]
async fn configuration(State(state): State<AppState>) -> Json<Value> {
    Json(state.auth.openid_configuration(&state.settings.base_url))
}

#[utoipa::path(get, path = JWKS_PATH, tag = openapi::TAG_AUTH, summary = "The issuer's signing keys",
    responses((status = 200, description = "JWKS", body = Object, content_type = "application/json")))]
async fn jwks(State(state): State<AppState>) -> Json<Value> {
    Json(state.auth.jwks())
}
