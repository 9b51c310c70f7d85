// `BrokerClient.watch`: one transfer's status changes, merged from an event feed (pushed to a webhook or polled,
// events-auth §1.5/§1.6) and from polling the overview with backoff. Events come neither in order nor exactly once
// (§1.5), so every candidate status goes through one rule: it is yielded only when the state machine can move
// there from the status yielded last (`rules.later`, core's transitions) — a repeated or late event is absorbed,
// and the watch never goes back. An event whose type announces no one status (a recipient's `downloadconfirmed`;
// `fileneverconfirmeddownloaded`, sent on a purge and on a malware failure alike) makes the watch read the overview
// at once. It ends after a terminal status (`rules.terminal`).
import { abortableSleep } from './event_pages.js';

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
