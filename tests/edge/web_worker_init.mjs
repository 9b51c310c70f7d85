// The package in a dedicated Web Worker, in headless Chromium: a page served from loopback starts a module worker
// that imports pkg/ (scripts/build-pkg.sh), initialises it, hashes a Blob with the package's MD5, sends it to a
// real emulator process (CORS for the page's origin only) and downloads it again. Run twice: once with `init()`
// fetching the .wasm inside the worker, once with a WebAssembly.Module compiled by the page and posted to the
// worker. Node checks the MD5 against node:crypto and downloads the bytes itself. Prints a cargo-style
// "test result:" line (scripts/test.sh counts it) and exits non-zero on any failure.
//
// Firefox is not run here: playwright-core drives Firefox only through Playwright's own patched build, which
// cannot be installed on this machine (nothing but package registries); the wasm-bindgen tests cover Firefox.
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(join(root, 'js', 'package.json'));
const { chromium } = require('playwright-core');

const emulatorBin = process.env.EMULATOR_BIN;
if (!emulatorBin) throw new Error('EMULATOR_BIN must be set (scripts/test.sh sets it)');
const pkg = process.env.PKG_DIR || join(root, 'pkg');
const SENDER = '991825827';
const RECIPIENT = '986252932';

// Random bytes, an odd size spanning several of the client's hash/read chunks; the expected MD5 is Node's.
const source = randomBytes(5 * 1024 * 1024 + 3);
const sourceMd5 = createHash('md5').update(source).digest('hex');

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const send = (body, type) => res.writeHead(200, { 'content-type': type }).end(body);
  if (path === '/') return send(readFileSync(join(here, 'web_worker_page.html')), types['.html']);
  if (path === '/web_worker_upload.js') return send(readFileSync(join(here, 'web_worker_upload.js')), types['.js']);
  if (path === '/source.bin') return send(source, 'application/octet-stream');
  const rel = normalize(path.replace(/^\/pkg\//, ''));
  if (!path.startsWith('/pkg/') || rel.startsWith('..') || rel.startsWith(sep)) return res.writeHead(404).end();
  try {
    send(readFileSync(join(pkg, rel)), types[extname(rel)] ?? 'application/octet-stream');
  } catch {
    res.writeHead(404).end();
  }
});

/** A real emulator on a free port, answering CORS for `origin` only; resolves to `{ url, proc, dataDir }`. */
async function startEmulator(origin) {
  const dataDir = mkdtempSync(join(tmpdir(), 'edge-worker-emu-'));
  const args = ['--port', '0', '--data-dir', dataDir, '--cors-origin', origin, '--log', 'warn', '--scan-delay-ms', '50'];
  const proc = spawn(emulatorBin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => proc.kill('SIGKILL'));
  const first = await new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', resolve);
    proc.once('exit', (code, signal) => reject(new Error(`emulator exited before listening (${code ?? signal})`)));
  });
  const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(first);
  if (!m) throw new Error(`unexpected first line from the emulator: ${first}`);
  return { url: m[1], proc, dataDir };
}

async function token(emulatorUrl, orgNo, scopes) {
  const q = `env=tt02&orgNo=${orgNo}&scopes=${encodeURIComponent(scopes)}`;
  const r = await fetch(`${emulatorUrl}/api/GetEnterpriseToken?${q}`);
  if (!r.ok) throw new Error(`the token generator answered ${r.status}`);
  return (await r.text()).trim();
}

let passed = 0;
let failed = 0;
let browser;
let emu;
try {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const site = `http://127.0.0.1:${server.address().port}`;
  emu = await startEmulator(site);
  const executablePath = process.env.CHROMIUM || execFileSync('sh', ['-c', 'command -v chromium']).toString().trim();
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  for (const init of ['default', 'module']) {
    const name = `web_worker_init::${init === 'module' ? 'a_posted_webassembly_module' : 'init_fetches_the_wasm'}`;
    const problems = [];
    const check = (ok, what) => { if (!ok) problems.push(what); };
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      const workers = [];
      page.on('worker', (w) => workers.push(w.url()));
      await page.addInitScript((config) => { window.workerTest = config; }, { emulatorUrl: emu.url, init });
      await page.goto(`${site}/`);
      await page.waitForFunction(() => window.result !== undefined, null, { timeout: 120000 });
      const r = await page.evaluate(() => window.result);
      if (r.error) {
        problems.push(`the worker failed: ${r.error}`);
      } else {
        check(workers.length === 1 && workers[0] === `${site}/web_worker_upload.js`, `one worker ran (${workers})`);
        check(r.scope.global === 'DedicatedWorkerGlobalScope' && !r.scope.window && !r.scope.document,
          `the code ran in a dedicated worker with no window or document (${JSON.stringify(r.scope)})`);
        check(r.blobSize === source.length, `the worker's Blob has ${r.blobSize} bytes, the source ${source.length}`);
        check(r.md5 === sourceMd5, `Md5 in the worker gave ${r.md5}, node:crypto ${sourceMd5}`);
        check(r.sentChecksum === sourceMd5, `send hashed the Blob to ${r.sentChecksum}`);
        check(r.phases.includes('hash') && r.phases.includes('upload'), `send reported the phases ${r.phases}`);
        check(r.status === 'Published', `the transfer reached ${r.status}`);
        check(r.publishedChecksum === sourceMd5, `the service recorded the checksum ${r.publishedChecksum}`);
        check(r.downloaded === source.length && r.downloadedEqual,
          `the worker's download has ${r.downloaded} bytes${r.downloadedEqual ? '' : ' that differ from the Blob'}`);
        // The same transfer, downloaded outside the browser.
        const t = await token(emu.url, RECIPIENT, 'altinn:broker.read');
        const d = await fetch(`${emu.url}/broker/api/v1/filetransfer/${r.fileTransferId}/download`,
          { headers: { authorization: `Bearer ${t}` } });
        const bytes = Buffer.from(await d.arrayBuffer());
        check(d.status === 200 && bytes.equals(source), `Node downloaded ${bytes.length} bytes (${d.status}), not the source`);
      }
    } catch (e) {
      problems.push(`the test ran (${e?.stack ?? e})`);
    } finally {
      await context.close();
    }
    if (problems.length === 0) {
      passed += 1;
      console.log(`test ${name} ... ok`);
    } else {
      failed += 1;
      console.log(`test ${name} ... FAILED\n  ${problems.join('\n  ')}`);
    }
  }
} catch (e) {
  failed += 1;
  console.log(`web worker test setup failed: ${e?.stack ?? e}`);
} finally {
  await browser?.close();
  server.close();
  if (emu) {
    const exited = new Promise((r) => (emu.proc.exitCode !== null ? r() : emu.proc.once('exit', r)));
    emu.proc.kill('SIGTERM');
    await exited;
    rmSync(emu.dataDir, { recursive: true, force: true });
  }
}

console.log(`test result: ${failed === 0 ? 'ok' : 'FAILED'}. ${passed} passed; ${failed} failed;`);
process.exit(failed === 0 ? 0 : 1);
