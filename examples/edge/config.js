// The transfer service's clients from plain settings (a worker's `env`, Deno.env, process.env): one place, so the
// Cloudflare Worker, the Deno and the Node server read the same names.
//
//   BROKER_URL              the Broker (https://platform.tt02.altinn.no, or the emulator's URL)
//   RESOURCE_ID, SENDER_ORG, RECIPIENT_ORGS (comma-separated)
//   BROKER_TOKENS           'maskinporten' (default) or 'emulator' (the emulator's test token generator, local only)
//   MASKINPORTEN_ENVIRONMENT 'test' | 'production'; or MASKINPORTEN_URL + PLATFORM_URL (the emulator:
//                           `${BROKER_URL}/maskinporten/` and BROKER_URL)
//   SENDER_MASKINPORTEN_CLIENT_ID, SENDER_MASKINPORTEN_KID, SENDER_MASKINPORTEN_KEY (a private JWK as JSON, or a
//                           PKCS#8 PEM); the same with RECIPIENT_ for the receiving organisation — secrets, never vars
//   BROKER_SUBSCRIPTION_KEY an API Management subscription key, when the gateway wants one (a secret)
import { BrokerClient } from 'altinn-broker-client';
import { maskinportenTokenProvider } from 'altinn-broker-client/edge';
import { emulatorTokens } from './emulator-tokens.js';
import { transferService } from './transfer-service.js';

/** @typedef {(name: string) => string | undefined} Settings */

/** A setting that must be there. @param {Settings} setting @param {string} name */
export function need(setting, name) {
  const v = setting(name);
  if (!v) throw new Error(`the setting ${name} is missing`);
  return v;
}

/**
 * The token callback of one organisation (`who`: 'SENDER' or 'RECIPIENT', the prefix of its Maskinporten
 * settings) with `scopes`.
 * @param {Settings} setting @param {'SENDER' | 'RECIPIENT'} who @param {string} org @param {string} scopes
 * @returns {(request?: { refresh: boolean }) => Promise<string>}
 */
export function tokensFromSettings(setting, who, org, scopes) {
  const mode = setting('BROKER_TOKENS') ?? 'maskinporten';
  if (mode === 'emulator') return emulatorTokens(need(setting, 'BROKER_URL'), org, scopes);
  if (mode !== 'maskinporten') throw new Error(`BROKER_TOKENS must be 'maskinporten' or 'emulator', not ${mode}`);
  const key = need(setting, `${who}_MASKINPORTEN_KEY`);
  const explicit = setting('MASKINPORTEN_URL');
  return maskinportenTokenProvider({
    clientId: need(setting, `${who}_MASKINPORTEN_CLIENT_ID`),
    keyId: need(setting, `${who}_MASKINPORTEN_KID`),
    privateKey: key.trimStart().startsWith('{') ? JSON.parse(key) : key,
    scopes,
    environment: explicit
      ? { maskinporten: explicit, platform: need(setting, 'PLATFORM_URL') }
      : /** @type {'test' | 'production'} */ (need(setting, 'MASKINPORTEN_ENVIRONMENT')),
  });
}

/** @param {Settings} setting @returns {(request: Request) => Promise<Response>} */
export function serviceFromSettings(setting) {
  const baseUrl = need(setting, 'BROKER_URL');
  const senderOrg = need(setting, 'SENDER_ORG');
  const recipients = need(setting, 'RECIPIENT_ORGS').split(',').map((s) => s.trim());
  const subscriptionKey = setting('BROKER_SUBSCRIPTION_KEY');
  const client = (who, org, scopes) =>
    new BrokerClient({ baseUrl, subscriptionKey, token: tokensFromSettings(setting, who, org, scopes) });
  return transferService({
    sender: client('SENDER', senderOrg, 'altinn:broker.write'),
    // The example receives as the first recipient, to show both halves in one service.
    recipient: client('RECIPIENT', recipients[0], 'altinn:broker.read'),
    resourceId: need(setting, 'RESOURCE_ID'),
    senderOrg,
    recipients,
  });
}
