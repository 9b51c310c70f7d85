// A Cloudflare Worker (workerd) that sends the body of a request to Altinn Broker as it arrives, and receives
// transfers: see ../edge/transfer-service.js for the routes. `wrangler dev` / `wrangler deploy` with the
// wrangler.toml beside it. The package's `workerd` export imports its .wasm as a module and initialises it, so
// there is no `init()` to call. tests/edge/workerd.mjs bundles this file with esbuild and runs it in workerd.
import { serviceFromSettings } from '../edge/config.js';

/** One service per isolate, built on the first request (a worker's `env` is only known then). */
let service;

export default {
  /** @param {Request} request @param {Record<string, string | undefined>} env */
  async fetch(request, env) {
    service ??= serviceFromSettings((name) => env[name]);
    return service(request);
  },
};
