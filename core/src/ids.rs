//! Identifiers that carry rules of their own (contract §1.2, §7.4).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// URN prefix of an organisation number (`urn:altinn:organization:identifier-no:991825827`).
pub const ORG_URN_PREFIX: &str = "urn:altinn:organization:identifier-no:";
/// ISO 6523 ICD of Norwegian organisation numbers, the prefix the service stores (`0192:991825827`).
pub const NORWEGIAN_ICD: &str = "0192";
/// URN prefix of a resource id (`urn:altinn:resource:my-resource`).
pub const RESOURCE_URN_PREFIX: &str = "urn:altinn:resource:";

/// Why an identifier was refused. The service's own wording is in [`crate::validate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{0:?} is not an organisation number: expected countrycode:organizationnumber (e.g. 0192:910753614) or urn:altinn:organization:identifier-no:organizationnumber")]
    OrgNumber(String),
    #[error(
        "{0:?} is not a resource id: expected 1-255 characters without ':' optionally prefixed by urn:altinn:resource:"
    )]
    ResourceId(String),
    #[error("{0:?} is not a file transfer id (a GUID)")]
    FileTransferId(String),
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// A Norwegian organisation number (nine digits).
///
/// The service accepts two written forms at its input (`dddd:ddddddddd` with any four-digit ISO 6523 prefix, and the
/// URN form), stores recipients as `0192:ddddddddd`, and names organisations in events by URN. This type keeps the
/// nine digits and prints every form on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgNumber([u8; 9]);

impl OrgNumber {
    /// Parses the forms the service accepts for `sender` and `recipients` (contract §1.2), exactly:
    /// `^(?:\d{4}:\d{9}|urn:altinn:organization:identifier-no:\d{9})$`.
    pub fn parse_input(s: &str) -> Result<Self, IdError> {
        let digits = if let Some(rest) = s.strip_prefix(ORG_URN_PREFIX) {
            rest
        } else {
            match s.split_once(':') {
                Some((icd, rest)) if is_digits(icd, 4) => rest,
                _ => return Err(IdError::OrgNumber(s.to_owned())),
            }
        };
        Self::from_digits(digits).ok_or_else(|| IdError::OrgNumber(s.to_owned()))
    }

    /// Parses any form the service reads leniently elsewhere (token claims, `requiredParty`, search):
    /// the input forms plus bare nine digits and `0192:` written without a check of the prefix.
    pub fn parse_lenient(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        // The service keeps what follows the last ':' (`WithoutPrefix`, contract §7.4).
        let digits = s.rsplit(':').next().unwrap_or(s);
        Self::from_digits(digits).ok_or_else(|| IdError::OrgNumber(s.to_owned()))
    }

    fn from_digits(digits: &str) -> Option<Self> {
        if !is_digits(digits, 9) {
            return None;
        }
        let mut out = [0u8; 9];
        out.copy_from_slice(digits.as_bytes());
        Some(Self(out))
    }

    /// The nine digits, `991825827`.
    pub fn digits(&self) -> &str {
        // The array only ever holds ASCII digits (checked in `from_digits`).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The form the service stores and reports recipients in: `0192:991825827`.
    pub fn to_prefixed(&self) -> String {
        format!("{NORWEGIAN_ICD}:{}", self.digits())
    }

    /// The form events and the PDP use: `urn:altinn:organization:identifier-no:991825827`.
    pub fn to_urn(&self) -> String {
        format!("{ORG_URN_PREFIX}{}", self.digits())
    }
}

impl fmt::Display for OrgNumber {
    /// Displays the stored `0192:` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{NORWEGIAN_ICD}:{}", self.digits())
    }
}

impl FromStr for OrgNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_lenient(s)
    }
}

impl Serialize for OrgNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_prefixed())
    }
}

impl<'de> Deserialize<'de> for OrgNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_lenient(&s).map_err(serde::de::Error::custom)
    }
}

/// A resource id of the Altinn Resource Registry, kept without its `urn:altinn:resource:` prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ResourceId(String);

impl ResourceId {
    /// Parses with the initialize rule: 1–255 characters matching `^(?:urn:altinn:resource:)?[^:]{1,255}$`;
    /// the URN prefix is dropped.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let bare = s.strip_prefix(RESOURCE_URN_PREFIX).unwrap_or(s);
        let len = s.chars().count();
        let bare_len = bare.chars().count();
        if len == 0 || len > 255 || bare_len == 0 || bare_len > 255 || bare.contains(':') {
            return Err(IdError::ResourceId(s.to_owned()));
        }
        Ok(Self(bare.to_owned()))
    }

    /// Wraps a bare id as given in a path, where the service does no prefix stripping (resource endpoints, search).
    pub fn verbatim(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `urn:altinn:resource:<id>`, the form used in events.
    pub fn to_urn(&self) -> String {
        format!("{RESOURCE_URN_PREFIX}{}", self.0)
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ResourceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(String::deserialize(d)?))
    }
}

/// The id of a file transfer: a GUID, written lower-case and hyphenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileTransferId(Uuid);

impl FileTransferId {
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }

    pub fn from_uuid(u: Uuid) -> Self {
        Self(u)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// Parses the GUID forms ASP.NET route binding accepts (hyphenated, 32 hex digits, braced).
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Uuid::try_parse(s.trim()).map(Self).map_err(|_| IdError::FileTransferId(s.to_owned()))
    }
}

impl fmt::Display for FileTransferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

impl FromStr for FileTransferId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_input_forms() {
        let a = OrgNumber::parse_input("0192:991825827").unwrap();
        let b = OrgNumber::parse_input("urn:altinn:organization:identifier-no:991825827").unwrap();
        let c = OrgNumber::parse_input("0007:991825827").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.to_prefixed(), "0192:991825827");
        assert_eq!(a.to_urn(), "urn:altinn:organization:identifier-no:991825827");
        for bad in [
            "991825827",
            "192:991825827",
            "0192:99182582",
            "0192:9918258270",
            "urn:altinn:organization:identifier-no:0192:991825827",
            "0192:99182582a",
            "",
        ] {
            assert!(OrgNumber::parse_input(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn org_lenient() {
        assert_eq!(OrgNumber::parse_lenient("991825827").unwrap().digits(), "991825827");
        assert_eq!(OrgNumber::parse_lenient("0192:991825827").unwrap().digits(), "991825827");
        assert!(OrgNumber::parse_lenient("abc").is_err());
    }

    #[test]
    fn resource_ids() {
        assert_eq!(ResourceId::parse("urn:altinn:resource:abc").unwrap().as_str(), "abc");
        assert_eq!(ResourceId::parse("abc").unwrap().as_str(), "abc");
        assert!(ResourceId::parse("").is_err());
        assert!(ResourceId::parse("urn:altinn:resource:").is_err());
        assert!(ResourceId::parse("a:b").is_err());
        assert!(ResourceId::parse(&"x".repeat(256)).is_err());
        assert!(ResourceId::parse(&"x".repeat(255)).is_ok());
        assert_eq!(ResourceId::parse("abc").unwrap().to_urn(), "urn:altinn:resource:abc");
    }

    #[test]
    fn transfer_ids() {
        let id = FileTransferId::parse("8A1D1E4E-3B3B-4A4A-9C9C-0123456789AB").unwrap();
        assert_eq!(id.to_string(), "8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab");
        assert_eq!(FileTransferId::parse("8a1d1e4e3b3b4a4a9c9c0123456789ab").unwrap(), id);
        assert!(FileTransferId::parse("nope").is_err());
    }
}
