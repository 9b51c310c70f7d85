//! The armed fault rules (test hook): `POST /emulator/api/faults` adds a rule, the next `count` matching requests
//! get it. The table lives in the state; the middleware that applies it is [`crate::http::faults`].

use std::sync::Mutex;

use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;

/// The body of `POST /emulator/api/faults`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = FaultRule)]
pub struct FaultSpec {
    /// HTTP method to match (any when absent), case-insensitive.
    #[serde(default)]
    pub method: Option<String>,
    /// Glob over the request path (`/broker/api/v1/filetransfer/*/upload`, `**/download`).
    pub path: String,
    /// How many matching requests get the fault.
    #[serde(default = "one")]
    pub count: u32,
    /// Answer with this status instead of handling the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` value (seconds) sent with `status`.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Stall this long (real milliseconds) before going on.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Cut the connection after this many bytes of the request body, or of the response body when the request
    /// has none.
    #[serde(default)]
    pub drop_after_bytes: Option<u64>,
}

fn one() -> u32 {
    1
}

struct Rule {
    spec: FaultSpec,
    glob: GlobMatcher,
    remaining: u32,
}

#[derive(Default)]
pub struct Faults {
    rules: Mutex<Vec<Rule>>,
}

#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    #[error("invalid path glob: {0}")]
    Glob(#[from] globset::Error),
    #[error("status must be between 100 and 599")]
    Status,
    #[error("count must be at least 1")]
    Count,
    #[error("a fault needs status, delayMs or dropAfterBytes")]
    Nothing,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec) -> Result<(), FaultError> {
        if spec.status.is_some_and(|s| !(100..=599).contains(&s)) {
            return Err(FaultError::Status);
        }
        if spec.count == 0 {
            return Err(FaultError::Count);
        }
        if spec.status.is_none() && spec.delay_ms.is_none() && spec.drop_after_bytes.is_none() {
            return Err(FaultError::Nothing);
        }
        // `*` stays within one path segment, `**` crosses segments.
        let glob = GlobBuilder::new(&spec.path).literal_separator(true).build()?.compile_matcher();
        let remaining = spec.count;
        self.lock().push(Rule { spec, glob, remaining });
        Ok(())
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Rule>> {
        // A poisoned lock only means a panic elsewhere while holding it; the rule list itself stays consistent.
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Consumes one use of the first rule matching this request.
    pub fn take(&self, method: &str, path: &str) -> Option<FaultSpec> {
        let mut rules = self.lock();
        let i = rules.iter().position(|r| {
            r.spec.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && r.glob.is_match(path)
        })?;
        rules[i].remaining -= 1;
        let spec = rules[i].spec.clone();
        if rules[i].remaining == 0 {
            rules.remove(i);
        }
        Some(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn rules_match_and_count_down() {
        let f = Faults::default();
        f.add(spec(r#"{"method":"get","path":"/broker/api/v1/filetransfer/*","count":2,"status":503}"#)).unwrap();
        assert!(f.take("POST", "/broker/api/v1/filetransfer/x").is_none());
        assert!(f.take("GET", "/broker/api/v1/filetransfer/x").is_some());
        assert!(f.take("GET", "/broker/api/v1/filetransfer/y").is_some());
        assert!(f.take("GET", "/broker/api/v1/filetransfer/y").is_none());
        assert!(f.add(spec(r#"{"path":"/x","count":1}"#)).is_err());
        assert!(f.add(spec(r#"{"path":"/x","count":0,"status":500}"#)).is_err());
        f.add(spec(r#"{"path":"**/download","count":1,"delayMs":5}"#)).unwrap();
        f.add(spec(r#"{"path":"/broker/api/v1/filetransfer/*","count":1,"status":500}"#)).unwrap();
        assert!(f.take("GET", "/broker/api/v1/filetransfer/x/details").is_none(), "`*` stays within a segment");
        assert!(f.take("GET", "/a/b/download").is_some(), "`**` crosses segments");
        f.clear();
        assert!(f.take("GET", "/a/download").is_none());
    }
}
