// Type-checked (never run) usage of the event side, compiled with `tsc --noEmit` by scripts/test.sh against the
// built package's declarations: a Worker whose webhook feeds the status of transfers, a subscription made with the
// client's checks, polling as the fallback, and a watch that merges both with polling of the overview.
import init, {
  BrokerClient,
  type FileTransferOverview,
  parseEvent,
  isValidationEvent,
  brokerEventTypes,
  SubscriptionError,
  InvalidEventError,
  type BrokerEvent,
  type BrokerEventType,
  type EventFeed,
  type EventPage,
  type IncomingEvent,
  type Subscription,
  type SubscriptionList,
  type TransferStatusChange,
  type TransferWatch,
} from "../pkg/index.js";
import {
  createEventFeed,
  createEventHandler,
  memorySeenStore,
  type EventContext,
  type SeenStore,
} from "../pkg/edge/index.js";

declare const env: { BROKER_URL: string; WEBHOOK_URL: string; RESOURCE_ID: string; ORG: string };
declare const token: () => Promise<string>;
declare const kv: { get(key: string): Promise<string | null>; put(key: string, value: string, o: { expirationTtl: number }): Promise<void> };

await init();

const client = new BrokerClient({ baseUrl: env.BROKER_URL, token });

// A subscription for this organisation's events on the resource; refusals carry the service's own message.
try {
  const sub: Subscription = await client.subscribe({ endpoint: env.WEBHOOK_URL, resourceId: env.RESOURCE_ID, subjectOrg: env.ORG, type: 'published' });
  const again: Subscription = await client.getSubscription(sub.id, { signal: AbortSignal.timeout(10_000) });
  console.log(again.validated ? 'validated' : 'waiting for the handshake');
} catch (e) {
  if (e instanceof SubscriptionError) console.log(e.status, e.detail, e.local ? 'refused before sending' : 'refused by Events');
  else throw e;
}
const list: SubscriptionList = await client.listSubscriptions();
for (const s of list.subscriptions) if (!s.validated) await client.deleteSubscription(s.id);

// A seen-store shared by every isolate (a KV namespace), so a redelivery to another instance is dropped too.
const seen: SeenStore = {
  async firstSeen(id) {
    if (await kv.get(`event:${id}`)) return false;
    await kv.put(`event:${id}`, '1', { expirationTtl: 36 * 3600 });
    return true;
  },
};

// The webhook: verified events into a feed the watches read.
const feed = createEventFeed();
const handler = createEventHandler({
  client,
  verify: true,
  seen: env.ORG ? seen : memorySeenStore({ max: 5000 }),
  onEvent: (event: BrokerEvent, { overview }: EventContext) => {
    feed.push(event);
    if (overview) console.log(event.type, overview.fileTransferStatus);
  },
  onUnverified: (event, reason) => console.log('not believed', event.id, reason),
  onError: (error, event) => console.log('failed', event.id, error),
});

// In workerd the answer goes before the work: the handler is made per request with that request's `waitUntil`
// (the seen-store is shared, so nothing is lost by that).
export default {
  fetch(request: Request, _env: unknown, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    if (new URL(request.url).pathname !== '/events') return handler(request);
    return createEventHandler({ client, verify: true, seen, onEvent: feed.push, waitUntil: ctx.waitUntil.bind(ctx) })(request);
  },
};

// Reading events yourself.
const body: IncomingEvent = parseEvent('{"specversion":"1.0","id":"1","source":"s","type":"no.altinn.broker.published"}');
if (!isValidationEvent(body)) {
  const t: BrokerEventType | string = body.type;
  console.log(t, body.fileTransferId, body.role, body.subjectOrg);
}
const fromRequest: IncomingEvent = await parseEvent(new Request('https://x.example', { method: 'POST', body: '{}' })).catch((e: unknown) => {
  if (e instanceof InvalidEventError) throw new Error(`not an event: ${e.message}`);
  throw e;
});
console.log(fromRequest.kind, brokerEventTypes().includes('no.altinn.broker.published'));

// Polling: one page, all pages until caught up, or a feed that keeps polling.
const page: EventPage = await client.events({ resourceId: env.RESOURCE_ID, after: '0', size: 100 });
let after = page.after ?? '0';
for await (const p of client.eventPages({ resourceId: env.RESOURCE_ID, after, types: ['published'] })) {
  after = p.after ?? after;
}
const controller = new AbortController();
const polled: EventFeed = client.pollEvents({ resourceId: env.RESOURCE_ID, after }, { signal: controller.signal, pollIntervalMs: 15_000 });

// One transfer, from the webhook's feed (or the polled one) and the overview.
const watch: TransferWatch = client.watch('6bd5e1b4-6a4a-4a2b-9c1f-6d0e5b8a2f10', { events: env.ORG ? feed : polled, signal: controller.signal });
for await (const change of watch) {
  const c: TransferStatusChange = change;
  console.log(c.previous, '→', c.status, c.source, c.event?.id ?? c.overview?.fileTransferStatusText);
  if (c.status === 'AllConfirmedDownloaded') break;
}
// waitFor takes the same feed: the wait ends on the event (the result is the overview, read again).
const published: FileTransferOverview = await client.waitFor('6bd5e1b4-6a4a-4a2b-9c1f-6d0e5b8a2f10', 'Published', { events: feed, timeoutMs: 600_000 });
console.log(published.fileTransferStatus);
controller.abort();
