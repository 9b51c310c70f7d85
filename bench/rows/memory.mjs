// Rows 8 and 9, each upload in a fresh Node process (bench/lib/upload-child.mjs) through `client.upload` with its
// defaults: the process's peak RSS uploading the smaller and the larger `rss` file (flat: the larger run within
// 1.1× the smaller, and within 160 MiB), and the wasm instance's memory after each of the `wasm` uploads in one
// process (flat, within 16 MiB).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { boundRow, compareRow } from '../lib/report.mjs';
import { alternate } from '../lib/stats.mjs';
import { emulator, MiB } from '../lib/world.mjs';

const run = promisify(execFile);
const child = new URL('../lib/upload-child.mjs', import.meta.url).pathname;

async function upload(emu, files) {
  const { stdout } = await run(process.execPath, [child, ...files], {
    env: { ...process.env, BENCH_URL: emu.url, BENCH_TOKEN: emu.tokens.write },
    maxBuffer: 1 << 20,
  });
  const r = JSON.parse(stdout.trim().split('\n').pop());
  r.uploads.forEach((u, i) => {
    if (u.size <= 0) throw new Error(`upload ${i + 1} of ${files.length} reported ${u.size} bytes`);
  });
  return r;
}

export const rows = [
  {
    id: 'rss',
    title: 'Node peak RSS uploading, fresh process each',
    async run(ctx) {
      const [small, large] = ctx.size('rss');
      const paths = [await ctx.scratch.file(small), await ctx.scratch.file(large)];
      const emu = await emulator();
      try {
        const r = await alternate(ctx.rounds, {
          small: async () => (await upload(emu, [paths[0]])).maxRss / MiB,
          large: async () => (await upload(emu, [paths[1]])).maxRss / MiB,
        }, ctx);
        const [ls, ll] = ctx.label('rss').split(' / ');
        return [
          boundRow({ key: '8a', id: this.id, measure: `Node peak RSS (maxRSS), upload of ${ls}, fresh process`, unit: 'MiB', ours: { rounds: r.small } }),
          boundRow({ key: '8b', id: this.id, measure: `Node peak RSS (maxRSS), upload of ${ll}, fresh process`, unit: 'MiB', ours: { rounds: r.large }, budget: { max: 160 } }),
          compareRow({
            key: '8c', id: this.id, measure: `Node peak RSS, ${ll} run / ${ls} run`, unit: 'MiB', better: 'lower', ratio: 'plain',
            ours: { label: ll, rounds: r.large }, baseline: { label: `the ${ls} run`, rounds: r.small }, budget: { max: 1.1, text: '≤ 1.1×' },
          }),
        ];
      } finally {
        await emu.stop();
      }
    },
  },
  {
    id: 'wasm-memory',
    title: 'wasm memory across uploads in one process',
    async run(ctx) {
      const sizes = ctx.size('wasm');
      const paths = [];
      for (const s of sizes) paths.push(await ctx.scratch.file(s));
      const emu = await emulator();
      try {
        const r = await upload(emu, paths);
        ctx.log(`   wasm memory: ${r.wasmBefore / MiB} MiB at start, after each: ${r.uploads.map((u) => u.wasmAfter / MiB).join(', ')} MiB`);
        const after = r.uploads.map((u) => u.wasmAfter / MiB);
        return [
          boundRow({
            key: '9a', id: this.id, measure: `wasm memory after uploads of ${ctx.label('wasm')} (largest)`, unit: 'MiB',
            ours: { rounds: [Math.max(...after)] }, budget: { max: 16 }, extra: { before: r.wasmBefore, uploads: r.uploads },
          }),
          boundRow({
            key: '9b', id: this.id, measure: `wasm memory growth from the first upload to the last`, unit: 'MiB',
            ours: { rounds: [after[after.length - 1] - after[0]] }, budget: { max: 0, text: '0 (flat)' },
          }),
        ];
      } finally {
        await emu.stop();
        // The largest input is only this row's.
        ctx.scratch.drop(sizes[sizes.length - 1]);
      }
    },
  },
];
