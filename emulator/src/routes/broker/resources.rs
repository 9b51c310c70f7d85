//! `PUT` and `GET /broker/api/v1/resource/{resourceId}` (contract §8.1, §8.2), `ServiceOwner` policy.
//!
//! The PUT configures a resource of the Resource Registry for Broker, or changes the settings of one already
//! configured: only members present and non-null change. It answers 204 (the service's `Ok(null)`).

use altinn_broker_core::model::ResourceConfig;
use altinn_broker_core::validate;
use altinn_broker_core::{paths, BrokerErrorCode};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{middleware, Json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::accept;
use crate::extract::json_input::{self, BodyModel};
use crate::extract::AsServiceOwner;
use crate::routes::openapi::{self, Auth, NotAcceptable, ProblemDetails, ValidationProblemDetails};
use crate::state::AppState;
use crate::store::resources::{self, Resource};
use crate::store::service_owners;

/// Each handler at the path its `#[utoipa::path]` declares (`altinn_broker_core::paths::RESOURCE`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(configure, read))
        .route_layer(middleware::from_fn(accept::produces_json))
        // Outermost: a foreign content type matches no action (415 before the Accept check and authentication).
        .route_layer(middleware::from_fn(json_input::consumes_json))
}

const RESOURCE_EXT: BodyModel = BodyModel {
    parameter: "resourceExt",
    type_name: "Altinn.Broker.Models.ResourceExt",
    members: &[
        ("maxFileTransferSize", "System.Nullable`1[System.Int64]"),
        ("fileTransferTimeToLive", "System.String"),
        ("purgeFileTransferAfterAllRecipientsConfirmed", "System.Nullable`1[System.Boolean]"),
        ("purgeFileTransferGracePeriod", "System.String"),
        ("useManifestFileShim", "System.Nullable`1[System.Boolean]"),
        ("externalServiceCodeLegacy", "System.String"),
        ("externalServiceEditionCodeLegacy", "System.Nullable`1[System.Int32]"),
        ("requiredParty", "System.String"),
    ],
    required: &[],
};

/// The caller's org as the handler compares it; a caller without one never matches an owner.
fn is_owner(caller: &Caller, owner_org_digits: &str) -> bool {
    caller.org.is_some_and(|o| o.digits() == owner_org_digits)
}

#[utoipa::path(
    put,
    path = paths::RESOURCE,
    tag = openapi::TAG_RESOURCE,
    summary = "Configure a resource for Broker (partial update)",
    extensions(("x-altinn-policy" = json!("ServiceOwner"))),
    params(("resourceId" = String, Path, description = "The bare resource id")),
    request_body(content = ResourceConfig, content_type = "application/json"),
    responses(
        (status = 204, description = "Configured"),
        (status = 400, description = "Model validation (key \"\" for the manifest shim rule), or BRO-00011..18/22/24",
            content(
                (ProblemDetails = "application/json"),
                (ValidationProblemDetails = "application/problem+json"),
            )),
        Auth,
        NotAcceptable,
        (status = 415, description = "Content-Type is not application/json", body = ProblemDetails,
            content_type = "application/problem+json"),
    ),
)]
async fn configure(
    State(state): State<AppState>,
    AsServiceOwner(caller): AsServiceOwner,
    Path(resource_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let update: ResourceConfig = json_input::parse(&headers, &body, &RESOURCE_EXT)?;
    let model_errors = validate::resource_model(&update);
    if !model_errors.is_empty() {
        return Err(AppError::Validation(model_errors));
    }

    state.store.tx(|tx| {
        let mut resource = match resources::get(tx, &resource_id)? {
            Some(existing) => {
                let owner = existing.service_owner_id.rsplit(':').next().unwrap_or_default().to_owned();
                if !is_owner(&caller, &owner) {
                    return Err(BrokerErrorCode::NoAccessToResource.into());
                }
                existing
            }
            None => {
                let owner = state
                    .world
                    .registry_entry(&resource_id)
                    .and_then(|e| e.owner)
                    .ok_or(BrokerErrorCode::ResourceNotRegistered)?;
                if !is_owner(&caller, owner.digits()) {
                    return Err(BrokerErrorCode::NoAccessToResource.into());
                }
                if service_owners::get(tx, &owner)?.is_none() {
                    return Err(BrokerErrorCode::ServiceOwnerOfResourceNotConfigured.into());
                }
                Resource::new(resource_id.clone(), owner)
            }
        };
        validate::resource_update(&update, state.settings.is_production(), resource.approved_for_disabled_virus_scan)?;
        resource.apply(&update)?;
        resources::upsert(tx, &resource)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = paths::RESOURCE,
    tag = openapi::TAG_RESOURCE,
    summary = "A resource's Broker configuration (durations as .NET TimeSpan strings)",
    extensions(("x-altinn-policy" = json!("ServiceOwner"))),
    params(("resourceId" = String, Path, description = "The bare resource id")),
    responses(
        (status = 200, description = "OK", body = ResourceConfig, content_type = "application/json"),
        (status = 400, description = "BRO-00025 the resource is not configured", body = ProblemDetails,
            content_type = "application/json"),
        Auth,
        NotAcceptable,
        (status = 415, description = "A Content-Type other than application/json (the route's [Consumes])",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
async fn read(
    State(state): State<AppState>,
    AsServiceOwner(caller): AsServiceOwner,
    Path(resource_id): Path<String>,
) -> Result<Json<ResourceConfig>, AppError> {
    let resource = state.store.resource(&resource_id)?.ok_or(BrokerErrorCode::ResourceNotConfigured)?;
    if !is_owner(&caller, resource.organization_number.digits()) {
        return Err(BrokerErrorCode::NoAccessToResource.into());
    }
    Ok(Json(resource.to_config()))
}
