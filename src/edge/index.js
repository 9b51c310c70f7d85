// The edge pieces: the package's export `altinn-broker-client/edge` (js/assemble-pkg.mjs copies this folder to
// pkg/edge/ and adds an entry per runtime that initialises the wasm first). Not re-exported by the main entry, so
// a page never loads them.
export { maskinportenTokenProvider } from './maskinporten.js';
export { createBrokerProxy } from './proxy.js';
export { MaskinportenError, TokenExchangeError } from './errors.js';
export { createEventHandler, memorySeenStore } from './event-handler.js';
export { createEventFeed } from './event-feed.js';
