// An Altinn Events webhook for Broker, from plain settings (a worker's `env`, Deno.env, process.env): it answers
// the subscription's validation handshake, drops repeated deliveries, verifies each event by reading the transfer
// (pushes are unsigned), and hands every verified event on to your own backend (`EVENTS_FORWARD_URL`). Settings as
// in ./config.js (`BROKER_URL`, `SENDER_ORG`, `BROKER_TOKENS` and the sender's Maskinporten settings) plus
// `EVENTS_FORWARD_URL`. The Cloudflare Worker (../cloudflare-worker/events-webhook.js) and the Deno server
// (../deno/events-webhook.js) serve it.
import { BrokerClient } from 'altinn-broker-client';
import { createEventHandler, memorySeenStore } from 'altinn-broker-client/edge';
import { need, tokensFromSettings } from './config.js';

/**
 * @param {(name: string) => string | undefined} setting
 * @returns {(request: Request, waitUntil?: (work: Promise<unknown>) => void) => Promise<Response>}
 */
export function eventWebhookFromSettings(setting) {
  const baseUrl = need(setting, 'BROKER_URL');
  const forwardUrl = need(setting, 'EVENTS_FORWARD_URL');
  // Verifying reads the transfer's overview as the sender (Maskinporten, or the emulator's test tokens).
  const token = tokensFromSettings(setting, 'SENDER', need(setting, 'SENDER_ORG'), 'altinn:broker.write altinn:broker.read');
  const client = new BrokerClient({ baseUrl, subscriptionKey: setting('BROKER_SUBSCRIPTION_KEY'), token });
  // In this process (isolate): a shared store (KV, a database) would drop a repeat that reaches another one too.
  const seen = memorySeenStore();
  const options = {
    client,
    verify: true,
    seen,
    onEvent: async (event, { overview }) => {
      const r = await fetch(forwardUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event, status: overview?.fileTransferStatus ?? null }),
      });
      if (!r.ok) throw new Error(`the backend answered ${r.status}`);
    },
    onError: (error, event) => console.log(`event ${event.id} not handed on: ${error}`),
  };
  const answerAfterWork = createEventHandler(options);
  // With the runtime's `waitUntil` the answer goes first and the work after it (workerd's `ctx.waitUntil`).
  return (request, waitUntil) => waitUntil ? createEventHandler({ ...options, waitUntil })(request) : answerAfterWork(request);
}
