// The Web Worker example (examples/web-worker/) in headless Chromium: built with Vite as a user would build it (the
// package resolved by its name through the `browser` condition, `init()` finding the .wasm), served from loopback,
// and sent a 3 MiB file through the page's file input. The dedicated worker hashes the File in wasm and uploads it
// to an emulator process (started with --cors-origin: the page is on another origin; a portal would use the
// proxy); the test then reads the transfer from the emulator: Published, with the file's MD5.
//
//   EMULATOR_BIN=... node tests/edge/web_worker.mjs        (after scripts/build-pkg.sh)
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { clientPackage } from '../fidelity/common.mjs';
import { appDir, jsTool, listening, MiB, SENDER, Tally } from './harness.mjs';

const t = new Tally();
const app = appDir('edge-web-worker-');
const { build } = await jsTool('vite');
// playwright-core is CommonJS: its exports arrive as the default export.
const { chromium } = (await jsTool('playwright-core')).default;

const out = join(app, 'dist');
await build({
  configFile: false,
  root: join(app, 'examples', 'web-worker'),
  logLevel: 'warn',
  // The worker is a module worker (`type: 'module'` in main.js).
  worker: { format: 'es' },
  build: { outDir: out, emptyOutDir: true },
});

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const site = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const rel = normalize(path === '/' ? 'index.html' : path.slice(1));
  if (rel.startsWith('..') || rel.startsWith(sep)) return res.writeHead(404).end();
  let body;
  try {
    body = readFileSync(join(out, rel));
  } catch {
    return res.writeHead(404).end();
  }
  res.writeHead(200, { 'content-type': types[extname(rel)] ?? 'application/octet-stream' }).end(body);
});
await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
const siteUrl = `http://127.0.0.1:${site.address().port}/`;

const bin = process.env.EMULATOR_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/altinn-broker-client/target'), 'debug', 'altinn-broker-emulator');
const data = join(app, 'emulator-data');
const emulator = await listening(bin, ['--port', '0', '--data-dir', data, '--cors-origin', '*', '--log', 'warn']);
let browser;
try {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(`${siteUrl}?emulator=${encodeURIComponent(emulator.url)}&org=${SENDER}`);
  const file = Buffer.alloc(3 * MiB);
  for (let i = 0; i < file.length; i++) file[i] = (i * 7 + (i >>> 9)) & 0xff;
  const md5 = createHash('md5').update(file).digest('hex');
  await page.setInputFiles('#file', { name: 'from-a-worker.bin', mimeType: 'application/octet-stream', buffer: file });
  // The final text, not the progress line of the `published` phase ("published 3145728 / 3145728"), which comes
  // first and which an earlier wait for /^published/ took for the end (the fresh-clone CI's one failure at 5dfa7ae).
  await page.waitForFunction(() => /^(published [0-9a-f-]{36} \(|failed)/.test(document.getElementById('status').textContent), null, {
    timeout: 120_000,
  });
  const status = await page.textContent('#status');
  const m = /^published ([0-9a-f-]{36}) \((\d+) bytes, md5 ([0-9a-f]{32})\)$/.exec(status);
  if (t.check(m, `the worker did not publish the file: ${status}`)) {
    t.check(Number(m[2]) === file.length && m[3] === md5, `the worker reported ${m[2]} bytes, md5 ${m[3]} (file ${md5})`);
    const { BrokerClient } = await clientPackage();
    const q = new URLSearchParams({ env: 'tt02', orgNo: SENDER, scopes: 'altinn:broker.read' });
    const token = await (await fetch(`${emulator.url}/api/GetEnterpriseToken?${q}`)).text();
    const overview = await new BrokerClient({ baseUrl: emulator.url, token: () => token }).overview(m[1]);
    t.check(
      overview.fileTransferStatus === 'Published' && overview.checksum === md5 && overview.fileName === 'from-a-worker.bin',
      `the emulator holds ${overview.fileTransferStatus} ${overview.checksum} ${overview.fileName}`,
    );
    console.log(`  web worker: hashed and uploaded a 3 MiB File from a dedicated worker, Published (${m[1]})`);
  }
} finally {
  await browser?.close();
  site.close();
  await emulator.stop();
}
t.summary();
