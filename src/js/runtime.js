// Small probes of the JavaScript runtime the client runs in, kept in JS because they test JS features.

/**
 * Whether `fetch` in this runtime can send a `ReadableStream` request body. Two capabilities, probed on a
 * `Request` (nothing is sent):
 * - the body stays a stream: Firefox turns it into the text "[object ReadableStream]" (and so gives the request a
 *   `text/plain` Content-Type); every runtime that can stream leaves Content-Type unset;
 * - the runtime sends it: a browser that implements streaming uploads reads the `duplex` member (the fetch
 *   standard requires `duplex: 'half'` with a stream body; Chromium and Node/undici read it). workerd and Deno
 *   do not read `duplex` at all, yet always send a stream body (chunked) — so a server runtime needs only the
 *   first capability. Safari keeps the stream but rejects it at `fetch`, and it reads no `duplex`: refused.
 */
export function requestStreamsSupported() {
  let duplexRead = false;
  let keptAsStream;
  try {
    keptAsStream = !new Request('http://127.0.0.1/', {
      body: new ReadableStream(),
      method: 'POST',
      get duplex() { duplexRead = true; return 'half'; },
    }).headers.has('Content-Type');
  } catch {
    return false;
  }
  return keptAsStream && (duplexRead || isServerRuntime());
}

/**
 * Whether `fetch` here takes `redirect: 'error'`. workerd refuses it ("won't be implemented since it does not make
 * sense at the edge"); Node, Deno and the browsers take it.
 */
export function redirectErrorSupported() {
  try {
    new Request('http://127.0.0.1/', { redirect: 'error' });
    return true;
  } catch {
    return false;
  }
}

/** A server-side runtime (Node, Deno, Bun, workerd) rather than a browser page or browser worker. */
export function isServerRuntime() {
  const g = globalThis;
  return Boolean(
    (g.process && g.process.versions && g.process.versions.node) ||
      g.Deno ||
      g.Bun ||
      (g.navigator && g.navigator.userAgent === 'Cloudflare-Workers'),
  );
}

/** `Date.now()`, in one place so the Rust side needs no binding per runtime. */
export function nowMs() { return Date.now(); }

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `value` is a thenable (a Promise or a Promise-like object from another realm). */
export function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';
}
