// The client's event side against a real emulator process (its Broker; the recorded CloudEvents of its transfers,
// `GET /emulator/api/events`, are what Broker publishes, contract §6) and real webhook servers on loopback:
// parseEvent, createEventHandler (handshake, refusals, duplicates, failure and redelivery, waitUntil, verify),
// the seen-store, watch over a pushed feed (duplicates, reordering, late replays) and over polling alone, and
// subscribe's checks before sending. The Events service itself (subscriptions, handshake, push, polling) is
// exercised in events_emulator.mjs.
import { assert, assertEq, run } from './common.mjs';
import {
  RESOURCE, SENDER, RECIPIENT, clients, initialize, liveThrough, pkg, push, recordedEvents, startEmulator, until, webhook,
} from './events_support.mjs';

const {
  parseEvent, isValidationEvent, brokerEventTypes, createEventFeed, memorySeenStore, InvalidEventError, SubscriptionError,
  ClientError, AbortError,
} = pkg;

const HANDSHAKE = { specversion: '1.0', id: crypto.randomUUID(), source: 'https://platform.altinn.no/events/api/v1/subscriptions/1234', type: 'platform.events.validatesubscription' };

/** A Broker event as Events pushes it (events-auth §1.8). */
function pushed(overrides = {}) {
  return {
    specversion: '1.0', id: crypto.randomUUID(), type: 'no.altinn.broker.published', time: '2026-08-18T11:40:51.1234567Z',
    resource: `urn:altinn:resource:${RESOURCE}`, resourceinstance: crypto.randomUUID(),
    subject: `urn:altinn:organization:identifier-no:${RECIPIENT}`,
    source: 'https://platform.tt02.altinn.no/broker/api/v1/filetransfer', datacontenttype: 'application/json',
    data: { Role: 'Recipient' }, ...overrides,
  };
}

const cases = [
  ['parse_event_reads_what_events_pushes_and_keeps_unknown_types', async () => {
    const body = pushed();
    const e = parseEvent(JSON.stringify(body));
    assertEq([e.kind, e.type, e.knownType, e.fileTransferId, e.resourceId, e.subjectOrg, e.role, e.time],
      ['broker', 'no.altinn.broker.published', true, body.resourceinstance, RESOURCE, `0192:${RECIPIENT}`, 'Recipient', body.time], 'event');
    assertEq(parseEvent(body), e, 'the same from the parsed value');
    assertEq(parseEvent(new TextEncoder().encode(JSON.stringify(body))), e, 'the same from bytes');
    // Broker's docs show `no.altinn.broker.Published`; Events delivers lower case: both read as the one type.
    assertEq(parseEvent({ ...body, type: 'no.altinn.broker.Published' }).type, 'no.altinn.broker.published', 'case-insensitive type');
    const unknown = parseEvent({ ...body, type: 'no.altinn.broker.FileRenamed' });
    assertEq([unknown.type, unknown.knownType], ['no.altinn.broker.FileRenamed', false], 'unknown type kept as written');
    assertEq(brokerEventTypes().length, 8, 'the eight Broker types');
    const fromRequest = await parseEvent(new Request('http://127.0.0.1/hook', { method: 'POST', body: JSON.stringify(body) }));
    assertEq(fromRequest, e, 'a Request is read');
    const v = parseEvent(HANDSHAKE);
    assertEq([v.kind, v.subscriptionId, isValidationEvent(v), isValidationEvent(HANDSHAKE), isValidationEvent(e)],
      ['validation', 1234, true, true, false], 'the handshake');
    for (const [bad, reason] of [
      ['not json', 'the body is not JSON'], ['[]', 'not a JSON object'],
      [JSON.stringify({ ...body, id: undefined }), '`id` is missing'], [JSON.stringify({ ...body, specversion: 1 }), '`specversion` is not a string'],
    ]) {
      let err;
      try { parseEvent(bad); } catch (x) { err = x; }
      assert(err instanceof InvalidEventError && err.message.includes(reason), `${bad}: ${err}`);
    }
  }],

  ['handler_answers_the_handshake_and_refuses_what_is_not_a_cloud_event', async () => {
    const got = [];
    const hook = await webhook({ onEvent: (e) => { got.push(e); } });
    try {
      assertEq((await push(hook.url, HANDSHAKE)).status, 200, 'handshake');
      const bad = await push(hook.url, { id: 'x', source: 's', type: 't' });
      assertEq(bad.status, 400, 'not a CloudEvent');
      assertEq((await bad.json()).detail, 'the body is not a CloudEvent: `specversion` is missing', 'the reason');
      assertEq((await push(hook.url, '{"specversion":')).status, 400, 'not JSON');
      const get = await fetch(hook.url);
      assertEq([get.status, get.headers.get('allow')], [405, 'POST'], 'GET');
      const big = await push(hook.url, JSON.stringify(pushed({ data: { Role: 'Sender', pad: 'x'.repeat(70_000) } })));
      assertEq(big.status, 413, 'an oversized body');
      assertEq(got.length, 0, 'onEvent calls');
    } finally {
      await hook.close();
    }
  }],

  ['handler_drops_duplicates_and_takes_a_redelivery_after_a_failure', async () => {
    const got = [];
    let failNext = true;
    const errors = [];
    const hook = await webhook({
      onEvent: (e) => {
        if (failNext && e.type === 'no.altinn.broker.uploadprocessing') {
          failNext = false;
          throw new Error('database down');
        }
        got.push(e.id);
      },
      onError: (e) => { errors.push(e.message); },
    });
    try {
      const a = pushed();
      for (let i = 0; i < 3; i++) assertEq((await push(hook.url, a)).status, 200, `delivery ${i} of one event`);
      const b = pushed({ type: 'no.altinn.broker.uploadprocessing', data: { Role: 'Sender' } });
      assertEq((await push(hook.url, b)).status, 500, 'a failing onEvent: the service will try again');
      assertEq((await push(hook.url, b)).status, 200, 'the redelivery');
      assertEq(got, [a.id, b.id], 'each event handled once');
      assertEq(errors, ['database down'], 'onError');
    } finally {
      await hook.close();
    }
  }],

  ['handler_with_wait_until_answers_before_the_work', async () => {
    let release;
    const gate = new Promise((r) => { release = r; });
    const work = [];
    let handled = false;
    const hook = await webhook({
      waitUntil: (p) => { work.push(p); },
      onEvent: async () => { await gate; handled = true; },
    });
    try {
      const r = await push(hook.url, pushed());
      assertEq([r.status, handled, work.length], [200, false, 1], 'answered while onEvent still waits');
      release();
      await work[0];
      assert(handled, 'the work ran after the answer');
    } finally {
      await hook.close();
    }
  }],

  ['memory_seen_store_is_bounded_and_expires', async () => {
    const s = memorySeenStore({ max: 3, ttlMs: 50 });
    assertEq(['a', 'b', 'a', 'c', 'd', 'a'].map((id) => s.firstSeen(id)), [true, true, false, true, true, true], 'first sightings ("a" evicted by "d")');
    await new Promise((r) => setTimeout(r, 80));
    assertEq(s.firstSeen('d'), true, 'expired');
    s.forget('d');
    assertEq(s.firstSeen('d'), true, 'forgotten');
  }],

  ['verify_reads_the_transfer_and_refuses_forged_events', async (ctx) => {
    const id = await initialize(ctx.c.sender, 'verify');
    const [initialized] = await recordedEvents(ctx.emu, id);
    const believed = [];
    const refused = [];
    const hook = await webhook({
      client: ctx.c.sender, verify: true,
      onEvent: (e, { overview }) => { believed.push([e.type, overview.fileTransferId, overview.fileTransferStatus]); },
      onUnverified: (e, reason) => { refused.push([e.fileTransferId, reason]); },
    });
    try {
      assertEq((await push(hook.url, initialized)).status, 200, 'a real event (as Broker wrote it)');
      assertEq(believed, [['no.altinn.broker.filetransferinitialized', id, 'Initialized']], 'verified with the overview');
      const forged = pushed();
      assertEq((await push(hook.url, forged)).status, 200, 'a forged event is answered');
      const wrongResource = pushed({ resourceinstance: id, resource: 'urn:altinn:resource:altinn-broker-test-resource-2' });
      await push(hook.url, wrongResource);
      assertEq(refused.map((r) => r[0]), [forged.resourceinstance, id], 'refused');
      assert(refused[0][1].includes('404') && refused[1][1].includes('another resource'), `reasons: ${JSON.stringify(refused)}`);
      assertEq(believed.length, 1, 'onEvent calls');
    } finally {
      await hook.close();
    }
  }],

  ['watch_merges_pushed_duplicates_and_reordered_events_in_order', async (ctx) => {
    const feed = createEventFeed();
    const hook = await webhook({ onEvent: feed.push });
    try {
      const id = await initialize(ctx.c.sender, 'watch-feed');
      // A long poll interval: after the first read of the overview the watch moves on events alone.
      const watch = ctx.c.sender.watch(id, { events: feed, pollIntervalMs: 60_000 });
      const seen = [];
      const done = (async () => {
        for await (const change of watch) {
          seen.push([change.status, change.source, change.previous]);
          if (change.status === 'AllConfirmedDownloaded') break;
        }
      })();
      done.catch(() => {}); // awaited below; a failure must not end the process first
      await until(() => seen.length === 1, 10_000, 'the first overview');
      await liveThrough(ctx.c, id);
      const events = await recordedEvents(ctx.emu, id);
      const types = events.map((e) => e.type.slice('no.altinn.broker.'.length));
      assertEq(types, ['filetransferinitialized', 'uploadprocessing', 'published', 'published', 'downloadconfirmed',
        'downloadconfirmed', 'allconfirmeddownloaded'], 'what Broker published');
      const byType = (t) => events.filter((e) => e.type === `no.altinn.broker.${t}`);
      // Delivered late, twice, and out of order: the replay of what the service may do (§1.5).
      const deliveries = [
        byType('uploadprocessing')[0], byType('filetransferinitialized')[0], byType('uploadprocessing')[0],
        byType('published')[1], byType('published')[0], byType('uploadprocessing')[0], byType('downloadconfirmed')[0],
        byType('published')[0], byType('allconfirmeddownloaded')[0], byType('published')[1],
      ];
      for (const e of deliveries) assertEq((await push(hook.url, e)).status, 200, 'delivery');
      await done;
      // `downloadconfirmed` announces no transfer status (a recipient's), so it makes the watch read the overview
      // at once — which already says AllConfirmedDownloaded; the `allconfirmeddownloaded` event after it is absorbed.
      assertEq(seen, [
        ['Initialized', 'poll', null], ['UploadProcessing', 'event', 'Initialized'],
        ['Published', 'event', 'UploadProcessing'], ['AllConfirmedDownloaded', 'poll', 'Published'],
      ], 'each status once, in order');
    } finally {
      await hook.close();
    }
  }],

  ['watch_without_events_polls_with_backoff_and_a_signal_stops_it', async (ctx) => {
    const id = await initialize(ctx.c.sender, 'watch-poll');
    const controller = new AbortController();
    const seen = [];
    const done = (async () => {
      for await (const change of ctx.c.sender.watch(id, { signal: controller.signal, pollIntervalMs: 20, maxPollIntervalMs: 200 })) {
        seen.push(change.status);
        if (change.status === 'Published') controller.abort('enough');
      }
    })();
    done.catch(() => {}); // awaited below
    // The first read of the overview before the upload, so the watch starts from Initialized.
    await until(() => seen.length === 1, 10_000, 'the first overview');
    await ctx.c.sender.upload(id, new TextEncoder().encode('polled'));
    let err;
    try { await done; } catch (e) { err = e; }
    assert(err instanceof AbortError, `the abort: ${err}`);
    assertEq(seen[0], 'Initialized', 'first');
    assertEq(seen.at(-1), 'Published', 'last');
    const order = ['Initialized', 'UploadStarted', 'UploadProcessing', 'Published'];
    assert(seen.every((s, i) => i === 0 || order.indexOf(s) > order.indexOf(seen[i - 1])), `forward only: ${seen}`);
  }],

  ['wait_for_with_events_ends_on_the_event_not_the_next_poll', async (ctx) => {
    const feed = createEventFeed();
    const hook = await webhook({ onEvent: feed.push });
    // The scan held: the wait's first read of the overview finds UploadProcessing, whatever the machine's speed.
    await ctx.emu.hook('POST', '/emulator/api/scan?mode=hold');
    try {
      const id = await initialize(ctx.c.sender, 'wait-events');
      await ctx.c.sender.upload(id, new TextEncoder().encode('waited on'));
      await until(async () => (await ctx.c.sender.overview(id)).fileTransferStatus === 'UploadProcessing', 10_000, 'UploadProcessing');
      // A minute between polls: after its first read, only the pushed event can end this wait in the test's time.
      const started = Date.now();
      const waiting = ctx.c.sender.waitFor(id, 'Published', { events: feed, intervalMs: 60_000, maxIntervalMs: 60_000, timeoutMs: 30_000 });
      waiting.catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      await ctx.emu.hook('POST', `/emulator/api/scan/release?fileTransferId=${id}&result=clean`);
      await until(async () => (await ctx.c.sender.overview(id)).fileTransferStatus === 'Published', 10_000, 'Published');
      const published = (await recordedEvents(ctx.emu, id)).find((e) => e.type === 'no.altinn.broker.published');
      await push(hook.url, published);
      const overview = await waiting;
      assertEq(overview.fileTransferStatus, 'Published', 'the overview, read again');
      assert(Date.now() - started < 30_000, 'ended by the event');
      let err;
      try { await ctx.c.sender.waitFor(id, 'UploadProcessing', { events: feed, timeoutMs: 5_000 }); } catch (e) { err = e; }
      assert(err instanceof pkg.TransferFailedError && err.status === 'Published', `no longer reachable: ${err}`);
      err = undefined;
      try { await ctx.c.sender.waitFor(id, 'AllConfirmedDownloaded', { events: feed, timeoutMs: 300 }); } catch (e) { err = e; }
      assert(err instanceof pkg.TimeoutError && err.kind === 'wait', `the timeout: ${err}`);
      err = undefined;
      try { await ctx.c.sender.waitFor(id, 'Nope', { events: feed }); } catch (e) { err = e; }
      assert(err instanceof ClientError, `an unknown status: ${err}`);
    } finally {
      await ctx.emu.hook('POST', '/emulator/api/scan?mode=auto');
      await hook.close();
    }
  }],

  ['subscribe_refuses_before_sending_with_the_service_words', async (ctx) => {
    const base = { endpoint: 'https://hooks.example/broker', resourceId: RESOURCE };
    const local = [
      [{ ...base, endpoint: 'http://hooks.example/broker' }, 'Missing or invalid endpoint to push events towards'],
      [{ ...base, endpoint: 'hooks.example/broker' }, 'Missing or invalid endpoint to push events towards'],
      [{ ...base, sourceFilter: 'http://x.example/app' }, 'SourceFilter must be an absolute URL with the https scheme.'],
      [{ ...base, resourceId: 'Altinn-Broker-Test-Resource-1' }, 'Resource filter must be a valid urn'],
      [{ endpoint: base.endpoint }, 'Resource filter is required.'],
      [{ ...base, sourceFilter: 'https://x.example/app' }, 'Source filter is not supported for subscriptions on this resource.'],
      [{ ...base, alternativeSubjectFilter: '/organisation/991825827' }, 'AlternativeSubject filter is not supported for subscriptions on this resource.'],
      [{ ...base, includeSubunits: true }, 'IncludeSubunits requires a subject filter.'],
    ];
    for (const [request, message] of local) {
      let err;
      try { await ctx.c.sender.subscribe(request); } catch (e) { err = e; }
      assert(err instanceof SubscriptionError, `${JSON.stringify(request)}: ${err}`);
      assertEq([err.status, err.detail, err.body, err.local], [400, message, JSON.stringify(message), true], JSON.stringify(request));
    }
    // Accepted by the service, matched by nothing: refused with the client's words.
    for (const request of [{ ...base, type: '' }, { ...base, subjectOrg: '' }, { ...base, type: 'no.altinn.broker.renamed' }]) {
      let err;
      try { await ctx.c.sender.subscribe(request); } catch (e) { err = e; }
      assert(err instanceof ClientError && /matches no event|match no event/.test(err.message), `${JSON.stringify(request)}: ${err}`);
    }
    const signal = AbortSignal.abort('stop');
    let err;
    try { await ctx.c.sender.listSubscriptions({ signal }); } catch (e) { err = e; }
    assert(err instanceof AbortError, `an aborted list: ${err}`);
  }],
];

await run('events', cases, {
  async setup() {
    const emu = await startEmulator();
    return { emu, c: clients(emu) };
  },
  teardown: (ctx) => ctx.emu.stop(),
});
