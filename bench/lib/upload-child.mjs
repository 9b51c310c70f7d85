// A fresh Node process for the memory rows. It reads one JSON line per upload on stdin — { url, token, file,
// size } — uploads `size` bytes of `file` through `client.upload` (its defaults) to the emulator at `url` (a new
// transfer), and answers one JSON line: { size, seconds, wasmAfter } (the wasm instance's memory.buffer.byteLength).
// At the end of its input it prints { node, wasmBefore, maxRss, vmHwm } (process.resourceUsage().maxRSS and
// /proc/self/status VmHWM, bytes). The Blob is the file's (fs.openAsBlob, streamed from disk); a size beyond the
// file is the same file's Blob repeated (a Blob of Blobs copies nothing), so a 2 GiB upload needs no 2 GiB file.
// Tokens arrive on stdin, never on argv.
import { openAsBlob } from 'node:fs';
import { createInterface } from 'node:readline';
import { clientPackage } from '../../tests/fidelity/common.mjs';
import { RECIPIENT, RESOURCE, SENDER } from '../../tests/edge/harness.mjs';
import { statusField } from './world.mjs';

const mod = await clientPackage();
const wasm = await mod.default();
const wasmBefore = wasm.memory.buffer.byteLength;
let n = 0;

async function source(file, size) {
  const one = await openAsBlob(file);
  const parts = Array.from({ length: Math.ceil(size / one.size) }, () => one);
  const blob = parts.length === 1 ? one : new Blob(parts);
  return blob.size === size ? blob : blob.slice(0, size);
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { url, token, file, size } = JSON.parse(line);
  const client = new mod.BrokerClient({ baseUrl: url, token: () => token });
  n += 1;
  const id = await client.initialize({
    fileName: 'memory.bin',
    resourceId: RESOURCE,
    sendersFileTransferReference: `bench-memory-${process.pid}-${n}`,
    sender: `0192:${SENDER}`,
    recipients: [`0192:${RECIPIENT}`],
  });
  const blob = await source(file, size);
  const t0 = performance.now();
  const r = await client.upload(id, blob);
  console.log(JSON.stringify({ size: r.size, seconds: (performance.now() - t0) / 1000, wasmAfter: wasm.memory.buffer.byteLength }));
}
console.log(JSON.stringify({
  node: process.version,
  wasmBefore,
  maxRss: process.resourceUsage().maxRSS * 1024,
  vmHwm: statusField(process.pid, 'VmHWM'),
}));
