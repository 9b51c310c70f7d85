// New transfer: the form (service, recipients, sender's reference, properties, file by picker or drop), judged by
// the package's validateInitialize — the service's own model validation and messages — before anything is sent,
// then one progress bar through the phases with pause, resume and cancel. Picking a file whose upload was cut
// short (a reload, a closed tab) offers to resume it (the package's IndexedDB resume store).
import { validateInitialize, type InitializeRequest, type ResumeRecord } from 'altinn-broker-client';
import { client, orgLabel, session } from '../api';
import { announce, clear, h } from '../dom';
import { errorAlert } from '../errors';
import { bytes, duration } from '../format';
import { href, type Page } from '../router';
import { clearJob, currentJob, RESUMABLE_THRESHOLD, startJob, type JobState, type SendJob } from '../send-job';
import { serviceAccess } from './services';

type FieldName = 'resource' | 'recipients' | 'reference' | 'properties' | 'file';

/** Which form field a validation key of the service belongs to (keys as the service writes them, any case). */
function fieldOf(key: string): FieldName | null {
  const k = key.toLowerCase().replace(/^\$\./, '');
  if (k.startsWith('recipients')) return 'recipients';
  if (k.startsWith('sendersfiletransferreference')) return 'reference';
  if (k.startsWith('propertylist')) return 'properties';
  if (k.startsWith('filename')) return 'file';
  if (k.startsWith('resourceid')) return 'resource';
  return null;
}

const LABELS: Record<FieldName, string> = {
  resource: 'Service', recipients: 'Recipients', reference: "Sender's reference", properties: 'Properties', file: 'File',
};

function parseProperties(text: string): { list: Record<string, string>; bad: number[] } {
  const list: Record<string, string> = {};
  const bad: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const eq = line.indexOf('=');
    if (eq <= 0) bad.push(i + 1);
    else list[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return { list, bad };
}

export const newTransferPage: Page = async (main, route, signal) => {
  const s = session();
  main.append(h('h1', { class: 'ds-heading', 'data-size': 'lg', tabindex: '-1' }, 'New transfer'));
  const job = currentJob();
  if (job && !['published', 'failed', 'cancelled'].includes(job.state.phase)) {
    main.append(progressView(job, signal));
    return;
  }
  const access = (await serviceAccess(signal)).filter((a) => a.ok);
  if (signal.aborted) return;
  if (access.length === 0) {
    main.append(h('div', { class: 'ds-alert', 'data-color': 'warning' }, h('p', { class: 'ds-paragraph' }, 'Your organisation has access to no service here. Act as another organisation, or see ', h('a', { class: 'ds-link', href: href('services') }, 'Services'), '.')));
    return;
  }
  const wanted = route.query.get('resource');
  const summary = h('div', { class: 'ds-error-summary', tabindex: '-1', hidden: true, 'aria-labelledby': 'summary-heading' });
  const messages = new Map<FieldName, HTMLElement>();
  const field = (name: FieldName, control: HTMLElement, hint?: string) => {
    const msg = h('p', { class: 'ds-validation-message', 'data-color': 'danger', id: `${name}-error`, hidden: true });
    messages.set(name, msg);
    const hintEl = hint ? h('p', { class: 'ds-paragraph hint', 'data-size': 'sm', id: `${name}-hint` }, hint) : null;
    control.setAttribute('aria-describedby', [hint ? `${name}-hint` : '', `${name}-error`].filter(Boolean).join(' '));
    return h('div', { class: 'ds-field' }, h('label', { class: 'ds-label', for: name }, LABELS[name]), hintEl, control, msg);
  };

  const resource = h('select', { id: 'resource', class: 'ds-input', name: 'resource' },
    access.map((a) => h('option', { value: a.resourceId, selected: a.resourceId === wanted }, a.resourceId)));
  const recipients = h('input', { id: 'recipients', class: 'ds-input', name: 'recipients', autocomplete: 'off', inputmode: 'text' });
  const reference = h('input', { id: 'reference', class: 'ds-input', name: 'reference', autocomplete: 'off' });
  const properties = h('textarea', { id: 'properties', class: 'ds-input', name: 'properties', rows: '3' });
  const fileInput = h('input', { id: 'file', class: 'file-input', type: 'file', name: 'file' });
  const fileInfo = h('p', { class: 'ds-paragraph', 'data-size': 'sm', id: 'file-chosen', 'aria-live': 'polite' }, 'No file chosen.');
  const drop = h('div', { class: 'drop-zone' }, fileInput,
    h('p', { class: 'ds-paragraph', 'data-size': 'sm' }, 'Choose a file, or drop one here.'), fileInfo);
  const resumeBox = h('div', { 'aria-live': 'polite' });
  let resumeRecord: ResumeRecord | null = null;

  const onFile = async () => {
    const f = fileInput.files?.[0];
    resumeRecord = null;
    clear(resumeBox);
    clear(fileInfo, f ? `${f.name}, ${bytes(f.size)}${f.size >= RESUMABLE_THRESHOLD ? ' — sent resumable, in parallel parts' : ''}` : 'No file chosen.');
    if (!f) return;
    const [record] = await client().findResumableUploads(f).catch(() => []);
    if (!record || fileInput.files?.[0] !== f) return;
    resumeRecord = record;
    const useIt = h('input', { type: 'checkbox', id: 'resume', checked: true });
    clear(resumeBox, h('div', { class: 'ds-alert', 'data-color': 'info' },
      h('h2', { class: 'ds-heading', 'data-size': 'xs' }, 'An upload of this file was interrupted'),
      h('p', { class: 'ds-paragraph' }, `It belongs to transfer ${record.fileTransferId} (started ${new Date(record.created).toLocaleString('en-GB')}). Sending continues it where the service stopped counting.`),
      h('div', { class: 'ds-field checkbox' }, useIt, h('label', { class: 'ds-label', for: 'resume' }, 'Resume the interrupted upload'))));
    useIt.addEventListener('change', () => { resumeRecord = useIt.checked ? record : null; });
    announce('An interrupted upload of this file can be resumed.');
  };
  fileInput.addEventListener('change', () => void onFile());
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer?.files.length) {
      fileInput.files = e.dataTransfer.files;
      void onFile();
    }
  });

  const showErrors = (errors: Map<FieldName | null, string[]>) => {
    for (const [name, msg] of messages) {
      const list = errors.get(name) ?? [];
      msg.hidden = list.length === 0;
      msg.textContent = list.join(' ');
      const control = document.getElementById(name);
      if (list.length) control?.setAttribute('aria-invalid', 'true');
      else control?.removeAttribute('aria-invalid');
    }
    if (errors.size === 0) {
      summary.hidden = true;
      return;
    }
    clear(summary,
      h('h2', { class: 'ds-heading', 'data-size': 'xs', id: 'summary-heading' }, 'Correct these before sending'),
      h('ul', { class: 'ds-list' }, [...errors].flatMap(([name, list]) => list.map((m) => h('li', null,
        name ? h('a', { class: 'ds-link', href: `#${name}`, onclick: (e: Event) => { e.preventDefault(); document.getElementById(name)?.focus(); } }, `${LABELS[name]}: ${m}`) : m)))));
    summary.hidden = false;
    summary.focus();
  };

  const form = h('form', { class: 'send-form', novalidate: true },
    summary,
    field('resource', resource),
    field('recipients', recipients, 'Organisation numbers (9 digits, or 0192:123456789), separated by commas.'),
    field('reference', reference, 'Your own reference, to find the transfer again.'),
    field('properties', properties, 'Optional: one key=value per line, at most 10.'),
    h('div', { class: 'ds-field' }, h('label', { class: 'ds-label', for: 'file' }, LABELS.file), drop, messages.get('file') ?? null),
    resumeBox,
    h('button', { class: 'ds-button', 'data-variant': 'primary', type: 'submit' }, 'Send'));
  // The file field's control is the input; its message sits under the drop zone.
  const fileMsg = h('p', { class: 'ds-validation-message', 'data-color': 'danger', id: 'file-error', hidden: true });
  messages.set('file', fileMsg);
  drop.after(fileMsg);
  fileInput.setAttribute('aria-describedby', 'file-chosen file-error');

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const file = fileInput.files?.[0] ?? null;
    const props = parseProperties(properties.value);
    const request: InitializeRequest = {
      fileName: file?.name ?? '',
      resourceId: resource.value,
      sendersFileTransferReference: reference.value,
      sender: `0192:${s.org}`,
      // A bare organisation number is written in the 0192: form people see on the page; anything else goes to the
      // service's validation as typed, so its message is the one shown.
      recipients: recipients.value.split(/[\s,;]+/).filter(Boolean).map((r) => (/^\d{9}$/.test(r) ? `0192:${r}` : r)),
      propertyList: props.list,
    };
    const errors = new Map<FieldName | null, string[]>();
    const add = (k: FieldName | null, m: string) => errors.set(k, [...(errors.get(k) ?? []), m]);
    if (!file) add('file', 'Choose a file to send.');
    if (props.bad.length) add('properties', `Line ${props.bad.join(', ')}: write key=value.`);
    try {
      // The service's model validation, run locally: nothing is sent while it has something to say.
      const verdict = file ? validateInitialize(request) : validateInitialize({ ...request, fileName: 'x' });
      for (const [key, list] of Object.entries(verdict ?? {})) for (const m of list) add(fieldOf(key), m);
    } catch (err) {
      add(null, err instanceof Error ? err.message : String(err));
    }
    showErrors(errors);
    if (errors.size > 0 || !file) {
      announce(`${[...errors.values()].flat().length} problems to correct before sending.`);
      return;
    }
    const job = startJob(file, request, resumeRecord);
    clear(main, h('h1', { class: 'ds-heading', 'data-size': 'lg', tabindex: '-1' }, 'New transfer'), progressView(job, signal));
    (main.querySelector('h1') as HTMLElement).focus();
  });

  main.append(
    h('p', { class: 'ds-paragraph' }, `Sending as ${orgLabel(s.org)}. The form is checked with the service's own rules before anything is sent.`),
    form);
};

const STEPS: [JobState['activePhase'], string][] = [['hash', 'Checking the file (MD5)'], ['upload', 'Uploading'], ['processing', 'Processing (malware scan)'], ['published', 'Published']];
const WEIGHT = { hash: [0, 0.1], upload: [0.1, 0.95], processing: [0.95, 0.99], published: [1, 1] } as const;

function progressView(job: SendJob, signal: AbortSignal): HTMLElement {
  const bar = h('progress', { id: 'send-progress', max: '1000', value: '0', 'aria-labelledby': 'progress-label' });
  const label = h('p', { class: 'ds-paragraph', id: 'progress-label' });
  const numbers = h('p', { class: 'ds-paragraph numbers', 'data-size': 'sm', 'aria-live': 'off' });
  const steps = h('ol', { class: 'steps' }, STEPS.map(([p, text]) => h('li', { 'data-step': p }, text)));
  const pause = h('button', { class: 'ds-button', 'data-variant': 'secondary', type: 'button' }, 'Pause');
  const cancel = h('button', { class: 'ds-button', 'data-variant': 'tertiary', type: 'button' }, 'Cancel');
  const outcome = h('div', { id: 'send-outcome' });
  const controls = h('div', { class: 'controls' }, pause, cancel);
  pause.addEventListener('click', () => { if (job.state.phase === 'paused') job.resume(); else void job.pause(); });
  cancel.addEventListener('click', () => void job.cancel());
  let lastPhase = '';
  const render = (st: JobState) => {
    const [a, b] = WEIGHT[st.activePhase];
    const frac = st.size > 0 ? st.loaded / st.size : 1;
    const inPhase = st.activePhase === 'hash' || st.activePhase === 'upload' ? frac : 1;
    bar.value = Math.round((a + (b - a) * inPhase) * 1000);
    const stepIndex = STEPS.findIndex(([p]) => p === st.activePhase);
    steps.querySelectorAll('li').forEach((li, i) => {
      li.classList.toggle('done', i < stepIndex || st.phase === 'published');
      if (i === stepIndex && st.phase !== 'published') li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
    const stepText = STEPS[stepIndex]?.[1] ?? '';
    label.textContent = st.phase === 'paused' ? `Paused: ${stepText}` : st.phase === 'cancelled' ? 'Cancelled' : st.phase === 'failed' ? `Stopped while: ${stepText}` : `${stepText} — ${st.fileName}`;
    numbers.textContent = st.activePhase === 'hash' || st.activePhase === 'upload'
      ? `${bytes(st.loaded)} of ${bytes(st.size)} · ${st.rate > 0 ? `${bytes(st.rate)}/s` : '—'} · ${duration(st.secondsLeft)} left`
      : `${bytes(st.size)}`;
    pause.hidden = !(job.canPause || st.phase === 'paused');
    pause.textContent = st.phase === 'paused' ? 'Resume' : 'Pause';
    controls.hidden = ['published', 'failed', 'cancelled', 'processing'].includes(st.phase);
    if (st.phase === lastPhase) return;
    lastPhase = st.phase;
    announce(label.textContent);
    const link = st.fileTransferId ? h('a', { class: 'ds-link', href: href('transfer', st.fileTransferId) }, 'Open the transfer') : null;
    if (st.phase === 'published') {
      clear(outcome, h('div', { class: 'ds-alert', 'data-color': 'success', role: 'status' },
        h('h2', { class: 'ds-heading', 'data-size': 'xs' }, 'Sent: the recipients can download it now'),
        h('p', { class: 'ds-paragraph' }, link, ' · ', h('a', { class: 'ds-link', href: href('new'), onclick: () => clearJob() }, 'Send another file'))));
    } else if (st.phase === 'failed') {
      clear(outcome, errorAlert(st.error, 'Not sent'), h('p', { class: 'ds-paragraph' }, link, link ? ' · ' : '', h('a', { class: 'ds-link', href: href('new'), onclick: () => clearJob() }, 'Start again')));
    } else if (st.phase === 'cancelled') {
      clear(outcome, h('div', { class: 'ds-alert', 'data-color': 'info', role: 'status' },
        h('p', { class: 'ds-paragraph' }, st.error ? 'The upload was stopped.' : 'The upload was stopped and what was uploaded deleted.', ' Broker has no way to cancel a transfer: it stays until it expires.'),
        st.error ? errorAlert(st.error, 'The uploaded part could not be deleted (the service removes it when the upload expires)') : null,
        h('p', { class: 'ds-paragraph' }, h('a', { class: 'ds-link', href: href('new'), onclick: () => clearJob() }, 'Start again'))));
    } else clear(outcome);
  };
  const off = job.subscribe(render);
  signal.addEventListener('abort', off, { once: true });
  return h('section', { class: 'progress', 'aria-labelledby': 'progress-label' },
    label, bar, numbers, steps, controls, outcome,
    h('p', { class: 'ds-paragraph', 'data-size': 'sm' }, `Files from ${bytes(RESUMABLE_THRESHOLD)} go resumable in parallel parts: they can be paused, and resumed after a reload by choosing the same file again.`));
}
