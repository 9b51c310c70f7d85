// Row 5: `client.send(blob, request)` end to end (hash → initialize → upload → Published) against the same steps
// by hand with the fastest native pieces: node:crypto MD5 of the file read as a stream (1 MiB reads), a raw fetch
// initialize carrying that checksum, a raw fetch upload of the Blob (`redirect: 'error'`), then the overview
// polled every 50 ms until Published.
import { createHash } from 'node:crypto';
import { createReadStream, openAsBlob } from 'node:fs';
import { compareRow } from '../lib/report.mjs';
import { alternate, since } from '../lib/stats.mjs';
import { withEmulator } from '../lib/world.mjs';

const POLL_MS = 50;

async function md5File(path) {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk);
  return h.digest('hex');
}

export const rows = [
  {
    id: 'send',
    title: 'send end to end, Node',
    async run(ctx) {
      const size = ctx.size('send');
      const path = await ctx.scratch.file(size);
      const blob = await openAsBlob(path);
      let checksum;
      const r = await alternate(ctx.rounds, {
        ours: () => withEmulator({}, async (emu) => {
          ctx.scratch.needDisk(size, 'a send');
          const client = await emu.client();
          const t0 = performance.now();
          const res = await client.send(blob, emu.request('send.bin'));
          const s = since(t0);
          if (res.overview.fileTransferStatus !== 'Published') throw new Error(`send ended ${res.overview.fileTransferStatus}`);
          if (checksum && res.checksum !== checksum) throw new Error(`send's checksum ${res.checksum} is not ${checksum}`);
          return s;
        }),
        'by hand': () => withEmulator({}, async (emu) => {
          ctx.scratch.needDisk(size, 'a send');
          const t0 = performance.now();
          checksum = await md5File(path);
          const id = await emu.initialize('send.bin', { checksum });
          await emu.rawUpload(id, blob);
          await emu.waitPublished(id, POLL_MS);
          return since(t0);
        }),
      }, ctx);
      return [compareRow({
        key: '5', id: this.id, measure: `send end to end, ${ctx.label('send')}, Node`, unit: 's', better: 'lower',
        ours: { rounds: r.ours },
        baseline: { label: `node:crypto + raw initialize/upload + ${POLL_MS} ms polls`, rounds: r['by hand'] },
        budget: { min: 0.9 },
      })];
    },
  },
];
