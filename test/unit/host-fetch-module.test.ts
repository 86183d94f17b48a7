// fetchModule in-process against a real loopback node:http server: redirects
// (and the rule on every hop), timeout, size cap, wasm magic, digest, and that
// DEST only ever appears verified, with no temp file left behind.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FetchOptions } from '../../operator/src/host/fetch-args.js';
import { fetchModule, MAX_REDIRECTS } from '../../operator/src/host/fetch-module.js';
import { startHttpServer, type Route, type TestHttpServer } from '../helpers/http-server.js';
import { commandModule } from '../helpers/wasm-bytes.js';

const MODULE = Buffer.from(commandModule());
const MODULE_SHA = createHash('sha256').update(MODULE).digest('hex');

let root: string;
let dir: string;
let server: TestHttpServer;
let counter = 0;

const wasm: Route = (_req, res) => {
  res.setHeader('content-type', 'application/wasm');
  res.end(MODULE);
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'host-fetch-unit-'));
  server = await startHttpServer({
    '/app.wasm': wasm,
    '/moved': (_req, res) => {
      res.writeHead(307, { location: '/app.wasm' });
      res.end();
    },
    '/moved-twice': (_req, res) => {
      res.writeHead(302, { location: `http://localhost:${server.port}/moved` });
      res.end();
    },
    '/to-plain-http': (_req, res) => {
      res.writeHead(301, { location: 'http://downloads.example.com/app.wasm' });
      res.end();
    },
    '/no-location': (_req, res) => {
      res.writeHead(302);
      res.end();
    },
    '/loop': (_req, res) => {
      res.writeHead(302, { location: '/loop' });
      res.end();
    },
    '/oops': (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('disk on fire');
    },
    '/empty': (_req, res) => res.end(),
    '/trickle': (_req, res) => {
      // The magic split over several writes (and so, usually, chunks).
      res.setHeader('content-type', 'application/wasm');
      res.write(MODULE.subarray(0, 1));
      setTimeout(() => res.write(MODULE.subarray(1, 3)), 20);
      setTimeout(() => res.end(MODULE.subarray(3)), 40);
    },
    '/big-chunked': (_req, res) => {
      res.setHeader('content-type', 'application/wasm');
      res.write(Buffer.concat([MODULE, Buffer.alloc(600)]));
      res.end(Buffer.alloc(600));
    },
    '/big-announced': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/wasm', 'content-length': String(10 * 1024 * 1024) });
      res.write(MODULE); // then nothing: the client must give up on the header alone
    },
    '/stall': (_req, res) => {
      res.setHeader('content-type', 'application/wasm');
      res.write(MODULE.subarray(0, 8)); // and never the rest
    },
  });
});

afterAll(async () => {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  dir = join(root, `case-${++counter}`);
  mkdirSync(dir);
  server.requests.length = 0;
});

afterEach(() => {
  // Whatever happened, no temp file is left next to DEST.
  expect(readdirSync(dir).filter((name) => name.endsWith('.part'))).toEqual([]);
});

function options(path: string, overrides: Partial<FetchOptions> = {}): FetchOptions {
  return {
    url: new URL(server.url(path)),
    sha256: MODULE_SHA,
    destination: join(dir, 'app.wasm'),
    timeoutSeconds: 10,
    maxBytes: 1024 * 1024,
    ...overrides,
  };
}

describe('fetchModule', () => {
  test('downloads, verifies and renames into DEST, nothing else in the directory', async () => {
    const result = await fetchModule(options('/app.wasm'));
    expect(result).toEqual({
      url: server.url('/app.wasm'),
      finalUrl: server.url('/app.wasm'),
      bytes: MODULE.byteLength,
      sha256: MODULE_SHA,
      destination: join(dir, 'app.wasm'),
    });
    expect(readFileSync(join(dir, 'app.wasm'))).toEqual(MODULE);
    expect(readdirSync(dir)).toEqual(['app.wasm']);
  });

  test('replaces an existing DEST on success', async () => {
    writeFileSync(join(dir, 'app.wasm'), 'old');
    await fetchModule(options('/app.wasm'));
    expect(readFileSync(join(dir, 'app.wasm'))).toEqual(MODULE);
  });

  test('leaves an existing DEST untouched on a digest mismatch', async () => {
    writeFileSync(join(dir, 'app.wasm'), 'old');
    await expect(fetchModule(options('/app.wasm', { sha256: '0'.repeat(64) }))).rejects.toMatchObject({ code: 'ERR_HOST_FETCH_SHA256_MISMATCH' });
    expect(readFileSync(join(dir, 'app.wasm'), 'utf8')).toBe('old');
  });

  test('checks the magic even when it arrives split over several chunks', async () => {
    const result = await fetchModule(options('/trickle'));
    expect(result.sha256).toBe(MODULE_SHA);
  });

  test('follows loopback redirects, relative and absolute', async () => {
    const result = await fetchModule(options('/moved-twice'));
    expect(result.finalUrl).toBe(`http://localhost:${server.port}/app.wasm`);
    expect(server.requests.map((r) => r.path)).toEqual(['/moved-twice', '/moved', '/app.wasm']);
    expect(readFileSync(join(dir, 'app.wasm'))).toEqual(MODULE);
  });

  test('refuses a redirect to plain http on a non-loopback host without following it', async () => {
    const err = await fetchModule(options('/to-plain-http')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_HOST_FETCH_REDIRECT' });
    expect((err as Error).message).toContain('redirected to http://downloads.example.com/app.wasm, which is refused');
    expect((err as Error).message).toContain('http is allowed only for a loopback host');
    expect(server.requests).toHaveLength(1);
    expect(existsSync(join(dir, 'app.wasm'))).toBe(false);
  });

  test('a redirect without Location and a redirect loop are errors', async () => {
    await expect(fetchModule(options('/no-location'))).rejects.toMatchObject({ code: 'ERR_HOST_FETCH_REDIRECT', message: expect.stringContaining('without a Location header') });
    await expect(fetchModule(options('/loop'))).rejects.toMatchObject({ code: 'ERR_HOST_FETCH_REDIRECT', message: expect.stringContaining(`more than ${MAX_REDIRECTS} times`) });
  });

  test('a non-2xx status names the status and the start of the body', async () => {
    const err = await fetchModule(options('/oops')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_HOST_FETCH_HTTP_STATUS' });
    expect((err as Error).message).toContain('answered HTTP 500 Internal Server Error');
    expect((err as Error).message).toContain('disk on fire');
  });

  test('an empty body is not a WebAssembly module', async () => {
    await expect(fetchModule(options('/empty'))).rejects.toMatchObject({
      code: 'ERR_HOST_FETCH_NOT_WASM',
      message: expect.stringContaining('an empty body'),
    });
  });

  test('a body over the cap is refused while streaming', async () => {
    await expect(fetchModule(options('/big-chunked', { maxBytes: 1024 }))).rejects.toMatchObject({
      code: 'ERR_HOST_FETCH_TOO_LARGE',
      message: expect.stringContaining('sent more than the 1024 bytes limit'),
    });
    expect(existsSync(join(dir, 'app.wasm'))).toBe(false);
  });

  test('a Content-Length over the cap is refused before the body', async () => {
    await expect(fetchModule(options('/big-announced'))).rejects.toMatchObject({
      code: 'ERR_HOST_FETCH_TOO_LARGE',
      message: expect.stringContaining('is 10 MiB (Content-Length), more than the 1 MiB limit'),
    });
  });

  test('a download that stalls ends at the timeout', async () => {
    const started = Date.now();
    await expect(fetchModule(options('/stall', { timeoutSeconds: 0.3 }))).rejects.toMatchObject({
      code: 'ERR_HOST_FETCH_TIMEOUT',
      message: expect.stringContaining('did not finish within 0.3 s'),
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(existsSync(join(dir, 'app.wasm'))).toBe(false);
  });

  test('a refused connection is a network error naming the cause', async () => {
    const closed = await startHttpServer({});
    await closed.stop();
    await expect(fetchModule({ ...options('/app.wasm'), url: new URL(closed.url('/app.wasm')) })).rejects.toMatchObject({
      code: 'ERR_HOST_FETCH_NETWORK',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  test('DEST that is a directory, or in a missing directory, fails before any request', async () => {
    await expect(fetchModule(options('/app.wasm', { destination: dir }))).rejects.toMatchObject({
      code: 'ERR_HOST_FETCH_DESTINATION',
      message: expect.stringContaining('is a directory'),
    });
    await expect(fetchModule(options('/app.wasm', { destination: join(dir, 'missing', 'app.wasm') }))).rejects.toMatchObject({
      code: 'ERR_HOST_FETCH_DESTINATION',
      message: expect.stringContaining('ENOENT'),
    });
    expect(server.requests).toHaveLength(0);
  });
});
