// The Cloudflare Worker examples in workerd, against an emulator process. Each is bundled with esbuild as wrangler
// bundles it (the package resolved by its name through the `workerd` export condition, its .wasm handed to workerd
// as a CompiledWasm module) and served by miniflare's workerd on a free port; tokens come from
// maskinportenTokenProvider against the emulator's Maskinporten and token exchange.
//   examples/cloudflare-worker/worker.js: the transfer scenario of harness.mjs — (a) a 64 MiB request body
//     through `upload` as a stream, to Published; (b) a verified download into a sink, confirmed;
//   examples/cloudflare-worker/proxy-worker.js: (c) createBrokerProxy, a 200 MiB streamed upload through it from a
//     BrokerClient without a token; workerd's RSS must not grow by more than 64 MiB.
//
//   EMULATOR_BIN=... node tests/edge/workerd.mjs        (after scripts/build-pkg.sh)
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clientPackage } from '../fidelity/common.mjs';
import {
  appDir,
  generatedBody,
  jsTool,
  MiB,
  RECIPIENT,
  RESOURCE,
  rssOf,
  SENDER,
  settings,
  startEmulator,
  Tally,
  transferScenario,
} from './harness.mjs';

const t = new Tally();
const app = appDir('edge-workerd-');
const esbuild = await jsTool('esbuild');
const { Log, LogLevel, Miniflare } = await jsTool('miniflare');
const emulator = await startEmulator();
try {
  const bindings = await settings(emulator.url, 'maskinporten');

  const transfers = await serveWorker('worker.js', bindings);
  try {
    const rss = sampler(transfers.pid);
    const size = Number(process.env.EDGE_SIZE_MIB ?? 64) * MiB;
    const r = await transferScenario(t, {
      emulatorUrl: emulator.url,
      serviceUrl: transfers.url,
      label: 'workerd',
      size,
      probe: rss.sample,
    });
    if (r) console.log(`  workerd RSS during (a): ${rss.report()}`);
  } finally {
    await transfers.stop();
  }

  const proxy = await serveWorker('proxy-worker.js', bindings);
  try {
    await proxiedUpload(proxy, Number(process.env.EDGE_PROXY_MIB ?? 200) * MiB);
  } finally {
    await proxy.stop();
  }
} finally {
  await emulator.stop();
}
t.summary();

/** (c): a client without a token uploads a stream through the proxy; the proxy's workerd stays within budget. */
async function proxiedUpload(proxy, size) {
  const { BrokerClient } = await clientPackage();
  const page = new BrokerClient({ baseUrl: proxy.url });
  const fileTransferId = await page.initialize({
    fileName: 'edge-proxy.bin',
    resourceId: RESOURCE,
    sendersFileTransferReference: `edge-proxy-${Date.now()}`,
    sender: `0192:${SENDER}`,
    recipients: [`0192:${RECIPIENT}`],
  });
  const body = generatedBody(size);
  const rss = sampler(proxy.pid);
  const timer = setInterval(rss.sample, 100);
  const started = Date.now();
  let sent;
  try {
    sent = await page.upload(fileTransferId, body.stream, { size, hash: true });
  } finally {
    clearInterval(timer);
    rss.sample();
  }
  const seconds = (Date.now() - started) / 1000;
  t.check(sent.size === size && sent.md5 === body.md5(), `(c): the proxy passed ${sent.size} bytes, MD5 ${sent.md5}`);
  const overview = await page.waitFor(fileTransferId, 'Published', { timeoutMs: 120_000 });
  t.check(overview.checksum === body.md5(), `(c): the emulator recorded ${overview.checksum}, the body was ${body.md5()}`);
  t.check(rss.growth() <= 64 * MiB, `(c): workerd's RSS grew by ${(rss.growth() / MiB).toFixed(0)} MiB (budget 64)`);
  console.log(`  workerd (c): ${size / MiB} MiB through createBrokerProxy in ${seconds.toFixed(1)} s; RSS ${rss.report()}`);
}

/** Bundles examples/cloudflare-worker/`file` as wrangler would and serves it in workerd: `{ url, pid, stop }`. */
async function serveWorker(file, workerBindings) {
  // wrangler's resolution: conditions workerd, worker, browser; a .wasm import stays a module of its own.
  const out = join(app, 'dist', file.replace(/\.js$/, ''));
  const built = await esbuild.build({
    entryPoints: [join(app, 'examples', 'cloudflare-worker', file)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    loader: { '.wasm': 'copy' },
    assetNames: '[name]',
    outdir: out,
    metafile: true,
    logLevel: 'warning',
    // wasm-bindgen's glue lists each snippet once per import in its imports object; the keys hold the same module.
    logOverride: { 'duplicate-object-key': 'silent' },
  });
  const inputs = Object.keys(built.metafile.inputs).map((i) => resolve(i));
  const entry = join(realpathSync(join(app, 'node_modules', 'altinn-broker-client')), 'workerd.js');
  t.check(inputs.includes(entry), `${file}: esbuild did not resolve the package's workerd entry: ${inputs.join(', ')}`);
  const wasm = readdirSync(out).filter((f) => f.endsWith('.wasm'));
  t.check(wasm.length === 1, `${file}: expected one .wasm module beside the bundle, found ${wasm.join(', ')}`);

  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    modules: true,
    scriptPath: join(out, file),
    modulesRoot: out,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-26',
    bindings: workerBindings,
    // The placeholder `request.cf`: miniflare would otherwise try to download one (loopback only here).
    cf: false,
    // The worker's console and each request's line (EDGE_DEBUG=1).
    log: process.env.EDGE_DEBUG ? new Log(LogLevel.DEBUG) : undefined,
  });
  const url = (await mf.ready).href.replace(/\/$/, '');
  return { url, pid: workerdPid(), stop: () => mf.dispose() };
}

/** Samples a process's RSS: `growth()` is the peak over the first sample. */
function sampler(pid) {
  const before = rssOf(pid);
  let peak = before;
  return {
    sample: () => {
      const now = rssOf(pid);
      peak = Math.max(peak, now);
    },
    growth: () => peak - before,
    report: () => `${(before / MiB).toFixed(0)} MiB before, peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - before) / MiB).toFixed(0)})`,
  };
}

/** The workerd process miniflare started last (a child of this process). */
function workerdPid() {
  let newest = null;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      // Field 22 (after the command's closing parenthesis: the 20th) is the start time.
      const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      if (m && m[1] === 'workerd' && Number(m[2]) === process.pid && (!newest || started > newest.started)) {
        newest = { pid: Number(pid), started };
      }
    } catch {
      // the process ended meanwhile
    }
  }
  if (!newest) throw new Error("no workerd process among this process's children");
  return newest.pid;
}
