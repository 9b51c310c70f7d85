// Type-checked (never run) usage of every public API, compiled with `tsc --noEmit` by scripts/test.sh against
// the built package's declarations. If a declaration loses precision (an `any`, a wrong field), this fails.
import init, {
  BrokerClient,
  BrokerError,
  TimeoutError,
  TransferFailedError,
  allowedActions,
  timeline,
  successors,
  canReach,
  isTerminal,
  statusText,
  validateInitialize,
  normalizeOrgNumber,
  Md5,
  md5Hex,
  type FileTransferOverview,
  type FileTransferStatus,
  type InitializeRequest,
  type Progress,
  type TimelineEntry,
  type ValidationErrors,
} from "../pkg/index.js";

async function usage(file: File, stream: ReadableStream<Uint8Array>, size: number): Promise<void> {
  await init();
  const client = new BrokerClient({
    baseUrl: "https://broker-proxy.example",
    token: async ({ refresh }) => (refresh ? "fresh-token" : "cached-token"),
    retry: { retries: 2, baseDelayMs: 100 },
    stallTimeoutMs: 30_000,
  });
  // A page behind a same-origin proxy that adds the token server-side: no token callback at all.
  const proxied = new BrokerClient({ baseUrl: location.origin });
  await proxied.getServiceOwner();
  const meta: InitializeRequest = {
    fileName: file.name,
    resourceId: "altinn-broker-test-resource-1",
    sendersFileTransferReference: "invoice-42",
    sender: "0192:991825827",
    recipients: ["0192:986252932"],
    propertyList: { caseNumber: "42" },
  };
  const errors: ValidationErrors | null = validateInitialize(meta);
  if (errors) console.log(errors.Sender?.[0]);

  const signal = new AbortController().signal;
  const sent = await client.send(file, meta, {
    signal,
    timeoutMs: 60_000,
    onProgress: (p: Progress) => {
      // One progress bar for every phase of send.
      if (p.phase === "processing" || p.phase === "published") {
        const now: FileTransferStatus | undefined = p.status;
        console.log(p.phase, now);
      } else {
        console.log(p.phase, p.loaded, p.total ?? "?");
      }
    },
  });
  const status: FileTransferStatus = sent.overview.fileTransferStatus;
  const checksum: string | null = sent.checksum;
  console.log(status, checksum, sent.size);

  const id: string = await client.initialize(meta, { deadlineMs: 10_000 });
  const up = await client.upload(id, stream, { size, hash: true });
  const md5: string | null = up.md5;
  console.log(md5);
  const multi: string = await client.initializeAndUpload(new Uint8Array(3), meta);
  console.log(multi);

  const overview: FileTransferOverview = await client.waitFor(id, ["Published", "Failed"], { intervalMs: 500 });
  await client.waitFor(id, (o) => o.recipients.every((r) => r.currentRecipientFileTransferStatusCode === "DownloadConfirmed"));
  const details = await client.details(id);
  const entries: TimelineEntry[] = timeline(details);
  const fetched: TimelineEntry[] = await client.timeline(id);
  console.log(entries.length + fetched.length, details.fileTransferStatusHistory[0]?.fileTransferStatusChanged);
  const can = allowedActions(overview, "986252932");
  if (can.download) {
    const d = await client.download(id, { verify: true, resume: 5, range: { start: 0 } });
    const reader = d.stream.getReader();
    const chunk = await reader.read();
    console.log(d.fileName, d.size, d.range?.total, chunk.value?.byteLength);
  }
  if (can.confirm) await client.confirmDownload(id);

  const ids: string[] = await client.search({ resourceId: "r", status: "Published", from: new Date(0), role: "Recipient" });
  const all: string[] = await client.searchAll({ resourceId: "r", recipientStatus: "Initialized" }, { max: 1000 });
  console.log(ids.length, all.length);

  const resource = await client.getResource("r");
  await client.configureResource("r", { maxFileTransferSize: resource.maxFileTransferSize ?? 1, purgeFileTransferGracePeriod: "PT2H" });
  const owner = await client.getServiceOwner();
  console.log(owner.storageProviders.map((p) => p.deploymentStatus));
  await client.registerServiceOwner("Owner");
  const csv: string = await client.monthlyStatistics({ year: 2026, month: 11, includeVendor: true });
  console.log(csv);

  const next: FileTransferStatus[] = successors("UploadStarted");
  console.log(next, canReach("Failed", "Published"), isTerminal("Purged"), statusText("Published"), normalizeOrgNumber("991825827"));
  const h = new Md5();
  h.update(new Uint8Array(1));
  console.log(h.digestHex(), md5Hex(new Uint8Array(2)));

  try {
    await client.overview(id);
  } catch (e) {
    if (e instanceof BrokerError) console.log(e.status, e.code, e.detail, e.errors, e.traceId);
    else if (e instanceof TimeoutError) console.log(e.kind, e.timeoutMs);
    else if (e instanceof TransferFailedError) console.log(e.status, e.statusText);
  }
}

export { usage };
