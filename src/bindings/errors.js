// The errors the client rejects with. They are real `Error` subclasses so that `instanceof`, stack traces and
// `cause` work as a JavaScript caller expects; the Rust side builds them through the factory functions below.

/** The service answered with an error status, or the client refused invalid input with the service's wording. */
export class BrokerError extends Error {
  constructor(fields, cause) {
    super(fields.detail || fields.title || `Broker request failed with status ${fields.status}`, cause === undefined ? undefined : { cause });
    this.name = 'BrokerError';
    /** HTTP status (400 for input the client refused before sending). */
    this.status = fields.status;
    /** `BRO-000NN` for the service's own errors; `null` for validation and framework errors. */
    this.code = fields.code ?? null;
    this.title = fields.title ?? null;
    this.detail = fields.detail ?? null;
    /** Validation messages keyed as the service keys them (`FileName`, `Recipients`, ...). */
    this.errors = fields.errors ?? {};
    this.traceId = fields.traceId ?? null;
    /** `true` when the client refused the input itself and sent no request. */
    this.local = fields.local === true;
    /** The response body as text when it was not a problem document (empty 401/403 bodies, plain-text errors). */
    this.body = fields.body ?? null;
  }
}

/** The request never got an HTTP answer (DNS, connection refused or reset, CORS refusal). */
export class NetworkError extends Error {
  constructor(message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'NetworkError';
  }
}

/** No bytes moved for `stallTimeoutMs`, the overall deadline passed, or a wait ran out of time. */
export class TimeoutError extends Error {
  constructor(kind, timeoutMs, message) {
    super(message);
    this.name = 'TimeoutError';
    /** `'stall'`, `'deadline'` or `'wait'`. */
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's `AbortSignal` fired; `cause` is the signal's reason. */
export class AbortError extends Error {
  constructor(message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AbortError';
  }
}

/** The bytes that moved do not have the MD5 the transfer records. */
export class ChecksumMismatchError extends Error {
  constructor(expected, actual, message) {
    super(message);
    this.name = 'ChecksumMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** The transfer ended in a status the awaited outcome can no longer follow (e.g. `Failed` after a malware scan). */
export class TransferFailedError extends Error {
  constructor(fileTransferId, status, statusText, message) {
    super(message);
    this.name = 'TransferFailedError';
    this.fileTransferId = fileTransferId;
    this.status = status;
    this.statusText = statusText;
  }
}

/** The runtime cannot do what was asked (e.g. a stream request body in a browser over HTTP/1.1). */
export class UnsupportedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UnsupportedError';
  }
}

/**
 * Altinn Events refused a subscription (events-auth contract §1.2) — or the client refused it before sending, with
 * the service's own words (`local`). `detail` is the service's message; `body` is what the service sends for it, the
 * message as a JSON string literal.
 */
export class SubscriptionError extends Error {
  constructor(fields) {
    super(fields.detail);
    this.name = 'SubscriptionError';
    /** 400, or 403 (not authorized for the resource). */
    this.status = fields.status;
    this.detail = fields.detail;
    this.body = fields.body;
    /** `true` when the client refused the subscription itself and sent nothing. */
    this.local = fields.local === true;
  }
}

/** A webhook body that is not a CloudEvent (not JSON, not an object, or a required attribute missing). */
export class InvalidEventError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/** An argument had the wrong shape or the service answered with something the client cannot read. */
export class ClientError extends Error {
  constructor(message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ClientError';
  }
}

export function makeBrokerError(fields, cause) { return new BrokerError(fields, cause); }
export function makeNetworkError(message, cause) { return new NetworkError(message, cause); }
export function makeTimeoutError(kind, timeoutMs, message) { return new TimeoutError(kind, timeoutMs, message); }
export function makeAbortError(message, cause) { return new AbortError(message, cause); }
export function makeChecksumMismatchError(expected, actual, message) { return new ChecksumMismatchError(expected, actual, message); }
export function makeTransferFailedError(id, status, text, message) { return new TransferFailedError(id, status, text, message); }
export function makeUnsupportedError(message) { return new UnsupportedError(message); }
export function makeClientError(message, cause) { return new ClientError(message, cause); }
export function makeSubscriptionError(fields) { return new SubscriptionError(fields); }
export function makeInvalidEventError(message) { return new InvalidEventError(message); }
