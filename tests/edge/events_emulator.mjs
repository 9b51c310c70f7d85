// The client's event side against the emulator's Altinn Events (events-auth contract §1), every process real and on
// loopback: polling (after=0, `next` paging, the 30 s delay on the emulator clock, empty and authorization-filtered
// pages); subscribe → the validation handshake → Node webhooks made with createEventHandler receiving every event
// of a full transfer life, the sender's and the recipient's subscriptions each with their own subject and role;
// duplicate and reordered deliveries through the emulator's replay hook → watch yields each status once, in order;
// and every §1.2 message reached through subscribe, equal to the emulator's body for the same input.
import { assert, assertEq, run, serve } from './common.mjs';
import {
  RESOURCE, SENDER, RECIPIENT, clients, initialize, liveThrough, pkg, recordedEvents, startEmulator, tokenFor, until, webhook,
} from './events_support.mjs';

const { BrokerClient, BrokerError, SubscriptionError, createEventFeed } = pkg;
const T = (short) => `no.altinn.broker.${short}`;

/** Subscribes `client` to `endpoint` for `org`'s events and waits for the handshake to validate it. */
async function subscribeValidated(client, endpoint, org) {
  const sub = await client.subscribe({ endpoint, resourceId: RESOURCE, subjectOrg: org, allowHttpEndpoint: true });
  assertEq([sub.validated, sub.resourceFilter, sub.subjectFilter], [false, `urn:altinn:resource:${RESOURCE}`,
    `urn:altinn:organization:identifier-no:${org}`], 'the new subscription');
  await until(async () => (await client.getSubscription(sub.id)).validated, 20_000, `subscription ${sub.id} validated`);
  return sub;
}

/** The body `subscribe` sends for `request` (SubscriptionRequestModel, §1.2), written out for the raw request. */
function rawBody(r) {
  const body = { endPoint: r.endpoint };
  if (r.resourceId !== undefined) body.resourceFilter = `urn:altinn:resource:${r.resourceId}`;
  if (r.sourceFilter !== undefined) body.sourceFilter = r.sourceFilter;
  if (r.alternativeSubjectFilter !== undefined) body.alternativeSubjectFilter = r.alternativeSubjectFilter;
  body.includeSubunits = r.includeSubunits === true;
  return body;
}

const cases = [
  ['polling_from_zero_pages_with_next_after_the_30s_delay', async (ctx) => {
    const id = await initialize(ctx.c.sender, 'poll');
    await liveThrough(ctx.c, id);
    const q = { resourceId: RESOURCE, after: '0', subject: SENDER };
    const early = await ctx.c.sender.events(q);
    assertEq([early.events.length, early.next, early.after], [0, null, null], 'nothing is visible before 30 s');
    await ctx.emu.hook('POST', '/emulator/api/clock/advance?by=PT31S');
    const first = await ctx.c.sender.events({ ...q, size: 2 });
    assertEq(first.events.map((e) => e.type), [T('filetransferinitialized'), T('uploadprocessing')], 'the first page');
    assert(first.next && first.next.includes(`after=${first.events[1].id}`), `next: ${first.next}`);
    assertEq(first.after, first.events[1].id, 'the cursor');
    const pages = [];
    for await (const page of ctx.c.sender.eventPages({ ...q, size: 2 })) pages.push(page.events.map((e) => e.type));
    assertEq(pages, [[T('filetransferinitialized'), T('uploadprocessing')], [T('published'), T('downloadconfirmed')],
      [T('allconfirmeddownloaded')]], "the sender's events, page by page");
    const all = pages.flat().length;
    const last = await ctx.c.sender.events({ ...q, after: first.after, size: 50 });
    assertEq(last.events.length, all - 2, 'after the cursor');
    const end = await ctx.c.sender.events({ ...q, after: last.after });
    assertEq([end.events.length, end.next, end.after], [0, null, null], 'an empty page at the end');
    for (const e of pages.length ? last.events : []) {
      assertEq([e.fileTransferId, e.subjectOrg, e.role, e.resourceId], [id, `0192:${SENDER}`, 'Sender', RESOURCE], 'a polled event');
      assert(/Z$/.test(e.time), `time as Events writes it: ${e.time}`);
    }
  }],

  ['an_authorization_filtered_page_is_looked_past', async (ctx) => {
    // The recipient may not see the sender's events: a page of one that holds only those comes back empty,
    // without `next` (§1.6); the iterator looks past it once with the largest page.
    const q = { resourceId: RESOURCE, after: '0', size: 1 };
    const filtered = await ctx.c.recipient.events(q);
    assertEq([filtered.events.length, filtered.next], [0, null], 'a filtered page');
    const seen = [];
    for await (const page of ctx.c.recipient.eventPages(q)) seen.push(...page.events);
    assert(seen.length >= 2 && seen.every((e) => e.subjectOrg === `0192:${RECIPIENT}` && e.role === 'Recipient'),
      `the recipient's own events past the filtered window: ${JSON.stringify(seen.map((e) => [e.type, e.subjectOrg]))}`);
  }],

  ['subscribe_handshake_and_every_event_of_a_life_to_each_party', async (ctx) => {
    const got = { sender: [], recipient: [] };
    const hooks = {
      sender: await webhook({ onEvent: (e) => { got.sender.push(e); } }),
      recipient: await webhook({ onEvent: (e) => { got.recipient.push(e); } }),
    };
    try {
      const subs = {
        sender: await subscribeValidated(ctx.c.sender, hooks.sender.url, SENDER),
        recipient: await subscribeValidated(ctx.c.recipient, hooks.recipient.url, RECIPIENT),
      };
      const handshakes = await ctx.emu.hook('GET', `/emulator/api/events/deliveries?subscriptionId=${subs.sender.id}`);
      assert(handshakes.some((d) => d.kind === 'validation' && d.state === 'delivered'), 'the handshake was delivered');
      const list = await ctx.c.sender.listSubscriptions();
      assert(list.subscriptions.some((s) => s.id === subs.sender.id) && !list.subscriptions.some((s) => s.id === subs.recipient.id),
        'the sender lists its own subscription only');
      const id = await initialize(ctx.c.sender, 'pushed-life');
      await liveThrough(ctx.c, id);
      const mine = (list) => list.filter((e) => e.fileTransferId === id);
      await until(() => mine(got.sender).length === 5 && mine(got.recipient).length === 2, 20_000, 'every push');
      const sorted = (list) => mine(list).map((e) => [e.type, e.subjectOrg, e.role]).sort();
      assertEq(sorted(got.sender), [
        [T('allconfirmeddownloaded'), `0192:${SENDER}`, 'Sender'], [T('downloadconfirmed'), `0192:${SENDER}`, 'Sender'],
        [T('filetransferinitialized'), `0192:${SENDER}`, 'Sender'], [T('published'), `0192:${SENDER}`, 'Sender'],
        [T('uploadprocessing'), `0192:${SENDER}`, 'Sender'],
      ], "the sender's webhook");
      assertEq(sorted(got.recipient), [[T('downloadconfirmed'), `0192:${RECIPIENT}`, 'Recipient'],
        [T('published'), `0192:${RECIPIENT}`, 'Recipient']], "the recipient's webhook");
      const recorded = new Set((await recordedEvents(ctx.emu, id)).map((e) => e.id));
      assert([...got.sender, ...got.recipient].every((e) => recorded.has(e.id)), 'the pushed ids are what Broker published');
      await ctx.c.sender.deleteSubscription(subs.sender.id);
      await ctx.c.recipient.deleteSubscription(subs.recipient.id);
      let err;
      try { await ctx.c.sender.getSubscription(subs.sender.id); } catch (e) { err = e; }
      assert(err instanceof BrokerError && err.status === 404, `a deleted subscription: ${err}`);
    } finally {
      await hooks.sender.close();
      await hooks.recipient.close();
    }
  }],

  ['replayed_and_reordered_deliveries_watch_yields_each_status_once', async (ctx) => {
    // Two webhooks of the sender's: one drops repeats (the default seen-store) and counts onEvent; the other lets
    // every delivery through to a watch, which must absorb them itself. The second answers 503 while the transfer
    // lives, so its watch hears nothing live and gets the replays alone, in the order the hook sends them.
    const once = [];
    const dedup = await webhook({ onEvent: (e) => { once.push(e.id); } });
    const feed = createEventFeed();
    const rawHandler = pkg.createEventHandler({ onEvent: feed.push, seen: { firstSeen: () => true } });
    let accepting = true;
    const raw = await serve((request) => accepting ? rawHandler(request) : new Response(null, { status: 503 }));
    try {
      const subDedup = await subscribeValidated(ctx.c.sender, dedup.url, SENDER);
      const subRaw = await subscribeValidated(ctx.c.sender, raw.url, SENDER);
      accepting = false;
      const id = await initialize(ctx.c.sender, 'replayed');
      const seen = [];
      const done = (async () => {
        for await (const c of ctx.c.sender.watch(id, { events: feed, pollIntervalMs: 60_000 })) {
          seen.push([c.status, c.source]);
          if (c.status === 'AllConfirmedDownloaded') break;
        }
      })();
      done.catch(() => {});
      await until(() => seen.length === 1, 10_000, 'the first overview');
      await liveThrough(ctx.c, id);
      const events = (await recordedEvents(ctx.emu, id)).filter((e) => e.subject.endsWith(SENDER));
      const ids = new Set(events.map((e) => e.id));
      await until(() => once.filter((x) => ids.has(x)).length === events.length, 20_000, 'the live pushes');
      const replay = async (sub, e) => {
        const { deliveryId } = await ctx.emu.hook('POST', `/emulator/api/events/replay?subscriptionId=${sub.id}&eventId=${e.id}`);
        await until(async () => {
          const d = await ctx.emu.hook('GET', `/emulator/api/events/deliveries?subscriptionId=${sub.id}`);
          return d.some((x) => x.id === deliveryId && x.state === 'delivered');
        }, 10_000, `delivery ${deliveryId}`);
      };
      // Every event again to the deduplicating webhook, newest first.
      for (const e of [...events].reverse()) await replay(subDedup, e);
      // Late, repeated and out of order to the watch's.
      accepting = true;
      const t = (short) => events.find((e) => e.type === T(short));
      for (const e of [t('uploadprocessing'), t('filetransferinitialized'), t('uploadprocessing'), t('published'),
        t('uploadprocessing'), t('published'), t('downloadconfirmed')]) {
        await replay(subRaw, e);
      }
      await done;
      assertEq(once.filter((x) => ids.has(x)).length, events.length, 'onEvent once per event despite the replays');
      assertEq(once.length, new Set(once).size, 'no id handled twice');
      // `downloadconfirmed` announces no transfer status: the watch reads the overview, which is at the end already.
      assertEq(seen, [['Initialized', 'poll'], ['UploadProcessing', 'event'], ['Published', 'event'],
        ['AllConfirmedDownloaded', 'poll']], 'each status once, in order');
      await ctx.c.sender.deleteSubscription(subDedup.id);
      await ctx.c.sender.deleteSubscription(subRaw.id);
    } finally {
      await dedup.close();
      await raw.close();
    }
  }],

  ['a_failing_on_event_is_answered_500_and_handled_on_the_service_retry', async (ctx) => {
    // The handler answers 500 when onEvent fails (and forgets the id), so Events delivers again on its schedule
    // (§1.5: 10 s, then 30 s, on the emulator clock) and the retry is handled, not dropped as a repeat.
    let failures = 0;
    const handled = [];
    const hook = await webhook({
      onEvent: (e) => {
        if (e.type === T('filetransferinitialized') && failures < 2) {
          failures += 1;
          throw new Error('not yet');
        }
        handled.push(e);
      },
    });
    try {
      const sub = await subscribeValidated(ctx.c.sender, hook.url, SENDER);
      const id = await initialize(ctx.c.sender, 'retried');
      const [event] = await recordedEvents(ctx.emu, id);
      const delivery = async () => (await ctx.emu.hook('GET', `/emulator/api/events/deliveries?subscriptionId=${sub.id}`))
        .find((d) => d.eventId === event.id);
      await until(async () => (await delivery())?.attempts.length === 1, 10_000, 'the first attempt');
      assertEq([(await delivery()).state, (await delivery()).attempts[0].status], ['pending', 500], 'refused with 500');
      await ctx.emu.hook('POST', '/emulator/api/clock/advance?by=PT10S');
      await until(async () => (await delivery()).attempts.length === 2, 10_000, 'the retry after 10 s');
      await ctx.emu.hook('POST', '/emulator/api/clock/advance?by=PT30S');
      await until(async () => (await delivery()).state === 'delivered', 10_000, 'the retry after 30 s');
      assertEq((await delivery()).attempts.map((a) => a.status), [500, 500, 200], 'the attempts');
      assertEq(handled.filter((e) => e.id === event.id).length, 1, 'handled once, on the third attempt');
      await ctx.c.sender.deleteSubscription(sub.id);
    } finally {
      await hook.close();
    }
  }],

  ['every_validation_message_through_subscribe_equals_the_service_body', async (ctx) => {
    const base = { endpoint: 'https://hooks.example/broker', resourceId: RESOURCE };
    const inputs = [
      { ...base, endpoint: 'http://hooks.example/broker' },
      { ...base, endpoint: 'hooks.example/broker' },
      { ...base, sourceFilter: 'http://x.example/app' },
      { ...base, resourceId: 'Altinn-Broker-Test-Resource-1' },
      { endpoint: base.endpoint },
      { ...base, sourceFilter: 'https://x.example/app' },
      { ...base, alternativeSubjectFilter: '/organisation/991825827' },
      { ...base, includeSubunits: true },
    ];
    const token = await tokenFor(ctx.emu, SENDER, 'altinn:broker.write altinn:events.subscribe')();
    for (const input of inputs) {
      let err;
      try { await ctx.c.sender.subscribe(input); } catch (e) { err = e; }
      assert(err instanceof SubscriptionError && err.local, `${JSON.stringify(input)}: ${err}`);
      const r = await fetch(`${ctx.emu.url}/events/api/v1/subscriptions`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(rawBody(input)),
      });
      assertEq([err.status, err.body], [r.status, await r.text()], `client and service agree on ${JSON.stringify(input)}`);
    }
    // Step 6 is the service's alone (its PDP): the same typed error, from the answer.
    let err;
    try { await ctx.c.sender.subscribe({ ...base, resourceId: 'altinn-broker-test-resource-failed-access' }); } catch (e) { err = e; }
    assert(err instanceof SubscriptionError && !err.local, `the PDP refusal: ${err}`);
    assertEq([err.status, err.detail], [403, 'Not authorized to create a subscription for resource urn:altinn:resource:altinn-broker-test-resource-failed-access.'], 'step 6');
    // Step 3: no altinn:events.subscribe scope — 403 with an empty body.
    const noScope = new BrokerClient({ baseUrl: ctx.emu.url, token: tokenFor(ctx.emu, SENDER, 'altinn:broker.write') });
    err = undefined;
    try { await noScope.subscribe(base); } catch (e) { err = e; }
    assert(err instanceof BrokerError && err.status === 403 && err.body === null, `no scope: ${err}`);
  }],
];

await run('events-emulator', cases, {
  async setup() {
    const emu = await startEmulator(['--allow-http-webhooks']);
    return { emu, c: clients(emu) };
  },
  teardown: (ctx) => ctx.emu.stop(),
});
