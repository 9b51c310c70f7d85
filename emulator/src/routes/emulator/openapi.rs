//! `GET /swagger/v1/swagger.json`: the OpenAPI document of everything the emulator serves, where the real service
//! has its Swashbuckle document.
//!
//! Generated, not written: every handler declares its operation with `#[utoipa::path]` (path, parameters, body,
//! every status it answers) and the routers are `utoipa_axum` `OpenApiRouter`s built with `routes!`, so a route and
//! its documentation come from the same declaration and cannot drift apart. The schemas are core's wire types
//! (`altinn_broker_core::model`, feature `openapi`), named as the service names them (`FileTransferOverviewExt`, ...).
//!
//! What this file adds: the document's info and security scheme, the error bodies the service writes
//! (ProblemDetails, ValidationProblemDetails), the responses many operations share (the auth layer's 401/403, the
//! `[Produces]` layer's 406), and one modifier that turns each operation's `x-altinn-policy` (which
//! `tests/it/authz_matrix.rs` holds the implementation to) into its `security` requirement with the policy's scopes.

use std::sync::OnceLock;

use altinn_broker_core::model::SearchRole;
use altinn_broker_core::{FileTransferStatus, RecipientStatus};
use axum::Json;
use serde_json::Value;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, PathItem};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Policy;
use crate::state::AppState;

pub const PATH: &str = "/swagger/v1/swagger.json";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(swagger))
}

/// This document.
#[utoipa::path(get, path = PATH, tag = TAG_HOOKS, operation_id = "get_swagger",
    responses((status = 200, description = "OpenAPI 3 document", body = Object, content_type = "application/json")))]
async fn swagger() -> Json<Value> {
    // The routers are the same on every call: build the document once.
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    Json(DOCUMENT.get_or_init(document).clone())
}

/// The extension naming an operation's authorization policy.
pub const POLICY_EXTENSION: &str = "x-altinn-policy";
/// The scopes an operation outside Broker's policies requires (Altinn Events: a token, and for some operations
/// `altinn:events.subscribe`); present, even empty, it means a bearer token is needed.
pub const SCOPES_EXTENSION: &str = "x-altinn-scopes";

pub const TAG_TRANSFER: &str = "FileTransfer";
pub const TAG_TUS: &str = "FileTransfer (tus)";
pub const TAG_RESOURCE: &str = "Resource";
pub const TAG_SERVICE_OWNER: &str = "ServiceOwner";
pub const TAG_AUTH: &str = "Authentication (emulated)";
pub const TAG_EVENTS: &str = "Altinn Events (emulated)";
pub const TAG_HOOKS: &str = "Emulator test hooks";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Altinn 3 Broker (emulator)",
        version = "v1",
        description = "The Altinn 3 Broker API as served by altinn-broker-emulator (Production profile), plus the \
                       emulator's token issuer and test hooks.",
    ),
    // Problems, and the enums query parameters refer to (`IntoParams` does not collect schemas).
    components(schemas(ProblemDetails, ValidationProblemDetails, FileTransferStatus, RecipientStatus, SearchRole)),
    modifiers(&Security)
)]
struct Base;

/// The base the routers' operations are added to.
pub fn base() -> Document {
    Base::openapi()
}

/// The security scheme, and each operation's requirement from its policy (an operation without one needs no token).
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build();
        doc.components.get_or_insert_with(Default::default).add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Sets every operation's `security` from its `x-altinn-policy`; run on the assembled document (the paths are only
/// there after the routers are merged).
pub fn secure(doc: &mut Document) {
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            let extensions = op.extensions.as_ref();
            let policy = extensions.and_then(|e| e.get(POLICY_EXTENSION)).and_then(policy_from_value);
            let scopes = extensions
                .and_then(|e| e.get(SCOPES_EXTENSION))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect::<Vec<_>>());
            op.security = Some(match (policy, scopes) {
                (Some(p), _) => vec![SecurityRequirement::new("bearer", p.scopes().iter().copied())],
                (None, Some(scopes)) => vec![SecurityRequirement::new("bearer", scopes)],
                (None, None) => Vec::new(),
            });
        }
    }
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

pub fn policy_name(p: Policy) -> &'static str {
    match p {
        Policy::Sender => "Sender",
        Policy::Recipient => "Recipient",
        Policy::SenderOrRecipient => "SenderOrRecipient",
        Policy::ServiceOwner => "ServiceOwner",
    }
}

fn policy_from_value(v: &Value) -> Option<Policy> {
    match v.as_str()? {
        "Sender" => Some(Policy::Sender),
        "Recipient" => Some(Policy::Recipient),
        "SenderOrRecipient" => Some(Policy::SenderOrRecipient),
        "ServiceOwner" => Some(Policy::ServiceOwner),
        _ => None,
    }
}

/// Reads the policy an operation of the served document declares in `x-altinn-policy`.
pub fn policy_of(operation: &Value) -> Option<Policy> {
    policy_from_value(operation.get(POLICY_EXTENSION)?)
}

/// The document as served: every router's operations on the base, with their security requirements.
pub fn document() -> Value {
    let mut doc = crate::routes::router().into_openapi();
    secure(&mut doc);
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

/// A Broker error (`Altinn.Authorization.ProblemDetails`, contract §2.1): `traceId` appears twice on the wire.
/// ASP.NET's own client errors (404, 405, 415) have the same shape without `detail`, `code` and
/// `statusDescription`, and so do validation problems without `errors`: one schema describes every problem body.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // A schema only: the bodies are written by `altinn_broker_core::problem`.
pub struct ProblemDetails {
    r#type: String,
    title: String,
    status: i32,
    #[schema(nullable = false)]
    detail: Option<String>,
    /// `BRO-000NN`.
    #[schema(nullable = false)]
    code: Option<String>,
    trace_id: String,
    #[schema(nullable = false)]
    status_description: Option<String>,
}

/// ASP.NET's automatic model validation answer (contract §2.3).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // A schema only: the bodies are written by `altinn_broker_core::problem`.
pub struct ValidationProblemDetails {
    r#type: String,
    title: String,
    status: i32,
    trace_id: String,
    errors: std::collections::BTreeMap<String, Vec<String>>,
}

/// A file's bytes (`type: string, format: binary`), as an upload's body and a download's answer.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // A schema only: bodies stream.
pub struct Binary(Vec<u8>);

/// What the authentication layer answers on every operation with a policy.
#[derive(IntoResponses)]
#[allow(dead_code)] // Documentation only: the answers come from `crate::extract`.
pub enum Auth {
    /// No, a malformed or an expired bearer token (empty body, `WWW-Authenticate: Bearer ...`); or, with a
    /// ProblemDetails body, BRO-00006 when the PDP denies access.
    #[response(status = 401, headers(("WWW-Authenticate" = String)))]
    Unauthorized,
    /// The token lacks the policy's scope (empty body), or, with a ProblemDetails body, BRO-00005/07.
    #[response(status = 403)]
    Forbidden,
}

/// `[Produces("application/json")]`'s Accept check (contract §0): an Accept that names no produced type.
#[derive(IntoResponses)]
#[response(status = 406, description = "`Accept` names no type the operation produces (plain-text reason)")]
#[allow(dead_code)] // Documentation only: the answer comes from `crate::extract::accept`.
pub struct NotAcceptable(String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| *c != '"').collect();
            assert!(schemas.contains_key(&name), "unresolved $ref {name}");
        }
    }

    #[test]
    fn policies_round_trip() {
        let doc = document();
        let op = &doc["paths"][altinn_broker_core::paths::DOWNLOAD]["get"];
        assert_eq!(policy_of(op), Some(Policy::Recipient));
        assert_eq!(op["security"][0]["bearer"][0], "altinn:broker.read");
        for p in [Policy::Sender, Policy::Recipient, Policy::SenderOrRecipient, Policy::ServiceOwner] {
            assert_eq!(policy_from_value(&Value::from(policy_name(p))), Some(p));
        }
    }
}
