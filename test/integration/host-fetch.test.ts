// `wasi-host fetch URL SHA256 DEST`, the fetch-module init container, run as
// the real binary against a real loopback node:http server: what a user sees
// in the init container's log and exit code, and that DEST appears only when
// the module is verified.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHostPod } from '../helpers/host-pod.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { runWasiHost } from '../helpers/wasi-host.js';
import { operatorConfig, wasiApp } from '../helpers/wasiapp-fixtures.js';
import { commandModule } from '../helpers/wasm-bytes.js';

const MODULE = Buffer.from(commandModule());
const MODULE_SHA = createHash('sha256').update(MODULE).digest('hex');
// 1.5 MiB that starts like a module, for --max-mb 1.
const BIG = Buffer.concat([MODULE, Buffer.alloc(1.5 * 1024 * 1024)]);
const HTML = '<!DOCTYPE html><html><body>Sign in to continue</body></html>';

let dir: string;
let server: TestHttpServer;
let caseNumber = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'host-fetch-'));
  server = await startHttpServer({
    '/guests/app.wasm': (_req, res) => {
      res.setHeader('content-type', 'application/wasm');
      res.end(MODULE);
    },
    '/login': (_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(HTML);
    },
    '/big.wasm': (_req, res) => {
      res.setHeader('content-type', 'application/wasm');
      res.end(BIG);
    },
  });
});

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh, empty directory per case, standing in for the module emptyDir. */
function moduleDir(): string {
  const path = join(dir, `case-${++caseNumber}`);
  mkdirSync(path);
  return path;
}

describe('wasi-host fetch', () => {
  test('downloads a verified module into DEST, prints one line and exits 0', async () => {
    const out = moduleDir();
    const dest = join(out, 'app.wasm');
    const url = server.url('/guests/app.wasm');
    const run = await runWasiHost(['fetch', url, MODULE_SHA.toUpperCase(), dest]);

    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(`fetched ${url} (${MODULE.byteLength} bytes, sha256 ${MODULE_SHA}) → ${dest}\n`);
    expect(readFileSync(dest)).toEqual(MODULE);
    expect(readdirSync(out)).toEqual(['app.wasm']);
  });

  test('runs exactly the argv the Pod builder gives the fetch-module init container', async () => {
    const url = server.url('/guests/app.wasm');
    const pod = buildHostPod(wasiApp({ spec: { module: { url, sha256: MODULE_SHA } } }), operatorConfig());
    const init = pod.spec!.initContainers!.find((container) => container.name === 'fetch-module')!;
    const args = init.args!;
    expect(args).toEqual(['fetch', url, MODULE_SHA, '/module/app.wasm']);
    // Only DEST moves: /module is the Pod's emptyDir.
    const dest = join(moduleDir(), 'app.wasm');
    const run = await runWasiHost([...args.slice(0, -1), dest]);

    expect(run.exitCode).toBe(0);
    expect(readFileSync(dest)).toEqual(MODULE);
  });

  test('a wrong sha256 exits 125 naming both digests, and DEST is not created', async () => {
    const out = moduleDir();
    const dest = join(out, 'app.wasm');
    const wrong = 'f'.repeat(64);
    const run = await runWasiHost(['fetch', server.url('/guests/app.wasm'), wrong, dest]);

    expect(run.exitCode).toBe(125);
    expect(run.stderr).toContain(`module sha256 mismatch: expected ${wrong}, got ${MODULE_SHA}`);
    expect(run.stderr).toContain('update spec.module.sha256 or the file at the URL');
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(out)).toEqual([]);
  });

  test('a 404 exits 125 with the status', async () => {
    const dest = join(moduleDir(), 'app.wasm');
    const url = server.url('/guests/missing.wasm');
    const run = await runWasiHost(['fetch', url, MODULE_SHA, dest]);

    expect(run.exitCode).toBe(125);
    expect(run.stderr).toContain(`GET ${url} answered HTTP 404 Not Found`);
    expect(existsSync(dest)).toBe(false);
  });

  test('a body that is not WebAssembly exits 125 saying what came back', async () => {
    const dest = join(moduleDir(), 'app.wasm');
    const run = await runWasiHost(['fetch', server.url('/login'), MODULE_SHA, dest]);

    expect(run.exitCode).toBe(125);
    expect(run.stderr).toContain('the URL did not return a WebAssembly module (got text/html; charset=utf-8, starting "<!DOCTYPE html>');
    expect(existsSync(dest)).toBe(false);
  });

  test('a module over --max-mb exits 125 and leaves nothing behind', async () => {
    const out = moduleDir();
    const dest = join(out, 'big.wasm');
    const run = await runWasiHost(['fetch', server.url('/big.wasm'), createHash('sha256').update(BIG).digest('hex'), dest, '--max-mb', '1']);

    expect(run.exitCode).toBe(125);
    expect(run.stderr).toContain('more than the 1 MiB limit; raise --max-mb');
    expect(readdirSync(out)).toEqual([]);
  });

  test('http to a non-loopback host is refused before any request', async () => {
    const dest = join(moduleDir(), 'app.wasm');
    const before = server.requests.length;
    const run = await runWasiHost(['fetch', 'http://modules.example.com/app.wasm', MODULE_SHA, dest]);

    expect(run.exitCode).toBe(125);
    expect(run.stderr).toContain('URL "http://modules.example.com/app.wasm" is refused: http is allowed only for a loopback host');
    expect(server.requests.length).toBe(before);
    expect(existsSync(dest)).toBe(false);
  });

  test('missing arguments exit 125 with the synopsis', async () => {
    const run = await runWasiHost(['fetch', server.url('/guests/app.wasm')]);

    expect(run.exitCode).toBe(125);
    expect(run.stderr).toContain('missing SHA256 DEST; use: wasi-host fetch URL SHA256 DEST');
  });

  test('--help shows the fetch usage', async () => {
    const run = await runWasiHost(['--help']);

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('usage: wasi-host fetch URL SHA256 DEST');
  });
});
