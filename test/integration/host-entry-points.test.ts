// Which function of a module wasi-host runs: `_start`; without it, the start
// section's function, moved out of instantiation so it runs like `_start`
// does (under WebAssembly.promising); or the export --invoke names, whose i32
// result is the exit code. A module with none of these is refused, listing
// its exported functions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moduleWith } from '../helpers/wasm-bytes.js';
import { runWasiHost } from '../helpers/wasi-host.js';

const UNREACHABLE = [0x00];
const returns = (value: number) => [0x41, value];

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'host-entry-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function moduleFile(fileName: string, bytes: Uint8Array): string {
  const path = join(dir, fileName);
  writeFileSync(path, bytes);
  return path;
}

test('a module that runs in its start section and exports no _start runs to exit 0', async () => {
  const path = moduleFile('start-only.wasm', moduleWith({ functions: [{}], start: 0 }));
  const run = await runWasiHost(['run', path]);

  expect(run.exitCode).toBe(0);
  expect(run.result).toMatchObject({ exitCode: 0, passed: true });
});

test("a start function that traps is the guest's trap (exit 1), not a failed instantiation", async () => {
  const path = moduleFile('start-traps.wasm', moduleWith({ functions: [{ body: UNREACHABLE }], start: 0 }));
  const run = await runWasiHost(['run', path]);

  expect(run.exitCode).toBe(1);
  expect(run.result).toMatchObject({ passed: false, reason: 'Trap' });
});

test('a start function that calls an HTTP import suspends under promising like _start does', async () => {
  // wasi_experimental_http.req is the import that suspends (it awaits the request). Called in the start function
  // during instantiation it would die with "trying to suspend without WebAssembly.promising"; moved to _start it
  // runs like any request (this one, without its arguments, is refused with an ABI code the guest ignores).
  const path = moduleFile(
    'start-calls-host.wasm',
    moduleWith({ imports: [['wasi_experimental_http', 'req']], functions: [{ body: [0x10, 0x00] }], start: 0 }),
  );
  const run = await runWasiHost(['run', path]);

  expect(run.result).toMatchObject({ exitCode: 0, passed: true });
  expect(run.stderr).not.toContain('WebAssembly.promising');
});

test('--invoke calls a named export; the i32 it returns is the exit code', async () => {
  const path = moduleFile('named.wasm', moduleWith({ functions: [{ export: 'get', result: true, body: returns(3) }, { export: 'post', body: [] }] }));

  const get = await runWasiHost(['run', path, '--invoke', 'get']);
  expect(get.exitCode).toBe(3);
  expect(get.result).toMatchObject({ exitCode: 3, passed: false, reason: 'ExitCode' });

  const post = await runWasiHost(['run', path, '--invoke=post']);
  expect(post.exitCode).toBe(0);
  expect(post.result).toMatchObject({ passed: true });
});

test('--invoke of a name the module does not export exits 125 listing its functions', async () => {
  const path = moduleFile('named-2.wasm', moduleWith({ functions: [{ export: 'get', body: [] }, { export: 'concurrent', body: [] }] }));
  const run = await runWasiHost(['run', path, '--invoke', 'put']);

  expect(run.exitCode).toBe(125);
  expect(run.result?.output).toContain('exports no function "put" for --invoke; its exported functions: get, concurrent');
});

test('--invoke of a function that takes parameters exits 125 saying so', async () => {
  const path = moduleFile('with-params.wasm', moduleWith({ functions: [{ export: 'add', params: 2, result: true, body: returns(0) }] }));
  const run = await runWasiHost(['run', path, '--invoke', 'add']);

  expect(run.exitCode).toBe(125);
  expect(run.result).toMatchObject({ reason: 'InvalidModule' });
  expect(run.result?.output).toContain('--invoke add: the function takes 2 parameters');
});

test('a module with named exports and no entry point is refused with the names and the --invoke hint', async () => {
  const path = moduleFile('library.wasm', moduleWith({ functions: [{ export: 'get', body: [] }, { export: 'post', body: [] }] }));
  const run = await runWasiHost(['run', path]);

  expect(run.exitCode).toBe(125);
  expect(run.stderr).toContain('its exported functions: get, post. Run one of them with --invoke NAME');
});
