// The portal: layout, the identity switch (local test feature), navigation, and the pages in the order Altinn's
// users expect them.
import '@digdir/designsystemet-css';
import '@digdir/designsystemet-theme/altinn.css';
import './style.css';
import { connect, session, switchIdentity } from './api';
import { announce, clear, h } from './dom';
import { errorAlert } from './errors';
import { href, startRouter, type Route } from './router';
import { servicesPage } from './pages/services';
import { newTransferPage } from './pages/new-transfer';
import { activePage, historyPage } from './pages/transfers';
import { transferPage } from './pages/transfer';

const NAV = [
  ['services', 'Services'],
  ['new', 'New transfer'],
  ['active', 'Active'],
  ['history', 'History'],
] as const;

function header(el: HTMLElement): (r: Route) => void {
  const s = session();
  const select = h('select', { id: 'identity', class: 'ds-input', 'aria-describedby': 'identity-note' },
    s.identities.map((i) => h('option', { value: i.org, selected: i.org === s.org }, `${i.name} (${i.org})`)));
  select.addEventListener('change', async () => {
    select.disabled = true;
    try {
      await switchIdentity(select.value);
      announce(`Now acting as ${select.selectedOptions[0]?.textContent ?? select.value}`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (e) {
      document.getElementById('main')?.prepend(errorAlert(e, 'Could not switch organisation'));
    } finally {
      select.disabled = false;
    }
  });
  const links = NAV.map(([name, text]) => h('a', { href: href(name), class: 'ds-link', 'data-nav': name }, text));
  clear(el,
    h('div', { class: 'brand' }, h('span', { class: 'brand-name' }, 'Broker'), h('span', { class: 'brand-sub' }, 'File transfers (Formidling)')),
    h('div', { class: 'identity ds-field' },
      h('label', { class: 'ds-label', for: 'identity' }, 'Acting as'),
      select,
      h('p', { id: 'identity-note', class: 'ds-paragraph identity-note', 'data-size': 'sm' },
        h('span', { class: 'ds-tag', 'data-color': 'warning' }, 'Local test feature'),
        ' Seed organisations of the emulator; the server holds their tokens.')),
    h('nav', { 'aria-label': 'Main' }, h('ul', { class: 'nav' }, links.map((a) => h('li', null, a)))));
  return (r) => {
    for (const a of links) {
      const current = a.dataset.nav === r.name || (r.name === 'transfer' && a.dataset.nav === 'active');
      if (current && a.dataset.nav === r.name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  };
}

async function main(): Promise<void> {
  const mainEl = document.getElementById('main') as HTMLElement;
  try {
    await connect();
  } catch (e) {
    clear(mainEl, h('h1', { class: 'ds-heading', tabindex: '-1' }, 'The portal could not start'), errorAlert(e));
    return;
  }
  const mark = header(document.getElementById('header') as HTMLElement);
  startRouter({
    services: servicesPage,
    new: newTransferPage,
    active: activePage,
    history: historyPage,
    transfer: transferPage,
  }, mainEl, mark);
}

void main();
