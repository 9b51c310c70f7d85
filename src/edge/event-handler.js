// createEventHandler: a fetch-style webhook `(request) => Promise<Response>` for Altinn Events pushes (events-auth
// contract §1.4, §1.5), for workerd, Deno and Node alike.
//
// What the service does, and what the handler does about it:
// - every new subscription is validated by one POST of `platform.events.validatesubscription`; any 2xx validates
//   it (§1.4): answered 200 at once, nothing else done;
// - pushes are `application/json` (not `cloudevents+json`), unsigned and unauthenticated (§1.5): anyone who finds
//   the URL can post, so `verify` reads the transfer's overview with the caller's own client before `onEvent`;
// - delivery is neither ordered nor exactly-once, and a non-2xx answer (or 45 s without one) is retried on a
//   schedule of up to 12 attempts over about 35 hours (§1.5): duplicates are dropped by CloudEvent `id` (kept 36 h
//   by default), and the answer comes fast — with `waitUntil` (workerd's `ctx.waitUntil`) right after the checks,
//   the work running after it; without, after `onEvent` (a failure then answers 500, so the service tries again).
import { parseEvent } from '../altinn_broker_client.js';
import { problem } from './problem.js';

/** A Broker CloudEvent is a few hundred bytes; anything this large is not one. */
const MAX_BODY_BYTES = 64 * 1024;
/** The delivery retries of §1.5 span about 34 h 47 min; an id is remembered a little longer. */
const DEFAULT_SEEN_TTL_MS = 36 * 60 * 60 * 1000;
const DEFAULT_SEEN_MAX = 10_000;

/**
 * The default seen-store: the ids of the last `max` events, each forgotten after `ttlMs`. In memory, so per
 * process (per isolate in workerd): give a shared store (KV, Redis, a database) where several instances answer.
 */
export function memorySeenStore(options = {}) {
  const max = options.max ?? DEFAULT_SEEN_MAX;
  const ttlMs = options.ttlMs ?? DEFAULT_SEEN_TTL_MS;
  if (!Number.isInteger(max) || max < 1) throw new TypeError('memorySeenStore: `max` must be a positive integer');
  if (typeof ttlMs !== 'number' || !(ttlMs > 0)) throw new TypeError('memorySeenStore: `ttlMs` must be a positive number');
  const seen = new Map(); // id -> expiry (ms); insertion order is expiry order, as the ttl is one for all
  return {
    firstSeen(id) {
      const now = Date.now();
      for (const [k, expires] of seen) {
        if (expires > now) break;
        seen.delete(k);
      }
      if (seen.has(id)) return false;
      seen.set(id, now + ttlMs);
      if (seen.size > max) seen.delete(seen.keys().next().value);
      return true;
    },
    forget(id) {
      seen.delete(id);
    },
  };
}

function optionError(message) {
  return new TypeError(`createEventHandler: ${message}`);
}

const OK = () => new Response(null, { status: 200 });

/** The body as text, refusing one larger than `limit` while it streams (a missing Content-Length proves nothing). */
async function readBody(request, limit) {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** Statuses with which the service says the transfer is not one this caller can see (contract §1.7, §7). */
const NOT_VISIBLE = new Set([400, 403, 404]);

/**
 * Reads the transfer the event names with `client`: the event is believed when the service shows this caller a
 * transfer with that id on that resource. Resolves to the overview, or to `null` with the reason when not; a
 * failure to ask (network, 5xx) rejects, so the delivery is retried.
 */
async function verifyEvent(client, event, signal) {
  if (!event.fileTransferId) return { overview: null, reason: 'the event names no file transfer' };
  let overview;
  try {
    overview = await client.overview(event.fileTransferId, { signal });
  } catch (e) {
    if (e?.name === 'BrokerError' && NOT_VISIBLE.has(e.status)) {
      return { overview: null, reason: `the service does not show this transfer (HTTP ${e.status})` };
    }
    throw e;
  }
  if (event.resourceId && overview.resourceId !== event.resourceId) {
    return { overview: null, reason: 'the transfer is on another resource than the event says' };
  }
  return { overview, reason: null };
}

/**
 * A webhook for Altinn Events. `onEvent(event, { overview })` is called once per event id (after `verify`, when
 * asked for); the validation handshake never reaches it.
 */
export function createEventHandler(options) {
  if (options === null || typeof options !== 'object') throw optionError('options are required');
  const { onEvent, client, verify = false, waitUntil, onError, onUnverified } = options;
  if (typeof onEvent !== 'function') throw optionError('`onEvent` must be a function');
  if (verify && (client == null || typeof client.overview !== 'function')) {
    throw optionError('`verify` needs `client` (a BrokerClient that may read the transfers)');
  }
  if (waitUntil !== undefined && typeof waitUntil !== 'function') throw optionError('`waitUntil` must be a function');
  for (const [name, f] of [['onError', onError], ['onUnverified', onUnverified]]) {
    if (f !== undefined && typeof f !== 'function') throw optionError(`\`${name}\` must be a function`);
  }
  const seen = options.seen ?? memorySeenStore();
  if (typeof seen?.firstSeen !== 'function') throw optionError('`seen` must have a `firstSeen(id)` method');

  async function deliver(event) {
    let overview = null;
    if (verify) {
      const v = await verifyEvent(client, event);
      if (!v.overview) {
        // Not remembered: a body that is not believed must not keep the real event with that id out.
        await seen.forget?.(event.id);
        await onUnverified?.(event, v.reason);
        return;
      }
      overview = v.overview;
    }
    await onEvent(event, { overview });
  }

  async function report(event, error) {
    await seen.forget?.(event.id);
    if (onError) await Promise.resolve(onError(error, event)).catch(() => {});
  }

  return async function handleEvent(request) {
    if (request.method !== 'POST') {
      return problem(405, 'an Altinn Events webhook takes POST', { allow: 'POST' });
    }
    const text = await readBody(request, MAX_BODY_BYTES);
    if (text === null) return problem(413, `an event is at most ${MAX_BODY_BYTES} bytes`);
    let event;
    try {
      event = parseEvent(text);
    } catch (e) {
      if (e?.name === 'InvalidEventError') return problem(400, e.message);
      throw e;
    }
    if (event.kind === 'validation') return OK();
    if (!(await seen.firstSeen(event.id))) return OK();
    if (waitUntil) {
      waitUntil(deliver(event).catch((e) => report(event, e)));
      return OK();
    }
    try {
      await deliver(event);
      return OK();
    } catch (e) {
      await report(event, e);
      return problem(500, 'the event could not be handled now; the service delivers it again');
    }
  };
}
