// Uploads one file to the emulator with the npm tus-js-client, configured as Altinn's own harness
// (tests/tus/Altinn.Broker.Tests.TusJsClient in Altinn/altinn-broker) configures it: an fs.ReadStream source,
// `chunkSize`, `parallelUploads`, a bearer token header and `filename`/`filetype` metadata.
//
// Environment: TUS_JS_DIR (the directory whose node_modules holds tus-js-client), ENDPOINT (the tus URL of the
// transfer), TOKEN, FILE_PATH, CHUNK_SIZE (bytes), PARALLEL_UPLOADS. Prints one JSON line: {"url": ..., "bytes": ...}.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`missing environment variable ${name}`);
  }
  return value;
}

const require = createRequire(join(required('TUS_JS_DIR'), 'package.json'));
const { Upload } = require('tus-js-client');

const filePath = required('FILE_PATH');
const { size } = await stat(filePath);
let uploaded = 0;

await new Promise((resolve, reject) => {
  const upload = new Upload(createReadStream(filePath), {
    endpoint: required('ENDPOINT'),
    chunkSize: Number(required('CHUNK_SIZE')),
    parallelUploads: Number(required('PARALLEL_UPLOADS')),
    retryDelays: [100, 500, 1000],
    headers: { Authorization: `Bearer ${required('TOKEN')}` },
    metadata: { filename: 'input.txt', filetype: 'application/octet-stream' },
    onError: reject,
    onProgress(bytesUploaded) {
      uploaded = bytesUploaded;
    },
    onSuccess() {
      console.log(JSON.stringify({ url: upload.url, bytes: uploaded, size }));
      resolve();
    },
  });
  upload.start();
});
