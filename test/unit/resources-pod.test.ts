// The host Pod around the command line: module volumes, security, metadata.
import { describe, expect, test } from '@jest/globals';
import type { WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { buildHostPod } from '../helpers/host-pod.js';
import { TEST_UID, operatorConfig, wasiApp } from '../helpers/wasiapp-fixtures.js';

const SHA = 'ab'.repeat(32);

function podFor(spec: Partial<WasiAppSpec> = {}, name = 'seed', generation = 1) {
  return buildHostPod(wasiApp({ name, generation, spec }), operatorConfig());
}

function hostOf(pod: ReturnType<typeof podFor>) {
  return pod.spec!.containers[0]!;
}

describe('module sources', () => {
  test('a configMap module is that key of the ConfigMap, under its own name', () => {
    const pod = podFor({ module: { configMap: { name: 'seed-module', key: 'dapr-state-test.wasm' } } });
    expect(pod.spec!.volumes).toEqual([
      { name: 'module', configMap: { name: 'seed-module', items: [{ key: 'dapr-state-test.wasm', path: 'dapr-state-test.wasm' }] } },
    ]);
    expect(hostOf(pod).args![1]).toBe('/module/dapr-state-test.wasm');
    expect(pod.spec!.initContainers).toBeUndefined();
  });

  test('an image module is an image volume, read at spec.module.path', () => {
    const pod = podFor({ module: { image: 'ghcr.io/acme/guest:v1', path: 'bin/guest.wasm' } });
    expect(pod.spec!.volumes).toEqual([{ name: 'module', image: { reference: 'ghcr.io/acme/guest:v1' } }]);
    expect(hostOf(pod).args![1]).toBe('/module/bin/guest.wasm');
  });

  test('an image module without a path is read as module.wasm', () => {
    expect(hostOf(podFor({ module: { image: 'ghcr.io/acme/guest:v1' } })).args![1]).toBe('/module/module.wasm');
  });

  test('a url module is downloaded and verified by an init container into an emptyDir', () => {
    const pod = podFor({ module: { url: 'https://example.com/guests/app.wasm?v=2', sha256: SHA.toUpperCase() } });
    expect(pod.spec!.volumes).toEqual([{ name: 'module', emptyDir: {} }]);
    const [fetch, ...others] = pod.spec!.initContainers ?? [];
    expect(others).toEqual([]);
    expect(fetch).toMatchObject({
      name: 'fetch-module',
      image: 'ghcr.io/wasi-operator/wasi-operator:0.1.0',
      command: ['wasi-host'],
      args: ['fetch', 'https://example.com/guests/app.wasm?v=2', SHA, '/module/app.wasm'],
      volumeMounts: [{ name: 'module', mountPath: '/module' }],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    expect(hostOf(pod).args![1]).toBe('/module/app.wasm');
  });

  test('a url without a plain file name is downloaded as module.wasm', () => {
    expect(hostOf(podFor({ module: { url: 'https://example.com/download/', sha256: SHA } })).args![1]).toBe('/module/module.wasm');
  });

  test.each<[string, Partial<WasiAppSpec>]>([
    ['configMap', {}],
    ['image', { module: { image: 'ghcr.io/acme/guest:v1' } }],
    ['url', { module: { url: 'https://example.com/app.wasm', sha256: SHA } }],
  ])('the %s module is mounted read-only in the host container', (_, spec) => {
    expect(hostOf(podFor(spec)).volumeMounts).toEqual([{ name: 'module', mountPath: '/module', readOnly: true }]);
  });
});

describe('security', () => {
  test('the pod runs as non-root user 65532 with the RuntimeDefault seccomp profile', () => {
    expect(podFor().spec!.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  const restricted = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

  test('the host container has a read-only root, no privilege escalation and no capabilities', () => {
    expect(hostOf(podFor()).securityContext).toEqual(restricted);
  });

  test('the fetch init container has a read-only root, no privilege escalation and no capabilities', () => {
    const pod = podFor({ module: { url: 'https://example.com/app.wasm', sha256: SHA } });
    expect(pod.spec!.initContainers![0]!.securityContext).toEqual(restricted);
  });
});

describe('run to completion', () => {
  test('the pod never restarts the guest', () => {
    expect(podFor().spec!.restartPolicy).toBe('Never');
  });

  test('the host writes its result to the termination log, with the log tail as fallback', () => {
    expect(hostOf(podFor())).toMatchObject({ terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'FallbackToLogsOnError' });
  });

  test('the single container is named wasi-host and runs the configured host image', () => {
    const pod = podFor();
    expect(pod.spec!.containers.map((c) => c.name)).toEqual(['wasi-host']);
    expect(hostOf(pod).image).toBe('ghcr.io/wasi-operator/wasi-operator:0.1.0');
  });

  test('spec.hostImage overrides the configured host image', () => {
    expect(hostOf(podFor({ hostImage: 'registry.local/host:dev' })).image).toBe('registry.local/host:dev');
  });

  test('spec.resources become the host container resources, quantities as strings', () => {
    const resources = { limits: { memory: '128Mi', cpu: 1 as unknown as string }, requests: { cpu: '100m' } };
    expect(hostOf(podFor({ resources })).resources).toEqual({ limits: { memory: '128Mi', cpu: '1' }, requests: { cpu: '100m' } });
  });

  test('without spec.resources the host container has none', () => {
    expect(hostOf(podFor()).resources).toBeUndefined();
  });
});

describe('dapr annotations', () => {
  test('with Dapr on (the default), the pod asks for a native sidecar with the app id, log level and the RuntimeDefault seccomp profile', () => {
    expect(podFor().metadata!.annotations).toEqual({
      'dapr.io/enabled': 'true',
      'dapr.io/app-id': 'seed',
      'dapr.io/log-level': 'info',
      'dapr.io/enable-native-sidecar': 'true',
      'dapr.io/sidecar-seccomp-profile-type': 'RuntimeDefault',
      'wasi-operator.dev/wasiapp': 'seed',
    });
  });

  test('spec.dapr.appId and logLevel are used when set', () => {
    expect(podFor({ dapr: { appId: 'orders', logLevel: 'debug' } }).metadata!.annotations).toMatchObject({
      'dapr.io/app-id': 'orders',
      'dapr.io/log-level': 'debug',
    });
  });

  test('no app port is declared: the guest serves nothing', () => {
    expect(Object.keys(podFor().metadata!.annotations ?? {})).not.toContain('dapr.io/app-port');
  });

  test('with Dapr off, the pod has no dapr annotations and no service account token', () => {
    const pod = podFor({ dapr: { enabled: false } });
    expect(Object.keys(pod.metadata!.annotations ?? {}).filter((k) => k.startsWith('dapr.io/'))).toEqual([]);
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
  });
});

describe('metadata', () => {
  test('the pod is named after the app and generation, in the app namespace, with the app labels', () => {
    const pod = podFor({}, 'seed', 7);
    expect(pod.metadata).toMatchObject({
      name: 'seed-g7',
      namespace: 'demo',
      labels: {
        'app.kubernetes.io/name': 'wasi-app',
        'app.kubernetes.io/instance': 'seed',
        'app.kubernetes.io/managed-by': 'wasi-operator',
        'wasi-operator.dev/generation': '7',
      },
    });
  });

  test('the pod is controlled by the WasiApp', () => {
    expect(podFor().metadata!.ownerReferences).toEqual([
      { apiVersion: 'wasi-operator.dev/v1alpha1', kind: 'WasiApp', name: 'seed', uid: TEST_UID, controller: true, blockOwnerDeletion: true },
    ]);
  });

  test('apiVersion and kind are set, so the object can be server-side applied', () => {
    expect(podFor()).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
  });

  test('the same app and config always give the same pod', () => {
    expect(podFor({ env: [{ name: 'A', value: '1' }], args: ['x'] })).toEqual(podFor({ env: [{ name: 'A', value: '1' }], args: ['x'] }));
  });
});
