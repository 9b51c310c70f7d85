// The Chromium rows, run in the page: the package's MD5 against hash-wasm's, and `client.upload` of a disk-backed
// File against a raw fetch POST of the same File. Each call times itself with performance.now().
import init, { BrokerClient, Md5 } from '/pkg/index.js';

const MiB = 1 << 20;

function randomChunks(n) {
  return Array.from({ length: n }, () => {
    const b = new Uint8Array(MiB);
    // getRandomValues fills at most 64 KiB per call.
    for (let at = 0; at < MiB; at += 65536) crypto.getRandomValues(b.subarray(at, at + 65536));
    return b;
  });
}

const hashers = {
  ours: async (chunks, total) => {
    const h = new Md5();
    for (let i = 0, at = 0; at < total; i++, at += MiB) h.update(chunks[i % chunks.length]);
    return h.digestHex();
  },
  'hash-wasm': async (chunks, total) => {
    const h = await window.hashwasm.createMD5();
    h.init();
    for (let i = 0, at = 0; at < total; i++, at += MiB) h.update(chunks[i % chunks.length]);
    return h.digest('hex');
  },
};

let chunks;

window.bench = {
  async md5(impl, total, distinct) {
    if (!chunks || chunks.length !== distinct) chunks = randomChunks(distinct);
    const t0 = performance.now();
    const hex = await hashers[impl](chunks, total);
    return { seconds: (performance.now() - t0) / 1000, hex };
  },

  async upload(impl, { baseUrl, token, id, uploadUrl }) {
    const file = document.getElementById('file').files[0];
    if (!file) throw new Error('no file set');
    let size;
    const client = new BrokerClient({ baseUrl, token: () => token });
    const t0 = performance.now();
    if (impl === 'ours') {
      ({ size } = await client.upload(id, file));
    } else {
      const r = await fetch(uploadUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: file,
        redirect: 'error',
      });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`upload answered ${r.status}`);
      size = file.size;
    }
    return { seconds: (performance.now() - t0) / 1000, size };
  },
};

try {
  await init();
  window.ready = true;
} catch (e) {
  window.failed = String(e?.stack ?? e);
}
