//! The HTTP surface: handlers only, grouped by who calls them. Each group's `router()` binds its paths to its
//! handlers; the work behind a handler is in [`crate::service`] (workflows) and below.
//!
//! - [`broker`]: the Altinn 3 Broker API (contract §1–§8);
//! - [`platform`]: the Altinn platform around it (the issuer's OpenID documents, the test-token generator);
//! - [`emulator`]: the emulator's own hooks and its OpenAPI document.

pub mod broker;
pub mod emulator;
pub mod platform;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The path the OpenAPI document is served at, and the document (kept at this path for its tests).
pub use emulator::openapi;

/// Every route of the emulator, with the OpenAPI document its handlers declare (on [`openapi::base`]).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(broker::router())
        .merge(platform::router())
        .merge(emulator::router())
}
