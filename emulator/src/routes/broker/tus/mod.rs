//! The tus endpoints (contract §5): a transfer's upload at `.../tus/{fileTransferId}`, a partial upload at
//! `.../{fileTransferId}/partial/{partialId}` (and the legacy `.../{fileTransferId}/{partialId}`). The handlers
//! only bind the URL and the method; the protocol is [`crate::service::tus`].

pub mod handlers;

use axum::routing::options;
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let file = options(handlers::options)
        .post(handlers::create)
        .head(handlers::head)
        .patch(handlers::patch)
        .delete(handlers::delete);
    let partial = options(handlers::options_partial)
        .head(handlers::head_partial)
        .patch(handlers::patch_partial)
        .delete(handlers::delete_partial);
    let legacy = options(handlers::options_partial)
        .head(handlers::head_partial)
        .patch(handlers::patch_partial)
        .delete(handlers::delete_partial);
    // Spelled out (as `altinn_broker_core::paths::TUS_UPLOAD`, `TUS_PARTIAL`, `TUS_PARTIAL_LEGACY`) while
    // `tests/openapi.rs` reads route paths from this source; `app::tests::routes_match_core_paths` holds them to
    // core's table.
    Router::new()
        .route("/broker/api/v1/filetransfer/upload/tus/{fileTransferId}", file)
        .route("/broker/api/v1/filetransfer/upload/tus/{fileTransferId}/partial/{partialId}", partial)
        // `TusPartialPathRewriteMiddleware`: `.../{id}/{partialId}` is served as `.../{id}/partial/{partialId}`.
        .route("/broker/api/v1/filetransfer/upload/tus/{fileTransferId}/{partialId}", legacy)
}
