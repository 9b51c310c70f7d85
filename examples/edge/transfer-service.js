// A small transfer service as one fetch-style handler (`Request` → `Response`), the shape workerd, Deno and Node
// (through examples/node/server.mjs) all serve. The Cloudflare Worker (examples/cloudflare-worker/), the Deno
// server (examples/deno/) and the Node server (examples/node/) wrap it; tests/edge/ runs each against the emulator.
//
//   POST /transfers?fileName=NAME    the request body is the file: a transfer is initialized and the body is handed
//                                    to Broker as it arrives (never buffered), then waits until Published.
//                                    → 201 { fileTransferId, size, md5 }
//   POST /transfers/{id}/receive     downloads the file, verifying its MD5 as the bytes pass, into `sink`, and
//                                    confirms the download only after the whole file arrived intact.
//                                    → 200 { fileTransferId, size, md5 }
import { BrokerError, ClientError, Md5, TransferFailedError } from 'altinn-broker-client';

/**
 * @typedef {object} TransferServiceOptions
 * @property {import('altinn-broker-client').BrokerClient} sender   a client with the sender's token (broker.write)
 * @property {import('altinn-broker-client').BrokerClient} recipient a client with the recipient's token (broker.read)
 * @property {string} resourceId      the Broker resource the transfers belong to
 * @property {string} senderOrg       the sender's organisation number (9 digits)
 * @property {string[]} recipients    the recipients' organisation numbers
 * @property {(fileTransferId: string, fileName: string | null) => WritableStream<Uint8Array>} [sink]
 *   where a received file goes (an R2 bucket, a file, a queue); by default it is only counted and hashed
 */

/** @param {TransferServiceOptions} options @returns {(request: Request) => Promise<Response>} */
export function transferService({ sender, recipient, resourceId, senderOrg, recipients, sink }) {
  return async (request) => {
    const url = new URL(request.url);
    try {
      if (request.method === 'POST' && url.pathname === '/transfers') {
        return json(201, await send(request, url.searchParams.get('fileName') ?? 'upload.bin'));
      }
      const receive = /^\/transfers\/([0-9a-f-]{36})\/receive$/.exec(url.pathname);
      if (request.method === 'POST' && receive) return json(200, await receiveFile(receive[1]));
      return json(404, { error: 'no such route' });
    } catch (e) {
      return errorResponse(e);
    }
  };

  async function send(request, fileName) {
    if (!request.body) throw new ClientError('the request has no body to send');
    const fileTransferId = await sender.initialize({
      fileName,
      resourceId,
      sendersFileTransferReference: crypto.randomUUID(),
      sender: `0192:${senderOrg}`,
      recipients: recipients.map((org) => `0192:${org}`),
    });
    const length = Number(request.headers.get('content-length'));
    // The body goes on as a stream: with `hash: true` the client hashes it on the way (the MD5 comes back).
    const { size, md5 } = await sender.upload(fileTransferId, request.body, {
      hash: true,
      size: Number.isFinite(length) && length > 0 ? length : undefined,
      signal: request.signal,
    });
    await sender.waitFor(fileTransferId, 'Published', { timeoutMs: 120_000 });
    return { fileTransferId, size, md5 };
  }

  async function receiveFile(fileTransferId) {
    const download = await recipient.download(fileTransferId, { verify: true });
    const hash = new Md5();
    let size = 0;
    const target = sink?.(fileTransferId, download.fileName);
    const writer = target?.getWriter();
    // `verify: true` errors the stream with a ChecksumMismatchError at its end if the bytes differ from the
    // transfer's checksum, so the pipe rejects and nothing is confirmed.
    await download.stream.pipeTo(
      new WritableStream({
        async write(chunk) {
          hash.update(chunk);
          size += chunk.byteLength;
          if (writer) await writer.write(chunk);
        },
        async close() {
          if (writer) await writer.close();
        },
        async abort(reason) {
          if (writer) await writer.abort(reason);
        },
      }),
    );
    await recipient.confirmDownload(fileTransferId);
    return { fileTransferId, size, md5: hash.digestHex() };
  }
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** The client's typed errors as JSON: never a token (the errors carry none), the service's code where it gave one. */
function errorResponse(e) {
  if (e instanceof ClientError) return json(400, { error: e.name, message: e.message });
  if (e instanceof BrokerError) return json(502, { error: e.name, status: e.status, code: e.code, detail: e.detail });
  if (e instanceof TransferFailedError) return json(502, { error: e.name, status: e.status, statusText: e.statusText });
  return json(500, { error: e?.name ?? 'Error', message: String(e?.message ?? e) });
}
