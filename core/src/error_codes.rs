//! The Broker error table (contract §2.2): number, `BRO-` code, HTTP status and message.

use std::fmt;

macro_rules! error_table {
    ($($variant:ident = $num:literal, $status:literal, $msg:literal;)+) => {
        /// An error the service reports as ProblemDetails with `code` = `BRO-` + the zero-padded number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum BrokerErrorCode { $($variant,)+ }

        impl BrokerErrorCode {
            pub const ALL: &'static [BrokerErrorCode] = &[$(BrokerErrorCode::$variant,)+];

            /// The error's number in the service's table.
            pub const fn number(self) -> u16 {
                match self { $(BrokerErrorCode::$variant => $num,)+ }
            }

            /// The HTTP status the service answers with.
            pub const fn status(self) -> u16 {
                match self { $(BrokerErrorCode::$variant => $status,)+ }
            }

            /// The message, written to `detail`.
            pub const fn message(self) -> &'static str {
                match self { $(BrokerErrorCode::$variant => $msg,)+ }
            }
        }
    };
}

error_table! {
    FileTransferNotFound = 1, 404, "The requested file transfer was not found";
    ServiceOwnerNotConfigured = 2, 400, "Service owner needs to be configured to use the broker API";
    NoFileUploaded = 3, 400, "No file uploaded yet";
    FileTransferAlreadyUploaded = 4, 409, "A file transfer has already been, or attempted to be, created. Create a new file transfer resource to try again.";
    ResourceNotRegistered = 5, 403, "The resource needs to be registered as an Altinn 3 resource and it has to be associated with a service owner";
    NoAccessToResource = 6, 401, "You must use a bearer token that represents a system user with access to the resource in the Resource Rights Registry";
    FileTransferNotAvailable = 7, 403, "The requested file transfer's file is not ready for download. See file transfer status.";
    UploadFailed = 8, 500, "Error occurred while uploading file See /details for more information.";
    ChecksumMismatch = 9, 400, "The checksum of uploaded file did not match the checksum specified in initialize call.";
    FileTransferNotPublished = 10, 400, "A file transfer can only be confirmed to be downloaded when it is published. See file transfer status.";
    MaxFileTransferSizeNegative = 11, 400, "Max file transfer size cannot be negative";
    MaxFileTransferSizeZero = 12, 400, "Max file transfer size cannot be zero";
    MaxFileTransferSizeOverScanLimit = 13, 400, "Max file transfer size cannot be set higher than 50GB in production unless the resource has been pre-approved for disabled virus scan. Contact us @ Slack.";
    InvalidTimeToLiveFormat = 14, 400, "Invalid file transfer time to live format. Should follow ISO8601 standard for duration. Example: 'P30D' for 30 days.";
    TimeToLiveTooLong = 15, 400, "Time to live cannot exceed 365 days";
    FileSizeTooBig = 16, 400, "File size exceeds maximum";
    InvalidGracePeriodFormat = 17, 400, "Invalid grace period format. Should follow ISO8601 standard for duration. Example: 'PT2H' for 2 hours.";
    GracePeriodTooLong = 18, 400, "Grace period cannot exceed 24 hours";
    ConfirmDownloadBeforeDownloadStarted = 19, 400, "Cannot confirm before the files have been downloaded";
    NeedApprovalForDisabledVirusScan = 20, 400, "In order to use file transfers without virus scan the service resource needs to be approved by Altinn. Please contact us @ Slack.";
    StorageProviderNotReady = 21, 503, "Storage provider is not ready yet. Please try again later.";
    MaxFileTransferSizeOverGlobalLimit = 22, 400, "Max file transfer size cannot be set higher than 100GB in production because it has not yet been tested for it. Contact us @ Slack if you need it.";
    ManifestShimMissingCodes = 23, 400, "In order to use manifest file shim you need to provide external service code and edition code";
    ServiceOwnerOfResourceNotConfigured = 24, 400, "The service owner associated with the resource has not been configured.";
    ResourceNotConfigured = 25, 400, "The resource has not been configured.";
    RequiredPartyMissing = 26, 400, "The resource requires the service owner party to be present as part of the transaction.";
    RequiredPartyTooManyRecipients = 27, 400, "When required party is specified and the required party is not the sender, the number of recipients can only be one.";
    RecipientsNotInAccessList = 28, 400, "All recipients need to be in the access list of the resource.";
    RangeNotSatisfiable = 29, 416, "The requested byte range is not satisfiable.";
    NotYetUploadProcessing = 30, 503, "File transfer is not yet in UploadProcessing. Retry when upload completion has been recorded.";
    NoFileTransfersForReport = 6001, 404, "No file transfers found for report generation";
    ReportGenerationFailed = 6002, 500, "Failed to generate statistics report";
    InvalidYearOrMonth = 6003, 400, "Invalid year or month. Provide a valid year and a month between 1 and 12.";
    InvalidReportMonth = 6004, 400, "The requested report month is invalid.";
    NoStatisticsAudience = 6005, 400, "At least one of includeEndUser or includeVendor must be true.";
    CallerOrganizationUnknown = 7001, 400, "Caller organization id could not be determined";
    ServiceOwnerAlreadyExists = 7002, 409, "Service owner already exists";
    ServiceOwnerNotInitialized = 7003, 500, "Service owner could not be initialized";
    ServiceOwnerNotFound = 7004, 404, "Service owner not found";
}

impl BrokerErrorCode {
    /// The `code` string of the problem body: `BRO-00001`, `BRO-07002`.
    pub fn code(self) -> String {
        format!("BRO-{:05}", self.number())
    }

    /// Looks up a `code` string (`BRO-00001`), case-insensitively.
    pub fn from_code(code: &str) -> Option<Self> {
        let n: u16 = code.trim().get(4..)?.parse().ok()?;
        if !code.trim().get(..4)?.eq_ignore_ascii_case("BRO-") {
            return None;
        }
        Self::from_number(n)
    }

    pub fn from_number(n: u16) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.number() == n)
    }
}

impl fmt::Display for BrokerErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(BrokerErrorCode::FileTransferNotFound.code(), "BRO-00001");
        assert_eq!(BrokerErrorCode::ServiceOwnerAlreadyExists.code(), "BRO-07002");
        assert_eq!(BrokerErrorCode::from_code("bro-00029"), Some(BrokerErrorCode::RangeNotSatisfiable));
        assert_eq!(BrokerErrorCode::from_code("BRO-99999"), None);
        for e in BrokerErrorCode::ALL {
            assert_eq!(BrokerErrorCode::from_code(&e.code()), Some(*e));
        }
    }
}
