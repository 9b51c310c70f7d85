//! Uploading without loading the file: sources, incremental MD5, the streamed POST, the multipart form, and
//! `send`. The resumable (tus) upload will live beside these as `tus/`, reading the same [`source::Source`].

pub mod body;
pub mod md5;
pub mod multipart;
pub mod send;
pub mod source;
pub mod streamed;
pub mod tus;
