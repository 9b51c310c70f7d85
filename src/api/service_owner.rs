//! Service owner registration and overview (contract §8.3, §8.4). The owner is always the caller's own org.

use altinn_broker_core::model::{ServiceOwnerInitialize, ServiceOwnerOverview};
use altinn_broker_core::paths;

use crate::client::Client;
use crate::error::Error;
use crate::http::guard::CallGuard;
use crate::http::retry::Replay;
use crate::http::transport::{read_json, Request};

impl Client {
    pub async fn get_service_owner(&self, guard: &CallGuard) -> Result<ServiceOwnerOverview, Error> {
        let resp = self.transport.send(&Request::get(paths::SERVICE_OWNER), guard).await?;
        read_json(resp, guard).await
    }

    /// Registers the caller's org as a service owner named `name` (409 BRO-07002 if it already is one).
    pub async fn register_service_owner(&self, name: &str, guard: &CallGuard) -> Result<(), Error> {
        let body = serde_json::to_string(&ServiceOwnerInitialize { name: name.to_owned() })
            .map_err(|e| Error::client(e.to_string()))?;
        let r = Request::new("POST", paths::SERVICE_OWNER, Replay::WhenRefused).json(body);
        self.transport.send(&r, guard).await.map(|_| ())
    }
}
