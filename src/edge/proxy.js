// createBrokerProxy: a fetch-style handler `(request) => Promise<Response>` that forwards the Broker API — and
// nothing else — to the real service with the server's credentials, so a page can use BrokerClient with
// `baseUrl: location.origin` and hold no secret. The real Broker sends no CORS headers (README "Browsers and
// CORS"), so a page cannot call it directly; and a Maskinporten key must never reach a browser.
//
// Bodies pass as streams in both directions (no buffering; only a small body is kept so that it can be sent again
// after a 401); tus and Range headers pass unchanged, `Location` is rewritten to the proxy's own URL.
import { brokerApiRoutes } from '../altinn_broker_client.js';
import { problem } from './problem.js';
import { compileRoutes, routeMethods } from './routes.js';

/**
 * RFC 9110 §7.6.1: meaningful for one connection only; and `Expect` (§10.1.1), which the host's server has
 * answered already (curl sends `Expect: 100-continue` with every upload; Node's fetch refuses to send it).
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'expect'];
/**
 * Never forwarded from the browser: its credentials for the portal (`Authorization`, `Cookie`), a subscription key
 * of its own, where it came from (`Origin`, `Referer`, fetch metadata: the proxy judges them, the service has no
 * use for them), and the encodings it accepts (bodies go through byte for byte: see `accept-encoding` below).
 */
const DROPPED_REQUEST = new Set([...HOP_BY_HOP, 'host', 'authorization', 'cookie', 'ocp-apim-subscription-key', 'origin', 'referer',
  'accept-encoding', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip']);
/** Never passed back: the service's cookies belong to its origin, not the portal's. */
const DROPPED_RESPONSE = new Set([...HOP_BY_HOP, 'set-cookie', 'set-cookie2']);
/** A body at most this large is kept, so a request refused with 401 can be sent once more with a new token. */
const REPLAYABLE_BYTES = 64 * 1024;
/** Marks a failure of the token callback, whose error is not shown (it may quote the token service). */
const TOKEN_FAILED = Symbol('token failed');
/** How long a browser may reuse a preflight answer. */
const PREFLIGHT_MAX_AGE_S = 600;

function optionError(message) {
  return new TypeError(`createBrokerProxy: ${message}`);
}

function targetUrl(target) {
  let url;
  try {
    url = new URL(target);
  } catch {
    throw optionError('target must be an absolute http(s) URL, e.g. https://platform.tt02.altinn.no');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw optionError('target must be an http(s) URL');
  if (url.search || url.hash || url.username || url.password) throw optionError('target must have no query, fragment or credentials');
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

function normalBasePath(basePath) {
  if (basePath === undefined || basePath === '' || basePath === '/') return '';
  if (typeof basePath !== 'string' || !basePath.startsWith('/') || /[?#]/.test(basePath)) {
    throw optionError('basePath must be a path starting with "/" (e.g. "/broker-proxy")');
  }
  return basePath.replace(/\/+$/, '');
}

function originList(origins) {
  if (origins === undefined) return new Set();
  if (!Array.isArray(origins)) throw optionError('allowedOrigins must be an array of origins');
  return new Set(origins.map((o) => {
    let url = null;
    try {
      url = typeof o === 'string' ? new URL(o) : null;
    } catch {
      // Reported below.
    }
    // Exact origins only: `*` would hand the server's credentials to every site.
    if (url === null || url.origin === 'null' || url.origin !== o.replace(/\/$/, '')) {
      throw optionError(`allowedOrigins: ${JSON.stringify(o)} is not an origin (scheme://host[:port]; "*" is not accepted)`);
    }
    return url.origin;
  }));
}

/** The routes of the wasm's route table; the package must be initialised first (Node's entry does it on import). */
function routeTable() {
  try {
    return compileRoutes(brokerApiRoutes());
  } catch (e) {
    throw new TypeError('createBrokerProxy: the package is not initialised; call `await init()` before creating the proxy', { cause: e });
  }
}

/** Whether `redirect: 'error'` is accepted: Node's fetch keeps a streamed request body in memory without it. */
const REDIRECT = (() => {
  try {
    return new Request('http://127.0.0.1/', { redirect: 'error' }).redirect === 'error' ? 'error' : 'manual';
  } catch {
    return 'manual';
  }
})();

/**
 * The handler. See README "The edge proxy" for what each option does; the `.d.ts` holds the exact types.
 */
export function createBrokerProxy(options) {
  if (options === null || typeof options !== 'object') throw optionError('options must be an object');
  const target = targetUrl(options.target);
  const { token, subscriptionKey, authorize } = options;
  if (typeof token !== 'string' && typeof token !== 'function') throw optionError('token must be a string or a token callback');
  if (subscriptionKey !== undefined && (typeof subscriptionKey !== 'string' || subscriptionKey === '')) {
    throw optionError('subscriptionKey must be a non-empty string');
  }
  if (authorize !== undefined && typeof authorize !== 'function') throw optionError('authorize must be a function');
  const basePath = normalBasePath(options.basePath);
  const allowed = originList(options.allowedOrigins);
  const maxBodyBytes = options.maxBodyBytes;
  if (maxBodyBytes !== undefined && !(Number.isSafeInteger(maxBodyBytes) && maxBodyBytes >= 0)) {
    throw optionError('maxBodyBytes must be a non-negative integer');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw optionError('fetch must be a function');
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const table = routeTable();
  const apiRoot = `${basePath}/broker/api/v1/`;

  /** The proxy path of a service URL (`Location`, `Upload-Concat`), or the value itself when it points elsewhere. */
  function toProxy(value, upstream, self) {
    let u;
    try {
      u = new URL(value, upstream);
    } catch {
      return value;
    }
    if (u.origin !== target.origin || !u.pathname.startsWith(`${target.prefix}/`)) return value;
    const path = `${basePath}${u.pathname.slice(target.prefix.length)}${u.search}`;
    // Root-relative stays root-relative (what the service answers); an absolute URL names the proxy's origin.
    return /^[a-z][a-z0-9+.-]*:/i.test(value.trim()) ? `${self.origin}${path}` : path;
  }

  /** The service path of a proxy URL the client sends back (`Upload-Concat: final;<url> <url>`). */
  function toUpstream(value, self) {
    let u;
    try {
      u = new URL(value, self);
    } catch {
      return value;
    }
    if (u.origin !== self.origin || !u.pathname.startsWith(apiRoot)) return value;
    return `${target.prefix}${u.pathname.slice(basePath.length)}${u.search}`;
  }

  function mapConcat(value, map) {
    const m = /^\s*final\s*;(.*)$/i.exec(value);
    return m ? `final;${m[1].trim().split(/\s+/).map(map).join(' ')}` : value;
  }

  function cors(response, origin, exposeAll) {
    const r = new Response(response.body, response);
    r.headers.set('access-control-allow-origin', origin);
    r.headers.append('vary', 'Origin');
    if (exposeAll) {
      // Every header the answer has is one the page may read (tus and downloads read Location, Upload-*, Content-Range).
      const names = [...r.headers.keys()].filter((n) => !n.startsWith('access-control-'));
      if (names.length) r.headers.set('access-control-expose-headers', names.join(', '));
    }
    return r;
  }

  async function bearer(refresh) {
    return typeof token === 'string' ? token : token({ refresh });
  }

  async function forward(request, self, brokerPath, method) {
    const headers = new Headers();
    const connectionListed = (request.headers.get('connection') ?? '').toLowerCase().split(',').map((s) => s.trim());
    for (const [name, value] of request.headers) {
      if (DROPPED_REQUEST.has(name) || connectionListed.includes(name) || name.startsWith('sec-fetch-')) continue;
      headers.set(name, name === 'upload-concat' ? mapConcat(value, (v) => toUpstream(v, self)) : value);
    }
    // The bytes as the service sent them: a runtime that decodes a compressed answer would change a Range's meaning.
    headers.set('accept-encoding', 'identity');
    if (subscriptionKey !== undefined) headers.set('ocp-apim-subscription-key', subscriptionKey);

    const length = request.headers.get('content-length');
    const bytes = length === null ? null : Number(length);
    let body = null;
    let replayable = true;
    let overLimit = false;
    if (request.body !== null && method !== 'GET' && method !== 'HEAD') {
      if (bytes !== null && bytes <= REPLAYABLE_BYTES) {
        body = await request.arrayBuffer();
      } else {
        replayable = false;
        body = request.body;
        if (maxBodyBytes !== undefined && bytes === null) {
          // No Content-Length to judge by: count while streaming and cut the body at the limit.
          let seen = 0;
          body = body.pipeThrough(new TransformStream({
            transform(chunk, controller) {
              seen += chunk.byteLength;
              if (seen > maxBodyBytes) {
                overLimit = true;
                controller.error(new RangeError('body over maxBodyBytes'));
              } else {
                controller.enqueue(chunk);
              }
            },
          }));
        }
      }
    }

    const url = `${target.origin}${target.prefix}${brokerPath}${self.search}`;
    const send = async (refresh) => {
      const init = { method, headers: new Headers(headers), redirect: REDIRECT };
      if (request.signal) init.signal = request.signal;
      if (body !== null) {
        init.body = body;
        if (body instanceof ReadableStream) init.duplex = 'half';
      }
      let t;
      try {
        t = await bearer(refresh);
      } catch {
        throw Object.assign(new Error('the token callback failed'), { [TOKEN_FAILED]: true });
      }
      if (t) init.headers.set('authorization', `Bearer ${t}`);
      return doFetch(url, init);
    };

    let upstream;
    try {
      upstream = await send(false);
      if (upstream.status === 401 && replayable && typeof token === 'function') {
        await upstream.body?.cancel().catch(() => {});
        upstream = await send(true);
      }
    } catch (e) {
      if (request.signal?.aborted) return new Response(null, { status: 499 });
      if (overLimit) return problem(413, `The request body is larger than the proxy accepts (${maxBodyBytes} bytes).`);
      if (e?.[TOKEN_FAILED]) return problem(502, 'The proxy could not get a token for the Broker.');
      return problem(502, 'The proxy could not reach the Broker.');
    }

    const out = new Headers();
    const encoded = upstream.headers.has('content-encoding');
    for (const [name, value] of upstream.headers) {
      if (DROPPED_RESPONSE.has(name)) continue;
      // The runtime's fetch has decoded a compressed body: its length and encoding no longer hold.
      if (encoded && (name === 'content-encoding' || name === 'content-length')) continue;
      if (name === 'location') out.set(name, toProxy(value, url, self));
      else if (name === 'upload-concat') out.set(name, mapConcat(value, (v) => toProxy(v, url, self)));
      else out.append(name, value);
    }
    return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: out });
  }

  return async function brokerProxy(request) {
    const self = new URL(request.url);
    if (!self.pathname.startsWith(apiRoot)) return problem(404, 'Not a Broker API path.');
    const brokerPath = self.pathname.slice(basePath.length);
    const methods = routeMethods(table, brokerPath);
    if (methods === null) return problem(404, 'Not a Broker API route.');

    // Cross-origin: what the browser says (fetch metadata), else the Origin header against the proxy's own host.
    const origin = request.headers.get('origin');
    const site = request.headers.get('sec-fetch-site');
    let crossOrigin;
    if (site !== null) crossOrigin = site !== 'same-origin' && site !== 'none';
    else crossOrigin = origin !== null && (origin === 'null' || hostOf(origin) !== self.host);
    const corsOrigin = crossOrigin && origin !== null && allowed.has(origin) ? origin : null;
    if (crossOrigin && corsOrigin === null) {
      return problem(403, 'Cross-origin requests are refused for this origin (allowedOrigins).');
    }
    const answer = (r, exposeAll = false) => (corsOrigin === null ? r : cors(r, corsOrigin, exposeAll));

    const requested = request.headers.get('access-control-request-method');
    if (request.method === 'OPTIONS' && corsOrigin !== null && requested !== null) {
      const h = {
        'access-control-allow-methods': [...methods].join(', '),
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
        vary: 'Access-Control-Request-Method, Access-Control-Request-Headers',
      };
      const asked = request.headers.get('access-control-request-headers');
      if (asked) h['access-control-allow-headers'] = asked;
      return answer(new Response(null, { status: 204, headers: h }));
    }

    // tus lets a client send PATCH and DELETE as POST with X-HTTP-Method-Override: judged as what it means.
    const override = request.method === 'POST' ? request.headers.get('x-http-method-override') : null;
    const method = request.method.toUpperCase();
    const effective = override ? override.trim().toUpperCase() : method;
    if (!methods.has(method) || !methods.has(effective)) {
      return answer(problem(405, `${effective} is not allowed on this Broker route.`, { allow: [...methods].join(', ') }));
    }

    const length = request.headers.get('content-length');
    if (maxBodyBytes !== undefined && length !== null && Number(length) > maxBodyBytes) {
      return answer(problem(413, `The request body is larger than the proxy accepts (${maxBodyBytes} bytes).`));
    }

    if (authorize) {
      let verdict;
      try {
        verdict = await authorize(request);
      } catch {
        return answer(problem(500, 'The proxy could not authorize the request.'));
      }
      if (verdict instanceof Response) return answer(verdict);
      if (verdict === false) return answer(problem(403, 'The request was not authorized.'));
    }
    return answer(await forward(request, self, brokerPath, method), true);
  };
}

function hostOf(origin) {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
