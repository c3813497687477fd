import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_ROOT = fileURLToPath(new URL('../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

const LANDING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>untxt</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}</style></head>
<body><h1>untxt is running</h1>
<p>The REST API is under <a href="/api/health"><code>/api</code></a> (see <a href="/api/openapi.json">openapi.json</a>), the WebSocket at <code>/ws?token=…</code>.</p>
<p>The web console is not built in this checkout: run <code>npm run build:web</code> (or <code>npx vite build web</code>) and reload. The README walks through the API with curl.</p></body></html>`;

/**
 * Serves the built web app (`web/dist`) with an SPA fallback to index.html, or a landing page when no
 * build exists. Paths are normalized and must stay inside the web root.
 */
export const serveStatic = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = new URL(req.url ?? '/', 'http://localhost');
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return false;
  }
  const candidate = normalize(join(WEB_ROOT, pathname));
  if (
    !candidate.startsWith(WEB_ROOT.endsWith(sep) ? WEB_ROOT : WEB_ROOT + sep) &&
    candidate + sep !== WEB_ROOT
  )
    return false;
  const send = async (file: string): Promise<boolean> => {
    try {
      const info = await stat(file);
      if (!info.isFile()) return false;
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Cache-Control': file.includes(`${sep}assets${sep}`)
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
      return true;
    } catch {
      return false;
    }
  };
  if (pathname !== '/' && (await send(candidate))) return true;
  // A missing hashed asset is a 404, not index.html: HTML served as a script only hides the error.
  if (pathname.startsWith('/assets/')) return false;
  if (await send(join(WEB_ROOT, 'index.html'))) return true;
  if (pathname === '/' || pathname === '/index.html') {
    res
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      .end(req.method === 'HEAD' ? undefined : LANDING);
    return true;
  }
  return false;
};
