//! The JS runtime as the layers below the surface use it (nothing here is exported to JS): runtime probes and
//! an abortable sleep (`runtime.js`), reading a byte stream with cancel-on-drop, abort listeners, and values handed
//! to JS callbacks.

pub mod events;
pub mod runtime;
pub mod stream;
pub mod value;
