// `wasi-operator demo` (what `npm start` runs): the seed's scenario end to end
// on this machine. A real redis-server and a real daprd (standalone mode) are
// started on free ports, `wasi-host` runs the AssemblyScript guest
// dapr-state-test.wasm against the sidecar, and the demo then reads the state
// back from Redis itself, so what it prints is what really happened.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaprd } from '../local/runtime/daprd.js';
import { redisHashGet, startRedis } from '../local/runtime/redis-server.js';

const APP_ID = 'dapr-state-test';
const SUCCESS_OUTPUT = 'Test successfully!';
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

function say(line: string): void {
  process.stdout.write(`[demo] ${line}\n`);
}

function runHost(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'wasi-host.mjs'), ...args], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export async function demoCommand(): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), 'wasi-operator-demo-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const redis = await startRedis();
    stops.push(redis.stop);
    say(`redis-server listening on ${redis.address}`);
    const daprd = await startDaprd({ appId: APP_ID, redisAddress: redis.address });
    stops.push(daprd.stop);
    say(`daprd (app-id ${APP_ID}) ready at ${daprd.origin} with state store "statestore" on Redis`);

    const module = join(repoRoot, 'guest', 'build', `${APP_ID}.wasm`);
    const resultFile = join(workDir, 'result.json');
    say(`wasi-host run ${module}`);
    const exitCode = await runHost(
      ['run', module, '--success-output', SUCCESS_OUTPUT, '--result-file', resultFile, '--', 'statestore'],
      { ...process.env, ...daprd.env },
    );

    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>;
    say(`host result: passed=${result.passed} exitCode=${result.exitCode} reason=${result.reason ?? '-'} compile=${result.compileMillis}ms instantiate=${result.instantiateMillis}ms run=${result.runMillis}ms`);
    const weapon = await redisHashGet(redis.port, `${APP_ID}||weapon`, 'data');
    const planets = await redisHashGet(redis.port, `${APP_ID}||planets`, 'data');
    say(`redis HGET "${APP_ID}||weapon" data → ${weapon ?? '(missing)'}`);
    say(`redis HGET "${APP_ID}||planets" data → ${planets ?? '(missing)'}`);
    const passed = exitCode === 0 && result.passed === true && weapon !== undefined;
    say(passed ? 'PASSED: the guest saved and read Dapr state backed by Redis' : 'FAILED: see the output above');
    return passed ? 0 : 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}
