// Row 1: what each entry point of the package costs to load, gzip -9 per file (as a server sends them): the files
// its static import graph reaches plus the `.wasm` those files fetch (`new URL('x.wasm', import.meta.url)`, or an
// `import ... from 'x.wasm'`). The page entry is `exports["."].browser`; every other JS subpath export, and
// pkg/edge/index.js (the edge pieces: token provider, proxy, webhook handler), is measured on its own, so a split
// of the edge pieces behind their own entry point shows in the numbers.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { boundRow } from '../lib/report.mjs';
import { pkgDir } from '../lib/world.mjs';

const KB = 1000;

/** The files `entry` loads (static imports, re-exports, and the wasm it fetches), each once. */
export function graph(entry) {
  const seen = new Set();
  const dynamic = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith('.js') && !file.endsWith('.mjs')) return;
    // Comments hold example imports (`import init from 'altinn-broker-client'` in docs): strip them first.
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const imports = [...text.matchAll(/\b(?:import|export)\s*(?:source\s+)?(?:[\w*{}\s,$]+?\s*from\s*)?['"]([^'"]+)['"]/g)].map((m) => m[1]);
    // A URL resolved against the module is relative whatever its spelling (wasm-bindgen writes 'x_bg.wasm').
    const urls = [...text.matchAll(/new URL\(\s*['"]([^'"]+\.wasm)['"]\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[1]);
    for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) dynamic.add(m[1]);
    // node: builtins and bare names are not the package's bytes.
    for (const ref of [...imports.filter((r) => r.startsWith('.')), ...urls]) walk(resolve(dirname(file), ref));
  };
  walk(entry);
  return { files: [...seen].filter((f) => existsSync(f)), dynamic: [...dynamic] };
}

/**
 * `gzip -9 -n` (GNU gzip, what the budget names; Node's zlib at level 9 writes ~1.3% more for the wasm), or zlib
 * where there is no gzip binary.
 */
function gzipped(file, bytes) {
  try {
    return execFileSync('gzip', ['-9', '-n', '-c', file], { maxBuffer: 64 << 20 }).length;
  } catch {
    return gzipSync(bytes, { level: 9 }).length;
  }
}

function sizes(files) {
  let gz = 0;
  let raw = 0;
  let wasmGz = 0;
  for (const f of files) {
    const b = readFileSync(f);
    const g = gzipped(f, b);
    raw += b.length;
    gz += g;
    if (f.endsWith('.wasm')) wasmGz += g;
  }
  return { raw, gz, wasmGz, jsGz: gz - wasmGz };
}

export function entryPoints(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const target = (v, conditions) => {
    if (typeof v === 'string') return v;
    if (!v || typeof v !== 'object') return null;
    for (const c of conditions) if (c in v) return target(v[c], conditions);
    return null;
  };
  const out = [];
  for (const [sub, v] of Object.entries(manifest.exports ?? { '.': manifest.main })) {
    if (sub.endsWith('.wasm')) continue;
    const page = target(v, ['browser', 'default']);
    if (page) out.push({ name: sub === '.' ? 'page entry (exports["."].browser)' : `${sub} (browser/default)`, file: join(dir, page), page: sub === '.' });
  }
  const edge = join(dir, 'edge', 'index.js');
  if (existsSync(edge) && !out.some((e) => e.file === edge)) out.push({ name: 'edge pieces (pkg/edge/index.js)', file: edge, page: false });
  return out;
}

export const rows = [
  {
    id: 'size',
    title: 'package size per entry point, gzip -9',
    async run(ctx) {
      const out = [];
      const dir = pkgDir();
      const entries = entryPoints(dir);
      let n = 0;
      for (const e of entries) {
        const g = graph(e.file);
        const s = sizes(g.files);
        n += 1;
        ctx.log(`   ${e.name}: ${g.files.length} files, ${(s.raw / KB).toFixed(0)} KB raw, gzip -9 ${(s.gz / KB).toFixed(1)} KB ` +
          `(wasm ${(s.wasmGz / KB).toFixed(1)}, JS ${(s.jsGz / KB).toFixed(1)})` + (g.dynamic.length ? `; dynamic imports not counted: ${g.dynamic.join(', ')}` : ''));
        out.push(boundRow({
          key: `1${String.fromCharCode(96 + n)}`,
          id: this.id,
          measure: `size, ${e.name}: wasm ${(s.wasmGz / KB).toFixed(1)} + JS ${(s.jsGz / KB).toFixed(1)}, gzip -9`,
          unit: 'KB',
          ours: { rounds: [s.gz / KB] },
          // The budget is for what a page loads; the edge pieces are reported beside it.
          budget: e.page ? { max: 100, text: '≤ 100 KB (stretch 80)' } : null,
          extra: { files: g.files.map((f) => relative(dir, f)), raw: s.raw, gzip: s.gz, wasmGzip: s.wasmGz, jsGzip: s.jsGz, dynamic: g.dynamic },
        }));
      }
      if (!out.some((r) => r.budget)) throw new Error(`no page entry found in ${dir}/package.json`);
      return out;
    },
  },
];
