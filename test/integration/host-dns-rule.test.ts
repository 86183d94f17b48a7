// The allow-list's DNS rule in a real `wasi-host` process with the machine's
// own resolver: `localhost` (from /etc/hosts, untouched) resolves to
// loopback, so an allow-list naming only `http://localhost:PORT` refuses it
// (7) and the server sees no connection, while one that also names
// `http://127.0.0.1:PORT` lets it through.
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { fact, guestModule, runWasiHost } from '../helpers/wasi-host.js';

let server: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  server = createServer((_req, res) => res.end('hello from loopback'));
  server.on('connection', () => connections++);
  // Both loopback families, whichever `localhost` resolves to first.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  connections = 0;
});

test('a guest calling http://localhost:PORT with only that name on the list gets 7, and nothing connects', async () => {
  const run = await runWasiHost(['run', guestModule('http-probe'), '--allowed-host', `http://localhost:${port}`, '--', 'get', `http://localhost:${port}/`]);
  expect(fact(run.stdout, 'code')).toBe('7');
  expect(run.stderr).toContain('a loopback or link-local address the allow-list does not name');
  expect(connections).toBe(0);
});

test('the same call succeeds when the list also names http://127.0.0.1:PORT', async () => {
  const run = await runWasiHost([
    'run', guestModule('http-probe'), '--allowed-host', `http://localhost:${port}`, '--allowed-host', `http://127.0.0.1:${port}`,
    '--allowed-host', `http://[::1]:${port}`, '--', 'get', `http://localhost:${port}/`,
  ]);
  expect(fact(run.stdout, 'code')).toBe('0');
  expect(fact(run.stdout, 'body')).toBe('hello from loopback');
});
