// The iterators over polled events (events-auth contract §1.6) that `BrokerClient.eventPages` and `pollEvents`
// return; each page is one `client.events(...)` call, so the token, retries and typed errors are the client's.
import { AbortError } from './errors.js';

/** Resolves after `ms`; rejects with the client's AbortError as soon as `signal` aborts. */
export function abortableSleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError('The operation was aborted', signal.reason));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError('The operation was aborted', signal.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    // No `passive` member: workerd refuses `passive: true` for abort listeners.
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function readOptions(options) {
  const o = options ?? {};
  const pollIntervalMs = o.pollIntervalMs ?? 10_000;
  if (typeof pollIntervalMs !== 'number' || !(pollIntervalMs >= 0)) throw new TypeError('`pollIntervalMs` must be a non-negative number');
  return { signal: o.signal, follow: o.follow === true, pollIntervalMs };
}

async function* pages(client, query, options, maxPageSize) {
  const { signal, follow, pollIntervalMs } = readOptions(options);
  let after = query?.after;
  // The cursor at which an empty page was last looked past (once per cursor, not on every idle poll).
  let widenedAt = null;
  for (;;) {
    let page = await client.events({ ...query, after }, { signal });
    if (page.events.length === 0 && widenedAt !== after && (query.size ?? 50) < maxPageSize) {
      // §1.6: the service takes `size` events, then drops those the caller may not see, and sends no `next` for
      // an empty page — so an empty page may hide events further on, and the same `after` sees the same window
      // again. One look with the largest page the service gives reaches past such a window.
      widenedAt = after;
      page = await client.events({ ...query, after, size: maxPageSize }, { signal });
    }
    if (page.events.length > 0) {
      after = page.after ?? after;
      yield page;
      continue;
    }
    if (!follow) return;
    await abortableSleep(pollIntervalMs, signal);
  }
}

/** `BrokerClient.eventPages`: the non-empty pages from `query.after` on. */
export function eventPages(client, query, options, maxPageSize) {
  return pages(client, query, options, maxPageSize);
}

/** `BrokerClient.pollEvents`: every event from `query.after` on, polling until `signal` aborts. */
export async function* pollEvents(client, query, options, maxPageSize) {
  for await (const page of pages(client, query, { ...options, follow: true }, maxPageSize)) {
    yield* page.events;
  }
}
