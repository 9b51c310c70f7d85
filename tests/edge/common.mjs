// Shared by the edge tests: the package under test, a Node HTTP server around a fetch-style handler (srvx's
// Request/Response adapter), and a runner that prints one line per case and the "test result:" line
// scripts/test.sh counts.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const requireTool = createRequire(join(root, 'js', 'package.json'));
export const pkgDir = process.env.EDGE_PKG || join(root, 'pkg');

/** The package's Node entry (already initialised), as a user imports it. */
export function clientPackage() {
  return import(pathToFileURL(join(pkgDir, 'node.js')).href);
}

/** The package's edge pieces (`altinn-broker-client/edge`) as Node loads them: the wasm initialised first. */
export function edgePackage() {
  return import(pathToFileURL(join(pkgDir, 'edge', 'node.js')).href);
}

/** Serves `handler(request) => Response` on 127.0.0.1 (a free port): `{ url, close }`. */
export async function serve(handler) {
  const { toNodeHandler } = await import(pathToFileURL(requireTool.resolve('srvx/node')).href);
  const server = createServer(toNodeHandler(handler));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

/**
 * Headless Debian Chromium through playwright-core (`CHROMIUM` names another binary), with the flags that keep it
 * from reaching outside the machine (toolchain-notes: Playwright).
 */
export async function launchChromium() {
  const { chromium } = requireTool('playwright-core');
  const executablePath = process.env.CHROMIUM || execFileSync('sh', ['-c', 'command -v chromium']).toString().trim();
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

export function assertEq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, expected ${e}`);
}

/** Runs `cases` ([name, async fn]) in order, printing each result; exits non-zero when one failed. */
export async function run(suite, cases, { setup, teardown } = {}) {
  let passed = 0;
  let failed = 0;
  let ctx;
  try {
    ctx = setup ? await setup() : undefined;
    for (const [name, fn] of cases) {
      const t0 = Date.now();
      try {
        await fn(ctx);
        passed += 1;
        console.log(`test ${suite}::${name} ... ok (${Date.now() - t0} ms)`);
      } catch (e) {
        failed += 1;
        console.log(`test ${suite}::${name} ... FAILED\n    ${e?.stack ?? e}`);
      }
    }
  } catch (e) {
    failed += 1;
    console.log(`${suite}: setup failed\n    ${e?.stack ?? e}`);
  } finally {
    if (teardown && ctx !== undefined) await teardown(ctx).catch((e) => console.log(`${suite}: teardown: ${e}`));
  }
  console.log(`test result: ${failed === 0 ? 'ok' : 'FAILED'}. ${passed} passed; ${failed} failed;`);
  process.exitCode = failed === 0 ? 0 : 1;
  // A setup that failed half-way leaves what it started (a workerd, a Deno) without its teardown, and their
  // handles would keep this process alive: exit, so the processes' own 'exit' reapers stop them.
  if (failed > 0) process.exit(1);
}

/** A `fetch` that records each call (url, method, headers, outcome) and forwards it to the global fetch. */
export function recordingFetch() {
  const calls = [];
  const fn = async (input, init = {}) => {
    const call = { url: String(input), method: init.method ?? 'GET', headers: new Headers(init.headers), outcome: 'pending', at: Date.now() };
    calls.push(call);
    try {
      const r = await fetch(input, init);
      call.outcome = r.status;
      return r;
    } catch (e) {
      call.outcome = e?.name ?? 'error';
      call.settledAt = Date.now();
      call.aborted = init.signal?.aborted === true;
      throw e;
    }
  };
  return { fn, calls };
}
