//! The caller of a Broker endpoint as an axum extractor: authentication and the policy's scopes (contract §7.2)
//! run before the body is read, as ASP.NET's authorization filter runs before model binding.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::auth::{Caller, Policy};
use crate::error::AppError;
use crate::state::AppState;

/// Authenticates the request (an Altinn or a Maskinporten token) and checks `policy` against the emulator clock.
pub fn authorize(state: &AppState, headers: &HeaderMap, policy: Policy) -> Result<Caller, AppError> {
    state.authorize(headers, policy, state.clock.now())
}

macro_rules! policy_extractor {
    ($(#[$meta:meta])* $name:ident => $policy:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
                authorize(state, &parts.headers, $policy).map($name)
            }
        }
    };
}

policy_extractor!(
    /// A caller that passed the `Sender` policy.
    AsSender => Policy::Sender
);
policy_extractor!(
    /// A caller that passed the `Recipient` policy.
    AsRecipient => Policy::Recipient
);
policy_extractor!(
    /// A caller that passed the `SenderOrRecipient` policy.
    AsSenderOrRecipient => Policy::SenderOrRecipient
);
policy_extractor!(
    /// A caller that passed the `ServiceOwner` policy.
    AsServiceOwner => Policy::ServiceOwner
);
