// Active and History: the organisation's sent and received transfers on a service, newest first, searched with
// the service's filters (role, status, recipient status, time window) and paged past the service's 100 results
// (searchAll pages with the time window). Active holds transfers whose outcome is open (not settled), History
// the rest. Live: the search is re-run by the update source; overviews of settled transfers are kept, so a poll
// costs the searches plus one overview per transfer up to the end of the current page that is new or still moving
// (the two roles' answers are merged newest first, reading an overview only when its transfer is next). A settled
// transfer changes again only when purged at expiry, weeks later: a reload shows that.
import { isSettled, statusText, type FileTransferOverview, type FileTransferStatus, type RecipientStatus, type SearchQuery } from 'altinn-broker-client';
import { client, orgLabel, session } from '../api';
import { clear, h } from '../dom';
import { errorAlert } from '../errors';
import { bytes, dateTime } from '../format';
import { defaultSource } from '../live';
import { href, type Page, type Route } from '../router';
import { serviceAccess } from './services';

const PAGE_SIZE = 20;
const SEARCH_MAX = 1000;
const STATUSES: FileTransferStatus[] = ['Initialized', 'UploadStarted', 'UploadProcessing', 'Published', 'Failed', 'AllConfirmedDownloaded', 'Purged'];
const RECIPIENT_STATUSES: RecipientStatus[] = ['Initialized', 'DownloadStarted', 'DownloadConfirmed'];
const settled = new Map<string, FileTransferOverview>();

interface Filters {
  resource: string;
  role: '' | 'Sender' | 'Recipient';
  status: '' | FileTransferStatus;
  recipientStatus: '' | RecipientStatus;
  from: string;
  to: string;
  page: number;
}

function filtersOf(route: Route, fallbackResource: string): Filters {
  const q = route.query;
  return {
    resource: q.get('resource') || fallbackResource,
    role: (q.get('role') ?? '') as Filters['role'],
    status: (q.get('status') ?? '') as Filters['status'],
    recipientStatus: (q.get('recipientStatus') ?? '') as Filters['recipientStatus'],
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
    page: Math.max(0, Number(q.get('page') ?? 0) || 0),
  };
}

function queryOf(f: Filters): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) if (v !== '' && !(k === 'page' && v === 0)) o[k] = String(v);
  return o;
}

interface Listing {
  rows: FileTransferOverview[];
  more: boolean;
}

async function load(f: Filters, active: boolean, signal: AbortSignal): Promise<Listing> {
  const base: SearchQuery = { resourceId: f.resource, orderAscending: false };
  if (f.status) base.status = f.status;
  if (f.recipientStatus) base.recipientStatus = f.recipientStatus;
  if (f.from) base.from = new Date(f.from);
  if (f.to) base.to = new Date(f.to);
  // Both roles: one search each (the service answers one role at a time; recipientStatus is recipient-only).
  const roles: ('Sender' | 'Recipient')[] = f.recipientStatus ? ['Recipient'] : f.role ? [f.role] : ['Sender', 'Recipient'];
  const lists = await Promise.all(roles.map((role) => client().searchAll({ ...base, role }, { max: SEARCH_MAX, signal })));
  // Each search answers newest first: merge them lazily, reading an overview only when its transfer is next in
  // line, until this page and one row more (to know there is a next page) are found.
  const fetched = new Map<string, Promise<FileTransferOverview>>();
  const overview = (id: string) => {
    let p = fetched.get(id);
    if (!p) {
      const known = settled.get(id);
      p = known ? Promise.resolve(known) : client().overview(id, { signal }).then((o) => {
        if (isSettled(o.fileTransferStatus)) settled.set(id, o);
        return o;
      });
      fetched.set(id, p);
    }
    return p;
  };
  const at = lists.map(() => 0);
  const taken = new Set<string>();
  const rows: FileTransferOverview[] = [];
  const skip = f.page * PAGE_SIZE;
  let matched = 0;
  let more = false;
  for (;;) {
    const heads = await Promise.all(lists.map((l, i) => (at[i] < l.length ? overview(l[at[i]]) : Promise.resolve(null))));
    let pick = -1;
    heads.forEach((o, i) => {
      const best = pick >= 0 ? heads[pick] : null;
      if (o && (!best || o.created > best.created)) pick = i;
    });
    if (pick < 0) break;
    const o = heads[pick] as FileTransferOverview;
    at[pick] += 1;
    if (taken.has(o.fileTransferId)) continue;
    taken.add(o.fileTransferId);
    if (isSettled(o.fileTransferStatus) === active) continue;
    matched += 1;
    if (matched <= skip) continue;
    if (rows.length < PAGE_SIZE) rows.push(o);
    else {
      more = true;
      break;
    }
  }
  return { rows, more };
}

function table(rows: FileTransferOverview[], org: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'ds-paragraph', id: 'empty' }, 'No transfers match.');
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Transfers' }, h('table', { class: 'ds-table', 'data-border': true },
    h('thead', null, h('tr', null, ['File', 'Status', 'Role', 'Counterpart', 'Created', 'Size'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, rows.map((o) => {
      const sent = o.sender.replace(/^.*:/, '') === org;
      const counterpart = sent ? o.recipients.map((r) => orgLabel(r.recipient)).join(', ') : orgLabel(o.sender);
      return h('tr', { 'data-id': o.fileTransferId },
        h('td', null, h('a', { class: 'ds-link', href: href('transfer', o.fileTransferId) }, o.fileName || o.fileTransferId)),
        h('td', null, h('span', { class: 'ds-tag', 'data-color': o.fileTransferStatus === 'Failed' ? 'danger' : isSettled(o.fileTransferStatus) ? 'neutral' : 'info', 'data-status': o.fileTransferStatus }, statusText(o.fileTransferStatus))),
        h('td', null, sent ? 'Sent' : 'Received'),
        h('td', null, counterpart),
        h('td', null, dateTime(o.created)),
        h('td', null, o.fileTransferSize ? bytes(o.fileTransferSize) : '—'));
    }))));
}

function select(id: string, label: string, value: string, options: [string, string][]): HTMLElement {
  return h('div', { class: 'ds-field' }, h('label', { class: 'ds-label', for: id }, label),
    h('select', { id, name: id, class: 'ds-input' }, options.map(([v, t]) => h('option', { value: v, selected: v === value }, t))));
}

function listPage(active: boolean): Page {
  return async (main, route, signal) => {
    const name = active ? 'active' : 'history';
    main.append(
      h('h1', { class: 'ds-heading', 'data-size': 'lg', tabindex: '-1' }, active ? 'Active' : 'History'),
      h('p', { class: 'ds-paragraph' }, active ? 'Transfers sent or received that can still change: being uploaded, scanned, or waiting for downloads. Updated live.' : 'Finished transfers: all downloads confirmed, failed, or purged.'));
    const access = await serviceAccess(signal);
    if (signal.aborted) return;
    const usable = access.filter((a) => a.ok).map((a) => a.resourceId);
    if (usable.length === 0) {
      main.append(h('p', { class: 'ds-paragraph' }, 'Your organisation has access to no service here.'));
      return;
    }
    const f = filtersOf(route, usable[0]);
    const statusOptions = STATUSES.filter((st) => isSettled(st) !== active);
    const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter transfers' },
      select('resource', 'Service', f.resource, usable.map((r) => [r, r])),
      select('role', 'Role', f.role, [['', 'Sent and received'], ['Sender', 'Sent'], ['Recipient', 'Received']]),
      select('status', 'Status', f.status, [['', 'Any'], ...statusOptions.map((st): [string, string] => [st, statusText(st)])]),
      select('recipientStatus', 'Recipient status', f.recipientStatus, [['', 'Any'], ...RECIPIENT_STATUSES.map((st): [string, string] => [st, st])]),
      h('div', { class: 'ds-field' }, h('label', { class: 'ds-label', for: 'from' }, 'From'), h('input', { id: 'from', name: 'from', type: 'datetime-local', class: 'ds-input', value: f.from })),
      h('div', { class: 'ds-field' }, h('label', { class: 'ds-label', for: 'to' }, 'To'), h('input', { id: 'to', name: 'to', type: 'datetime-local', class: 'ds-input', value: f.to })),
      h('button', { class: 'ds-button', 'data-variant': 'secondary', type: 'submit' }, 'Search'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const next: Filters = { ...f, page: 0 };
      for (const k of ['resource', 'role', 'status', 'recipientStatus', 'from', 'to'] as const) (next as unknown as Record<string, string>)[k] = String(data.get(k) ?? '');
      location.hash = href(name, undefined, queryOf(next));
    });
    const results = h('div', { id: 'results', 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'ds-paragraph' }, 'Searching…'));
    const errorBox = h('div');
    const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
    main.append(form, errorBox, results, pager);
    const org = session().org;
    defaultSource().watch<Listing>({
      load: (sig) => load(f, active, sig),
      key: (l) => JSON.stringify([l.rows.map((o) => [o.fileTransferId, o.fileTransferStatus, o.recipients.map((r) => r.currentRecipientFileTransferStatusCode)]), l.more]),
      onValue: (l) => {
        clear(errorBox);
        results.removeAttribute('aria-busy');
        clear(results, table(l.rows, org));
        clear(pager,
          f.page > 0 ? h('a', { class: 'ds-link', href: href(name, undefined, queryOf({ ...f, page: f.page - 1 })) }, 'Newer') : null,
          h('span', null, ` Page ${f.page + 1} `),
          l.more ? h('a', { class: 'ds-link', href: href(name, undefined, queryOf({ ...f, page: f.page + 1 })) }, 'Older') : null);
      },
      onError: (e) => clear(errorBox, errorAlert(e, 'Could not search')),
    }, signal);
  };
}

export const activePage = listPage(true);
export const historyPage = listPage(false);
