//! Listening to an `AbortSignal`, in a way every runtime accepts.

use gloo_events::{EventListener, EventListenerOptions};
use web_sys::AbortSignal;

/// Calls `f` once when `signal` aborts; the listener is removed when the returned value drops.
///
/// gloo-events registers listeners with `passive: true` by default, and workerd refuses that on an `EventTarget`
/// ("addEventListener(): options.passive must be false") — a throw inside the call's future, which then never
/// settled: every call given a `signal` hung in a Cloudflare Worker. `passive` means nothing for `abort`, so it
/// is off everywhere.
pub fn on_abort(signal: &AbortSignal, f: impl FnOnce() + 'static) -> EventListener {
    EventListener::once_with_options(signal, "abort", EventListenerOptions::enable_prevent_default(), move |_| f())
}
