// The wasi_experimental_http ABI as a guest sees it: http-probe.wasm drives
// the raw imports (including with bad pointers, handles and buffers) against
// a real local HTTP server, and prints the codes it got back.
import type { ServerResponse } from 'node:http';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { freePort } from '../helpers/ports.js';
import { fact, factsOf, guestModule, runWasiHost, type WasiHostRun } from '../helpers/wasi-host.js';

const MIB = 2 ** 20;
const ONE_MIB_BODY = Buffer.from(Array.from({ length: MIB }, (_, i) => (i * 7) % 251));

function fnv1a(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

let server: TestHttpServer;
let denied: TestHttpServer;
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  denied = await startHttpServer({ '/target': (_req, res) => res.end('you should not be here') });
  server = await startHttpServer({
    '/hello': (_req, res) => {
      res.setHeader('X-Reply', 'hello');
      res.end('hello, guest');
    },
    '/one-mib': (_req, res) => res.end(ONE_MIB_BODY),
    '/two-mib': (_req, res) => res.end(Buffer.alloc(2 * MIB, 0x61)),
    '/echo': (req, res, body) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`${req.method} ${req.headers['x-test']} ${req.headers['content-type']} ${body.toString()}`);
    },
    '/redirect-allowed': (_req, res) => {
      res.writeHead(302, { Location: '/hello' });
      res.end();
    },
    '/redirect-denied': (_req, res) => {
      res.writeHead(302, { Location: `${denied.origin}/target` });
      res.end();
    },
    '/redirect-loop': (_req, res) => {
      res.writeHead(307, { Location: '/redirect-loop' });
      res.end();
    },
    '/hang': (_req, res) => {
      hanging.push(res); // never answered; the host's request timeout must end it
    },
  });
}, 30_000);

afterAll(async () => {
  for (const res of hanging) res.destroy();
  await server?.stop();
  await denied?.stop();
});

beforeEach(() => {
  server.requests.length = 0;
  denied.requests.length = 0;
});

async function probe(scenario: string, args: string[] = [], flags: string[] = []): Promise<WasiHostRun> {
  const run = await runWasiHost(['run', guestModule('http-probe'), '--allowed-host', server.origin, ...flags, '--', scenario, ...args]);
  expect(run.exitCode).toBe(0); // the probe ran its scenario, whatever the codes
  return run;
}

describe('requests and responses', () => {
  test('a GET returns the status and the body', async () => {
    const run = await probe('get', [server.url('/hello')]);
    expect(fact(run.stdout, 'code')).toBe('0');
    expect(fact(run.stdout, 'status')).toBe('200');
    expect(fact(run.stdout, 'body')).toBe('hello, guest');
    expect(fact(run.stdout, 'body_read')).toBe('0');
    expect(fact(run.stdout, 'close')).toBe('0');
  });

  test('a body read in small chunks arrives whole, and a count of 0 ends it', async () => {
    const run = await probe('get', [server.url('/hello'), '5']);
    expect(fact(run.stdout, 'body')).toBe('hello, guest');
    expect(fact(run.stdout, 'body-chunks')).toBe('3'); // 5 + 5 + 2 bytes
  });

  test('a 1 MiB body arrives byte for byte', async () => {
    const run = await probe('get', [server.url('/one-mib'), '65536']);
    expect(fact(run.stdout, 'code')).toBe('0');
    expect(fact(run.stdout, 'body-bytes')).toBe(String(MIB));
    expect(fact(run.stdout, 'body-chunks')).toBe('16');
    expect(fact(run.stdout, 'body-fnv1a')).toBe(fnv1a(ONE_MIB_BODY));
  });

  test('request headers and body reach the server', async () => {
    const run = await probe('post', [server.url('/echo'), 'the body']);
    expect(fact(run.stdout, 'code')).toBe('0');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', headers: expect.objectContaining({ 'x-test': '1', 'content-type': 'text/plain' }) });
    expect(server.requests[0]!.body.toString()).toBe('the body');
    expect(fact(run.stdout, 'body')).toBe('POST 1 text/plain the body');
  });

  test('header_get finds a response header by any capitalisation', async () => {
    const run = await probe('get-header', [server.url('/hello'), 'x-REPLY']);
    expect(fact(run.stdout, 'header_get')).toBe('0');
    expect(fact(run.stdout, 'header')).toBe('hello');
  });

  test('headers_get_all returns one name:value line per header', async () => {
    const run = await probe('headers-all', [server.url('/hello')]);
    expect(fact(run.stdout, 'headers_get_all')).toBe('0');
    const lines = factsOf(run.stdout).filter(([key]) => key === 'header-line').map(([, value]) => value);
    expect(lines).toContain('x-reply:hello');
    expect(lines).toContain('content-length:12');
  });

  test('a redirect to an allowed origin is followed', async () => {
    const run = await probe('get', [server.url('/redirect-allowed')]);
    expect(fact(run.stdout, 'status')).toBe('200');
    expect(fact(run.stdout, 'body')).toBe('hello, guest');
  });
});

describe('error codes a guest can provoke', () => {
  test('1 invalid handle, from every call that takes a handle', async () => {
    const run = await probe('bad-handle');
    expect(fact(run.stdout, 'body_read')).toBe('1');
    expect(fact(run.stdout, 'header_get')).toBe('1');
    expect(fact(run.stdout, 'headers_get_all')).toBe('1');
    expect(fact(run.stdout, 'close')).toBe('1');
  });

  test.each([['oob-pointer'], ['oob-negative'], ['oob-length'], ['oob-status']])(
    '3 memory access error for %s, and nothing is sent',
    async (scenario) => {
      const run = await probe(scenario, [server.url('/hello')]);
      expect(fact(run.stdout, 'code')).toBe('3');
      expect(server.requests).toHaveLength(0);
    },
  );

  test('3 memory access error for a body buffer running past the end of memory', async () => {
    const run = await probe('oob-body', [server.url('/hello')]);
    expect(fact(run.stdout, 'body_read')).toBe('3');
    expect(fact(run.stdout, 'close')).toBe('0');
  });

  test('4 buffer too small, for header_get and headers_get_all', async () => {
    const run = await probe('small-buffer', [server.url('/hello'), 'x-reply']);
    expect(fact(run.stdout, 'header_get')).toBe('4');
    expect(fact(run.stdout, 'headers_get_all')).toBe('4');
  });

  test('5 header not found', async () => {
    const run = await probe('missing-header', [server.url('/hello')]);
    expect(fact(run.stdout, 'code')).toBe('5');
  });

  test('6 UTF-8 error in the URL, and nothing is sent', async () => {
    const run = await probe('bad-utf8', [server.url('/hello')]);
    expect(fact(run.stdout, 'code')).toBe('6');
    expect(server.requests).toHaveLength(0);
  });

  test('6 UTF-8 error in a header name', async () => {
    const run = await probe('bad-utf8-header', [server.url('/hello')]);
    expect(fact(run.stdout, 'code')).toBe('6');
  });

  test('7 destination not allowed, and the request never leaves the host', async () => {
    const run = await probe('denied', [denied.url('/target')]);
    expect(fact(run.stdout, 'code')).toBe('7');
    expect(denied.requests).toHaveLength(0);
  });

  test('7 for a redirect to a denied origin, which sees no request', async () => {
    const run = await probe('get', [server.url('/redirect-denied')]);
    expect(fact(run.stdout, 'code')).toBe('7');
    expect(server.requests.map((r) => r.path)).toEqual(['/redirect-denied']);
    expect(denied.requests).toHaveLength(0);
  });

  test('7 for the same host on another port', async () => {
    const run = await probe('denied', [`http://127.0.0.1:${server.port + 1}/`]);
    expect(fact(run.stdout, 'code')).toBe('7');
  });

  test('8 invalid method, and nothing is sent', async () => {
    const run = await probe('bad-method', [server.url('/hello')]);
    expect(fact(run.stdout, 'code')).toBe('8');
    expect(server.requests).toHaveLength(0);
  });

  test('9 invalid encoding for a header line without a colon', async () => {
    const run = await probe('bad-header-line', [server.url('/hello')]);
    expect(fact(run.stdout, 'code')).toBe('9');
    expect(server.requests).toHaveLength(0);
  });

  test('10 invalid URL', async () => {
    const run = await probe('bad-url');
    expect(fact(run.stdout, 'code')).toBe('10');
  });

  test('11 request error when nothing listens, with the reason on stderr', async () => {
    const port = await freePort();
    const run = await probe('get', [`http://127.0.0.1:${port}/`], ['--allowed-host', `http://127.0.0.1:${port}`]);
    expect(fact(run.stdout, 'code')).toBe('11');
    expect(run.stderr).toContain('ECONNREFUSED');
  });

  test('11 request error when the response is larger than --max-response-mb', async () => {
    const run = await probe('get', [server.url('/two-mib')], ['--max-response-mb', '1']);
    expect(fact(run.stdout, 'code')).toBe('11');
    expect(run.stderr).toContain('larger than');
  });

  test('11 request error when the server never answers within --request-timeout', async () => {
    const run = await probe('get', [server.url('/hang')], ['--request-timeout', '1']);
    expect(fact(run.stdout, 'code')).toBe('11');
    expect(run.stderr).toContain('timed out');
  });

  test('11 request error for endless redirects', async () => {
    const run = await probe('get', [server.url('/redirect-loop')]);
    expect(fact(run.stdout, 'code')).toBe('11');
    expect(run.stderr).toContain('redirects');
    expect(server.requests).toHaveLength(11);
  });

  test('13 too many sessions beyond --max-concurrent-requests open handles; closing frees them', async () => {
    const run = await probe('too-many', [server.url('/hello'), '10'], ['--max-concurrent-requests', '4']);
    expect(fact(run.stdout, 'opened')).toBe('4');
    expect(fact(run.stdout, 'code')).toBe('13');
    expect(fact(run.stdout, 'close-errors')).toBe('0');
    // After closing all four, a new request succeeds again.
    expect(factsOf(run.stdout).filter(([key]) => key === 'req').map(([, v]) => v)).toEqual(['13', '0']);
  });
});
