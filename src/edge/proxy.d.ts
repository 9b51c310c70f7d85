import type { TokenRequest } from "../altinn_broker_client.js";

export interface BrokerProxyOptions {
  /** The Broker's platform URL, e.g. `https://platform.tt02.altinn.no` (or the emulator's URL). */
  target: string;
  /**
   * The server-side bearer token: a string, or a callback as `BrokerClientOptions.token` takes it (e.g.
   * `maskinportenTokenProvider(...)`), asked per request and once more with `{ refresh: true }` after a 401 when the
   * request body can be sent again (none, or at most 64 KiB; never a streamed upload).
   */
  token: string | ((request: TokenRequest) => Promise<string> | string);
  /** Sent upstream as `Ocp-Apim-Subscription-Key`. */
  subscriptionKey?: string;
  /**
   * Decides per request before anything is forwarded (e.g. checks the portal's session cookie): `true` or nothing
   * allows, `false` answers 403, a `Response` is answered instead (e.g. a 401 for a missing session). A throw
   * answers 500 without its message.
   */
  authorize?: (request: Request) => boolean | void | Response | Promise<boolean | void | Response>;
  /**
   * Origins (`https://portal.example`) whose pages may call the proxy cross-origin; CORS, preflight included, is
   * answered for these only. Default none: same-origin pages only; other cross-origin requests get 403.
   */
  allowedOrigins?: readonly string[];
  /** The path the proxy is mounted at (default `""`): `{basePath}/broker/api/v1/...` is forwarded. */
  basePath?: string;
  /** Refuse request bodies larger than this (413): by `Content-Length`, or counted while streaming without one. */
  maxBodyBytes?: number;
  /** A `fetch` to use upstream instead of the global one. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/**
 * A fetch-style handler for workerd, Deno and Node that forwards the Broker API routes only (core's route table)
 * to `target` with the server's token and subscription key, streaming bodies both ways; everything else gets a
 * ProblemDetails 4xx. Create it after the package is initialised (`await init()`; Node's entry does it on import).
 */
export declare function createBrokerProxy(options: BrokerProxyOptions): (request: Request) => Promise<Response>;
