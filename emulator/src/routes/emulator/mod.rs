//! The emulator's own endpoints: the test hooks under `/emulator/api/` and the OpenAPI document.

pub mod hooks;
pub mod openapi;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(hooks::router()).merge(openapi::router())
}
