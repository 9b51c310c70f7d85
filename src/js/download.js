// The stream a download hands to the caller, in JS so that a chunk goes from the response body to the caller
// without crossing into wasm: through wasm-streams (a Rust reader, then a Rust stream back to JS) every chunk cost
// two promise chains into and out of wasm, and a drained 1 GiB download ran at 0.77× a raw fetch body. A chunk
// enters wasm only to be hashed (`verify`), through one synchronous call; the decisions (resume after a cut, the
// checksum at the end, the error to surface) stay in Rust, on the `pump` (src/download/mod.rs).

// setTimeout fires at once for a delay above 2^31 - 1 ms; a longer stall timeout is checked again then.
const later = (ms) => Math.min(ms, 2 ** 31 - 1);

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
  let since = null;
  let timer = null;
  let over = false;

  function check() {
    timer = null;
    if (over || since === null) return;
    const idle = Date.now() - since;
    if (idle >= hooks.stallMs) {
      // The request's signal fires; the pending read fails, and `failed` resumes or reports the stall.
      pump.stall();
    } else {
      timer = setTimeout(check, later(hooks.stallMs - idle));
    }
  }
  function done() {
    over = true;
    since = null;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pump.free();
  }
  function report() {
    if (!hooks.progress) return;
    try {
      hooks.progress({ phase: 'download', loaded: received, total: hooks.total ?? null });
    } catch {
      // A throwing progress callback must not fail the download.
    }
  }

  report();
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
            if (hooks.stallMs > 0) {
              since = Date.now();
              if (timer === null) timer = setTimeout(check, later(hooks.stallMs));
            }
            try {
              r = await reader.read();
            } catch (e) {
              failed = true;
              error = e;
            }
            since = null;
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
            report();
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
