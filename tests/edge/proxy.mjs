// createBrokerProxy in Node (srvx's adapter around node:http), against a real emulator process: the allow-list,
// credentials, CORS, tus and Range pass-through, abort, body limits, authorize and the 401 refresh. One case
// checks the headers that reach the service through a second loopback upstream that only records them (the
// emulator cannot show what it received); every other case runs against the emulator.
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Emulator, RESOURCE, SENDER, RECIPIENT, tokens } from '../tus/harness.mjs';
import { assert, assertEq, clientPackage, edgePackage, recordingFetch, run, serve } from './common.mjs';

const { BrokerClient } = await clientPackage();
const { createBrokerProxy } = await edgePackage();
const TUS = '/broker/api/v1/filetransfer/upload/tus';

function pattern(size, seed = 7) {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + (i >>> 11) + seed) & 0xff;
  return b;
}

async function problemOf(r, status) {
  assertEq(r.status, status, 'status');
  assert((r.headers.get('content-type') ?? '').startsWith('application/problem+json'), `problem content type, got ${r.headers.get('content-type')}`);
  const p = await r.json();
  assertEq([p.status, typeof p.title, typeof p.type], [status, 'string', 'string'], 'problem shape');
  return p;
}

async function initialize(ctx, name) {
  return ctx.sender.initialize({
    fileName: name, resourceId: RESOURCE, sendersFileTransferReference: `edge-proxy-${name}`,
    sender: `0192:${SENDER}`, recipients: [`0192:${RECIPIENT}`],
  });
}

/** A proxy on a server of its own; `{ url, rec, close }` (`rec` records what went upstream). */
async function proxyServer(options) {
  const rec = recordingFetch();
  const handler = createBrokerProxy({ fetch: rec.fn, ...options });
  const s = await serve(handler);
  return { ...s, rec };
}

const cases = [
  ['non_broker_paths_are_refused_and_never_forwarded', async (ctx) => {
    const p = await proxyServer({ target: ctx.emu.url, token: ctx.senderToken });
    try {
      for (const path of ['/', '/api/GetEnterpriseToken?orgNo=991825827&scopes=altinn:broker.write',
        '/authentication/api/v1/exchange/maskinporten', '/maskinporten/token', '/emulator/api/clock',
        '/broker/api/v1/nope', '/broker/api/v1/filetransfer/a/b/c/d', '/broker/api/v1/../../api/GetEnterpriseToken',
        '/broker/api/v1/filetransfer/%2e%2e/%2e%2e/%2e%2e/%2e%2e/emulator/api/clock']) {
        await problemOf(await fetch(p.url + path), 404);
      }
      const wrong = await fetch(`${p.url}/broker/api/v1/filetransfer`, { method: 'DELETE' });
      await problemOf(wrong, 405);
      assertEq(wrong.headers.get('allow'), 'GET, POST', 'Allow');
      const override = await fetch(`${p.url}${TUS}/${crypto.randomUUID()}`, { method: 'POST', headers: { 'x-http-method-override': 'GET' } });
      await problemOf(override, 405);
      assertEq(p.rec.calls.length, 0, 'requests forwarded for refused paths');
      const ok = await fetch(`${p.url}/broker/api/v1/filetransfer?resourceId=${RESOURCE}`);
      assertEq(ok.status, 200, 'a Broker route through the proxy');
      assertEq(p.rec.calls.length, 1, 'requests forwarded');
    } finally {
      await p.close();
    }
  }],

  ['browser_credentials_are_replaced_and_service_cookies_dropped', async () => {
    // The recording upstream: what it received is only visible here.
    const seen = [];
    const id = crypto.randomUUID();
    let recorderUrl;
    const recorder = await serve((req) => {
      seen.push(Object.fromEntries(req.headers));
      return new Response(null, {
        status: 201,
        headers: { location: `${recorderUrl}${TUS}/${id}`, 'set-cookie': 'affinity=abc; Path=/', 'tus-resumable': '1.0.0', 'upload-offset': '0' },
      });
    });
    recorderUrl = recorder.url;
    const p = await proxyServer({ target: recorder.url, token: 'server-token-value', subscriptionKey: 'server-subscription-key', basePath: '/edge' });
    try {
      const r = await fetch(`${p.url}/edge${TUS}/${id}`, {
        method: 'POST',
        headers: {
          cookie: 'portal-session=s3cret', authorization: 'Bearer browser-token', 'ocp-apim-subscription-key': 'browser-key',
          origin: p.url, referer: `${p.url}/page`, 'upload-length': '10', 'tus-resumable': '1.0.0',
        },
      });
      assertEq(r.status, 201, 'status');
      assertEq(seen.length, 1, 'requests upstream');
      const h = seen[0];
      assertEq(h.authorization, 'Bearer server-token-value', 'Authorization upstream');
      assertEq(h['ocp-apim-subscription-key'], 'server-subscription-key', 'subscription key upstream');
      assertEq([h.cookie, h.origin, h.referer], [undefined, undefined, undefined], 'Cookie, Origin, Referer upstream');
      assertEq([h['upload-length'], h['tus-resumable']], ['10', '1.0.0'], 'tus headers upstream');
      assertEq(r.headers.get('set-cookie'), null, 'Set-Cookie passed back');
      assertEq(r.headers.get('location'), `${p.url}/edge${TUS}/${id}`, 'Location names the proxy');
      const all = JSON.stringify([...r.headers]) + (await r.text());
      assert(!all.includes('server-token-value') && !all.includes('server-subscription-key'), 'a credential in the response');
    } finally {
      await p.close();
      await recorder.close();
    }
  }],

  ['cors_is_answered_for_listed_origins_only', async (ctx) => {
    const portal = 'https://portal.example';
    const p = await proxyServer({ target: ctx.emu.url, token: ctx.senderToken, allowedOrigins: [portal] });
    const strict = await proxyServer({ target: ctx.emu.url, token: ctx.senderToken });
    try {
      const url = `${p.url}${TUS}/${crypto.randomUUID()}`;
      const pre = await fetch(url, {
        method: 'OPTIONS',
        headers: { origin: portal, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'tus-resumable, upload-offset, content-type' },
      });
      assertEq(pre.status, 204, 'preflight status');
      assertEq(pre.headers.get('access-control-allow-origin'), portal, 'ACAO');
      assert(pre.headers.get('access-control-allow-methods').split(', ').includes('PATCH'), 'PATCH allowed');
      assertEq(pre.headers.get('access-control-allow-headers'), 'tus-resumable, upload-offset, content-type', 'ACAH');
      const evilPre = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'PATCH' } });
      await problemOf(evilPre, 403);
      assertEq(evilPre.headers.get('access-control-allow-origin'), null, 'ACAO for an unlisted origin');

      const search = `/broker/api/v1/filetransfer?resourceId=${RESOURCE}`;
      const listed = await fetch(p.url + search, { headers: { origin: portal, 'sec-fetch-site': 'cross-site' } });
      assertEq(listed.status, 200, 'listed origin');
      assertEq(listed.headers.get('access-control-allow-origin'), portal, 'ACAO on the answer');
      assert(listed.headers.get('access-control-expose-headers')?.includes('content-type'), 'answer headers exposed');
      const before = p.rec.calls.length;
      await problemOf(await fetch(p.url + search, { headers: { origin: 'https://evil.example' } }), 403);
      await problemOf(await fetch(p.url + search, { headers: { 'sec-fetch-site': 'cross-site' } }), 403);
      assertEq(p.rec.calls.length, before, 'refused cross-origin requests forwarded');

      // Exact origins only: a wildcard would hand the server's credentials to every site.
      for (const bad of [['*'], ['https://portal.example/path'], ['null']]) {
        let e = null;
        try {
          createBrokerProxy({ target: ctx.emu.url, token: 't', allowedOrigins: bad });
        } catch (x) {
          e = x;
        }
        assert(e instanceof TypeError, `allowedOrigins ${JSON.stringify(bad)} refused`);
      }
      // No list: same origin only.
      assertEq((await fetch(strict.url + search, { headers: { origin: strict.url, 'sec-fetch-site': 'same-origin' } })).status, 200, 'same origin');
      await problemOf(await fetch(strict.url + search, { headers: { origin: portal } }), 403);
      await problemOf(await fetch(strict.url + search, { method: 'OPTIONS', headers: { origin: portal, 'access-control-request-method': 'GET' } }), 403);
    } finally {
      await p.close();
      await strict.close();
    }
  }],

  ['tus_and_range_headers_pass_through_a_base_path', async (ctx) => {
    // A parallel tus upload done by hand through the proxy at /edge (two partials, one sent as a chunked stream,
    // then the final concatenation naming the partials by the proxy's Locations), then a ranged download.
    const senderProxy = createBrokerProxy({ target: ctx.emu.url, token: ctx.senderToken, basePath: '/edge' });
    const recipientProxy = createBrokerProxy({ target: ctx.emu.url, token: ctx.recipientToken, basePath: '/edge-r' });
    const s = await serve((req) => (new URL(req.url).pathname.startsWith('/edge-r/') ? recipientProxy(req) : senderProxy(req)));
    try {
      const size = 300 * 1024 + 5;
      const data = pattern(size);
      const md5 = createHash('md5').update(data).digest('hex');
      const id = await ctx.sender.initialize({
        fileName: 'range.bin', resourceId: RESOURCE, sendersFileTransferReference: 'edge-proxy-range', checksum: md5,
        sender: `0192:${SENDER}`, recipients: [`0192:${RECIPIENT}`],
      });
      const tus = { 'tus-resumable': '1.0.0' };
      const halves = [data.subarray(0, 150 * 1024), data.subarray(150 * 1024)];
      const locations = [];
      for (const [i, part] of halves.entries()) {
        const c = await fetch(`${s.url}/edge${TUS}/${id}`, { method: 'POST', headers: { ...tus, 'upload-concat': 'partial', 'upload-length': String(part.length) } });
        assertEq(c.status, 201, `partial ${i} creation`);
        const loc = c.headers.get('location');
        assert(loc.startsWith(`/edge${TUS}/${id}/partial/`), `Location under the base path: ${loc}`);
        assert(c.headers.get('upload-expires') && c.headers.get('tus-resumable') === '1.0.0', 'Upload-Expires and Tus-Resumable');
        locations.push(loc);
        const body = i === 0 ? part : new ReadableStream({ start(ctl) { ctl.enqueue(part.slice(0, 1000)); ctl.enqueue(part.slice(1000)); ctl.close(); } });
        const patch = await fetch(new URL(loc, s.url), {
          method: 'PATCH', body, duplex: 'half',
          headers: { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        });
        assertEq([patch.status, patch.headers.get('upload-offset')], [204, String(part.length)], `partial ${i} PATCH`);
        const head = await fetch(new URL(loc, s.url), { method: 'HEAD', headers: tus });
        assertEq([head.headers.get('upload-offset'), head.headers.get('upload-length')], [String(part.length), String(part.length)], `partial ${i} HEAD`);
      }
      const final = await fetch(`${s.url}/edge${TUS}/${id}`, {
        method: 'POST', headers: { ...tus, 'upload-concat': `final;${locations[0]} ${s.url}${locations[1]}` },
      });
      assertEq(final.status, 201, `final creation (${await final.clone().text()})`);
      await ctx.sender.waitFor(id, 'Published', { timeoutMs: 30000 });
      const r = await fetch(`${s.url}/edge-r/broker/api/v1/filetransfer/${id}/download`, { headers: { range: 'bytes=1000-1999' } });
      assertEq(r.status, 206, 'ranged download');
      assertEq(r.headers.get('content-range'), `bytes 1000-1999/${size}`, 'Content-Range');
      const got = new Uint8Array(await r.arrayBuffer());
      assertEq(Buffer.compare(Buffer.from(got), Buffer.from(data.subarray(1000, 2000))), 0, 'ranged bytes');
      const whole = await fetch(`${s.url}/edge-r/broker/api/v1/filetransfer/${id}/download`);
      assertEq(createHash('md5').update(new Uint8Array(await whole.arrayBuffer())).digest('hex'), md5, 'whole file MD5');
    } finally {
      await s.close();
    }
  }],

  ['an_upload_sent_with_expect_100_continue_goes_through', async (ctx) => {
    // curl and .NET's HttpClient send `Expect: 100-continue` with uploads; the host's server answers it, and it
    // must not be forwarded (Node's fetch refuses it).
    const p = await proxyServer({ target: ctx.emu.url, token: ctx.senderToken });
    try {
      const data = pattern(200 * 1024);
      const id = await ctx.sender.initialize({
        fileName: 'expect.bin', resourceId: RESOURCE, sendersFileTransferReference: 'edge-proxy-expect',
        checksum: createHash('md5').update(data).digest('hex'), sender: `0192:${SENDER}`, recipients: [`0192:${RECIPIENT}`],
      });
      const status = await new Promise((resolve, reject) => {
        const req = httpRequest(`${p.url}/broker/api/v1/filetransfer/${id}/upload`, {
          method: 'POST', headers: { expect: '100-continue', 'content-type': 'application/octet-stream', 'content-length': data.length },
        }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
        req.on('continue', () => req.end(data));
        req.on('error', reject);
      });
      assertEq(status, 200, 'upload status');
      assertEq(p.rec.calls[0].headers.get('expect'), null, 'Expect forwarded');
    } finally {
      await p.close();
    }
  }],

  ['aborting_the_browser_request_aborts_the_upstream_one', async (ctx) => {
    const p = await proxyServer({ target: ctx.emu.url, token: ctx.senderToken });
    try {
      const id = await initialize(ctx, 'abort.bin');
      // The emulator holds the overview for 5 s before answering.
      await ctx.emu.hook('POST', '/emulator/api/faults', { method: 'GET', path: `/broker/api/v1/filetransfer/${id}`, count: 1, delayMs: 5000 });
      const ac = new AbortController();
      const pending = fetch(`${p.url}/broker/api/v1/filetransfer/${id}`, { signal: ac.signal }).catch((e) => e);
      await new Promise((r) => setTimeout(r, 300));
      assertEq(p.rec.calls.length, 1, 'the upstream request started');
      ac.abort();
      assertEq((await pending).name, 'AbortError', 'the client side aborted');
      const deadline = Date.now() + 2000;
      while (p.rec.calls[0].outcome === 'pending' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // The runtime's fetch rejects with the signal's reason (srvx aborts with the socket's error).
      assert(p.rec.calls[0].outcome !== 'pending' && p.rec.calls[0].aborted, `the upstream fetch was aborted (${p.rec.calls[0].outcome})`);
      assert(p.rec.calls[0].settledAt - p.rec.calls[0].at < 2500, 'the upstream request ended long before the 5 s answer');
    } finally {
      await ctx.emu.hook('DELETE', '/emulator/api/faults');
      await p.close();
    }
  }],

  ['bodies_over_max_body_bytes_get_413', async (ctx) => {
    const p = await proxyServer({ target: ctx.emu.url, token: ctx.senderToken, maxBodyBytes: 4096 });
    try {
      const big = JSON.stringify({ fileName: 'x'.repeat(5000) });
      await problemOf(await fetch(`${p.url}/broker/api/v1/filetransfer`, { method: 'POST', body: big, headers: { 'content-type': 'application/json' } }), 413);
      assertEq(p.rec.calls.length, 0, 'forwarded by Content-Length');
      // Without a Content-Length (a chunked stream): counted while it streams, cut at the limit.
      const id = await initialize(ctx, 'limit.bin');
      const c = await fetch(`${p.url}${TUS}/${id}`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10000' } });
      assertEq(c.status, 201, 'creation');
      const chunk = pattern(2048);
      const body = new ReadableStream({ pull(ctl) { ctl.enqueue(chunk.slice()); } });
      const r = await fetch(new URL(c.headers.get('location'), p.url), {
        method: 'PATCH', body, duplex: 'half', headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      });
      await problemOf(r, 413);
    } finally {
      await p.close();
    }
  }],

  ['authorize_decides_per_request', async (ctx) => {
    const p = await proxyServer({
      target: ctx.emu.url,
      token: ctx.senderToken,
      authorize: (req) => ((req.headers.get('cookie') ?? '').includes('portal-session=ok')
        ? true
        : Response.json({ title: 'No portal session' }, { status: 401, headers: { 'www-authenticate': 'Cookie' } })),
    });
    try {
      const search = `${p.url}/broker/api/v1/filetransfer?resourceId=${RESOURCE}`;
      const refused = await fetch(search);
      assertEq([refused.status, (await refused.json()).title], [401, 'No portal session'], 'authorize answered');
      assertEq(p.rec.calls.length, 0, 'forwarded without a session');
      assertEq((await fetch(search, { headers: { cookie: 'portal-session=ok' } })).status, 200, 'with a session');
      assertEq(p.rec.calls.length, 1, 'forwarded with a session');
      assertEq(p.rec.calls[0].headers.get('cookie'), null, 'the session cookie went upstream');
    } finally {
      await p.close();
    }
  }],

  ['a_failing_token_callback_is_a_502_that_names_nothing', async (ctx) => {
    const p = await proxyServer({ target: ctx.emu.url, token: async () => { throw new Error('grant eyJhbGciOiJSUzI1NiJ9.secret refused'); } });
    try {
      const r = await fetch(`${p.url}/broker/api/v1/filetransfer?resourceId=${RESOURCE}`);
      const text = await r.clone().text();
      await problemOf(r, 502);
      assert(!text.includes('eyJ') && !text.includes('secret'), `the callback's error in the answer: ${text}`);
      assertEq(p.rec.calls.length, 0, 'forwarded without a token');
    } finally {
      await p.close();
    }
  }],

  ['an_upstream_401_asks_the_token_callback_once_for_a_replayable_body', async (ctx) => {
    const asked = [];
    const token = async ({ refresh }) => {
      asked.push(refresh);
      return refresh ? ctx.senderToken({ refresh: false }) : 'not-a-token';
    };
    const p = await proxyServer({ target: ctx.emu.url, token });
    try {
      assertEq((await fetch(`${p.url}/broker/api/v1/filetransfer?resourceId=${RESOURCE}`)).status, 200, 'GET after a refresh');
      assertEq(asked, [false, true], 'token requests for a GET');
      asked.length = 0;
      const init = await fetch(`${p.url}/broker/api/v1/filetransfer`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fileName: 'replay.bin', resourceId: RESOURCE, sendersFileTransferReference: 'edge-replay', sender: `0192:${SENDER}`, recipients: [`0192:${RECIPIENT}`] }),
      });
      assertEq(init.status, 200, 'initialize replayed after a refresh');
      assertEq(asked, [false, true], 'token requests for a small body');
      asked.length = 0;
      const id = await initialize(ctx, 'stream401.bin');
      const body = new ReadableStream({ start(ctl) { ctl.enqueue(pattern(100)); ctl.close(); } });
      const r = await fetch(`${p.url}/broker/api/v1/filetransfer/${id}/upload`, { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'application/octet-stream' } });
      assertEq(r.status, 401, 'a streamed body is not sent twice');
      assertEq(asked, [false], 'token requests for a streamed body');
    } finally {
      await p.close();
    }
  }],
];

await run('edge_proxy', cases, {
  async setup() {
    const emu = await new Emulator().start();
    const senderToken = tokens(emu, SENDER, 'altinn:broker.write').fn;
    const recipientToken = tokens(emu, RECIPIENT, 'altinn:broker.read').fn;
    const sender = new BrokerClient({ baseUrl: emu.url, token: senderToken });
    return { emu, senderToken, recipientToken, sender };
  },
  async teardown(ctx) {
    await ctx.emu.stop();
    rmSync(ctx.emu.dataDir, { recursive: true, force: true });
  },
});
