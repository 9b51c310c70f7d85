//! The search query (contract §4).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::status::{FileTransferStatus, RecipientStatus};
use crate::timestamp::serde_rfc3339;

/// Which side of the transfers to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SearchRole {
    Sender,
    Recipient,
}

impl SearchRole {
    /// Case-insensitive, as the service reads it.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sender" => Some(Self::Sender),
            "recipient" => Some(Self::Recipient),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sender => "Sender",
            Self::Recipient => "Recipient",
        }
    }
}

/// `GET /broker/api/v1/filetransfer?...`. At most 100 ids come back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// Used verbatim: the URN prefix is not stripped here.
    pub resource_id: String,
    #[serde(default)]
    pub status: Option<FileTransferStatus>,
    /// Switches to the recipient-only search and ignores `role`.
    #[serde(default)]
    pub recipient_status: Option<RecipientStatus>,
    /// Lower bound; with `status` it applies to when the transfer entered that status, else to `created`.
    #[serde(default, with = "serde_rfc3339::option")]
    pub from: Option<OffsetDateTime>,
    #[serde(default, with = "serde_rfc3339::option")]
    pub to: Option<OffsetDateTime>,
    #[serde(default)]
    pub order_ascending: Option<bool>,
    #[serde(default)]
    pub role: Option<SearchRole>,
}

/// The service's cap on search results.
pub const SEARCH_LIMIT: usize = 100;

impl SearchQuery {
    pub fn new(resource_id: impl Into<String>) -> Self {
        Self {
            resource_id: resource_id.into(),
            status: None,
            recipient_status: None,
            from: None,
            to: None,
            order_ascending: None,
            role: None,
        }
    }

    /// The query pairs, in the service's parameter names (values not yet percent-encoded).
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![("resourceId", self.resource_id.clone())];
        if let Some(s) = self.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(s) = self.recipient_status {
            q.push(("recipientStatus", s.as_str().to_owned()));
        }
        if let Some(t) = self.from {
            q.push(("from", crate::timestamp::format(t)));
        }
        if let Some(t) = self.to {
            q.push(("to", crate::timestamp::format(t)));
        }
        if let Some(b) = self.order_ascending {
            q.push(("orderAscending", b.to_string()));
        }
        if let Some(r) = self.role {
            q.push(("role", r.as_str().to_owned()));
        }
        q
    }
}
