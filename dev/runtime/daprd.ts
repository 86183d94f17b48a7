// A real daprd in standalone mode for the demo or one test file, with a `state.redis`
// Component named `statestore` (or the stores you ask for) in a throw-away
// resources dir, on free loopback ports, without placement or scheduler
// (no actors or workflows; the state API does not need them).
//
//   let redis: TestRedis;
//   let daprd: LocalDaprd;
//   beforeAll(async () => {
//     redis = await startRedis();
//     daprd = await startDaprd({ appId: 'seed', redisAddress: redis.address });
//   });
//   afterAll(async () => {
//     await daprd?.stop();
//     await redis?.stop();
//   });
//   // daprd.env is { DAPR_HTTP_PORT, DAPR_HTTP_ENDPOINT }: pass it to wasi-host
//
// The binary comes from the project's tool cache (`npm test` and `npm start`
// build it on a fresh machine; see dev/tools).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../cluster/free-port.js';
import { ensureTool } from '../tools/go-build.js';
import { DAPRD } from '../tools/pins.js';
import { isDaprOutboundReady, standaloneDaprdArgs } from './daprd-standalone.js';
import { startProcess, waitFor, type ManagedProcess } from './processes.js';

export interface StateStore {
  /** Component name, e.g. `statestore`. */
  name: string;
  /** host:port of the Redis server. */
  redisAddress: string;
  /** Extra `spec.metadata` entries, e.g. { keyPrefix: 'none' }. */
  metadata?: Record<string, string>;
}

export interface StartDaprdOptions {
  appId: string;
  /** Shorthand for one store named `statestore` on this Redis. */
  redisAddress?: string;
  stores?: StateStore[];
  /**
   * More Components, each written as `<name>.yaml` into the resources dir as
   * given (pubsub.redis, secretstores.local.file, bindings.*, …).
   */
  components?: { name: string; yaml: string }[];
  /** An app on this loopback port that daprd invokes (`--app-port`, HTTP); none by default. */
  appPort?: number;
  /**
   * The HTTP API's port, for guests that hard-code Dapr's default 3500 as the
   * seed does; a free port by default.
   */
  httpPort?: number;
  /** More daprd flags. */
  extraArgs?: string[];
  /** How long to wait for /v1.0/healthz/outbound (default 60 s). */
  readyTimeoutMs?: number;
}

export interface LocalDaprd {
  readonly appId: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** http://127.0.0.1:HTTP_PORT */
  readonly origin: string;
  /** What the Dapr injector would give an app container; pass it to wasi-host's env. */
  readonly env: { DAPR_HTTP_PORT: string; DAPR_HTTP_ENDPOINT: string };
  readonly resourcesDir: string;
  readonly process: ManagedProcess;
  logTail(): string;
  /** SIGTERM (daprd shuts down gracefully), SIGKILL after a grace period; safe to call twice. */
  stop(): Promise<void>;
}

export function stateStoreComponent(store: StateStore): string {
  const metadata = { redisHost: store.redisAddress, ...store.metadata };
  const lines = Object.entries(metadata).map(([name, value]) => `  - name: ${name}\n    value: ${JSON.stringify(value)}`);
  return `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ${store.name}
spec:
  type: state.redis
  version: v1
  metadata:
${lines.join('\n')}
`;
}

async function outboundReady(origin: string): Promise<true | undefined> {
  return (await isDaprOutboundReady(origin)) ? true : undefined;
}

export async function startDaprd(options: StartDaprdOptions): Promise<LocalDaprd> {
  const { daprd } = await ensureTool(DAPRD);
  const stores = options.stores ?? (options.redisAddress ? [{ name: 'statestore', redisAddress: options.redisAddress }] : []);
  const resourcesDir = mkdtempSync(join(tmpdir(), 'wasi-operator-daprd-'));
  for (const store of stores) writeFileSync(join(resourcesDir, `${store.name}.yaml`), stateStoreComponent(store));
  for (const component of options.components ?? []) writeFileSync(join(resourcesDir, `${component.name}.yaml`), component.yaml);

  const [freeHttpPort, grpcPort, metricsPort, internalGrpcPort] = (await freePorts(4)) as [number, number, number, number];
  const httpPort = options.httpPort ?? freeHttpPort;
  const ports = { http: httpPort, grpc: grpcPort, internalGrpc: internalGrpcPort, metrics: metricsPort };
  const appArgs = options.appPort === undefined ? [] : ['--app-port', String(options.appPort), '--app-protocol', 'http'];
  const args = [...standaloneDaprdArgs({ appId: options.appId, resourcesDir, ports }), ...appArgs, ...(options.extraArgs ?? [])];
  const proc = startProcess(`daprd ${options.appId}`, daprd!, args, { cwd: resourcesDir });
  const origin = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    await proc.stop(10_000);
    rmSync(resourcesDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`daprd ${origin}/v1.0/healthz/outbound → 204`, () => outboundReady(origin), {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      process: proc,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    appId: options.appId,
    httpPort,
    grpcPort,
    metricsPort,
    origin,
    env: { DAPR_HTTP_PORT: String(httpPort), DAPR_HTTP_ENDPOINT: origin },
    resourcesDir,
    process: proc,
    logTail: () => proc.logTail(),
    stop,
  };
}
