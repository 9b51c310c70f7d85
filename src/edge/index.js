// The edge pieces the package's entry re-exports (js/assemble-pkg.mjs copies this folder to pkg/edge/).
export { maskinportenTokenProvider } from './maskinporten.js';
export { createBrokerProxy } from './proxy.js';
export { MaskinportenError, TokenExchangeError } from './errors.js';
export { createEventHandler, memorySeenStore } from './event-handler.js';
export { createEventFeed } from './event-feed.js';
