// The host under the fuzzer (test/fuzz/): a fixed seed for a bounded budget,
// so `npm test` replays the same calls every time. `npm run fuzz` runs the
// same properties for as long as asked, with any seed.
//
// 1. In process: random sequences of import calls through the host's own
//    instantiateGuest() (host-imports-fuzz.ts lists the properties).
// 2. End to end: real `wasi-host run` processes on random guests
//    (random-guest.ts) always end with a result file, never reach a denied
//    origin, and leave no socket open behind them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFailure, fuzzHostImports } from '../fuzz/host-imports-fuzz.js';
import { startFuzzServers, type FuzzServers } from '../fuzz/fuzz-servers.js';
import { randomGuest } from '../fuzz/random-guest.js';
import { eventually } from '../helpers/eventually.js';
import { runWasiHost } from '../helpers/wasi-host.js';

const SEED = 20261205;
const IN_PROCESS_SECONDS = 10;
const END_TO_END_GUESTS = 8;
const RESULT_REASONS = [null, 'Trap', 'Timeout', 'MemoryLimit', 'ExitCode', 'SuccessOutputMissing', 'SidecarUnavailable', 'InvalidModule', 'StateStoreUnavailable'];

test(`the host imports keep every property for seed ${SEED} over ${IN_PROCESS_SECONDS} s of random calls`, async () => {
  const report = await fuzzHostImports({ seed: SEED, seconds: IN_PROCESS_SECONDS });
  expect(report.failures.map(describeFailure)).toEqual([]);
  expect(report.deniedConnections).toBe(0);
  expect(report.socketsOpenAtEnd).toBe(0);
  // The run did make requests that got answers, not only refusals.
  expect(report.outcomes['req=0']).toBeGreaterThan(0);
}, 60_000);

describe('a real wasi-host process on a random guest', () => {
  let servers: FuzzServers;
  let dir: string;

  beforeAll(async () => {
    servers = await startFuzzServers();
    dir = mkdtempSync(join(tmpdir(), 'wasi-host-fuzz-e2e-'));
  });

  afterAll(async () => {
    await servers?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test.each(Array.from({ length: END_TO_END_GUESTS }, (_, i) => [SEED + i]))(
    'guest %i ends with a result file, reaches no denied origin and leaves no socket open',
    async (seed) => {
      const guest = randomGuest(seed, { allowed: servers.allowedPort, raw: servers.rawPort, denied: servers.deniedPort });
      const path = join(dir, `guest-${seed}.wasm`);
      writeFileSync(path, guest.bytes);
      const run = await runWasiHost([
        'run', path,
        '--allowed-host', `http://127.0.0.1:${servers.allowedPort}`,
        '--allowed-host', `http://127.0.0.1:${servers.rawPort}`,
        '--request-timeout', '0.5',
        '--max-response-mb', '1',
        '--max-concurrent-requests', '3',
      ]);
      const context = `${guest.description.join('\n')}\nstderr:\n${run.stderr}`;
      expect({ result: run.result !== undefined, context }).toEqual({ result: true, context });
      expect(run.result!.exitCode).toBe(run.exitCode);
      expect(RESULT_REASONS).toContain(run.result!.reason);
      if (guest.ending.kind === 'trap') expect(run.result!.reason).toBe('Trap');
      if (guest.ending.kind === 'exit' && guest.ending.code !== 0) expect(run.exitCode).toBe(guest.ending.code);
      expect(servers.denied.accepted).toBe(0);
      // The process is gone: so is every socket it had to the servers.
      await eventually('every socket of the guest to the fuzz servers closed', () => servers.allowed.open + servers.raw.open === 0, { timeoutMs: 10_000, intervalMs: 10 });
    },
    30_000,
  );
});
