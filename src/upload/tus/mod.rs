//! Resumable uploads over tus 1.0.0 (contract §5), split by concern:
//!
//! - [`protocol`]: the requests (creation, HEAD, PATCH, DELETE, concatenation), one attempt each;
//! - [`plan`]: the chunk size (within the service's 50,000-block cap) and the partials of a parallel upload;
//! - [`chunks`]: reading a Blob, bytes or a stream one chunk at a time;
//! - [`session`]: what the requests of one upload share (guard, 429 pause gate, progress, failure rules);
//! - [`single`]: the engine of one upload (PATCH on, resync with HEAD after failures);
//! - [`parallel`]: partials side by side, then the final concatenation and the wait for it;
//! - [`transfer`]: one upload start to finish, with the resume store;
//! - [`start`]: what the upload handle of the JS surface asks for: a start or resume's settings, a run inside
//!   `send`, finding resume records, termination.

pub mod chunks;
pub mod parallel;
pub mod plan;
pub mod protocol;
pub mod session;
pub mod single;
pub mod start;
pub mod transfer;
