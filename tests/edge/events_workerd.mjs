// An Altinn Events webhook served by a worker in workerd: examples/cloudflare-worker/events-webhook.js bundled with
// esbuild as wrangler bundles it (the package through its `workerd` export condition, its .wasm a CompiledWasm
// module) and served by miniflare's workerd on a free port (the edge tests' harness), subscribed to the emulator's
// Events. The worker answers the handshake, verifies each push by reading the transfer with its own client, and
// hands it on after the answer (`ctx.waitUntil`) to a Node server of this test's own.
//
//   EMULATOR_BIN=... node tests/edge/events_workerd.mjs        (after scripts/build-pkg.sh)
import { join } from 'node:path';
import { appDir, jsTool, settings } from './harness.mjs';
import { assert, assertEq, run, serve } from './common.mjs';
import { RESOURCE, SENDER, clients, initialize, liveThrough, push, recordedEvents, startEmulator, until } from './events_support.mjs';

const T = (short) => `no.altinn.broker.${short}`;

async function bundle() {
  const app = appDir('events-workerd-');
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
  return join(out, 'events-webhook.js');
}

const cases = [
  ['a_worker_webhook_receives_and_verifies_every_push_of_a_life', async (ctx) => {
    const sub = await ctx.c.sender.subscribe({ endpoint: ctx.workerUrl, resourceId: RESOURCE, subjectOrg: SENDER, allowHttpEndpoint: true });
    await until(async () => (await ctx.c.sender.getSubscription(sub.id)).validated, 20_000, 'the worker validated the subscription');
    const id = await initialize(ctx.c.sender, 'workerd-webhook');
    await liveThrough(ctx.c, id);
    const mine = () => ctx.forwarded.filter((f) => f.event.fileTransferId === id);
    await until(() => mine().length === 5, 20_000, 'five pushes handed on by the worker');
    assertEq(mine().map((f) => f.event.type).sort(), [T('allconfirmeddownloaded'), T('downloadconfirmed'),
      T('filetransferinitialized'), T('published'), T('uploadprocessing')], 'what the worker handed on');
    assert(mine().every((f) => f.event.role === 'Sender' && f.status !== null), 'verified with the overview, as the sender');
    // A repeated delivery of a real event is answered and dropped (the worker's seen-store).
    const [first] = await recordedEvents(ctx.emu, id);
    assertEq((await push(ctx.workerUrl, first)).status, 200, 'a repeat is answered');
    await new Promise((r) => setTimeout(r, 500));
    assertEq(mine().length, 5, 'a repeat is not handed on');
    await ctx.c.sender.deleteSubscription(sub.id);
  }],

  ['the_worker_refuses_what_is_not_a_cloud_event_and_forged_events', async (ctx) => {
    const bad = await push(ctx.workerUrl, { id: 'x', type: 'no.altinn.broker.published' });
    assertEq(bad.status, 400, 'not a CloudEvent');
    assert((await bad.json()).detail.includes('`specversion` is missing'), 'the reason');
    const before = ctx.forwarded.length;
    const forged = { specversion: '1.0', id: crypto.randomUUID(), type: T('published'), source: 's',
      resource: `urn:altinn:resource:${RESOURCE}`, resourceinstance: crypto.randomUUID() };
    for (let i = 0; i < 2; i++) assertEq((await push(ctx.workerUrl, forged)).status, 200, 'answered at once');
    await new Promise((r) => setTimeout(r, 500));
    assertEq(ctx.forwarded.length, before, 'a forged event is not handed on');
  }],
];

await run('events-workerd', cases, {
  async setup() {
    const script = await bundle();
    const { Miniflare } = await jsTool('miniflare');
    const emu = await startEmulator(['--allow-http-webhooks']);
    const forwarded = [];
    const collector = await serve(async (request) => {
      forwarded.push(await request.json());
      return new Response(null, { status: 204 });
    });
    const mf = new Miniflare({
      host: '127.0.0.1',
      port: 0,
      modules: true,
      scriptPath: script,
      modulesRoot: join(script, '..'),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2026-04-26',
      bindings: { ...settings(emu.url), EVENTS_FORWARD_URL: collector.url },
      cf: false,
    });
    const workerUrl = (await mf.ready).href.replace(/\/$/, '');
    return { emu, mf, collector, forwarded, workerUrl, c: clients(emu) };
  },
  async teardown(ctx) {
    await ctx.mf.dispose();
    await ctx.collector.close();
    await ctx.emu.stop();
  },
});
