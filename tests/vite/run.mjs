// The package in a bundler: a Vite production build of this page, with `altinn-broker-client` resolved from the
// built pkg/ as an installed dependency would be, served from loopback and run in headless Chromium against the
// emulator at BROKER_EMULATOR_URL (scripts/test.sh starts it). Exits non-zero unless the page's results match.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(join(root, 'js', 'package.json'));
const { chromium } = require('playwright-core');
const { build } = await import(pathToFileURL(require.resolve('vite')).href);

const emulatorUrl = process.env.BROKER_EMULATOR_URL;
if (!emulatorUrl) throw new Error('BROKER_EMULATOR_URL must be set (scripts/test.sh sets it)');

const expected = {
  md5: '900150983cd24fb0d6963f7d28e17f72',
  validation: null,
  status: 'Initialized',
};

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  if (!ok) failures.push(what);
};

const outDir = mkdtempSync(join(tmpdir(), 'vite-bundle-'));
let server;
let browser;
try {
  // The package by its name, from pkg/: Vite reads its package.json `exports` (the browser takes `default`).
  await build({
    configFile: false,
    root: here,
    logLevel: 'warn',
    resolve: { alias: [{ find: /^altinn-broker-client$/, replacement: join(root, 'pkg') }] },
    build: { outDir, emptyOutDir: true },
  });
  const emitted = readdirSync(join(outDir, 'assets'));
  check(emitted.some((f) => f.endsWith('.wasm')), `the build emitted the package's .wasm (${emitted.join(', ')})`);

  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const rel = normalize(path === '/' ? 'index.html' : path.slice(1));
    if (rel.startsWith('..') || rel.startsWith(sep)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(join(outDir, rel));
      res.writeHead(200, { 'content-type': types[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const site = `http://127.0.0.1:${server.address().port}/`;

  const tokenResponse = await fetch(
    `${emulatorUrl}/api/GetEnterpriseToken?env=tt02&orgNo=991825827&scopes=${encodeURIComponent('altinn:broker.write')}`,
  );
  if (!tokenResponse.ok) throw new Error(`the token issuer answered ${tokenResponse.status}`);
  const token = (await tokenResponse.text()).trim();

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  // Given to the page before its scripts run, so the token is in no URL.
  await page.addInitScript((config) => { window.brokerTest = config; }, { emulatorUrl, token });
  await page.goto(site);
  await page.waitForSelector('#result[data-state]', { timeout: 60000 });
  const state = await page.getAttribute('#result', 'data-state');
  const result = JSON.parse(await page.textContent('#result'));
  check(state === 'done', `the page ran to the end${result.error ? ` (${result.error})` : ''}`);
  if (state === 'done') {
    check(result.md5 === expected.md5, `md5Hex("abc") = ${result.md5}`);
    check(result.validation === expected.validation, `validateInitialize gave ${JSON.stringify(result.validation)}`);
    check(/^[0-9a-f-]{36}$/.test(result.fileTransferId), `initialize gave the id ${result.fileTransferId}`);
    check(result.overviewId === result.fileTransferId, `the overview is of ${result.overviewId}`);
    check(result.status === expected.status, `the overview's status is ${result.status}`);
  }
} catch (e) {
  check(false, `the test ran (${e?.stack ?? e})`);
} finally {
  await browser?.close();
  server?.close();
  rmSync(outDir, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.log(`vite bundle: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('vite bundle: the Vite-built page initialised the package and initialized a transfer');
