// daprd in standalone (self-hosted) mode, as both the local runtime (demo,
// tests) and the node agent's sidecar start it: one command line, one
// readiness probe.

export interface StandaloneDaprdPorts {
  http: number;
  grpc: number;
  internalGrpc: number;
  metrics: number;
}

export interface StandaloneDaprdOptions {
  appId: string;
  resourcesDir: string;
  ports: StandaloneDaprdPorts;
  logLevel?: string;
}

/** No placement or scheduler: the state API needs neither. Everything listens on loopback only. */
export function standaloneDaprdArgs(options: StandaloneDaprdOptions): string[] {
  const { ports } = options;
  return [
    '--app-id', options.appId,
    '--resources-path', options.resourcesDir,
    '--dapr-http-port', String(ports.http),
    '--dapr-grpc-port', String(ports.grpc),
    '--dapr-internal-grpc-port', String(ports.internalGrpc),
    '--metrics-port', String(ports.metrics),
    '--dapr-listen-addresses', '127.0.0.1',
    '--metrics-listen-address', '127.0.0.1',
    '--log-level', options.logLevel ?? 'info',
  ];
}

/** `GET /v1.0/healthz/outbound` → 204 once components are loaded (the app has no port, so not /healthz). */
export async function isDaprOutboundReady(origin: string): Promise<boolean> {
  const response = await fetch(`${origin}/v1.0/healthz/outbound`, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.status === 204;
}
