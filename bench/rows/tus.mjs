// Row 6: a resumable (tus) upload of `tus` MiB in `tusChunk` MiB chunks until the transfer is Published, parallel
// 1 and 4: the package's `startUpload(id, blob, { chunkSize, parallel })` + `waitFor(id, 'Published')` (its
// defaults otherwise), against npm tus-js-client with the same chunk size and parallelUploads, configured as
// Altinn's own tus-js-client harness configures it (an fs.ReadStream source, a bearer header, filename/filetype
// metadata; emulator/tests/tus-js-client/upload.mjs), then the overview polled every 50 ms until Published.
import { createReadStream, openAsBlob } from 'node:fs';
import { compareRow } from '../lib/report.mjs';
import { alternate, since } from '../lib/stats.mjs';
import { API, withEmulator } from '../lib/world.mjs';
import { requireTool } from '../../tests/edge/common.mjs';

const POLL_MS = 50;

function tusJsClient(endpoint, path, token, chunkSize, parallelUploads) {
  const { Upload } = requireTool('tus-js-client');
  return new Promise((resolve, reject) => {
    const upload = new Upload(createReadStream(path), {
      endpoint,
      chunkSize,
      parallelUploads,
      retryDelays: [100, 500, 1000],
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'bench.bin', filetype: 'application/octet-stream' },
      onError: reject,
      onSuccess: resolve,
    });
    upload.start();
  });
}

export const rows = [
  {
    id: 'tus',
    title: 'tus upload until Published, parallel 1 and 4',
    async run(ctx) {
      const size = ctx.size('tus');
      const chunkSize = ctx.size('tusChunk');
      const path = await ctx.scratch.file(size);
      const blob = await openAsBlob(path);
      const out = [];
      for (const [key, parallel, min] of [['6a', 1, 1.0], ['6b', 4, 1.2]]) {
        ctx.log(`   parallel ${parallel}`);
        const r = await alternate(ctx.rounds, {
          ours: () => withEmulator({}, async (emu) => {
            ctx.scratch.needDisk(2 * size, 'a tus upload');
            const client = await emu.client();
            const id = await emu.initialize('tus.bin');
            const t0 = performance.now();
            const upload = client.startUpload(id, blob, { chunkSize, parallel });
            const done = await upload.done;
            await client.waitFor(id, 'Published');
            const s = since(t0);
            if (done.parts !== parallel) throw new Error(`startUpload used ${done.parts} parts, not ${parallel}`);
            return s;
          }),
          'tus-js-client': () => withEmulator({}, async (emu) => {
            ctx.scratch.needDisk(2 * size, 'a tus upload');
            const id = await emu.initialize('tus.bin');
            const t0 = performance.now();
            await tusJsClient(`${emu.url}${API}/filetransfer/upload/tus/${id}`, path, emu.tokens.write, chunkSize, parallel);
            await emu.waitPublished(id, POLL_MS);
            return since(t0);
          }),
        }, ctx);
        out.push(compareRow({
          key, id: this.id, unit: 's', better: 'lower',
          measure: `tus ${ctx.label('tus')}, ${ctx.label('tusChunk')} chunks, parallel ${parallel}, until Published`,
          ours: { rounds: r.ours }, baseline: { label: 'tus-js-client', rounds: r['tus-js-client'] }, budget: { min },
        }));
      }
      return out;
    },
  },
];
