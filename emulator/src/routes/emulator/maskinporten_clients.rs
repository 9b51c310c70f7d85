//! `GET /emulator/api/maskinporten/clients`: the Maskinporten clients of this emulator, each with the private key
//! the emulator made for it, so that tests, the demo and local development can sign grants.
//!
//! A local test feature, unauthenticated like every hook: it hands out private keys, which is only harmless because
//! the emulator listens on loopback and its keys mean nothing anywhere else. Real Maskinporten never shows a key.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::routes::openapi::TAG_HOOKS;
use crate::state::AppState;

pub const PATH: &str = "/emulator/api/maskinporten/clients";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(clients))
}

/// One registered client.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct ClientInfo {
    /// The grant's `iss`.
    client_id: String,
    /// The `kid` the grant's header must name.
    kid: String,
    /// The owning organisation (9 digits): `consumer` of its tokens.
    org: String,
    /// The scopes it may request.
    scopes: Vec<String>,
    /// The RSA private key as a JWK (RS256), for `crypto.subtle.importKey('jwk', ...)`; `null` for a client that
    /// registered its own public key.
    #[schema(value_type = Option<Object>)]
    private_jwk: Option<Value>,
    /// The system users it may request tokens for.
    system_users: Vec<SystemUserInfo>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct SystemUserInfo {
    /// The organisation the system user acts for (9 digits).
    org: String,
    id: String,
    /// The externalRef a grant must send; `null`: none needed (it is the org number).
    external_ref: Option<String>,
}

#[utoipa::path(get, path = PATH, tag = TAG_HOOKS,
    summary = "The Maskinporten clients with their private keys (local test feature: never expose the emulator)",
    description = "Lists every client of the emulated Maskinporten as `[{ clientId, kid, org, scopes, privateJwk, \
                   systemUsers }]`. `privateJwk` is the key pair the emulator made for the client in this data \
                   directory (made on the first call), so a test or a local program can sign JWT grants; it is a \
                   local test feature of an emulator that listens on loopback only, unauthenticated like every hook.",
    responses((status = 200, description = "The clients", body = [ClientInfo], content_type = "application/json")))]
async fn clients(State(state): State<AppState>) -> Result<Json<Vec<ClientInfo>>, AppError> {
    let clients = state.maskinporten.clients_with_private_jwks().map_err(AppError::internal)?;
    let list = clients
        .into_iter()
        .map(|(c, private_jwk)| ClientInfo {
            client_id: c.config.client_id.clone(),
            kid: c.kid.clone(),
            org: c.config.org.digits().to_owned(),
            scopes: c.config.scopes.clone(),
            private_jwk,
            system_users: c
                .config
                .system_users
                .iter()
                .map(|su| SystemUserInfo {
                    org: su.org.digits().to_owned(),
                    id: su.id.clone(),
                    external_ref: su.external_ref.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(list))
}
