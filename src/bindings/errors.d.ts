/** The service answered with an error status, or the client refused invalid input with the service's wording. */
export declare class BrokerError extends Error {
  readonly name: "BrokerError";
  /** HTTP status (400 for input the client refused before sending). */
  readonly status: number;
  /** `BRO-000NN` for the service's own errors; null for validation and framework errors. */
  readonly code: string | null;
  readonly title: string | null;
  readonly detail: string | null;
  /** Validation messages keyed as the service keys them (`FileName`, `Recipients`, ...). */
  readonly errors: Record<string, string[]>;
  readonly traceId: string | null;
  /** True when the client refused the input itself and sent no request. */
  readonly local: boolean;
  /** The response body as text when it was not a problem document (empty 401/403 bodies are null). */
  readonly body: string | null;
}

/** The request never got an HTTP answer (connection refused or reset, DNS, CORS refusal). */
export declare class NetworkError extends Error {
  readonly name: "NetworkError";
}

/** No bytes moved for `stallTimeoutMs`, the deadline passed, or `waitFor` ran out of time. */
export declare class TimeoutError extends Error {
  readonly name: "TimeoutError";
  readonly kind: "stall" | "deadline" | "wait";
  readonly timeoutMs: number;
}

/** The caller's `AbortSignal` fired; `cause` is the signal's reason. */
export declare class AbortError extends Error {
  readonly name: "AbortError";
}

/** The bytes that moved do not have the MD5 the transfer records. */
export declare class ChecksumMismatchError extends Error {
  readonly name: "ChecksumMismatchError";
  readonly expected: string;
  readonly actual: string;
}

/** The transfer ended in a status the awaited outcome can no longer follow (e.g. `Failed` after a malware scan). */
export declare class TransferFailedError extends Error {
  readonly name: "TransferFailedError";
  readonly fileTransferId: string;
  readonly status: import("./altinn_broker_client.js").FileTransferStatus;
  readonly statusText: string;
}

/** The runtime cannot do what was asked (e.g. a stream request body in a browser over HTTP/1.1). */
export declare class UnsupportedError extends Error {
  readonly name: "UnsupportedError";
}

/**
 * Altinn Events refused a subscription (events-auth contract §1.2: 400, or 403 when not authorized for the
 * resource), or the client refused it before sending with the service's own words (`local: true`). `detail` is the
 * service's message; `body` is the body the service sends for it (the message as a JSON string literal).
 */
export declare class SubscriptionError extends Error {
  readonly name: "SubscriptionError";
  /** 400, or 403 (not authorized for the resource). */
  readonly status: number;
  readonly detail: string;
  readonly body: string;
  /** True when the client refused the subscription itself and sent nothing. */
  readonly local: boolean;
}

/** A webhook body that is not a CloudEvent (not JSON, not an object, or a required attribute missing). */
export declare class InvalidEventError extends Error {
  readonly name: "InvalidEventError";
}

/**
 * An argument had the wrong shape, or the service answered with something the client cannot read. Also an
 * initialize request the service itself would fail on with HTTP 500 (a `null` property value or recipient; the
 * message starts "the service would fail on this initialize request with HTTP 500"), and one `JSON.stringify`
 * cannot write (a `BigInt`, a cycle): nothing is sent.
 */
export declare class ClientError extends Error {
  readonly name: "ClientError";
}
