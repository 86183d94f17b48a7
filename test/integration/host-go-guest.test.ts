// The Go guests (guest/go, built by scripts/build-go-guests.mjs) under
// wasi-host against a real daprd whose state store is a real redis-server:
// the seed's test ported to Go, and the Go Dapr client's whole state API.
import { Redis } from 'ioredis';
import { startDaprd, type TestDaprd } from '../helpers/daprd.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { factsOf, guestModule, runWasiHost } from '../helpers/wasi-host.js';

const APP_ID = 'go-seed-host';

let redis: TestRedis | undefined;
let client: Redis | undefined;
let daprd: TestDaprd | undefined;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  daprd = await startDaprd({ appId: APP_ID, redisAddress: redis.address });
}, 120_000);

afterAll(async () => {
  client?.disconnect();
  await daprd?.stop();
  await redis?.stop();
});

test('the Go seed test passes and its state really is in Redis', async () => {
  await client!.del(`${APP_ID}||weapon`, `${APP_ID}||planets`);
  const run = await runWasiHost(['run', guestModule('go-dapr-state-test'), '--success-output', 'Test successfully!'], { env: daprd!.env });

  expect(run.stdout).toContain('Test successfully!');
  expect(run.exitCode).toBe(0);
  expect(run.result).toMatchObject({ exitCode: 0, passed: true, reason: null });
  expect(JSON.parse((await client!.hget(`${APP_ID}||weapon`, 'data'))!)).toBe('Death Star');
  expect(JSON.parse((await client!.hget(`${APP_ID}||planets`, 'data'))!)).toEqual({ name: 'Tatooine', test: 123 });
});

test('the Go seed prints exactly the lines the AssemblyScript seed prints', async () => {
  const go = await runWasiHost(['run', guestModule('go-dapr-state-test')], { env: daprd!.env });
  const as = await runWasiHost(['run', guestModule('dapr-state-test')], { env: daprd!.env });

  expect(go.stdout).toBe(as.stdout);
  const state = `${daprd!.origin}/v1.0/state/statestore`;
  expect(go.stdout.split('\n')).toEqual([
    'Testing Dapr API ...',
    `POST ${state} with [{"key":"weapon","value":"Death Star"}]`,
    `POST ${state} with [{"key":"planets","value":{"name":"Tatooine","test":123}}]`,
    `GET ${state}/planets`,
    `GET ${state}/weapon`,
    'Test successfully!',
    '',
  ]);
});

test("an unknown store makes the Go seed fail with Dapr's own error, and the host reports exit 1", async () => {
  const run = await runWasiHost(['run', guestModule('go-dapr-state-test'), '--success-output', 'Test successfully!', '--', 'no-such-store'], {
    env: daprd!.env,
  });

  expect(run.stdout.split('\n').slice(0, 3)).toEqual([
    'Testing Dapr API ...',
    `POST ${daprd!.origin}/v1.0/state/no-such-store with [{"key":"weapon","value":"Death Star"}]`,
    'Test failed!',
  ]);
  expect(run.stdout).toContain('save state no-such-store failed: HTTP 400 ERR_STATE_STORE_NOT_FOUND: state store no-such-store is not found');
  expect(run.exitCode).toBe(1);
  expect(run.result).toMatchObject({ exitCode: 1, passed: false, reason: 'ExitCode' });
});

test('a Go guest whose sidecar is outside --allowed-host gets DestinationNotAllowed (7) as a Go error and exits 1, nothing stored', async () => {
  await client!.del(`${APP_ID}||weapon`);
  const run = await runWasiHost(['run', guestModule('go-dapr-state-test'), '--allowed-host', `http://localhost:${daprd!.httpPort}`], {
    env: daprd!.env,
  });

  expect(run.stdout).toContain('Test failed!');
  expect(run.stdout).toContain('save state statestore failed: wasi_experimental_http: POST');
  expect(run.stdout).toContain('DestinationNotAllowed (7)');
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toContain('"abiCode":7');
  expect(await client!.exists(`${APP_ID}||weapon`)).toBe(0);
});

test('the Go Dapr client walks the state API: ETags, stale ETags refused, bulk, transaction, deletes, unknown store', async () => {
  const run = await runWasiHost(['run', guestModule('go-dapr-state-check'), '--', 'statestore', 'go-check'], { env: daprd!.env });

  const steps = factsOf(run.stdout).map(([status, step]) => `${status}:${step}`);
  expect(steps).toEqual([
    'ok:clean-up', 'ok:get-missing', 'ok:save', 'ok:get-with-etag', 'ok:save-with-etag', 'ok:save-with-stale-etag',
    'ok:invalid-json-refused', 'ok:save-bulk', 'ok:get-bulk', 'ok:transaction', 'ok:transaction-upserted',
    'ok:transaction-deleted', 'ok:delete-with-stale-etag', 'ok:delete-with-etag', 'ok:deleted', 'ok:delete-without-etag',
    'ok:unknown-store',
  ]);
  expect(run.stdout).toContain('state check passed');
  expect(run.exitCode).toBe(0);
  // Everything it wrote it deleted again; Redis agrees.
  expect(await client!.exists(`${APP_ID}||go-check-1`, `${APP_ID}||go-check-2`, `${APP_ID}||go-check-3`)).toBe(0);
});

test('the Go GET-loop guest makes N state GETs and reports them', async () => {
  await client!.del(`${APP_ID}||weapon`);
  const run = await runWasiHost(['run', guestModule('go-dapr-get-loop'), '--', '50', 'weapon', 'statestore'], { env: daprd!.env });

  expect(run.stdout).toBe('done 50\n');
  expect(run.exitCode).toBe(0);
  const bad = await runWasiHost(['run', guestModule('go-dapr-get-loop'), '--', '3', 'weapon', 'no-such-store'], { env: daprd!.env });
  expect(bad.exitCode).toBe(1);
  expect(bad.stderr).toContain('dapr-get-loop: GET 1 of 3: get state no-such-store/weapon failed: HTTP 400 ERR_STATE_STORE_NOT_FOUND');
});
