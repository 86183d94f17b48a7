// The Go guest library (guest/go) checks itself: `go vet` for the host
// platform and for wasip1 (the go:wasmimport declarations only build there),
// gofmt, and its unit tests (the Dapr client against a fake transport, the
// ABI's header lines and error codes). Runs the machine's Go like the build.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findGo } from '../../dev/tools/go-build.js';
import { REPO_ROOT } from '../helpers/wasi-host.js';

const MODULE_DIR = join(REPO_ROOT, 'guest', 'go');

function go(args: string[], env: Record<string, string> = {}): { status: number | null; output: string } {
  const result = spawnSync(findGo(), args, {
    cwd: MODULE_DIR,
    env: { ...process.env, GOFLAGS: '', GOWORK: 'off', ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('go vet finds nothing in the library and the guests, natively and for wasip1', () => {
  expect(go(['vet', './...'])).toMatchObject({ status: 0, output: '' });
  expect(go(['vet', './...'], { GOOS: 'wasip1', GOARCH: 'wasm' })).toMatchObject({ status: 0, output: '' });
}, 300_000);

test('every Go file is gofmt-formatted', () => {
  // gofmt sits in GOROOT/bin, which need not be where `go` was found (a symlink on PATH).
  const goroot = go(['env', 'GOROOT']).output.trim();
  const gofmt = spawnSync(join(goroot, 'bin', 'gofmt'), ['-l', '.'], { cwd: MODULE_DIR, encoding: 'utf8' });
  expect(gofmt.status).toBe(0);
  expect(gofmt.stdout).toBe('');
});

test('the library unit tests pass', () => {
  const run = go(['test', '-count=1', './...']);
  expect(run.output).toMatch(/ok\s+wasi-operator\.dev\/guest\/dapr/);
  expect(run.output).toMatch(/ok\s+wasi-operator\.dev\/guest\/wasihttp/);
  expect(run.status).toBe(0);
}, 300_000);
