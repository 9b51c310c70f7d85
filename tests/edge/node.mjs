// The Node example (examples/node/server.mjs) in a Node process of its own (`EDGE_NODE`, default this Node:
// scripts/test.sh runs it on Node 20, 22 and 24), the package resolved by its name through the `node` export
// condition, with the emulator's test tokens (the examples' other token mode; maskinportenTokenProvider runs in
// Node in maskinporten.mjs); then the transfer scenario of harness.mjs against an emulator process.
//
//   EMULATOR_BIN=... [EDGE_NODE=path/to/node] node tests/edge/node.mjs        (after scripts/build-pkg.sh)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { appDir, edgeNames, indexNames, listening, settings, startEmulator, Tally, transferScenario } from './harness.mjs';

const t = new Tally();
const app = appDir('edge-node-');
const node = process.env.EDGE_NODE ?? process.execPath;
const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
// The package's `node` entry, resolved by name from the app directory, exports what index.js lists.
const names = execFileSync(
  node,
  ['--input-type=module', '-e', "console.log(JSON.stringify(Object.keys(await import('altinn-broker-client')).sort()))"],
  { cwd: app, encoding: 'utf8' },
);
const expected = await indexNames();
t.check(names.trim() === JSON.stringify(expected), `the node entry's names differ from index.js's: ${names.trim()}`);
// `altinn-broker-client/edge` alone: the pieces edge/index.js lists, and the wasm initialised by its import (the
// proxy reads its allow-list from the wasm when created).
const edge = execFileSync(
  node,
  ['--input-type=module', '-e', `const e = await import('altinn-broker-client/edge');
e.createBrokerProxy({ target: 'http://127.0.0.1:9', token: () => 't' });
console.log(JSON.stringify(Object.keys(e).sort()))`],
  { cwd: app, encoding: 'utf8' },
);
t.check(edge.trim() === JSON.stringify(await edgeNames()), `the node edge entry's names differ from edge/index.js's: ${edge.trim()}`);
t.check(!expected.some((n) => JSON.parse(edge).includes(n)), 'the main entry re-exports an edge piece');
const emulator = await startEmulator();
const server = await listening(node, [join('examples', 'node', 'server.mjs')], {
  cwd: app,
  env: { ...process.env, ...(await settings(emulator.url, 'emulator')), PORT: '0' },
});
try {
  await transferScenario(t, { emulatorUrl: emulator.url, serviceUrl: server.url, label: `node ${version}` });
} finally {
  await server.stop();
  await emulator.stop();
}
t.summary();
