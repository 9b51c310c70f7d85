// Turns wasm-pack's `--target web` output in pkg/ into the one npm package for every runtime. `index.js` is the
// one list of what the package exports (the web build, the error classes, and whatever else is added there); every
// other entry re-exports it and only adds how the wasm is initialised. `exports` picks the entry per runtime:
//   - `workerd.js` (workerd, Cloudflare Workers): imports the `.wasm` as a module (wrangler's CompiledWasm rule;
//     workerd refuses to compile wasm from bytes) and initialises at import, so `init()` needs no arguments;
//   - `deno.js`: `import source` of the `.wasm` (a WebAssembly.Module, no --allow-read needed), initialised at import;
//   - `node.js`: initialised at import from the `.wasm` file next to it; it also installs runtimes/node/hash.js,
//     which hashes a large Blob on a worker thread (Node reads a Blob on the JS thread);
//   - `edge/` (export `altinn-broker-client/edge`): the plain ES modules of src/edge — the Maskinporten token
//     provider, the Broker proxy, the webhook handler and the event feed — behind an entry of their own, so a page
//     that imports the package never loads them (issue 12: the size budget holds for what a page loads). They call
//     into the same wasm instance as the main entry; `edge/{node,workerd,deno}.js` import the main entry of that
//     runtime first, so importing `altinn-broker-client/edge` alone initialises it there too;
//   - `index.js` (browser, bundlers, Web Workers, default): `await init()` (the bundler resolves the `.wasm` URL) or
//     `init({ module_or_path })` with a URL, bytes or a compiled `WebAssembly.Module`.
// The initialised entries keep a default `init()` (a no-op) so code written for any runtime runs unchanged.
// It also drops the declarations of wasm-streams' internal classes, which are not part of the API.
import { readFileSync, writeFileSync, readdirSync, copyFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';

const pkg = process.argv[2] || 'pkg';
const glue = 'altinn_broker_client';
const snippets = readdirSync(join(pkg, 'snippets'));
if (snippets.length !== 1) throw new Error(`expected one snippet directory, found ${snippets.join(', ')}`);
const errorsModule = `./snippets/${snippets[0]}/src/bindings/errors.js`;
const streamsModule = `./snippets/${snippets[0]}/src/js/streams.js`;
const errorNames = [
  'BrokerError', 'NetworkError', 'TimeoutError', 'AbortError',
  'ChecksumMismatchError', 'TransferFailedError', 'UnsupportedError', 'ClientError',
  'SubscriptionError', 'InvalidEventError',
];

writeFileSync(join(pkg, 'index.js'), `export * from './${glue}.js';
export { default } from './${glue}.js';
export { ${errorNames.join(', ')} } from '${errorsModule}';
`);
cpSync('src/edge', join(pkg, 'edge'), { recursive: true });
// What one runtime's entry adds (Node: hashing a Blob on a worker); only that entry imports it.
cpSync('src/runtimes', join(pkg, 'runtimes'), { recursive: true });

const wasm = `./${glue}_bg.wasm`;
/** An entry that initialises the wasm at import (`setup`: imports, then `const module = ...`) and re-exports index.js. */
const initialisedEntry = (setup, why, after = '') => `${setup}
import { initSync } from './${glue}.js';

const exports = initSync({ module });
${after}
export * from './index.js';

/** ${why}; kept so code written for other runtimes runs unchanged. */
export default async function init() {
  return exports;
}
`;
const entries = {
  node: initialisedEntry(
    `import { readFileSync } from 'node:fs';\nimport { useOffThreadHasher } from '${streamsModule}';
import { hashBlobOffThread, OFF_THREAD_MIN_BYTES } from './runtimes/node/hash.js';
const module = readFileSync(new URL('${wasm}', import.meta.url));`,
    'Already initialised in Node',
    // Node reads a Blob on the JS thread: `send`/`upload` hash large ones on a worker (runtimes/node/hash.js says why).
    `useOffThreadHasher({ minBytes: OFF_THREAD_MIN_BYTES, hash: hashBlobOffThread });\n`,
  ),
  // wrangler (and esbuild with a `.wasm` rule) hands this import to workerd as a CompiledWasm module.
  workerd: initialisedEntry(`import module from '${wasm}';`, 'Already initialised in workerd'),
  // A source-phase import is a compiled WebAssembly.Module, loaded as a module: no read permission needed.
  deno: initialisedEntry(`import source module from '${wasm}';`, 'Already initialised in Deno'),
};
for (const [name, text] of Object.entries(entries)) writeFileSync(join(pkg, `${name}.js`), text);
// The edge entry per runtime: the runtime's main entry (which initialises the wasm at import), then the pieces.
for (const name of Object.keys(entries)) {
  writeFileSync(join(pkg, 'edge', `${name}.js`), `import '../${name}.js';\nexport * from './index.js';\n`);
}

copyFileSync('src/bindings/errors.d.ts', join(pkg, 'errors.d.ts'));
const dts = `export * from './${glue}.js';
export { default } from './${glue}.js';
export * from './errors.js';
`;
writeFileSync(join(pkg, 'index.d.ts'), dts);

// wasm-streams exports its stream adapters to JS with `any` in their signatures; nothing of ours uses them by name.
const dtsPath = join(pkg, `${glue}.d.ts`);
let d = readFileSync(dtsPath, 'utf8');
d = d.replace(/export class IntoUnderlying\w+ \{[\s\S]*?\n\}\n/g, '');
// `InitOutput` lists the raw wasm exports; externref values there are opaque, so `unknown` says it exactly.
d = d.replace(/(export interface InitOutput \{[\s\S]*?\n\})/, (block) => block.replace(/\bany\b/g, 'unknown'));
writeFileSync(dtsPath, d);

/** The `exports` conditions of the entry in `dir`: an initialised entry per server runtime, `index.js` elsewhere. */
const conditions = (dir) => {
  const types = `${dir}/index.d.ts`;
  const to = (file) => ({ types, default: `${dir}/${file}` });
  return { workerd: to('workerd.js'), deno: to('deno.js'), browser: to('index.js'), node: to('node.js'), default: to('index.js') };
};

const meta = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const out = {
  name: 'altinn-broker-client',
  version: meta.version,
  description: meta.description,
  license: meta.license,
  repository: meta.repository,
  type: 'module',
  files: [...new Set([...(meta.files || []), 'index.js', 'index.d.ts', 'errors.d.ts', 'snippets', 'edge', 'runtimes',
    ...Object.keys(entries).map((e) => `${e}.js`)])],
  main: 'index.js',
  types: 'index.d.ts',
  // One declaration file for every entry: they export the same names, and `init()` with no argument is valid in each.
  // Order matters: a bundler takes the first condition it knows (wrangler: workerd, worker, browser; Deno: deno,
  // node; Vite: browser).
  exports: {
    '.': conditions('.'),
    // In a browser (a Service Worker proxy, say) the wasm is initialised by the main entry's `init()`.
    './edge': conditions('./edge'),
    [`./${glue}_bg.wasm`]: `./${glue}_bg.wasm`,
  },
  // Declared to match what the tests run: scripts/test.sh runs the Node suites on 20, 22 and 24.
  engines: { node: '>=20' },
  sideEffects: [...Object.keys(entries).flatMap((e) => [`./${e}.js`, `./edge/${e}.js`]), './snippets/*'],
};
writeFileSync(join(pkg, 'package.json'), JSON.stringify(out, null, 2) + '\n');
