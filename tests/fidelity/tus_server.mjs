// The client's tus against a standard tus server that is not the Broker: npm @tus/server with @tus/file-store
// (creation, termination, expiration — no concatenation), mounted at the Broker's tus path on 127.0.0.1 so the
// client reaches it with its own URL layout, nothing special-cased. parallel 1 and parallel 4 must both land
// byte-exact on disk; parallel 4 must report that it fell back to one upload (the server's Tus-Extension has no
// `concatenation`), with OPTIONS asked once per client and no partial ever sent (@tus/server answers one with 501).
// Usage: node tests/fidelity/tus_server.mjs   (needs pkg/ from scripts/build-pkg.sh --dev)
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Tally, clientPackage, jsTool, tempDir } from './common.mjs';

const { Server } = await jsTool('@tus/server');
const { FileStore } = await jsTool('@tus/file-store');

// The Broker's tus collection (altinn_broker_core::paths::TUS without its `{fileTransferId}`).
const TUS_PATH = '/broker/api/v1/filetransfer/upload/tus';
const KIB = 1024;

const t = new Tally();
const dir = tempDir('tus-server-');
const tus = new Server({ path: TUS_PATH, datastore: new FileStore({ directory: dir }) });
const seen = [];
const http = createServer((req, res) => {
  seen.push({ method: req.method, concat: req.headers['upload-concat'] ?? null, status: () => res.statusCode });
  tus.handle(req, res);
});
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${http.address().port}`;
console.log(`@tus/server at ${baseUrl}${TUS_PATH}, files in ${dir}`);

const { BrokerClient } = await clientPackage();
const client = new BrokerClient({ baseUrl, token: async () => 'not-checked-by-this-server', retry: { baseDelayMs: 20 } });

/** The data files FileStore has written (each upload is `<id>` beside its `<id>.json`). */
const files = () => new Set(readdirSync(dir).filter((f) => !f.endsWith('.json')));

async function upload(parallel, size) {
  const bytes = randomBytes(size);
  const before = files();
  const from = seen.length;
  const handle = client.startUpload(randomUUID(), new Blob([bytes]), { parallel, chunkSize: 64 * KIB, resumeStore: false });
  let result;
  try {
    result = await handle.done;
  } catch (e) {
    t.check(false, `parallel ${parallel}: the upload failed: ${e?.name}: ${e?.message}`);
    return null;
  }
  const created = [...files()].filter((f) => !before.has(f));
  t.check(created.length === 1, `parallel ${parallel}: one upload on the server, got ${created.length}`);
  const onDisk = created.length === 1 ? readFileSync(join(dir, created[0])) : Buffer.alloc(0);
  t.check(onDisk.equals(bytes), `parallel ${parallel}: the bytes on disk are the file's (${onDisk.length} of ${size})`);
  t.check(result.size === size && result.parts === 1, `parallel ${parallel}: result ${JSON.stringify(result)}`);
  const mine = seen.slice(from);
  t.check(!mine.some((r) => r.concat !== null), `parallel ${parallel}: no Upload-Concat was sent`);
  t.check(!mine.some((r) => r.status() >= 400), `parallel ${parallel}: no request failed: ${mine.map((r) => `${r.method} ${r.status()}`).join(', ')}`);
  return { result, options: mine.filter((r) => r.method === 'OPTIONS').length };
}

// 1 MiB + 5 in 64 KiB chunks: 17 chunks, which parallel 4 would cut into 4 partials.
const size = 1024 * KIB + 5;
const single = await upload(1, size);
if (single) {
  t.check(single.result.fallback === false, 'parallel 1 is no fallback');
  t.check(single.options === 0, `parallel 1 asks no OPTIONS (asked ${single.options})`);
}
const parallel = await upload(4, size);
if (parallel) {
  t.check(parallel.result.fallback === true, 'parallel 4 reports the fallback to one upload');
  t.check(parallel.options === 1, `parallel 4 asks OPTIONS once (asked ${parallel.options})`);
}
const again = await upload(4, 300 * KIB);
if (again) {
  t.check(again.result.fallback === true, 'a second parallel upload falls back too');
  t.check(again.options === 0, `the server's extensions are kept per client (asked OPTIONS ${again.options} more times)`);
}

await new Promise((resolve) => http.close(resolve));
if (t.failed === 0) rmSync(dir, { recursive: true, force: true });
t.summary();
