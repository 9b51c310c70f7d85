// maskinportenTokenProvider: the `token` callback of a BrokerClient (or of createBrokerProxy), fed by Maskinporten
// and the Altinn token exchange. A signed JWT-bearer grant (contract §2.2) is posted to Maskinporten's token
// endpoint, its access token exchanged for an Altinn token (§3.1), and that token cached until shortly before it
// expires. Server and edge only: the private key must never reach a browser.
import { MaskinportenError, TokenExchangeError, redact } from './errors.js';
import { importSigningKey, jwtPayload, signJwt } from './jwt.js';

/** §2.1 and the platform hosts of tt02 and production. */
const ENVIRONMENTS = {
  test: { maskinporten: 'https://test.maskinporten.no/', platform: 'https://platform.tt02.altinn.no' },
  production: { maskinporten: 'https://maskinporten.no/', platform: 'https://platform.altinn.no' },
};
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** §2.2: `exp - iat <= 120`. */
const GRANT_LIFETIME_S = 120;
/** §2.5: Broker's own clients retry once, after 1 s, on a 503. */
const RETRY_AFTER_503_MS = 1000;
/** A token is renewed this long before it expires, or a quarter of its lifetime when that is shorter. */
const RENEW_MARGIN_MS = 60_000;
/**
 * A `{ refresh: true }` within this long of a fetch that was itself a refresh is answered with the token it got:
 * the callers whose requests were refused held the one before it (a parallel tus upload's four requests all get a
 * 401 for the same expired token, and must not cause four new grants). A token fetched without a refresh is
 * never handed out again once refused: fresh on this clock, it may still have expired on the service's.
 */
const REFRESH_COALESCE_MS = 5000;
/**
 * §2.2: Maskinporten refuses an `iat` more than 10 s off its clock. Its answers' `Date` (RFC 9110 §6.6.1, whole
 * seconds) says what that clock reads; an offset larger than this is taken over, and a refused grant signed with
 * a clock that far off is signed once more with the corrected one.
 */
const CLOCK_SKEW_MS = 5000;
/** §2.3: the ISO 6523 authority of a Norwegian organisation number. */
const ORG_AUTHORITY = 'iso6523-actorid-upis';

function optionError(message) {
  return new TypeError(`maskinportenTokenProvider: ${message}`);
}

function nonEmpty(value, name) {
  if (typeof value !== 'string' || value.trim() === '') throw optionError(`${name} must be a non-empty string`);
  return value.trim();
}

function httpUrl(value, name) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw optionError(`${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw optionError(`${name} must be an http(s) URL`);
  if (url.search || url.hash || url.username || url.password) throw optionError(`${name} must have no query, fragment or credentials`);
  return value;
}

/** The issuer (the grant's `aud`), the token endpoint and the exchange URL of an environment. */
function endpoints(environment) {
  const env = typeof environment === 'string' ? ENVIRONMENTS[environment] : environment;
  if (env === undefined || env === null || typeof env !== 'object') {
    throw optionError(`environment must be 'test', 'production' or { maskinporten, platform } URLs`);
  }
  // The issuer is compared as a string by Maskinporten (§2.2: `aud` is its issuer identifier), so it is kept as
  // written, with the trailing slash the issuer identifiers have.
  let issuer = httpUrl(nonEmpty(env.maskinporten, 'environment.maskinporten'), 'environment.maskinporten');
  if (!issuer.endsWith('/')) issuer += '/';
  const platform = httpUrl(nonEmpty(env.platform, 'environment.platform'), 'environment.platform').replace(/\/+$/, '');
  return {
    issuer,
    tokenEndpoint: `${issuer}token`,
    exchangeUrl: `${platform}/authentication/api/v1/exchange/maskinporten`,
  };
}

function scopeString(scopes) {
  const list = Array.isArray(scopes) ? scopes : typeof scopes === 'string' ? scopes.split(/\s+/) : null;
  if (list === null || list.some((s) => typeof s !== 'string')) throw optionError('scopes must be an array of strings or a space-separated string');
  const words = list.flatMap((s) => s.split(/\s+/)).filter((s) => s !== '');
  if (words.length === 0) throw optionError('scopes must name at least one scope');
  return [...new Set(words)].join(' ');
}

/** §2.3: the system user's organisation in the `0192:` form the docs require (bare digits are accepted too). */
function systemUserId(org) {
  const m = /^(?:0192:)?(\d{9})$/.exec(nonEmpty(org, 'systemUserOrg'));
  if (!m) throw optionError('systemUserOrg must be an organisation number (9 digits, optionally as 0192:<digits>)');
  return `0192:${m[1]}`;
}

/** The grant's claims (§2.2), before any test hook reshapes them. */
function grantTemplate(o) {
  const claims = { aud: o.issuer, iss: o.clientId, scope: o.scope };
  if (o.resource !== undefined) claims.resource = o.resource;
  if (o.systemUserOrg !== undefined) {
    const detail = { type: 'urn:altinn:systemuser', systemuser_org: { authority: ORG_AUTHORITY, ID: o.systemUserOrg } };
    if (o.externalRef !== undefined) detail.externalRef = o.externalRef;
    claims.authorization_details = [detail];
  }
  return claims;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const done = () => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

async function readText(response) {
  try {
    return await response.text();
  } catch {
    return '';
  }
}

/** A refused token request as Maskinporten words it (§2.5: `error`, `error_description`). */
function maskinportenRefusal(status, text) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a gateway's HTML or text): its words go in errorDescription.
  }
  if (body !== null && typeof body === 'object' && typeof body.error === 'string') {
    return new MaskinportenError({
      status,
      error: redact(body.error),
      errorDescription: typeof body.error_description === 'string' ? redact(body.error_description) : null,
    });
  }
  return new MaskinportenError({ status, error: null, errorDescription: text.trim() ? redact(text) : null });
}

/** §3.1: the exchanged token is raw text, a quoted JSON string (with a JSON `Accept`), or `{ access_token }`. */
function exchangedToken(text) {
  const t = text.trim();
  if (t.startsWith('"') || t.startsWith('{')) {
    try {
      const v = JSON.parse(t);
      if (typeof v === 'string') return v.trim();
      if (v !== null && typeof v === 'object' && typeof v.access_token === 'string') return v.access_token;
    } catch {
      return null;
    }
    return null;
  }
  return t;
}

function exchangeRefusal(status, text) {
  let detail = text.trim() ? redact(text) : null;
  try {
    const p = JSON.parse(text);
    // §3.1's 410 is a ProblemDetails; its title says what happened.
    if (p !== null && typeof p === 'object' && (typeof p.title === 'string' || typeof p.detail === 'string')) {
      detail = redact([p.title, p.detail].filter((s) => typeof s === 'string').join(': '));
    }
  } catch {
    // Text or empty (the 401s are empty, the 400 is text).
  }
  return new TokenExchangeError({ status, detail });
}

/**
 * The provider with a hook that may reshape each grant before it is signed. Internal: the package's entry exports
 * `maskinportenTokenProvider` only; the tests use the hook to send the grants Maskinporten must refuse (expired,
 * too long, wrong `aud`, a reused `jti`) through the provider's own request and error mapping.
 */
export function providerWithGrantHook(options, reshapeGrant) {
  if (options === null || typeof options !== 'object') throw optionError('options must be an object');
  if (typeof globalThis.document !== 'undefined' && options.allowInBrowser !== true) {
    throw optionError('refusing to run in a page (a `document` exists): the private key would be readable by every '
      + 'script on it. Run it on a server or at the edge and give the page createBrokerProxy instead; '
      + 'pass allowInBrowser: true only for a page that is itself trusted with the key (a local tool).');
  }
  const config = {
    clientId: nonEmpty(options.clientId, 'clientId'),
    keyId: nonEmpty(options.keyId, 'keyId'),
    scope: scopeString(options.scopes),
    resource: options.resource === undefined ? undefined : nonEmpty(options.resource, 'resource'),
    systemUserOrg: options.systemUserOrg === undefined ? undefined : systemUserId(options.systemUserOrg),
    externalRef: options.externalRef === undefined ? undefined : nonEmpty(options.externalRef, 'externalRef'),
    ...endpoints(options.environment),
  };
  if (config.externalRef !== undefined && config.systemUserOrg === undefined) {
    throw optionError('externalRef belongs to a system user: it needs systemUserOrg');
  }
  if (options.privateKey === undefined || options.privateKey === null) throw optionError('privateKey is required');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw optionError('fetch must be a function');
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw optionError('signal must be an AbortSignal');
  const signal = options.signal;
  // The global fetch is looked up per call (never bound at creation), so a runtime that installs it late works.
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let signingKey = null;
  const key = () => (signingKey ??= importSigningKey(options.privateKey));

  // Maskinporten's clock minus ours, as its `Date` headers tell (see CLOCK_SKEW_MS).
  let clockOffsetMs = 0;
  /** Takes over the server's clock from an answer's `Date`; true when that moved the offset. */
  function learnClock(response) {
    const date = Date.parse(response.headers.get('date') ?? '');
    if (Number.isNaN(date)) return false;
    // `Date` is truncated to the second: half a second is its expected error.
    const measured = date + 500 - Date.now();
    if (Math.abs(measured - clockOffsetMs) <= CLOCK_SKEW_MS) return false;
    clockOffsetMs = measured;
    return true;
  }

  async function grant() {
    const iat = Math.floor((Date.now() + clockOffsetMs) / 1000);
    const header = { alg: 'RS256', kid: config.keyId };
    const claims = { ...grantTemplate(config), iat, exp: iat + GRANT_LIFETIME_S, jti: crypto.randomUUID() };
    const shaped = reshapeGrant ? reshapeGrant({ header, claims }) : { header, claims };
    return signJwt(shaped.header, shaped.claims, await key());
  }

  /** One call, retried once after 1 s when the service answers 503 (§2.5); `request` builds it anew each time. */
  async function withRetry(request, unreachable) {
    for (let attempt = 0; ; attempt++) {
      const [url, init] = await request();
      let response;
      try {
        // A redirect is not followed: it would re-send the grant or the Maskinporten token elsewhere.
        response = await doFetch(url, { ...init, signal, redirect: 'manual' });
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        throw unreachable(e);
      }
      if (response.status === 503 && attempt === 0) {
        await response.body?.cancel().catch(() => {});
        await sleep(RETRY_AFTER_503_MS, signal);
        continue;
      }
      return response;
    }
  }

  async function maskinportenToken() {
    for (let attempt = 0; ; attempt++) {
      const response = await postGrant();
      const skewed = learnClock(response);
      if (response.status === 400 && skewed && attempt === 0) {
        // Refused while our clock was off Maskinporten's: the `iat` may be why. Once more on its clock.
        await response.body?.cancel().catch(() => {});
        continue;
      }
      return readMaskinportenAnswer(response);
    }
  }

  function postGrant() {
    return withRetry(
      // A new grant per attempt: a reused `jti` is refused (§2.2).
      async () => [config.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: GRANT_TYPE, assertion: await grant() }).toString(),
      }],
      (cause) => new MaskinportenError({ message: `could not reach Maskinporten at ${config.tokenEndpoint}` }, cause),
    );
  }

  async function readMaskinportenAnswer(response) {
    const text = await readText(response);
    if (!response.ok) throw maskinportenRefusal(response.status, text);
    let body = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Reported below.
    }
    if (body === null || typeof body !== 'object' || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new MaskinportenError({ status: response.status, message: `Maskinporten answered ${response.status} without an access_token` });
    }
    return body.access_token;
  }

  async function altinnToken(maskinporten) {
    const response = await withRetry(
      async () => [config.exchangeUrl, { method: 'GET', headers: { authorization: `Bearer ${maskinporten}`, accept: 'application/json' } }],
      (cause) => new TokenExchangeError({ message: `could not reach the Altinn token exchange at ${config.exchangeUrl}` }, cause),
    );
    const text = await readText(response);
    if (!response.ok) throw exchangeRefusal(response.status, text);
    const token = exchangedToken(text);
    const payload = token === null ? null : jwtPayload(token);
    if (payload === null || typeof payload.exp !== 'number') {
      // The body is not quoted: it may hold a token after all.
      throw new TokenExchangeError({ status: response.status, message: `the Altinn token exchange answered ${response.status} with a body that is not a JWT` });
    }
    return { token, payload };
  }

  async function obtain() {
    const { token, payload } = await altinnToken(await maskinportenToken());
    const fetchedAt = Date.now();
    // The lifetime the issuer gave (`exp - iat`), counted from now on this clock: a machine whose clock is off the
    // platform's neither throws tokens away early nor keeps them past their end.
    const lifetimeMs = typeof payload.iat === 'number' ? (payload.exp - payload.iat) * 1000 : payload.exp * 1000 - fetchedAt;
    const expiresAt = fetchedAt + Math.max(0, lifetimeMs);
    return { token, fetchedAt, expiresAt, renewAt: expiresAt - Math.min(RENEW_MARGIN_MS, lifetimeMs / 4) };
  }

  let cached = null;
  let inflight = null;
  // Whether the fetch under way answers a refresh (it started as one, or a refresh joined it).
  let inflightAnswersRefresh = false;

  function start(refresh) {
    inflightAnswersRefresh = refresh;
    const p = obtain().then(
      (entry) => {
        cached = { ...entry, answersRefresh: inflightAnswersRefresh };
        return entry.token;
      },
    ).finally(() => {
      if (inflight === p) inflight = null;
    });
    inflight = p;
    return p;
  }

  return async function token(request) {
    const now = Date.now();
    if (request?.refresh === true) {
      // The caller's token was refused. A fetch under way gives a newer one, and so does one that just answered
      // another refresh (see REFRESH_COALESCE_MS).
      if (inflight) {
        inflightAnswersRefresh = true;
        return inflight;
      }
      if (cached?.answersRefresh && now - cached.fetchedAt < REFRESH_COALESCE_MS && now < cached.expiresAt) return cached.token;
      cached = null;
      return start(true);
    }
    if (cached && now < cached.renewAt) return cached.token;
    return inflight ?? start(false);
  };
}

/**
 * A token callback for `BrokerClient` (or `createBrokerProxy`): Altinn tokens from Maskinporten via the token
 * exchange, cached, renewed single-flight. Server and edge only. See README "Maskinporten tokens".
 */
export function maskinportenTokenProvider(options) {
  return providerWithGrantHook(options, null);
}
