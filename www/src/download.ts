// Download to disk. With the File System Access API (Chromium-based browsers) the stream goes straight into the
// chosen file while its MD5 is checked (the package's `verify`): any size, flat memory. Without it the file is
// collected into a Blob and handed over as a Blob URL, so it must fit in memory: BLOB_LIMIT, stated on the page.
import { client } from './api';

export const BLOB_LIMIT = 1024 * 1024 * 1024;

interface SaveHandle {
  createWritable(): Promise<WritableStream<Uint8Array>>;
}
type SavePicker = (o: { suggestedName: string }) => Promise<SaveHandle>;

export function canStreamToDisk(): boolean {
  return typeof (window as unknown as { showSaveFilePicker?: SavePicker }).showSaveFilePicker === 'function';
}

export interface DownloadOutcome {
  bytes: number;
  checksum: string | null;
  via: 'file' | 'blob';
}

/**
 * Call from the click handler itself: the save picker needs the user's gesture, so it is opened before anything
 * is awaited. Rejects with an AbortError when the user closes the picker.
 */
export async function downloadTransfer(id: string, fileName: string, size: number, onProgress: (loaded: number) => void, signal: AbortSignal): Promise<DownloadOutcome> {
  const picker = (window as unknown as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  if (picker) {
    const handle = await picker({ suggestedName: fileName || `${id}.bin` });
    const d = await client().download(id, { verify: true, signal, onProgress: (p) => onProgress(p.loaded) });
    const sink = await handle.createWritable();
    // pipeTo aborts the file (nothing half-written is kept) when verification errors the stream at its end.
    await d.stream.pipeTo(sink, { signal });
    return { bytes: size, checksum: d.checksum, via: 'file' };
  }
  if (size > BLOB_LIMIT) throw new Error(`This browser cannot save a file straight to disk, and the file is larger than the ${BLOB_LIMIT / 1024 / 1024 / 1024} GiB it can hold in memory. Use a Chromium-based browser (Chrome, Edge).`);
  const d = await client().download(id, { verify: true, signal, onProgress: (p) => onProgress(p.loaded) });
  const blob = await new Response(d.stream).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName || `${id}.bin`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { bytes: blob.size, checksum: d.checksum, via: 'blob' };
}
