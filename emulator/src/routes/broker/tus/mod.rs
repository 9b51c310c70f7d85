//! The tus endpoints (contract §5): a transfer's upload at `.../tus/{fileTransferId}`, a partial upload at
//! `.../{fileTransferId}/partial/{partialId}` (and the legacy `.../{fileTransferId}/{partialId}`). The handlers
//! only bind the URL and the method; the protocol is [`crate::service::tus`].

pub mod handlers;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// Each handler at the path its `#[utoipa::path]` declares (`paths::TUS_UPLOAD`, `TUS_PARTIAL`,
/// `TUS_PARTIAL_LEGACY`).
pub fn router() -> OpenApiRouter<AppState> {
    use handlers::*;
    OpenApiRouter::new()
        .routes(routes!(options, create, head, patch, delete))
        .routes(routes!(options_partial, head_partial, patch_partial, delete_partial))
        .routes(routes!(options_legacy, head_legacy, patch_legacy, delete_legacy))
}
