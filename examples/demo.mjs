// The demo: one organisation sends a file to another through Altinn Broker, using the client as an integrator
// would. Run it with `scripts/demo.sh`, which builds the package and starts the local emulator; or point it at
// your own Broker with BROKER_URL (and replace `tokenFor` with your Maskinporten token exchange).
//
//   node examples/demo.mjs [size-in-MiB]
import { openAsBlob } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerClient, BrokerError, TransferFailedError } from '../pkg/node.js';

const baseUrl = process.env.BROKER_URL ?? 'http://127.0.0.1:5096';
const resourceId = 'altinn-broker-test-resource-1';
const sender = '991825827';
const recipient = '986252932';
const sizeMiB = Number(process.argv[2] ?? 64);

// A token callback is all the client needs for auth. It is called before every request (cache inside if you
// like) and once more with { refresh: true } after a 401. Here: the emulator's test token issuer.
const tokenFor = (orgNo, scope) => async () => {
  const r = await fetch(`${baseUrl}/api/GetEnterpriseToken?env=tt02&orgNo=${orgNo}&scopes=${scope}`);
  if (!r.ok) throw new Error(`token issuer answered ${r.status}`);
  return r.text();
};
const senderClient = new BrokerClient({ baseUrl, token: tokenFor(sender, 'altinn:broker.write') });
const recipientClient = new BrokerClient({ baseUrl, token: tokenFor(recipient, 'altinn:broker.read') });

const work = await mkdtemp(join(tmpdir(), 'broker-demo-'));
try {
  // 1. A generated file on disk. openAsBlob gives a Blob backed by the file: nothing is loaded into memory.
  const source = join(work, 'report.bin');
  const chunk = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
  await writeFile(source, Array.from({ length: sizeMiB }, () => chunk));
  const file = await openAsBlob(source);

  // 2. The sender: hash (MD5 in wasm) → initialize → upload (streamed) → wait until the scan has published it.
  let shown = '';
  const { fileTransferId, checksum } = await senderClient.send(
    file,
    {
      fileName: 'report.bin',
      resourceId,
      sendersFileTransferReference: `demo-${Date.now()}`,
      sender: `0192:${sender}`,
      recipients: [`0192:${recipient}`],
      propertyList: { purpose: 'demo' },
    },
    {
      timeoutMs: 120_000,
      onProgress: ({ phase, loaded, total }) => {
        const line = `${phase} ${Math.round((100 * loaded) / (total || 1))}%`;
        if (line !== shown) process.stdout.write(`\r  sender: ${(shown = line)}   `);
      },
    },
  );
  console.log(`\n  sender: published ${fileTransferId} (${sizeMiB} MiB, md5 ${checksum})`);

  // 3. The recipient finds it by search: published transfers of this resource, newest first.
  const ids = await recipientClient.search({ resourceId, status: 'Published', role: 'Recipient' });
  if (!ids.includes(fileTransferId)) throw new Error('the recipient did not find the transfer');
  console.log(`  recipient: found it among ${ids.length} published transfer(s)`);

  // 4. Stream it to disk; `verify` checks the MD5 as the bytes pass and fails the stream on a mismatch,
  //    and an interrupted body is resumed from the last byte received.
  const download = await recipientClient.download(fileTransferId, { verify: true });
  const target = join(work, `received-${download.fileName}`);
  await download.stream.pipeTo(Writable.toWeb(createWriteStream(target)));
  console.log(`  recipient: saved ${download.size} bytes to ${target}, checksum verified`);

  // 5. Confirm, which completes the transfer for this recipient.
  await recipientClient.confirmDownload(fileTransferId);

  // 6. What happened, in order (the service returns its histories unordered).
  console.log('  timeline:');
  for (const e of await senderClient.timeline(fileTransferId)) {
    const who = e.kind === 'recipient' ? `recipient ${e.recipient}` : 'transfer';
    console.log(`    ${e.time}  ${who.padEnd(25)} ${e.status.padEnd(22)} ${e.text}`);
  }
} catch (e) {
  if (e instanceof TransferFailedError) console.error(`transfer ${e.fileTransferId} ended ${e.status}: ${e.statusText}`);
  else if (e instanceof BrokerError) console.error(`Broker said ${e.status} ${e.code ?? ''}: ${e.detail ?? e.title}`, e.errors);
  else console.error(e);
  process.exitCode = 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
