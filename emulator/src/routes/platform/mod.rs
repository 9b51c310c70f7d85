//! The Altinn platform around Broker, as far as a Broker client meets it: Maskinporten, the token exchange and
//! refresh, the issuer's OpenID configuration and JWKS, and the test-token generator (`GetEnterpriseToken`,
//! `GetSystemUserToken`); and Altinn Events for Broker resources (subscriptions, the handshake and pushes, polling).

pub mod events;
pub mod exchange;
pub mod maskinporten;
pub mod negotiate;
pub mod openid;
pub mod test_tokens;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(maskinporten::router())
        .merge(exchange::router())
        .merge(events::router())
        .merge(openid::router())
        .merge(test_tokens::router())
}
