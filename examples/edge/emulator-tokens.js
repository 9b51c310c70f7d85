// Tokens from the local emulator's test token generator (docs/contract/events-auth-contract.md §4): for the
// emulator only — against the real Broker use a Maskinporten token provider instead.

/**
 * A `token` callback for `BrokerClient` that asks `{baseUrl}/api/GetEnterpriseToken` for an Altinn token of `orgNo`
 * with `scopes`. The token is only handed to the client, never logged.
 * @param {string} baseUrl @param {string} orgNo @param {string} scopes
 * @returns {() => Promise<string>}
 */
export function emulatorTokens(baseUrl, orgNo, scopes) {
  return async () => {
    const q = new URLSearchParams({ env: 'tt02', orgNo, scopes });
    const r = await fetch(`${baseUrl}/api/GetEnterpriseToken?${q}`);
    if (!r.ok) throw new Error(`the test token generator answered ${r.status}`);
    return r.text();
  };
}
