// maskinportenTokenProvider against the emulator's Maskinporten and Altinn token exchange (a real emulator
// process): tokens that the Broker accepts, the §2.5 refusals as typed MaskinportenErrors, one request for 50
// concurrent callers, the refresh rules, a new token after the emulator clock passes exp, the 503 retry.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Emulator, RESOURCE } from '../tus/harness.mjs';
import { assert, assertEq, clientPackage, edgePackage, pkgDir, recordingFetch, run } from './common.mjs';

const { BrokerClient } = await clientPackage();
const { MaskinportenError, TokenExchangeError, maskinportenTokenProvider } = await edgePackage();
// The provider's internal seam for grants Maskinporten must refuse (not exported by the package's entry).
const { providerWithGrantHook } = await import(pathToFileURL(join(pkgDir, 'edge', 'maskinporten.js')).href);

const DIGDIR = '991825827';
const SCOPES = 'altinn:broker.write altinn:broker.read';

function payload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

/** Options for the seed client of `org`, with `fetch` counting what went where. */
function options(ctx, org = DIGDIR, extra = {}) {
  const c = ctx.clients.find((x) => x.org === org);
  return { clientId: c.clientId, keyId: c.kid, privateKey: c.privateJwk, scopes: SCOPES, environment: ctx.environment, ...extra };
}

function counted() {
  const rec = recordingFetch();
  const count = () => ({
    grants: rec.calls.filter((c) => c.url.endsWith('/maskinporten/token')).length,
    exchanges: rec.calls.filter((c) => c.url.includes('/exchange/maskinporten')).length,
  });
  return { fetch: rec.fn, count, calls: rec.calls };
}

/** Rejects with the MaskinportenError `run` gives; checks that nothing secret is in it. */
async function refusal(ctx, promise, { error, status = 400, mentions }) {
  let e = null;
  try {
    await promise;
  } catch (x) {
    e = x;
  }
  assert(e instanceof MaskinportenError, `expected a MaskinportenError, got ${e?.name}: ${e?.message}`);
  assertEq([e.error, e.status], [error, status], 'error and status');
  assert(typeof e.errorDescription === 'string' && (!mentions || e.errorDescription.includes(mentions)),
    `errorDescription mentions ${mentions}: ${e.errorDescription}`);
  const text = `${e.message} ${e.stack} ${JSON.stringify(e)}`;
  for (const c of ctx.clients) assert(!text.includes(c.privateJwk.d.slice(0, 24)), 'the private key in the error');
  assert(!/eyJ[A-Za-z0-9_-]{8,}/.test(text), 'something token-like in the error');
  return e;
}

function reshaped(ctx, change, extra) {
  return providerWithGrantHook(options(ctx, DIGDIR, extra), ({ header, claims }) => ({ header, claims: change(claims) }));
}

const cases = [
  ['a_token_from_each_key_form_is_accepted_by_the_broker', async (ctx) => {
    const jwk = options(ctx).privateKey;
    const key = await crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
    const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key)).toString('base64');
    const pem = `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g).join('\n')}\n-----END PRIVATE KEY-----\n`;
    const cryptoKey = await crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    for (const [form, privateKey] of [['jwk', jwk], ['pem', pem], ['CryptoKey', cryptoKey]]) {
      const token = maskinportenTokenProvider({ ...options(ctx), privateKey, scopes: SCOPES.split(' ') });
      const t = await token();
      const p = payload(t);
      assertEq([p.iss, p['urn:altinn:orgNumber'], p.exp - p.iat], [`${ctx.emu.url}/authentication/api/v1/openid/`, DIGDIR, 1800], `${form}: Altinn token claims`);
      const client = new BrokerClient({ baseUrl: ctx.emu.url, token });
      const ids = await client.search({ resourceId: RESOURCE, role: 'Sender' });
      assert(Array.isArray(ids), `${form}: the Broker accepted the token`);
    }
  }],

  ['a_system_user_grant_carries_authorization_details', async (ctx) => {
    const t = await maskinportenTokenProvider(options(ctx, DIGDIR, { systemUserOrg: '312195771', externalRef: 'emulator-external-ref' }))();
    const d = payload(t).authorization_details;
    assertEq([d.type, d.systemuser_org.ID, d.externalRef], ['urn:altinn:systemuser', '0192:312195771', 'emulator-external-ref'], 'authorization_details (unwrapped, §3.1)');
    // MP-303: that system user was created with an externalRef, which must be sent (§2.3).
    await refusal(ctx, maskinportenTokenProvider(options(ctx, DIGDIR, { systemUserOrg: '0192:312195771' }))(),
      { error: 'invalid_altinn_customer_configuration', mentions: 'MP-303' });
  }],

  ['a_key_that_is_not_the_registered_one_is_refused', async (ctx) => {
    const other = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']);
    await refusal(ctx, maskinportenTokenProvider({ ...options(ctx), privateKey: other.privateKey })(), { error: 'invalid_grant', mentions: 'MP-1' });
  }],

  ['an_expired_grant_is_refused', async (ctx) => {
    await refusal(ctx, reshaped(ctx, (c) => ({ ...c, iat: c.iat - 300, exp: c.iat - 180 }))(), { error: 'invalid_grant' });
  }],

  ['a_grant_living_over_120_s_is_refused', async (ctx) => {
    await refusal(ctx, reshaped(ctx, (c) => ({ ...c, exp: c.iat + 121 }))(), { error: 'invalid_grant' });
  }],

  ['a_wrong_aud_is_refused', async (ctx) => {
    // The token endpoint's URL, which Maskinporten no longer accepts as `aud` (§2.2).
    await refusal(ctx, reshaped(ctx, (c) => ({ ...c, aud: `${c.aud}token` }))(), { error: 'invalid_grant', mentions: 'MP-110' });
    await refusal(ctx, reshaped(ctx, (c) => ({ ...c, aud: [c.aud] }))(), { error: 'invalid_grant', mentions: 'MP-110' });
  }],

  ['a_reused_jti_is_refused', async (ctx) => {
    const jti = crypto.randomUUID();
    const first = reshaped(ctx, (c) => ({ ...c, jti }));
    await first();
    await refusal(ctx, reshaped(ctx, (c) => ({ ...c, jti }))(), { error: 'invalid_grant' });
  }],

  ['an_unknown_client_is_refused', async (ctx) => {
    await refusal(ctx, maskinportenTokenProvider({ ...options(ctx), clientId: 'no-such-client' })(), { error: 'invalid_client' });
  }],

  ['an_unregistered_scope_is_refused', async (ctx) => {
    await refusal(ctx, maskinportenTokenProvider({ ...options(ctx), scopes: ['altinn:broker.read', 'altinn:not-registered'] })(), { error: 'invalid_scope' });
  }],

  ['fifty_concurrent_calls_make_one_grant_and_one_exchange', async (ctx) => {
    const c = counted();
    const token = maskinportenTokenProvider(options(ctx, DIGDIR, { fetch: c.fetch }));
    const all = await Promise.all(Array.from({ length: 50 }, () => token()));
    assertEq(new Set(all).size, 1, 'distinct tokens');
    assertEq(c.count(), { grants: 1, exchanges: 1 }, 'requests');
    await token();
    assertEq(c.count(), { grants: 1, exchanges: 1 }, 'requests after one more call (cached)');
  }],

  ['a_refresh_gives_one_new_token_for_many_refused_callers', async (ctx) => {
    const c = counted();
    const token = maskinportenTokenProvider(options(ctx, DIGDIR, { fetch: c.fetch }));
    const first = await token();
    // Twenty requests refused for the same token (a parallel upload's): one new grant between them.
    const refreshed = await Promise.all(Array.from({ length: 20 }, () => token({ refresh: true })));
    assertEq(new Set(refreshed).size, 1, 'distinct refreshed tokens');
    assert(refreshed[0] !== first, 'the refresh gave a new token');
    assertEq(c.count(), { grants: 2, exchanges: 2 }, 'requests for 20 refreshes');
    // A late one of the same burst gets the token that answered the others.
    assertEq(await token({ refresh: true }), refreshed[0], 'a refresh right after a refresh');
    assertEq(await token(), refreshed[0], 'the new token is cached');
    assertEq(c.count(), { grants: 2, exchanges: 2 }, 'requests in all');
  }],

  ['a_401_from_the_broker_forces_one_refresh', async (ctx) => {
    const c = counted();
    const token = maskinportenTokenProvider(options(ctx, DIGDIR, { fetch: c.fetch }));
    const asked = [];
    const client = new BrokerClient({ baseUrl: ctx.emu.url, token: (r) => { asked.push(r.refresh); return token(r); } });
    await client.search({ resourceId: RESOURCE, role: 'Sender' });
    try {
      await ctx.emu.hook('POST', '/emulator/api/faults', { method: 'GET', path: '/broker/api/v1/filetransfer', count: 1, status: 401 });
      asked.length = 0;
      await client.search({ resourceId: RESOURCE, role: 'Sender' });
    } finally {
      await ctx.emu.hook('DELETE', '/emulator/api/faults');
    }
    assertEq(asked, [false, true], 'token requests: the cached one, then one refresh after the 401');
    assertEq(c.count(), { grants: 2, exchanges: 2 }, 'requests');
  }],

  ['a_503_is_retried_once_after_a_second', async (ctx) => {
    try {
      const c = counted();
      await ctx.emu.hook('POST', '/emulator/api/faults', { method: 'POST', path: '/maskinporten/token', count: 1, status: 503 });
      const t0 = Date.now();
      await maskinportenTokenProvider(options(ctx, DIGDIR, { fetch: c.fetch }))();
      const waited = Date.now() - t0;
      assertEq(c.calls.filter((x) => x.url.endsWith('/maskinporten/token')).map((x) => x.outcome), [503, 200], 'token requests');
      assert(waited >= 1000, `waited ${waited} ms before the retry`);
      // Twice in a row: refused, as 503, after the one retry.
      await ctx.emu.hook('POST', '/emulator/api/faults', { method: 'POST', path: '/maskinporten/token', count: 2, status: 503 });
      const again = counted();
      // The 503's body is a ProblemDetails, not an OAuth error: `error` is null, its text in errorDescription.
      await refusal(ctx, maskinportenTokenProvider(options(ctx, DIGDIR, { fetch: again.fetch }))(), { error: null, status: 503 });
      assertEq(again.count().grants, 2, 'token requests for two 503s');
    } finally {
      await ctx.emu.hook('DELETE', '/emulator/api/faults');
    }
  }],

  ['an_exchange_refusal_is_a_token_exchange_error', async (ctx) => {
    try {
      await ctx.emu.hook('POST', '/emulator/api/faults', { method: 'GET', path: '/authentication/api/v1/exchange/maskinporten', count: 1, status: 401 });
      let e = null;
      await maskinportenTokenProvider(options(ctx))().catch((x) => { e = x; });
      assert(e instanceof TokenExchangeError, `expected a TokenExchangeError, got ${e?.name}: ${e?.message}`);
      assertEq(e.status, 401, 'status');
      assert(!/eyJ[A-Za-z0-9_-]{8,}/.test(`${e.message} ${JSON.stringify(e)}`), 'something token-like in the error');
    } finally {
      await ctx.emu.hook('DELETE', '/emulator/api/faults');
    }
  }],

  ['the_signal_aborts_the_provider', async (ctx) => {
    const ac = new AbortController();
    const token = maskinportenTokenProvider(options(ctx, DIGDIR, { signal: ac.signal }));
    ac.abort(new Error('shutting down'));
    let e = null;
    await token().catch((x) => { e = x; });
    assertEq(e?.message, 'shutting down', "rejects with the signal's reason");
  }],

  ['in_a_page_it_refuses_unless_allowed', async (ctx) => {
    globalThis.document = {};
    try {
      let e = null;
      try {
        maskinportenTokenProvider(options(ctx));
      } catch (x) {
        e = x;
      }
      assert(e instanceof TypeError && e.message.includes('allowInBrowser'), `refused in a page: ${e?.message}`);
      assertEq(typeof maskinportenTokenProvider(options(ctx, DIGDIR, { allowInBrowser: true })), 'function', 'allowed explicitly');
    } finally {
      delete globalThis.document;
    }
  }],
  // Last: it moves the emulator clock for good.
  ['a_401_from_the_broker_forces_one_refresh_after_the_emulator_clock_passes_exp', async (ctx) => {
    const c = counted();
    const token = maskinportenTokenProvider(options(ctx, DIGDIR, { fetch: c.fetch }));
    const asked = [];
    const client = new BrokerClient({ baseUrl: ctx.emu.url, token: (r) => { asked.push(r.refresh); return token(r); } });
    await client.search({ resourceId: RESOURCE, role: 'Sender' });
    const before = payload(await token());
    assertEq(c.count().grants, 1, 'grants before');
    // 31 minutes on: the cached Altinn token (30 min, §3.1) has expired for the Broker.
    await ctx.emu.hook('POST', '/emulator/api/clock/advance?by=PT31M');
    asked.length = 0;
    await client.search({ resourceId: RESOURCE, role: 'Sender' });
    assertEq(asked, [false, true], 'token requests: the cached one, then one refresh after the 401');
    const after = payload(await token());
    assert(after.exp >= before.exp + 31 * 60, `the new token expires on the advanced clock (${before.exp} → ${after.exp})`);
    const accepted = c.calls.filter((x) => x.url.endsWith('/maskinporten/token') && x.outcome === 200).length;
    assertEq(accepted, 2, 'grants Maskinporten accepted');
  }],

];

await run('edge_maskinporten', cases, {
  async setup() {
    const emu = await new Emulator().start();
    const r = await fetch(`${emu.url}/emulator/api/maskinporten/clients`);
    if (!r.ok) throw new Error(`clients hook answered ${r.status}`);
    const clients = await r.json();
    return { emu, clients, environment: { maskinporten: `${emu.url}/maskinporten/`, platform: emu.url } };
  },
  async teardown(ctx) {
    await ctx.emu.stop();
    rmSync(ctx.emu.dataDir, { recursive: true, force: true });
  },
});
