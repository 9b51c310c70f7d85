// The Deno example (examples/deno/server.js) run by Deno (npm `deno`) against an emulator process, the package
// resolved by its name from node_modules through the `deno` export condition, with no read permission (the
// entry's source-phase import of the .wasm needs none), tokens from maskinportenTokenProvider against the
// emulator's Maskinporten and exchange; then the transfer scenario of harness.mjs.
//
//   EMULATOR_BIN=... node tests/edge/deno.mjs        (after scripts/build-pkg.sh)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { appDir, edgeNames, indexNames, listening, ROOT, settings, startEmulator, Tally, transferScenario } from './harness.mjs';

const t = new Tally();
const app = appDir('edge-deno-');
// The deno executable itself (npm `deno`'s bin.cjs would run it under spawnSync, and a signal would orphan it).
const deno = createRequire(join(ROOT, 'js', 'package.json'))('deno/install_api.cjs').runInstall();
// The `deno` entry, resolved by name, exports what index.js lists — and initialises with no permission at all
// (the `node` entry would need --allow-read for its readFileSync).
const names = execFileSync(
  deno,
  ['eval', '--no-prompt', "console.log(JSON.stringify(Object.keys(await import('altinn-broker-client')).sort()))"],
  { cwd: app, encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } },
);
t.check(names.trim() === JSON.stringify(await indexNames()), `the deno entry's names differ from index.js's: ${names.trim()}`);
// `altinn-broker-client/edge` alone, with no permission either: its names, and the wasm initialised by its import.
const edge = execFileSync(
  deno,
  ['eval', '--no-prompt', `const e = await import('altinn-broker-client/edge');
e.createBrokerProxy({ target: 'http://127.0.0.1:9', token: () => 't' });
console.log(JSON.stringify(Object.keys(e).sort()))`],
  { cwd: app, encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } },
);
t.check(edge.trim() === JSON.stringify(await edgeNames()), `the deno edge entry's names differ from edge/index.js's: ${edge.trim()}`);
const emulator = await startEmulator();
// --allow-net for the emulator and its own port, --allow-env for the settings: nothing else.
const server = await listening(
  deno,
  ['run', '--no-prompt', '--allow-net=127.0.0.1', '--allow-env', join('examples', 'deno', 'server.js')],
  { cwd: app, env: { ...process.env, ...(await settings(emulator.url, 'maskinporten')), PORT: '0', DENO_NO_UPDATE_CHECK: '1' } },
);
try {
  await transferScenario(t, { emulatorUrl: emulator.url, serviceUrl: server.url, label: 'deno' });
} finally {
  await server.stop();
  await emulator.stop();
}
t.summary();
