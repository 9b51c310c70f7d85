// The portal path, for real: headless Chromium on a page served by createBrokerProxy (Node), the emulator started
// without --cors-origin, the proxies' tokens from maskinportenTokenProvider against the emulator's Maskinporten.
// The page's BrokerClient (baseUrl = the page's origin, no token) sends a tus upload with parallel: 4 and
// downloads a Range; nothing token-like reaches the page's requests, responses or storage.
import { readFileSync, rmSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Emulator, RECIPIENT, SENDER } from '../tus/harness.mjs';
import { assert, assertEq, edgePackage, launchChromium, pkgDir, run, serve } from './common.mjs';

const { createBrokerProxy, maskinportenTokenProvider } = await edgePackage();
const page = readFileSync(fileURLToPath(new URL('./portal_page.html', import.meta.url)));
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const TOKEN_LIKE = /eyJ[A-Za-z0-9_-]{10,}/;

function staticFile(path) {
  if (path === '/') return new Response(page, { headers: { 'content-type': 'text/html' } });
  const rel = normalize(path.slice('/pkg/'.length));
  if (rel.startsWith('..')) return new Response(null, { status: 404 });
  try {
    return new Response(readFileSync(join(pkgDir, rel)), { headers: { 'content-type': types[extname(rel)] ?? 'application/octet-stream' } });
  } catch {
    return new Response(null, { status: 404 });
  }
}

const cases = [
  ['a_page_uploads_in_parallel_and_downloads_a_range_through_the_proxy_without_a_token', async (ctx) => {
    const tab = await ctx.browser.newPage();
    const seen = [];
    const pending = [];
    tab.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
    tab.on('request', (req) => pending.push((async () => {
      const headers = await req.allHeaders();
      const body = req.postDataBuffer();
      seen.push(JSON.stringify({ url: req.url(), method: req.method(), headers, body: body && body.length <= 65536 ? body.toString('latin1') : null }));
      ctx.requests.push({ url: req.url(), headers });
    })()));
    tab.on('response', (res) => pending.push((async () => {
      const headers = await res.allHeaders();
      const type = headers['content-type'] ?? '';
      let body = '';
      if (/json|text/.test(type) && !res.url().includes('/pkg/')) body = await res.text().catch(() => '');
      seen.push(JSON.stringify({ url: res.url(), status: res.status(), headers, body }));
    })()));
    await tab.goto(`${ctx.site}/`);
    await tab.waitForFunction(() => window.ready === true);
    const size = 4 * 1024 * 1024 + 123;
    const r = await tab.evaluate((o) => window.harness.run(o), { size, chunkSize: 512 * 1024, start: 1000, end: 1999 });
    const storage = await tab.evaluate(() => window.harness.storage());
    const cookies = JSON.stringify(await tab.context().cookies());
    await Promise.all(pending);
    await tab.close();

    assertEq([r.parts, r.fallback], [4, false], 'parallel upload: parts, fallback');
    assertEq([r.status, r.length, r.same], [206, 1000, true], 'ranged download: status, length, bytes');
    assertEq(r.range, { start: 1000, end: 1999, total: size }, 'Content-Range');
    const api = ctx.requests.filter((q) => q.url.includes('/broker/api/v1/'));
    const partials = api.filter((q) => q.headers['upload-concat'] === 'partial').length;
    const finals = api.filter((q) => (q.headers['upload-concat'] ?? '').startsWith('final;')).length;
    assertEq([partials, finals], [4, 1], 'tus creations through the proxy: partials, finals');
    assert(ctx.requests.every((q) => q.url.startsWith(`${ctx.site}/`)), 'every request of the page went to its own origin');
    assert(api.every((q) => !('authorization' in q.headers)), 'the page sent no Authorization');
    assert(ctx.issued.length >= 2, `the proxies used Maskinporten tokens (${ctx.issued.length})`);
    const everything = [...seen, storage, cookies];
    for (const text of everything) {
      assert(!TOKEN_LIKE.test(text), `something token-like reached the page: ${text.slice(0, 300)}`);
      assert(!text.includes(ctx.subscriptionKey), 'the subscription key reached the page');
      for (const t of ctx.issued) assert(!text.includes(t.slice(-40)), 'a proxy token reached the page');
    }
    assert(!seen.some((s) => s.startsWith('page error')), `page errors: ${seen.filter((s) => s.startsWith('page error')).join('; ')}`);
  }],
];

await run('edge_portal', cases, {
  async setup() {
    const emu = await new Emulator().start();
    const clients = await (await fetch(`${emu.url}/emulator/api/maskinporten/clients`)).json();
    const environment = { maskinporten: `${emu.url}/maskinporten/`, platform: emu.url };
    const issued = [];
    const providerFor = (org) => {
      const c = clients.find((x) => x.org === org);
      const token = maskinportenTokenProvider({ clientId: c.clientId, keyId: c.kid, privateKey: c.privateJwk, scopes: 'altinn:broker.write altinn:broker.read', environment });
      return async (r) => {
        const t = await token(r);
        if (!issued.includes(t)) issued.push(t);
        return t;
      };
    };
    const subscriptionKey = `portal-subscription-${crypto.randomUUID()}`;
    const senderProxy = createBrokerProxy({ target: emu.url, token: providerFor(SENDER), subscriptionKey });
    const recipientProxy = createBrokerProxy({ target: emu.url, token: providerFor(RECIPIENT), subscriptionKey, basePath: '/recipient' });
    const server = await serve((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/' || path.startsWith('/pkg/')) return staticFile(path);
      return path.startsWith('/recipient/') ? recipientProxy(req) : senderProxy(req);
    });
    const browser = await launchChromium();
    return { emu, server, browser, site: server.url, issued, subscriptionKey, requests: [] };
  },
  async teardown(ctx) {
    await ctx.browser.close();
    await ctx.server.close();
    await ctx.emu.stop();
    rmSync(ctx.emu.dataDir, { recursive: true, force: true });
  },
});
