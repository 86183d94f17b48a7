// The WasiApp CRD against a real kube-apiserver: every validation rule rejects
// one manifest with an error that names the field, the samples are accepted,
// defaults are applied, and the printer columns show with kubectl.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { API_GROUP, API_VERSION, WASIAPP_KIND, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import type { WasiApp } from '../../operator/src/api/wasiapp.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

const SHA = 'ab'.repeat(32);
const MODULE = { configMap: { name: 'module', key: 'app.wasm' } };

let cluster: TestCluster;
let api: CustomObjectsApi;
let namespace: string;
let serial = 0;

beforeAll(async () => {
  cluster = await startTestCluster();
  api = cluster.kc.makeApiClient(CustomObjectsApi);
  namespace = await cluster.createNamespace('crd-validation');
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  spec: Record<string, unknown>;
}

function manifest(spec: Record<string, unknown>, name = `app-${++serial}`): Manifest {
  return { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: WASIAPP_KIND, metadata: { name }, spec };
}

async function create(body: object): Promise<WasiApp> {
  return (await api.createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    namespace,
    plural: WASIAPP_PLURAL,
    body,
    fieldValidation: 'Strict',
  })) as WasiApp;
}

/** The API server's error message for a manifest it must reject. */
async function rejectionOf(body: object): Promise<string> {
  try {
    await create(body);
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    return statusMessage(err.body);
  }
  throw new Error(`the API server accepted ${JSON.stringify(body)}`);
}

// client-node hands over an error body as text or as parsed JSON.
function statusMessage(body: unknown): string {
  let status = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return body;
    }
  }
  const message = (status as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : JSON.stringify(status);
}

describe('each validation rule rejects a bad spec and names the field', () => {
  test.each<[string, Record<string, unknown>, string, string]>([
    ['no module source', { module: {} }, 'spec.module', 'exactly one of configMap, url or image'],
    ['two module sources', { module: { ...MODULE, image: 'ghcr.io/acme/app:1' } }, 'spec.module', 'exactly one of configMap, url or image'],
    ['url without sha256', { module: { url: 'https://example.com/app.wasm' } }, 'spec.module.sha256', 'spec.module.url needs it'],
    ['sha256 without url', { module: { ...MODULE, sha256: SHA } }, 'spec.module.sha256', 'only used with spec.module.url'],
    ['sha256 that is not hex', { module: { url: 'https://example.com/app.wasm', sha256: 'z'.repeat(64) } }, 'spec.module.sha256', '64 hexadecimal characters'],
    ['sha256 of 63 characters', { module: { url: 'https://example.com/app.wasm', sha256: SHA.slice(1) } }, 'spec.module.sha256', '64 hexadecimal characters'],
    ['http url to a remote host', { module: { url: 'http://example.com/app.wasm', sha256: SHA } }, 'spec.module.url', 'must use https'],
    ['http url to a private address', { module: { url: 'http://10.0.0.1/app.wasm', sha256: SHA } }, 'spec.module.url', 'must use https'],
    ['ftp url', { module: { url: 'ftp://example.com/app.wasm', sha256: SHA } }, 'spec.module.url', 'must use https'],
    ['relative url', { module: { url: '/app.wasm', sha256: SHA } }, 'spec.module.url', 'absolute URL'],
    ['path without image', { module: { ...MODULE, path: 'app.wasm' } }, 'spec.module.path', 'only used with spec.module.image'],
    ['path that leaves the image', { module: { image: 'ghcr.io/acme/app:1', path: 'x/../../etc/passwd' } }, 'spec.module.path', "without '.' or '..'"],
    ['allowed host with a path', { module: MODULE, allowedHosts: ['https://api.example.com/v1'] }, 'spec.allowedHosts[0]', 'must be an origin'],
    ['allowed host without a scheme', { module: MODULE, allowedHosts: ['https://ok.example.com', 'api.example.com'] }, 'spec.allowedHosts[1]', 'must be an origin'],
    ['allowed host with another scheme', { module: MODULE, allowedHosts: ['ftp://files.example.com'] }, 'spec.allowedHosts[0]', 'must be an origin'],
    ['allowed host with a wildcard inside', { module: MODULE, allowedHosts: ['https://api.*.example.com'] }, 'spec.allowedHosts[0]', 'must be an origin'],
    ['app id with a dot', { module: MODULE, dapr: { appId: 'orders.v2' } }, 'spec.dapr.appId', 'must be a valid Dapr app id'],
    ['app id with upper case', { module: MODULE, dapr: { appId: 'Orders' } }, 'spec.dapr.appId', 'must be a valid Dapr app id'],
    ['timeoutSeconds of 0', { module: MODULE, timeoutSeconds: 0 }, 'spec.timeoutSeconds', 'greater than or equal to 1'],
    ['timeoutSeconds over a day', { module: MODULE, timeoutSeconds: 86401 }, 'spec.timeoutSeconds', 'less than or equal to 86400'],
    ['maxConcurrentRequests of 0', { module: MODULE, maxConcurrentRequests: 0 }, 'spec.maxConcurrentRequests', 'greater than or equal to 1'],
    ['maxConcurrentRequests over 1024', { module: MODULE, maxConcurrentRequests: 1025 }, 'spec.maxConcurrentRequests', 'less than or equal to 1024'],
    ['maxMemoryMb over 4 GiB', { module: MODULE, maxMemoryMb: 4097 }, 'spec.maxMemoryMb', 'less than or equal to 4096'],
    ['redis and existingComponent', { module: MODULE, dapr: { stateStore: { redis: { host: 'redis:6379' }, existingComponent: 'store' } } }, 'spec.dapr.stateStore', 'redis or existingComponent, not both'],
    ['redis host without a port', { module: MODULE, dapr: { stateStore: { redis: { host: 'redis' } } } }, 'spec.dapr.stateStore.redis.host', 'host:port'],
    ['unknown log level', { module: MODULE, dapr: { logLevel: 'verbose' } }, 'spec.dapr.logLevel', 'Unsupported value'],
    ['env with value and valueFrom', { module: MODULE, env: [{ name: 'A', value: '1', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }, 'spec.env[0]', 'value or valueFrom, not both'],
    ['env valueFrom with two sources', { module: MODULE, env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' }, secretKeyRef: { name: 's', key: 'k' } } }] }, 'spec.env[0].valueFrom', 'exactly one of configMapKeyRef'],
    ['env name with a dot', { module: MODULE, env: [{ name: 'my.var', value: '1' }] }, 'spec.env[0].name', 'should match'],
    ['env with the same name twice', { module: MODULE, env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }, 'spec.env[1]', 'Duplicate value'],
    ['a volume with two sources', { module: MODULE, volumes: [{ name: 'v', emptyDir: {}, configMap: { name: 'c' } }] }, 'spec.volumes[0]', 'exactly one of configMap, secret, emptyDir or persistentVolumeClaim'],
    ['a dir whose volume does not exist', { module: MODULE, volumes: [{ name: 'v', emptyDir: {} }], dirs: [{ volume: 'w', path: '/data' }] }, 'spec.dirs', 'must name a volume in spec.volumes'],
    ['a dir with a relative path', { module: MODULE, volumes: [{ name: 'v', emptyDir: {} }], dirs: [{ volume: 'v', path: 'data' }] }, 'spec.dirs[0].path', 'absolute path'],
    ['a dir path with ..', { module: MODULE, volumes: [{ name: 'v', emptyDir: {} }], dirs: [{ volume: 'v', path: '/data/../etc' }] }, 'spec.dirs[0].path', "must not contain '..'"],
    ['two dirs at one path', { module: MODULE, volumes: [{ name: 'v', emptyDir: {} }], dirs: [{ volume: 'v', path: '/d' }, { volume: 'v', path: '/d' }] }, 'spec.dirs[1]', 'Duplicate value'],
    ['two volumes with one name', { module: MODULE, volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }, 'spec.volumes[1]', 'Duplicate value'],
    ['an invoke that looks like a flag', { module: MODULE, invoke: '--help' }, 'spec.invoke', 'not a flag'],
    ['retries below 0', { module: MODULE, retries: -1 }, 'spec.retries', 'greater than or equal to 0'],
    ['a schedule that is not cron', { module: MODULE, schedule: 'every day' }, 'spec.schedule', 'must be a cron schedule'],
    ['a time zone inside the schedule', { module: MODULE, schedule: 'TZ=UTC 0 * * * *' }, 'spec.schedule', 'use spec.timeZone'],
    ['a time zone without a schedule', { module: MODULE, timeZone: 'Europe/Berlin' }, 'spec.timeZone', 'only used with spec.schedule'],
    ['a schedule field without a schedule', { module: MODULE, concurrencyPolicy: 'Allow' }, 'spec', 'only used with spec.schedule'],
    ['an unknown concurrency policy', { module: MODULE, schedule: '@daily', concurrencyPolicy: 'Sometimes' }, 'spec.concurrencyPolicy', 'Unsupported value'],
    ['runsHistoryLimit of 0', { module: MODULE, runsHistoryLimit: 0 }, 'spec.runsHistoryLimit', 'greater than or equal to 1'],
    ['a dapr.io annotation under spec.pod', { module: MODULE, pod: { annotations: { 'dapr.io/app-port': '80' } } }, 'spec.pod.annotations', 'configure the sidecar with spec.dapr'],
    ['resources with a bad quantity', { module: MODULE, resources: { limits: { memory: 'lots' } } }, 'spec.resources.limits.memory', 'should match'],
  ])('%s', async (_, spec, field, message) => {
    const error = await rejectionOf(manifest(spec));
    expect(error).toContain(field);
    expect(error).toContain(message);
  });

  test('a name that is not a Dapr app id needs spec.dapr.appId', async () => {
    const error = await rejectionOf(manifest({ module: MODULE }, 'orders.v2'));
    expect(error).toContain('spec.dapr.appId');
    expect(error).toContain("metadata.name 'orders.v2' is not a valid Dapr app id");
  });

  test('an unknown field is rejected under strict field validation', async () => {
    const error = await rejectionOf(manifest({ module: MODULE, timeoutSecs: 5 }));
    expect(error).toContain('unknown field "spec.timeoutSecs"');
  });
});

describe('valid WasiApps are accepted', () => {
  test.each<[string, Record<string, unknown>]>([
    ['http url to 127.0.0.1', { module: { url: 'http://127.0.0.1:8080/app.wasm', sha256: SHA } }],
    ['http url to another loopback address', { module: { url: 'http://127.1.2.3/app.wasm', sha256: SHA.toUpperCase() } }],
    ['http url to localhost', { module: { url: 'http://localhost:9000/app.wasm', sha256: SHA } }],
    ['http url to [::1]', { module: { url: 'http://[::1]:9000/app.wasm', sha256: SHA } }],
    ['origins, a wildcard and allow-all', { module: MODULE, allowedHosts: ['http://127.0.0.1:3500', 'https://*.example.com', 'https://[::1]:8443', 'insecure:allow-all'] }],
    ['every env source', {
      module: MODULE,
      env: [
        { name: 'A', value: '1' },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'c', key: 'k', optional: true } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'D', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'E', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      ],
    }],
    ['a schedule with its fields', { module: MODULE, schedule: '*/5 * * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Replace', startingDeadlineSeconds: 30, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1, suspend: true }],
    ['a schedule macro', { module: MODULE, schedule: '@hourly' }],
    ['a named export to invoke', { module: MODULE, invoke: 'get' }],
    ['directories from every volume kind', {
      module: MODULE,
      volumes: [
        { name: 'config', configMap: { name: 'app-config', items: [{ key: 'app.conf', path: 'app.conf' }] } },
        { name: 'creds', secret: { secretName: 'app-creds' } },
        { name: 'scratch', emptyDir: { sizeLimit: '64Mi' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      ],
      dirs: [{ volume: 'config', path: '/etc/app' }, { volume: 'scratch', path: '/out', readOnly: false, subPath: 'reports' }],
    }],
    ['runs as Jobs with retries, a TTL, a history limit and Pod fields', {
      module: MODULE,
      retries: 2,
      ttlSecondsAfterFinished: 3600,
      runsHistoryLimit: 5,
      pod: {
        nodeSelector: { disk: 'ssd' },
        tolerations: [{ key: 'wasm', operator: 'Exists', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
        priorityClassName: 'low',
        serviceAccountName: 'runner',
        imagePullSecrets: [{ name: 'regcred' }],
        runtimeClassName: 'gvisor',
        labels: { team: 'a' },
        annotations: { 'example.com/owner': 'a' },
      },
    }],
    ['numeric and string quantities', { module: MODULE, resources: { limits: { cpu: 1, memory: '128Mi' }, requests: { cpu: '100m' } } }],
  ])('%s', async (_, spec) => {
    await expect(create(manifest(spec))).resolves.toMatchObject({ kind: WASIAPP_KIND });
  });

  test('a dotted name is accepted with an explicit app id', async () => {
    await expect(create(manifest({ module: MODULE, dapr: { appId: 'orders-v2' } }, 'orders.v2'))).resolves.toMatchObject({ kind: WASIAPP_KIND });
  });

  test('a dotted name is accepted without Dapr', async () => {
    await expect(create(manifest({ module: MODULE, dapr: { enabled: false } }, 'batch.v2'))).resolves.toMatchObject({ kind: WASIAPP_KIND });
  });

  const exampleDir = new URL('../../examples/', import.meta.url);
  test.each(readdirSync(exampleDir).filter((file) => file.endsWith('.yaml')))('examples/%s', async (file) => {
    for (const doc of yaml.loadAll(readFileSync(new URL(file, exampleDir), 'utf8')) as Manifest[]) {
      if (doc?.kind === WASIAPP_KIND) await expect(create(doc)).resolves.toMatchObject({ metadata: { name: doc.metadata.name } });
    }
  });
});

describe('defaults', () => {
  test('dapr.enabled is true and the state store is named statestore', async () => {
    const created = await create(manifest({ module: MODULE }));
    expect(created.spec.dapr).toEqual({ enabled: true, stateStore: { name: 'statestore' } });
  });

  test('an explicit stateStore keeps its fields and gets the default name', async () => {
    const created = await create(manifest({ module: MODULE, dapr: { stateStore: { redis: { host: 'redis:6379' } } } }));
    expect(created.spec.dapr?.stateStore).toEqual({ name: 'statestore', redis: { host: 'redis:6379' } });
  });
});

describe('status and printer columns', () => {
  test('the operator status shape is accepted through the status subresource, and kubectl -o wide shows it', async () => {
    const name = `status-${++serial}`;
    const created = await create(manifest({ module: MODULE, schedule: '@daily' }, name));
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      phase: 'Succeeded',
      conditions: [
        { type: 'StateStoreReady', status: 'True', reason: 'ComponentReady', message: 'ok', lastTransitionTime: now, observedGeneration: 1 },
        { type: 'Succeeded', status: 'True', reason: 'Passed', message: 'the guest passed', lastTransitionTime: now, observedGeneration: 1 },
      ],
      result: { passed: true, exitCode: 0, reason: 'Passed', output: 'Test successfully!\n', compileMillis: 1.5, instantiateMillis: 0.25, runMillis: 12 },
      podName: `${name}-g1-x7k2p`,
      jobName: `${name}-g1`,
      runs: [
        { jobName: `${name}-g1`, generation: 1, trigger: 'Spec', phase: 'Succeeded', startTime: now, completionTime: now, attempts: 1, passed: true, exitCode: 0, reason: 'GuestPassed', message: 'the guest passed', podName: `${name}-g1-x7k2p`, startDelaySeconds: 1.5, compileMillis: 1.5, instantiateMillis: 0.25, runMillis: 12 },
      ],
      lastRun: { jobName: `${name}-g1`, generation: 1, trigger: 'Spec', phase: 'Succeeded', startTime: now, attempts: 1 },
      lastSuccessfulTime: now,
      succeededRuns: 1,
      failedRuns: 0,
      observedRerun: 'x',
      lastScheduleTime: now,
      nextScheduleTime: now,
      startTime: now,
      completionTime: now,
      observedGeneration: 1,
    };
    await api.replaceNamespacedCustomObjectStatus({
      group: API_GROUP,
      version: API_VERSION,
      namespace,
      plural: WASIAPP_PLURAL,
      name,
      body: { ...created, status },
      fieldValidation: 'Strict',
    });

    const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'get', 'wasi', name, '-n', namespace, '-o', 'wide']);
    // kubectl pads columns with at least two spaces; names such as LAST RUN hold one.
    const [header, row] = stdout.trim().split('\n').map((line) => line.trim().split(/\s{2,}/));
    expect(header).toEqual(['NAME', 'PHASE', 'PASSED', 'LAST RUN', 'SCHEDULE', 'NEXT RUN', 'AGE', 'JOB', 'POD', 'REASON']);
    expect(row).toEqual([name, 'Succeeded', 'true', expect.any(String), '@daily', expect.any(String), expect.any(String), `${name}-g1`, `${name}-g1-x7k2p`, 'Passed']);
  });
});
