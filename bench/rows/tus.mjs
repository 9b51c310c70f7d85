// Row 6: a resumable (tus) upload of `tus` MiB in `tusChunk` MiB chunks until the transfer is Published, parallel
// 1 and 4: the package's `startUpload(id, blob, { chunkSize, parallel })` + `waitFor(id, 'Published')` (its
// defaults otherwise), against npm tus-js-client with the same chunk size and parallelUploads, configured as
// Altinn's own tus-js-client harness configures it (an fs.ReadStream source, a bearer header, filename/filetype
// metadata; emulator/tests/tus-js-client/upload.mjs), then the overview polled every 50 ms until Published. Rows
// 6a′/6b′: the same steps by hand on raw fetch against the same tus-js-client rounds (information: the ceiling of a
// client that must use the global fetch).
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

/** The same tus steps with nothing but the global fetch, the way a fetch client can do them fastest: `parallel`
 * partials (one, without concatenation), each created (POST, Upload-Length) and then sent in `chunkSize` PATCHes of
 * Blob slices (Node streams a Blob body from disk), all partials at once, then the concatenation final (POST,
 * Upload-Concat). No HEAD, no retry, no resume record: the ceiling a fetch-based client can reach against this
 * emulator on this machine. */
async function rawFetchTus(endpoint, blob, token, chunkSize, parallel) {
  const tus = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` };
  const expect = async (r, status, what) => {
    if (r.status !== status) throw new Error(`${what}: ${r.status} ${await r.text()}`);
    await r.body?.cancel();
    return r;
  };
  const part = Math.ceil(blob.size / parallel / chunkSize) * chunkSize;
  const parts = Array.from({ length: parallel }, (_, i) => [i * part, Math.min(blob.size, (i + 1) * part)])
    .filter(([a, b]) => b > a);
  const send = async ([a, b]) => {
    const created = await expect(await fetch(endpoint, {
      method: 'POST',
      headers: { ...tus, 'Upload-Length': String(b - a), ...(parallel > 1 ? { 'Upload-Concat': 'partial' } : {}) },
    }), 201, 'create');
    const url = new URL(created.headers.get('location'), endpoint).href;
    for (let at = a; at < b; at += chunkSize) {
      const end = Math.min(b, at + chunkSize);
      await expect(await fetch(url, {
        method: 'PATCH',
        headers: { ...tus, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(at - a) },
        body: blob.slice(at, end),
        redirect: 'error',
      }), 204, 'PATCH');
    }
    return url;
  };
  const urls = await Promise.all(parts.map(send));
  if (parallel > 1) {
    await expect(await fetch(endpoint, {
      method: 'POST', headers: { ...tus, 'Upload-Concat': `final;${urls.join(' ')}` },
    }), 201, 'final');
  }
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
      // A baseline round: `upload(endpoint, token)` to a fresh transfer's tus endpoint, then polls until Published.
      const byHand = (upload) => () => withEmulator({}, async (emu) => {
        ctx.scratch.needDisk(2 * size, 'a tus upload');
        const id = await emu.initialize('tus.bin');
        const t0 = performance.now();
        await upload(`${emu.url}${API}/filetransfer/upload/tus/${id}`, emu.tokens.write);
        await emu.waitPublished(id, POLL_MS);
        return since(t0);
      });
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
          'tus-js-client': byHand((endpoint, token) => tusJsClient(endpoint, path, token, chunkSize, parallel)),
          'raw fetch': byHand((endpoint, token) => rawFetchTus(endpoint, blob, token, chunkSize, parallel)),
        }, ctx);
        out.push(compareRow({
          key, id: this.id, unit: 's', better: 'lower',
          measure: `tus ${ctx.label('tus')}, ${ctx.label('tusChunk')} chunks, parallel ${parallel}, until Published`,
          ours: { rounds: r.ours }, baseline: { label: 'tus-js-client', rounds: r['tus-js-client'] }, budget: { min },
        }));
        // What any client on the global fetch reaches (the package must use it): when this is below the budget, the
        // budget is out of reach for a fetch client here, whatever the package does.
        out.push(compareRow({
          key: `${key}′`, id: this.id, unit: 's', better: 'lower',
          measure: `ceiling of ${key}: the same tus steps by hand on raw fetch (Blob slices, no HEAD, no retry), parallel ${parallel}`,
          ours: { label: 'raw fetch', rounds: r['raw fetch'] }, baseline: { label: 'tus-js-client', rounds: r['tus-js-client'] },
        }));
      }
      return out;
    },
  },
];
