//! Uploading without loading the file: sources, incremental MD5, the counting stream body, the streamed POST, the
//! multipart form, the resumable (tus) upload in `tus/` (all reading the same [`source::Source`]), and `send`.

pub mod body;
pub mod md5;
pub mod multipart;
pub mod send;
pub mod source;
pub mod streamed;
pub mod tus;
