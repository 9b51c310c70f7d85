// Row 4: `client.upload(id, blob)` with its defaults, against a raw fetch POST of the same Blob to the same
// upload URL; each upload to a fresh emulator and a fresh initialized transfer, only the upload call timed.
// Node: a Blob from fs.openAsBlob (streamed from disk); Chromium: a disk-backed File set on the page's file input.
import { openAsBlob } from 'node:fs';
import { compareRow } from '../lib/report.mjs';
import { alternate, mbps, since } from '../lib/stats.mjs';
import { withEmulator } from '../lib/world.mjs';

export const rows = [
  {
    id: 'upload-node',
    title: 'upload of a Blob, Node',
    async run(ctx) {
      const size = ctx.size('upload');
      const blob = await openAsBlob(await ctx.scratch.file(size));
      const r = await alternate(ctx.rounds, {
        ours: () => withEmulator({}, async (emu) => {
          ctx.scratch.needDisk(size, 'an upload');
          const client = await emu.client();
          const id = await emu.initialize();
          const t0 = performance.now();
          const res = await client.upload(id, blob);
          const s = since(t0);
          if (res.size !== size) throw new Error(`upload reported ${res.size} bytes, not ${size}`);
          return mbps(size, s);
        }),
        'raw fetch': () => withEmulator({}, async (emu) => {
          ctx.scratch.needDisk(size, 'an upload');
          const id = await emu.initialize();
          const t0 = performance.now();
          await emu.rawUpload(id, blob);
          return mbps(size, since(t0));
        }),
      }, ctx);
      return [compareRow({
        key: '4a', id: this.id, measure: `upload of a ${ctx.label('upload')} Blob, defaults, Node`, unit: 'MB/s',
        ours: { rounds: r.ours }, baseline: { label: 'raw fetch POST', rounds: r['raw fetch'] }, budget: { min: 0.9 },
      })];
    },
  },
  {
    id: 'upload-chromium',
    title: 'upload of a File, Chromium',
    chromium: true,
    async run(ctx) {
      const size = ctx.size('upload');
      const path = await ctx.scratch.file(size);
      const tab = await ctx.chromium.page();
      try {
        await tab.setInputFiles('#file', path);
        const one = (impl) => withEmulator({ cors: true }, async (emu) => {
          ctx.scratch.needDisk(size, 'an upload');
          const id = await emu.initialize();
          const args = { baseUrl: emu.url, token: emu.tokens.write, id, uploadUrl: emu.uploadUrl(id) };
          const res = await tab.evaluate(([i, a]) => window.bench.upload(i, a), [impl, args]);
          if (res.size !== size) throw new Error(`${impl}: ${res.size} bytes uploaded, not ${size}`);
          return mbps(size, res.seconds);
        });
        const r = await alternate(ctx.rounds, { ours: () => one('ours'), 'raw fetch': () => one('raw') }, ctx);
        return [compareRow({
          key: '4b', id: this.id, measure: `upload of a ${ctx.label('upload')} File, defaults, Chromium`, unit: 'MB/s',
          ours: { rounds: r.ours }, baseline: { label: 'raw fetch POST', rounds: r['raw fetch'] }, budget: { min: 0.9 },
        })];
      } finally {
        await tab.close();
      }
    },
  },
];
