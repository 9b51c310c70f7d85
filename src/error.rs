//! The client's one error type. Every failure a JS caller can see is one of these, turned into the matching
//! `Error` subclass of `bindings/errors.js` at the boundary (`impl From<Error> for JsValue` in `bindings/errors.rs`).

use altinn_broker_core::problem::{Problem, ValidationErrors, VALIDATION_TITLE};
use wasm_bindgen::JsValue;

/// Why a timeout fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutKind {
    /// No bytes moved for the stall timeout.
    Stall,
    /// The call's overall deadline passed.
    Deadline,
    /// `waitFor` ran out of time.
    Wait,
}

impl TimeoutKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeoutKind::Stall => "stall",
            TimeoutKind::Deadline => "deadline",
            TimeoutKind::Wait => "wait",
        }
    }
}

/// Every way a client call can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error status. `problem` holds what its body said, read leniently.
    #[error("Broker answered {status}")]
    Broker { status: u16, problem: Option<Box<Problem>>, body: Option<String> },
    /// The input breaks a rule the service checks; nothing was sent. Keys and messages are the service's.
    #[error("{}", VALIDATION_TITLE)]
    Validation(ValidationErrors),
    /// The input breaks a rule the service answers with one of its own errors (e.g. a grace period over 24
    /// hours); nothing was sent.
    #[error("{0}")]
    Refused(altinn_broker_core::BrokerErrorCode),
    /// No HTTP answer came back.
    #[error("network error: {message}")]
    Network { message: String, cause: JsValue },
    #[error("{} timeout after {ms} ms", kind.as_str())]
    Timeout { kind: TimeoutKind, ms: f64 },
    /// The caller's signal fired; `reason` is the signal's reason.
    #[error("aborted")]
    Aborted { reason: JsValue },
    #[error("checksum mismatch: expected {expected}, got {actual}")]
    ChecksumMismatch { expected: String, actual: String },
    /// The transfer settled in a status from which the awaited outcome cannot follow.
    #[error("file transfer {id} is {status}: {text}")]
    TransferFailed { id: String, status: String, text: String },
    #[error("{0}")]
    Unsupported(String),
    /// Altinn Events refused a subscription (events-auth §1.2), or the client refused it with the service's words
    /// before sending (`local`). `message` is the service's text, which it sends as a JSON string literal.
    #[error("{message}")]
    Subscription { status: u16, message: String, local: bool },
    /// A body that is not a CloudEvent (a webhook's 400); the message says what is missing.
    #[error("{0}")]
    InvalidEvent(String),
    /// A bad argument, or an answer the client cannot read.
    #[error("{message}")]
    Client { message: String, cause: Option<JsValue> },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn client(message: impl Into<String>) -> Self {
        Error::Client { message: message.into(), cause: None }
    }

    /// A bad argument whose cause is the JS value that was refused or the exception thrown while reading it.
    pub fn client_caused(message: impl Into<String>, cause: JsValue) -> Self {
        Error::Client { message: message.into(), cause: Some(cause) }
    }

    /// The HTTP status for broker errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Broker { status, .. } => Some(*status),
            Error::Validation(_) => Some(400),
            Error::Refused(code) => Some(code.status()),
            Error::Subscription { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether this is the caller's own abort.
    pub fn is_abort(&self) -> bool {
        matches!(self, Error::Aborted { .. })
    }
}
