// The counting request body of a streamed upload, in JS so that a chunk goes from the source to `fetch` without
// crossing into wasm. Through wasm-streams every 64 KiB chunk cost two promise hops and a closure into and out of
// wasm (about 16 µs of client CPU per chunk: `upload` of a 1 GiB Blob ran at 0.6× a raw fetch of the Blob, 0.53×
// with the MD5); a JS pull stream in between runs at raw fetch speed (1.05× in the same alternating rounds). A chunk
// enters wasm only when it is hashed, through one synchronous call.

// setTimeout fires at once for a delay above 2^31 - 1 ms; a longer stall timeout is checked again then.
const later = (ms) => Math.min(ms, 2 ** 31 - 1);

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
  // When the runtime took the last chunk; null while the source is read, and once the body is over.
  let since = null;
  let timer = null;
  let over = false;

  function check() {
    timer = null;
    if (over || since === null) return;
    const idle = Date.now() - since;
    if (idle >= hooks.stallMs) {
      stop();
      hooks.stall();
    } else {
      timer = setTimeout(check, later(hooks.stallMs - idle));
    }
  }
  function stop() {
    over = true;
    since = null;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }
  function cancel(reason) {
    if (tally.ended) return;
    stop();
    reader.cancel(reason).catch(() => {});
  }
  function report() {
    if (!hooks.progress) return;
    try {
      hooks.progress({ phase: 'upload', loaded: tally.bytes, total: hooks.total ?? null });
    } catch {
      // A throwing progress callback must not fail the upload.
    }
  }

  report();
  const stream = new ReadableStream(
    {
      async pull(controller) {
        // The runtime asked for more: what it had was sent.
        since = null;
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
        report();
        if (hooks.stallMs > 0) {
          since = Date.now();
          if (timer === null) timer = setTimeout(check, later(hooks.stallMs));
        }
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
