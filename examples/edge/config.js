// The transfer service's clients from plain settings (a worker's `env`, Deno.env, process.env): one place, so the
// Cloudflare Worker, the Deno and the Node server read the same names.
import { BrokerClient } from 'altinn-broker-client';
import { emulatorTokens } from './emulator-tokens.js';
import { transferService } from './transfer-service.js';

/**
 * @param {(name: string) => string | undefined} setting
 * @returns {(request: Request) => Promise<Response>}
 */
export function serviceFromSettings(setting) {
  const need = (name) => {
    const v = setting(name);
    if (!v) throw new Error(`the setting ${name} is missing`);
    return v;
  };
  const baseUrl = need('BROKER_URL');
  const senderOrg = need('SENDER_ORG');
  const recipients = need('RECIPIENT_ORGS').split(',').map((s) => s.trim());
  if (setting('BROKER_TOKENS') !== 'emulator') {
    throw new Error('set BROKER_TOKENS=emulator (the emulator\'s test tokens); the real Broker needs Maskinporten');
  }
  const tokens = (org, scope) => emulatorTokens(baseUrl, org, scope);
  const subscriptionKey = setting('BROKER_SUBSCRIPTION_KEY');
  return transferService({
    sender: new BrokerClient({ baseUrl, subscriptionKey, token: tokens(senderOrg, 'altinn:broker.write') }),
    // The example receives as the first recipient, to show both halves in one service.
    recipient: new BrokerClient({ baseUrl, subscriptionKey, token: tokens(recipients[0], 'altinn:broker.read') }),
    resourceId: need('RESOURCE_ID'),
    senderOrg,
    recipients,
  });
}
