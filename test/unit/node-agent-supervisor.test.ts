// The container supervisor with real local processes (a few lines of Node
// serving probes), no cluster: readiness decides `ready`, a failing liveness
// probe ends the process, restartPolicy decides whether it starts again, and
// halt() ends the restarts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Container } from '@kubernetes/client-node';
import pino from 'pino';
import { freePorts } from '../../operator/src/local/cluster/free-port.js';
import { ContainerSupervisor, type LaunchedContainer } from '../../operator/src/local/node-agent/container-supervisor.js';
import { startLocalProcess } from '../../operator/src/local/node-agent/local-process.js';
import type { ContainerOutcome, LiveContainer } from '../../operator/src/local/node-agent/pod-status.js';

const dir = mkdtempSync(join(tmpdir(), 'node-agent-supervisor-'));
const log = pino({ level: 'silent' });
const supervisors: ContainerSupervisor[] = [];
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const supervisor of supervisors.splice(0)) {
    supervisor.halt();
    const state = supervisor.view().state;
    if ('running' in state) process.kill(-state.running.pid, 'SIGKILL');
    await supervisor.done.catch(() => undefined);
  }
});

/** A server on `port`: /readyz answers 200 after `readyAfterMs`; /healthz answers `healthy` (200 or 500). */
function server(port: number, readyAfterMs: number, healthy: number): string {
  return `const t0 = Date.now(); require('node:http').createServer((req, res) => {
    res.statusCode = req.url === '/readyz' ? (Date.now() - t0 >= ${readyAfterMs} ? 200 : 503) : ${healthy};
    res.end();
  }).listen(${port}, '127.0.0.1');`;
}

function launcher(name: string, script: string): () => Promise<LaunchedContainer> {
  return async () => {
    const startedAt = new Date();
    const proc = startLocalProcess(process.execPath, ['-e', script], { env: {}, cwd: dir, logPath: join(dir, `${name}.log`) });
    const outcome = proc.exitCode.then((exitCode): ContainerOutcome => ({ name, exitCode, startedAt, finishedAt: new Date(), pid: proc.pid }));
    return { process: proc, startedAt, outcome };
  };
}

async function until(supervisor: ContainerSupervisor, done: (view: LiveContainer) => boolean, timeoutMs = 10_000): Promise<LiveContainer> {
  const deadline = Date.now() + timeoutMs;
  while (!done(supervisor.view())) {
    if (Date.now() > deadline) throw new Error(`timed out; last view ${JSON.stringify(supervisor.view())}`);
    await sleep(50);
  }
  return supervisor.view();
}

test('readiness: not ready until the probe passes, then ready', async () => {
  const [port] = await freePorts(1);
  const container: V1Container = { name: 'app', readinessProbe: { httpGet: { path: '/readyz', port: port! }, periodSeconds: 1 } };
  const supervisor = new ContainerSupervisor({
    container,
    restartPolicy: 'Always',
    launch: launcher('ready', server(port!, 500, 200)),
    readiness: { kind: 'http', url: `http://127.0.0.1:${port}/readyz`, headers: {} },
    graceMs: 1000,
    onChange: () => undefined,
    log,
  });
  supervisors.push(supervisor);
  await supervisor.started;
  expect(supervisor.view()).toMatchObject({ ready: false, state: { running: {} } });
  expect(await until(supervisor, (v) => v.ready)).toMatchObject({ ready: true, restartCount: 0 });
});

test('a failing liveness probe ends the process; restartPolicy Always starts it again and counts it', async () => {
  const [port] = await freePorts(1);
  const container: V1Container = { name: 'app', livenessProbe: { httpGet: { path: '/healthz', port: port! }, periodSeconds: 1, failureThreshold: 1 } };
  const supervisor = new ContainerSupervisor({
    container,
    restartPolicy: 'Always',
    launch: launcher('unhealthy', server(port!, 0, 500)),
    liveness: { kind: 'http', url: `http://127.0.0.1:${port}/healthz`, headers: {} },
    graceMs: 1000,
    onChange: () => undefined,
    log,
  });
  supervisors.push(supervisor);
  await supervisor.started;
  const firstPid = (supervisor.view().state as { running: { pid: number } }).running.pid;
  // The new process fails its probe as fast as the first one, so it may be
  // running or already ended again when we look: only count restarts.
  const restarted = await until(supervisor, (v) => v.restartCount >= 1);
  expect(restarted.lastTerminated?.pid).toBeDefined();
  if ('running' in restarted.state) expect((restarted.state as { running: { pid: number } }).running.pid).not.toBe(firstPid);
  // SIGTERM from the agent: 128 + 15.
  expect(restarted.lastTerminated?.exitCode).toBe(143);
});

test('restartPolicy OnFailure: an exit 0 ends it for good; Always: back-off in CrashLoopBackOff, halt() ends it', async () => {
  const once = new ContainerSupervisor({ container: { name: 'once' }, restartPolicy: 'OnFailure', launch: launcher('once', 'process.exit(0)'), graceMs: 0, onChange: () => undefined, log });
  supervisors.push(once);
  expect(await once.done).toMatchObject({ exitCode: 0 });
  expect(once.view()).toMatchObject({ restartCount: 0, state: { terminated: { exitCode: 0 } } });

  const crashing = new ContainerSupervisor({ container: { name: 'crash' }, restartPolicy: 'Always', launch: launcher('crash', 'process.exit(3)'), graceMs: 0, onChange: () => undefined, log });
  supervisors.push(crashing);
  const backingOff = await until(crashing, (v) => v.lastTerminated !== undefined);
  expect(backingOff).toMatchObject({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastTerminated: { exitCode: 3 } });
  await until(crashing, (v) => v.restartCount === 1);
  crashing.halt();
  expect(await crashing.done).toMatchObject({ exitCode: 3 });
});
