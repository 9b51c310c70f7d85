// The byte streams between a transfer and `fetch`, in JS so that a chunk goes from its source to its sink without
// crossing into wasm. A chunk enters wasm only to be hashed, through one synchronous call; the decisions stay in
// Rust (src/upload/body.rs, src/download/mod.rs).
//
// Upload (`countingBody`): through wasm-streams every 64 KiB chunk cost two promise hops and a closure into and out
// of wasm (about 16 µs of client CPU per chunk: `upload` of a 1 GiB Blob ran at 0.6× a raw fetch of the Blob, 0.53×
// with the MD5); a JS pull stream in between runs at raw fetch speed (1.05× in the same alternating rounds).
// Download (`downloadStream`): through wasm-streams (a Rust reader, then a Rust stream back to JS) every chunk cost
// two promise chains into and out of wasm, and a drained 1 GiB download ran at 0.77× a raw fetch body.

// setTimeout fires at once for a delay above 2^31 - 1 ms; a longer stall timeout is checked again then.
const later = (ms) => Math.min(ms, 2 ** 31 - 1);

/**
 * A stall timer: `onStall` is called once the timer has stayed armed for `ms` (never unless `ms > 0`). `arm()`
 * starts the wait unless one runs, `disarm()` ends it (the bytes moved), `stop()` ends the timer for good.
 */
function stallTimer(ms, onStall) {
  let since = null;
  let timer = null;
  let over = false;
  function check() {
    timer = null;
    if (over || since === null) return;
    const idle = Date.now() - since;
    if (idle >= ms) onStall();
    else timer = setTimeout(check, later(ms - idle));
  }
  return {
    arm() {
      if (!(ms > 0) || over) return;
      since = Date.now();
      if (timer === null) timer = setTimeout(check, later(ms));
    },
    disarm() {
      since = null;
    },
    stop() {
      over = true;
      since = null;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Tells the caller's `onProgress` (`hooks.progress`, optional) `{ phase, loaded, total }`. */
function reporter(hooks, phase) {
  return (loaded) => {
    if (!hooks.progress) return;
    try {
      hooks.progress({ phase, loaded, total: hooks.total ?? null });
    } catch {
      // A throwing progress callback must not fail the transfer.
    }
  };
}

/** How often `hashBlob` reports: a Blob stream comes in 64 KiB chunks in Node, which would be ~16,000 progress
 * events per GiB for a UI to draw; every 4 MiB is 256 (what the former 4 MiB slices gave). */
const HASH_REPORT_BYTES = 4 * 1024 * 1024;

/** A runtime's way to hash a Blob off the JS thread (`{ minBytes, hash(blob, signal, report) }`; `hash` resolves
 * `null` when it cannot start, and the Blob is hashed here, as after a failure it marks `hashingWorker`),
 * installed by its entry: only Node's (src/runtimes/node/hash.js says why). */
let offThread = null;

/** Installs (or, with `null`, removes) the off-thread hasher `hashBlob` uses for Blobs of `minBytes` or more;
 * returns the one it replaces. */
export function useOffThreadHasher(hasher) {
  const before = offThread;
  offThread = hasher;
  return before;
}

/**
 * Reads `blob` once, front to back, handing each chunk to `hooks.chunk(bytes)` (the MD5, in wasm) and telling the
 * caller's `hooks.progress` (optional) `{ phase: 'hash', loaded, total }` at the start, after every 4 MiB or more,
 * and at the end.
 * Resolves `{ loaded }` (the bytes read); stops early (resolving) once `signal` aborted, for the caller to say why.
 * Rejects when the Blob cannot be read (a file changed on disk). With an off-thread hasher installed and a Blob of
 * its `minBytes` or more, that hasher reads and hashes it instead and resolves `{ loaded, md5 }` (lower-case hex):
 * `hooks.chunk` is then never called.
 *
 * Through `blob.stream()`, not slices: reading a file-backed Blob costs Node's JS thread more CPU than the MD5
 * leaves room for, and the stream costs it least (1 GiB read, no hashing: `blob.stream()` 0.67-0.81 s of CPU,
 * 4 MiB slices' `arrayBuffer()` 0.89-1.11 s, `fs.createReadStream` 0.33-0.42 s). Its own pull asks for the next
 * 64 KiB as it hands one over, so the disk read runs while the chunk is hashed. Hashing 1 GiB, alternating
 * rounds on a loaded 2-core machine, medians: this way 2.85 s, 4 MiB slices one ahead (before) 2.98 s, two 2 MiB
 * slices ahead 3.27 s; node:crypto over `fs.createReadStream` 2.14 s. Headless Chromium, a disk-backed File of
 * 256 MiB, 5 rounds: this way 0.93 s, 4 MiB slices one ahead 1.14 s.
 */
export async function hashBlob(blob, signal, hooks) {
  let progress = throttled(reporter(hooks, 'hash'), HASH_REPORT_BYTES);
  if (offThread && blob.size >= offThread.minBytes) {
    let live = true;
    const out = await offThread
      .hash(blob, signal, (n) => {
        // A failed worker's messages may still arrive: they are not this hash's progress any more.
        if (live) progress.at(n);
      })
      .catch((e) => {
        if (e?.hashingWorker && !signal.aborted) return 'failed';
        throw e;
      });
    live = false;
    if (out === 'failed') {
      // The worker failed, not the Blob: hash it here, from the start, and its progress starts over at 0.
      progress = throttled(reporter(hooks, 'hash'), HASH_REPORT_BYTES);
    } else if (out !== null) {
      if (out.md5 !== undefined) progress.end(out.loaded);
      return out;
    }
    // `null`: no worker could start, nothing was read; the progress goes on from its 0.
  }
  let loaded = 0;
  const reader = blob.stream().getReader();
  for (;;) {
    if (signal.aborted) {
      reader.cancel().catch(() => {});
      return { loaded };
    }
    const { done, value } = await reader.read();
    if (done) {
      progress.end(loaded);
      return { loaded };
    }
    hooks.chunk(value);
    loaded += value.byteLength;
    progress.at(loaded);
  }
}

/** `report(loaded)` at 0 (now), then once `loaded` has grown by `every` bytes or more since the last report
 * (`at`), and at the end unless that was the last figure reported (`end`). */
function throttled(report, every) {
  let reported = 0;
  report(0);
  return {
    at(loaded) {
      if (loaded - reported >= every) {
        report(loaded);
        reported = loaded;
      }
    },
    end(loaded) {
      if (loaded !== reported) report(loaded);
      reported = loaded;
    },
  };
}

/**
 * Wraps `source` (a `ReadableStream<Uint8Array>`) into a stream for `fetch` that counts the bytes as the runtime
 * pulls them. `hooks`:
 * - `chunk(bytes)`: called with each chunk before it is handed on (the MD5, in wasm); optional;
 * - `progress(event)`, `total`: the caller's `onProgress`, told `{ phase: 'upload', loaded, total }` at the start and
 *   after each chunk; optional;
 * - `stallMs`, `stall()`: `stall` is called once when the runtime holds a chunk for `stallMs` without pulling the
 *   next (the time between two pulls is time spent sending: a pull that does not come is a stalled connection);
 *   the time spent reading the source does not count;
 * - `end()`: the source ended, so the whole body went to the runtime.
 * Returns `{ stream, tally }`; `tally.bytes` counts the bytes handed on, `tally.failure` is the source's error
 * (`tally.notBytes` when it gave a chunk that is not a `Uint8Array`), `tally.ended` is set at the end and
 * `tally.cancel()` cancels a source not read to its end (runtimes differ in whether an aborted `fetch` cancels its
 * body). Throws when `source` is locked.
 */
export function countingBody(source, hooks) {
  const reader = source.getReader();
  const tally = { bytes: 0, ended: false, failed: false, failure: undefined, notBytes: false, cancel };
  let over = false;
  // Armed when the runtime took a chunk, disarmed when it pulls the next.
  const watch = stallTimer(hooks.stallMs, () => {
    stop();
    hooks.stall();
  });
  function stop() {
    over = true;
    watch.stop();
  }
  function cancel(reason) {
    if (tally.ended) return;
    stop();
    reader.cancel(reason).catch(() => {});
  }
  const report = reporter(hooks, 'upload');

  report(0);
  const stream = new ReadableStream(
    {
      async pull(controller) {
        // The runtime asked for more: what it had was sent.
        watch.disarm();
        let r;
        try {
          r = await reader.read();
        } catch (e) {
          stop();
          tally.failed = true;
          tally.failure = e;
          controller.error(e);
          return;
        }
        if (over) return;
        if (r.done) {
          stop();
          tally.ended = true;
          controller.close();
          hooks.end();
          return;
        }
        const chunk = r.value;
        if (!(chunk instanceof Uint8Array)) {
          tally.failed = true;
          tally.notBytes = true;
          tally.failure = chunk;
          cancel();
          controller.error(new TypeError('the upload stream must yield Uint8Array chunks'));
          return;
        }
        if (hooks.chunk) hooks.chunk(chunk);
        tally.bytes += chunk.byteLength;
        report(tally.bytes);
        watch.arm();
        controller.enqueue(chunk);
      },
      cancel(reason) {
        cancel(reason);
      },
    },
    // Pull one chunk at a time, only when the runtime asks: the stall timer measures the runtime's sending.
    { highWaterMark: 0 },
  );
  return { stream, tally };
}

/**
 * `body`: the response body (`null` for none); `pump`: the Rust side (`chunk`, `stall`, `failed`, `finish`,
 * `notBytes`, `cancel`, `free`); `hooks`: `{ hash, progress, total, stallMs }` — `progress` is the caller's
 * `onProgress`, told `{ phase: 'download', loaded, total }` at the start and after each chunk.
 * The stall timer runs only while a read of the body is pending (network time): a slow consumer never counts,
 * as the stream reads only when the consumer asks (highWaterMark 0).
 */
export function downloadStream(body, pump, hooks) {
  let reader = body ? body.getReader() : null;
  let received = 0;
  let over = false;
  // Armed while a read of the body is pending. On a stall the request's signal fires; the pending read fails, and
  // `failed` resumes or reports the stall.
  const watch = stallTimer(hooks.stallMs, () => pump.stall());
  function done() {
    over = true;
    watch.stop();
    pump.free();
  }
  const report = reporter(hooks, 'download');

  report(0);
  return new ReadableStream(
    {
      async pull(controller) {
        for (;;) {
          let r;
          let error;
          let failed = false;
          if (reader === null) {
            r = { done: true };
          } else {
            watch.arm();
            try {
              r = await reader.read();
            } catch (e) {
              failed = true;
              error = e;
            }
            watch.disarm();
          }
          if (over) return;
          if (!failed && !r.done) {
            const chunk = r.value;
            if (!(chunk instanceof Uint8Array)) {
              const e = pump.notBytes(chunk);
              done();
              reader.cancel().catch(() => {});
              controller.error(e);
              return;
            }
            if (hooks.hash) pump.chunk(chunk);
            received += chunk.byteLength;
            report(received);
            controller.enqueue(chunk);
            return;
          }
          if (!failed && (hooks.total == null || received >= hooks.total)) {
            const e = pump.finish(received);
            done();
            if (e === undefined) controller.close();
            else controller.error(e);
            return;
          }
          // Cut by the network, stalled, or ended before its length: the pump continues with a ranged request
          // (its promise gives the new body) or rejects with the error to surface.
          try {
            const next = await pump.failed(failed ? error : undefined, received);
            if (over) {
              next.cancel().catch(() => {});
              return;
            }
            reader = next.getReader();
          } catch (e) {
            if (over) return;
            done();
            controller.error(e);
            return;
          }
        }
      },
      cancel(reason) {
        if (over) return;
        const r = reader;
        pump.cancel();
        done();
        if (r) r.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
