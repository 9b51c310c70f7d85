// Transfer: one transfer's facts, the status timeline of the transfer and of each recipient, and the actions the
// acting organisation may take on it now (the package's allowedActions: the same rules the emulator applies):
// download (to disk with verification where the browser can, see download.ts) and confirm. Live: details are
// re-read by the update source until the transfer is terminal.
import { allowedActions, isTerminal, statusText, timeline, type FileTransferDetails } from 'altinn-broker-client';
import { client, orgLabel, session } from '../api';
import { announce, clear, h } from '../dom';
import { errorAlert } from '../errors';
import { bytes, dateTime } from '../format';
import { defaultSource, type Subscription } from '../live';
import { BLOB_LIMIT, canStreamToDisk, downloadTransfer } from '../download';
import type { Page } from '../router';

export const transferPage: Page = async (main, route, signal) => {
  const id = route.params.id;
  const org = session().org;
  const title = h('h1', { class: 'ds-heading', 'data-size': 'lg', tabindex: '-1' }, 'Transfer');
  const facts = h('dl', { class: 'facts' });
  const actions = h('section', { class: 'actions', 'aria-labelledby': 'actions-h' });
  const actionOutcome = h('div', { id: 'action-outcome', 'aria-live': 'polite' });
  const recipientsEl = h('div');
  const timelineEl = h('ol', { class: 'timeline', id: 'timeline' });
  const errorBox = h('div');
  main.append(title, errorBox, facts,
    actions, actionOutcome,
    h('h2', { class: 'ds-heading', 'data-size': 'sm' }, 'Recipients'), recipientsEl,
    h('h2', { class: 'ds-heading', 'data-size': 'sm' }, 'Timeline'), timelineEl);
  let busy = false;
  let sub: Subscription | null = null;
  const dlProgress = h('progress', { max: '1', value: '0', id: 'download-progress', 'aria-label': 'Download progress', hidden: true });

  const renderActions = (d: FileTransferDetails) => {
    const may = allowedActions(d, org);
    const buttons: HTMLElement[] = [];
    if (may.download) {
      const b = h('button', { class: 'ds-button', 'data-variant': 'primary', type: 'button', id: 'download' }, 'Download');
      b.addEventListener('click', () => {
        if (busy) return;
        busy = true;
        dlProgress.hidden = false;
        const started = downloadTransfer(id, d.fileName, d.fileTransferSize, (n) => { dlProgress.value = d.fileTransferSize ? n / d.fileTransferSize : 0; }, signal);
        void started.finally(() => { busy = false; }).then((o) => {
          clear(actionOutcome, h('div', { class: 'ds-alert', 'data-color': 'success', role: 'status' },
            h('p', { class: 'ds-paragraph', id: 'download-done' }, `Downloaded ${bytes(o.bytes)}${o.via === 'file' ? ' to the file you chose' : ''}; MD5 ${o.checksum ?? '(none recorded)'} verified while it streamed.`),
            may.confirm ? h('p', { class: 'ds-paragraph' }, 'Confirm the download when you have what you need: the sender then sees it.') : null));
          // Confirm becomes allowed once the service has seen the download: read the details again now.
          if (last) renderActions(last);
          sub?.poke();
        }, (e) => {
          if ((e as Error)?.name === 'AbortError' && !signal.aborted) clear(actionOutcome, h('p', { class: 'ds-paragraph' }, 'Download cancelled.'));
          else clear(actionOutcome, errorAlert(e, 'Download failed'));
        });
      });
      buttons.push(b);
    }
    if (may.confirm) {
      const c = h('button', { class: 'ds-button', 'data-variant': 'secondary', type: 'button', id: 'confirm' }, 'Confirm download');
      c.addEventListener('click', async () => {
        if (busy) return;
        busy = true;
        try {
          await client().confirmDownload(id, { signal });
          clear(actionOutcome, h('div', { class: 'ds-alert', 'data-color': 'success', role: 'status' }, h('p', { class: 'ds-paragraph', id: 'confirmed' }, 'Download confirmed.')));
          announce('Download confirmed.');
          sub?.poke();
        } catch (e) {
          clear(actionOutcome, errorAlert(e, 'Could not confirm'));
        } finally {
          busy = false;
        }
      });
      buttons.push(c);
    }
    const note = may.download
      ? (canStreamToDisk() ? 'The file is saved straight to disk and its checksum verified while it streams.' : `This browser keeps the file in memory before saving it: up to ${bytes(BLOB_LIMIT)}. Chromium-based browsers save any size straight to disk.`)
      : may.isSender ? 'You sent this transfer: the recipients download and confirm it.' : 'Nothing to do on this transfer now.';
    clear(actions, h('h2', { class: 'ds-heading', 'data-size': 'sm', id: 'actions-h' }, 'Actions'),
      h('p', { class: 'ds-paragraph', 'data-size': 'sm' }, note),
      buttons.length ? h('div', { class: 'controls' }, buttons) : null, dlProgress);
  };

  let last: FileTransferDetails | null = null;
  const render = (d: FileTransferDetails) => {
    last = d;
    title.textContent = d.fileName || 'Transfer';
    const fact = (k: string, v: string | Node) => [h('dt', null, k), h('dd', null, v)];
    clear(facts,
      fact('Status', h('span', { class: 'ds-tag', id: 'status', 'data-status': d.fileTransferStatus, 'data-color': d.fileTransferStatus === 'Failed' ? 'danger' : d.fileTransferStatus === 'AllConfirmedDownloaded' ? 'success' : 'info' }, d.fileTransferStatus)),
      fact('What it means', d.fileTransferStatusText || statusText(d.fileTransferStatus)),
      fact('Transfer id', d.fileTransferId),
      fact('Service', d.resourceId),
      fact('Sender', orgLabel(d.sender)),
      fact("Sender's reference", d.sendersFileTransferReference ?? '—'),
      fact('Size', d.fileTransferSize ? bytes(d.fileTransferSize) : '—'),
      fact('MD5', d.checksum ?? '—'),
      fact('Created', dateTime(d.created)),
      fact('Expires', dateTime(d.expirationTime)),
      Object.keys(d.propertyList).length ? fact('Properties', Object.entries(d.propertyList).map(([k, v]) => `${k} = ${v}`).join('; ')) : null);
    if (!busy) renderActions(d);
    clear(recipientsEl, h('ul', { class: 'ds-list' }, d.recipients.map((r) => h('li', null,
      `${orgLabel(r.recipient)}: `, h('span', { class: 'ds-tag', 'data-color': r.currentRecipientFileTransferStatusCode === 'DownloadConfirmed' ? 'success' : 'neutral' }, r.currentRecipientFileTransferStatusCode), ` — ${r.currentRecipientFileTransferStatusText} (${dateTime(r.currentRecipientFileTransferStatusChanged)})`))));
    clear(timelineEl, timeline(d).map((e) => h('li', { 'data-kind': e.kind },
      h('time', { datetime: e.time }, dateTime(e.time)), ' ',
      h('strong', null, e.kind === 'recipient' ? `${orgLabel(e.recipient ?? '')}: ${e.status}` : e.status), ` — ${e.text}`)));
  };

  sub = defaultSource().watch<FileTransferDetails>({
    load: (sig) => client().details(id, { signal: sig }),
    key: (d) => JSON.stringify([d.fileTransferStatus, d.fileTransferStatusChanged, d.recipients.map((r) => [r.currentRecipientFileTransferStatusCode, r.currentRecipientFileTransferStatusChanged])]),
    onValue: (d) => { clear(errorBox); render(d); },
    onError: (e) => clear(errorBox, errorAlert(e, 'Could not load the transfer')),
    done: (d) => isTerminal(d.fileTransferStatus),
  }, signal);
};
