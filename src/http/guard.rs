//! One call's abort plumbing: the caller's `AbortSignal`, the stall timer and the overall deadline, all feeding
//! one `AbortController` whose signal goes to every `fetch` and body read of the call.
//!
//! The stall timer runs only while the call waits on the network (for response headers, for the next body chunk,
//! for the runtime to pull the next chunk of a streamed request body). Time spent in the caller's own code, such
//! as a slow consumer of a download stream, never counts, so a long transfer is never cut for being long.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, AbortSignal};

use crate::error::{Error, TimeoutKind};
use crate::js::events::on_abort;

/// Why the call's controller fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    User,
    Stall,
    Deadline,
}

struct State {
    controller: AbortController,
    cause: Cell<Option<Cause>>,
    user_signal: Option<AbortSignal>,
    stall_ms: Option<f64>,
    deadline_ms: Option<f64>,
    stall_timer: RefCell<Option<Timeout>>,
    deadline_timer: RefCell<Option<Timeout>>,
    /// Removed from the caller's signal when the call's state goes.
    on_user_abort: RefCell<Option<EventListener>>,
}

impl State {
    fn fire(&self, cause: Cause) {
        if self.cause.get().is_none() {
            self.cause.set(Some(cause));
            self.controller.abort();
        }
    }
}

/// Timeouts of one call.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timeouts {
    /// Fail when no bytes move for this long while waiting on the network. `None` disables.
    pub stall_ms: Option<f64>,
    /// Fail when the whole call takes longer. `None` disables.
    pub deadline_ms: Option<f64>,
}

/// Shared by everything one call does; clones share the same controller.
#[derive(Clone)]
pub struct CallGuard(Rc<State>);

impl CallGuard {
    pub fn new(user_signal: Option<AbortSignal>, timeouts: Timeouts) -> Result<Self, Error> {
        let controller = AbortController::new().map_err(|e| Error::client_caused("AbortController is missing", e))?;
        let state = Rc::new(State {
            controller,
            cause: Cell::new(None),
            user_signal,
            stall_ms: timeouts.stall_ms.filter(|ms| *ms > 0.0),
            deadline_ms: timeouts.deadline_ms.filter(|ms| *ms > 0.0),
            stall_timer: RefCell::new(None),
            deadline_timer: RefCell::new(None),
            on_user_abort: RefCell::new(None),
        });
        if let Some(user) = &state.user_signal {
            if user.aborted() {
                state.fire(Cause::User);
            } else {
                let weak = Rc::downgrade(&state);
                let listener = on_abort(user, move || {
                    if let Some(s) = weak.upgrade() {
                        s.fire(Cause::User);
                    }
                });
                *state.on_user_abort.borrow_mut() = Some(listener);
            }
        }
        if let Some(ms) = state.deadline_ms {
            let weak = Rc::downgrade(&state);
            let t = Timeout::new(clamp_ms(ms), move || {
                if let Some(s) = weak.upgrade() {
                    s.fire(Cause::Deadline);
                }
            });
            *state.deadline_timer.borrow_mut() = Some(t);
        }
        Ok(Self(state))
    }

    /// The signal to hand to `fetch` and to anything else the call starts.
    pub fn signal(&self) -> AbortSignal {
        self.0.controller.signal()
    }

    /// Fails at once if the call is already over (aborted or timed out).
    pub fn check(&self) -> Result<(), Error> {
        match self.0.cause.get() {
            None => Ok(()),
            Some(c) => Err(self.error_for(c)),
        }
    }

    /// The call waits on the network until the returned guard is dropped: the stall timer runs meanwhile (and
    /// restarts with every new guard, so only a wait in which no bytes move trips it).
    pub fn waiting(&self) -> Waiting {
        if let Some(ms) = self.0.stall_ms {
            let weak = Rc::downgrade(&self.0);
            let t = Timeout::new(clamp_ms(ms), move || {
                if let Some(s) = weak.upgrade() {
                    s.fire(Cause::Stall);
                }
            });
            *self.0.stall_timer.borrow_mut() = Some(t);
        }
        Waiting(self.0.clone())
    }

    /// The stall timeout, for a stall timer kept in JS (a streamed upload's body, `src/js/streams.js`).
    pub fn stall_ms(&self) -> Option<f64> {
        self.0.stall_ms
    }

    /// A stall timer kept outside the guard fired: the call fails as stalled.
    pub fn stalled(&self) {
        self.0.stall_timer.borrow_mut().take();
        self.0.fire(Cause::Stall);
    }

    /// Stops everything on purpose, e.g. when the caller cancels a download stream.
    pub fn cancel(&self) {
        self.0.stall_timer.borrow_mut().take();
        self.0.fire(Cause::User);
    }

    /// Maps a rejection from `fetch` or a body read to the client's error, knowing why the call's signal fired.
    pub fn map_js_error(&self, e: JsValue) -> Error {
        match self.0.cause.get() {
            Some(c) => self.error_for(c),
            None => Error::Network { message: js_message(&e), cause: e },
        }
    }

    fn error_for(&self, c: Cause) -> Error {
        match c {
            Cause::User => {
                Error::Aborted { reason: self.0.user_signal.as_ref().map(|s| s.reason()).unwrap_or(JsValue::UNDEFINED) }
            }
            Cause::Stall => Error::Timeout { kind: TimeoutKind::Stall, ms: self.0.stall_ms.unwrap_or_default() },
            Cause::Deadline => {
                Error::Timeout { kind: TimeoutKind::Deadline, ms: self.0.deadline_ms.unwrap_or_default() }
            }
        }
    }

    /// An abortable sleep (backoff between retries, polling intervals), of at most `i32::MAX` ms (~24.8 days):
    /// setTimeout fires at once for a longer delay (Node warns `TimeoutOverflowWarning`), which would turn a far
    /// `Retry-After` into an immediate retry.
    pub async fn sleep(&self, ms: f64) -> Result<(), Error> {
        let p = crate::js::runtime::sleep(f64::from(clamp_ms(ms)), &self.signal());
        wasm_bindgen_futures::JsFuture::from(p).await.map(|_| ()).map_err(|e| self.map_js_error(e))
    }
}

/// A wait on the network (see [`CallGuard::waiting`]); dropping it stops the stall timer.
#[must_use = "the stall timer stops when this guard is dropped"]
pub struct Waiting(Rc<State>);

impl Drop for Waiting {
    fn drop(&mut self) {
        // Dropping a gloo Timeout clears it.
        self.0.stall_timer.borrow_mut().take();
    }
}

/// setTimeout takes a 32-bit millisecond count.
fn clamp_ms(ms: f64) -> u32 {
    ms.clamp(0.0, f64::from(i32::MAX)) as u32
}

/// The `message` of a JS error, or its string form.
pub fn js_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        let mut m = String::from(err.message());
        // Node's fetch hides the socket error in `cause` ("fetch failed" / ECONNREFUSED).
        let cause = js_sys::Reflect::get(err, &JsValue::from_str("cause")).unwrap_or(JsValue::UNDEFINED);
        if let Some(c) = cause.dyn_ref::<js_sys::Error>() {
            m.push_str(": ");
            m.push_str(&String::from(c.message()));
        }
        m
    } else {
        e.as_string().unwrap_or_else(|| format!("{e:?}"))
    }
}
