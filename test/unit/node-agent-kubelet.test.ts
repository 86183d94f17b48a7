// The kubelet rules the node agent re-implements for long-running Pods:
// probes and their thresholds, restarts with back-off, the Pod status of a
// restarting or unready container, token rotation, in-cluster credentials,
// and status writes in order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, type V1Container, type V1Pod, type V1PodStatus } from '@kubernetes/client-node';
import pino from 'pino';
import { probeOnce, probeTarget, ProbeVerdict } from '../../operator/src/local/node-agent/container-probes.js';
import { inClusterEnv, inClusterKubeconfig, provideInClusterConfig, SERVICE_ACCOUNT_MOUNT_PATH } from '../../operator/src/local/node-agent/in-cluster-config.js';
import { podStatus, type ContainerOutcome } from '../../operator/src/local/node-agent/pod-status.js';
import { nextCrashCount, restartDelayMs, shouldRestart } from '../../operator/src/local/node-agent/restart-policy.js';
import { rotationDelayMs } from '../../operator/src/local/node-agent/service-account-token.js';
import { StatusPublisher } from '../../operator/src/local/node-agent/status-publisher.js';

const container: V1Container = { name: 'operator', image: 'wasi-operator:test', ports: [{ name: 'probes', containerPort: 8081 }] };

describe('probe targets', () => {
  const moved = new Map([[8081, 41001]]);

  test('httpGet on a named port goes to the local port its container port moved to, at the Pod address', () => {
    expect(probeTarget({ httpGet: { path: '/readyz', port: 'probes' } }, container, moved)).toEqual({ kind: 'http', url: 'http://127.0.0.1:41001/readyz', headers: {} });
  });

  test('a port number that did not move, HTTPS, a query, headers, a host; tcpSocket', () => {
    expect(
      probeTarget({ httpGet: { scheme: 'HTTPS', host: 'localhost', path: 'ok?full=1', port: 9443, httpHeaders: [{ name: 'X-Probe', value: '1' }] } }, container, moved),
    ).toEqual({ kind: 'http', url: 'https://localhost:9443/ok?full=1', headers: { 'X-Probe': '1' } });
    expect(probeTarget({ tcpSocket: { port: 8081 } }, container, moved)).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 41001 });
  });

  test('exec probes and unknown port names are refused as container config errors', () => {
    const configError = expect.objectContaining({ code: 'ERR_NODE_AGENT_CONTAINER_CONFIG' });
    expect(() => probeTarget({ exec: { command: ['true'] } }, container, moved)).toThrow(configError);
    expect(() => probeTarget({ httpGet: { port: 'metrics' } }, container, moved)).toThrow(configError);
  });
});

describe('probing', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/ok' ? 200 : req.url === '/moved' ? 302 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test('200-399 pass, other statuses and closed ports fail; tcp passes on a connection', async () => {
    expect(await probeOnce({ kind: 'http', url: `http://127.0.0.1:${port}/ok`, headers: {} }, 1000)).toBe(true);
    expect(await probeOnce({ kind: 'http', url: `http://127.0.0.1:${port}/moved`, headers: {} }, 1000)).toBe(true);
    expect(await probeOnce({ kind: 'http', url: `http://127.0.0.1:${port}/down`, headers: {} }, 1000)).toBe(false);
    expect(await probeOnce({ kind: 'tcp', host: '127.0.0.1', port }, 1000)).toBe(true);
    server.close();
    expect(await probeOnce({ kind: 'http', url: `http://127.0.0.1:${port}/ok`, headers: {} }, 1000)).toBe(false);
    expect(await probeOnce({ kind: 'tcp', host: '127.0.0.1', port }, 1000)).toBe(false);
  });
});

describe('probe verdicts', () => {
  test('readiness starts false, flips on successThreshold passes, back on failureThreshold failures in a row', () => {
    const verdict = new ProbeVerdict(false, 2, 3);
    expect([true, false, true, true].map((ok) => verdict.record(ok))).toEqual([false, false, false, true]);
    expect([false, false, true, false, false, false].map((ok) => verdict.record(ok))).toEqual([true, true, true, true, true, false]);
  });
});

describe('restarts', () => {
  test.each([
    ['Always', 0, true],
    ['Always', 1, true],
    [undefined, 0, true],
    ['OnFailure', 0, false],
    ['OnFailure', 137, true],
    ['Never', 1, false],
  ])('restartPolicy %s, exit %i → restart %s', (policy, exitCode, restart) => {
    expect(shouldRestart(policy, exitCode)).toBe(restart);
  });

  test('back-off doubles from 1 s to 30 s and starts over after a run of a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(restartDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(nextCrashCount(5, 1000)).toBe(6);
    expect(nextCrashCount(5, 60_000)).toBe(1);
  });
});

describe('pod status of long-running containers', () => {
  const pod: V1Pod = { metadata: { name: 'op' }, spec: { restartPolicy: 'Always', containers: [container] } };
  const at = new Date('2026-01-01T00:00:00Z');
  const killed: ContainerOutcome = { name: 'operator', exitCode: 137, startedAt: at, finishedAt: at, pid: 10 };

  test('running but not ready yet: phase Running, Ready False', () => {
    const status = podStatus(pod, at, [], [{ name: 'operator', state: { running: { startedAt: at, pid: 11 } }, ready: false, restartCount: 0 }]);
    expect(status.phase).toBe('Running');
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect(status.containerStatuses?.[0]).toMatchObject({ ready: false, started: true, containerID: 'local-process://11', state: { running: { startedAt: at } } });
  });

  test('backing off after a crash: waiting CrashLoopBackOff, the crash as lastState, the restarts counted', () => {
    const status = podStatus(pod, at, [], [{ name: 'operator', state: { waiting: { reason: 'CrashLoopBackOff' } }, ready: false, restartCount: 2, lastTerminated: killed }]);
    expect(status.phase).toBe('Running');
    expect(status.containerStatuses?.[0]).toMatchObject({
      restartCount: 2,
      started: false,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 137, reason: 'Error', containerID: 'local-process://10' } },
    });
  });

  test('ready again after a restart: Ready True; ended for good: Failed with the restart count kept', () => {
    const ready = podStatus(pod, at, [], [{ name: 'operator', state: { running: { startedAt: at, pid: 12 } }, ready: true, restartCount: 1, lastTerminated: killed }]);
    expect(ready.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const ended = podStatus(pod, at, [], [{ name: 'operator', state: { terminated: killed }, ready: false, restartCount: 3 }]);
    expect(ended.phase).toBe('Failed');
    expect(ended.containerStatuses?.[0]).toMatchObject({ restartCount: 3, state: { terminated: { exitCode: 137 } } });
  });
});

describe('service account tokens', () => {
  test('are renewed at 80% of their lifetime, at least daily', () => {
    expect(rotationDelayMs(3607)).toBe(2_885_600);
    expect(rotationDelayMs(365 * 24 * 3600)).toBe(24 * 3600 * 1000);
  });
});

describe('in-cluster credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'in-cluster-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("client-node reads the kubeconfig as its in-cluster config: the server, the volume's CA, the token file re-read, the namespace", async () => {
    writeFileSync(join(dir, 'token'), 'first-token');
    writeFileSync(join(dir, 'ca.crt'), 'not really a certificate');
    const kc = new KubeConfig();
    kc.loadFromString(inClusterKubeconfig({ server: 'https://127.0.0.1:6443', serviceAccountDir: dir, namespace: 'wasi-system' }));
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://127.0.0.1:6443', caFile: join(dir, 'ca.crt') });
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('wasi-system');
    const options: { headers: Record<string, string> } = { headers: {} };
    await kc.applyToHTTPSOptions(options);
    expect(options.headers.Authorization).toBe('Bearer first-token');
  });

  test('KUBERNETES_SERVICE_HOST/PORT and KUBECONFIG, only for a container that mounts the service-account volume', () => {
    expect(inClusterEnv('https://127.0.0.1:6443', '/pod/op.kubeconfig')).toEqual({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443', KUBECONFIG: '/pod/op.kubeconfig' });
    expect(provideInClusterConfig([{ mountPath: '/module', localPath: dir }], 'https://127.0.0.1:6443', 'ns', join(dir, 'none.kubeconfig'))).toEqual({});
    const env = provideInClusterConfig([{ mountPath: SERVICE_ACCOUNT_MOUNT_PATH, localPath: dir }], 'https://127.0.0.1:6443', 'ns', join(dir, 'op.kubeconfig'));
    expect(env.KUBECONFIG).toBe(join(dir, 'op.kubeconfig'));
  });
});

describe('status writes', () => {
  test('in order, and the newest replaces those still waiting', async () => {
    const written: string[] = [];
    let release!: () => void;
    const firstWrite = new Promise<void>((resolve) => (release = resolve));
    const publisher = new StatusPublisher(async (status: V1PodStatus) => {
      written.push(status.phase!);
      if (written.length === 1) await firstWrite;
    }, pino({ level: 'silent' }));
    publisher.publish({ phase: 'Pending' });
    publisher.publish({ phase: 'Running' });
    publisher.publish({ phase: 'Succeeded' });
    release();
    await publisher.flush();
    expect(written).toEqual(['Pending', 'Succeeded']);
  });
});
