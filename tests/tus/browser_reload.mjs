// In headless Chromium: start an upload, reload the page mid-upload, find the upload again in IndexedDB by the
// file's fingerprint and resume it; the downloaded bytes equal the source.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Emulator, MIB, assert, clients, env, log, verifyDownload } from './harness.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(join(root, 'js', 'package.json'));
const { chromium } = require('playwright-core');
const pkg = env('TUS_PKG');
const page = readFileSync(fileURLToPath(new URL('./reload_page.html', import.meta.url)));
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

// The page and the package, from loopback.
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    return;
  }
  const rel = normalize(path.replace(/^\/pkg\//, ''));
  if (!path.startsWith('/pkg/') || rel.startsWith('..')) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = readFileSync(join(pkg, rel));
    res.writeHead(200, { 'content-type': types[extname(rel)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const site = `http://127.0.0.1:${server.address().port}`;

const size = 6 * MIB + 1;
const expected = (() => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + (i >>> 11) + 3) & 0xff;
  return createHash('md5').update(b).digest('hex');
})();

const executablePath = process.env.CHROMIUM || execFileSync('sh', ['-c', 'command -v chromium']).toString().trim();
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const emu = new Emulator({ cors: true });
try {
  await emu.start();
  const tab = await browser.newPage();
  tab.on('pageerror', (e) => log('page error:', e.message));
  const open = async () => {
    await tab.goto(`${site}/?emulator=${encodeURIComponent(emu.url)}`);
    await tab.waitForFunction(() => window.ready === true);
  };
  await open();
  // Slow chunks, so the reload lands mid-upload.
  await emu.hook('POST', '/emulator/api/faults', { method: 'PATCH', path: '**/tus/**', count: 1000, delayMs: 100 });
  const id = await tab.evaluate((n) => window.harness.start(n), size);
  await tab.waitForFunction((n) => window.harness.loaded() >= n, size / 4, { polling: 20 });
  const before = await tab.evaluate(() => window.harness.loaded());
  await tab.reload();
  await tab.waitForFunction(() => window.ready === true);
  await emu.hook('DELETE', '/emulator/api/faults');
  const r = await tab.evaluate((n) => window.harness.resume(n), size);
  assert(r.id === id, `resumed ${r.id}, started ${id}`);
  assert(r.first > 0, `the resumed upload went on from the service's offset (${r.first}), not from 0`);
  assert(r.left === 0, 'the finished upload left no record in IndexedDB');
  assert(!r.record.includes('reload.bin'), 'the record does not hold the file name');
  await verifyDownload(await clients(emu), id, size, expected);
  log(`browser reload: reloaded at ${before} bytes, resumed from ${r.first}, ${size} bytes byte-exact`);
} finally {
  await browser.close();
  server.close();
  await emu.stop();
  rmSync(emu.dataDir, { recursive: true, force: true });
}
