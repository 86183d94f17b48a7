// daprd in standalone (self-hosted) mode: no placement, no scheduler, our
// resources dir with a state.redis Component; the way the host's tests and the
// demo get a real sidecar without Kubernetes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { startManagedProcess, waitUntilReady, type ManagedProcess } from './managed-process.js';

export interface DaprdOptions {
  daprdPath: string;
  appId: string;
  /** host:port of Redis for a `state.redis` Component named `storeName`. */
  redisAddress: string;
  storeName?: string;
  workDir: string;
  readyTimeoutMillis?: number;
}

export interface Daprd {
  appId: string;
  httpPort: number;
  grpcPort: number;
  /** http://127.0.0.1:PORT, what the host passes to the guest as DAPR_HTTP_ENDPOINT. */
  httpEndpoint: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export function stateStoreComponentYaml(storeName: string, redisAddress: string): string {
  return [
    'apiVersion: dapr.io/v1alpha1',
    'kind: Component',
    'metadata:',
    `  name: ${storeName}`,
    'spec:',
    '  type: state.redis',
    '  version: v1',
    '  metadata:',
    '    - name: redisHost',
    `      value: "${redisAddress}"`,
    '    - name: redisPassword',
    '      value: ""',
    '',
  ].join('\n');
}

async function outboundHealthy(httpPort: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/v1.0/healthz/outbound`, { signal: AbortSignal.timeout(1000) });
  return response.status === 204;
}

export async function startDaprd(options: DaprdOptions): Promise<Daprd> {
  const storeName = options.storeName ?? 'statestore';
  const resourcesDir = join(options.workDir, `resources-${options.appId}`);
  mkdirSync(resourcesDir, { recursive: true });
  writeFileSync(join(resourcesDir, `${storeName}.yaml`), stateStoreComponentYaml(storeName, options.redisAddress));
  const [httpPort, grpcPort, metricsPort, internalGrpcPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const proc = startManagedProcess(
    'daprd',
    options.daprdPath,
    [
      '--app-id', options.appId,
      '--resources-path', resourcesDir,
      '--dapr-http-port', String(httpPort),
      '--dapr-grpc-port', String(grpcPort),
      '--dapr-internal-grpc-port', String(internalGrpcPort),
      '--metrics-port', String(metricsPort),
      '--dapr-listen-addresses', '127.0.0.1',
      '--log-level', 'warn',
    ],
    join(options.workDir, `daprd-${options.appId}.log`),
  );
  try {
    await waitUntilReady(proc, () => outboundHealthy(httpPort), options.readyTimeoutMillis ?? 60_000, 'ERR_DAPRD_START');
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    appId: options.appId,
    httpPort,
    grpcPort,
    httpEndpoint: `http://127.0.0.1:${httpPort}`,
    process: proc,
    stop: () => proc.stop(),
  };
}
