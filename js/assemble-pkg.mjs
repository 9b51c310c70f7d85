// Turns wasm-pack's `--target web` output in pkg/ into the one npm package for every runtime:
//   - `index.js`: the web build plus the error classes; call `await init()` (bundlers, browsers) or
//     `init({ module_or_path })` with bytes or a compiled `WebAssembly.Module` (workers, workerd, Deno);
//   - `node.js`: the same, already initialised from the .wasm file next to it (Node picks it via `exports`);
//   - `edge/`: the plain ES modules of src/edge (Maskinporten token provider, Broker proxy), re-exported by `index.js`.
// It also drops the declarations of wasm-streams' internal classes, which are not part of the API.
import { readFileSync, writeFileSync, readdirSync, copyFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';

const pkg = process.argv[2] || 'pkg';
const glue = 'altinn_broker_client';
const snippets = readdirSync(join(pkg, 'snippets'));
if (snippets.length !== 1) throw new Error(`expected one snippet directory, found ${snippets.join(', ')}`);
const errorsModule = `./snippets/${snippets[0]}/src/bindings/errors.js`;
const errorNames = [
  'BrokerError', 'NetworkError', 'TimeoutError', 'AbortError',
  'ChecksumMismatchError', 'TransferFailedError', 'UnsupportedError', 'ClientError',
];

writeFileSync(join(pkg, 'index.js'), `export * from './${glue}.js';
export { default } from './${glue}.js';
export { ${errorNames.join(', ')} } from '${errorsModule}';
export * from './edge/index.js';
`);
cpSync('src/edge', join(pkg, 'edge'), { recursive: true });

writeFileSync(join(pkg, 'node.js'), `import { readFileSync } from 'node:fs';
import { initSync } from './${glue}.js';

const exports = initSync({ module: readFileSync(new URL('./${glue}_bg.wasm', import.meta.url)) });

export * from './index.js';

/** Already initialised in Node; kept so code written for other runtimes runs unchanged. */
export default async function init() {
  return exports;
}
`);

copyFileSync('src/bindings/errors.d.ts', join(pkg, 'errors.d.ts'));
const dts = `export * from './${glue}.js';
export { default } from './${glue}.js';
export * from './errors.js';
export * from './edge/index.js';
`;
writeFileSync(join(pkg, 'index.d.ts'), dts);
writeFileSync(join(pkg, 'node.d.ts'), dts);

// wasm-streams exports its stream adapters to JS with `any` in their signatures; nothing of ours uses them by name.
const dtsPath = join(pkg, `${glue}.d.ts`);
let d = readFileSync(dtsPath, 'utf8');
d = d.replace(/export class IntoUnderlying\w+ \{[\s\S]*?\n\}\n/g, '');
// `InitOutput` lists the raw wasm exports; externref values there are opaque, so `unknown` says it exactly.
d = d.replace(/(export interface InitOutput \{[\s\S]*?\n\})/, (block) => block.replace(/\bany\b/g, 'unknown'));
writeFileSync(dtsPath, d);

const meta = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const out = {
  name: 'altinn-broker-client',
  version: meta.version,
  description: meta.description,
  license: meta.license,
  repository: meta.repository,
  type: 'module',
  files: [...new Set([...(meta.files || []), 'index.js', 'index.d.ts', 'node.js', 'node.d.ts', 'errors.d.ts', 'snippets', 'edge'])],
  main: 'index.js',
  types: 'index.d.ts',
  exports: {
    '.': {
      node: { types: './node.d.ts', default: './node.js' },
      types: './index.d.ts',
      default: './index.js',
    },
    [`./${glue}_bg.wasm`]: `./${glue}_bg.wasm`,
  },
  sideEffects: ['./node.js', './snippets/*'],
};
writeFileSync(join(pkg, 'package.json'), JSON.stringify(out, null, 2) + '\n');
