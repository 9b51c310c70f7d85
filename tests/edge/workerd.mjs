// The Cloudflare Worker example (examples/cloudflare-worker/worker.js) in workerd, against an emulator process:
// bundled with esbuild as wrangler bundles it (the package resolved by its name through the `workerd` export
// condition, its .wasm handed to workerd as a CompiledWasm module), served by miniflare's workerd on a free port,
// then the transfer scenario of harness.mjs: (a) a 64 MiB request body through `upload` as a stream, to Published;
// (b) a verified download into a sink, confirmed. workerd's RSS is sampled during (a).
//
//   EMULATOR_BIN=... node tests/edge/workerd.mjs        (after scripts/build-pkg.sh)
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appDir, jsTool, MiB, rssOf, settings, startEmulator, Tally, transferScenario } from './harness.mjs';

const t = new Tally();
const app = appDir('edge-workerd-');
const esbuild = await jsTool('esbuild');
const { Log, LogLevel, Miniflare } = await jsTool('miniflare');

// wrangler's resolution: conditions workerd, worker, browser; a .wasm import stays a module of its own.
const out = join(app, 'dist');
const built = await esbuild.build({
  entryPoints: [join(app, 'examples', 'cloudflare-worker', 'worker.js')],
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
t.check(inputs.includes(entry), `esbuild did not resolve the package's workerd entry: ${inputs.join(', ')}`);
const wasm = readdirSync(out).filter((f) => f.endsWith('.wasm'));
t.check(wasm.length === 1, `expected one .wasm module beside the bundle, found ${wasm.join(', ')}`);

const emulator = await startEmulator();
const mf = new Miniflare({
  host: '127.0.0.1',
  port: 0,
  modules: true,
  scriptPath: join(out, 'worker.js'),
  modulesRoot: out,
  modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  compatibilityDate: '2026-04-26',
  bindings: settings(emulator.url),
  // The placeholder `request.cf`: miniflare would otherwise try to download one (loopback only here).
  cf: false,
  // The worker's console and each request's line (EDGE_DEBUG=1).
  log: process.env.EDGE_DEBUG ? new Log(LogLevel.DEBUG) : undefined,
});
try {
  const serviceUrl = (await mf.ready).href.replace(/\/$/, '');
  const workerd = workerdPid();
  const before = rssOf(workerd);
  let peak = before;
  const result = await transferScenario(t, {
    emulatorUrl: emulator.url,
    serviceUrl,
    label: 'workerd',
    size: Number(process.env.EDGE_SIZE_MIB ?? 64) * MiB,
    probe: () => {
      peak = Math.max(peak, rssOf(workerd));
    },
  });
  if (result) console.log(`  workerd RSS: ${(before / MiB).toFixed(0)} MiB before, peak ${(peak / MiB).toFixed(0)} MiB during (a)`);
} finally {
  await mf.dispose();
  await emulator.stop();
}
t.summary();

/** The workerd process miniflare started (a child of this process). */
function workerdPid() {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      if (m && m[1] === 'workerd' && Number(m[2]) === process.pid) return Number(pid);
    } catch {
      // the process ended meanwhile
    }
  }
  throw new Error('no workerd process among this process\'s children');
}
