// Pure parts of the local node agent: the kubelet's rules it re-implements.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { expand } from '../../operator/src/local/node-agent/env-expansion.js';
import { localArgv } from '../../operator/src/local/node-agent/local-command.js';
import { buildNode } from '../../operator/src/local/node-agent/node-object.js';
import { finishedStatus } from '../../operator/src/local/node-agent/pod-status.js';
import { localPath, rewriteArgs } from '../../operator/src/local/node-agent/pod-volumes.js';
import { logTail, terminationMessage } from '../../operator/src/local/node-agent/termination-message.js';

describe('$(VAR) expansion', () => {
  const env: Record<string, string> = { A: 'x', B: 'y' };
  test.each([
    ['$(A)', 'x'],
    ['pre-$(A)-$(B)', 'pre-x-y'],
    ['$$(A)', '$(A)'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$', '$'],
    ['cost: $5', 'cost: $5'],
    ['$(A', '$(A'],
    ['end$', 'end$'],
  ])('%s → %s', (input, output) => {
    expect(expand(input, (name) => env[name])).toBe(output);
  });
});

describe('container paths', () => {
  const mounts = [
    { mountPath: '/module', localPath: '/work/pod/volumes/module' },
    { mountPath: '/module/extra', localPath: '/work/pod/volumes/extra' },
  ];

  test('a path under a mount becomes local; the longest mount wins', () => {
    expect(localPath('/module/app.wasm', mounts)).toBe('/work/pod/volumes/module/app.wasm');
    expect(localPath('/module/extra/x', mounts)).toBe('/work/pod/volumes/extra/x');
    expect(localPath('/modules/app.wasm', mounts)).toBe('/modules/app.wasm');
  });

  test('whole arguments and --flag= values are rewritten, nothing after --', () => {
    expect(rewriteArgs(['run', '/module/a.wasm', '--out=/module/o', '--', '/module/guest-arg'], mounts)).toEqual([
      'run',
      '/work/pod/volumes/module/a.wasm',
      '--out=/work/pod/volumes/module/o',
      '--',
      '/module/guest-arg',
    ]);
  });
});

describe('the local command of a wasi-host container', () => {
  test('runs the given host command with expanded args, local paths and a --result-file', () => {
    const argv = localArgv(
      { name: 'host', command: ['wasi-host'], args: ['run', '/module/a.wasm', '--env=T=$(TOKEN)', '--', '$$(literal)'] },
      ['/usr/bin/node', '/repo/bin/wasi-host.mjs'],
      { TOKEN: 't' },
      [{ mountPath: '/module', localPath: '/pod/module' }],
      '/pod/host.termination-log',
    );
    expect(argv).toEqual(['/usr/bin/node', '/repo/bin/wasi-host.mjs', 'run', '/pod/module/a.wasm', '--result-file=/pod/host.termination-log', '--env=T=t', '--', '$(literal)']);
  });

  test('refuses any other program', () => {
    expect(() => localArgv({ name: 'c', command: ['sh', '-c', 'true'] }, ['node'], {}, [], '/m')).toThrow(expect.objectContaining({ code: 'ERR_NODE_AGENT_UNSUPPORTED_CONTAINER' }));
  });
});

describe('termination message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'termination-message-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('is the message file, capped at 4096 bytes', () => {
    writeFileSync(join(dir, 'big'), 'x'.repeat(5000));
    expect(terminationMessage(join(dir, 'big'), join(dir, 'none.log'), 'File', 1)).toHaveLength(4096);
  });

  test('falls back to the log tail only under FallbackToLogsOnError and only on failure', () => {
    writeFileSync(join(dir, 'log'), 'first\nlast\n');
    expect(terminationMessage(join(dir, 'empty'), join(dir, 'log'), 'FallbackToLogsOnError', 2)).toBe('first\nlast');
    expect(terminationMessage(join(dir, 'empty'), join(dir, 'log'), 'FallbackToLogsOnError', 0)).toBe('');
    expect(terminationMessage(join(dir, 'empty'), join(dir, 'log'), 'File', 2)).toBe('');
  });

  test('a log tail is at most 80 lines and 2048 bytes', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    expect(logTail(Buffer.from(lines)).split('\n')).toHaveLength(80);
    expect(Buffer.byteLength(logTail(Buffer.from('y'.repeat(100) + '\n' + 'z'.repeat(3000))))).toBe(2048);
  });
});

describe('pod status', () => {
  const pod: V1Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'host', image: 'img' }] } };
  const at = new Date('2026-01-01T00:00:00Z');

  test('all containers exit 0 → Succeeded with terminated Completed', () => {
    const status = finishedStatus(pod, at, [], [{ name: 'host', exitCode: 0, message: '{}', startedAt: at, finishedAt: at }]);
    expect(status.phase).toBe('Succeeded');
    expect(status.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', message: '{}' });
  });

  test('a failed init container → Failed, the app container never started', () => {
    const withInit: V1Pod = { ...pod, spec: { ...pod.spec!, initContainers: [{ name: 'fetch', image: 'img' }] } };
    const status = finishedStatus(withInit, at, [{ name: 'fetch', exitCode: 1, startedAt: at, finishedAt: at }], []);
    expect(status.phase).toBe('Failed');
    expect(status.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
    expect(status.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
  });
});

describe('node object', () => {
  test('is Ready with allocatable cpu, memory and pods', () => {
    const node = buildNode('wasi-node', { cpus: 2, memoryBytes: 4 * 1024 ** 3, maxPods: 110, kernelVersion: 'k', bootID: 'b', machineID: 'm', architecture: 'amd64' }, new Date());
    expect(node.status?.allocatable).toEqual({ cpu: '2', memory: '4194304Ki', pods: '110' });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.metadata?.labels?.['kubernetes.io/hostname']).toBe('wasi-node');
  });

  test('advertises the kubelet API port when there is one, so the API server can fetch logs', () => {
    const facts = { cpus: 2, memoryBytes: 1024 ** 3, maxPods: 110, kernelVersion: 'k', bootID: 'b', machineID: 'm', architecture: 'amd64' };
    expect(buildNode('wasi-node', facts, new Date(), 41234).status?.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 41234 } });
    expect(buildNode('wasi-node', facts, new Date()).status?.daemonEndpoints).toBeUndefined();
  });
});
