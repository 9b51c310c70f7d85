//! The Altinn platform around Broker, as far as a Broker client meets it: the issuer's OpenID configuration and
//! JWKS, and the test-token generator (`GetEnterpriseToken`, `GetSystemUserToken`).

pub mod openid;
pub mod test_tokens;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(openid::router()).merge(test_tokens::router())
}
