// What the rows need of the world: the emulator's speed build (started as the tests start it, tests/fidelity/common.mjs,
// on a free port with a data dir of its own), test tokens from its token generator, and the raw HTTP steps the
// baselines use (initialize, upload, overview), written with nothing but `fetch`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientPackage, ROOT, startEmulator } from '../../tests/fidelity/common.mjs';
import { RECIPIENT, RESOURCE, SENDER } from '../../tests/edge/harness.mjs';

export { RECIPIENT, RESOURCE, SENDER };
export const MiB = 1 << 20;
export const API = '/broker/api/v1';

/** The package as Node resolves it (`CLIENT_PKG`, default pkg/), initialised. */
export const pkg = () => clientPackage();

/** The package's directory (`CLIENT_PKG`, default pkg/): what the size row measures and the Chromium page loads. */
export const pkgDir = () => process.env.CLIENT_PKG || join(ROOT, 'pkg');

/**
 * A fresh emulator (the binary in EMULATOR_BIN). `cors`: for the Chromium rows, whose page is on another loopback
 * origin. The simulated malware scan takes 0 ms, so "until Published" times the client, not a fixed sleep.
 */
export async function emulator({ cors = false } = {}) {
  const args = ['--scan-delay-ms', '0'];
  if (cors) args.push('--cors-origin', '*');
  const emu = await startEmulator(args);
  const token = async (orgNo, scopes) => {
    const q = new URLSearchParams({ env: 'tt02', orgNo, scopes, ttl: '3600' });
    const r = await fetch(`${emu.url}/api/GetEnterpriseToken?${q}`);
    if (!r.ok) throw new Error(`the test token generator answered ${r.status}`);
    return (await r.text()).trim();
  };
  const write = await token(SENDER, 'altinn:broker.write');
  const read = await token(RECIPIENT, 'altinn:broker.read');
  const auth = (t) => ({ authorization: `Bearer ${t}` });
  let n = 0;
  const world = {
    ...emu,
    tokens: { write, read },
    request(fileName, extra = {}) {
      n += 1;
      return {
        fileName,
        resourceId: RESOURCE,
        sendersFileTransferReference: `bench-${process.pid}-${n}`,
        sender: `0192:${SENDER}`,
        recipients: [`0192:${RECIPIENT}`],
        ...extra,
      };
    },
    /** Raw initialize: the new transfer's id. */
    async initialize(fileName = 'bench.bin', extra = {}) {
      const r = await fetch(`${emu.url}${API}/filetransfer`, {
        method: 'POST',
        headers: { ...auth(write), 'content-type': 'application/json' },
        body: JSON.stringify(world.request(fileName, extra)),
      });
      const body = await r.json();
      if (r.status !== 200 || !body.fileTransferId) throw new Error(`initialize answered ${r.status} ${JSON.stringify(body)}`);
      return body.fileTransferId;
    },
    uploadUrl: (id) => `${emu.url}${API}/filetransfer/${id}/upload`,
    downloadUrl: (id) => `${emu.url}${API}/filetransfer/${id}/download`,
    /**
     * Raw upload, the fastest way Node's fetch allows: the Blob as the body (streamed from disk) and
     * `redirect: 'error'`, without which undici keeps the whole body in memory until the request ends
     * (nodejs/undici#4058).
     */
    async rawUpload(id, blob) {
      const r = await fetch(world.uploadUrl(id), {
        method: 'POST',
        headers: { ...auth(write), 'content-type': 'application/octet-stream' },
        body: blob,
        redirect: 'error',
      });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`upload answered ${r.status}`);
    },
    async overview(id) {
      const r = await fetch(`${emu.url}${API}/filetransfer/${id}`, { headers: auth(write) });
      if (r.status !== 200) throw new Error(`overview answered ${r.status}`);
      return r.json();
    },
    /** Polls the overview every `everyMs` until Published (a Failed transfer throws). */
    async waitPublished(id, everyMs = 50) {
      for (;;) {
        const o = await world.overview(id);
        if (o.fileTransferStatus === 'Published') return o;
        if (o.fileTransferStatus === 'Failed') throw new Error(`transfer ${id} failed: ${o.fileTransferStatusText}`);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    /** The emulator process's peak resident set (VmHWM) in bytes. */
    peakRss: () => statusField(emu.pid, 'VmHWM'),
    rss: () => statusField(emu.pid, 'VmRSS'),
    /** A client of the package against this emulator, as the sender (or `as: 'recipient'`). */
    async client({ as = 'sender', ...options } = {}) {
      const { BrokerClient } = await pkg();
      const t = as === 'sender' ? write : read;
      return new BrokerClient({ baseUrl: emu.url, token: () => t, ...options });
    },
  };
  return world;
}

/**
 * Runs `fn(world)` against an emulator of its own, stopped (its data dir removed) afterwards: the GiB rows start one
 * per upload, so what they write never piles up on a shared disk.
 */
export async function withEmulator(options, fn) {
  const world = await emulator(options);
  try {
    return await fn(world);
  } finally {
    await world.stop();
  }
}

/** A /proc/<pid>/status field in bytes (Linux). */
export function statusField(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}
