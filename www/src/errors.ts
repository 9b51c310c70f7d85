// Errors as people can act on them: what happened (the service's own words where it gave any) and what to do next.
import { h } from './dom';

export interface Explained {
  title: string;
  detail: string | null;
  next: string;
}

function named(e: unknown, name: string): e is Error & Record<string, unknown> {
  return e instanceof Error && e.name === name;
}

export function explain(e: unknown): Explained {
  if (named(e, 'BrokerError')) {
    const status = e.status as number;
    const detail = [e.code, e.detail ?? (e.title as string | null)].filter(Boolean).join(': ') || null;
    if (status === 401 || status === 403) {
      return {
        title: status === 401 ? 'The service did not accept the organisation for this' : 'The organisation lacks the rights for this',
        detail: detail ?? `HTTP ${status} from Broker`,
        next: 'Check that the organisation may use this service (resource access), or act as another organisation.',
      };
    }
    if (status === 404) return { title: 'Not found', detail: detail ?? 'Broker knows no such transfer for this organisation', next: 'Check the id, or act as the organisation that sent or received it.' };
    if (status === 429 || status >= 500) return { title: `Broker is not answering normally (HTTP ${status})`, detail, next: 'Try again in a moment.' };
    const fields = Object.values((e.errors as Record<string, string[]>) ?? {}).flat();
    return { title: (e.title as string) ?? `Broker refused the request (HTTP ${status})`, detail: fields.length ? fields.join(' ') : detail, next: 'Correct the input and try again.' };
  }
  if (named(e, 'TransferFailedError')) return { title: `The transfer failed: ${e.statusText as string}`, detail: `Transfer ${e.fileTransferId as string} is ${e.status as string}.`, next: 'Check the file (a malware finding cannot be overridden) and send it again as a new transfer.' };
  if (named(e, 'ChecksumMismatchError')) return { title: 'The file changed on the way (checksum mismatch)', detail: `Expected MD5 ${e.expected as string}, got ${e.actual as string}.`, next: 'Download it again; if it happens again, ask the sender to send it again.' };
  if (named(e, 'NetworkError')) return { title: 'No connection to the portal server', detail: e.message, next: 'Check that the portal is still running, then try again.' };
  if (named(e, 'TimeoutError')) return { title: 'It took too long', detail: e.message, next: 'Try again; a resumable upload continues where it stopped.' };
  if (named(e, 'AbortError')) return { title: 'Stopped', detail: null, next: 'Start it again when you are ready.' };
  if (e instanceof Error) return { title: e.message, detail: null, next: 'Try again; if it persists, report it with the time it happened.' };
  return { title: String(e), detail: null, next: 'Try again.' };
}

/** A Designsystemet alert with the explanation; `role="alert"` so it is announced. */
export function errorAlert(e: unknown, prefix?: string): HTMLElement {
  const x = explain(e);
  return h('div', { class: 'ds-alert', 'data-color': 'danger', role: 'alert' },
    h('h2', { class: 'ds-heading', 'data-size': 'xs' }, prefix ? `${prefix}: ${x.title}` : x.title),
    x.detail ? h('p', { class: 'ds-paragraph' }, x.detail) : null,
    h('p', { class: 'ds-paragraph' }, x.next));
}
