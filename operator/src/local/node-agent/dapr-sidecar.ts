// Plays Dapr's sidecar injector for Pods annotated dapr.io/enabled: a daprd
// in standalone mode next to the Pod's processes, loaded with the namespace's
// Components (secret references resolved, since standalone daprd has no
// Kubernetes secret store), and DAPR_HTTP_PORT/DAPR_GRPC_PORT for the app
// containers, as the injector sets them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { firstDaprdErrorIn } from './daprd-log.js';
import { WasiOperatorError } from '../../util/errors.js';
import { freePorts } from '../cluster/free-port.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDaprOutboundReady, standaloneDaprdArgs } from '../runtime/daprd-standalone.js';
import { startLocalProcess } from './local-process.js';

const SIDECAR_READY_TIMEOUT_MS = 60_000;

interface ComponentMetadataItem {
  name: string;
  value?: unknown;
  secretKeyRef?: { name: string; key: string };
}

interface DaprComponent {
  metadata?: { name?: string };
  spec?: { type?: string; version?: string; metadata?: ComponentMetadataItem[]; [key: string]: unknown };
  scopes?: string[];
}

export interface DaprSidecar {
  appId: string;
  env: Record<string, string>;
  logPath: string;
  stop(): Promise<void>;
}

export function wantsDaprSidecar(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.['dapr.io/enabled'] === 'true';
}

export function daprAppId(pod: V1Pod): string {
  return pod.metadata?.annotations?.['dapr.io/app-id'] ?? pod.metadata?.name ?? 'app';
}

async function standaloneComponent(core: CoreV1Api, namespace: string, component: DaprComponent): Promise<object> {
  const metadata = [];
  for (const item of component.spec?.metadata ?? []) {
    if (!item.secretKeyRef) {
      metadata.push({ name: item.name, value: item.value ?? '' });
      continue;
    }
    const secret = await core.readNamespacedSecret({ name: item.secretKeyRef.name, namespace });
    const encoded = secret.data?.[item.secretKeyRef.key];
    if (encoded === undefined) {
      throw new WasiOperatorError('ERR_NODE_AGENT_SIDECAR', `Component ${component.metadata?.name}: key ${item.secretKeyRef.key} not in Secret ${namespace}/${item.secretKeyRef.name}`);
    }
    metadata.push({ name: item.name, value: Buffer.from(encoded, 'base64').toString() });
  }
  return {
    apiVersion: 'dapr.io/v1alpha1',
    kind: 'Component',
    metadata: { name: component.metadata?.name },
    spec: { ...component.spec, metadata },
  };
}

async function writeResources(kc: KubeConfig, pod: V1Pod, appId: string, dir: string): Promise<string[]> {
  const namespace = pod.metadata!.namespace!;
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const list = (await custom.listNamespacedCustomObject({ group: 'dapr.io', version: 'v1alpha1', namespace, plural: 'components' })) as { items: DaprComponent[] };
  const scoped = list.items.filter((c) => !c.scopes?.length || c.scopes.includes(appId));
  mkdirSync(dir, { recursive: true });
  for (const component of scoped) {
    writeFileSync(join(dir, `${component.metadata?.name}.yaml`), yaml.dump(await standaloneComponent(core, namespace, component)));
  }
  return scoped.map((c) => c.metadata?.name ?? '');
}

export async function startDaprSidecar(kc: KubeConfig, pod: V1Pod, podDir: string, daprdPath: string): Promise<DaprSidecar> {
  const appId = daprAppId(pod);
  const resourcesDir = join(podDir, 'dapr-resources');
  await writeResources(kc, pod, appId, resourcesDir);
  const [httpPort, grpcPort, internalGrpcPort, metricsPort] = await freePorts(4);
  const logPath = join(podDir, 'daprd.log');
  const daprd = startLocalProcess(
    daprdPath,
    standaloneDaprdArgs({
      appId,
      resourcesDir,
      ports: { http: httpPort!, grpc: grpcPort!, internalGrpc: internalGrpcPort!, metrics: metricsPort! },
      logLevel: pod.metadata?.annotations?.['dapr.io/log-level'] ?? 'info',
    }),
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: podDir }, cwd: podDir, logPath },
  );
  const deadline = Date.now() + SIDECAR_READY_TIMEOUT_MS;
  while (!(await isDaprOutboundReady(`http://127.0.0.1:${httpPort}`).catch(() => false))) {
    if (daprd.hasExited() || Date.now() >= deadline) {
      await daprd.stop(0);
      const what = daprd.hasExited() ? 'exited during start' : `was not ready after ${SIDECAR_READY_TIMEOUT_MS / 1000}s`;
      const said = firstDaprdErrorIn(logPath);
      throw new WasiOperatorError('ERR_NODE_AGENT_SIDECAR', `daprd for ${appId} ${what}${said ? `: ${said}` : ''}; see ${logPath}`);
    }
    await sleep(100);
  }
  return {
    appId,
    env: { DAPR_HTTP_PORT: String(httpPort), DAPR_GRPC_PORT: String(grpcPort) },
    logPath,
    stop: () => daprd.stop(5_000),
  };
}
