//! The tus 1.0.0 facts of the service (contract §5), written once for both sides: the client's chunk planner and
//! protocol, and the emulator's tus routes.
//!
//! The service runs tusdotnet 2.11 behind its own authorization (`src/Altinn.Broker.API/Controllers/TusController.cs`
//! and `Program.cs`). Every PATCH body becomes one Azure block, and Azure allows 50,000 blocks per blob; a chunk is
//! buffered in memory up to `int.MaxValue` bytes.

/// The only tus version the service speaks (`Tus-Resumable`, `Tus-Version`).
pub const VERSION: &str = "1.0.0";

/// The extensions the service announces in `Tus-Extension`, in tusdotnet's order.
pub const EXTENSIONS: &str =
    "creation,creation-with-upload,termination,checksum,checksum-trailer,concatenation,expiration";

/// The content type of every PATCH body.
pub const OFFSET_CONTENT_TYPE: &str = "application/offset+octet-stream";

/// Blocks per transfer, all partials together.
pub const MAX_CHUNKS: u64 = 50_000;

/// The largest chunk the service buffers (2 GiB − 1).
pub const MAX_CHUNK_BYTES: u64 = i32::MAX as u64;

/// The chunk size a client uses when the caller names none: Altinn's own tus harness sends 8 MiB.
pub const DEFAULT_CHUNK_BYTES: u64 = 8 * 1024 * 1024;

/// The sliding expiry of an upload (`Upload-Expires`): tusdotnet's `ExpirationStrategy` as the service configures
/// it, 24 hours after the last activity.
pub const UPLOAD_EXPIRATION_SECS: u64 = 24 * 3600;

/// Header names, lower-case (HTTP names are case-insensitive; the emulator's `HeaderName::from_static` needs
/// lower case, and `fetch` lower-cases what it reads).
pub mod header {
    pub const TUS_RESUMABLE: &str = "tus-resumable";
    pub const TUS_VERSION: &str = "tus-version";
    pub const TUS_EXTENSION: &str = "tus-extension";
    pub const TUS_MAX_SIZE: &str = "tus-max-size";
    pub const TUS_CHECKSUM_ALGORITHM: &str = "tus-checksum-algorithm";
    pub const UPLOAD_OFFSET: &str = "upload-offset";
    pub const UPLOAD_LENGTH: &str = "upload-length";
    pub const UPLOAD_EXPIRES: &str = "upload-expires";
    pub const UPLOAD_CONCAT: &str = "upload-concat";
    pub const UPLOAD_METADATA: &str = "upload-metadata";
    pub const UPLOAD_DEFER_LENGTH: &str = "upload-defer-length";
    pub const UPLOAD_CHECKSUM: &str = "upload-checksum";
}
