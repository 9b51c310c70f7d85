// The Chromium rows' page: bench/page/ served from a loopback origin (tests/edge/common.mjs's serve), with pkg/
// and hash-wasm's browser build beside it, in headless Debian Chromium (tests/edge/common.mjs's launchChromium).
// The emulator is another origin, so the rows that reach it start it with CORS.
import { readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { launchChromium, requireTool, serve } from '../../tests/edge/common.mjs';
import { pkgDir } from './world.mjs';

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const pageDir = new URL('../page/', import.meta.url).pathname;
const hashWasm = requireTool.resolve('hash-wasm/dist/md5.umd.min.js');

function file(path) {
  try {
    return new Response(readFileSync(path), { headers: { 'content-type': types[extname(path)] ?? 'application/octet-stream' } });
  } catch {
    return new Response(null, { status: 404 });
  }
}

function route(request) {
  const path = new URL(request.url).pathname;
  if (path === '/') return file(join(pageDir, 'index.html'));
  if (path === '/hash-wasm.js') return file(hashWasm);
  for (const [prefix, dir] of [['/pkg/', pkgDir()], ['/page/', pageDir]]) {
    if (path.startsWith(prefix)) {
      const rel = normalize(path.slice(prefix.length));
      if (rel.startsWith('..')) return new Response(null, { status: 404 });
      return file(join(dir, rel));
    }
  }
  return new Response(null, { status: 404 });
}

/** One browser and one page server for the whole run, started by the first Chromium row. */
export class Chromium {
  async page() {
    if (!this.browser) {
      this.server = await serve(route);
      this.browser = await launchChromium();
      this.version = this.browser.version();
    }
    const tab = await this.browser.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`${this.server.url}/`);
    await tab.waitForFunction(() => window.ready === true || window.failed, null, { timeout: 60000 });
    const failed = await tab.evaluate(() => window.failed);
    if (failed || errors.length) throw new Error(`the bench page failed: ${failed ?? errors.join('; ')}`);
    return tab;
  }

  async close() {
    await this.browser?.close();
    await this.server?.close();
  }
}
