export * from "./maskinporten.js";
export * from "./proxy.js";
export * from "./errors.js";
