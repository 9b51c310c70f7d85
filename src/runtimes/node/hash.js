// Node only: the MD5 of a Blob hashed on a worker thread, for `send` and `upload`'s hash-first path (installed by
// the package's `node` entry through streams.js `useOffThreadHasher`; no other runtime loads this file).
//
// Why: Node reads a file-backed Blob (`fs.openAsBlob`) on the JS thread, 64 KiB at a time, and the wasm MD5 runs on
// that thread too, so reading and hashing take turns: 1 GiB took 3.0–4.2 s against node:crypto over
// `fs.createReadStream`'s 2.05 s (whose reads run on libuv's threads). Node refuses to post a file-backed Blob to a
// worker (ERR_INVALID_STATE: "File-backed Blobs are not cloneable"), so the JS thread keeps reading and hands 1 MiB
// batches (transferred, not copied) to a worker, which hashes them with node:crypto (OpenSSL's assembly MD5, the
// fastest here): 2.2–2.4 s per GiB measured the same way. The digest is the same MD5 the wasm computes; only where
// it runs differs.
import { Worker } from 'node:worker_threads';

/** Batches handed to the worker. */
const BATCH = 1 << 20;
/** Bytes posted and not yet hashed before the read waits (so at most this and one batch): memory stays flat. */
const IN_FLIGHT = 8 * BATCH;
/** Below this the worker's start (tens of ms) costs more than it saves: the wasm hashes on the JS thread. */
export const OFF_THREAD_MIN_BYTES = 16 * BATCH;

// The worker: hashes each batch, acknowledges it (the read's back-pressure and the progress count), and answers
// the digest when told the Blob ended. CommonJS, as `eval: true` runs it.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const md5 = require('node:crypto').createHash('md5');
parentPort.on('message', (batch) => {
  if (batch === null) {
    parentPort.postMessage({ md5: md5.digest('hex') });
    return;
  }
  md5.update(new Uint8Array(batch));
  parentPort.postMessage({ hashed: batch.byteLength });
});`;

/**
 * Reads `blob` once, front to back, and hashes it on a worker. `report(loaded, waiting)` is called after each
 * batch with the bytes hashed so far and those posted but not yet hashed (the caller throttles it). Resolves `{ loaded, md5 }` (lower-case hex), or `{ loaded }` without `md5` once
 * `signal` aborted (the caller says why), or `null` without reading when no worker can be started (the caller
 * then hashes on its own thread); rejects when the Blob cannot be read, or when the worker fails with an error
 * marked `hashingWorker: true` (the caller then hashes on its own thread). The worker is stopped
 * however it ends.
 */
export async function hashBlobOffThread(blob, signal, report) {
  let worker;
  try {
    worker = new Worker(WORKER, { eval: true });
  } catch {
    // Workers refused (Node's permission model without --allow-worker, say): the wasm hashes on the JS thread.
    return null;
  }
  let hashed = 0;
  let posted = 0;
  let failure = null;
  let wake = null;
  let digest = null;
  const settle = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on('message', (m) => {
    if (typeof m.md5 === 'string') digest = m.md5;
    else {
      hashed += m.hashed;
      report(hashed, posted - hashed);
    }
    settle();
  });
  // A failure of the worker (not of the Blob) is marked, so the caller hashes on its own thread instead.
  const workerFailed = (e) => {
    failure ??= Object.assign(e instanceof Error ? e : new Error(String(e)), { hashingWorker: true });
    settle();
  };
  worker.on('error', workerFailed);
  worker.on('messageerror', workerFailed);
  worker.on('exit', (code) => {
    if (digest === null) workerFailed(new Error(`the hashing worker stopped (exit code ${code})`));
  });
  // Resolves at the worker's next message (or failure), or when the signal aborts.
  const next = () => new Promise((resolve) => {
    wake = resolve;
  });
  const onAbort = () => settle();
  signal.addEventListener('abort', onAbort, { once: true });
  const reader = blob.stream().getReader();
  try {
    let batch = new Uint8Array(BATCH);
    let filled = 0;
    const post = (bytes) => {
      posted += bytes.byteLength;
      worker.postMessage(bytes.buffer, [bytes.buffer]);
    };
    // Waits while more than IN_FLIGHT waits for the worker; false when the loop must stop (failure or abort).
    const room = async () => {
      while (posted - hashed > IN_FLIGHT && !failure && !signal.aborted) await next();
      if (failure) throw failure;
      return !signal.aborted;
    };
    const aborted = () => {
      reader.cancel().catch(() => {});
      return { loaded: hashed };
    };
    for (;;) {
      if (!(await room())) return aborted();
      const { done, value } = await reader.read();
      if (done) break;
      // Copied into the batch: a stream's chunk may be a view of a larger buffer, which cannot be transferred.
      for (let at = 0; at < value.byteLength;) {
        const n = Math.min(BATCH - filled, value.byteLength - at);
        batch.set(value.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === BATCH) {
          post(batch);
          batch = new Uint8Array(BATCH);
          filled = 0;
          // A large chunk (an in-memory Blob may come whole) fills many batches: the bound holds within it too.
          if (!(await room())) return aborted();
        }
      }
    }
    if (filled) post(batch.slice(0, filled));
    worker.postMessage(null);
    while (digest === null && !failure && !signal.aborted) await next();
    if (digest !== null) return { loaded: hashed, md5: digest };
    if (failure) throw failure;
    return { loaded: hashed };
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
    worker.terminate().catch(() => {});
  }
}
