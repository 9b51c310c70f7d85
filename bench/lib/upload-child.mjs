// A fresh Node process for the memory rows: uploads each file named on the command line through `client.upload`
// (its defaults; a Blob from fs.openAsBlob) to the emulator at BENCH_URL, one transfer each, and prints one JSON
// line: the wasm instance's memory.buffer.byteLength before and after each upload, and the process's peak RSS
// (process.resourceUsage().maxRSS and /proc/self/status VmHWM). The token comes in BENCH_TOKEN, never on argv.
import { openAsBlob } from 'node:fs';
import { clientPackage } from '../../tests/fidelity/common.mjs';
import { statusField } from './world.mjs';
import { RECIPIENT, RESOURCE, SENDER } from '../../tests/edge/harness.mjs';

const url = process.env.BENCH_URL;
const token = process.env.BENCH_TOKEN;
const files = process.argv.slice(2);
const mod = await clientPackage();
const wasm = await mod.default();
const client = new mod.BrokerClient({ baseUrl: url, token: () => token });
const out = { node: process.version, wasmBefore: wasm.memory.buffer.byteLength, uploads: [] };
for (const [i, file] of files.entries()) {
  const id = await client.initialize({
    fileName: 'memory.bin',
    resourceId: RESOURCE,
    sendersFileTransferReference: `bench-memory-${process.pid}-${i}`,
    sender: `0192:${SENDER}`,
    recipients: [`0192:${RECIPIENT}`],
  });
  const blob = await openAsBlob(file);
  const t0 = performance.now();
  const { size } = await client.upload(id, blob);
  out.uploads.push({ size, seconds: (performance.now() - t0) / 1000, wasmAfter: wasm.memory.buffer.byteLength });
}
out.maxRss = process.resourceUsage().maxRSS * 1024;
out.vmHwm = statusField(process.pid, 'VmHWM');
console.log(JSON.stringify(out));
