// Rows 2 and 3: MD5 of `md5` MiB fed in 1 MiB chunks (16 distinct random chunks in turn, so the figure is the
// hash, not the disk or the allocator): the package's exported `Md5` (src/bindings/functions.rs, the hasher the
// uploads use) against npm hash-wasm and node:crypto, with spark-md5 for information; in Node and in Chromium.
import { createHash } from 'node:crypto';
import { compareRow } from '../lib/report.mjs';
import { randomChunks } from '../lib/files.mjs';
import { alternate, mbps, since } from '../lib/stats.mjs';
import { MiB, pkg } from '../lib/world.mjs';
import { requireTool } from '../../tests/edge/common.mjs';

const DISTINCT = 16;

async function nodeHashers() {
  const { Md5 } = await pkg();
  const { createMD5 } = requireTool('hash-wasm');
  const SparkMD5 = requireTool('spark-md5');
  const feed = (total, chunks, update) => {
    for (let i = 0, at = 0; at < total; i++, at += MiB) update(chunks[i % chunks.length]);
  };
  return {
    ours: async (chunks, total) => {
      const h = new Md5();
      feed(total, chunks, (c) => h.update(c));
      return h.digestHex();
    },
    'hash-wasm': async (chunks, total) => {
      const h = await createMD5();
      h.init();
      feed(total, chunks, (c) => h.update(c));
      return h.digest('hex');
    },
    'node:crypto': async (chunks, total) => {
      const h = createHash('md5');
      feed(total, chunks, (c) => h.update(c));
      return h.digest('hex');
    },
    // spark-md5's ArrayBuffer API: each chunk is a whole ArrayBuffer of its own.
    'spark-md5': async (chunks, total) => {
      const h = new SparkMD5.ArrayBuffer();
      feed(total, chunks, (c) => h.append(c.buffer));
      return h.end();
    },
  };
}

/** Times each hasher (`run(name, total)` → { seconds, hex }) in alternating rounds; all must agree on the digest. */
async function measure(ctx, names, run) {
  const total = ctx.size('md5');
  const digests = new Map();
  // One warm-up pass each (8 MiB), so every wasm hasher is compiled by the optimising tier before it is timed.
  for (const n of names) await run(n, Math.min(total, 8 * MiB));
  const variants = Object.fromEntries(names.map((n) => [n, async () => {
    const { seconds, hex } = await run(n, total);
    if (digests.has(total) && digests.get(total) !== hex) throw new Error(`${n}'s MD5 ${hex} differs from ${digests.get(total)}`);
    digests.set(total, hex);
    return mbps(total, seconds);
  }]));
  return alternate(ctx.rounds, variants, ctx);
}

export const rows = [
  {
    id: 'md5-node',
    title: 'MD5 in Node',
    async run(ctx) {
      const chunks = randomChunks(DISTINCT);
      const hashers = await nodeHashers();
      const r = await measure(ctx, Object.keys(hashers), async (n, total) => {
        const t0 = performance.now();
        const hex = await hashers[n](chunks, total);
        return { seconds: since(t0), hex };
      });
      const measure_ = `MD5, Node, ${ctx.label('md5')} in 1 MiB chunks`;
      const ours = { rounds: r.ours };
      return [
        compareRow({ key: '2a', id: this.id, measure: measure_, unit: 'MB/s', ours, baseline: { label: 'hash-wasm', rounds: r['hash-wasm'] }, budget: { min: 1.0 } }),
        compareRow({ key: '2b', id: this.id, measure: measure_, unit: 'MB/s', ours, baseline: { label: 'node:crypto', rounds: r['node:crypto'] }, budget: { min: 0.9 } }),
        compareRow({ key: '2c', id: this.id, measure: measure_, unit: 'MB/s', ours, baseline: { label: 'spark-md5', rounds: r['spark-md5'] } }),
      ];
    },
  },
  {
    id: 'md5-chromium',
    title: 'MD5 in Chromium',
    chromium: true,
    async run(ctx) {
      const tab = await ctx.chromium.page();
      try {
        const r = await measure(ctx, ['ours', 'hash-wasm'], (n, total) =>
          tab.evaluate(([impl, t, d]) => window.bench.md5(impl, t, d), [n, total, DISTINCT]));
        return [
          compareRow({
            key: '3', id: this.id, measure: `MD5, Chromium, ${ctx.label('md5')} in 1 MiB chunks`, unit: 'MB/s',
            ours: { rounds: r.ours }, baseline: { label: 'hash-wasm', rounds: r['hash-wasm'] }, budget: { min: 1.0 },
          }),
        ];
      } finally {
        await tab.close();
      }
    },
  },
];
