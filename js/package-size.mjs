// The package's size per entry point, as a page (or a worker) would load it: the wasm and the JS an esbuild
// bundle of the entry pulls in (unminified, so no bundler's minifier is credited), each `gzip -9`.
//   page : what a portal page imports — the package's main entry (`index.js`: the wasm-bindgen glue, the error
//          classes), which does not re-export the edge pieces;
//   edge : the edge pieces (`altinn-broker-client/edge`: token provider, proxy, webhook handler, event feed; they
//          call into the wasm, so it counts there too).
// Usage: node js/package-size.mjs [pkg-dir] [--budget BYTES] [--json FILE]: prints a markdown table; with
// --budget, exits 1 when the page entry (wasm + JS, gzipped) is larger.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args.splice(i, 2)[1];
};
const budget = opt('--budget');
const jsonOut = opt('--json');
const pkg = resolve(args[0] || 'pkg');
const glue = 'altinn_broker_client';
// gzip(1) itself, as the issue measures: zlib's level 9 comes out ~1.5% larger on this wasm.
const gz = (buf) => execFileSync('gzip', ['-9', '-c'], { input: buf, maxBuffer: 1 << 26 }).length;

const entries = {
  page: `export * from '${pkg}/index.js';\nexport { default } from '${pkg}/index.js';\n`,
  edge: `export * from '${pkg}/edge/index.js';\n`,
};
const wasm = readFileSync(join(pkg, `${glue}_bg.wasm`));
const rows = [];
for (const [name, contents] of Object.entries(entries)) {
  const out = await build({
    stdin: { contents, resolveDir: pkg, loader: 'js' },
    bundle: true,
    format: 'esm',
    write: false,
    platform: 'browser',
    // The glue's `new URL('..._bg.wasm', import.meta.url)` stays a URL: the wasm is counted on its own.
    external: ['*.wasm'],
    logLevel: 'silent',
  });
  const js = Buffer.from(out.outputFiles[0].contents);
  rows.push({ entry: name, wasm: wasm.length, wasmGzip: gz(wasm), js: js.length, jsGzip: gz(js), totalGzip: gz(wasm) + gz(js) });
}
const kb = (n) => (n / 1000).toFixed(1);
console.log('| entry | wasm raw | wasm gzip -9 | JS raw | JS gzip -9 | total gzip -9 |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.entry} | ${kb(r.wasm)} KB | ${kb(r.wasmGzip)} KB | ${kb(r.js)} KB | ${kb(r.jsGzip)} KB | **${kb(r.totalGzip)} KB** |`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(rows, null, 2) + '\n');
if (budget !== undefined) {
  const page = rows.find((r) => r.entry === 'page');
  const ok = page.totalGzip <= Number(budget);
  console.log(`page entry ${page.totalGzip} B gzip -9 ${ok ? '≤' : '>'} budget ${budget} B: ${ok ? 'PASS' : 'FAIL'}`);
  if (!ok) process.exit(1);
}
