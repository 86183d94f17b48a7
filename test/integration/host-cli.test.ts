// What a user of `wasi-host` sees before and around the guest: help, flag
// errors, module errors (each exit 125 with what to fix), and exactly the
// argv, env and files the guest is given.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandModule } from '../helpers/wasm-bytes.js';
import { guestModule, runWasiHost } from '../helpers/wasi-host.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'host-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function moduleFile(fileName: string, bytes: Uint8Array | string): string {
  const path = join(dir, fileName);
  writeFileSync(path, bytes);
  return path;
}

test('--help prints the usage and exits 0', async () => {
  const run = await runWasiHost(['--help']);

  expect(run.exitCode).toBe(0);
  expect(run.stdout).toContain('usage: wasi-host run FILE');
  expect(run.stdout).toContain('--allowed-host');
});

test('a bad flag exits 125 with a message naming it', async () => {
  const run = await runWasiHost(['run', guestModule('exit-now'), '--timeout', 'soon']);

  expect(run.exitCode).toBe(125);
  expect(run.stderr).toContain('--timeout needs a positive number of seconds, got "soon"');
});

test('a missing module file exits 125, reason InvalidModule, naming the path', async () => {
  const path = join(dir, 'does-not-exist.wasm');
  const run = await runWasiHost(['run', path]);

  expect(run.exitCode).toBe(125);
  expect(run.result).toMatchObject({ exitCode: 125, passed: false, reason: 'InvalidModule' });
  expect(run.stderr).toContain(path);
  expect(run.stderr).toContain('ENOENT');
});

test('a file that is not WebAssembly exits 125, reason InvalidModule', async () => {
  const run = await runWasiHost(['run', moduleFile('source.ts', 'console.log("hi")')]);

  expect(run.exitCode).toBe(125);
  expect(run.result?.reason).toBe('InvalidModule');
  expect(run.stderr).toContain('is not a WebAssembly module');
});

test('a corrupt module exits 125 saying it does not compile', async () => {
  const bytes = commandModule();
  const run = await runWasiHost(['run', moduleFile('corrupt.wasm', bytes.subarray(0, bytes.length - 3))]);

  expect(run.exitCode).toBe(125);
  expect(run.result?.reason).toBe('InvalidModule');
  expect(run.stderr).toMatch(/does not compile|runs past the end/);
});

test('a module without _start, start section or --invoke exits 125 listing what it exports', async () => {
  const run = await runWasiHost(['run', moduleFile('no-start.wasm', commandModule({ withoutStart: true }))]);

  expect(run.exitCode).toBe(125);
  expect(run.stderr).toContain('has no entry point: no `_start` export and no start section; it exports no functions');
  expect(run.stderr).toContain('--invoke NAME');
});

test('a module that does not export its memory exits 125 saying so', async () => {
  const run = await runWasiHost(['run', moduleFile('no-memory.wasm', commandModule({ withoutMemoryExport: true }))]);

  expect(run.exitCode).toBe(125);
  expect(run.stderr).toContain('does not export a `memory`');
});

test('a module with imports the host does not provide exits 125 naming each one', async () => {
  const path = moduleFile('foreign.wasm', commandModule({ imports: [['env', 'sleep'], ['wasi_experimental_http', 'connect']] }));
  const run = await runWasiHost(['run', path]);

  expect(run.exitCode).toBe(125);
  expect(run.stderr).toContain('env.sleep');
  expect(run.stderr).toContain('wasi_experimental_http.connect');
});

test('the guest gets argv [basename, ...args], only the --env variables, and no files', async () => {
  const run = await runWasiHost(
    ['run', guestModule('echo-env-args'), '--env', 'GREETING=hello world', '--env', 'EMPTY=', '--', 'first', '--not-a-host-flag'],
    { env: { HOST_SECRET: 'must not leak' } },
  );

  expect(run.exitCode).toBe(0);
  expect(run.stdout).toBe(
    ['arg:echo-env-args.wasm', 'arg:first', 'arg:--not-a-host-flag', 'env:GREETING=hello world', 'env:EMPTY=', 'open:denied', ''].join('\n'),
  );
});

test('a guest with an empty environment runs (no --env, no sidecar)', async () => {
  const run = await runWasiHost(['run', guestModule('echo-env-args'), '--', 'only-arg']);

  expect(run.exitCode).toBe(0);
  expect(run.stdout).toBe(['arg:echo-env-args.wasm', 'arg:only-arg', 'open:denied', ''].join('\n'));
});

test("guest stderr reaches the host's stderr, apart from stdout", async () => {
  const run = await runWasiHost(['run', guestModule('exit-code'), '--', '300']);

  expect(run.exitCode).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toContain('exit-code: CODE must be an integer from 0 to 255, got 300');
  expect(run.result?.output).toContain('exit-code: CODE must be');
});

test('a guest that exits at once writes a result with its timings', async () => {
  const run = await runWasiHost(['run', guestModule('exit-now')]);

  expect(run.exitCode).toBe(0);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe('');
  expect(run.result).toEqual({
    exitCode: 0,
    passed: true,
    reason: null,
    output: '',
    compileMillis: expect.any(Number),
    instantiateMillis: expect.any(Number),
    runMillis: expect.any(Number),
  });
});
