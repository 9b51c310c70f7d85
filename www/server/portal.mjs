// The portal's server: the built portal (www/dist) and createBrokerProxy on one origin, so the page talks to its own
// origin only and never holds a token. Tokens come from maskinportenTokenProvider against the emulator's
// Maskinporten, one provider per seed organisation; the page picks which one acts with the local-mode identity
// switch (a cookie naming an org number, not a credential). Local mode only: it reads the emulator's Maskinporten
// clients (private keys included) from the emulator's test hook, which exists only because the emulator listens on
// loopback; never point this at a real Broker.
//
// Usage: node www/server/portal.mjs --broker <emulator URL> [--port 0] [--dist www/dist]
// Prints `portal at <url>` as its first stdout line.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { toNodeHandler } from 'srvx/node';
import { createBrokerProxy, maskinportenTokenProvider } from 'altinn-broker-client/edge';
import { staticFiles } from './static.mjs';
import { identityCookie, readIdentity } from './identity.mjs';
import { SEED_RESOURCES, orgName } from './seed.mjs';

const { values } = parseArgs({
  options: {
    broker: { type: 'string' },
    port: { type: 'string', default: '0' },
    dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) },
  },
});
if (!values.broker) throw new Error('--broker <emulator URL> is required');
const broker = values.broker.replace(/\/+$/, '');

// The emulator's test hook: one Maskinporten client per seed organisation, with the key the emulator made for it.
const answer = await fetch(`${broker}/emulator/api/maskinporten/clients`);
if (!answer.ok) throw new Error(`the emulator's Maskinporten clients hook answered ${answer.status}: is ${broker} the emulator?`);
const clients = (await answer.json()).filter((c) => c.privateJwk && c.scopes.includes('altinn:broker.write'));
if (clients.length === 0) throw new Error('the emulator has no Maskinporten client with altinn:broker.write');
const environment = { maskinporten: `${broker}/maskinporten/`, platform: broker };

/** One proxy per organisation, each with its own token provider (its cache lives as long as the server). */
const proxies = new Map(clients.map((c) => [c.org, createBrokerProxy({
  target: broker,
  token: maskinportenTokenProvider({
    clientId: c.clientId,
    keyId: c.kid,
    privateKey: c.privateJwk,
    scopes: 'altinn:broker.write altinn:broker.read',
    environment,
  }),
})]));
const identities = clients.map((c) => ({ org: c.org, name: orgName(c.org) }));
const defaultOrg = identities[0].org;
const serveStatic = staticFiles(values.dist);

function json(body, init = {}) {
  return new Response(JSON.stringify(body), {
    ...init,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...init.headers },
  });
}

/** The org acting for this request: the identity cookie when it names a known org, else the first seed org. */
function actingOrg(request) {
  const org = readIdentity(request);
  return org && proxies.has(org) ? org : defaultOrg;
}

async function portalApi(request, path) {
  if (path === '/portal/api/session' && request.method === 'GET') {
    return json({ mode: 'local', org: actingOrg(request), identities, resources: SEED_RESOURCES });
  }
  if (path === '/portal/api/identity' && request.method === 'POST') {
    // Only the portal's own page may switch: a JSON content type cannot be sent cross-origin without a preflight
    // (which nothing here answers), and a browser's Origin must be this server's.
    const origin = request.headers.get('origin');
    if (!(request.headers.get('content-type') ?? '').startsWith('application/json') || (origin && origin !== new URL(request.url).origin)) {
      return json({ title: 'The identity switch takes JSON from the portal page only' }, { status: 403 });
    }
    let org;
    try {
      ({ org } = await request.json());
    } catch {
      return json({ title: 'The body must be JSON: {"org": "<9 digits>"}' }, { status: 400 });
    }
    if (!proxies.has(org)) return json({ title: `No seed organisation ${String(org)} in this emulator` }, { status: 400 });
    return json({ org }, { headers: { 'set-cookie': identityCookie(org) } });
  }
  return json({ title: 'Not found' }, { status: 404 });
}

async function handle(request) {
  const path = new URL(request.url).pathname;
  if (path.startsWith('/broker/api/')) return proxies.get(actingOrg(request))(request);
  if (path.startsWith('/portal/api/')) return portalApi(request, path);
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
  return serveStatic(path);
}

// A page reload or a cancel in the middle of a tus PATCH makes a web stream in the Node adapter / proxy path close
// a chunk into a web stream that was already closed ("Invalid state: Controller is already closed" from
// ReadableStreamDefaultController.enqueue, thrown from a socket event outside any request's promise: srvx 0.11.22's
// request-body adapter after the proxy's upstream fetch cancelled the body). One broken upload request must not take
// the server down for everyone; anything else still ends the process.
process.on('uncaughtException', (e) => {
  if (e?.code === 'ERR_INVALID_STATE') {
    console.error(`portal: ignored after a client went away: ${e.message} ${e.stack?.split('\n')[1]?.trim() ?? ''}`);
    return;
  }
  console.error(e);
  process.exit(1);
});

const server = createServer(toNodeHandler(handle));
// Loopback only: the identity switch is a local test feature.
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`portal at http://127.0.0.1:${server.address().port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
