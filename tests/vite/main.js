// The package as an application bundles it: imported by name, initialised with `init()` and no arguments, so
// Vite has to find and emit the `.wasm` the package refers to. run.mjs sets `window.brokerTest` (the emulator's
// URL and a token) before this runs, and reads what this writes into `#result`.
import init, { BrokerClient, md5Hex, validateInitialize } from 'altinn-broker-client';

const out = document.getElementById('result');

async function run() {
  await init();
  const { emulatorUrl, token } = window.brokerTest;
  const request = {
    fileName: 'vite.txt',
    resourceId: 'altinn-broker-test-resource-1',
    sendersFileTransferReference: 'vite-bundle',
    sender: '0192:991825827',
    recipients: ['0192:986252932'],
  };
  const client = new BrokerClient({ baseUrl: emulatorUrl, token: async () => token, retry: false });
  const fileTransferId = await client.initialize(request);
  const overview = await client.overview(fileTransferId);
  return {
    md5: md5Hex(new TextEncoder().encode('abc')),
    validation: validateInitialize(request),
    fileTransferId,
    overviewId: overview.fileTransferId,
    status: overview.fileTransferStatus,
  };
}

run().then(
  (result) => {
    out.textContent = JSON.stringify(result);
    out.dataset.state = 'done';
  },
  (e) => {
    out.textContent = JSON.stringify({ error: `${e?.name}: ${e?.message}` });
    out.dataset.state = 'failed';
  },
);
