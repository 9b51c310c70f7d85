// A hash router: #/services, #/new?resource=..., #/active, #/history, #/transfer/<id>. Each route renders into
// <main> with an AbortSignal that fires when the user leaves it (stopping its polls and requests).
export interface Route {
  name: string;
  params: Record<string, string>;
  query: URLSearchParams;
}

export type Page = (main: HTMLElement, route: Route, signal: AbortSignal) => void | Promise<void>;

export function parse(hash: string): Route {
  const [path, q = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const query = new URLSearchParams(q);
  if (parts[0] === 'transfer' && parts[1]) return { name: 'transfer', params: { id: decodeURIComponent(parts[1]) }, query };
  return { name: parts[0] ?? 'services', params: {}, query };
}

export function href(name: string, param?: string, query?: Record<string, string>): string {
  const qs = query ? `?${new URLSearchParams(query)}` : '';
  return `#/${name}${param ? `/${encodeURIComponent(param)}` : ''}${qs}`;
}

export function startRouter(pages: Record<string, Page>, main: HTMLElement, onRoute: (r: Route) => void): void {
  let leave: AbortController | null = null;
  let first = true;
  const show = async () => {
    leave?.abort();
    leave = new AbortController();
    const route = parse(location.hash);
    const page = pages[route.name] ?? pages.services;
    onRoute(route);
    main.replaceChildren();
    await page(main, route, leave.signal);
    // Move focus to the new page's heading (not on the first load), so keyboard and screen reader users land there.
    if (!first) (main.querySelector('h1') as HTMLElement | null)?.focus();
    first = false;
  };
  window.addEventListener('hashchange', () => void show());
  void show();
}
