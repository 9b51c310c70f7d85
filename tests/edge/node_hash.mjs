// Node hashes a large Blob on a worker thread (src/runtimes/node/hash.js, installed by the package's `node` entry):
// Node reads a file-backed Blob on the JS thread, where the wasm MD5 would have to take turns with the reading.
// Against an emulator process: the entry installs the hasher; `send` of a file Blob records the MD5 node:crypto
// computes over the file, reports hashing every 4 MiB from 0 to the size; a Blob under the threshold is hashed in
// wasm with the same result; a failing worker falls back to wasm; an abort while hashing sends nothing; a file that changes while it is read is a
// ClientError before any request; without workers (Node's permission model) the wasm hashes it; and hashing 256 MiB queues at most 8 MiB for the worker (the read waits for it:
// it hashes slower than Node reads).
//
//   EMULATOR_BIN=... EDGE_PKG=$PWD/pkg node tests/edge/node_hash.mjs        (after scripts/build-pkg.sh)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openAsBlob, readdirSync, readFileSync, writeFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assert, assertEq, clientPackage, pkgDir, run } from './common.mjs';
import { MiB, RECIPIENT, RESOURCE, SENDER, startEmulator, tempDir } from './harness.mjs';

/** A file of `size` bytes that differ from MiB to MiB (a batch out of order changes the digest). */
function file(dir, name, size) {
  const path = join(dir, name);
  const out = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) out.writeUInt32LE((i * 2654435761) >>> 0, i);
  out.fill(7, size - (size % 4));
  writeFileSync(path, out);
  return { path, md5: createHash('md5').update(out).digest('hex') };
}

async function streamsModule() {
  const snippet = readdirSync(join(pkgDir, 'snippets'))[0];
  return import(pathToFileURL(join(pkgDir, 'snippets', snippet, 'src', 'js', 'streams.js')).href);
}

await run('node-hash', [
  ['the_node_entry_installs_the_worker_hasher', async (ctx) => {
    const streams = await streamsModule();
    const hash = await import(pathToFileURL(join(pkgDir, 'runtimes', 'node', 'hash.js')).href);
    const installed = streams.useOffThreadHasher(null);
    streams.useOffThreadHasher(installed);
    assert(installed?.hash === hash.hashBlobOffThread, 'the node entry installed hashBlobOffThread');
    assertEq(installed.minBytes, hash.OFF_THREAD_MIN_BYTES, 'its threshold');
    ctx.minBytes = installed.minBytes;
  }],
  ['send_records_the_md5_of_the_file_and_reports_hashing', async (ctx) => {
    const f = file(ctx.dir, 'big.bin', 64 * MiB + 12345);
    const events = [];
    const sent = await ctx.client().send(await openAsBlob(f.path), ctx.request('big.bin'), {
      onProgress: (e) => { if (e.phase === 'hash') events.push(e.loaded); },
    });
    assertEq(sent.checksum, f.md5, 'the checksum send reports');
    const o = await ctx.client().overview(sent.fileTransferId);
    assertEq(o.checksum, f.md5, 'the checksum the service recorded');
    assertEq(o.fileTransferStatus, 'Published', 'status');
    assertEq(events[0], 0, 'the first hash event');
    assertEq(events.at(-1), 64 * MiB + 12345, 'the last hash event');
    assert(events.every((n, i) => i === 0 || n > events[i - 1]), `hash events grow: ${events.join(',')}`);
    // Every 4 MiB (the worker acknowledges 1 MiB batches): 16 steps, the start and the end.
    assert(events.length >= 17 && events.length <= 19, `hash events: ${events.length}`);
  }],
  ['a_blob_under_the_threshold_is_hashed_in_wasm_the_same', async (ctx) => {
    // The installed hasher, wrapped to count its calls: none for the small Blob, one for one at the threshold.
    const streams = await streamsModule();
    const installed = streams.useOffThreadHasher(null);
    let calls = 0;
    streams.useOffThreadHasher({ ...installed, hash: (...a) => { calls += 1; return installed.hash(...a); } });
    try {
      const f = file(ctx.dir, 'small.bin', ctx.minBytes - 1);
      const { fileTransferId } = await ctx.client().send(await openAsBlob(f.path), ctx.request('small.bin'));
      assertEq((await ctx.client().overview(fileTransferId)).checksum, f.md5, 'the checksum the service recorded');
      assertEq(calls, 0, 'worker hashes for a Blob under the threshold');
      const g = file(ctx.dir, 'threshold.bin', ctx.minBytes);
      assertEq((await ctx.client().send(await openAsBlob(g.path), ctx.request('threshold.bin'))).checksum, g.md5, 'at the threshold');
      assertEq(calls, 1, 'worker hashes for a Blob at the threshold');
    } finally {
      streams.useOffThreadHasher(installed);
    }
  }],
  ['a_failing_worker_falls_back_to_wasm_and_a_failing_read_does_not', async (ctx) => {
    const streams = await streamsModule();
    const f = file(ctx.dir, 'fallback.bin', 10 * MiB);
    const failing = (marked) => ({
      minBytes: 0,
      // A worker that got half-way (and said so) before it failed.
      hash: async (blob, signal, report) => {
        report(blob.size / 2, 0);
        // A message the failed worker still sends: not progress of the wasm's pass, which must not show it.
        setTimeout(() => report(blob.size + MiB, 0), 0);
        throw Object.assign(new Error('the worker went away'), marked ? { hashingWorker: true } : {});
      },
    });
    const installed = streams.useOffThreadHasher(failing(true));
    try {
      const hashed = [];
      const sent = await ctx.client().send(await openAsBlob(f.path), ctx.request('fallback.bin'), {
        onProgress: (e) => { if (e.phase === 'hash') hashed.push(e.loaded); },
      });
      assertEq(sent.checksum, f.md5, 'hashed in wasm after the worker failed');
      // The worker's report (past the 4 MiB step), then the wasm's, from 0 again, rising to the end.
      assertEq(JSON.stringify(hashed.slice(0, 3)), JSON.stringify([0, 5 * MiB, 0]), `the hash progress starts over (${hashed})`);
      assertEq(hashed.at(-1), 10 * MiB, `and ends at the size (${hashed})`);
      assert(hashed.slice(2).every((v, i, a) => i === 0 || v > a[i - 1]), `and rises (${hashed})`);
      streams.useOffThreadHasher(failing(false));
      const e = await ctx.client().send(await openAsBlob(f.path), ctx.request('fallback.bin')).then(() => null, (x) => x);
      assertEq(e?.name, 'ClientError', `an unmarked failure (a read error) rejects (${e})`);
      assertEq(e.cause?.message, 'the worker went away', 'with it as the cause');
    } finally {
      streams.useOffThreadHasher(installed);
    }
  }],
  ['without_workers_the_wasm_hashes_it', async (ctx) => {
    // Node's permission model refuses workers unless allowed (--allow-worker): the hasher answers null and the
    // Blob is hashed in wasm, with the same result.
    const f = file(ctx.dir, 'no-workers.bin', ctx.minBytes + 1);
    const major = Number(process.versions.node.split('.')[0]);
    const flag = major >= 23 ? '--permission' : '--experimental-permission';
    const code = `
      const { BrokerClient } = await import(${JSON.stringify(pathToFileURL(join(pkgDir, 'node.js')).href)});
      const { hashBlobOffThread } = await import(${JSON.stringify(pathToFileURL(join(pkgDir, 'runtimes', 'node', 'hash.js')).href)});
      const { openAsBlob } = await import('node:fs');
      const blob = await openAsBlob(${JSON.stringify(f.path)});
      const off = await hashBlobOffThread(blob, new AbortController().signal, () => {});
      const client = new BrokerClient({ baseUrl: ${JSON.stringify(ctx.emulator.url)}, token: () => ${JSON.stringify(ctx.token)} });
      const hashed = [];
      const sent = await client.send(blob, ${JSON.stringify(ctx.request('no-workers.bin'))}, {
        onProgress: (e) => { if (e.phase === 'hash') hashed.push(e.loaded); },
      });
      console.log(JSON.stringify({ off, checksum: sent.checksum, hashed }));`;
    const out = execFileSync(process.execPath, [flag, '--allow-fs-read=*', '--no-warnings', '--input-type=module', '-e', code], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop());
    assertEq(r.off, null, 'the off-thread hasher without workers');
    assertEq(r.checksum, f.md5, 'the checksum send reports');
    // The same progress as where the wasm hashes from the start: one 0, then up to the size.
    assertEq(r.hashed.filter((v) => v === 0).length, 1, `one 0 (${r.hashed})`);
    assertEq(r.hashed.at(-1), ctx.minBytes + 1, `and the size at the end (${r.hashed})`);
  }],
  ['an_abort_while_hashing_sends_nothing', async (ctx) => {
    const f = file(ctx.dir, 'abort.bin', 128 * MiB);
    const requests = [];
    const client = ctx.client((url, init) => { requests.push(url); return fetch(url, init); });
    const controller = new AbortController();
    let hashed = 0;
    const error = await client.send(await openAsBlob(f.path), ctx.request('abort.bin'), {
      signal: controller.signal,
      onProgress: (e) => { if (e.phase === 'hash' && e.loaded > 0) { hashed = e.loaded; controller.abort(); } },
    }).then(() => null, (e) => e);
    assertEq(error?.name, 'AbortError', `the rejection (${error})`);
    assert(hashed > 0 && hashed < 128 * MiB, `aborted part-way (${hashed} bytes hashed)`);
    assertEq(requests.length, 0, `requests sent: ${requests.join(' ')}`);
  }],
  ['a_file_that_changes_while_it_is_read_is_a_client_error', async (ctx) => {
    const f = file(ctx.dir, 'changing.bin', 64 * MiB);
    const requests = [];
    const client = ctx.client((url, init) => { requests.push(url); return fetch(url, init); });
    const blob = await openAsBlob(f.path);
    let cut = false;
    const error = await client.send(blob, ctx.request('changing.bin'), {
      onProgress: (e) => { if (e.phase === 'hash' && e.loaded > 0 && !cut) { cut = true; truncateSync(f.path, MiB); } },
    }).then(() => null, (e) => e);
    assertEq(error?.name, 'ClientError', `the rejection (${error})`);
    assert(error.cause !== undefined, 'the read error is its cause');
    assertEq(requests.length, 0, `requests sent: ${requests.join(' ')}`);
  }],
  ['hashing_256_mib_queues_at_most_8_mib_for_the_worker', async (ctx) => {
    const { hashBlobOffThread } = await import(pathToFileURL(join(pkgDir, 'runtimes', 'node', 'hash.js')).href);
    const f = file(ctx.dir, 'memory.bin', 256 * MiB);
    const blob = await openAsBlob(f.path);
    let reports = 0;
    let waiting = 0;
    const out = await hashBlobOffThread(blob, new AbortController().signal, (_, w) => {
      reports += 1;
      waiting = Math.max(waiting, w);
    });
    assertEq(out.md5, f.md5, 'the digest');
    assertEq(out.loaded, 256 * MiB, 'bytes hashed');
    assertEq(reports, 256, 'one report per 1 MiB batch');
    // The read stops while more than 8 MiB waits for the worker (a batch more may be posted as it stops);
    // unbounded, the read (about twice the MD5's speed) would leave ~128 MiB queued.
    assert(waiting <= 9 * MiB, `at most ${(waiting / MiB).toFixed(1)} MiB waited for the worker (bound 9)`);
    // An in-memory Blob may come as one chunk: the bound holds within a chunk too.
    let whole = 0;
    const mem = await hashBlobOffThread(new Blob([readFileSync(f.path)]), new AbortController().signal, (_, w) => {
      whole = Math.max(whole, w);
    });
    assertEq(mem.md5, f.md5, 'the digest of the in-memory Blob');
    assert(whole <= 9 * MiB, `at most ${(whole / MiB).toFixed(1)} MiB waited for the worker, in memory (bound 9)`);
    rmSync(f.path);
  }],
], {
  async setup() {
    const emulator = await startEmulator();
    const { BrokerClient } = await clientPackage();
    const q = new URLSearchParams({ env: 'tt02', orgNo: SENDER, scopes: 'altinn:broker.write altinn:broker.read' });
    const token = await (await fetch(`${emulator.url}/api/GetEnterpriseToken?${q}`)).text();
    let n = 0;
    return {
      emulator,
      token,
      dir: tempDir('edge-node-hash-'),
      client: (fetchImpl) => new BrokerClient({ baseUrl: emulator.url, token: () => token, ...(fetchImpl ? { fetch: fetchImpl } : {}) }),
      request: (fileName) => ({
        fileName,
        resourceId: RESOURCE,
        sendersFileTransferReference: `node-hash-${process.pid}-${++n}`,
        sender: `0192:${SENDER}`,
        recipients: [`0192:${RECIPIENT}`],
      }),
    };
  },
  async teardown(ctx) {
    await ctx.emulator.stop();
    rmSync(ctx.dir, { recursive: true, force: true });
  },
});
