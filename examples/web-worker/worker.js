// A dedicated module worker that hashes and uploads a file off the page's main thread. The page posts
// `{ file, request, baseUrl, tokenUrl? }` and hears `{ progress }` messages, then `{ done }` or `{ error }`.
//
// In a portal, `baseUrl` is the page's own origin, served by a same-origin proxy (the package's
// `createBrokerProxy`) that adds the token server-side: the worker has no token and sends none. `tokenUrl` is for
// local development against the emulator only (its test token generator, with the emulator's --cors-origin).
import init, { BrokerClient, BrokerError } from 'altinn-broker-client';

// In a worker the wasm is loaded with `init()`: the bundler (Vite here) resolves the .wasm's URL. Without a bundler,
// pass it: `init({ module_or_path: new URL('/pkg/altinn_broker_client_bg.wasm', self.location.origin) })`, or a
// WebAssembly.Module compiled once and posted from the page.
const ready = init();

self.onmessage = async ({ data }) => {
  try {
    await ready;
    const { file, request, baseUrl, tokenUrl } = data;
    const client = new BrokerClient({
      baseUrl,
      token: tokenUrl ? () => fetch(tokenUrl).then((r) => r.text()) : undefined,
    });
    // A File/Blob is hashed in wasm slice by slice and sent as the Blob: the browser streams it from disk.
    const { fileTransferId, checksum, size } = await client.send(file, request, {
      timeoutMs: 120_000,
      onProgress: (progress) => self.postMessage({ progress }),
    });
    self.postMessage({ done: { fileTransferId, checksum, size } });
  } catch (e) {
    const detail = e instanceof BrokerError ? { status: e.status, code: e.code, detail: e.detail } : {};
    self.postMessage({ error: { name: e?.name ?? 'Error', message: String(e?.message ?? e), ...detail } });
  }
};
