// The Altinn Events webhook example (examples/edge/event-webhook.js) in the edge runtimes, subscribed to the
// emulator's Events: served by a worker in workerd (examples/cloudflare-worker/events-webhook.js bundled with
// esbuild as wrangler bundles it — the package through its `workerd` export condition, its .wasm a CompiledWasm
// module — and served by miniflare's workerd on a free port, as tests/edge/workerd.mjs does; the work after the
// answer through `ctx.waitUntil`), and by Deno (examples/deno/events-webhook.js, the package through its `deno`
// condition, network and environment permissions only). Each answers the handshake, verifies every push by
// reading the transfer with its own client and hands it on to a Node server of this test's own.
//
//   EMULATOR_BIN=... node tests/edge/events_runtimes.mjs        (after scripts/build-pkg.sh)
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { appDir, jsTool, listening, ROOT, settings } from './harness.mjs';
import { assert, assertEq, run, serve } from './common.mjs';
import { RESOURCE, SENDER, clients, initialize, liveThrough, push, recordedEvents, startEmulator, until } from './events_support.mjs';

const T = (short) => `no.altinn.broker.${short}`;

async function workerd(app, bindings) {
  const esbuild = await jsTool('esbuild');
  const out = join(app, 'dist');
  await esbuild.build({
    entryPoints: [join(app, 'examples', 'cloudflare-worker', 'events-webhook.js')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    loader: { '.wasm': 'copy' },
    assetNames: '[name]',
    outdir: out,
    logLevel: 'warning',
    logOverride: { 'duplicate-object-key': 'silent' },
  });
  const { Miniflare } = await jsTool('miniflare');
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    modules: true,
    scriptPath: join(out, 'events-webhook.js'),
    modulesRoot: out,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-26',
    bindings,
    cf: false,
  });
  return { url: (await mf.ready).href.replace(/\/$/, ''), stop: () => mf.dispose() };
}

async function deno(app, env) {
  const bin = createRequire(join(ROOT, 'js', 'package.json'))('deno/install_api.cjs').runInstall();
  return listening(bin, ['run', '--no-prompt', '--allow-net=127.0.0.1', '--allow-env', join('examples', 'deno', 'events-webhook.js')],
    { cwd: app, env: { ...process.env, ...env, PORT: '0', DENO_NO_UPDATE_CHECK: '1' } });
}

function lifeCase(runtime) {
  return [`${runtime}_webhook_receives_and_verifies_every_push_of_a_life`, async (ctx) => {
    const url = ctx.webhooks[runtime].url;
    const sub = await ctx.c.sender.subscribe({ endpoint: url, resourceId: RESOURCE, subjectOrg: SENDER, allowHttpEndpoint: true });
    try {
      await until(async () => (await ctx.c.sender.getSubscription(sub.id)).validated, 20_000, `${runtime} validated the subscription`);
      const id = await initialize(ctx.c.sender, `${runtime}-webhook`);
      await liveThrough(ctx.c, id);
      const mine = () => ctx.forwarded.filter((f) => f.event.fileTransferId === id);
      await until(() => mine().length === 5, 20_000, `five pushes handed on by ${runtime}`);
      assertEq(mine().map((f) => f.event.type).sort(), [T('allconfirmeddownloaded'), T('downloadconfirmed'),
        T('filetransferinitialized'), T('published'), T('uploadprocessing')], 'what the webhook handed on');
      assert(mine().every((f) => f.event.role === 'Sender' && f.status !== null), 'verified with the overview, as the sender');
      // A repeated delivery of a real event is answered and dropped (the webhook's seen-store).
      const [first] = await recordedEvents(ctx.emu, id);
      assertEq((await push(url, first)).status, 200, 'a repeat is answered');
      await new Promise((r) => setTimeout(r, 500));
      assertEq(mine().length, 5, 'a repeat is not handed on');
    } finally {
      await ctx.c.sender.deleteSubscription(sub.id);
    }
  }];
}

function refusalCase(runtime) {
  return [`${runtime}_webhook_refuses_what_is_not_a_cloud_event_and_forged_events`, async (ctx) => {
    const url = ctx.webhooks[runtime].url;
    const bad = await push(url, { id: 'x', type: T('published') });
    assertEq(bad.status, 400, 'not a CloudEvent');
    assert((await bad.json()).detail.includes('`specversion` is missing'), 'the reason');
    const before = ctx.forwarded.length;
    const forged = { specversion: '1.0', id: crypto.randomUUID(), type: T('published'), source: 's',
      resource: `urn:altinn:resource:${RESOURCE}`, resourceinstance: crypto.randomUUID() };
    for (let i = 0; i < 2; i++) assertEq((await push(url, forged)).status, 200, 'answered');
    await new Promise((r) => setTimeout(r, 500));
    assertEq(ctx.forwarded.length, before, 'a forged event is not handed on');
  }];
}

await run('events-runtimes', [lifeCase('workerd'), refusalCase('workerd'), lifeCase('deno'), refusalCase('deno')], {
  async setup() {
    const emu = await startEmulator(['--allow-http-webhooks']);
    const forwarded = [];
    const collector = await serve(async (request) => {
      forwarded.push(await request.json());
      return new Response(null, { status: 204 });
    });
    const env = { ...(await settings(emu.url, 'maskinporten')), EVENTS_FORWARD_URL: collector.url };
    const app = appDir('events-runtimes-');
    const webhooks = { workerd: await workerd(app, env), deno: await deno(app, env) };
    return { emu, collector, forwarded, webhooks, c: clients(emu) };
  },
  async teardown(ctx) {
    await ctx.webhooks.workerd.stop();
    await ctx.webhooks.deno.stop();
    await ctx.collector.close();
    await ctx.emu.stop();
  },
});
