// A dedicated module worker (started by web_worker_page.html): initialises the package, hashes a Blob with the
// package's MD5, sends it to the emulator, waits for Published and downloads it again, comparing bytes. Answers
// the page with one message of facts; web_worker.mjs judges them.
import init, { BrokerClient, Md5 } from '/pkg/index.js';

const SENDER = '991825827';
const RECIPIENT = '986252932';

/** A token callback from the emulator's test token generator (`env` as the real generator requires it). */
function tokens(emulatorUrl, orgNo, scopes) {
  return async () => {
    const q = `env=tt02&orgNo=${orgNo}&scopes=${encodeURIComponent(scopes)}`;
    const r = await fetch(`${emulatorUrl}/api/GetEnterpriseToken?${q}`);
    if (!r.ok) throw new Error(`the token generator answered ${r.status}`);
    return (await r.text()).trim();
  };
}

async function readAll(stream) {
  const reader = stream.getReader();
  const parts = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.length;
  }
  const all = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

async function run({ emulatorUrl, module }) {
  const scope = {
    global: self.constructor.name,
    window: typeof window !== 'undefined',
    document: typeof document !== 'undefined',
  };
  await (module ? init({ module_or_path: module }) : init());

  const blob = await (await fetch('/source.bin')).blob();
  // The package's incremental MD5 over the Blob's own stream, chunk by chunk as a caller would.
  const h = new Md5();
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    h.update(value);
  }
  const md5 = h.digestHex();

  const retry = { baseDelayMs: 50 };
  const sender = new BrokerClient({ baseUrl: emulatorUrl, token: tokens(emulatorUrl, SENDER, 'altinn:broker.write'), retry });
  const phases = new Set();
  const sent = await sender.send(blob, {
    fileName: 'worker.bin',
    resourceId: 'altinn-broker-test-resource-1',
    sendersFileTransferReference: 'web-worker',
    sender: `0192:${SENDER}`,
    recipients: [`0192:${RECIPIENT}`],
  }, { onProgress: (p) => phases.add(p.phase) });
  const published = await sender.waitFor(sent.fileTransferId, 'Published', { timeoutMs: 60000 });

  const recipient = new BrokerClient({ baseUrl: emulatorUrl, token: tokens(emulatorUrl, RECIPIENT, 'altinn:broker.read'), retry });
  const d = await recipient.download(sent.fileTransferId, { verify: true });
  const got = await readAll(d.stream);
  const want = new Uint8Array(await blob.arrayBuffer());
  let equal = got.length === want.length;
  for (let i = 0; equal && i < got.length; i++) equal = got[i] === want[i];

  return {
    scope,
    blobSize: blob.size,
    md5,
    fileTransferId: sent.fileTransferId,
    sentChecksum: sent.checksum,
    phases: [...phases],
    status: published.fileTransferStatus,
    publishedChecksum: published.checksum,
    downloaded: got.length,
    downloadedEqual: equal,
  };
}

self.onmessage = async ({ data }) => {
  try {
    self.postMessage(await run(data));
  } catch (e) {
    self.postMessage({ error: `${e?.name}: ${e?.message}` });
  }
};
