// One send from the New transfer page, through the phases people see: hashing (MD5 in wasm, so Broker itself
// refuses a file that changed, contract §1.2), uploading, processing (the service's malware scan) and published.
// Files from RESUMABLE_THRESHOLD up go over tus with parallel partial uploads and can be paused, resumed, and
// resumed after a reload (the package's IndexedDB resume store); smaller ones go in one streamed request.
// The job outlives the page view: leaving New transfer does not stop it.
import { Md5, type InitializeRequest, type ResumeRecord, type TusUpload } from 'altinn-broker-client';
import { client } from './api';
import { RateMeter } from './format';

export const RESUMABLE_THRESHOLD = 8 * 1024 * 1024;
export const PARALLEL = 4;
const HASH_SLICE = 4 * 1024 * 1024;

export type Phase = 'hash' | 'upload' | 'processing' | 'published' | 'failed' | 'paused' | 'cancelled';

export interface JobState {
  phase: Phase;
  /** The phase the job was in before it paused, failed or was cancelled. */
  activePhase: 'hash' | 'upload' | 'processing' | 'published';
  fileName: string;
  size: number;
  loaded: number;
  rate: number;
  secondsLeft: number;
  fileTransferId: string | null;
  resumable: boolean;
  error: unknown;
}

export class SendJob {
  readonly state: JobState;
  private readonly listeners = new Set<(s: JobState) => void>();
  private readonly meter = new RateMeter();
  private readonly abort = new AbortController();
  private handle: TusUpload | null = null;
  private pausedAt: 'hash' | 'upload' | null = null;
  private resumeHash: (() => void) | null = null;
  private pausedRecord: ResumeRecord | null = null;

  constructor(private readonly file: File, private readonly request: InitializeRequest, private readonly record: ResumeRecord | null) {
    this.state = {
      phase: record ? 'upload' : 'hash', activePhase: record ? 'upload' : 'hash', fileName: file.name, size: file.size,
      loaded: 0, rate: 0, secondsLeft: Number.NaN, fileTransferId: record?.fileTransferId ?? null,
      resumable: file.size >= RESUMABLE_THRESHOLD || record !== null, error: null,
    };
  }

  subscribe(fn: (s: JobState) => void): () => void {
    this.listeners.add(fn);
    fn(this.state);
    return () => this.listeners.delete(fn);
  }

  private emit(patch: Partial<JobState>): void {
    Object.assign(this.state, patch);
    if (patch.phase && ['hash', 'upload', 'processing', 'published'].includes(patch.phase)) this.state.activePhase = patch.phase as JobState['activePhase'];
    for (const fn of this.listeners) fn(this.state);
  }

  private progress(loaded: number): void {
    this.meter.add(loaded);
    this.emit({ loaded, rate: this.meter.rate(), secondsLeft: this.meter.secondsLeft(loaded, this.state.size) });
  }

  get canPause(): boolean {
    return (this.state.phase === 'hash') || (this.state.phase === 'upload' && this.state.resumable);
  }

  async run(): Promise<void> {
    try {
      let id = this.state.fileTransferId;
      if (this.record) {
        this.handle = await client().resume(this.record, this.file, this.tusOptions());
        this.progress(this.handle.progress.loaded);
      } else {
        const checksum = await this.hash();
        this.emit({ phase: 'upload', loaded: 0 });
        this.meter.reset();
        id = await client().initialize({ ...this.request, checksum }, { signal: this.abort.signal });
        this.emit({ fileTransferId: id });
        if (this.state.resumable) this.handle = client().startUpload(id, this.file, this.tusOptions());
        else await client().upload(id, this.file, { signal: this.abort.signal, onProgress: (p) => this.progress(p.loaded) });
      }
      await this.uploadDone();
      this.emit({ phase: 'processing', loaded: this.state.size });
      await client().waitFor(id as string, 'Published', { signal: this.abort.signal, timeoutMs: 10 * 60 * 1000 });
      this.emit({ phase: 'published' });
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.emit({ phase: 'failed', error: e });
    }
  }

  private tusOptions() {
    return { parallel: PARALLEL, onProgress: (p: { loaded: number }) => this.progress(p.loaded) };
  }

  /** Waits for the tus upload, staying in `paused` across pause/resume. */
  private async uploadDone(): Promise<void> {
    for (;;) {
      if (!this.handle) return;
      try {
        await this.handle.done;
        return;
      } catch (e) {
        if (this.pausedAt !== 'upload' || (e as Error)?.name !== 'AbortError') throw e;
        await new Promise<void>((resolve, reject) => {
          this.resumeHash = resolve;
          this.abort.signal.addEventListener('abort', () => reject(this.abort.signal.reason), { once: true });
        });
        // The record the paused upload kept (its upload URLs); none yet when it paused before the service had
        // created the uploads, and then there is nothing to continue: start it afresh.
        const id = this.handle.fileTransferId;
        this.handle = this.pausedRecord
          ? await client().resume(this.pausedRecord, this.file, this.tusOptions())
          : client().startUpload(id, this.file, this.tusOptions());
      }
    }
  }

  private async hash(): Promise<string> {
    const md5 = new Md5();
    for (let at = 0; at < this.file.size; at += HASH_SLICE) {
      if (this.pausedAt === 'hash') await new Promise<void>((resolve) => { this.resumeHash = resolve; });
      this.abort.signal.throwIfAborted();
      md5.update(new Uint8Array(await this.file.slice(at, at + HASH_SLICE).arrayBuffer()));
      this.progress(Math.min(at + HASH_SLICE, this.file.size));
    }
    return md5.digestHex();
  }

  async pause(): Promise<void> {
    if (!this.canPause) return;
    this.pausedAt = this.state.phase as 'hash' | 'upload';
    this.emit({ phase: 'paused', rate: 0, secondsLeft: Number.NaN });
    if (this.pausedAt === 'upload') {
      this.pausedRecord = this.handle?.record ?? null;
      await this.handle?.pause();
      this.pausedRecord = this.handle?.record ?? this.pausedRecord;
    }
  }

  resume(): void {
    if (this.state.phase !== 'paused' || !this.pausedAt) return;
    const was = this.pausedAt;
    this.pausedAt = null;
    this.meter.reset();
    this.emit({ phase: was });
    this.resumeHash?.();
    this.resumeHash = null;
  }

  /**
   * Stops the job. A tus upload is terminated (its bytes deleted on the service). The transfer itself stays: Broker
   * has no cancel operation (Cancelled is never set, contract §3); it expires at its expirationTime.
   */
  async cancel(): Promise<void> {
    const handle = this.handle;
    this.abort.abort(new DOMException('Cancelled', 'AbortError'));
    this.resumeHash?.();
    let error: unknown = null;
    try {
      await handle?.terminate();
    } catch (e) {
      error = e;
    }
    // `error` set: the uploaded bytes could not be deleted (the page says so; the service drops them at expiry).
    this.emit({ phase: 'cancelled', error });
  }
}

let current: SendJob | null = null;

export function currentJob(): SendJob | null {
  return current;
}

export function startJob(file: File, request: InitializeRequest, record: ResumeRecord | null): SendJob {
  current = new SendJob(file, request, record);
  void current.run();
  return current;
}

export function clearJob(): void {
  current = null;
}
