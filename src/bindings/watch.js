// `BrokerClient.watch`: one transfer's status changes, merged from an event feed (pushed to a webhook or polled,
// events-auth §1.5/§1.6) and from polling the overview with backoff. Events come neither in order nor exactly once
// (§1.5), so every candidate status goes through one rule: it is yielded only when the state machine can move
// there from the status yielded last (`rules.later`, core's transitions) — a repeated or late event is absorbed,
// and the watch never goes back. An event whose type announces no one status (a recipient's `downloadconfirmed`;
// `fileneverconfirmeddownloaded`, sent on a purge and on a malware failure alike) makes the watch read the overview
// at once. It ends after a terminal status (`rules.terminal`).
import { abortableSleep } from './event_pages.js';
import { TimeoutError, TransferFailedError } from './errors.js';

function number(options, name, fallback) {
  const v = options[name] ?? fallback;
  if (typeof v !== 'number' || !(v >= 0)) throw new TypeError(`\`${name}\` must be a non-negative number`);
  return v;
}

/** A timer that can be dropped without leaving an abort listener behind. */
function timer(ms, signal) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const done = abortableSleep(ms, controller.signal).then(() => ({ kind: 'timer' }), (e) => {
    if (signal?.aborted) throw e;
    return { kind: 'dropped' };
  });
  return {
    done,
    drop() {
      signal?.removeEventListener('abort', onAbort);
      controller.abort();
    },
  };
}

function sameId(a, b) {
  return typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
}

async function* watch(client, fileTransferId, options, rules) {
  const o = options ?? {};
  const signal = o.signal;
  let feed = o.events == null ? null : o.events[Symbol.asyncIterator]();
  const first = number(o, 'pollIntervalMs', feed ? 5_000 : 1_000);
  const max = Math.max(first, number(o, 'maxPollIntervalMs', feed ? 60_000 : 30_000));
  const terminal = new Set(rules.terminal);
  let current = null;
  let interval = first;
  /** The feed's `next()` in flight: asked once, kept across timer rounds. */
  let pending = null;

  const isLater = (status) => current === null ? true : rules.later[current]?.includes(status) === true;
  const change = (status, source, event, overview) => {
    const c = { fileTransferId, status, previous: current, source, event, overview };
    current = status;
    interval = first;
    return c;
  };

  try {
    let pollNow = true;
    for (;;) {
      if (pollNow) {
        pollNow = false;
        const overview = await client.overview(fileTransferId, { signal });
        const status = overview.fileTransferStatus;
        if (isLater(status)) {
          yield change(status, 'poll', null, overview);
          if (terminal.has(status)) return;
        } else {
          interval = Math.min(interval * 1.5, max);
        }
      }
      const t = timer(interval, signal);
      if (feed && !pending) pending = feed.next().then((r) => ({ kind: 'event', r }));
      let won;
      try {
        won = await Promise.race(pending ? [t.done, pending] : [t.done]);
      } finally {
        t.drop();
      }
      if (won.kind === 'timer') {
        pollNow = true;
        continue;
      }
      if (won.kind !== 'event') continue;
      pending = null;
      if (won.r.done) {
        // The feed ended: polling alone from here.
        feed = null;
        continue;
      }
      const event = won.r.value;
      if (event?.kind !== 'broker' || !sameId(event.fileTransferId, fileTransferId)) continue;
      const status = rules.eventStatus[event.type];
      if (status === undefined) {
        pollNow = true;
        continue;
      }
      if (isLater(status)) {
        yield change(status, 'event', event, null);
        if (terminal.has(status)) return;
      }
    }
  } finally {
    // A `next()` left in flight must not become an unhandled rejection; the feed is told the watch is done.
    pending?.catch(() => {});
    if (feed?.return) Promise.resolve(feed.return()).catch(() => {});
  }
}

export function watchTransfer(client, fileTransferId, options, rules) {
  return watch(client, fileTransferId, options, rules);
}

/**
 * `BrokerClient.waitFor` given `events`: the wait of the polling `waitFor` (same targets, same answers) over a
 * watch, so a pushed or polled event ends it as soon as it arrives. Resolves with the overview (read once more when
 * an event showed the status, so the result is the service's, not the event's word); rejects with a
 * TransferFailedError once no target can follow (`rules.later`), a TimeoutError of kind `wait` after `timeoutMs`.
 */
export async function waitOnWatch(client, fileTransferId, target, options, rules) {
  const o = options ?? {};
  const statuses = typeof target === 'function' ? null : Array.isArray(target) ? target : [target];
  const controller = new AbortController();
  const onAbort = () => controller.abort(o.signal.reason);
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timeout = o.timeoutMs == null ? null : setTimeout(() => {
    timedOut = true;
    controller.abort('waitFor timed out');
  }, o.timeoutMs);
  const signal = controller.signal;
  try {
    const watch = watchTransfer(client, fileTransferId, {
      events: o.events, signal, pollIntervalMs: o.intervalMs ?? 200, maxPollIntervalMs: o.maxIntervalMs ?? 5_000,
    }, rules);
    let last = null;
    for await (const change of watch) {
      const overview = change.overview ?? await client.overview(fileTransferId, { signal });
      last = overview;
      if (statuses === null) {
        if (target(overview)) return overview;
        continue;
      }
      const status = overview.fileTransferStatus;
      if (statuses.includes(status)) return overview;
      if (!statuses.some((s) => rules.later[status]?.includes(s))) {
        throw new TransferFailedError(fileTransferId, status, overview.fileTransferStatusText,
          `file transfer ${fileTransferId} is ${status}: ${overview.fileTransferStatusText}`);
      }
    }
    // The watch ended at a terminal status the predicate did not accept: nothing can change any more.
    throw new TransferFailedError(fileTransferId, last.fileTransferStatus, last.fileTransferStatusText,
      `file transfer ${fileTransferId} is ${last.fileTransferStatus}: ${last.fileTransferStatusText}`);
  } catch (e) {
    if (timedOut) throw new TimeoutError('wait', o.timeoutMs, `wait timeout after ${o.timeoutMs} ms`);
    throw e;
  } finally {
    if (timeout !== null) clearTimeout(timeout);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
