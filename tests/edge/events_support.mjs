// Shared by the events tests: an emulator process with the flags the Events tests need, clients with the scopes,
// one transfer's life driven through the client, and a webhook on a Node server of its own.
import { startEmulator as startLoggedEmulator } from '../fidelity/common.mjs';
import { RESOURCE, SENDER, RECIPIENT } from '../tus/harness.mjs';
import { clientPackage, edgePackage, serve } from './common.mjs';

export { RESOURCE, SENDER, RECIPIENT };
// Both entries' names in one object: the client (`altinn-broker-client`) and the webhook handler and event feed
// (`altinn-broker-client/edge`).
export const pkg = { ...(await clientPackage()), ...(await edgePackage()) };

/** An emulator on a free loopback port (fidelity/common.mjs) with `args` added and a quick scan; `{ url, log,
 * hook, stop }`. */
export async function startEmulator(args = []) {
  const emu = await startLoggedEmulator(['--scan-delay-ms', '50', ...args]);
  return {
    ...emu,
    async hook(method, path, body) {
      const init = { method };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { 'content-type': 'application/json' };
      }
      const r = await fetch(`${emu.url}${path}`, init);
      if (!r.ok) throw new Error(`${method} ${path} answered ${r.status}: ${await r.text()}`);
      const text = await r.text();
      return text ? JSON.parse(text) : null;
    },
  };
}

/** A token callback for `org` with `scopes`, cached for the hour the test tokens last. */
export function tokenFor(emu, org, scopes) {
  let token = null;
  return async ({ refresh } = {}) => {
    if (token === null || refresh) {
      const q = new URLSearchParams({ env: 'tt02', orgNo: org, scopes, ttl: '3600' });
      const r = await fetch(`${emu.url}/api/GetEnterpriseToken?${q}`);
      if (!r.ok) throw new Error(`the test token generator answered ${r.status}`);
      token = (await r.text()).trim();
    }
    return token;
  };
}

/** Sender and recipient clients with Broker's and Events' scopes. */
export function clients(emu) {
  const retry = { baseDelayMs: 50, maxDelayMs: 1000 };
  const make = (org, scope) => new pkg.BrokerClient({
    baseUrl: emu.url, retry, token: tokenFor(emu, org, `${scope} altinn:events.subscribe`),
  });
  return { sender: make(SENDER, 'altinn:broker.write'), recipient: make(RECIPIENT, 'altinn:broker.read') };
}

/** Initializes a transfer from SENDER to RECIPIENT. */
export function initialize(sender, label) {
  return sender.initialize({
    fileName: `${label}.txt`, resourceId: RESOURCE, sendersFileTransferReference: `events-${label}`,
    sender: `0192:${SENDER}`, recipients: [`0192:${RECIPIENT}`],
  });
}

/** Uploads, waits for `Published`, downloads and confirms: the life up to `AllConfirmedDownloaded`. */
export async function liveThrough(c, id) {
  await c.sender.upload(id, new TextEncoder().encode(`the file of ${id}`));
  await c.sender.waitFor(id, 'Published', { timeoutMs: 30_000 });
  const d = await c.recipient.download(id);
  await new Response(d.stream).arrayBuffer();
  await c.recipient.confirmDownload(id);
  await c.sender.waitFor(id, 'AllConfirmedDownloaded', { timeoutMs: 30_000 });
}

/** The CloudEvents the emulator recorded for a transfer (Broker's publish side, contract §6), oldest first. */
export function recordedEvents(emu, id) {
  return emu.hook('GET', `/emulator/api/events?fileTransferId=${id}`);
}

/** A webhook server around `createEventHandler(options)`; `{ url, close }`. */
export function webhook(options) {
  return serve(pkg.createEventHandler(options));
}

/** POSTs an event body to a webhook as Events does (§1.5: application/json, no auth). */
export function push(url, body) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Resolves when `cond()` holds, polling every 20 ms, or rejects after `ms`. */
export async function until(cond, ms, what) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
