// `wasi-dev demo --local`: the seed's scenario without Kubernetes. A real
// redis-server and a real daprd (standalone mode) are started on free ports,
// `wasi-host` runs the AssemblyScript guest dapr-state-test.wasm against the
// sidecar, and the demo then reads the state back from Redis itself, so what
// it prints is what really happened.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../operator/src/util/package-root.js';
import { startDaprd } from '../runtime/daprd.js';
import { redisHashGet, startRedis } from '../runtime/redis-server.js';
import { StepOutput } from '../../operator/src/cli/smoke/progress.js';

const APP_ID = 'dapr-state-test';
const SUCCESS_OUTPUT = 'Test successfully!';

function runHost(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'wasi-host.mjs'), ...args], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export async function localDemo(): Promise<number> {
  const out = new StepOutput();
  const workDir = mkdtempSync(join(tmpdir(), 'wasi-operator-demo-local-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const redis = await startRedis();
    stops.push(redis.stop);
    out.say(`redis-server listening on ${redis.address}`);
    const daprd = await startDaprd({ appId: APP_ID, redisAddress: redis.address });
    stops.push(daprd.stop);
    out.say(`daprd (app-id ${APP_ID}) ready at ${daprd.origin} with state store "statestore" on Redis`);

    const module = join(packageRoot(), 'guest', 'build', `${APP_ID}.wasm`);
    const resultFile = join(workDir, 'result.json');
    out.say(`wasi-host run ${module}`);
    const exitCode = await runHost(
      ['run', module, '--success-output', SUCCESS_OUTPUT, '--result-file', resultFile, '--', 'statestore'],
      { ...process.env, ...daprd.env },
    );

    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>;
    out.say(`host result: passed=${result.passed} exitCode=${result.exitCode} reason=${result.reason ?? '-'} compile=${result.compileMillis}ms instantiate=${result.instantiateMillis}ms run=${result.runMillis}ms`);
    const weapon = await redisHashGet(redis.port, `${APP_ID}||weapon`, 'data');
    const planets = await redisHashGet(redis.port, `${APP_ID}||planets`, 'data');
    out.say(`redis HGET "${APP_ID}||weapon" data → ${weapon ?? '(missing)'}`);
    out.say(`redis HGET "${APP_ID}||planets" data → ${planets ?? '(missing)'}`);
    const passed = exitCode === 0 && result.passed === true && weapon !== undefined;
    out.say(passed ? `PASSED: the guest saved and read Dapr state backed by Redis (total ${out.elapsed()})` : 'FAILED: see the output above');
    return passed ? 0 : 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}
