// The transfer service (../edge/transfer-service.js) on Node ≥ 20:
//   BROKER_URL=http://127.0.0.1:5096 BROKER_TOKENS=emulator RESOURCE_ID=altinn-broker-test-resource-1 \
//   SENDER_ORG=991825827 RECIPIENT_ORGS=986252932 node server.mjs
// The package's `node` export is initialised at import. node:http speaks IncomingMessage, not Request, so the
// request body is handed over as a web stream (never buffered) and the Response's body streamed back.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { serviceFromSettings } from '../edge/config.js';

const service = serviceFromSettings((name) => process.env[name]);

const server = createServer(async (req, res) => {
  const abort = new AbortController();
  res.once('close', () => abort.abort(new Error('the client went away')));
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : v ? [[k, v]] : [])),
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: 'half',
    signal: abort.signal,
  });
  const response = await service(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) Readable.fromWeb(response.body).pipe(res);
  else res.end();
});

server.listen(Number(process.env.PORT ?? 8000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}`);
});
