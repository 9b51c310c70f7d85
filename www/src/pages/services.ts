// Services: the resources the acting organisation may send on. Broker lists none, so the page asks the service
// about each resource the portal offers with one sender search (the PDP's verdict: 401/403 means no access).
import { client, session } from '../api';
import { clear, h } from '../dom';
import { explain } from '../errors';
import { href, type Page } from '../router';

export interface ServiceAccess {
  resourceId: string;
  ok: boolean;
  reason: string | null;
}

const cache = new Map<string, Promise<ServiceAccess[]>>();

/** The access verdicts for the acting org, asked once per org and page load (New transfer and the lists reuse them). */
export function serviceAccess(signal?: AbortSignal): Promise<ServiceAccess[]> {
  const { org, resources } = session();
  let p = cache.get(org);
  if (!p) {
    p = Promise.all(resources.map(async (resourceId) => {
      try {
        await client().search({ resourceId, role: 'Sender' }, { signal });
        return { resourceId, ok: true, reason: null };
      } catch (e) {
        const x = explain(e);
        return { resourceId, ok: false, reason: [x.title, x.detail].filter(Boolean).join(' — ') };
      }
    }));
    cache.set(org, p);
    p.catch(() => cache.delete(org));
  }
  return p;
}

export const servicesPage: Page = async (main, _route, signal) => {
  const list = h('div', { class: 'cards', 'aria-busy': 'true' }, h('p', { class: 'ds-paragraph' }, 'Asking Broker which services you may use…'));
  main.append(
    h('h1', { class: 'ds-heading', 'data-size': 'lg', tabindex: '-1' }, 'Services'),
    h('p', { class: 'ds-paragraph' }, 'The services (resources) your organisation can send files on. Choose one to start a new transfer.'),
    list);
  const access = await serviceAccess(signal);
  if (signal.aborted) return;
  list.removeAttribute('aria-busy');
  clear(list, access.map((a) => h('section', { class: 'ds-card service', 'aria-labelledby': `svc-${a.resourceId}` },
    h('h2', { class: 'ds-heading', 'data-size': 'xs', id: `svc-${a.resourceId}` }, a.resourceId),
    a.ok
      ? h('p', { class: 'ds-paragraph' }, h('span', { class: 'ds-tag', 'data-color': 'success' }, 'You have access'))
      : h('p', { class: 'ds-paragraph' }, h('span', { class: 'ds-tag', 'data-color': 'neutral' }, 'No access'), ' ', a.reason ?? ''),
    a.ok ? h('a', { class: 'ds-button', 'data-variant': 'primary', href: href('new', undefined, { resource: a.resourceId }) }, 'New transfer', h('span', { class: 'ds-sr-only' }, ` on ${a.resourceId}`)) : null)));
};
