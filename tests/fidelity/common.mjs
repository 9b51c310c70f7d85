// Shared by the fidelity scripts: the built package (`scripts/build-pkg.sh --dev` → pkg/), a tally that ends in
// "N passed, N failed", and a free-port emulator process.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The package `altinn-broker-client` as Node resolves it: its package.json's `exports["."].node` entry
 * (already initialised). `CLIENT_PKG` names another build; default `<repo>/pkg`.
 */
export async function clientPackage() {
  const dir = process.env.CLIENT_PKG ?? join(ROOT, 'pkg');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.name !== 'altinn-broker-client') throw new Error(`${dir} is not the altinn-broker-client package`);
  const entry = manifest.exports?.['.']?.node?.default ?? './node.js';
  return import(pathToFileURL(join(dir, entry)).href);
}

/** An npm package of js/package.json (js/node_modules is not on this script's resolution path). */
export async function jsTool(name) {
  const require = createRequire(join(ROOT, 'js', 'package.json'));
  return import(pathToFileURL(require.resolve(name)).href);
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Counts checks; `summary()` prints the last line and sets the exit code. */
export class Tally {
  constructor() {
    this.passed = 0;
    this.failed = 0;
  }

  check(ok, what) {
    if (ok) {
      this.passed += 1;
    } else {
      this.failed += 1;
      if (what) console.log(`FAIL ${what}`);
    }
    return ok;
  }

  summary() {
    console.log(`${this.passed} passed, ${this.failed} failed`);
    process.exitCode = this.failed === 0 && this.passed > 0 ? 0 : 1;
  }
}

/**
 * An emulator process on a free port with a data dir of its own (as scripts/test.sh's start_emulator): the binary
 * is `EMULATOR_BIN`, else `$CARGO_TARGET_DIR/debug/altinn-broker-emulator`.
 */
export async function startEmulator(args = []) {
  const bin =
    process.env.EMULATOR_BIN ??
    join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/altinn-broker-client/target'), 'debug', 'altinn-broker-emulator');
  const data = tempDir('fidelity-emu-');
  // Its log goes to a file: the 500s a fidelity table provokes are logged at ERROR, one line each.
  const log = join(data, 'emulator.log');
  const proc = spawn(bin, ['--port', '0', '--data-dir', data, '--log', 'warn', ...args], {
    stdio: ['ignore', 'pipe', openSync(log, 'w')],
  });
  const reap = () => proc.kill('SIGKILL');
  process.once('exit', reap);
  const first = await new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', resolve);
    proc.once('exit', (code, signal) => reject(new Error(`emulator exited before listening (${code ?? signal})`)));
  });
  const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(first);
  if (!m) throw new Error(`unexpected first line from the emulator: ${first}`);
  return {
    url: m[1],
    log,
    /** The process id and the data dir (the benchmark reads the process's peak RSS and writes beside its files). */
    pid: proc.pid,
    dataDir: data,
    /** Stops the process; its data dir (and log) is removed unless `keep`. */
    async stop({ keep = false } = {}) {
      process.off('exit', reap);
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
      if (!keep) rmSync(data, { recursive: true, force: true });
    },
  };
}
