// The errors of the edge pieces (the Maskinporten token provider). Like the client's own (src/bindings/errors.js)
// they are real `Error` subclasses. Their messages and fields never hold a grant, a key or a token: bodies are
// quoted only after `redact` has cut anything token-like from them.

/** Maskinporten refused the grant (contract §2.5), or could not be reached. */
export class MaskinportenError extends Error {
  constructor(fields, cause) {
    const what = fields.error ? `${fields.error}${fields.errorDescription ? `: ${fields.errorDescription}` : ''}` : null;
    super(fields.message ?? `Maskinporten refused the token request${fields.status ? ` (HTTP ${fields.status})` : ''}${what ? `: ${what}` : ''}`,
      cause === undefined ? undefined : { cause });
    this.name = 'MaskinportenError';
    /** The OAuth2 error code (`invalid_grant`, `invalid_scope`, `invalid_client`, ...); `null` without one. */
    this.error = fields.error ?? null;
    /** Maskinporten's `error_description` (often with an id such as `MP-110`); `null` without one. */
    this.errorDescription = fields.errorDescription ?? null;
    /** HTTP status; `null` when no answer came (network error). */
    this.status = fields.status ?? null;
  }
}

/** The Altinn token exchange (contract §3.1) refused the Maskinporten token, answered something that is not a
 * token, or could not be reached. */
export class TokenExchangeError extends Error {
  constructor(fields, cause) {
    super(fields.message ?? `the Altinn token exchange answered HTTP ${fields.status}${fields.detail ? `: ${fields.detail}` : ''}`,
      cause === undefined ? undefined : { cause });
    this.name = 'TokenExchangeError';
    /** HTTP status; `null` when no answer came (network error). */
    this.status = fields.status ?? null;
    /** The service's explanation: a ProblemDetails `title`/`detail` or the text body; `null` for an empty body. */
    this.detail = fields.detail ?? null;
  }
}

const TOKEN_LIKE = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}/g;

/** A service's error text, fit to quote: anything shaped like a JWT cut out, whitespace folded, at most 300 chars. */
export function redact(text) {
  const t = String(text).replace(TOKEN_LIKE, '[token]').replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}
