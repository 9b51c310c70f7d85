// The Altinn Events webhook of ../edge/event-webhook.js on Deno (answering after each event is handed on, so a
// failure gets a 500 and the service delivers again). tests/edge/events_deno.mjs runs this file:
//   BROKER_URL=... BROKER_TOKENS=emulator SENDER_ORG=991825827 EVENTS_FORWARD_URL=... \
//   deno run --allow-net --allow-env events-webhook.js
import { eventWebhookFromSettings } from '../edge/event-webhook.js';

const webhook = eventWebhookFromSettings((name) => Deno.env.get(name));

Deno.serve(
  {
    hostname: Deno.env.get('HOST') ?? '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 8000),
    onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
  },
  (request) => webhook(request),
);
