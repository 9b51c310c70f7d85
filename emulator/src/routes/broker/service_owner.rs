//! `POST` and `GET /broker/api/v1/serviceowner` (contract §8.3, §8.4), `ServiceOwner` policy. The service owner is
//! always the caller's own org (`0192:<orgnr>`).
//!
//! Provisioning: the real service deploys two Azure storage accounts in the background (virus-scanned, then
//! without scan). The emulator has nothing to deploy, so both storage providers are `Ready` as soon as the POST
//! has answered.

use altinn_broker_core::model::{
    DeploymentStatus, ServiceOwnerInitialize, ServiceOwnerOverview, StorageProvider, StorageProviderType,
};
use altinn_broker_core::{paths, BrokerErrorCode};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::{middleware, Json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::extract::accept;
use crate::extract::json_input::{self, BodyModel};
use crate::extract::AsServiceOwner;
use crate::routes::openapi::{self, Auth, NotAcceptable, ProblemDetails};
use crate::state::AppState;
use crate::store::service_owners::{self, StorageProviderRow};

/// Each handler at the path its `#[utoipa::path]` declares (`altinn_broker_core::paths::SERVICE_OWNER`).
pub fn router() -> OpenApiRouter<AppState> {
    // The POST has no `[Produces]` (no Accept check, errors as application/problem+json); the GET has one.
    let create =
        OpenApiRouter::new().routes(routes!(initialize)).route_layer(middleware::from_fn(json_input::consumes_json));
    let overview =
        OpenApiRouter::new().routes(routes!(overview)).route_layer(middleware::from_fn(accept::produces_json));
    create.merge(overview)
}

const SERVICE_OWNER_INITIALIZE: BodyModel = BodyModel {
    parameter: "serviceOwnerInitializeExt",
    type_name: "Altinn.Broker.Models.ServiceOwner.ServiceOwnerInitializeExt",
    members: &[("name", "System.String")],
    required: &["name"],
};

/// The providers a new service owner gets in Production: virus-scanned and not.
const PROVISIONED: [StorageProviderType; 2] =
    [StorageProviderType::AltinnAzure, StorageProviderType::AltinnAzureWithoutVirusScan];

#[utoipa::path(
    post,
    path = paths::SERVICE_OWNER,
    operation_id = "initialize_service_owner",
    tag = openapi::TAG_SERVICE_OWNER,
    summary = "Register the caller's organisation as a Broker service owner",
    extensions(("x-altinn-policy" = json!("ServiceOwner"))),
    request_body(content = ServiceOwnerInitialize, content_type = "application/json"),
    responses(
        (status = 200, description = "Registered (empty body)"),
        // No `[Produces]`: every problem is application/problem+json.
        (status = 400, description = "BRO-07001, or a validation failure", body = ProblemDetails,
            content_type = "application/problem+json"),
        Auth,
        (status = 409, description = "BRO-07002", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Content-Type is not application/json", body = ProblemDetails,
            content_type = "application/problem+json"),
    ),
)]
async fn initialize(
    State(state): State<AppState>,
    AsServiceOwner(caller): AsServiceOwner,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let body: ServiceOwnerInitialize = json_input::parse(&headers, &body, &SERVICE_OWNER_INITIALIZE)?;
    let org = caller.org.ok_or(BrokerErrorCode::CallerOrganizationUnknown)?;
    state.store.tx(|tx| {
        if !service_owners::insert(tx, &org, &body.name)? {
            return Err(BrokerErrorCode::ServiceOwnerAlreadyExists.into());
        }
        for provider_type in PROVISIONED {
            service_owners::set_storage_provider(
                tx,
                &org,
                StorageProviderRow { provider_type, status: DeploymentStatus::Ready },
            )?;
        }
        Ok(())
    })?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    get,
    path = paths::SERVICE_OWNER,
    operation_id = "service_owner_overview",
    tag = openapi::TAG_SERVICE_OWNER,
    summary = "The caller's service owner and storage providers",
    extensions(("x-altinn-policy" = json!("ServiceOwner"))),
    responses(
        (status = 200, description = "OK", body = ServiceOwnerOverview, content_type = "application/json"),
        (status = 400, description = "BRO-07001", body = ProblemDetails, content_type = "application/json"),
        Auth,
        (status = 404, description = "BRO-07004", body = ProblemDetails, content_type = "application/json"),
        NotAcceptable,
    ),
)]
async fn overview(
    State(state): State<AppState>,
    AsServiceOwner(caller): AsServiceOwner,
) -> Result<Json<ServiceOwnerOverview>, AppError> {
    let org = caller.org.ok_or(BrokerErrorCode::CallerOrganizationUnknown)?;
    let owner = state.store.service_owner(&org)?.ok_or(BrokerErrorCode::ServiceOwnerNotFound)?;
    Ok(Json(ServiceOwnerOverview {
        name: owner.name,
        storage_providers: owner
            .storage_providers
            .into_iter()
            .map(|p| StorageProvider {
                provider_type: p.provider_type,
                deployment_status: p.status,
                deployment_environment: state.settings.environment.clone(),
            })
            .collect(),
    }))
}
