import type { TokenRequest } from "../altinn_broker_client.js";

/** Maskinporten and the Altinn platform of one environment (contract §2.1, §3.1). */
export interface MaskinportenEnvironment {
  /** Maskinporten's issuer, e.g. `https://test.maskinporten.no/`: the grant's `aud`; the token endpoint is `{maskinporten}token`. */
  maskinporten: string;
  /** The Altinn platform, e.g. `https://platform.tt02.altinn.no`: the token exchange is below it. */
  platform: string;
}

export interface MaskinportenTokenProviderOptions {
  /** The Maskinporten client id (the grant's `iss`). */
  clientId: string;
  /** The `kid` of the key registered on the client (the grant header's `kid`). */
  keyId: string;
  /** The client's private RSA key: a private JWK, a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), or an RS256 signing `CryptoKey`. */
  privateKey: JsonWebKey | string | CryptoKey;
  /** The scopes to ask for: an array or one space-separated string (e.g. `altinn:broker.write altinn:broker.read`). */
  scopes: readonly string[] | string;
  /**
   * `'test'` (test.maskinporten.no + platform.tt02.altinn.no), `'production'` (maskinporten.no +
   * platform.altinn.no), or explicit URLs (the emulator: `{ maskinporten: base + '/maskinporten/', platform: base }`).
   */
  environment: "test" | "production" | MaskinportenEnvironment;
  /** The grant's `resource` claim (an audience restriction agreed with the API owner). */
  resource?: string;
  /** Act as the system user of this organisation (9 digits or `0192:` form): the grant's `authorization_details`. */
  systemUserOrg?: string;
  /** The system user request's `externalRef`, when it was created with one (needs `systemUserOrg`). */
  externalRef?: string;
  /** Run although a `document` exists (a page). Only for a page that is itself trusted with the key. */
  allowInBrowser?: boolean;
  /** A `fetch` to use instead of the global one. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Aborts the provider's requests under way; later calls reject with the signal's reason. */
  signal?: AbortSignal;
}

/** The token callback: `BrokerClientOptions.token` and `BrokerProxyOptions.token` take it as it is. */
export type MaskinportenTokenProvider = (request?: TokenRequest) => Promise<string>;

/**
 * Altinn tokens from Maskinporten: signs an RS256 JWT-bearer grant with WebCrypto, posts it to Maskinporten,
 * exchanges the access token at `{platform}/authentication/api/v1/exchange/maskinporten`, and caches the Altinn
 * token until shortly before it expires. Concurrent callers share one fetch; `{ refresh: true }` (after a 401)
 * fetches a new token unless one newer than the refused one is already there or on its way. Rejects with
 * `MaskinportenError` or `TokenExchangeError`; throws a `TypeError` at once for invalid options, and in a page
 * (a `document` exists) unless `allowInBrowser` is set. Server and edge only.
 */
export declare function maskinportenTokenProvider(options: MaskinportenTokenProviderOptions): MaskinportenTokenProvider;
