// Plain node:http listeners for /metrics, /healthz and /readyz.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WasiOperatorError } from '../util/errors.js';

// Not `import … from 'node:http'`: that ESM import reads every export of the
// module, and on Node 26 one of them loads Node's bundled undici (58 ms on its
// own, 14 ms beside the undici we load anyway, measured); this costs a few.
const { createServer } = process.getBuiltinModule('node:http');

export interface HttpResponse {
  status: number;
  body: string;
  contentType?: string;
}

/** A route may answer at once or later (prom-client renders /metrics asynchronously). */
export type Routes = Record<string, () => HttpResponse | Promise<HttpResponse>>;

export interface HttpServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/** ":8080" → all interfaces; "127.0.0.1:0" → loopback, any free port. */
export function parseListenAddr(addr: string): { host: string | undefined; port: number } {
  const colon = addr.lastIndexOf(':');
  const hostPart = colon === -1 ? '' : addr.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = colon === -1 ? addr : addr.slice(colon + 1);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new WasiOperatorError('ERR_INVALID_FLAG', `listen address must be [HOST]:PORT, got "${addr}"`);
  }
  return { host: hostPart === '' ? undefined : hostPart, port };
}

async function answer(routes: Routes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] as string;
  const route = routes[path];
  let response: HttpResponse;
  try {
    response = route ? await route() : { status: 404, body: 'not found\n' };
  } catch (err) {
    // A route that throws must still answer, or the scraper waits for its timeout.
    response = { status: 500, body: `internal error: ${(err as Error).message}\n` };
  }
  res.writeHead(response.status, { 'content-type': response.contentType ?? 'text/plain; charset=utf-8' });
  res.end(req.method === 'HEAD' ? undefined : response.body);
}

export async function startHttpServer(addr: string, routes: Routes): Promise<HttpServer> {
  const { host, port } = parseListenAddr(addr);
  const server: Server = createServer((req, res) => {
    void answer(routes, req, res);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new WasiOperatorError('ERR_LISTEN', `cannot listen on ${addr}: ${err.message}`, { cause: err })),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
