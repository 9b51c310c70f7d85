// Serves the built portal (Vite's dist/): files by path, index.html for the root. Hashed assets are immutable.
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
};

export function staticFiles(dir) {
  return async (path) => {
    const rel = normalize(path === '/' ? 'index.html' : decodeURIComponent(path).slice(1));
    if (rel.startsWith('..') || rel.startsWith(sep)) return new Response(null, { status: 404 });
    try {
      const body = await readFile(join(dir, rel));
      const immutable = rel.startsWith(`assets${sep}`);
      return new Response(body, {
        headers: {
          'content-type': TYPES[extname(rel)] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
          'x-content-type-options': 'nosniff',
        },
      });
    } catch {
      return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    }
  };
}
