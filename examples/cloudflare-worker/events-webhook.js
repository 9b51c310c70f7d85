// A Cloudflare Worker (workerd) that is an Altinn Events webhook for Broker: it answers the subscription's
// validation handshake, drops repeated deliveries, verifies each event by reading the transfer (pushes are
// unsigned), and hands every verified event on to your own backend (`EVENTS_FORWARD_URL`) — after the answer,
// through `ctx.waitUntil`, so Events gets its 200 at once. Settings as in ../edge/config.js (`BROKER_URL`,
// `BROKER_TOKENS=emulator`, `SENDER_ORG`) plus `EVENTS_FORWARD_URL`. tests/edge/events_workerd.mjs bundles it
// with esbuild and serves it in workerd, subscribed to the emulator's Events.
import { BrokerClient, createEventHandler, memorySeenStore } from 'altinn-broker-client';
import { emulatorTokens } from '../edge/emulator-tokens.js';

/** Per isolate: a shared store (KV, Durable Object) would drop a repeat that reaches another isolate too. */
const seen = memorySeenStore();
let client;

export default {
  /**
   * @param {Request} request
   * @param {Record<string, string | undefined>} env
   * @param {{ waitUntil(work: Promise<unknown>): void }} ctx
   */
  async fetch(request, env, ctx) {
    if (env.BROKER_TOKENS !== 'emulator') {
      return new Response('set BROKER_TOKENS=emulator (the emulator\'s test tokens); the real Broker needs Maskinporten', { status: 500 });
    }
    client ??= new BrokerClient({
      baseUrl: env.BROKER_URL,
      token: emulatorTokens(env.BROKER_URL, env.SENDER_ORG, 'altinn:broker.write altinn:broker.read'),
    });
    const handle = createEventHandler({
      client,
      verify: true,
      seen,
      waitUntil: (work) => ctx.waitUntil(work),
      onEvent: async (event, { overview }) => {
        const r = await fetch(env.EVENTS_FORWARD_URL, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ event, status: overview?.fileTransferStatus ?? null }),
        });
        if (!r.ok) throw new Error(`the backend answered ${r.status}`);
      },
      onError: (error, event) => console.log(`event ${event.id} not handed on: ${error}`),
    });
    return handle(request);
  },
};
