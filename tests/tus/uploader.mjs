// One uploading process of process_restart.mjs: `start` begins an upload with a file resume store and reports
// progress until it is killed; `resume` finds the interrupted upload in the same store and finishes it.
// Usage: node uploader.mjs start|resume <emulatorUrl> <file> <storeDir>
import { openAsBlob } from 'node:fs';
import { MIB, clientPackage, meta, tokens, SENDER } from './harness.mjs';

const [mode, url, file, storeDir] = process.argv.slice(2);
const { BrokerClient, fileResumeStore } = await clientPackage();
const emulator = { url };
const client = new BrokerClient({ baseUrl: url, token: tokens(emulator, SENDER, 'altinn:broker.write').fn, retry: { baseDelayMs: 50 } });
const store = fileResumeStore(storeDir);
const blob = await openAsBlob(file);
const say = (...a) => console.log(...a);

if (mode === 'start') {
  const id = await client.initialize(meta('process-restart.bin'));
  say('id', id);
  const up = client.startUpload(id, blob, { chunkSize: MIB, resumeStore: store, onProgress: (p) => say('progress', p.loaded) });
  await up.done;
  say('done', id);
} else {
  const found = await client.findResumableUploads(blob, { store });
  say('found', found.length, found.map((r) => r.fileTransferId).join(','));
  let first = null;
  const up = await client.resume(found[0], blob, {
    resumeStore: store,
    onProgress: (p) => {
      if (first === null) {
        first = p.loaded;
        say('resumed-from', p.loaded);
      }
    },
  });
  const r = await up.done;
  say('done', r.fileTransferId);
  say('left', (await client.findResumableUploads(blob, { store })).length);
}
