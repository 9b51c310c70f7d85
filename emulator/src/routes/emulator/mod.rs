//! The emulator's own endpoints: the test hooks under `/emulator/api/` and the OpenAPI document.

pub mod hooks;
pub mod openapi;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(hooks::router()).merge(openapi::router())
}
