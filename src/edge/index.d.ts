export * from "./maskinporten.js";
export * from "./proxy.js";
export * from "./errors.js";
export * from "./event-handler.js";
export * from "./event-feed.js";
