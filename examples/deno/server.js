// The transfer service (../edge/transfer-service.js) on Deno:
//   BROKER_URL=http://127.0.0.1:5096 BROKER_TOKENS=emulator RESOURCE_ID=altinn-broker-test-resource-1 \
//   SENDER_ORG=991825827 RECIPIENT_ORGS=986252932 deno run --allow-net --allow-env server.js
// The package's `deno` export loads its .wasm with a source-phase import (a compiled WebAssembly.Module, no
// --allow-read) and initialises it, so there is no `init()` to call. tests/edge/deno.mjs runs this file.
import { serviceFromSettings } from '../edge/config.js';

const service = serviceFromSettings((name) => Deno.env.get(name));

Deno.serve(
  {
    hostname: Deno.env.get('HOST') ?? '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 8000),
    onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
  },
  service,
);
