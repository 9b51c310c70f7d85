// Helpers of the tus tests that are easier to say in JavaScript.

/**
 * A token callback that caches one token of `ttl` seconds and hands it out until told it was refused (a caller
 * caching tokens, as integrators do). Counts calls and refreshes.
 */
export function cachingTokens(baseUrl, orgNo, scopes, ttl) {
  const state = { calls: 0, refreshes: 0, issued: 0, token: null };
  const fn = async (req) => {
    state.calls += 1;
    if (req && req.refresh) state.refreshes += 1;
    if (state.token === null || (req && req.refresh)) {
      const url = `${baseUrl}/api/GetEnterpriseToken?env=tt02&orgNo=${orgNo}&scopes=${encodeURIComponent(scopes)}&ttl=${ttl}`;
      const r = await fetch(url);
      if (!r.ok) throw new Error(`token issuer answered ${r.status}`);
      state.token = (await r.text()).trim();
      state.issued += 1;
    }
    return state.token;
  };
  return { fn, state };
}
export function cachingFn(s) { return s.fn; }
export function cachingCalls(s) { return s.state.calls; }
export function cachingIssued(s) { return s.state.issued; }

/** Records every progress event: `{ fn, events }`. */
export function progressRecorder() {
  const events = [];
  return { fn: (p) => { events.push({ phase: p.phase, loaded: p.loaded, total: p.total }); }, events };
}
export function recorderFn(r) { return r.fn; }
export function recorderEvents(r) { return r.events; }

/** `HEAD` of a tus upload path with a token, bypassing the client: `{ status, offset }`. */
export async function rawHead(baseUrl, token, path) {
  const r = await fetch(`${baseUrl}${path}`, { method: 'HEAD', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' } });
  return { status: r.status, offset: r.headers.get('upload-offset') };
}

export function now() { return Date.now(); }
