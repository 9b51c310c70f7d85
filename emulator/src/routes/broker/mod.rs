//! The Altinn 3 Broker API under `/broker/api/v1` (contract §1–§8).

pub mod resources;
pub mod service_owner;
pub mod statistics;
pub mod transfers;
pub mod tus;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(transfers::router())
        .merge(tus::router())
        .merge(resources::router())
        .merge(service_owner::router())
        .merge(statistics::router())
}
