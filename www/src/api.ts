// The portal's connection to Broker: one BrokerClient on the page's own origin with no token (the server's proxy
// adds it), and the server's session (which seed organisation acts, local mode only).
import init, { BrokerClient } from 'altinn-broker-client';

export interface Identity {
  org: string;
  name: string;
}

export interface Session {
  mode: 'local';
  /** The acting organisation, 9 digits. */
  org: string;
  identities: Identity[];
  /** The services (resource ids) to offer; whether the org may use each is the service's answer. */
  resources: string[];
}

let brokerClient: BrokerClient | null = null;
let current: Session | null = null;

export async function connect(): Promise<Session> {
  await init();
  // Retries a little sooner than the default: the proxy is one hop away on the same origin.
  brokerClient = new BrokerClient({ baseUrl: location.origin, retry: { retries: 3, baseDelayMs: 200, maxDelayMs: 2000 } });
  current = await portalJson<Session>('/portal/api/session');
  return current;
}

export function client(): BrokerClient {
  if (!brokerClient) throw new Error('connect() first');
  return brokerClient;
}

export function session(): Session {
  if (!current) throw new Error('connect() first');
  return current;
}

export function orgLabel(org: string): string {
  const digits = org.replace(/^.*:/, '');
  const known = current?.identities.find((i) => i.org === digits);
  return known ? `${known.name} (${digits})` : digits;
}

/** Switches the acting organisation (the server sets its identity cookie); the page then reloads its data. */
export async function switchIdentity(org: string): Promise<void> {
  await portalJson<{ org: string }>('/portal/api/identity', { method: 'POST', body: JSON.stringify({ org }), headers: { 'content-type': 'application/json' } });
  current = await portalJson<Session>('/portal/api/session');
}

async function portalJson<T>(path: string, init?: RequestInit): Promise<T> {
  const r = await fetch(path, init);
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error((body && typeof body.title === 'string' ? body.title : null) ?? `The portal server answered ${r.status}`);
  return body as T;
}
