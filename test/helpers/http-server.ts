// A real node:http server on a free loopback port, for tests of a guest's
// outgoing HTTP. Routes are plain handlers; every request is recorded, so a
// test can assert what reached the server (or that nothing did).
//
//   const server = await startHttpServer({
//     '/hello': (req, res) => res.end('hi'),
//   });
//   try { ... server.url('/hello') ... expect(server.requests).toHaveLength(1); }
//   finally { await server.stop(); }
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface TestHttpServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  url(path: string): string;
  stop(): Promise<void>;
}

export async function startHttpServer(routes: Record<string, Route>): Promise<TestHttpServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const route = routes[path];
      if (!route) {
        res.statusCode = 404;
        res.end('no such route');
        return;
      }
      route(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    requests,
    url: (path) => `${origin}${path}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
