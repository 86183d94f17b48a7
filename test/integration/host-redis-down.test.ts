// When Redis goes away under daprd, the seed guest must end with a failure
// (the Dapr error reaches the guest, which reports it), and nothing hangs.
import { startDaprd, type TestDaprd } from '../helpers/daprd.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { guestModule, runWasiHost } from '../helpers/wasi-host.js';

let redis: TestRedis | undefined;
let daprd: TestDaprd | undefined;

beforeAll(async () => {
  redis = await startRedis();
  daprd = await startDaprd({ appId: 'redis-down', redisAddress: redis.address });
  await redis.stop();
}, 120_000);

afterAll(async () => {
  await daprd?.stop();
  await redis?.stop();
});

test('with Redis stopped the seed test fails with a non-zero exit instead of hanging', async () => {
  const run = await runWasiHost(['run', guestModule('dapr-state-test'), '--request-timeout', '20', '--success-output', 'Test successfully!'], {
    env: daprd!.env,
    killAfterMs: 90_000,
  });

  expect(run.exitCode).not.toBe(0);
  expect(run.stdout).toContain('Test failed!');
  expect(run.stdout).not.toContain('Test successfully!');
  expect(run.result).toMatchObject({ passed: false });
}, 120_000);
