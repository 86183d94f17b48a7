// When Redis goes away under daprd, a guest must end with a failure that
// names the state store (reason StateStoreUnavailable, daprError with what
// daprd said), nothing hangs, and once Redis is back on the same port a later
// run passes with its state in Redis. Real daprd, real redis-server.
import { startDaprd, type TestDaprd } from '../helpers/daprd.js';
import { eventually } from '../helpers/eventually.js';
import { redisHashGet, startRedis, type TestRedis } from '../helpers/redis.js';
import { guestModule, runWasiHost } from '../helpers/wasi-host.js';

const APP_ID = 'redis-down';

// Each Redis this file started; afterAll stops whichever still run.
const started: TestRedis[] = [];
let daprd: TestDaprd | undefined;
let redisPort = 0;

async function startRedisOnPort(): Promise<TestRedis> {
  const redis = await startRedis({ port: redisPort });
  started.push(redis);
  return redis;
}

/** SIGKILL, as when Redis crashes or its Pod is deleted: no goodbye to daprd's connections. */
async function killRedis(redis: TestRedis): Promise<void> {
  redis.process.child.kill('SIGKILL');
  await redis.stop();
}

beforeAll(async () => {
  const first = await startRedis();
  started.push(first);
  redisPort = first.port;
  daprd = await startDaprd({ appId: APP_ID, redisAddress: first.address });
  await first.stop();
}, 120_000);

afterAll(async () => {
  await daprd?.stop();
  for (const redis of started) await redis.stop();
});

test('with Redis stopped the seed test fails with reason StateStoreUnavailable and daprd\'s error, instead of hanging', async () => {
  const run = await runWasiHost(['run', guestModule('dapr-state-test'), '--request-timeout', '20', '--success-output', 'Test successfully!'], {
    env: daprd!.env,
    killAfterMs: 90_000,
  });

  expect(run.exitCode).toBe(1);
  expect(run.stdout).toContain('Test failed!');
  expect(run.stdout).not.toContain('Test successfully!');
  expect(run.result).toMatchObject({ passed: false, exitCode: 1, reason: 'StateStoreUnavailable' });
  expect(run.result?.daprError).toMatchObject({ status: 500, errorCode: 'ERR_STATE_SAVE', store: 'statestore' });
  expect(run.result?.daprError?.message).toContain(`127.0.0.1:${redisPort}`);
  expect(Buffer.byteLength(run.resultText!, 'utf8')).toBeLessThanOrEqual(4096);
  expect(run.stderr).toContain('guest failed after the Dapr state store failed');
}, 120_000);

test('Redis killed while a guest saves state: that run fails with StateStoreUnavailable; Redis back on its port, the seed passes with its state in Redis', async () => {
  const redis = await startRedisOnPort();
  // 50 ms between saves: about 20 a second, so the kill lands mid-run; 2,000 saves would take well over the kill deadline.
  const running = runWasiHost(['run', guestModule('dapr-save-loop'), '--request-timeout', '20', '--success-output', 'Test successfully!', '--', '2000', '50', 'loop'], {
    env: daprd!.env,
    killAfterMs: 90_000,
  });
  let run: Awaited<typeof running>;
  try {
    // daprd reconnects to the new Redis on its own; the guest's saves reach it.
    await eventually('the guest\'s first saves in Redis', async () => {
      const saved = Number(await redisHashGet(redis.port, `${APP_ID}||loop`, 'data'));
      return saved >= 3 ? saved : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50 });
    await killRedis(redis);
  } finally {
    run = await running;
  }

  expect(run.exitCode).toBe(1);
  expect(run.stdout).toMatch(/^saved:3$/m);
  expect(run.stdout).toContain('Test failed!');
  expect(run.stdout).not.toContain('saved:2000');
  expect(run.result).toMatchObject({ passed: false, reason: 'StateStoreUnavailable' });
  expect(run.result?.daprError).toMatchObject({ errorCode: 'ERR_STATE_SAVE', store: 'statestore' });
  expect(run.result?.output).toContain('Test failed!');

  // Redis again, on the port daprd's Component names: a later run passes without restarting daprd.
  const again = await startRedisOnPort();
  const seed = await runWasiHost(['run', guestModule('dapr-state-test'), '--request-timeout', '20', '--success-output', 'Test successfully!'], {
    env: daprd!.env,
    killAfterMs: 90_000,
  });
  expect(seed.stdout).toContain('Test successfully!');
  expect(seed.exitCode).toBe(0);
  expect(seed.result).toMatchObject({ passed: true, reason: null });
  expect(seed.result).not.toHaveProperty('daprError');
  expect(await redisHashGet(again.port, `${APP_ID}||weapon`, 'data')).toBe('"Death Star"');
}, 240_000);
