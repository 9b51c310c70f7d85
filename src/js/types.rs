//! The TypeScript declarations of every value that crosses the boundary. wasm-bindgen writes these into the
//! package's `.d.ts`; the methods in `lib.rs` name them with `unchecked_param_type`/`unchecked_return_type`,
//! so the public declarations have no `any`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
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

/** What the token callback is told: `refresh` is true when the previous token was refused with 401. */
export interface TokenRequest { refresh: boolean }

export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 disables). */
  retries?: number;
  /** First backoff in ms (default 250), doubled per retry, with full jitter. */
  baseDelayMs?: number;
  /** Backoff cap in ms (default 30000). A `Retry-After` from the service is honoured even above it. */
  maxDelayMs?: number;
}

export interface BrokerClientOptions {
  /** The service's base URL, e.g. `https://platform.tt02.altinn.no`, or a same-origin proxy in a browser. */
  baseUrl: string;
  /** Returns a bearer token (Altinn or Maskinporten). Called before every request, and once more after a 401. */
  token: (request: TokenRequest) => Promise<string> | string;
  /** Sent as `Ocp-Apim-Subscription-Key` when an API Management gateway needs one. */
  subscriptionKey?: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Retry policy for idempotent requests and for 429/503 answers; `false` disables retries. */
  retry?: RetryOptions | false;
  /** Fail when no bytes move for this long while waiting on the network (default 60000; 0 disables). */
  stallTimeoutMs?: number;
  /** An overall deadline per call in ms (default none). */
  deadlineMs?: number;
  /**
   * Whether this runtime's `fetch` may send a `ReadableStream` body to `baseUrl`. By default: yes in Node, Deno,
   * Bun and workerd; in a browser only for an `https:` base URL where the feature test passes (Chromium needs
   * HTTP/2; Firefox never).
   */
  streamRequestBodies?: boolean;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's `deadlineMs` for this call. */
  deadlineMs?: number;
}

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

export interface SearchAllOptions extends CallOptions {
  /** Stop after this many ids. */
  max?: number;
}

export interface Progress {
  phase: "hash" | "upload" | "download";
  loaded: number;
  total: number | null;
}

export interface UploadOptions extends CallOptions {
  /** The size of a stream, when known. */
  size?: number;
  /** Hash a stream while it uploads and report the MD5 (default true). */
  hash?: boolean;
  onProgress?: (progress: Progress) => void;
}

export interface UploadResult {
  fileTransferId: string;
  size: number;
  /** The MD5 computed while uploading a stream, or null. */
  md5: string | null;
}

export interface WaitOptions extends CallOptions {
  /** Give up after this many ms (rejects with a `TimeoutError` of kind `'wait'`). */
  timeoutMs?: number;
  /** First polling interval (default 200 ms), growing ×1.5 up to `maxIntervalMs` (default 5000). */
  intervalMs?: number;
  maxIntervalMs?: number;
}

export type WaitTarget =
  | FileTransferStatus
  | FileTransferStatus[]
  | ((overview: FileTransferOverview) => boolean);

export interface SendOptions extends WaitOptions, ResumableSendOptions {
  /** The size of a stream, when known. */
  size?: number;
  /** Compute the MD5 (first for a Blob or bytes, while uploading for a stream). Default true. */
  hash?: boolean;
  onProgress?: (progress: Progress) => void;
}

export interface SendResult {
  fileTransferId: string;
  checksum: string | null;
  size: number;
  overview: FileTransferOverview;
}

export type ByteRange = { start: number; end?: number } | { suffix: number };

export interface DownloadOptions extends CallOptions {
  range?: ByteRange;
  /** Continue a body cut by the network from the last byte received (true = 3 attempts). Default true. */
  resume?: boolean | number;
  /** Check the MD5 against the transfer's checksum (whole-file downloads only). Default false. */
  verify?: boolean;
  onProgress?: (progress: Progress) => void;
}

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
