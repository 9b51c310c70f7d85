// The page: picks a file and hands it to the worker (a File is posted by reference, not copied into memory).
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const status = document.getElementById('status');
const params = new URLSearchParams(location.search);

document.getElementById('file').addEventListener('change', (event) => {
  const file = event.target.files[0];
  if (!file) return;
  // Behind a same-origin proxy: the page's origin, no token. `?emulator=URL&org=NNN`: straight to a local emulator.
  const emulator = params.get('emulator');
  const org = params.get('org') ?? '991825827';
  worker.postMessage({
    file,
    baseUrl: emulator ?? location.origin,
    tokenUrl: emulator && `${emulator}/api/GetEnterpriseToken?env=tt02&orgNo=${org}&scopes=altinn%3Abroker.write`,
    request: {
      fileName: file.name,
      resourceId: params.get('resource') ?? 'altinn-broker-test-resource-1',
      sendersFileTransferReference: crypto.randomUUID(),
      sender: `0192:${org}`,
      recipients: [`0192:${params.get('recipient') ?? '986252932'}`],
    },
  });
});

worker.onmessage = ({ data }) => {
  if (data.progress) status.textContent = `${data.progress.phase} ${data.progress.loaded} / ${data.progress.total ?? '?'}`;
  if (data.done) status.textContent = `published ${data.done.fileTransferId} (${data.done.size} bytes, md5 ${data.done.checksum})`;
  if (data.error) status.textContent = `failed: ${data.error.name}: ${data.error.message}`;
};
