// A Cloudflare Worker that is the portal's same-origin path to Altinn Broker: createBrokerProxy forwards the Broker
// API routes only, streams bodies both ways, and adds the sender's Altinn token (maskinportenTokenProvider) and the
// subscription key server-side, so a page uses `new BrokerClient({ baseUrl: location.origin })` with no token.
// Settings as in ../edge/config.js (BROKER_URL, SENDER_ORG, SENDER_MASKINPORTEN_*, ...); run it with
// `wrangler dev -c wrangler.proxy.toml`. tests/edge/workerd.mjs bundles it and sends a 200 MiB upload through it.
import { createBrokerProxy } from 'altinn-broker-client/edge';
import { need, tokensFromSettings } from '../edge/config.js';

/** One proxy per isolate, built on the first request (a worker's `env` is only known then). */
let proxy;

export default {
  /** @param {Request} request @param {Record<string, string | undefined>} env */
  async fetch(request, env) {
    const setting = (name) => env[name];
    proxy ??= createBrokerProxy({
      target: need(setting, 'BROKER_URL'),
      token: tokensFromSettings(setting, 'SENDER', need(setting, 'SENDER_ORG'), 'altinn:broker.write altinn:broker.read'),
      subscriptionKey: setting('BROKER_SUBSCRIPTION_KEY'),
      // Decide per request before anything is forwarded, e.g. your portal's session:
      // authorize: (request) => (hasSession(request) ? true : new Response(null, { status: 401 })),
    });
    return proxy(request);
  },
};
