// The local-mode identity switch: which seed organisation's proxy (and token) serves the page's requests. The
// cookie holds only an org number the server checks against its list, never a token; HttpOnly so page scripts
// neither read nor set it, SameSite=Strict so no other site's page can make requests as it.
const NAME = 'portal-identity';

export function identityCookie(org) {
  return `${NAME}=${org}; Path=/; HttpOnly; SameSite=Strict`;
}

export function readIdentity(request) {
  const header = request.headers.get('cookie') ?? '';
  for (const part of header.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === NAME && /^\d{9}$/.test(v ?? '')) return v;
  }
  return null;
}
