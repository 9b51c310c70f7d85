//! The TypeScript declarations of the data that crosses the boundary (the Broker's model, as `altinn-broker-core`
//! reads and writes it), and the results the client's calls resolve to, each beside the Rust struct it is
//! serialised from. The methods name these with `unchecked_param_type`/`unchecked_return_type`, so the public
//! declarations have no `any`.

use altinn_broker_core::model::FileTransferOverview;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::download::headers::ContentRange;

#[wasm_bindgen(typescript_custom_section)]
const MODEL: &'static str = r#"
/** Transfer statuses (contract §3). `Cancelled` exists in the service's enum but nothing ever sets it. */
export type FileTransferStatus =
  | "Initialized" | "UploadStarted" | "UploadProcessing" | "Published"
  | "Cancelled" | "AllConfirmedDownloaded" | "Purged" | "Failed";

/** A recipient's status. */
export type RecipientStatus = "Initialized" | "DownloadStarted" | "DownloadConfirmed";

/**
 * A timestamp as the service writes it: ISO-8601 with an offset, up to microseconds,
 * e.g. `"2026-08-18T11:40:51.123456+00:00"`. `new Date(t)` reads it (to the millisecond).
 */
export type Timestamp = string;

/** Validation messages keyed as the service keys them (`FileName`, `Recipients`, `PropertyList`, ...). */
export type ValidationErrors = Record<string, string[]>;

export interface InitializeRequest {
  fileName: string;
  /** With or without the `urn:altinn:resource:` prefix. */
  resourceId: string;
  /** Your own reference; use it to find a transfer whose initialize answer was lost. */
  sendersFileTransferReference: string;
  /** `0192:123456789` or `urn:altinn:organization:identifier-no:123456789`; sent in the `0192:` form. */
  sender: string;
  recipients: string[];
  /** At most 10 entries; keys ≤ 50 and values ≤ 3000 characters. */
  propertyList?: Record<string, string>;
  /** Lower-case hex MD5 of the file. */
  checksum?: string | null;
  disableVirusScan?: boolean | null;
}

export interface RecipientFileStatus {
  recipient: string;
  currentRecipientFileTransferStatusCode: RecipientStatus;
  currentRecipientFileTransferStatusText: string;
  currentRecipientFileTransferStatusChanged: Timestamp;
}

interface FileTransferSummary {
  fileTransferId: string;
  resourceId: string;
  fileName: string;
  sendersFileTransferReference: string | null;
  /** Lower-case hex MD5, or null until known. */
  checksum: string | null;
  useVirusScan: boolean;
  /** 0 until an upload recorded the size. */
  fileTransferSize: number;
  fileTransferStatus: FileTransferStatus;
  /** The fixed text of the status, or a detail such as `"Checksum mismatch"`. */
  fileTransferStatusText: string;
  fileTransferStatusChanged: Timestamp;
  created: Timestamp;
  expirationTime: Timestamp;
  /** Exactly as given at initialize. */
  sender: string;
  recipients: RecipientFileStatus[];
  propertyList: Record<string, string>;
}

export interface FileTransferOverview extends FileTransferSummary {
  published: Timestamp | null;
}

export interface FileTransferStatusEvent {
  fileTransferStatus: FileTransferStatus;
  fileTransferStatusText: string;
  fileTransferStatusChanged: Timestamp;
}

export interface RecipientStatusEvent {
  recipient: string;
  recipientFileTransferStatusCode: RecipientStatus;
  recipientFileTransferStatusText: string;
  recipientFileTransferStatusChanged: Timestamp;
}

/** The histories are as the service returns them, unordered; `timeline()` orders them. */
export interface FileTransferDetails extends FileTransferSummary {
  fileTransferStatusHistory: FileTransferStatusEvent[];
  recipientFileTransferStatusHistory: RecipientStatusEvent[];
}

export interface SearchQuery {
  /** Used verbatim by the service (no URN prefix here). */
  resourceId: string;
  status?: FileTransferStatus;
  /** Switches to a recipient-only search; `role` is then ignored. */
  recipientStatus?: RecipientStatus;
  /** Lower bound: on `created`, or with `status` on when the transfer entered it. */
  from?: Timestamp | Date;
  to?: Timestamp | Date;
  orderAscending?: boolean;
  role?: "Sender" | "Recipient";
}

export type WaitTarget =
  | FileTransferStatus
  | FileTransferStatus[]
  | ((overview: FileTransferOverview) => boolean);

export interface ResourceConfig {
  maxFileTransferSize?: number | null;
  /** ISO-8601 on input (`P30D`); .NET `d.hh:mm:ss` form on output (`30.00:00:00`). */
  fileTransferTimeToLive?: string | null;
  purgeFileTransferAfterAllRecipientsConfirmed?: boolean | null;
  /** ISO-8601 on input (`PT2H`), at most `PT24H`; .NET form on output. */
  purgeFileTransferGracePeriod?: string | null;
  useManifestFileShim?: boolean | null;
  externalServiceCodeLegacy?: string | null;
  externalServiceEditionCodeLegacy?: number | null;
  requiredParty?: string | null;
}

export interface StorageProvider {
  type: "AltinnAzure" | "AltinnAzureWithoutVirusScan";
  deploymentStatus: "NotStarted" | "DeployingResources" | "Ready";
  deploymentEnvironment: string;
}

export interface ServiceOwnerOverview {
  name: string;
  storageProviders: StorageProvider[];
}

export interface MonthlyStatisticsQuery {
  year: number;
  month: number;
  resourceId?: string;
  /** Default true. */
  includeEndUser?: boolean;
  /** Default false. */
  includeVendor?: boolean;
}

export interface AllowedActions {
  isSender: boolean;
  isRecipient: boolean;
  upload: boolean;
  download: boolean;
  confirm: boolean;
}

export interface TimelineEntry {
  time: Timestamp;
  kind: "transfer" | "recipient";
  /** The recipient for recipient entries, null for transfer entries. */
  recipient: string | null;
  status: FileTransferStatus | RecipientStatus;
  text: string;
}

/** Anything `upload`, `send` and `initializeAndUpload` accept (`initializeAndUpload`: no streams). */
export type UploadSource = Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer;
"#;

#[wasm_bindgen(typescript_custom_section)]
const UPLOAD_RESULT: &'static str = r#"
export interface UploadResult {
  fileTransferId: string;
  size: number;
  /** With `hash: true`: the MD5 of the bytes sent (lower-case hex); null without. */
  md5: string | null;
}
"#;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadResult {
    pub file_transfer_id: String,
    pub size: f64,
    pub md5: Option<String>,
}

#[wasm_bindgen(typescript_custom_section)]
const SEND_RESULT: &'static str = r#"
export interface SendResult {
  fileTransferId: string;
  checksum: string | null;
  size: number;
  overview: FileTransferOverview;
}
"#;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    pub file_transfer_id: String,
    pub checksum: Option<String>,
    pub size: f64,
    pub overview: FileTransferOverview,
}

#[wasm_bindgen(typescript_custom_section)]
const DOWNLOAD_RESULT: &'static str = r#"
export interface ContentRange { start: number; end: number; total: number }

export interface DownloadResult {
  stream: ReadableStream<Uint8Array>;
  /** Bytes the stream delivers, when the service said. */
  size: number | null;
  fileName: string | null;
  /** The range the service answered with (206), or null for the whole file. */
  range: ContentRange | null;
  status: number;
  /** The checksum the stream is verified against, or null. */
  checksum: string | null;
}
"#;

#[derive(Serialize)]
pub struct Range {
    pub start: u64,
    pub end: u64,
    pub total: u64,
}

impl From<ContentRange> for Range {
    fn from(r: ContentRange) -> Self {
        Self { start: r.start, end: r.end, total: r.total }
    }
}

/// A download's result but its `stream`, which the binding puts first on the object as the JS stream it is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadResult {
    pub size: Option<f64>,
    pub file_name: Option<String>,
    pub range: Option<Range>,
    pub status: u16,
    pub checksum: Option<String>,
}
