// Type-checked (never run) usage of the resumable (tus) upload API, compiled with `tsc --noEmit` by
// scripts/test.sh against the built package's declarations.
import init, {
  BrokerClient,
  AbortError,
  fileResumeStore,
  indexedDbResumeStore,
  memoryResumeStore,
  type Progress,
  type ResumeRecord,
  type ResumeStore,
  type TusUpload,
  type TusUploadResult,
  type UploadProgress,
} from "../pkg/index.js";

async function resumable(file: File, stream: ReadableStream<Uint8Array>, size: number): Promise<void> {
  await init();
  const client = new BrokerClient({ baseUrl: "https://broker-proxy.example", token: () => "token" });
  const id: string = await client.initialize({
    fileName: file.name,
    resourceId: "my-resource",
    sendersFileTransferReference: "ref-1",
    sender: "0192:991825827",
    recipients: ["0192:986252932"],
  });

  // Four partials side by side; the default store in a page is IndexedDB.
  const controller = new AbortController();
  const upload: TusUpload = client.startUpload(id, file, {
    parallel: 4,
    chunkSize: 8 * 1024 * 1024,
    signal: controller.signal,
    stallTimeoutMs: 30_000,
    onProgress: (p: Progress) => console.log(p.phase, p.loaded, p.total),
  });
  const now: UploadProgress = upload.progress;
  console.log(upload.fileTransferId, now.loaded / now.total);
  try {
    const done: TusUploadResult = await upload.done;
    console.log(done.parts, done.chunkSize, done.alreadyComplete);
  } catch (e) {
    if (e instanceof AbortError) await upload.pause();
  }

  // After a reload: find the upload by the file's fingerprint and go on.
  const found: ResumeRecord[] = await client.findResumableUploads(file);
  if (found.length > 0) {
    const again: TusUpload = await client.resume(found[0], file);
    await again.done;
  }
  await client.resume(id, file, { resumeStore: indexedDbResumeStore("my-app") });

  // Node: a directory of records; a stream needs its size and a key of your own to be found again.
  const store: ResumeStore = fileResumeStore("/var/tmp/broker-uploads");
  const fromStream = client.startUpload(id, stream, { size, fingerprint: "nightly-export-2026-11-24", resumeStore: store });
  await fromStream.terminate();

  // Or let send do it all over tus.
  await client.send(file, { fileName: file.name, resourceId: "r", sendersFileTransferReference: "x", sender: "0192:991825827", recipients: ["0192:986252932"] }, {
    resumable: true,
    parallel: 2,
    resumeStore: memoryResumeStore(),
  });
}

export { resumable };
