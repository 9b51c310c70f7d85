//! Resource configuration (contract §8.1, §8.2). The resource id goes in the path verbatim, as the service
//! does no prefix stripping there.

use altinn_broker_core::model::ResourceConfig;
use altinn_broker_core::paths;
use altinn_broker_core::validate;

use crate::client::Client;
use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::http::retry::Replay;
use crate::http::transport::{read_json, Request};
use crate::http::url::segment;

/// The service's own checks of a resource update that need nothing but the body (the production-only size rule
/// is the service's to apply).
pub fn check_resource_config(cfg: &ResourceConfig) -> Result<(), Error> {
    let errors = validate::resource_model(cfg);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    validate::resource_update(cfg, false, false).map_err(Error::Refused)
}

impl Client {
    pub async fn get_resource(&self, resource_id: &str, guard: &CallGuard) -> Result<ResourceConfig, Error> {
        let resp =
            self.transport.send(&Request::get(paths::fill(paths::RESOURCE, &[&segment(resource_id)])), guard).await?;
        read_json(resp, guard).await
    }

    /// A partial update: only the fields present and not null change. Idempotent, so retried.
    pub async fn configure_resource(
        &self,
        resource_id: &str,
        cfg: &ResourceConfig,
        guard: &CallGuard,
    ) -> Result<(), Error> {
        check_resource_config(cfg)?;
        let body = serde_json::to_value(cfg).map_err(|e| Error::client(e.to_string()))?;
        // Absent fields must stay absent (null would also mean "unchanged", but an absent field says so plainly).
        let body = match body {
            serde_json::Value::Object(mut m) => {
                m.retain(|_, v| !v.is_null());
                serde_json::Value::Object(m)
            }
            other => other,
        };
        let r = Request::new("PUT", paths::fill(paths::RESOURCE, &[&segment(resource_id)]), Replay::Idempotent)
            .json(body.to_string());
        self.transport.send(&r, guard).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use altinn_broker_core::BrokerErrorCode;

    #[test]
    fn refused_before_sending() {
        let cfg = ResourceConfig { purge_file_transfer_grace_period: Some("PT25H".into()), ..Default::default() };
        assert!(matches!(check_resource_config(&cfg), Err(Error::Refused(BrokerErrorCode::GracePeriodTooLong))));
        let cfg = ResourceConfig { use_manifest_file_shim: Some(true), ..Default::default() };
        assert!(matches!(check_resource_config(&cfg), Err(Error::Validation(_))));
        assert!(
            check_resource_config(&ResourceConfig { max_file_transfer_size: Some(10), ..Default::default() }).is_ok()
        );
    }
}
