/** Maskinporten refused the grant (contract §2.5), or could not be reached. */
export declare class MaskinportenError extends Error {
  readonly name: "MaskinportenError";
  /** The OAuth2 error code (`invalid_grant`, `invalid_scope`, `invalid_client`, ...); null without one. */
  readonly error: string | null;
  /** Maskinporten's `error_description` (often with an id such as `MP-110`); null without one. */
  readonly errorDescription: string | null;
  /** HTTP status; null when no answer came (network error; `cause` holds the runtime's error). */
  readonly status: number | null;
}

/**
 * The Altinn token exchange (contract §3.1) refused the Maskinporten token, answered something that is not a
 * token, or could not be reached.
 */
export declare class TokenExchangeError extends Error {
  readonly name: "TokenExchangeError";
  /** HTTP status; null when no answer came (network error; `cause` holds the runtime's error). */
  readonly status: number | null;
  /** The service's explanation: a ProblemDetails `title`/`detail` or the text body; null for an empty body. */
  readonly detail: string | null;
}
