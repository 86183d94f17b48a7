// The host's side of the sidecar contract: it waits for daprd to be ready,
// gives up with a clear error when it never is, and stops it when asked.
import { startDaprd, type TestDaprd } from '../helpers/daprd.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { guestModule, runWasiHost } from '../helpers/wasi-host.js';

let redis: TestRedis | undefined;
let daprd: TestDaprd | undefined;

beforeAll(async () => {
  redis = await startRedis();
}, 60_000);

afterAll(async () => {
  await daprd?.stop();
  await redis?.stop();
});

test('a sidecar that never answers ends the run with exit 2 and reason SidecarUnavailable', async () => {
  const port = await freePort(); // nothing listens here
  const run = await runWasiHost(['run', guestModule('exit-now'), '--sidecar-timeout', '1'], { env: { DAPR_HTTP_PORT: String(port) } });

  expect(run.exitCode).toBe(2);
  expect(run.result).toMatchObject({ exitCode: 2, passed: false, reason: 'SidecarUnavailable' });
  expect(run.stderr).toContain(`http://127.0.0.1:${port}`);
  expect(run.stderr).toContain('/v1.0/healthz/outbound');
});

test('the guest sees its sidecar in DAPR_HTTP_PORT and DAPR_HTTP_ENDPOINT', async () => {
  daprd ??= await startDaprd({ appId: 'sidecar-env', redisAddress: redis!.address });
  const run = await runWasiHost(['run', guestModule('echo-env-args'), '--env', 'A=1'], { env: { DAPR_HTTP_PORT: String(daprd.httpPort) } });

  expect(run.exitCode).toBe(0);
  const envLines = run.stdout.split('\n').filter((line) => line.startsWith('env:')).sort();
  expect(envLines).toEqual(['env:A=1', `env:DAPR_HTTP_ENDPOINT=${daprd.origin}`, `env:DAPR_HTTP_PORT=${daprd.httpPort}`]);
}, 120_000);

test('--dapr-shutdown stops the sidecar after the guest ends, even when it failed', async () => {
  daprd ??= await startDaprd({ appId: 'sidecar-env', redisAddress: redis!.address });
  const run = await runWasiHost(['run', guestModule('exit-code'), '--dapr-shutdown', '--', '5'], { env: daprd.env });

  expect(run.exitCode).toBe(5);
  const exit = await daprd.process.exited;
  expect(exit.signal).toBeNull();
  expect(exit.code).toBe(0);
}, 120_000);
