// The seed scenario: dapr-state-test.wasm under wasi-host, against a real
// daprd whose state store is a real redis-server.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sectionsOf } from '../../operator/src/host/module-sections.js';
import { startDaprd, type TestDaprd } from '../helpers/daprd.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { guestModule, runWasiHost } from '../helpers/wasi-host.js';
import { asStartSectionModule } from '../helpers/wasm-bytes.js';

const APP_ID = 'seed-host';
const SEED_APP_ID = 'seed-as018';
/** The id of a WebAssembly module's start section. */
const START_SECTION_ID = 8;

let redis: TestRedis | undefined;
let daprd: TestDaprd | undefined;

beforeAll(async () => {
  redis = await startRedis();
  daprd = await startDaprd({ appId: APP_ID, redisAddress: redis.address });
}, 120_000);

afterAll(async () => {
  await daprd?.stop();
  await redis?.stop();
});

test('the seed test passes and its state really is in Redis', async () => {
  const run = await runWasiHost(['run', guestModule('dapr-state-test'), '--success-output', 'Test successfully!'], { env: daprd!.env });

  expect(run.stdout).toContain('Test successfully!');
  expect(run.exitCode).toBe(0);
  expect(run.result).toMatchObject({ exitCode: 0, passed: true, reason: null });
  expect(run.result!.output).toContain('Test successfully!');

  const client = new Redis({ host: redis!.host, port: redis!.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    expect(await client.hget(`${APP_ID}||weapon`, 'data')).toContain('Death Star');
    expect(await client.hget(`${APP_ID}||planets`, 'data')).toContain('Tatooine');
  } finally {
    client.disconnect();
  }
});

test('the seed guest built the older way (code in the start section, no _start export) passes, its state in Redis', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seed-start-section-'));
  try {
    const path = join(dir, 'dapr-state-test.wasm');
    writeFileSync(path, asStartSectionModule(readFileSync(guestModule('dapr-state-test'))));
    expect(WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(path))).map((e) => e.name)).not.toContain('_start');
    await expectSeedRunStoresState(path, daprd!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the seed itself, built as its repository builds it (AssemblyScript 0.18, as-wasi), prints "Test successfully!" with its state in Redis', async () => {
  const path = guestModule('seed-as018');
  const bytes = readFileSync(path);
  // What makes this build different: only memory exported, the code in the start section.
  expect(WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name)).toEqual(['memory']);
  expect(sectionsOf(bytes).some((section) => section.id === START_SECTION_ID)).toBe(true);
  // The seed hard-codes the sidecar at 127.0.0.1:3500, Dapr's default port.
  const seedDaprd = await startDaprd({ appId: SEED_APP_ID, redisAddress: redis!.address, httpPort: 3500 });
  try {
    const run = await expectSeedRunStoresState(path, seedDaprd);
    expect(run.stdout).toContain('GET http://127.0.0.1:3500/v1.0/state/statestore/weapon');
    const client = new Redis({ host: redis!.host, port: redis!.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      expect(JSON.parse((await client.hget(`${SEED_APP_ID}||weapon`, 'data'))!)).toBe('Death Star');
      expect(JSON.parse((await client.hget(`${SEED_APP_ID}||planets`, 'data'))!)).toEqual({ name: 'Tatooine', test: 123 });
    } finally {
      client.disconnect();
    }
  } finally {
    await seedDaprd.stop();
  }
});

/** Runs a seed build under wasi-host against `sidecar` and checks the run and the weapon key in Redis. */
async function expectSeedRunStoresState(path: string, sidecar: TestDaprd): Promise<Awaited<ReturnType<typeof runWasiHost>>> {
  const client = new Redis({ host: redis!.host, port: redis!.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    await client.del(`${sidecar.appId}||weapon`);
    const run = await runWasiHost(['run', path, '--success-output', 'Test successfully!'], { env: sidecar.env });

    expect(run.stdout).toContain('Test successfully!');
    expect(run.exitCode).toBe(0);
    expect(run.result).toMatchObject({ passed: true });
    expect(await client.hget(`${sidecar.appId}||weapon`, 'data')).toContain('Death Star');
    return run;
  } finally {
    client.disconnect();
  }
}

test('the seed test passes the same way in the --timeout worker', async () => {
  const run = await runWasiHost(['run', guestModule('dapr-state-test'), '--timeout', '60'], { env: daprd!.env });

  expect(run.stdout).toContain('Test successfully!');
  expect(run.exitCode).toBe(0);
  expect(run.result).toMatchObject({ passed: true });
});

test('an unknown store name makes the guest fail, and the host reports its exit code', async () => {
  const run = await runWasiHost(['run', guestModule('dapr-state-test'), '--', 'no-such-store'], { env: daprd!.env });

  expect(run.stdout).toContain('Test failed!');
  expect(run.exitCode).toBe(1);
  expect(run.result).toMatchObject({ exitCode: 1, passed: false, reason: 'ExitCode' });
});

test('a request to an origin outside --allowed-host is refused with error 7 and the guest fails', async () => {
  // The same daprd under another name is another origin.
  const run = await runWasiHost(['run', guestModule('dapr-state-test'), '--allowed-host', `http://localhost:${daprd!.httpPort}`], {
    env: daprd!.env,
  });

  expect(run.exitCode).toBe(1);
  expect(run.stdout).toContain('Test failed!');
  expect(run.stderr).toContain('"abiCode":7');
});
