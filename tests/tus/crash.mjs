// kill -9 of the emulator at each tus crash point (mid-PATCH, after a PATCH before its commit, during the final
// concatenation), restarted on the same port and data dir: the client finishes on its own and the downloaded
// bytes equal the source.
import { openAsBlob, rmSync } from 'node:fs';
import { Emulator, MIB, assert, clients, generatedFile, log, meta, tempDir, verifyDownload } from './harness.mjs';

const points = [
  { point: 'tus.mid-patch', parallel: 1 },
  { point: 'tus.after-patch-before-commit', parallel: 1 },
  { point: 'tus.during-concatenation', parallel: 4 },
];
const size = 32 * MIB + 11;
const dir = tempDir('tus-crash-');
const source = generatedFile(dir, size);

for (const { point, parallel } of points) {
  const emu = new Emulator();
  await emu.start(point);
  let kills = 0;
  // Restart without the crash point as soon as the process dies, the way a supervisor would.
  const restarted = (async () => {
    const { signal } = await emu.exited;
    assert(signal === 'SIGKILL', `the emulator died by ${signal}, not at its crash point`);
    kills += 1;
    await emu.start();
  })();
  const c = await clients(emu);
  const id = await c.sender.initialize(meta(`crash-${point}.bin`));
  const blob = await openAsBlob(source.path);
  const up = c.sender.startUpload(id, blob, { chunkSize: 4 * MIB, parallel, resumeStore: false, retries: 30 });
  const result = await up.done;
  await restarted;
  assert(kills === 1, `${point}: the emulator was killed ${kills} times`);
  assert(result.size === size && result.parts === parallel, `${point}: ${JSON.stringify(result)}`);
  await verifyDownload(c, id, size, source.md5);
  log(`${point}: killed and restarted once, upload finished, ${size} bytes byte-exact`);
  await emu.stop();
  rmSync(emu.dataDir, { recursive: true, force: true });
}
rmSync(dir, { recursive: true, force: true });
