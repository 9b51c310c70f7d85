// Rows 8 and 9, through `client.upload` with its defaults in a fresh Node process (bench/lib/upload-child.mjs), each
// upload to an emulator of its own: the process's peak RSS uploading the smaller and the larger `rss` size (flat:
// the larger run within 1.1× the smaller, and within 160 MiB), and the wasm instance's memory after each of the
// `wasm` uploads made one after another by one process (flat, within 16 MiB).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { boundRow, compareRow } from '../lib/report.mjs';
import { alternate } from '../lib/stats.mjs';
import { MiB, withEmulator } from '../lib/world.mjs';

const script = new URL('../lib/upload-child.mjs', import.meta.url).pathname;

/** The child process and its answers, one line per request. */
function child() {
  const p = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
  const exited = new Promise((resolve) => p.once('exit', resolve));
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the upload child exited (${await exited}) without an answer`);
    return JSON.parse(value);
  };
  return {
    async upload(emu, file, size) {
      p.stdin.write(`${JSON.stringify({ url: emu.url, token: emu.tokens.write, file, size })}\n`);
      const r = await next();
      if (r.size !== size) throw new Error(`the child uploaded ${r.size} bytes, not ${size}`);
      return r;
    },
    /** Stops the child if it still runs (a row that failed half-way). */
    kill() {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    },
    async end() {
      p.stdin.end();
      const r = await next();
      const code = await exited;
      if (code !== 0) throw new Error(`the upload child exited ${code}`);
      return r;
    },
  };
}

export const rows = [
  {
    id: 'rss',
    title: 'Node peak RSS uploading, fresh process each',
    async run(ctx) {
      const [small, large] = ctx.size('rss');
      // The upload rows' input file, sliced or repeated to each size.
      const file = await ctx.scratch.file(ctx.size('upload'));
      const peak = (size) => withEmulator({}, async (emu) => {
        ctx.scratch.needDisk(size, 'an upload');
        const c = child();
        try {
          await c.upload(emu, file, size);
          return (await c.end()).maxRss / MiB;
        } finally {
          c.kill();
        }
      });
      const r = await alternate(ctx.rounds, { small: () => peak(small), large: () => peak(large) }, ctx);
      const [ls, ll] = ctx.label('rss').split(' / ');
      return [
        boundRow({ key: '8a', id: this.id, measure: `Node peak RSS (maxRSS), upload of ${ls}, fresh process`, unit: 'MiB', ours: { rounds: r.small } }),
        boundRow({ key: '8b', id: this.id, measure: `Node peak RSS (maxRSS), upload of ${ll}, fresh process`, unit: 'MiB', ours: { rounds: r.large }, budget: { max: 160 } }),
        compareRow({
          key: '8c', id: this.id, measure: `Node peak RSS, ${ll} run / ${ls} run`, unit: 'MiB', better: 'lower', ratio: 'plain',
          ours: { label: ll, rounds: r.large }, baseline: { label: `the ${ls} run`, rounds: r.small }, budget: { max: 1.1, text: '≤ 1.1×' },
        }),
      ];
    },
  },
  {
    id: 'wasm-memory',
    title: 'wasm memory across uploads in one process',
    async run(ctx) {
      const sizes = ctx.size('wasm');
      // The upload rows' input file, sliced or repeated to each size.
      const file = await ctx.scratch.file(ctx.size('upload'));
      const c = child();
      const after = [];
      let end;
      try {
        for (const size of sizes) {
          const r = await withEmulator({}, (emu) => {
            ctx.scratch.needDisk(size, 'an upload');
            return c.upload(emu, file, size);
          });
          after.push(r.wasmAfter / MiB);
        }
        end = await c.end();
      } finally {
        c.kill();
      }
      ctx.log(`   wasm memory: ${end.wasmBefore / MiB} MiB at start, after each upload: ${after.join(', ')} MiB`);
      return [
        boundRow({
          key: '9a', id: this.id, measure: `wasm memory after uploads of ${ctx.label('wasm')} in one process (largest)`, unit: 'MiB',
          ours: { rounds: [Math.max(...after)] }, budget: { max: 16 }, extra: { before: end.wasmBefore, after },
        }),
        boundRow({
          key: '9b', id: this.id, measure: 'wasm memory growth from the first of those uploads to the last', unit: 'MiB',
          ours: { rounds: [after[after.length - 1] - after[0]] }, budget: { max: 0, text: '0 (flat)' },
        }),
      ];
    },
  },
];
