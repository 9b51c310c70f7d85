//! Transfer and recipient statuses with the fixed texts the service reports (contract §1.5, §3).
//!
//! On the wire a status is the C# member name (`"Published"`). On input the service also accepts the name in any
//! case and the enum's integer value, and so do we.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a wire enum once: its members, integer values, fixed texts, and lenient parsing.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $num:literal => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant = $num,)+ }

        impl $name {
            /// Every member, in the order of its integer value.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire name (the C# member name).
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant),)+ }
            }

            /// The fixed text the service reports for this status when no detail text was stored.
            pub const fn default_text(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// The integer value of the service's enum.
            pub const fn code(self) -> u8 {
                self as u8
            }

            pub fn from_code(code: i64) -> Option<Self> {
                match code { $($num => Some($name::$variant),)+ _ => None }
            }

            /// Parses a name case-insensitively or an integer, as the service does on input.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                if let Ok(n) = s.parse::<i64>() {
                    return Self::from_code(n);
                }
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownStatus;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| UnknownStatus(s.to_owned()))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                match serde_json::Value::deserialize(d)? {
                    serde_json::Value::String(s) => Self::parse(&s)
                        .ok_or_else(|| serde::de::Error::custom(UnknownStatus(s))),
                    serde_json::Value::Number(n) => n
                        .as_i64()
                        .and_then(Self::from_code)
                        .ok_or_else(|| serde::de::Error::custom(UnknownStatus(n.to_string()))),
                    other => Err(serde::de::Error::custom(UnknownStatus(other.to_string()))),
                }
            }
        }
    };
}

/// A status name the service does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}")]
pub struct UnknownStatus(pub String);

wire_enum! {
    /// The status of a file transfer (`FileTransferStatusExt`).
    // A string enum of the variant names, as `as_str` writes them (the integer values are input-only).
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = FileTransferStatusExt))]
    FileTransferStatus {
        Initialized = 0 => "Ready for upload",
        UploadStarted = 1 => "Upload started",
        UploadProcessing = 2 => "Processing upload",
        Published = 3 => "Ready for download",
        /// Known to the service's enum but never set by it: there is no way to cancel a transfer.
        Cancelled = 4 => "FileTransfer cancelled",
        AllConfirmedDownloaded = 5 => "All downloaded",
        Purged = 6 => "FileTransfer has been purged",
        Failed = 7 => "Upload failed",
    }
}

wire_enum! {
    /// The status of one recipient of a file transfer (`RecipientFileTransferStatusExt`).
    // A string enum of the variant names, as `as_str` writes them (the integer values are input-only).
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RecipientFileTransferStatusExt))]
    RecipientStatus {
        Initialized = 0 => "Initialized",
        DownloadStarted = 1 => "Recipient has attempted to download fileTransfer",
        DownloadConfirmed = 2 => "Recipient has downloaded fileTransfer",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_and_texts() {
        assert_eq!(serde_json::to_string(&FileTransferStatus::Published).unwrap(), "\"Published\"");
        assert_eq!(FileTransferStatus::Published.default_text(), "Ready for download");
        assert_eq!(RecipientStatus::DownloadStarted.default_text(), "Recipient has attempted to download fileTransfer");
    }

    #[test]
    fn lenient_input() {
        let s: FileTransferStatus = serde_json::from_str("\"published\"").unwrap();
        assert_eq!(s, FileTransferStatus::Published);
        let s: FileTransferStatus = serde_json::from_str("7").unwrap();
        assert_eq!(s, FileTransferStatus::Failed);
        assert_eq!(RecipientStatus::parse("downloadconfirmed"), Some(RecipientStatus::DownloadConfirmed));
        assert!(serde_json::from_str::<FileTransferStatus>("\"Nope\"").is_err());
        assert!(serde_json::from_str::<FileTransferStatus>("9").is_err());
    }
}
