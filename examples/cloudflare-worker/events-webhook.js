// A Cloudflare Worker (workerd) serving the Altinn Events webhook of ../edge/event-webhook.js: each event is read,
// checked and acknowledged at once, and handed on after the answer through `ctx.waitUntil`.
// tests/edge/events_runtimes.mjs bundles it with esbuild and serves it in workerd, subscribed to the emulator's Events.
import { eventWebhookFromSettings } from '../edge/event-webhook.js';

/** One webhook per isolate, built on the first request (a worker's `env` is only known then). */
let webhook;

export default {
  /**
   * @param {Request} request
   * @param {Record<string, string | undefined>} env
   * @param {{ waitUntil(work: Promise<unknown>): void }} ctx
   */
  async fetch(request, env, ctx) {
    webhook ??= eventWebhookFromSettings((name) => env[name]);
    return webhook(request, (work) => ctx.waitUntil(work));
  },
};
