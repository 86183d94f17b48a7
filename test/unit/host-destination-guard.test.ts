// The allow-list's DNS rule (destination-guard.ts): a host name on the list
// that resolves to a loopback or link-local address is used only when the
// list also names that address (same scheme and port). Names resolve through
// a real DNS server of the test's own on 127.0.0.1 (test/fuzz/local-dns-server.ts),
// never the machine's resolver; servers are in-process on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { parseAllowList } from '../../operator/src/host/allow-list.js';
import { guardedLookup, isMachineLocalAddress, type LookupFunction } from '../../operator/src/host/destination-guard.js';
import { HttpErrorCode } from '../../operator/src/host/http-error-codes.js';
import { createOutboundDispatcher, sendOutbound } from '../../operator/src/host/outbound-request.js';
import { sidecarAllowList } from '../../operator/src/host/sidecar-endpoint.js';
import { tableResolver } from '../fuzz/fake-resolver.js';
import { startLocalDns, type LocalDns } from '../fuzz/local-dns-server.js';

interface CountingServer {
  server: Server;
  port: number;
  connections: number;
}

async function countingServer(handler: (port: number) => Parameters<typeof createServer>[1]): Promise<CountingServer> {
  const counting: CountingServer = { server: undefined as unknown as Server, port: 0, connections: 0 };
  counting.server = createServer((req, res) => handler(counting.port)!(req, res));
  counting.server.on('connection', () => counting.connections++);
  await new Promise<void>((resolve) => counting.server.listen(0, '127.0.0.1', resolve));
  counting.port = (counting.server.address() as AddressInfo).port;
  return counting;
}

let target: CountingServer;
let other: CountingServer;
let dns: LocalDns;
const dispatchers: Dispatcher[] = [];

beforeAll(async () => {
  other = await countingServer(() => (_req, res) => res.end('other'));
  target = await countingServer(() => (req, res) => {
    if (req.url === '/to-evil') {
      res.writeHead(302, { Location: `http://evil.test:${other.port}/` });
      res.end();
      return;
    }
    res.end('hello');
  });
  dns = await startLocalDns({ 'evil.test': ['127.0.0.1'], 'v6.test': ['::1'] });
});

afterAll(async () => {
  await Promise.all(dispatchers.map((d) => d.destroy()));
  target.server.closeAllConnections();
  other.server.closeAllConnections();
  await Promise.all([target, other].map((s) => new Promise((resolve) => s.server.close(resolve))));
  await dns.stop();
});

beforeEach(() => {
  target.connections = 0;
  other.connections = 0;
  dns.queries.length = 0;
});

async function get(url: string, entries: string[]): Promise<{ status?: number; code?: number }> {
  const allowList = parseAllowList(entries);
  const dispatcher = createOutboundDispatcher(allowList, dns.lookup);
  dispatchers.push(dispatcher);
  try {
    const response = await sendOutbound(
      { url: new URL(url), method: 'GET', headers: [], body: new Uint8Array(0) },
      { allowList, dispatcher, timeoutMs: 5000, maxResponseBytes: 2 ** 20, maxRedirects: 5 },
    );
    return { status: response.status };
  } catch (err) {
    return { code: (err as { abiCode?: number }).abiCode };
  }
}

describe('a host name that resolves to loopback', () => {
  test('is refused with 7 when only the name is on the list, and its server sees no connection', async () => {
    const port = target.port;
    expect(await get(`http://evil.test:${port}/`, [`http://evil.test:${port}`])).toEqual({ code: HttpErrorCode.DestinationNotAllowed });
    expect(dns.queries).toContain('evil.test'); // it did resolve, through the local DNS server
    expect(target.connections).toBe(0);
  });

  test('is allowed when the list also names the address, with the same scheme and port', async () => {
    const port = target.port;
    expect(await get(`http://evil.test:${port}/`, [`http://evil.test:${port}`, `http://127.0.0.1:${port}`])).toEqual({ status: 200 });
  });

  test('the address on another port does not count', async () => {
    const port = target.port;
    expect(await get(`http://evil.test:${port}/`, [`http://evil.test:${port}`, `http://127.0.0.1:${port + 1}`])).toEqual({
      code: HttpErrorCode.DestinationNotAllowed,
    });
    expect(target.connections).toBe(0);
  });

  test('is refused on a redirect hop too, and the server the name points at sees no connection', async () => {
    const entries = [`http://127.0.0.1:${target.port}`, `http://evil.test:${other.port}`];
    expect(await get(`http://127.0.0.1:${target.port}/to-evil`, entries)).toEqual({ code: HttpErrorCode.DestinationNotAllowed });
    expect(other.connections).toBe(0);
  });
});

test('an origin given by address (the sidecar at 127.0.0.1) is judged by the list alone, without a lookup', async () => {
  expect(await get(`http://127.0.0.1:${target.port}/`, [`http://127.0.0.1:${target.port}`])).toEqual({ status: 200 });
  expect(dns.queries).toEqual([]);
});

describe('guardedLookup', () => {
  function lookupWith(entries: string[], origin: string, table: Record<string, string[]>): Promise<{ error?: string; addresses?: unknown }> {
    const lookup = guardedLookup(parseAllowList(entries), new URL(origin), tableResolver(table) as LookupFunction);
    return new Promise((resolve) => {
      lookup(new URL(origin).hostname, { all: true }, (err, addresses) => resolve(err ? { error: err.message } : { addresses }));
    });
  }

  test('link-local (a cloud metadata address) is refused even for a wildcard entry', async () => {
    const result = await lookupWith(['https://*.example.com'], 'https://metadata.example.com', { 'metadata.example.com': ['169.254.169.254'] });
    expect(result.error).toMatch(/destination not allowed: metadata\.example\.com resolves to 169\.254\.169\.254/);
  });

  test('of several answers, only the loopback ones are dropped', async () => {
    const result = await lookupWith(['https://mixed.example'], 'https://mixed.example', { 'mixed.example': ['203.0.113.7', '127.0.0.1', '::1'] });
    expect(result.addresses).toEqual([{ address: '203.0.113.7', family: 4 }]);
  });

  test('an IPv6 loopback answer is used when the list names [::1] with the port', async () => {
    const result = await lookupWith(['http://v6.test:8080', 'http://[::1]:8080'], 'http://v6.test:8080', { 'v6.test': ['::1'] });
    expect(result.addresses).toEqual([{ address: '::1', family: 6 }]);
  });

  test('insecure:allow-all allows a name that resolves to loopback', async () => {
    const result = await lookupWith(['insecure:allow-all'], 'http://anything.test:1234', { 'anything.test': ['127.0.0.1'] });
    expect(result.addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  test('a name that does not resolve fails as the resolver failed', async () => {
    const result = await lookupWith(['http://gone.test'], 'http://gone.test', {});
    expect(result.error).toMatch(/ENOTFOUND/);
  });
});

test.each([
  ['127.0.0.1', 4, true], ['127.255.255.254', 4, true], ['169.254.169.254', 4, true], ['0.0.0.0', 4, true],
  ['::1', 6, true], ['::', 6, true], ['fe80::1', 6, true], ['fe80::1%eth0', 6, true], ['::ffff:127.0.0.1', 6, true],
  ['10.0.0.1', 4, false], ['203.0.113.7', 4, false], ['128.0.0.1', 4, false], ['169.255.0.1', 4, false], ['2001:db8::1', 6, false],
])('isMachineLocalAddress(%s, IPv%i) is %s', (address, family, expected) => {
  expect(isMachineLocalAddress(address, family)).toBe(expected);
});

describe('the default allow-list of a sidecar', () => {
  test('given by address, it is that origin alone', () => {
    expect(sidecarAllowList({ origin: 'http://127.0.0.1:3500', port: '3500' })).toEqual(['http://127.0.0.1:3500']);
  });

  test('given by name (DAPR_HTTP_ENDPOINT=http://localhost:3500), it also names the loopback addresses, so the DNS rule lets it through', async () => {
    const entries = sidecarAllowList({ origin: 'http://localhost:3500', port: '3500' });
    expect(entries).toEqual(['http://localhost:3500', 'http://127.0.0.1:3500', 'http://[::1]:3500']);
    const lookup = guardedLookup(parseAllowList(entries), new URL('http://localhost:3500'), tableResolver({ localhost: ['127.0.0.1', '::1'] }));
    const addresses = await new Promise((resolve) => lookup('localhost', { all: true }, (_err, found) => resolve(found)));
    expect(addresses).toEqual([{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
  });
});
