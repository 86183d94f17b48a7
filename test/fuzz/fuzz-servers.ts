// The fuzzer's loopback servers. `allowed` serves the response shapes a guest
// may meet (chunked, slow, hanging, truncated, oversized, compressed, 1xx,
// redirects anywhere); `raw` writes byte-exact responses node:http would
// refuse to produce; `denied` is a set of listeners on origins the allow-list
// does not allow, which only count connections: any connection at all is a
// failed property. Every server counts its open sockets and its requests in
// flight, so a socket the host leaves behind shows.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface SocketCounter {
  /** Sockets accepted and not yet closed. */
  open: number;
  /** Connections ever accepted. */
  accepted: number;
  /** Requests (or raw exchanges) received. */
  requests: number;
  /** Requests whose response has neither finished nor been cut off. */
  inFlight: number;
}

export interface FuzzServers {
  readonly allowedPort: number;
  readonly rawPort: number;
  /** Origins nobody may reach, as the fuzzer spells them in URLs. */
  readonly deniedOrigins: readonly string[];
  readonly deniedPort: number;
  readonly allowed: SocketCounter;
  readonly raw: SocketCounter;
  readonly denied: SocketCounter;
  stop(): Promise<void>;
}

// Past the 1 MiB the end-to-end runs allow (--max-response-mb 1) as well as the in-process 64 KiB.
export const OVERSIZED_BYTES = 1.25 * 1024 * 1024;
const counter = (): SocketCounter => ({ open: 0, accepted: 0, requests: 0, inFlight: 0 });

function countSockets(server: Server, count: SocketCounter, sockets: Set<Socket>): void {
  server.on('connection', (socket: Socket) => {
    count.open++;
    count.accepted++;
    sockets.add(socket);
    socket.once('close', () => {
      count.open--;
      sockets.delete(socket);
    });
  });
}

async function listen(server: Server, port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, origins: { allowed: string; denied: string }) => void;

const timers = new Set<NodeJS.Timeout>();
function later(ms: number, fn: () => void): void {
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
}

const ROUTES: Record<string, Handler> = {
  '/ok': (_req, res) => {
    res.setHeader('X-Reply', 'hello');
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.end('hello, guest');
  },
  '/empty': (_req, res) => {
    res.writeHead(204);
    res.end();
  },
  '/echo': (req, res) => {
    res.setHeader('Content-Type', 'application/octet-stream');
    res.end(`${req.method} ${JSON.stringify(req.headers)}`);
  },
  '/chunked': (_req, res) => {
    res.setHeader('Transfer-Encoding', 'chunked');
    for (let i = 0; i < 8; i++) res.write(`chunk ${i};`);
    res.end();
  },
  '/slow': (_req, res) => {
    res.write('first;');
    later(5, () => res.write('second;'));
    later(15, () => res.end('last'));
  },
  '/hang': () => {
    // never answered: the host's request timeout ends it
  },
  '/stall-body': (_req, res) => {
    res.writeHead(200, { 'Content-Length': '1000' });
    res.write('only part of it'); // the rest never comes: the timeout again, mid-body
  },
  '/truncated': (_req, res) => {
    res.writeHead(200, { 'Content-Length': '100' });
    res.write('ten bytes!');
    later(1, () => res.socket?.destroy());
  },
  '/oversized': (_req, res) => res.end(Buffer.alloc(OVERSIZED_BYTES, 0x61)),
  '/oversized-chunked': (_req, res) => {
    for (let i = 0; i < OVERSIZED_BYTES / 4096 + 1; i++) res.write(Buffer.alloc(4096, 0x62));
    res.end();
  },
  '/gzip': (_req, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain' });
    res.end(gzipSync(Buffer.from('compressed body '.repeat(100))));
  },
  '/informational': (_req, res) => {
    res.writeProcessing();
    res.writeEarlyHints({ link: '</style.css>; rel=preload' });
    res.end('after 1xx');
  },
  '/many-headers': (_req, res) => {
    for (let i = 0; i < 200; i++) res.setHeader(`X-H${i}`, 'v'.repeat(i));
    res.end('many');
  },
  '/redirect-loop': (_req, res) => {
    res.writeHead(307, { Location: '/redirect-loop' });
    res.end();
  },
  '/redirect': (req, res, url, origins) => {
    const to = url.searchParams.get('to') ?? '/ok';
    const status = Number(url.searchParams.get('status') ?? '302');
    const location = to.replace('{allowed}', origins.allowed).replace('{denied}', origins.denied);
    res.writeHead(status, { Location: location });
    res.end(req.method === 'HEAD' ? undefined : 'redirecting');
  },
};

// Byte-exact responses, by request path.
const RAW: Record<string, string | Buffer> = {
  '/utf8-header': Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nX-Name: '), Buffer.from('héllo ✓', 'utf8'), Buffer.from('\r\nContent-Length: 2\r\n\r\nok')]),
  '/latin1-header': Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nX-Name: '), Buffer.from([0xe9, 0xff]), Buffer.from('\r\nContent-Length: 2\r\n\r\nok')]),
  '/bad-status': 'HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n',
  '/no-length': 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nread until the end',
  '/double-length': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
  '/garbage': 'this is not http at all\r\n\r\n',
  '/redirect-no-location': 'HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n',
  '/redirect-bad-location': 'HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n',
  '/redirect-userinfo': 'HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{allowedPort}@127.0.0.1:{deniedPort}/x\r\nContent-Length: 0\r\n\r\n',
  '/header-no-colon': 'HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 2\r\n\r\nok',
  '/close-now': '',
  '/huge-headers': `HTTP/1.1 200 OK\r\n${'X-Pad: '.concat('p'.repeat(1000), '\r\n').repeat(100)}Content-Length: 2\r\n\r\nok`,
  '/bad-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnope\r\n0\r\n\r\n',
  '/cut-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly a part',
  '/http10': 'HTTP/1.0 200 OK\r\nX-Old: yes\r\n\r\nan HTTP/1.0 body until close',
  '/continue-then-ok': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  '/nul-header': 'HTTP/1.1 200 OK\r\nX-Nul: a\u0000b\r\nContent-Length: 2\r\n\r\nok',
  '/folded-header': 'HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length: 2\r\n\r\nok',
  '/location-303-post': 'HTTP/1.1 303 See Other\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n',
};
export const RAW_PATHS = Object.keys(RAW);
export const ROUTE_PATHS = Object.keys(ROUTES);

export async function startFuzzServers(): Promise<FuzzServers> {
  const allowed = counter();
  const raw = counter();
  const denied = counter();
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  let deniedOrigin = '';
  let allowedOrigin = '';

  const allowedServer = createHttpServer((req, res) => {
    allowed.requests++;
    allowed.inFlight++;
    let done = false;
    const finish = () => {
      if (!done) allowed.inFlight--;
      done = true;
    };
    res.once('finish', finish);
    res.once('close', finish);
    req.resume();
    req.once('end', () => {
      let url: URL | undefined;
      try {
        url = new URL(`http://x${req.url ?? '/'}`);
      } catch {
        url = undefined;
      }
      const route = url && ROUTES[url.pathname];
      if (!url || !route) {
        res.statusCode = 404;
        res.end('no such route');
        return;
      }
      try {
        route(req, res, url, { allowed: allowedOrigin, denied: deniedOrigin });
      } catch {
        // A fuzzed query the route cannot use (status=abc): a plain 400.
        if (!res.headersSent) res.writeHead(400);
        res.end();
      }
    });
  });
  // Idle keep-alive sockets are no leak; let them go soon so the end-of-run count reaches zero.
  allowedServer.keepAliveTimeout = 500;
  countSockets(allowedServer, allowed, sockets);
  servers.push(allowedServer);
  const allowedPort = (await listen(allowedServer, 0, '127.0.0.1'))!;
  allowedOrigin = `http://127.0.0.1:${allowedPort}`;

  const deniedServers: Server[] = [];
  const deniedOrigins: string[] = [];
  const deniedListener = () =>
    createNetServer((socket) => {
      denied.requests++;
      socket.destroy();
    });
  const primary = deniedListener();
  countSockets(primary, denied, sockets);
  const deniedPort = (await listen(primary, 0, '127.0.0.1'))!;
  deniedServers.push(primary);
  deniedOrigins.push(`http://127.0.0.1:${deniedPort}`);
  deniedOrigin = deniedOrigins[0]!;
  // The allowed port on other loopback addresses: same port, another host.
  for (const [host, spelled] of [['127.0.0.2', '127.0.0.2'], ['::1', '[::1]']] as const) {
    const server = deniedListener();
    countSockets(server, denied, sockets);
    if ((await listen(server, allowedPort, host)) !== undefined) {
      deniedServers.push(server);
      deniedOrigins.push(`http://${spelled}:${allowedPort}`);
    }
  }
  servers.push(...deniedServers);

  let rawPort = 0;
  const rawServer = createNetServer((socket) => {
    let head = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      raw.requests++;
      const path = (/^\S+ (\S+)/.exec(head)?.[1] ?? '/').split('?')[0]!;
      head = '';
      const reply = RAW[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
      const bytes = typeof reply === 'string'
        ? reply.replace('{allowedPort}', String(rawPort)).replace('{deniedPort}', String(deniedPort))
        : reply;
      if (bytes.length === 0) socket.destroy();
      else socket.end(bytes); // one exchange per connection keeps the shapes independent
    });
  });
  countSockets(rawServer, raw, sockets);
  servers.push(rawServer);
  rawPort = (await listen(rawServer, 0, '127.0.0.1'))!;

  return {
    allowedPort,
    rawPort,
    deniedOrigins,
    deniedPort,
    allowed,
    raw,
    denied,
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
