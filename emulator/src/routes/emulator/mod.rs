//! The emulator's own endpoints: the test hooks under `/emulator/api/` (the Maskinporten clients' keys and Altinn
//! Events' deliveries among them)
//! and the OpenAPI document.

pub mod events_hooks;
pub mod hooks;
pub mod maskinporten_clients;
pub mod openapi;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(hooks::router())
        .merge(events_hooks::router())
        .merge(maskinporten_clients::router())
        .merge(openapi::router())
}
