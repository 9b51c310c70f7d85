// Kill the uploading Node process mid-upload, start a new one with the same file resume store: it finds the
// upload by the file's fingerprint, continues from where the service is, and the bytes arrive exact.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Emulator, MIB, assert, clients, generatedFile, log, tempDir, verifyDownload } from './harness.mjs';

const uploader = fileURLToPath(new URL('./uploader.mjs', import.meta.url));
const size = 16 * MIB + 3;
const dir = tempDir('tus-restart-');
const storeDir = `${dir}/resume-store`;
const source = generatedFile(dir, size, 7);
const emu = await new Emulator().start();
const c = await clients(emu);

function run(mode, onLine) {
  const p = spawn(process.execPath, [uploader, mode, emu.url, source.path, storeDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: p.stdout }).on('line', (l) => onLine(l.split(' '), p));
  return new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
}

// Slow chunks, so the kill lands mid-upload.
await emu.hook('POST', '/emulator/api/faults', { method: 'PATCH', path: '**/tus/**', count: 1000, delayMs: 100 });
let id = null;
let killedAt = 0;
const first = await run('start', ([k, v], p) => {
  if (k === 'id') id = v;
  if (k === 'progress' && Number(v) >= size / 4 && killedAt === 0) {
    killedAt = Number(v);
    p.kill('SIGKILL');
  }
});
assert(first.signal === 'SIGKILL', `the first uploader ended with ${JSON.stringify(first)} before it was killed`);
await emu.hook('DELETE', '/emulator/api/faults');

const seen = {};
const second = await run('resume', ([k, ...v]) => {
  seen[k] = v;
});
assert(second.code === 0, `the resuming uploader failed: ${JSON.stringify(second)}`);
assert(seen.found && seen.found[0] === '1' && seen.found[1] === id, `found ${JSON.stringify(seen.found)}, expected ${id}`);
assert(Number(seen['resumed-from'][0]) > 0, 'resumed from the service offset, not from 0');
assert(seen.done[0] === id, 'finished the same transfer');
assert(seen.left[0] === '0', 'the finished upload left no record');
await verifyDownload(c, id, size, source.md5);
log(`process restart: killed at ${killedAt} bytes, resumed from ${seen['resumed-from'][0]}, ${size} bytes byte-exact`);
await emu.stop();
rmSync(dir, { recursive: true, force: true });
rmSync(emu.dataDir, { recursive: true, force: true });
