//! The issuer's OpenID configuration and JWKS, where Altinn's platform publishes them, so that any JWT validator
//! pointed at `<base_url>/authentication/api/v1/openid/` finds the emulator's key.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use crate::auth::{JWKS_PATH, OPENID_CONFIGURATION_PATH};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(OPENID_CONFIGURATION_PATH, get(configuration)).route(JWKS_PATH, get(jwks))
}

async fn configuration(State(state): State<AppState>) -> Json<Value> {
    Json(state.auth.openid_configuration(&state.settings.base_url))
}

async fn jwks(State(state): State<AppState>) -> Json<Value> {
    Json(state.auth.jwks())
}
