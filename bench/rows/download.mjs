// Row 7: `client.download(id)` of a Published `download` MiB transfer, its stream drained, against a raw fetch of
// the same URL with its body drained; and `download(id, { verify: true })` against the raw fetch with the body fed
// to hash-wasm's streaming MD5 and compared with the transfer's checksum. Both as the recipient.
import { openAsBlob } from 'node:fs';
import { compareRow } from '../lib/report.mjs';
import { alternate, mbps, since } from '../lib/stats.mjs';
import { emulator } from '../lib/world.mjs';
import { requireTool } from '../../tests/edge/common.mjs';

async function drain(stream, each) {
  const reader = stream.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.byteLength;
    each?.(value);
  }
}

export const rows = [
  {
    id: 'download',
    title: 'download, drained',
    async run(ctx) {
      const size = ctx.size('download');
      ctx.scratch.needDisk(size, 'the download row');
      const emu = await emulator();
      try {
        const id = await emu.initialize('download.bin');
        await emu.rawUpload(id, await openAsBlob(await ctx.scratch.file(size)));
        const { checksum } = await emu.waitPublished(id);
        const client = await emu.client({ as: 'recipient' });
        const { createMD5 } = requireTool('hash-wasm');
        const raw = async (hash) => {
          const t0 = performance.now();
          const r = await fetch(emu.downloadUrl(id), { headers: { authorization: `Bearer ${emu.tokens.read}` } });
          if (r.status !== 200) throw new Error(`download answered ${r.status}`);
          let h;
          if (hash) { h = await createMD5(); h.init(); }
          const n = await drain(r.body, h && ((c) => h.update(c)));
          const s = since(t0);
          if (n !== size) throw new Error(`raw download drained ${n} bytes, not ${size}`);
          if (h && h.digest('hex') !== checksum) throw new Error('raw download: MD5 differs from the transfer checksum');
          return mbps(size, s);
        };
        const ours = async (verify) => {
          const t0 = performance.now();
          const d = await client.download(id, verify ? { verify: true } : undefined);
          const n = await drain(d.stream);
          const s = since(t0);
          if (n !== size) throw new Error(`download drained ${n} bytes, not ${size}`);
          return mbps(size, s);
        };
        const plain = await alternate(ctx.rounds, { ours: () => ours(false), 'raw fetch': () => raw(false) }, ctx);
        const verified = await alternate(ctx.rounds, { ours: () => ours(true), 'raw fetch + hash-wasm': () => raw(true) }, ctx);
        return [
          compareRow({
            key: '7a', id: this.id, measure: `download ${ctx.label('download')}, drained, Node`, unit: 'MB/s',
            ours: { rounds: plain.ours }, baseline: { label: 'raw fetch body', rounds: plain['raw fetch'] }, budget: { min: 0.9 },
          }),
          compareRow({
            key: '7b', id: this.id, measure: `download ${ctx.label('download')}, verify: true, drained, Node`, unit: 'MB/s',
            ours: { rounds: verified.ours }, baseline: { label: 'raw fetch + hash-wasm', rounds: verified['raw fetch + hash-wasm'] }, budget: { min: 0.9 },
          }),
        ];
      } finally {
        await emu.stop();
      }
    },
  },
];
